import { isIP } from "node:net";
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

/**
 * An app's domain lists: each entry an exact host ("example.com": that host only) or a suffix
 * ("*.example.com": any host under example.com, not example.com itself); empty allow = any.
 */
export interface DomainRules {
  allow: readonly string[];
  deny: readonly string[];
}

/** Entries a list may hold. */
export const DOMAIN_RULES_MAX = 200;

/**
 * Whether previews may be fetched from `host`: deny wins over allow; with an allow list, only
 * what it matches. A suffix rule matches on a dot boundary (*.example.com matches
 * www.example.com, never badexample.com). Names are compared in their ASCII (punycode) form,
 * case and a trailing dot ignored.
 */
export function domainAllowed(host: string, rules: DomainRules): boolean {
  const h = normalizeHost(host);
  if (!h) return false;
  const matches = (rule: string) => {
    const suffix = rule.trim().startsWith("*.");
    const d = normalizeHost(suffix ? rule.trim().slice(2) : rule);
    return d !== "" && (suffix ? h.endsWith(`.${d}`) : h === d);
  };
  if (rules.deny.some(matches)) return false;
  return rules.allow.length === 0 || rules.allow.some(matches);
}

const LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;

/**
 * Why `pattern` is not a host rule (null when it is): a host name (letters, digits and hyphens
 * in dot-separated labels, international names allowed), or "*." and one; or an exact IPv4 address.
 */
export function hostPatternProblem(pattern: string): string | null {
  const p = pattern.trim();
  if (isIP(p) === 4) return null;
  const name = p.startsWith("*.") ? p.slice(2) : p;
  if (name === "" || name.length > 253 || !/^[\p{L}\p{N}\p{M}.-]+$/u.test(name)) return "A host name like example.com, or *.example.com for its subdomains";
  const ascii = normalizeHost(name);
  if (!ascii || ascii.includes(":") || /^[0-9.]+$/.test(ascii)) return "A host name like example.com, or *.example.com for its subdomains";
  const labels = ascii.split(".");
  if (labels.length < 1 || !labels.every((l) => LABEL.test(l))) return "A host name like example.com, or *.example.com for its subdomains";
  return null;
}

/** A list as stored (trimmed, lower case ASCII form, without repeats), or the first bad entry's index (-1: the list's length) and why. */
export function normalizeHostPatterns(list: readonly string[]): { ok: true; list: string[] } | { ok: false; index: number; message: string } {
  if (list.length > DOMAIN_RULES_MAX) return { ok: false, index: -1, message: `At most ${DOMAIN_RULES_MAX} entries` };
  const out: string[] = [];
  for (const [i, raw] of list.entries()) {
    const problem = typeof raw === "string" ? hostPatternProblem(raw) : "Not text";
    if (problem) return { ok: false, index: i, message: problem };
    const p = raw.trim();
    const suffix = p.startsWith("*.");
    const entry = `${suffix ? "*." : ""}${normalizeHost(suffix ? p.slice(2) : p)}`;
    if (!out.includes(entry)) out.push(entry);
  }
  return { ok: true, list: out };
}

function normalizeHost(host: string): string {
  const h = host
    .trim()
    .replace(/^\[|\]$/g, "")
    .replace(/\.$/, "")
    .toLowerCase();
  if (h.includes(":")) return mappedIpv4(h) ?? h; // an IPv6 literal
  return domainToASCII(h);
}

/**
 * The IPv4 address an IPv4-mapped IPv6 literal names (`::ffff:127.0.0.2`, `::ffff:7f00:2`, or any
 * longer spelling of them), else null: it reaches the same listener, so a rule naming the IPv4
 * address must match it.
 */
function mappedIpv4(literal: string): string | null {
  let canonical: string;
  try {
    canonical = new URL(`http://[${literal}]/`).hostname.slice(1, -1);
  } catch {
    return null;
  }
  const m = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(canonical);
  if (!m) return null;
  const [hi, lo] = [Number.parseInt(m[1]!, 16), Number.parseInt(m[2]!, 16)];
  return [hi >> 8, hi & 255, lo >> 8, lo & 255].join(".");
}
