import { html, type TemplateResult } from "lit";

const URL_RE = /\bhttps?:\/\/[^\s<>"']+/gi;

/**
 * Message text as Lit template parts: plain text stays text (Lit escapes it), and only http(s)
 * URLs become links. Nothing a sender types can become markup or a `javascript:` link.
 */
export function linkify(text: string): Array<string | TemplateResult> {
  const out: Array<string | TemplateResult> = [];
  let last = 0;
  for (const m of text.matchAll(URL_RE)) {
    const raw = m[0].replace(/[.,;:!?)\]]+$/, "");
    const start = m.index ?? 0;
    if (start > last) out.push(text.slice(last, start));
    out.push(safeHref(raw) ? html`<a href=${raw} target="_blank" rel="noopener noreferrer nofollow">${raw}</a>` : raw);
    last = start + raw.length;
  }
  if (last < text.length) out.push(text.slice(last));
  return out;
}

function safeHref(s: string): boolean {
  try {
    const u = new URL(s);
    return u.protocol === "http:" || u.protocol === "https:";
  } catch {
    return false;
  }
}
