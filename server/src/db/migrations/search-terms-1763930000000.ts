/**
 * The search terms of migration 1763930000000-Search, frozen: a copy of what its backfill called
 * in search/terms.ts (`documentText` and what it calls) as they were when it shipped. A migration
 * must do tomorrow what it did then, so it never reads the live search/terms.ts; when the live
 * terms change, the index they make is rebuilt by a new migration, not by editing this file.
 */

/** Letters, digits and combining marks: what a word is made of. */
const WORD = /[\p{L}\p{N}\p{M}]+/gu;
/** Scripts written without spaces between words, searched by bigrams. */
const CJK = /^[\p{sc=Han}\p{sc=Hiragana}\p{sc=Katakana}\p{sc=Hangul}\u30fc]$/u;

/** InnoDB ignores words longer than `innodb_ft_max_token_size` (84): longer encodings are cut. */
const MAX_ENCODED = 80;
const WORD_TAG = "zw";
const CONVERSATION_TAG = "cv";

/** A term found in a text, with the span of the original text it came from (UTF-16 offsets). */
interface Unit {
  term: string;
  start: number;
  end: number;
  /** A CJK term: `end` of its first character (a one-character query highlights only that). */
  firstEnd: number;
  kind: "word" | "cjk";
  /** The lone last character of a CJK run of two or more (stored; redundant in a query). */
  tail: boolean;
}

/** The terms of `text` in order, with where each came from. */
function units(text: string): Unit[] {
  const out: Unit[] = [];
  for (const m of text.matchAll(WORD)) {
    const base = m.index;
    // Split the word into runs of CJK and non-CJK characters, by code point.
    let run: { start: number; end: number; cjk: boolean; chars: { start: number; end: number; c: string }[] } | undefined;
    const flush = (): void => {
      if (!run) return;
      if (run.cjk) cjkUnits(run.chars, out);
      else wordUnits(text.slice(run.start, run.end), run.start, run.end, out);
      run = undefined;
    };
    let i = base;
    for (const c of m[0]) {
      const cjk = CJK.test(c);
      if (!run || run.cjk !== cjk) {
        flush();
        run = { start: i, end: i, cjk, chars: [] };
      }
      run.chars.push({ start: i, end: i + c.length, c });
      i += c.length;
      run.end = i;
    }
    flush();
  }
  return out;
}

function wordUnits(original: string, start: number, end: number, out: Unit[]): void {
  // NFKC can split a run ("¼" → "1⁄4"): each piece is a term spanning the original run.
  for (const w of normWord(original).matchAll(WORD)) out.push({ term: w[0], start, end, firstEnd: end, kind: "word", tail: false });
}

function cjkUnits(chars: { start: number; end: number; c: string }[], out: Unit[]): void {
  const cs = chars.map((x) => ({ ...x, c: norm(x.c) }));
  if (cs.length === 1) {
    const only = cs[0]!;
    out.push({ term: only.c, start: only.start, end: only.end, firstEnd: only.end, kind: "cjk", tail: false });
    return;
  }
  for (let k = 0; k + 1 < cs.length; k++) {
    const a = cs[k]!;
    const b = cs[k + 1]!;
    out.push({ term: a.c + b.c, start: a.start, end: b.end, firstEnd: a.end, kind: "cjk", tail: false });
  }
  const last = cs[cs.length - 1]!;
  out.push({ term: last.c, start: last.start, end: last.end, firstEnd: last.end, kind: "cjk", tail: true });
}

const norm = (s: string): string => s.normalize("NFKC").toLowerCase();

/** Words also drop accents ("café" is found by "cafe"): the combining diacritics of Latin, Greek and Cyrillic. */
const normWord = (s: string): string =>
  s
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .normalize("NFKC")
    .toLowerCase();

/** A prefix-free ASCII spelling of a term: `[a-z0-9]` kept, any other character `x` + 4 base-36 digits. */
function encodeTerm(term: string, tag = WORD_TAG): { word: string; cut: boolean } {
  let out = tag;
  for (const c of term) {
    const piece = /^[a-wyz0-9]$/.test(c) ? c : `x${c.codePointAt(0)!.toString(36).padStart(4, "0")}`;
    if (out.length + piece.length > MAX_ENCODED) return { word: out, cut: true };
    out += piece;
  }
  return { word: out, cut: false };
}

/** The token a message's conversation adds to its terms: a search restricted to conversations ANDs an OR of these. */
const conversationToken = (conversationId: string): string => encodeTerm(conversationId, CONVERSATION_TAG).word;

/** The stored search text of a message: its distinct encoded terms and its conversation's token, space-separated. */
export function documentText(conversationId: string, text: string): string {
  const words = new Set<string>();
  for (const u of units(text)) words.add(encodeTerm(u.term).word);
  words.add(conversationToken(conversationId));
  return [...words].join(" ");
}
