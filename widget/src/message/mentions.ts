import { html, type TemplateResult } from "lit";
import type { User } from "@parley/sdk";
import { linkify } from "./linkify.js";

const text = (s: string): Array<string | TemplateResult> => (/https?:/i.test(s) ? linkify(s) : [s]);

/**
 * A message's text with its mentions drawn as chips: each `@Display Name` of a user in
 * `mentions` becomes `<span part="mention">` (with class `me` when it is the reader), links stay
 * links and the rest text. Lit template parts only: nothing a sender types becomes markup.
 */
export function withMentions(s: string, ids: string[], users: User[], me: string | undefined): Array<string | TemplateResult> {
  const named = users.filter((u) => ids.includes(u.id) && u.displayName);
  // Longest names first: "@Ann Lee" is Ann Lee's chip even when an "Ann" is mentioned too.
  const re = named.length
    ? new RegExp(
        `@(${named
          .map((u) => u.displayName.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"))
          .sort((a, b) => b.length - a.length)
          .join("|")})`,
        "g",
      )
    : null;
  const out: Array<string | TemplateResult> = [];
  let at = 0;
  for (const m of re ? s.matchAll(re) : []) {
    const id = named.find((u) => u.displayName === m[1])?.id;
    out.push(...text(s.slice(at, m.index)), html`<span part="mention" class=${id === me ? "mention me" : "mention"}>${m[0]}</span>`);
    at = m.index! + m[0].length;
  }
  out.push(...text(s.slice(at)));
  return out;
}
