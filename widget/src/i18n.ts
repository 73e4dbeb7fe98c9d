import type { EXTRAS_EN } from "./message-extras.js";
import type { INFO_EN } from "./parley-info.js";
import type { INVITATIONS_EN } from "./parley-invitations.js";
import type { PEOPLE_EN } from "./parley-people.js";
import type { SEARCH_EN } from "./parley-search.js";

/** Every string the widget shows. Hosts override any of them (`strings` property, Parley.init). */
export const EN = {
  openChat: "Open chat",
  closeChat: "Close chat",
  title: "Messages",
  signIn: "Sign in",
  register: "Create account",
  email: "Email",
  password: "Password",
  displayName: "Your name",
  needAccount: "No account? Create one",
  haveAccount: "Have an account? Sign in",
  signOut: "Sign out",
  newChat: "New chat",
  newGroup: "New group",
  searchPeople: "Search people",
  noConversations: "No conversations yet. Start one!",
  noResults: "Nobody found",
  loading: "Loading…",
  /** A view whose code could not be fetched (offline, or the server is unreachable). */
  loadFailed: "This view could not be loaded.",
  back: "Back",
  send: "Send",
  attach: "Attach a file",
  messagePlaceholder: "Write a message…",
  earlierMessage: "An earlier message",
  showOriginal: "Show the original",
  cancel: "Cancel",
  save: "Save",
  edited: "edited",
  deleted: "Message deleted",
  delete: "Delete",
  report: "Report",
  mute: "Mute sender",
  ban: "Ban sender",
  retry: "Retry",
  failed: "Not sent",
  discard: "Discard",
  sending: "Sending…",
  sent: "Sent",
  seen: "Seen",
  typing: "{name} is typing…",
  jumpToLatest: "Jump to latest",
  reconnecting: "Reconnecting…",
  offline: "Offline",
  you: "You",
  profile: "Profile",
  unknownError: "Something went wrong. Please try again.",
  messages: "Messages",
  uploading: "Uploading {percent}%",
  details: "Details",
  pending: "request sent",
  skipToComposer: "Skip to message box",
  emptyThread: "No messages yet. Say hello to {name}!",
  online: "Online",
  lastSeen: "Last seen {time}",
  undo: "Undo",
  unreadLabel: "{label}, {count} unread",
  blocked: "Can't reach the chat server. A firewall, proxy or browser extension may be blocking it.",
  searchMessages: "Search messages",
  searchFor: "Search messages for “{q}”",
  /** Under a thread's root: how many replies it has. */
  reply1: "1 reply",
  replies: "{count} replies",
  /** Unread mentions: a list row's "@" badge and the launcher's label ("2 unread, 1 mention"). */
  mention1: "1 mention",
  mentions: "{count} mentions",
} as const;

/**
 * The strings a host may set: every one in `EN`, and those of the views in chunks of their own,
 * each in its own table (so that the UI every visitor loads does not carry them): `INFO_EN`,
 * `PEOPLE_EN`, `SEARCH_EN`, `EXTRAS_EN` (a message's actions), `FAILED_EN` (why a send was
 * refused), `MODERATE_EN`, `REPLIES_EN` (a thread), `MENTION_EN` and `INVITATIONS_EN` (invitations to
 * groups).
 */
export type Strings = { [K in keyof typeof EN]: string } & { [K in `failed_${string}`]?: string } & Partial<
    Record<keyof typeof INFO_EN | keyof typeof PEOPLE_EN | keyof typeof SEARCH_EN | keyof typeof EXTRAS_EN | keyof typeof INVITATIONS_EN, string>
  > &
  // No longer shown; still accepted.
  Partial<Record<"today" | "yesterday" | "newMessages" | "conversationWith", string>>;

/** Fills `{name}` placeholders. */
export function format(s: string, vars: Record<string, string | number> = {}): string {
  return s.replace(/\{(\w+)\}/g, (_, k: string) => String(vars[k] ?? ""));
}

/** `one` when `count` is 1, else `many` with `{count}` filled. */
export const plural = (count: number, one: string, many: string): string => (count === 1 ? one : format(many, { count }));
