import type { ValueTransformer } from "typeorm";

/**
 * BIGINT columns as JS numbers (mysql2 returns them as strings). Times are stored as epoch
 * milliseconds in BIGINTs so both databases agree on them exactly; ids stay below 2^53.
 */
export const asNumber: ValueTransformer = {
  to: (v: number | null | undefined) => v,
  from: (v: string | number | null) => (v === null || v === undefined ? null : Number(v)),
};

export const iso = (ms: number): string => new Date(ms).toISOString();
export const isoOrNull = (ms: number | null): string | null => (ms === null ? null : iso(ms));
