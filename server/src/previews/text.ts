import { Parser } from "htmlparser2";

/*
 * A page's title or description is someone else's text shown inside a chat: it must arrive as
 * plain, bounded text. Attribute values and <title> come entity-decoded from the parser once;
 * markup a page put inside them (og:title="<b>Hi</b><script>…") is parsed out here with entities
 * left alone (decoding twice would turn a literal "&amp;lt;" into "<"), script and style text
 * dropped. Then characters that could reorder or hide the text around it in the reader's UI go.
 */

/** Longest title, description and site name kept, in code points (an ellipsis included). */
export const TEXT_LIMITS = { title: 200, description: 300, siteName: 100 } as const;

/** Raw text looked at, at most: an attribute can be as long as the page. */
const RAW_MAX = 20_000;

/**
 * C0 and C1 controls, bidi embeddings, overrides and isolates (U+202A–E, U+2066–9), marks
 * (U+200E, U+200F, U+061C), line and paragraph separators and the BOM. Zero-width joiners stay:
 * emoji sequences need them.
 */
const UNSAFE = /[\p{Cc}\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff]/gu;

/** `raw` as one line of plain text of at most `max` code points, or null when nothing is left. */
export function cleanText(raw: string | undefined, max: number): string | null {
  if (raw === undefined) return null;
  let s = raw.slice(0, RAW_MAX);
  if (s.includes("<")) s = withoutMarkup(s);
  s = s.replace(UNSAFE, " ").replace(/\s+/g, " ").trim();
  if (!s) return null;
  return clip(s, max);
}

/** The text of an HTML fragment: tags gone, script and style contents gone, entities as they were. */
function withoutMarkup(fragment: string): string {
  let out = "";
  let hidden = 0;
  const parser = new Parser(
    {
      onopentag: (name) => {
        if (name === "script" || name === "style") hidden++;
      },
      onclosetag: (name) => {
        if ((name === "script" || name === "style") && hidden > 0) hidden--;
      },
      ontext: (t) => {
        if (hidden === 0) out += t;
      },
    },
    { decodeEntities: false },
  );
  parser.end(fragment);
  return out;
}

/** At most `max` code points (never half a surrogate pair), "…" marking a cut. */
function clip(s: string, max: number): string {
  const points = Array.from(s);
  if (points.length <= max) return s;
  return `${points
    .slice(0, max - 1)
    .join("")
    .trimEnd()}…`;
}
