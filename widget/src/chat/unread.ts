import type { ChatState } from "@parley/sdk";

/** Unread messages (or mentions) over every conversation: the launcher's badge and `parley-unread`. */
export function unreadIn(s: ChatState | undefined, k: "unreadCount" | "mentionCount" = "unreadCount"): number {
  return s ? Object.values(s.conversations).reduce((n, c) => n + (c[k] ?? 0), 0) : 0;
}

/** The last known unread count, for the loader's launcher on the next page (embed.ts); 0 removes it. */
export function saveUnread(appId: string, n: number): void {
  try {
    const key = `parley:${appId}:unread`;
    if (n > 0) localStorage.setItem(key, String(n));
    else localStorage.removeItem(key);
  } catch {
    /* storage blocked: the loader shows no count */
  }
}
