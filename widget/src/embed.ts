import type { ParleyChat } from "./chat/parley-chat.js";
import type { Strings } from "./i18n/i18n.js";
import { launcherLabel } from "./i18n/launcher-name.js";

/**
 * The script-tag embed: `<script src="<server>/widget.js" data-app-id="app_…" async></script>`.
 * A loader of a few hundred bytes: it draws the launcher at once and fetches the full UI (Lit, the
 * SDK, the views: a content-hashed module beside this file) when the visitor opens the chat, shows
 * the intent to (hover, focus), or — for a visitor with a session or a host token, whose unread
 * badge must be live — when the browser is idle. The <parley-chat> element exists from the start
 * (so `Parley.element` is stable) and is upgraded in place when the UI arrives.
 * Optional attributes: `data-token`, `data-theme` (light | dark | auto), `data-mode`
 * (launcher | inline), `data-corner`, `data-offset`, `data-z-index`, `data-server`, `data-lang` (the
 * language, e.g. "de"; else the page's, then the browser's), `data-title-count="off"` (no "(2)" in
 * the page's title while the tab is hidden), `data-sound="on"` (a chime then).
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

/** The UI module's file name, content-hashed at build time (rollup.config.mjs). */
declare const __PARLEY_UI__: string;

const EVENTS: Record<ParleyEvent, string> = { unread: "parley-unread", open: "parley-opened", close: "parley-closed", message: "parley-message" };

/** The script tag that loaded us, when it names an app (without one, only <parley-chat> is registered). */
const script = (document.currentScript as HTMLScriptElement | null) ?? document.querySelector<HTMLScriptElement>("script[src*='widget.js'][data-app-id]");
/**
 * Our own URL, which the UI's is relative to: the script tag's, or — when a page imports this
 * file as a module (no currentScript) — the first widget.js URL in a stack trace.
 */
