import { isChatError, type ChatClient } from "@parley/sdk";
import { ScheduledMessages } from "@parley/sdk/later";
import type { ScheduledMessage } from "@parley/sdk/protocol";
import { locale, type Strings } from "../i18n/i18n.js";
import { FAILED_EN } from "../message/message-extras.strings.js";
import type { ScheduledStrings } from "./parley-scheduled.strings.js";

/** What the later chunks (the bar, the menu, the drafts) share (issue 55). */
export { clientOf, stringsIn } from "../shared/feature.js";

/** One `ScheduledMessages` a client: its `items` are what the bar draws, kept from the server's events (every device's changes). */
const kept = new WeakMap<ChatClient, ScheduledMessages>();
export function scheduledOf(chat: ChatClient): ScheduledMessages {
  let s = kept.get(chat);
  if (!s) kept.set(chat, (s = new ScheduledMessages(chat)));
  return s;
}

/** When a scheduled message goes: "Thu 27 Nov, 09:00" in the widget's language and this device's clock. */
export const when = (at: string | Date): string =>
  new Date(at).toLocaleString(locale, { weekday: "short", day: "numeric", month: "short", hour: "numeric", minute: "2-digit" });

const pad = (n: number): string => String(n).padStart(2, "0");

/** A time as a datetime-local field's value (this device's clock, to the minute). */
export const fieldValue = (d: Date): string => `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;

/** The server takes times up to 366 days ahead; the field asks for a year, whatever the device's clock. */
const YEAR_MS = 365 * 86_400_000;

/**
 * A datetime-local field's time (read in this device's clock, as the field shows it), or what is
 * wrong with it, said at the field: empty or past, or more than a year ahead.
 */
export function timeFrom(value: string, s: ScheduledStrings): { at: Date } | { problem: string } {
  const at = new Date(value);
  const ms = at.getTime();
  if (!value || Number.isNaN(ms) || ms <= Date.now()) return { problem: s.schedulePast };
  if (ms > Date.now() + YEAR_MS) return { problem: s.scheduleTooFar };
  return { at };
}

/** Why a scheduled message was not sent, in words: the thread's `failed_<code>` where it says it, else "Not sent". */
export function failureOf(m: ScheduledMessage, s: ScheduledStrings & Strings): string {
  const code = m.failureCode;
  if (code === "not_found") return s.scheduledFailedMember;
  const key = `failed_${code}` as const;
  return (code && (s[key] ?? (FAILED_EN as Record<string, string>)[key])) || s.failed;
}

/** An action's error in words: the server's message, else the widget's "Something went wrong". */
export const errorText = (e: unknown, t: Strings): string => (isChatError(e) ? e.message : t.unknownError);
