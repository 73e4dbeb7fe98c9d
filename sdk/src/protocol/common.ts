// What every area uses: timestamps, the host's custom data, pages of a list; and the health check.

/** ISO-8601 timestamp in UTC, e.g. `2026-11-22T10:00:00.000Z`. */
export type Timestamp = string;

/**
 * Custom data of a user, conversation or message: a JSON object the host sets through the server
 * API, at most `CUSTOM_DATA_MAX_BYTES` serialized (UTF-8). Returned by every read as `data`,
 * absent when none is set.
 */
export type CustomData = Record<string, unknown>;

/** The largest custom data object, in bytes of its JSON (UTF-8): beyond it a write is a 413. */
export const CUSTOM_DATA_MAX_BYTES = 4096;

/** What a page of any list looks like: the items and the cursor for the next page, if any. */
export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export interface HealthResponse {
  status: "ok" | "degraded";
  db: "ok" | "down";
  version: string;
}
