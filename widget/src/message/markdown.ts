/**
 * The message formatting of issue 33: a small Markdown subset, parsed into a tree that
 * formatting.ts draws as Lit templates (never as HTML) and that plainText() flattens for one-line
 * previews. The stored and sent text stays the raw text.
 *
 * Blocks: "```" fenced code (closed by a line of at least as many backticks; an unclosed fence is
 * text), "> " quotes, "- " / "* " / "+ " and "1. " / "1) " lists (a line indented by two spaces
 * or more continues an item, so lists nest), and paragraphs, whose line breaks and blank lines
 * stay as typed. Inline: `**bold**` / `__bold__`, `*italic*` / `_italic_`, `~~strike~~`, `code`
 * (any run of backticks, closed by a run as long), `[text](url)` with an http(s) or mailto URL,
 * and `\` before punctuation for a literal character. `_` works only at word boundaries
 * (snake_case stays text); a marker that is not closed stays text.
 *
 * Hostile input: a link to anything but http(s) and mailto stays text; nesting is bounded
 * (MAX_BLOCK_DEPTH, MAX_INLINE_DEPTH: deeper markers stay text); every step moves forward and
 * looks back at most a bounded stack, so the work is linear in the input (no regular expression
 * here can backtrack more than a line's indentation).
 */

export type Inline = string | { t: "strong" | "em" | "s"; c: Inline[] } | { t: "code"; v: string } | { t: "a"; href: string; c: Inline[] };
export type Block =
  | { t: "p"; c: Inline[] }
  | { t: "pre"; v: string }
  | { t: "quote"; c: Block[] }
  | { t: "ul"; c: Block[][] }
  | { t: "ol"; start: number; c: Block[][] };

/** Quotes and lists nest this deep; a deeper marker is text. */
export const MAX_BLOCK_DEPTH = 6;
/** Open inline spans (bold, italic, strike, link text) at once; a deeper marker is text. */
export const MAX_INLINE_DEPTH = 8;

const FENCE = /^ {0,3}(`{3,})[^`]*$/;
const CLOSE = /^ {0,3}(`{3,}) *$/;
const QUOTE = /^ {0,3}> ?/;
const ITEM = /^ {0,3}(?:([-*+])|(\d{1,9})[.)])[ \t]+(?=\S)/;
const PUNCT = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~";

/** `src` as blocks. */
export function parse(src: string): Block[] {
  return blocks(src.replace(/\r\n?/g, "\n").split("\n"), 0);
}

/** `src` without its markup: what previews, announcements and notifications show. */
export function plainText(src: string): string {
  return parse(src).map(blockText).join("\n");
}

const blockText = (b: Block): string =>
  b.t === "pre"
    ? b.v
    : b.t === "p"
      ? b.c.map(inlineText).join("")
      : b.t === "quote"
        ? b.c.map(blockText).join("\n")
        : b.c.map((i) => i.map(blockText).join("\n")).join("\n");

const inlineText = (n: Inline): string =>
  typeof n === "string" ? n : n.t === "code" ? n.v : n.t === "a" && !n.c.length ? n.href : n.c.map(inlineText).join("");

const indent = (line: string): number => {
  let n = 0;
  while (line[n] === " ") n++;
  return n;
};

function blocks(lines: string[], depth: number): Block[] {
  const out: Block[] = [];
  let para: string[] = [];
  const flush = () => {
    // Blank lines around a paragraph go (the blocks' margins stand for them); inside, they stay.
    let a = 0;
    let z = para.length;
    while (a < z && !para[a]!.trim()) a++;
    while (z > a && !para[z - 1]!.trim()) z--;
    if (z > a) out.push({ t: "p", c: inline(para.slice(a, z).join("\n")) });
    para = [];
  };
  // Fence lengths known to have no closing line after a given line: each is looked for once.
  const unclosed = new Map<number, number>();
  for (let i = 0; i < lines.length; ) {
    const line = lines[i]!;
    const fence = FENCE.exec(line);
    if (fence) {
      const n = fence[1]!.length;
      let j = (unclosed.get(n) ?? lines.length) <= i ? -1 : i + 1;
      while (j > 0 && j < lines.length && (CLOSE.exec(lines[j]!)?.[1]?.length ?? 0) < n) j++;
      if (j > 0 && j < lines.length) {
        flush();
        out.push({ t: "pre", v: lines.slice(i + 1, j).join("\n") });
        i = j + 1;
        continue;
      }
      if (!unclosed.has(n)) unclosed.set(n, i);
    } else if (depth < MAX_BLOCK_DEPTH && QUOTE.test(line)) {
      const inner: string[] = [];
      for (; i < lines.length && QUOTE.test(lines[i]!); i++) inner.push(lines[i]!.replace(QUOTE, ""));
      flush();
      out.push({ t: "quote", c: blocks(inner, depth + 1) });
      continue;
    } else if (depth < MAX_BLOCK_DEPTH && ITEM.test(line)) {
      flush();
      i = list(lines, i, depth, out);
      continue;
    }
    para.push(line);
    i++;
  }
  flush();
  return out;
}

/** The list starting at line `i`, pushed to `out`; returns the line after it. */
function list(lines: string[], i: number, depth: number, out: Block[]): number {
  const first = ITEM.exec(lines[i]!)!;
  const ordered = first[2] !== undefined;
  const items: Block[][] = [];
  while (i < lines.length) {
    const m = ITEM.exec(lines[i]!);
    if (!m || (m[2] !== undefined) !== ordered) break;
    const width = m[0].length;
    const body = [lines[i]!.slice(width)];
    // Lines indented by two spaces or more continue the item (a nested list, a code block).
    for (i++; i < lines.length && lines[i]!.trim() && indent(lines[i]!) >= 2; i++) body.push(lines[i]!.slice(Math.min(width, indent(lines[i]!))));
    items.push(blocks(body, depth + 1));
  }
  out.push(ordered ? { t: "ol", start: Number(first[2]), c: items } : { t: "ul", c: items });
  return i;
}

interface Frame {
  /** The marker that opened it ("**", "_", "~~", "[", …); "" for the root. */
  m: string;
  c: Inline[];
  /** A "[" inside a link's text cannot make a link (no links in links). */
  dead?: boolean;
}

const isSpace = (c: string | undefined): boolean => c === undefined || /\s/.test(c);
const isWord = (c: string | undefined): boolean => c !== undefined && /[\p{L}\p{N}_]/u.test(c);

/** Where each run of backticks starts, its length, and the next run as long (-1: none). */
function backtickRuns(s: string): { at: number[]; len: number[]; next: number[] } {
  const at: number[] = [];
  const len: number[] = [];
  for (let i = 0; i < s.length; i++) {
    if (s[i] === "\\" && PUNCT.includes(s[i + 1] ?? "a")) i++;
    else if (s[i] === "`") {
      let j = i;
      while (s[j] === "`") j++;
      at.push(i);
      len.push(j - i);
      i = j - 1;
    }
  }
  const next: number[] = new Array(at.length);
  const seen = new Map<number, number>();
  for (let k = at.length - 1; k >= 0; k--) {
    next[k] = seen.get(len[k]!) ?? -1;
    seen.set(len[k]!, k);
  }
  return { at, len, next };
}

