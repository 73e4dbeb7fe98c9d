import "./parley-chat.js"; // registers <parley-chat>
import type { ParleyChat } from "./parley-chat.js";
import type { Strings } from "./i18n.js";

/**
 * The script-tag embed: `<script src="<server>/widget.js" data-app-id="app_…" async></script>`.
 * Adds a launcher to the page and exposes `window.Parley`. Optional attributes: `data-token`
 * (a host-signed token), `data-theme` (light | dark | auto), `data-mode` (launcher | inline).
 */
type ParleyEvent = "unread" | "open" | "close" | "message";

export interface ParleyApi {
  open(): void;
  close(): void;
  startChat(userId: string): Promise<void>;
  identify(hostToken: string): Promise<void>;
  logout(): Promise<void>;
  /** Listens to `unread` (count), `open`, `close`, `message`; returns the unsubscribe function. */
  on(event: ParleyEvent, handler: (detail: unknown) => void): () => void;
  setStrings(strings: Partial<Strings>): void;
  element: ParleyChat;
}

const EVENTS: Record<ParleyEvent, string> = { unread: "parley-unread", open: "parley-opened", close: "parley-closed", message: "parley-message" };

/** The script tag that loaded us, when it names an app (without one, only <parley-chat> is registered). */
const script = (document.currentScript as HTMLScriptElement | null) ?? document.querySelector<HTMLScriptElement>("script[src*='widget.js'][data-app-id]");

function mount(script: HTMLScriptElement): ParleyApi {
  const data = script.dataset;
  const el = document.createElement("parley-chat");
  el.server = data["server"] ?? (script.src ? new URL(script.src).origin : location.origin);
  el.appId = data["appId"] ?? "";
  el.token = data["token"] ?? "";
  el.theme = (data["theme"] as ParleyChat["theme"]) ?? "light";
  el.mode = (data["mode"] as ParleyChat["mode"]) ?? "launcher";
  document.body.appendChild(el);
  return {
    element: el,
    open: () => el.show(),
    close: () => el.close(),
    startChat: (userId) => el.updateComplete.then(() => el.startChat(userId)),
    identify: (token) => el.identify(token),
    logout: () => el.logout(),
    setStrings: (strings) => (el.strings = { ...el.strings, ...strings }),
    on(event, handler) {
      const fn = (e: Event) => handler((e as CustomEvent).detail);
      el.addEventListener(EVENTS[event], fn);
      return () => el.removeEventListener(EVENTS[event], fn);
    },
  };
}

declare global {
  interface Window {
    Parley?: ParleyApi;
  }
}

if (script?.dataset["appId"] && !window.Parley) {
  if (document.body) window.Parley = mount(script);
  else document.addEventListener("DOMContentLoaded", () => (window.Parley = mount(script)), { once: true });
}
