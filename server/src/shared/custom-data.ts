import { z } from "zod";
import { CUSTOM_DATA_MAX_BYTES, type CustomData } from "@parley/sdk/protocol";
import { AppError } from "./errors.js";
import { invalidField } from "./validate.js";

/**
 * Custom data of users, conversations and messages: a JSON object the host's backend sets, stored
 * as JSON text (NULL when unset) and returned as `data` only when set, to keep the wire small.
 */

/** The shape rule (an object, not an array or a scalar): a 400 otherwise. Its size is checked by `assertDataSize`. */
export const customData = z.record(z.string(), z.unknown());

/** A field name of `filter[data.<field>]`, and the longest indexed field name. */
export const DATA_FIELD_MAX_CHARS = 64;
/** The longest indexed value (its string form): a longer one is stored but not filterable. */
export const DATA_VALUE_MAX_CHARS = 191;

/** 413 `payload_too_large` past CUSTOM_DATA_MAX_BYTES of UTF-8 JSON. */
export function assertDataSize(data: CustomData | null | undefined, path = "data"): void {
  if (data === null || data === undefined) return;
  const bytes = Buffer.byteLength(JSON.stringify(data), "utf8");
  if (bytes > CUSTOM_DATA_MAX_BYTES) {
    throw new AppError("payload_too_large", `Custom data is at most ${CUSTOM_DATA_MAX_BYTES} bytes of JSON (got ${bytes})`, [{ path, message: "Too large" }]);
  }
}

/** An object as its `data` column: JSON text, or NULL. */
export const storeData = (v: CustomData | null | undefined): string | null => (v === null || v === undefined ? null : JSON.stringify(v));

/** A raw `data` column value (JSON text, NULL) as an object or null. */
export function parseData(v: unknown): CustomData | null {
  if (v === null || v === undefined || v === "") return null;
  if (typeof v === "object") return v as CustomData;
  try {
    const parsed: unknown = JSON.parse(String(v));
    return parsed !== null && typeof parsed === "object" && !Array.isArray(parsed) ? (parsed as CustomData) : null;
  } catch {
    return null;
  }
}

/** `{ data }` when set, else nothing: spread into a presented DTO. */
export function dataField(column: string | null | undefined): { data?: CustomData } {
  const data = parseData(column);
  return data ? { data } : {};
}

/**
 * The (field, value) pairs a conversation's data is filterable by: its top-level strings, numbers
 * and booleans, as strings (`filter[data.orderId]=123` finds 123 and "123"). Nested values, nulls,
 * and values or field names too long for the index are not filterable.
 */
export function indexableScalars(data: CustomData | null | undefined): { field: string; value: string }[] {
  if (!data) return [];
  const out: { field: string; value: string }[] = [];
  for (const [field, v] of Object.entries(data)) {
    if (field.length === 0 || field.length > DATA_FIELD_MAX_CHARS) continue;
    const value = typeof v === "string" ? v : typeof v === "number" && Number.isFinite(v) ? String(v) : typeof v === "boolean" ? String(v) : null;
    if (value === null || value.length > DATA_VALUE_MAX_CHARS) continue;
    // MariaDB's PAD SPACE collations take "a " for "a": edge spaces would collide in the key.
    if (/\s$/u.test(field) || /\s$/u.test(value)) continue;
    out.push({ field, value });
  }
  return out;
}

/** A parsed `filter[data.<field>]=<value>` of a list query. */
export interface DataFilter {
  field: string;
  value: string;
}

/** At most this many filters in one list query (each is one index range). */
export const DATA_FILTERS_MAX = 4;

const FILTER_KEY = /^filter\[data\.(.+)\]$/su;

/**
 * The `filter[data.<field>]=<value>` parameters of a query string (Koa's `ctx.query`): 400 for a
 * `filter[...]` that is not of that form, a repeated one, a field or value too long, or too many.
 */
export function dataFilters(query: Record<string, string | string[] | undefined>): DataFilter[] {
  const out: DataFilter[] = [];
  for (const [k, v] of Object.entries(query)) {
    if (!k.startsWith("filter")) continue;
    const m = FILTER_KEY.exec(k);
    if (!m) throw invalidField(k, "Filters are written filter[data.<field>]=<value>");
    const field = m[1]!;
    if (typeof v !== "string") throw invalidField(k, "One value per filter");
    if (field.length > DATA_FIELD_MAX_CHARS || /[\uD800-\uDFFF]/u.test(field)) throw invalidField(k, `A field name is 1..${DATA_FIELD_MAX_CHARS} characters`);
    if (v.length > DATA_VALUE_MAX_CHARS) throw invalidField(k, `A filter value is at most ${DATA_VALUE_MAX_CHARS} characters`);
    out.push({ field, value: v });
  }
  if (out.length > DATA_FILTERS_MAX) throw invalidField("filter", `At most ${DATA_FILTERS_MAX} filters`);
  return out;
}