const selfUrl = (): string =>
  script?.src ||
  document.querySelector<HTMLScriptElement>("script[src*='widget.js']")?.src ||
  /(https?:\/\/[^\s()'"]+?\/widget\.js)/.exec(new Error().stack ?? "")?.[1] ||
  location.href;
const uiUrl = new URL(__PARLEY_UI__, selfUrl()).href;

let loading: Promise<unknown> | undefined;
/**
 * Fetches and runs the UI module once; it defines <parley-chat>, which upgrades the element in
 * place. A fetch that failed (a network blip) is forgotten, so the next intent tries again rather
 * than leaving a launcher that never opens.
 */
const loadUi = (): Promise<unknown> =>
  (loading ??= import(/* @vite-ignore */ uiUrl).catch((e: unknown) => {
    loading = undefined;
    throw e;
  }));
/** `loadUi` for a caller that does not wait: a failure is retried by the next intent. */
const preloadUi = (): void => void loadUi().catch(() => undefined);

/** The launcher's look before the UI arrives: the same box, corner and colours as the real one. */
const LAUNCHER_CSS = `:host{display:contents!important}
.stub{all:initial;position:fixed;z-index:var(--parley-z-index,2147483000);right:var(--parley-offset,20px);bottom:var(--parley-offset,20px);width:56px;height:56px}
:host([corner$=left]) .stub{right:auto;left:var(--parley-offset,20px)}:host([corner^=top]) .stub{bottom:auto;top:var(--parley-offset,20px)}
button{all:initial;position:relative;box-sizing:border-box;width:56px;height:56px;border-radius:50%;display:grid;place-items:center;cursor:pointer;background:var(--parley-accent,#4f46e5);color:var(--parley-on-accent,#fff);box-shadow:0 6px 20px rgb(0 0 0/.25)}
svg{width:26px;height:26px;fill:currentColor}
:host([theme=dark]) button{background:var(--parley-accent,#818cf8);color:var(--parley-on-accent,#111827)}
@media (prefers-color-scheme:dark){:host([theme=auto]) button{background:var(--parley-accent,#818cf8);color:var(--parley-on-accent,#111827)}}
button:focus-visible{outline:2px solid var(--parley-focus,#2563eb);outline-offset:2px}
b{all:initial;position:absolute;top:-4px;right:-4px;box-sizing:border-box;min-width:20px;padding:0 6px;border-radius:999px;font:700 12px/20px sans-serif;text-align:center;background:var(--parley-danger,#b91c1c);color:var(--parley-bg,#fff)}
:host([theme=dark]) b{background:var(--parley-danger,#f87171);color:var(--parley-bg,#111827)}
@media (prefers-color-scheme:dark){:host([theme=auto]) b{background:var(--parley-danger,#f87171);color:var(--parley-bg,#111827)}}`;

const SVG = "http://www.w3.org/2000/svg";

/**
 * Draws the launcher inside the (not yet upgraded) element's shadow root; Lit renders into the same
 * root later. `unread`: the last count the UI saved, shown as the full launcher shows it.
 */
function stubLauncher(el: HTMLElement, onOpen: () => void, unread: number, lang: string | undefined): () => void {
  const root = el.attachShadow({ mode: "open" });
  const sheet = new CSSStyleSheet();
  sheet.replaceSync(LAUNCHER_CSS);
  root.adoptedStyleSheets = [sheet];
  const dock = document.createElement("div");
  dock.className = "stub";
  const button = document.createElement("button");
  button.setAttribute("part", "launcher");
  button.setAttribute("aria-label", launcherLabel([lang, document.documentElement.lang, ...navigator.languages], unread));
  button.setAttribute("aria-expanded", "false");
  const svg = document.createElementNS(SVG, "svg");
  svg.setAttribute("viewBox", "0 0 24 24");
  svg.setAttribute("aria-hidden", "true");
  const path = document.createElementNS(SVG, "path");
  path.setAttribute("d", "M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H8l-4 4V6a2 2 0 0 1 2-2z");
  svg.append(path);
  button.append(svg);
  if (unread > 0) {
    const badge = document.createElement("b");
    badge.setAttribute("part", "badge");
    badge.setAttribute("aria-hidden", "true");
    badge.textContent = String(unread);
    button.append(badge);
  }
  button.addEventListener("click", onOpen);
  for (const intent of ["pointerenter", "focus", "touchstart"]) button.addEventListener(intent, preloadUi, { once: true, passive: true });
  dock.append(button);
  root.append(dock);
  // The UI, fetched on hover or focus, may arrive between a mouse press on this launcher and its
  // release: the launcher is swapped under the pointer and the release gets no click (a mouse's
  // click goes where both the press and the release were; a tap's goes where it ends, and so does
  // come). A Space key's click comes at its release, on the button that had its press: lost alike.
  // A press begun here and released on the chat (this launcher or the UI's) opens it, after the
  // release's task, where a click would have come: opening is idempotent (parley-chat.ts show()),
  // so a click that did come, or a held key's repeats, change nothing. A key's release is its own
  // (not a Shift let go meanwhile); a pointer event has no key, and its release asks none.
  const openOnRelease = (release: string, key?: string): void => {
    const up = (e: Event): void => {
      if ((e as KeyboardEvent).key !== key) return;
      removeEventListener(release, up, true);
      // Seen from the window, an event from inside the element's shadow root targets the element.
      if (el.contains(e.target as Node)) setTimeout(onOpen);
    };
    addEventListener(release, up, true);
  };
  button.addEventListener("pointerdown", (down) => down.pointerType === "mouse" && openOnRelease("pointerup"));
  button.addEventListener("keydown", (down) => down.key === " " && openOnRelease("keyup", " "));
  // Lit renders before the root's first child (this one): it must stay, empty and hidden.
  return () => {
    dock.replaceChildren();
    dock.hidden = true;
  };
}

function mount(script: HTMLScriptElement): ParleyApi {
  const data = script.dataset;
  const el = document.createElement("parley-chat") as ParleyChat;
  const appId = data["appId"] ?? "";
  const attrs: Record<string, string | undefined> = {
    server: data["server"] ?? (script.src ? new URL(script.src).origin : location.origin),
    "app-id": appId,
    token: data["token"],
    theme: data["theme"] ?? "light",
    mode: data["mode"] ?? "launcher",
    corner: data["corner"],
    offset: data["offset"],
    "z-index": data["zIndex"],
    lang: data["lang"],
    "title-count": data["titleCount"],
    sound: data["sound"],
  };
  for (const [k, v] of Object.entries(attrs)) if (v) el.setAttribute(k, v);
  // offset and z-index attributes set their custom properties, as <parley-chat> does once defined.
  const sync = (): void => {
    for (const [a, prop] of [
      ["offset", "--parley-offset"],
      ["z-index", "--parley-z-index"],
    ] as const) {
      const v = el.getAttribute(a);
      if (v) el.style.setProperty(prop, a === "offset" && /^\d+(\.\d+)?$/.test(v) ? `${v}px` : v);
      else el.style.removeProperty(prop);
    }
  };
  sync();
  new MutationObserver(sync).observe(el, { attributes: true, attributeFilter: ["offset", "z-index"] });

  /** Loads the UI, waits for the element's first render, then runs `fn` on it. */
  const ready = async <T>(fn: (el: ParleyChat) => T | Promise<T>): Promise<T> => {
    await loadUi();
    await customElements.whenDefined("parley-chat");
    await el.updateComplete;
    return fn(el);
  };
  /** Opens the chat once the UI is there; a failed fetch leaves the launcher to try again. */
  const openUi = (): void => void ready((c) => c.show()).catch(() => undefined);
  // A visitor who is signed in (a host token, or a session kept from an earlier visit) gets the
  // UI when the browser is idle, so that the unread badge is live; anyone else on first intent.
  // Until then the launcher shows the unread count the UI last saved (parley-chat.ts).
  let hasSession = false;
  let unread = 0;
  try {
    hasSession = !!localStorage.getItem(`parley:${appId}:session`);
    unread = Number(localStorage.getItem(`parley:${appId}:unread`)) || 0;
  } catch {
    /* storage blocked: no session to restore either */
  }
  // An e-mail's link (issue 55): ?parley-conversation=<id> opens the chat on that conversation, as
  // a reload of a tab that had it open does (chat/reopen.ts's key); the parameter leaves the
  // address. A call's link (with parley-call) is the calls chunk's.
  const url = new URL(location.href);
  const linked = url.searchParams.get("parley-conversation");
  if (linked && !url.searchParams.has("parley-call")) {
    url.searchParams.delete("parley-conversation");
    history.replaceState(history.state, "", url.href);
    try {
      sessionStorage.setItem(`parley:${appId}:open`, linked);
    } catch {
      /* storage blocked: the chat opens on the list */
    }
    openUi();
  }
  let removeStub = (): void => undefined;
  if (attrs["mode"] === "launcher") {
    removeStub = stubLauncher(el, openUi, unread, attrs["lang"]);
  }
  document.body.appendChild(el);
  void customElements.whenDefined("parley-chat").then(async () => {
    const hadFocus = el.shadowRoot?.activeElement?.getAttribute("part") === "launcher";
    removeStub();
    await el.updateComplete;
    if (hadFocus) el.shadowRoot?.querySelector<HTMLElement>("[part=launcher]")?.focus();
  });

  if (attrs["token"] || hasSession || attrs["mode"] === "inline") {
    const idle = (globalThis as { requestIdleCallback?: (cb: () => void, o?: { timeout: number }) => void }).requestIdleCallback;
    if (idle) idle(preloadUi, { timeout: 2_000 });
    else setTimeout(preloadUi, 200);
  }

  return {
    element: el,
    open: openUi,
    close: () => void ready((c) => c.close()).catch(() => undefined),
    startChat: (userId) => ready((c) => c.startChat(userId)),
    identify: (token) => ready((c) => c.identify(token)),
    logout: () => ready((c) => c.logout()),
    // Before the upgrade this is an own property; Lit picks it up when the element is defined.
    setStrings: (strings) => (el.strings = { ...(el.strings ?? {}), ...strings }),
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
} else {
  // A page that places <parley-chat> itself: define it now.
  preloadUi();
}
