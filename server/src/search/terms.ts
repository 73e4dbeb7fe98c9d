/**
 * Search terms: how message text and queries become index terms, in app code, so SQLite FTS5 and
 * InnoDB FULLTEXT see the same thing and neither's tokenizer decides what matches.
 *
 * - Text is NFKC-normalised and lower-cased; words are runs of letters, digits and marks.
 * - Runs of CJK (Han, Hiragana, Katakana, Hangul) have no spaces to split on: they become
 *   overlapping bigrams ("東京都" → 東京, 京都), plus the run's last character alone, so every
 *   character starts some term and a one-character query can be a prefix search.
 * - Every term is stored encoded (`encodeTerm`): a two-letter tag and the characters in
 *   `[a-z0-9]`, anything else escaped as `x` + 4 base-36 digits. InnoDB's parser then sees one
 *   ASCII word of at least 3 characters (its `innodb_ft_min_token_size` default, not settable
 *   here), never one of its stopwords ("the", "is", "to" …) and never a CJK string it cannot
 *   split; FTS5's `ascii` tokenizer sees the same words. The escape is prefix-free, so a prefix
 *   of a word encodes to a prefix of its encoding (prefix search survives the encoding).
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
export interface Unit {
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
export function units(text: string): Unit[] {
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
export function encodeTerm(term: string, tag = WORD_TAG): { word: string; cut: boolean } {
  let out = tag;
  for (const c of term) {
    const code = c.codePointAt(0)!;
    // [a-wyz0-9] kept, tested by code: a regular expression a character was most of what the ASCII shortcut left.
    const kept = (code >= 0x30 && code <= 0x39) || (code >= 0x61 && code <= 0x7a && code !== 0x78);
    const piece = kept ? c : `x${code.toString(36).padStart(4, "0")}`;
    if (out.length + piece.length > MAX_ENCODED) return { word: out, cut: true };
    out += piece;
  }
  return { word: out, cut: false };
}

/** The token a message's conversation adds to its terms: a search restricted to conversations ANDs an OR of these. */
export const conversationToken = (conversationId: string): string => encodeTerm(conversationId, CONVERSATION_TAG).word;

/** The stored search text of a message: its distinct encoded terms and its conversation's token, space-separated. */
export function documentText(conversationId: string, text: string): string {
  const words = new Set<string>();
  if (ASCII.test(text)) {
    // Most messages are ASCII. There a word is a run of [A-Za-z0-9], which NFKC, accents and CJK
    // leave alone: lower-cased it is its term, and without an `x` (escaped) and short enough it
    // encodes to the tag and itself. The same terms as `units`, in the same order, at a tenth of
    // the cost (15 µs a typical message, issue 56); `search-terms.test.ts` holds the two equal.
    for (const w of text.toLowerCase().match(ASCII_WORD) ?? []) {
      words.add(w.length <= MAX_ENCODED - WORD_TAG.length && !w.includes("x") ? WORD_TAG + w : encodeTerm(w).word);
    }
  } else for (const u of units(text)) words.add(encodeTerm(u.term).word);
  words.add(conversationToken(conversationId));
  return [...words].join(" ");
}

const ASCII = /^\p{ASCII}*$/u;
const ASCII_WORD = /[a-z0-9]+/g;

/** One term of a query: every term must match; a prefix term matches any stored term it begins. */
export interface QueryTerm {
  term: string;
  /** The encoded word to look up. */
  word: string;
  prefix: boolean;
  kind: "word" | "cjk";
}

/**
 * The terms of a query, tokenized like stored text. The last word is a prefix (search as you
 * type), as is a lone CJK character; CJK runs of two or more ask for all their bigrams. A term
 * too long to store whole is asked for by its stored beginning, as a prefix.
 */
export function queryTerms(q: string): QueryTerm[] {
  const us = units(q).filter((u) => !u.tail);
  const lastWord = us.map((u) => u.kind).lastIndexOf("word");
  const seen = new Map<string, QueryTerm>();
  us.forEach((u, n) => {
    const enc = encodeTerm(u.term);
    const prefix = enc.cut || (u.kind === "word" ? n === lastWord : [...u.term].length === 1);
    const prev = seen.get(enc.word);
    if (prev) prev.prefix &&= prefix;
    else seen.set(enc.word, { term: u.term, word: enc.word, prefix, kind: u.kind });
  });
  return [...seen.values()];
}

/** Whether a unit of a message's text is what `t` asks for. */
function matches(u: Unit, t: QueryTerm): boolean {
  if (u.kind !== t.kind) return false;
  return t.prefix ? u.term.startsWith(t.term) : u.term === t.term;
}

/** Whether `text` holds every term of a query, as the index would answer (its terms are made by `units` too). */
export function textMatches(text: string, terms: QueryTerm[]): boolean {
  const us = units(text);
  return terms.every((t) => us.some((u) => matches(u, t)));
}

export const SNIPPET_MAX = 160;
const LEAD = 40;

/**
 * The snippet of a hit: the text around its first match (at most SNIPPET_MAX characters, "…"
 * where cut) and the matched spans in it as [start, end) UTF-16 offsets, sorted, merged.
 */
export function snippetOf(text: string, terms: QueryTerm[]): { snippet: string; highlights: Array<[number, number]> } {
  const spans: Array<[number, number]> = [];
  for (const u of units(text)) {
    const t = terms.find((x) => matches(u, x));
    if (!t) continue;
    // A one-character CJK query found inside a bigram marks that character only.
    spans.push([u.start, t.kind === "cjk" && [...t.term].length === 1 ? u.firstEnd : u.end]);
  }
  spans.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  const merged: Array<[number, number]> = [];
  for (const s of spans) {
    const last = merged[merged.length - 1];
    if (last && s[0] <= last[1]) last[1] = Math.max(last[1], s[1]);
    else merged.push([s[0], s[1]]);
  }
  let from = 0;
  let to = text.length;
  if (text.length > SNIPPET_MAX) {
    const first = merged[0]?.[0] ?? 0;
    from = Math.max(0, Math.min(first - LEAD, text.length - SNIPPET_MAX));
    to = from + SNIPPET_MAX;
    // Never cut a surrogate pair in two.
    if (from > 0 && isLowSurrogate(text.charCodeAt(from))) from++;
    if (to < text.length && isLowSurrogate(text.charCodeAt(to))) to--;
  }
  const lead = from > 0 ? "…" : "";
  const snippet = lead + text.slice(from, to) + (to < text.length ? "…" : "");
  const highlights: Array<[number, number]> = [];
  for (const [s, e] of merged) {
    const a = Math.max(s, from);
    const b = Math.min(e, to);
    if (a < b) highlights.push([a - from + lead.length, b - from + lead.length]);
  }
  return { snippet, highlights };
}

const isLowSurrogate = (code: number): boolean => code >= 0xdc00 && code <= 0xdfff;
