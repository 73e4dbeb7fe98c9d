import { randomBytes } from "node:crypto";

const ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyz";

/** A random, URL-safe id with a readable prefix (`usr_…`, `app_…`): 20 base36 chars, ~103 bits. */
export function newId(prefix: string, length = 20): string {
  const bytes = randomBytes(length);
  let out = "";
  // 252 = 7 * 36: bytes at or above it would bias the modulo, so they are mapped by re-drawing.
  for (let i = 0; i < length; i++) {
    let b = bytes[i]!;
    while (b >= 252) b = randomBytes(1)[0]!;
    out += ALPHABET[b % 36];
  }
  return `${prefix}_${out}`;
}

/** An opaque secret token: 32 random bytes, base64url. */
export function newSecret(prefix: string): string {
  return `${prefix}_${randomBytes(32).toString("base64url")}`;
}

/** The longest id this server stores (`usr_` + 20, `cnv_` + 20, …, with room to spare). */
export const STORED_ID_MAX_CHARS = 32;

/**
 * Whether an id can name a stored row at all. One that cannot is answered like an unknown one
 * (404), before any query: the databases would compare it only to find nothing.
 */
export const canExist = (id: string): boolean => id.length <= STORED_ID_MAX_CHARS;