const isStop = (c: string): boolean => c === "<" || c === ">" || /\s/.test(c);

/**
 * For each "](" of `s`: where the ")" that ends its URL is (-1: none). A URL runs to the first
 * ")" that is not matched by a "(" inside it (Wikipedia's "Foo_(bar)" works) and holds no space,
 * "<" or ">". Found for all of them in two passes, so a thousand unclosed "[x](" cost no more
 * than one: the depth of parentheses before each character, then, from the end, the nearest ")"
 * at each depth.
 */
function urlEnds(s: string): Map<number, number> {
  const ends = new Map<number, number>();
  const starts: number[] = [];
  const depth = new Int32Array(s.length);
  for (let i = 0, d = 0; i < s.length; i++) {
    const c = s[i]!;
    if (c === "]" && s[i + 1] === "(") starts.push(i + 2);
    depth[i] = d;
    d = isStop(c) ? 0 : c === "(" ? d + 1 : c === ")" ? d - 1 : d;
  }
  const next = new Map<number, number>();
  for (let i = s.length - 1, q = starts.length - 1; i >= 0 && q >= 0; i--) {
    if (isStop(s[i]!)) next.clear();
    else if (s[i] === ")") next.set(depth[i]!, i);
    if (starts[q] === i) ends.set(i, next.get(depth[i]!) ?? -1), q--;
  }
  return ends;
}

/** The href of a link's URL when it is http(s) or mailto, else null. */
export function safeHref(url: string): string | null {
  if (!/^(?:https?:\/\/|mailto:)/i.test(url)) return null;
  try {
    const u = new URL(url);
    return u.protocol === "http:" || u.protocol === "https:" || u.protocol === "mailto:" ? u.href : null;
  } catch {
    return null;
  }
}

