/**
 * The one spelling of an email address that Parley stores, compares and keys limits by: Unicode
 * NFKC (full-width `ｖ`, `＠` and ligatures become ASCII), lower-cased, surrounding whitespace
 * (no-break spaces included) trimmed. Applied once at the edge and again by the users service,
 * so every path agrees: storing, looking up, and the per-account lockout key.
 *
 * Nothing beyond that folds: `vïctim@x` and `victim@x` are different addresses. The database
 * must agree, so on MySQL/MariaDB the column compares byte for byte (migration
 * 1763830000000-NormalizedEmails): a collation that folds accents or ignores zero-width
 * characters would let a spelling the code calls different reach the same row.
 */
export function normalizeEmail(raw: string): string {
  return raw.normalize("NFKC").toLowerCase().normalize("NFKC").trim();
}
