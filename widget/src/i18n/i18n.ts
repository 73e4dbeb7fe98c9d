import type { EXTRAS_EN, FAILED_EN } from "../message/message-extras.strings.js";
import type { EMOJI_EN } from "../emoji/parley-emoji.strings.js";
import type { TOOLS_EN } from "../tools/parley-tools.strings.js";
import type { POLL_EN } from "../polls/poll-card.strings.js";
import type { POLL_FORM_EN } from "../polls/parley-poll-form.strings.js";
import type { VOICE_EN } from "../voice/voice.strings.js";
import type { VOICE_RECORDER_EN } from "../voice/parley-voice-recorder.strings.js";
import type { PINS_EN } from "../pins/parley-pins.strings.js";
import type { PREVIEW_EN } from "../previews/preview-card.strings.js";
import type { DATA_EN } from "../data/parley-data.strings.js";
import type { INFO_EN } from "../info/parley-info.strings.js";
import type { INVITATIONS_EN } from "../invitations/parley-invitations.strings.js";
import type { MENTION_EN } from "../mention/parley-mention.strings.js";
import type { MODERATE_EN } from "../moderate/parley-moderate.strings.js";
import type { PEOPLE_EN } from "../people/parley-people.strings.js";
import type { REPLIES_EN } from "../replies/parley-replies.strings.js";
import type { SEARCH_EN } from "../search/parley-search.strings.js";
import type { SIGNIN_EN } from "../signin/parley-signin.strings.js";
import type { CALLS_EN } from "../calls/parley-call.strings.js";

/** Every string the widget shows. Hosts override any of them (`strings` property, Parley.init). */
export const EN = {
  openChat: "Open chat",
  closeChat: "Close chat",
  title: "Messages",
  displayName: "Your name",
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
  /** The composer's button that opens the emoji picker. */
  emoji: "Insert emoji",
  /** The composer's "+" button: a menu of a poll and a voice message (tools/parley-tools.ts). */
  tools: "Poll or voice message",
  messagePlaceholder: "Message",
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
  /**
   * Plurals: one key per plural category of the locale (Intl.PluralRules: zero, one, two, few,
   * many, other), `other` when the locale's category has none. Under a thread's root: how many
   * replies it has.
   */
  replies_one: "{count} reply",
  replies_other: "{count} replies",
  /** Unread mentions: a list row's "@" badge and the launcher's label ("2 unread, 1 mention"). */
  mentions_one: "{count} mention",
  mentions_other: "{count} mentions",
} as const;

/**
 * Every string of every view: `EN` and the tables of the views in chunks of their own (each in its
 * `*.strings.ts`, so that the UI every visitor loads does not carry them). A translation in
 * `locales/` has every one of these keys, with the plural keys of its own language.
 */
export type AllStrings = typeof EN &
  typeof INFO_EN &
  typeof PEOPLE_EN &
  typeof SEARCH_EN &
  typeof EXTRAS_EN &
  typeof FAILED_EN &
  typeof DATA_EN &
  typeof MODERATE_EN &
  typeof REPLIES_EN &
  typeof MENTION_EN &
  typeof INVITATIONS_EN &
  typeof EMOJI_EN &
  typeof TOOLS_EN &
  typeof POLL_EN &
  typeof POLL_FORM_EN &
  typeof VOICE_EN &
  typeof VOICE_RECORDER_EN &
  typeof PINS_EN &
  typeof PREVIEW_EN &
  typeof SIGNIN_EN &
  typeof CALLS_EN;

type Plural = `${"replies" | "mentions" | "votes"}_${Intl.LDMLPluralRule}`;

/** The strings a host may set: every one in `EN`, and any of the other views' (`AllStrings`) and plural forms. */
export type Strings = { [K in keyof typeof EN]: string } & { [K in `failed_${string}`]?: string } & Partial<
    Record<Exclude<keyof AllStrings, keyof typeof EN> | Plural, string>
  > &
  // No longer shown; still accepted.
  Partial<Record<"today" | "yesterday" | "newMessages" | "conversationWith", string>>;

/** The tag Intl formats for (plurals, lists, dates): the widget's chosen locale (`setLocale`). */
export let locale = "en";
export const setLocale = (tag: string): void => {
  locale = tag;
};

/** Fills `{name}` placeholders. */
export function format(s: string, vars: Record<string, string | number> = {}): string {
  return s.replace(/\{(\w+)\}/g, (_, k: string) => String(vars[k] ?? ""));
}

/** `{base}_{category}` for `count` in the locale's plural rules (else `{base}_other`), with `{count}` filled. */
export const plural = (t: Strings, base: "replies" | "mentions", count: number): string =>
  format(t[`${base}_${new Intl.PluralRules(locale).select(count)}`] ?? t[`${base}_other`], { count });

/** "Ada, Bo and Cy" in the locale's words. */
export const list = (items: string[]): string => new Intl.ListFormat(locale).format(items);
