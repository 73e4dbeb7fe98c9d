import type { ChatClient, Conversation, Message } from "@parley/sdk";
import { format, locale, type Strings } from "../i18n/i18n.js";
import { INFO_EN } from "../info/parley-info.strings.js";
import { formatting, hasMarkup } from "../message/rich.js";

/** What an alert needs from `<parley-chat>` (its attributes `title-count` and `sound` are read here, not in the UI every visitor loads). */
export interface AlertHost extends HTMLElement {
  t: Strings;
  chat: ChatClient | null;
  titleOf(c: Conversation): string;
  /** Shows the panel with this conversation open. */
  showConversation(id: string): void;
}

let audio: AudioContext | undefined;

/** A short two-note chime, synthesized: no sound file to fetch, nothing in the UI every visitor loads. */
function chime(): void {
  audio ??= new AudioContext();
  const at = audio.currentTime;
  [880, 1320].forEach((hz, i) => {
    const note = audio!.createOscillator();
    const gain = audio!.createGain();
    note.frequency.value = hz;
    gain.gain.setValueAtTime(0.12, at + i * 0.12);
    gain.gain.exponentialRampToValueAtTime(0.001, at + i * 0.12 + 0.3);
    note.connect(gain).connect(audio!.destination);
    note.start(at + i * 0.12);
    note.stop(at + i * 0.12 + 0.3);
  });
}

/** Messages counted in the page's title while the tab is hidden, and the title as it was. */
let count = 0;
let pageTitle = "";

/** The tab is shown again: the page's title as it was. */
document.addEventListener("visibilitychange", () => {
  if (document.hidden || !count) return;
  count = 0;
  document.title = pageTitle;
});

/**
 * A message arrived while the tab is hidden (in a conversation the visitor did not mute): "(2)"
 * before the page's title unless the host turned it off, the chime if the host asked for sound,
 * and a browser notification if the visitor allowed them. Its click brings the tab forward with
 * the conversation open. One notification per conversation (its tag): a newer message replaces
 * it, and two tabs of the page show one.
 */
export function alertHidden(host: AlertHost, m: Message): void {
  const c = host.chat?.store.state.conversations[m.conversationId];
  // Not a system message, not in a conversation the visitor muted (on any of their devices).
  if (!document.hidden || !m.senderId || c?.muted) return;
  if (host.getAttribute("title-count") !== "off") {
    if (!count++) pageTitle = document.title;
    document.title = `(${count}) ${pageTitle}`;
  }
  if (host.hasAttribute("sound")) chime();
  if (typeof Notification === "undefined" || Notification.permission !== "granted") return;
  const t = { ...INFO_EN, ...host.t };
  const sender = c?.users.find((u) => u.id === m.senderId)?.displayName ?? "";
  const title = c?.kind === "group" ? format(t.notifyIn, { group: host.titleOf(c) }) : format(t.notifyFrom, { name: sender });
  // The text without its formatting (the formatting chunk is fetched for a text that has some).
  const raw = m.text ?? "";
  void (
    hasMarkup(raw)
      ? formatting().then(
          (f) => f.plainText(raw),
          () => raw,
        )
      : Promise.resolve(raw)
  ).then((text) => {
    const n = new Notification(title, { body: c?.kind === "group" && text ? `${sender}: ${text}` : text, tag: m.conversationId, lang: locale });
    n.onclick = () => {
      focus();
      n.close();
      host.showConversation(m.conversationId);
    };
  });
}

/**
 * Parley's service worker posts `{ type: "parley-open", conversationId }` to the page when the
 * visitor clicks a push notification (parley-sw.js): the conversation opens. Once per page.
 */
export const listen = (host: AlertHost): void => {
  if (listening) return;
  listening = true;
  navigator.serviceWorker?.addEventListener("message", (e: MessageEvent) => {
    if (e.data?.type === "parley-open" && host.chat) host.showConversation(e.data.conversationId);
  });
};
let listening = false;
