import { html, nothing, type TemplateResult } from "lit";
import type { User } from "@parley/sdk";

/** A user's avatar (image, or initials), with a presence dot when online. */
export function avatar(user: Pick<User, "displayName" | "avatarUrl"> | undefined, server: string, online = false): TemplateResult {
  const name = user?.displayName ?? "?";
  const url = user?.avatarUrl ? (user.avatarUrl.startsWith("/") ? server + user.avatarUrl : user.avatarUrl) : null;
  return html`<span class="avatar" part="avatar" aria-hidden="true"
    >${url && /^https?:/.test(url) ? html`<img class="avatar" src=${url} alt="" />` : initials(name)}${online ? html`<span class="dot"></span>` : nothing}</span
  >`;
}

const initials = (name: string): string =>
  name
    .split(/\s+/)
    .filter(Boolean)
    .slice(0, 2)
    .map((w) => [...w][0]!.toUpperCase())
    .join("") || "?";