/** One paragraph's text as inline nodes: a single pass with a bounded stack of open spans. */
function inline(s: string): Inline[] {
  const stack: Frame[] = [{ m: "", c: [] }];
  const top = () => stack[stack.length - 1]!;
  const add = (n: Inline, to = top()) => {
    const last = to.c.length - 1;
    if (typeof n === "string" && typeof to.c[last] === "string") to.c[last] += n;
    else if (n !== "") to.c.push(n);
  };
  // An unclosed span: its marker and content go back to the span around it, as text.
  const unwind = () => {
    const f = stack.pop()!;
    add(f.m);
    for (const n of f.c) add(n);
  };
  const runs = backtickRuns(s);
  let ends: Map<number, number> | undefined;
  let r = 0;
  let i = 0;
  while (i < s.length) {
    const ch = s[i]!;
    if (ch === "\\" && PUNCT.includes(s[i + 1] ?? "a")) {
      add(s[i + 1]!);
      i += 2;
    } else if (ch === "`") {
      while (runs.at[r]! < i) r++;
      const close = runs.next[r]!;
      const end = i + runs.len[r]!;
      if (close >= 0) {
        const v = s.slice(end, runs.at[close]);
        // One space each side is padding ("`` `x` ``" shows `x`).
        add({ t: "code", v: v.length > 2 && v[0] === " " && v[v.length - 1] === " " && v.trim() ? v.slice(1, -1) : v });
        i = runs.at[close]! + runs.len[close]!;
        r = close + 1;
      } else {
        add(s.slice(i, end));
        i = end;
        r++;
      }
    } else if ((ch === "h" || ch === "H") && !isWord(s[i - 1]) && /^https?:\/\//i.test(s.slice(i, i + 8))) {
      // A bare URL is text (linkified when drawn): the markers in it are not markup. In a link's
      // text it ends at "]".
      const bracketed = stack.some((f) => f.m === "[");
      let j = i;
      while (j < s.length && !/[\s<>"']/.test(s[j]!) && !(bracketed && s[j] === "]")) j++;
      while (j > i && ".,;:!?)]*_~".includes(s[j - 1]!)) j--;
      add(s.slice(i, j));
      i = j;
    } else if (ch === "*" || ch === "_" || ch === "~") {
      i = delimiters(i);
    } else if (ch === "[") {
      if (stack.length <= MAX_INLINE_DEPTH) stack.push({ m: "[", c: [] });
      else add("[");
      i++;
    } else if (ch === "]") {
      i = bracket(i);
    } else {
      let j = i + 1;
      while (j < s.length && !"\\`hH*_~[]".includes(s[j]!)) j++;
      add(s.slice(i, j));
      i = j;
    }
  }
  while (stack.length > 1) unwind();
  return stack[0]!.c;

  /** A run of `*`, `_` or `~` at `i`: closes open spans, opens new ones, or is text. */
  function delimiters(i: number): number {
    const ch = s[i]!;
    let j = i;
    while (s[j] === ch) j++;
    let n = j - i;
    const before = s[i - 1];
    const after = s[j];
    let open = !isSpace(after);
    let close = !isSpace(before);
    if (ch === "_") (open &&= !isWord(before)), (close &&= !isWord(after));
    if (ch === "~" && n !== 2) open = close = false;
    // Spans this run opens are not closed by the same run ("a****b" is text).
    let below = stack.length;
    while (n > 0) {
      if (close) {
        let k = Math.min(below, stack.length) - 1;
        while (k > 0 && stack[k]!.m !== "[" && !(stack[k]!.m[0] === ch && stack[k]!.m.length <= n)) k--;
        if (k > 0 && stack[k]!.m !== "[") {
          while (stack.length - 1 > k) unwind();
          const f = stack.pop()!;
          n -= f.m.length;
          add(f.c.length ? { t: ch === "~" ? "s" : f.m.length === 2 ? "strong" : "em", c: f.c } : f.m + f.m);
          below = stack.length;
          continue;
        }
      }
      if (open && stack.length <= MAX_INLINE_DEPTH) {
        const m = ch.repeat(n >= 2 ? 2 : 1);
        stack.push({ m, c: [] });
        n -= m.length;
        continue;
      }
      add(ch.repeat(n));
      break;
    }
    return j;
  }

  /** A "]" at `i`: closes a link when "(url)" follows with an allowed URL, else is text. */
  function bracket(i: number): number {
    let k = stack.length - 1;
    while (k > 0 && stack[k]!.m !== "[") k--;
    let href: string | null = null;
    let j = -1;
    if (k > 0 && !stack[k]!.dead && s[i + 1] === "(") {
      j = (ends ??= urlEnds(s)).get(i + 2) ?? -1;
      if (j > 0) href = safeHref(s.slice(i + 2, j));
    }
    if (k > 0) while (stack.length - 1 > k) unwind();
    if (!href) {
      // Not a link: the "[" and what followed it are text, and so is this "]".
      if (k > 0) unwind();
      add("]");
      return i + 1;
    }
    const f = stack.pop()!;
    add({ t: "a", href, c: f.c });
    for (const g of stack) if (g.m === "[") g.dead = true;
    return j + 1;
  }
}
