import type { MessageItem } from "@parley/sdk";
import { format, locale, type Strings } from "../i18n/i18n.js";
import { CALLS_EN, type CallStrings } from "./parley-call.strings.js";

/** No styles: an entry is text in the thread's own system line (the chunk contract, shared/chunk.ts). */
export const sheet: CSSStyleSheet | undefined = undefined;

/** A call's length in the reader's words: "35 sec", "4 min" (Intl's units, so every locale has them). */
export const callLength = (ms: number): string => {
  const s = Math.round(ms / 1000);
  return new Intl.NumberFormat(locale, { style: "unit", unit: s < 60 ? "second" : "minute", unitDisplay: "short" }).format(s < 60 ? s : Math.round(s / 60));
};

/**
 * A finished call's system entry (`Message.call`) in the reader's language (issue 53): "Missed
 * call" for the one rung, "No answer" for the caller, "Video call · 4 min" once answered. A chunk
 * of its own, fetched when a conversation first shows one (the message's English text meanwhile).
 */
export function entry(strings: Strings, m: MessageItem, me: string | undefined): string {
  const c = m.call!;
  const t = { ...CALLS_EN, ...strings } as CallStrings;
  const video = c.kind === "video";
  const mine = c.startedBy === me;
  // Lost: said so, with how long it lasted (it was answered, or its connection could not be lost).
  if (c.endReason === "connection_lost") return format(t.callLostEntry, { duration: callLength(c.durationMs ?? 0) });
  // A group call's SFU was lost: whatever its length, it was cut off.
  if (c.endReason === "sfu_lost") return t.callServerLost;
  if (c.durationMs != null && c.durationMs > 0) return format(video ? t.callVideoLength : t.callVoiceLength, { duration: callLength(c.durationMs) });
  switch (c.endReason) {
    case "declined":
      return t.callDeclined;
    case "failed":
    case "dropped":
      return t.callFailedEntry;
    case "cancelled":
    case "missed":
      // A call cancelled before it was answered is a missed one for the one rung.
      return mine ? (c.endReason === "cancelled" ? t.callCancelled : t.callNoAnswer) : video ? t.callMissedVideo : t.callMissed;
    default:
      return format(video ? t.callVideoLength : t.callVoiceLength, { duration: callLength(c.durationMs ?? 0) });
  }
}
