import { domainToASCII } from "node:url";

/*
 * Which link of a message gets a preview: the first http(s) link a reader sees as a link, by the
 * widget's formatter's rules (widget/src/message/markdown.ts, linkify.ts), re-stated here because
 * the server does not import widget code:
 *
 * - fenced code blocks ("```", closed by a line of at least as many backticks; an unclosed fence
 *   is text) and inline code (a backtick run closed by the next run as long) hold no links;
 *   `\` before punctuation makes it literal;
 * - a bare URL starts with http:// or https:// not preceded by a letter, digit or "_", runs to
 *   whitespace or < > " ' (or "]" inside a link's text), and loses trailing . , ; : ! ? ) ] * _ ~;
 * - `[text](url)` is a link when the URL is http(s); the URL runs to the first ")" not matched by
 *   a "(" inside it and holds no space, < or >. A bare URL inside a link's text is that link's
 *   text, not a link of its own.
 *
 * Approximations, each erring towards no preview or a visible link: a fence is recognized inside
 * quotes and list items by stripping their markers (the formatter parses them as nested blocks),
 * and the formatter's nesting limits are not applied.
 */

const FENCE = /^ {0,3}(`{3,})[^`]*$/;
const CLOSE = /^ {0,3}(`{3,}) *$/;
/** Quote markers and list-item markers before a line's content. */
const CONTAINER = /^(?:\s*(?:>|[-*+]|\d{1,9}[.)])(?=\s|$)\s?)*/;
const PUNCT = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~";

/** The first http(s) link of a message's text, as an absolute URL, or null. */
export function firstLink(text: string): string | null {
  for (const paragraph of textOutsideFences(text)) {
    const link = firstInlineLink(paragraph);
    if (link) return link;
  }
  return null;
}

/** The runs of lines outside fenced code blocks, in order (inline code cannot span them). */
function textOutsideFences(text: string): string[] {
  const lines = text.replace(/\r\n?/g, "\n").split("\n");
  const runs: string[] = [];
  let run: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = FENCE.exec(lines[i]!.replace(CONTAINER, ""));
    const close = open ? closingLine(lines, i, open[1]!.length) : -1;
    if (close < 0) {
      run.push(lines[i]!);
      continue;
    }
    runs.push(run.join("\n"));
    run = [];
    i = close;
  }
  runs.push(run.join("\n"));
  return runs;
}

function closingLine(lines: string[], from: number, ticks: number): number {
  for (let j = from + 1; j < lines.length; j++) {
    if ((CLOSE.exec(lines[j]!.replace(CONTAINER, ""))?.[1]?.length ?? 0) >= ticks) return j;
  }
  return -1;
}

const isWord = (c: string | undefined): boolean => c !== undefined && /[\p{L}\p{N}_]/u.test(c);

/** The first link of text outside code blocks, by the inline rules above. */
function firstInlineLink(s: string): string | null {
  /** Open "[" count; a bare URL found inside one waits to learn whether it is link text. */
  let open = 0;
  let pending: string | null = null;
  for (let i = 0; i < s.length; ) {
    const ch = s[i]!;
    if (ch === "\\" && PUNCT.includes(s[i + 1] ?? "a")) i += 2;
    else if (ch === "`") i = afterCode(s, i);
    else if ((ch === "h" || ch === "H") && !isWord(s[i - 1]) && /^https?:\/\//i.test(s.slice(i, i + 8))) {
      const { end, url } = bareUrl(s, i, open > 0);
      if (url && open === 0) return url;
      if (url && pending === null) pending = url;
      i = end;
    } else if (ch === "[") {
      open++;
      i++;
    } else if (ch === "]" && open > 0) {
      const link = s[i + 1] === "(" ? linkTarget(s, i + 2) : null;
      // A link: any bare URL seen since the outermost "[" was its text.
      if (link) return link.url;
      open--;
      i++;
      if (open === 0 && pending !== null) return pending;
    } else i++;
  }
  return pending;
}

/** After the inline code span opening at `i` (or after its backticks, when no run as long closes it). */
function afterCode(s: string, i: number): number {
  let j = i;
  while (s[j] === "`") j++;
  const ticks = j - i;
  for (let k = j; k < s.length; ) {
    if (s[k] !== "`") {
      k++;
      continue;
    }
    let e = k;
    while (s[e] === "`") e++;
    if (e - k === ticks) return e;
    k = e;
  }
  return j;
}

/** The bare URL starting at `i`: where it ends and its absolute form (null when it does not parse). */
function bareUrl(s: string, i: number, inLinkText: boolean): { end: number; url: string | null } {
  let j = i;
  while (j < s.length && !/[\s<>"']/.test(s[j]!) && !(inLinkText && s[j] === "]")) j++;
  while (j > i && ".,;:!?)]*_~".includes(s[j - 1]!)) j--;
  return { end: Math.max(j, i + 1), url: httpUrl(s.slice(i, j)) };
}

/** The http(s) URL of "(url)" starting at `from` (after "]("), or null. */
function linkTarget(s: string, from: number): { url: string } | null {
  let depth = 0;
  for (let j = from; j < s.length; j++) {
    const c = s[j]!;
    if (c === "<" || c === ">" || /\s/.test(c)) return null;
    if (c === "(") depth++;
    else if (c === ")" && depth-- === 0) {
      const url = httpUrl(s.slice(from, j));
      return url ? { url } : null;
    }
  }
  return null;
}

function httpUrl(raw: string): string | null {
  if (!/^https?:\/\//i.test(raw)) return null;
  try {
    const u = new URL(raw);
    return u.protocol === "http:" || u.protocol === "https:" ? u.href : null;
  } catch {
    return null;
  }
}

/** An app's domain lists: entries like "example.com" (its subdomains included); empty allow = any. */
export interface DomainRules {
  allow: readonly string[];
  deny: readonly string[];
}

/**
 * Whether previews may be fetched from `host`: a rule matches the domain itself and its
 * subdomains on a dot boundary (example.com matches www.example.com, never badexample.com);
 * deny wins over allow; with an allow list, only what it matches. Names are compared in their
 * ASCII (punycode) form, case and a trailing dot ignored.
 */
export function domainAllowed(host: string, rules: DomainRules): boolean {
  const h = normalizeHost(host);
  if (!h) return false;
  const matches = (rule: string) => {
    const d = normalizeHost(rule.replace(/^\*?\./, ""));
    return d !== "" && (h === d || h.endsWith(`.${d}`));
  };
  if (rules.deny.some(matches)) return false;
  return rules.allow.length === 0 || rules.allow.some(matches);
}

function normalizeHost(host: string): string {
  const h = host
    .trim()
    .replace(/^\[|\]$/g, "")
    .replace(/\.$/, "")
    .toLowerCase();
  if (h.includes(":")) return h; // an IPv6 literal
  return domainToASCII(h);
}
