import type { ChatClient } from "@parley/sdk";
import { locale, type Strings } from "../i18n/i18n.js";

/** What the features in chunks of their own (later, reminders, streamed replies) share. */

/** The SDK client of the `<parley-chat>` that `el` is in (it answers `parley-client` at once), if any. */
export function clientOf(el: HTMLElement): ChatClient | undefined {
  let chat: ChatClient | undefined;
  el.dispatchEvent(new CustomEvent("parley-client", { detail: (c: ChatClient) => (chat = c), bubbles: true, composed: true }));
  return chat;
}

/**
 * A feature's strings in the widget's language: its English, the translation it carries for the
 * language (the tag, else its language: "pt-PT" reads pt-BR), then the widget's strings, which hold
 * the host's overrides.
 */
export function stringsIn<T extends Record<string, string>>(en: T, locales: Record<string, T>, t: Strings): T & Strings {
  const lang = locale.split("-")[0];
  const codes = Object.keys(locales);
  const code = codes.find((c) => c.toLowerCase() === locale.toLowerCase()) ?? codes.find((c) => c.split("-")[0] === lang);
  return { ...en, ...(code ? locales[code] : undefined), ...t } as T & Strings;
}
