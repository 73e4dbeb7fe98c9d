import { html, nothing, type TemplateResult } from "lit";
import type { User } from "@parley/sdk";

/** A user's avatar (image, or initials), with a presence dot when online. */
export function avatar(user: Pick<User, "displayName" | "avatarUrl"> | undefined, server: string, online = false): TemplateResult {
  const name = user?.displayName ?? "";
  const url = user?.avatarUrl ? (user.avatarUrl.startsWith("/") ? server + user.avatarUrl : user.avatarUrl) : null;
  return html`<span class="avatar" part="avatar" aria-hidden="true"
    >${url && /^https?:/.test(url) ? html`<img class="avatar" src=${url} alt="" />` : initials(name)}${online ? html`<span class="dot"></span>` : nothing}</span
  >`;
}

const segmenter = typeof Intl !== "undefined" && "Segmenter" in Intl ? new Intl.Segmenter(undefined, { granularity: "grapheme" }) : null;

/** The first whole grapheme (a base letter with its combining marks, a Hangul syllable, an emoji). */
function firstGrapheme(word: string): string {
  if (segmenter) for (const { segment } of segmenter.segment(word)) return segment;
  return [...word][0] ?? "";
}

/**
 * Initials for a name in any script: the first letter of the first and last words ("Ann-Marie
 * de la Cruz" → "AC"), skipping leading punctuation and symbols; one character for names written
 * without spaces or case (CJK: "山田太郎" → "山"); "?" when there is no letter at all.
 */
export function initials(name: string): string {
  const words = name
    .normalize("NFC")
    .split(/[\s\p{Z}]+/u)
    .map((w) => w.replace(/^[^\p{L}\p{N}]+/u, ""))
    .filter(Boolean);
  if (words.length === 0) return "?";
  const first = firstGrapheme(words[0]!);
  // Scripts without case (Han, Kana, Hangul, Thai, Arabic…) read better with one character.
  if (words.length === 1 || first.toLocaleUpperCase() === first.toLocaleLowerCase()) return first.toLocaleUpperCase();
  return (first + firstGrapheme(words[words.length - 1]!)).toLocaleUpperCase();
}
