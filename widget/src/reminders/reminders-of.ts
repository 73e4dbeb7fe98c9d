import type { ChatClient, Message } from "@parley/sdk";
import { Reminders } from "@parley/sdk/later";
import { locale } from "../i18n/i18n.js";
import { formatting, hasMarkup } from "../message/rich.js";

/**
 * What the reminders' three chunks share (issue 55): "Remind me" (parley-remind.ts), the profile's
 * list (parley-reminders.ts) and the notice of one come due (parley-reminder-due.ts).
 */

/** One `Reminders` a client: its `items` are what every part draws, kept from the server's events (every device's changes). */
const kept = new WeakMap<ChatClient, Reminders>();
export function remindersOf(chat: ChatClient): Reminders {
  let r = kept.get(chat);
  if (!r) kept.set(chat, (r = new Reminders(chat)));
  return r;
}

export { stringsIn } from "../shared/feature.js";

/** When a reminder is: "Thu 27 Nov, 09:00" in the widget's language and this device's clock. */
export const when = (at: string | Date): string =>
  new Date(at).toLocaleString(locale, { weekday: "short", day: "numeric", month: "short", hour: "numeric", minute: "2-digit" });

/** The messages reminders are about, asked for once each (the list shows them; a reminder's DTO has only the id). */
const messages = new Map<string, Promise<Message | null>>();
export function messageOf(chat: ChatClient, id: string): Promise<Message | null> {
  let m = messages.get(id);
  if (!m) {
    m = chat.request<Message>("GET", `/messages/${encodeURIComponent(id)}`).catch(() => (messages.delete(id), null));
    messages.set(id, m);
  }
  return m;
}

/** The sender's name as the conversation knows it ("" when the conversation is not loaded here). */
export const senderOf = (chat: ChatClient, m: Message): string =>
  chat.store.state.conversations[m.conversationId]?.users.find((u) => u.id === m.senderId)?.displayName ?? "";

/** A message's first line as plain text (formatting taken out), cut at `max` characters; its files' names when it has no text. */
export async function previewOf(m: Message, max = 80): Promise<string> {
  const raw = m.text ?? "";
  const text = hasMarkup(raw)
    ? await formatting().then(
        (f) => f.plainText(raw),
        () => raw,
      )
    : raw;
  const line = text.trim().split("\n")[0] ?? "";
  const chars = [...line];
  return (
    (chars.length > max
      ? `${chars
          .slice(0, max - 1)
          .join("")
          .trimEnd()}…`
      : line) || m.attachments.map((a) => a.name).join(", ")
  );
}
