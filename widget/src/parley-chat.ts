import { LitElement, css, html, nothing, type PropertyValues } from "lit";
import { ChatClient, isChatError, type Attachment, type Conversation } from "@parley/sdk";
import { EN, format, list, plural, setLocale, type Strings } from "./i18n.js";
import { StoreController } from "./store-controller.js";
import { findDirect, type DmDraft } from "./dm-draft.js";
import { ConversationPager } from "./conversation-pager.js";
import { loadUntil } from "./history.js";
import { icons } from "./icons.js";
import { base, tokens } from "./styles.js";
import { shortTime } from "./time.js";
import "./parley-list.js";
import "./parley-thread.js";
import type { ParleyThread, SendDetail } from "./parley-thread.js";

/**
 * Views in chunks of their own, fetched the first time one is shown (then cached, hashed and
 * immutable): the sign-in form (never needed with a host token or a kept session), people search
 * and group creation, conversation details and the profile. The UI
 * every visitor loads on opening the chat leaves them out (its budget is 40 KB br).
 */
const LAZY_VIEWS = {
  "parley-signin": () => import("./parley-signin.js"),
  "parley-people": () => import("./parley-people.js"),
  "parley-info": () => import("./parley-info.js"),
  "parley-search": () => import("./parley-search.js"),
  "parley-replies": () => import("./parley-replies.js"),
};
type LazyView = keyof typeof LAZY_VIEWS;

type View = "signin" | "list" | "people" | "group" | "thread" | "info" | "me" | "search";

/**
 * The Parley chat: a launcher bubble and panel (mode="launcher"), or a panel in place
 * (mode="inline"). The only element that holds the SDK client; the others get data by property
 * and send intents up as DOM events.
 *
 * @element parley-chat
 *
 * @attr {string} server - the Parley server's origin, e.g. https://chat.example
 * @attr {string} app-id - the app id (`app_…`) from `npm run app:create`
 * @attr {string} token - a host-signed identity token; signs the user in without a password (changing it re-identifies)
 * @attr {"launcher" | "inline"} mode - a launcher bubble with a pop-up panel (default), or the panel in place
 * @attr {"light" | "dark" | "auto"} theme - colour scheme; auto follows the system setting (default light)
 * @attr {boolean} open - whether the launcher's panel is open (launcher mode)
 * @attr {"bottom-right" | "bottom-left" | "top-right" | "top-left"} corner - the launcher's corner (launcher mode; default bottom-right)
 * @attr {string} offset - the launcher's distance from the corner, a CSS length (sets --parley-offset)
 * @attr {string} z-index - the stacking order of the launcher and panel (sets --parley-z-index)
 * @attr {string} lang - the language (BCP 47, e.g. "de", "pt-BR"); else the page's `<html lang>`, then the browser's; English when Parley ships none of them
 * @attr {"ltr" | "rtl"} dir - the writing direction; else the language's
 * @attr {"on" | "off"} title-count - while the tab is hidden, new messages counted in the page's title, "(2) Title" (default on)
 * @attr {boolean} sound - a short chime for a new message while the tab is hidden (default off)
 *
 * @event parley-unread - detail: number of unread messages, whenever it changes
 * @event parley-opened - the panel opened
 * @event parley-closed - the panel closed
 * @event parley-message - detail: a message that arrived from someone else, or a system message (`senderId` null)
 *
 * @csspart launcher - the launcher bubble (launcher mode)
 * @csspart badge - the launcher's unread count ("@" before it when the visitor has unread mentions)
 * @csspart panel - the chat panel
 * @csspart header - the panel's header bar
 * @csspart title - the header's title
 * @csspart presence - the header's presence line (1:1 conversations)
 * @csspart back - the header's back button
 * @csspart info - the header's conversation details button
 * @csspart profile - the header's profile button
 * @csspart search - the header's message search button (the list: all conversations; a conversation: that one)
 * @csspart signout - the sign-out button (profile view)
 * @csspart close - the header's close button (launcher mode)
 * @csspart status - the offline / reconnecting banner
 * @csspart error - the error banner
 * @csspart toast - a short notice: "Message deleted" with undo, "Saved"
 * @csspart undo - the toast's undo button
 *
 * @cssproperty --parley-accent - brand colour: buttons, own messages, the launcher
 * @cssproperty --parley-on-accent - text on the accent colour
 * @cssproperty --parley-bg - panel background
 * @cssproperty --parley-surface - raised surfaces: other people's messages, inputs, hovered rows
 * @cssproperty --parley-text - text colour
 * @cssproperty --parley-muted - secondary text: times, receipts, previews
 * @cssproperty --parley-border - borders and separators
 * @cssproperty --parley-danger - errors and destructive actions
 * @cssproperty --parley-radius - corner radius of the panel and bubbles
 * @cssproperty --parley-font - font family
 * @cssproperty --parley-focus - keyboard focus ring colour
 * @cssproperty --parley-offset - the launcher's distance from its corner (default 20px)
 * @cssproperty --parley-z-index - the stacking order of the launcher and panel (default 2147483000)
 */
export class ParleyChat extends LitElement {
  static override properties = {
    server: { type: String },
    appId: { type: String, attribute: "app-id" },
    token: { type: String },
    mode: { type: String, reflect: true },
    theme: { type: String, reflect: true },
    open: { type: Boolean, reflect: true },
    corner: { type: String, reflect: true },
    offset: { type: String },
    zIndex: { type: String, attribute: "z-index" },
    strings: { attribute: false },
    notice: { state: true },
    pendingDelete: { state: true },
    view: { state: true },
    activeId: { state: true },
    error: { state: true },
    busy: { state: true },
    progress: { state: true },
    draft: { state: true },
    threadRoot: { state: true },
  };

  server = "";
  appId = "";
  token = "";
  mode: "launcher" | "inline" = "launcher";
  theme: "light" | "dark" | "auto" = "light";
  open = false;
  corner: "bottom-right" | "bottom-left" | "top-right" | "top-left" = "bottom-right";
  offset = "";
  zIndex = "";
  strings: Partial<Strings> = {};
  /** A short notice in the panel (role=status); `undo` offers to take back a delete. */
  notice: { text: string; undo?: boolean } | null = null;
  /** A delete held back for UNDO_MS so that it can be undone. */
  pendingDelete: { conversationId: string; id: string; timer: ReturnType<typeof setTimeout> } | null = null;
  private noticeTimer: ReturnType<typeof setTimeout> | undefined;
  view: View = "signin";
  activeId = "";
  error = "";
  busy = true;
  progress: number | null = null;
  /** A DM shown before it exists: created on the first send (see dm-draft.ts). */
  draft: DmDraft | null = null;
  /** Message search's scope: a conversation id, or "" for all; and the query it starts with. */
  private searchIn = "";
  private searchQ = "";
  /** A message to jump to once its conversation is shown (a search result). */
  private jumpTarget = "";
  /** The root message of the thread shown beside the conversation (or over it, when narrow); "" for none. */
  threadRoot = "";

  /** The SDK client (null until attributes are set). Hosts may use it directly. */
  chat: ChatClient | null = null;
  private readonly store = new StoreController(this);
  /** The conversation list's older pages, loaded as its end comes near. */
  private readonly pager = new ConversationPager(this, () => this.chat);
  private lastUnread = -1;
  private savedUnread = -1;
  /** A lazy view whose chunk could not be fetched (offline): the view offers to try again. */
  private lazyFailed = false;
  private urls = new Map<string, Promise<string>>();

  /** The chosen translation (LOCALES; {} for English), the tag it was chosen for, and the writing direction. */
  private loc: Record<string, string> = {};
  private tag = "en";
  private direction = "ltr";

  /** The strings: English, then the visitor's language, then the host's. */
  get t(): Strings {
    return { ...EN, ...this.loc, ...this.strings };
  }

  /**
   * Chooses the language (the element's lang, the page's, the browser's) and fetches its
   * translation; runs again when the element's or the page's lang or dir changes.
   */
  private pickLanguage = async (): Promise<void> => {
    const wanted = [this.getAttribute("lang"), document.documentElement.lang, ...navigator.languages];
    const first = wanted.find(Boolean) ?? "en";
    // English asked for first: nothing to fetch. Else the chunk that knows the translations (offline
    // before it was ever fetched: English, until the language changes again).
    const english = /^en\b/i.test(first);
    const { tag, dir, strings } = await (english ? Promise.reject() : import("./language.js")).then(
      (l) => l.load(wanted),
      () => ({ tag: english ? first : "en", dir: "ltr", strings: {} }),
    );
    setLocale((this.tag = tag));
    this.direction = this.getAttribute("dir") || dir;
    this.loc = strings;
    this.requestUpdate();
  };
  private langWatch = new MutationObserver(this.pickLanguage);

  override connectedCallback(): void {
    super.connectedCallback();
    this.addEventListener("keydown", (e) => {
      if (e.key !== "Escape") return;
      if (this.view === "search" || this.thread()) this.back();
      else if (this.mode === "launcher" && this.open) this.close();
    });
    if (!this.chat && this.server && this.appId) void this.start();
    addEventListener("pagehide", this.flushDelete);
    for (const el of [this, document.documentElement]) this.langWatch.observe(el, { attributeFilter: ["lang", "dir"] });
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    // Attributes win over the page's CSS: set through the CSSOM (no inline style, so a strict CSP holds).
    if (changed.has("offset")) this.setOrRemove("--parley-offset", this.offset);
    if (changed.has("zIndex")) this.setOrRemove("--parley-z-index", this.zIndex);
  }

  private setOrRemove(prop: string, value: string): void {
    if (value) this.style.setProperty(prop, /^\d+(\.\d+)?$/.test(value) && prop !== "--parley-z-index" ? `${value}px` : value);
    else this.style.removeProperty(prop);
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.flushDelete();
    removeEventListener("pagehide", this.flushDelete);
    this.langWatch.disconnect();
    this.chat?.close();
  }

  protected override updated(changed: PropertyValues<this>): void {
    if ((changed.has("server") || changed.has("appId")) && !this.chat && this.server && this.appId) void this.start();
    if (changed.has("token") && this.token && this.chat && changed.get("token") !== undefined) void this.identify(this.token);
    // A view swap removes the focused element: move focus into the new view (keyboard users).
    if (changed.has("view") && changed.get("view") !== undefined && (this.open || this.mode === "inline")) void this.focusView();
    // The person being drafted to started the DM meanwhile (or another tab did): show the real one.
    const made = this.draft && this.view === "thread" ? findDirect(this.store.state, this.draft.user.id) : undefined;
    if (made) this.openConversation(made);
    const unread = this.unread();
    if (unread !== this.lastUnread) {
      this.lastUnread = unread;
      this.fire("parley-unread", unread);
    }
    if (this.store.state?.me && unread !== this.savedUnread) this.saveUnread(unread);
  }

  /** The last known unread count, for the loader's launcher on the next page (embed.ts); 0 removes it. */
  private saveUnread(n: number): void {
    this.savedUnread = n;
    try {
      const key = `parley:${this.appId}:unread`;
      if (n > 0) localStorage.setItem(key, String(n));
      else localStorage.removeItem(key);
    } catch {
      /* storage blocked: the loader shows no count */
    }
  }

  /** Opens the panel (launcher mode). */
  show(): void {
    this.open = true;
    this.fire("parley-opened", null);
    void this.updateComplete.then(() => this.focusView());
  }

  close(): void {
    this.open = false;
    this.fire("parley-closed", null);
    void this.updateComplete.then(() => this.shadowRoot?.querySelector<HTMLElement>("[part=launcher]")?.focus());
  }

  /** Opens the 1:1 conversation with a user; if there is none yet, an empty one that is created on the first send. */
  async startChat(userId: string): Promise<void> {
    await this.run(async () => {
      const id = findDirect(this.store.state, userId);
      if (id) return this.openConversation(id);
      const user = await this.client().directory.getUser(userId);
      this.draft = (await LAZY_VIEWS["parley-people"]()).dmDraft(this.client().user!, user);
      this.activeId = this.threadRoot = "";
      this.view = "thread";
    });
    if (!this.open) this.show();
  }

  /** Signs in with a token the host's backend signed. */
  async identify(token: string): Promise<void> {
    await this.run(async () => {
      await this.client().connectWithHostToken(token);
      this.view = "list";
    });
  }

  async logout(): Promise<void> {
    await this.chat?.logout();
    this.view = "signin";
    this.activeId = "";
  }

  private client(): ChatClient {
    if (!this.chat) throw new Error("parley-chat needs server and app-id");
    return this.chat;
  }

  private async start(): Promise<void> {
    // The device cache and durable outbox (IndexedDB; deleted at sign-out): draws at once on a reload, loses no send.
    this.chat = new ChatClient({ server: this.server, appId: this.appId, storage: "local", persistence: "indexeddb" });
    this.store.attach(this.chat.store);
    this.chat.on("message.new", (e) => {
      const m = e.data.message;
      if (m.senderId === this.chat?.user?.id) return;
      this.fire("parley-message", m);
      // The tab is hidden: the title count, chime and notification are a chunk of their own, fetched when one is due.
      if (document.hidden) import("./notify.js").then((n) => n.alertHidden(this, m)).catch(() => undefined);
    });
    this.chat.on("session.changed", (me) => {
      // Signed out here or in another tab; or signed in in another tab (tabs share one session).
      if (!me) {
        this.view = "signin";
        this.saveUnread(0);
      } else {
        this.loadBlocks();
        if (this.view === "signin") this.view = "list";
      }
    });
    await this.run(async () => {
      // The language's strings come with the session (a chunk, fetched in parallel): no English flash.
      const language = this.pickLanguage();
      if (this.token) await this.chat!.connectWithHostToken(this.token);
      else await this.chat!.resume();
      await language;
      this.view = this.chat!.user ? "list" : "signin";
    });
  }

  /** Shows the panel with a conversation open: a notification's click (ours, or Parley's service worker's). */
  showConversation(id: string): void {
    if (!this.open) this.show();
    this.openConversation(id);
  }

  /** Runs an action with the busy flag and a readable error on failure. */
  private async run(fn: () => Promise<void>): Promise<void> {
    this.busy = true;
    this.error = "";
    try {
      await fn();
    } catch (e) {
      this.error = isChatError(e) ? e.message : this.t.unknownError;
    } finally {
      this.busy = false;
    }
  }

  private unread(k: "unreadCount" | "mentionCount" = "unreadCount"): number {
    const s = this.store.state;
    return s ? Object.values(s.conversations).reduce((n, c) => n + (c[k] ?? 0), 0) : 0;
  }

  /**
   * Whom the visitor blocked, which comes with the contacts (kept fresh by the client): asked for
   * as soon as someone is signed in, so a group draws their messages collapsed from the start.
   */
  private loadBlocks(): void {
    if (!this.store.state?.contacts) this.chat?.directory.contacts().catch(() => undefined);
  }

  private openConversation(id: string): void {
    this.draft = null;
    this.threadRoot = "";
    this.activeId = id;
    this.view = "thread";
    const c = this.client().conversation(id);
    this.loadBlocks();
    // (A jump loads the history down to its message itself.)
    if (!this.jumpTarget && c.messages.filter((m) => m.status === "sent").length < 20 && c.hasOlder) void c.loadOlder().catch(() => undefined);
  }

  private back = (): void => {
    if (this.thread()) return this.closeThread();
    this.view = this.view === "info" || (this.view === "search" && this.searchIn) ? "thread" : "list";
  };

  private openSearch(conversationId: string, q = ""): void {
    this.searchIn = conversationId;
    this.searchQ = q;
    this.view = "search";
  }

  /** A search result was chosen: its conversation opens at the message (thread.jumpTo, in focusView). */
  private onJump = (e: CustomEvent<{ conversationId: string; id: string }>): void => {
    const { conversationId, id } = e.detail;
    void this.run(async () => {
      const c = this.client().conversation(conversationId);
      if (!c.state) await c.refresh();
      this.jumpTarget = id;
      this.openConversation(conversationId);
    });
  };

  private fire(name: string, detail: unknown): void {
    this.dispatchEvent(new CustomEvent(name, { detail, bubbles: true, composed: true }));
  }

  private async focusView(): Promise<void> {
    await this.updateComplete;
    // People and message search are lazy views: focus them once their chunk has arrived and drawn.
    const lazy =
      this.view === "signin"
        ? "parley-signin"
        : this.view === "search"
          ? "parley-search"
          : this.view === "people" || this.view === "group"
            ? "parley-people"
            : "";
    if (lazy && !customElements.get(lazy)) {
      if (
        !(await LAZY_VIEWS[lazy]().then(
          () => true,
          () => false,
        ))
      )
        return;
      // need()'s own render may come after this step (two import() promises settle in no set order).
      this.requestUpdate();
      await this.updateComplete;
    }
    const view = this.shadowRoot?.querySelector<LitElement>("parley-signin, parley-list, parley-thread, parley-people, parley-search");
    if (view) {
      await view.updateComplete;
      const jump = this.jumpTarget;
      this.jumpTarget = "";
      // Opened from a search result: the message takes the focus (once it is loaded), not the composer.
      if (jump && view.localName === "parley-thread") (view as ParleyThread).jumpTo(jump);
      else view.focus();
    } else this.shadowRoot?.querySelector<HTMLElement>("[part=panel] button")?.focus();
  }

  /** Object URL for an attachment (they need the bearer token, so <img src> cannot fetch them). */
  private attachmentUrl = (att: Attachment): Promise<string> => {
    let p = this.urls.get(att.id);
    if (!p)
      this.urls.set(
        att.id,
        (p = this.client()
          .directory.download(att)
          .then((b) => URL.createObjectURL(b))),
      );
    return p;
  };

  // --- Intents from the views ----------------------------------------------------------------

  private onSignIn(e: CustomEvent<{ mode: "login" | "register"; email: string; password: string; displayName: string }>): void {
    const d = e.detail;
    void this.run(async () => {
      if (d.mode === "login") await this.client().login(d.email, d.password);
      else await this.client().register({ email: d.email, password: d.password, displayName: d.displayName });
      // session.changed has shown the list already, and the visitor may have moved on while the
      // sign-in finished (opening the device cache, the first catch-up): never pull them back.
      if (this.view === "signin") this.view = "list";
    });
  }

  private onPick(e: CustomEvent<string>): void {
    void this.startChat(e.detail);
  }

  /** A lazy view's action (its code is in its chunk), run with the busy flag and the error banner; `done` is then said. */
  private onAct = (e: CustomEvent<{ run: (c: ChatClient) => Promise<unknown>; done?: string }>): void => {
    const { run, done } = e.detail;
    void this.run(async () => {
      await run(this.client());
      if (done) this.say({ text: done });
    });
  };

  private conv(): ReturnType<ChatClient["conversation"]> {
    return this.client().conversation(this.activeId);
  }

  private onSend(e: CustomEvent<SendDetail>): void {
    const draft = this.draft;
    if (!draft) return this.send(this.activeId, e.detail);
    // The first message to someone new: the conversation is created now, then the message goes in.
    void this.run(async () => {
      const c = await (draft.creating ??= this.client().direct(draft.user.id)).catch((err: unknown) => {
        draft.creating = undefined;
        this.shadowRoot?.querySelector<ParleyThread>("parley-thread")?.restore(e.detail);
        throw err;
      });
      if (this.draft === draft) this.openConversation(c.id);
      this.send(c.id, e.detail);
    });
  }

  private send(id: string, { text, files, replyTo, mentions }: SendDetail): void {
    this.progress = files.length ? 0 : null;
    this.client()
      .conversation(id)
      .send(text, { files, ...(replyTo ? { replyTo } : {}), ...(mentions ? { mentions } : {}), onProgress: (f) => (this.progress = f >= 1 ? null : f) })
      .catch(() => undefined)
      .finally(() => (this.progress = null));
  }

  private act(fn: (c: ReturnType<ChatClient["conversation"]>) => Promise<unknown>, done?: string): void {
    void this.run(async () => {
      await fn(this.conv());
      if (done) this.say({ text: done });
    });
  }

  /** Deletes wait this long for an undo before they reach the server. */
  static UNDO_MS = 5_000;

  private onDelete(e: CustomEvent<string>): void {
    this.flushDelete();
    const pending = { conversationId: this.activeId, id: e.detail, timer: setTimeout(() => this.flushDelete(), ParleyChat.UNDO_MS) };
    this.pendingDelete = pending;
    this.say({ text: this.t.deleted, undo: true }, ParleyChat.UNDO_MS);
  }

  /** Sends the held-back delete now (its undo window ended, another delete started, or the page is going away). */
  private flushDelete = (): void => {
    const p = this.pendingDelete;
    if (!p) return;
    clearTimeout(p.timer);
    this.pendingDelete = null;
    if (this.notice?.undo) this.notice = null;
    void this.run(async () => void (await this.client().conversation(p.conversationId).delete(p.id)));
  };

  private undoDelete(): void {
    const p = this.pendingDelete;
    if (!p) return;
    clearTimeout(p.timer);
    this.pendingDelete = null;
    this.notice = null;
    void this.updateComplete.then(() => this.shadowRoot?.querySelector<ParleyThread>("parley-thread")?.focusMessage(p.id));
  }

  /** The open thread's root, while the conversation it is in is shown. */
  private thread(): string {
    return this.view === "thread" ? this.threadRoot : "";
  }

  /** "Reply in thread" or a root's replies button: the thread opens (a lazy view; it takes the focus). */
  private onOpenThread = (e: CustomEvent<string>): void => {
    this.threadRoot = e.detail;
  };

  /** The thread closed: the conversation has its root message focused. */
  private closeThread = (): void => {
    const id = this.threadRoot;
    this.threadRoot = "";
    void this.updateComplete.then(() => this.shadowRoot?.querySelector<ParleyThread>("parley-thread")?.focusMessage(id));
  };

  private say(notice: { text: string; undo?: boolean }, ms = 3_000): void {
    clearTimeout(this.noticeTimer);
    this.notice = notice;
    this.noticeTimer = setTimeout(() => (this.notice = null), ms);
  }

  // --- Rendering -----------------------------------------------------------------------------

  override render() {
    const unread = this.unread();
    const at = this.unread("mentionCount");
    if (this.mode !== "launcher") return this.panel();
    const t = this.t;
    const label = this.open ? t.closeChat : t.openChat;
    return html`<div class="dock">
      ${this.open ? this.panel() : nothing}
      <button part="launcher" class="launcher primary" aria-label=${(unread > 0 ? format(t.unreadLabel, { label, count: unread }) : label) + (at ? `, ${plural(t, "mentions", at)}` : "")} aria-expanded=${this.open}
        @click=${() => (this.open ? this.close() : this.show())}>
        ${this.open ? icons.close : icons.chat}
        ${unread > 0 || at ? html`<span part="badge" class="badge count" aria-hidden="true">${at ? "@" : ""}${unread || ""}</span>` : nothing}
      </button>
    </div>`;
  }

  private panel() {
    const t = this.t;
    const s = this.store.state;
    const conn = s?.connection;
    const trap = this.mode === "launcher";
    const c = this.view === "thread" ? (s?.conversations[this.activeId] ?? this.draft?.conversation) : undefined;
    const other = c?.kind === "direct" ? c.users.find((u) => u.id !== s?.me?.id) : undefined;
    const presence = other ? (s?.presence[other.id] ?? { online: false, lastSeenAt: other.lastSeenAt }) : undefined;
    return html`<section part="panel" class="panel" lang=${this.tag} dir=${this.direction} role=${trap ? "dialog" : "region"} aria-label=${t.title}>
      ${trap ? html`<span tabindex="0" class="sentinel" @focus=${() => void this.focusView()}></span>` : nothing}
      <div part="header" class="header">
        ${this.view !== "list" && this.view !== "signin" ? html`<button part="back" aria-label=${t.back} @click=${this.back}>${icons.back}</button>` : nothing}
        <div class="titles">
          <h2 part="title">${this.heading()}</h2>
          ${
            other
              ? html`<span part="presence" class="muted presence"
                >${presence?.online ? html`<span class="online-dot" aria-hidden="true"></span>${t.online}` : presence?.lastSeenAt ? format(t.lastSeen, { time: shortTime(presence.lastSeenAt) }) : t.offline}</span
              >`
              : nothing
          }
        </div>
        ${
          s?.me && (this.view === "list" || (this.view === "thread" && !this.draft))
            ? html`<button part="search" aria-label=${t.searchMessages} @click=${() => this.openSearch(this.view === "thread" ? this.activeId : "")}>${icons.search}</button>`
            : nothing
        }
        ${this.view === "thread" && !this.draft ? html`<button part="info" aria-label=${t.details} @click=${() => (this.view = "info")}>${icons.info}</button>` : nothing}
        ${s?.me && this.view === "list" ? html`<button part="profile" @click=${() => (this.view = "me")}>${t.profile}</button>` : nothing}
        ${s?.me && this.view === "me" ? html`<button part="signout" @click=${() => void this.logout()}>${t.signOut}</button>` : nothing}
        ${this.mode === "launcher" ? html`<button part="close" aria-label=${t.closeChat} @click=${() => this.close()}>${icons.close}</button>` : nothing}
      </div>
      ${s?.me && conn !== "connected" ? html`<div part="status" class="status" role="status">${this.blocked() ? t.blocked : conn === "connecting" ? t.reconnecting : t.offline}</div>` : nothing}
      ${this.error ? html`<div part="error" class="error banner" role="alert">${this.error}</div>` : nothing}
      <div class="body" @parley-client=${(e: CustomEvent<(c: ChatClient) => void>) => e.detail(this.client())} @parley-act=${this.onAct}
        @parley-open=${(e: CustomEvent<string>) => this.openConversation(e.detail)}
        @parley-notice=${(e: CustomEvent<string>) => this.say({ text: e.detail })}>${this.body()}</div>
      <div class="toast-slot" role="status">
        ${
          this.notice
            ? html`<div part="toast" class="toast">
              <span>${this.notice.text}</span>${this.notice.undo ? html`<button part="undo" @click=${() => this.undoDelete()}>${t.undo}</button>` : nothing}
            </div>`
            : nothing
        }
      </div>
      ${trap ? html`<span tabindex="0" class="sentinel" @focus=${() => this.shadowRoot?.querySelector<HTMLElement>(".header button")?.focus()}></span>` : nothing}
    </section>`;
  }

  /**
   * True once the socket has failed for a while although HTTP works (we are signed in): a proxy,
   * firewall or CSP that blocks WebSocket and long-polling, rather than a passing outage.
   */
  private blocked(): boolean {
    return this.connectingSince > 0 && Date.now() - this.connectingSince > 15_000 && navigator.onLine;
  }
  private connectingSince = 0;
  private blockedTimer: ReturnType<typeof setTimeout> | undefined;

  protected override update(changed: PropertyValues<this>): void {
    const conn = this.store.state?.connection;
    if (this.store.state?.me && conn !== "connected") {
      if (!this.connectingSince) {
        this.connectingSince = Date.now();
        clearTimeout(this.blockedTimer);
        this.blockedTimer = setTimeout(() => this.requestUpdate(), 15_500);
      }
    } else {
      this.connectingSince = 0;
      clearTimeout(this.blockedTimer);
    }
    super.update(changed);
  }

  private heading(): string {
    const t = this.t;
    if (this.view === "thread" || (this.view === "search" && this.searchIn)) {
      const c = this.store.state?.conversations[this.activeId] ?? this.draft?.conversation;
      return c ? this.titleOf(c) : t.title;
    }
    if (this.view === "search") return t.searchMessages;
    if (this.view === "people") return t.newChat;
    if (this.view === "info") return t.details;
    if (this.view === "me") return t.profile;
    if (this.view === "group") return t.newGroup;
    return t.title;
  }

  titleOf(c: Conversation): string {
    if (c.name) return c.name;
    const me = this.store.state?.me?.id;
    return list(c.users.filter((u) => u.id !== me).map((u) => u.displayName)) || this.t.title;
  }

  /**
   * Whether lazy view `tag` is defined; if not, fetches its chunk and renders again when it is
   * (or when it failed: the view then says so, with a retry).
   */
  private need(tag: LazyView): boolean {
    if (customElements.get(tag)) return true;
    if (!this.lazyFailed)
      LAZY_VIEWS[tag]().then(
        () => this.requestUpdate(),
        () => ((this.lazyFailed = true), this.requestUpdate()),
      );
    return false;
  }

  /** What a lazy view shows while its chunk is on its way, or after fetching it failed. */
  private lazyPending() {
    return this.lazyFailed
      ? html`<p class="muted center" role="alert">${this.t.loadFailed} <button @click=${() => ((this.lazyFailed = false), this.requestUpdate())}>${this.t.retry}</button></p>`
      : html`<p class="muted center" role="status">${this.t.loading}</p>`;
  }

  private body() {
    const s = this.store.state;
    if (!s || (this.busy && !s.me && this.view === "signin" && !this.error && this.lastUnread < 0))
      return html`<p class="muted center" role="status">${this.t.loading}</p>`;
    switch (this.view) {
      case "signin":
        if (!this.need("parley-signin")) return this.lazyPending();
        return html`<parley-signin .t=${this.t} .busy=${this.busy} @parley-signin=${this.onSignIn}></parley-signin>`;
      case "people":
      case "group":
        if (!this.need("parley-people")) return this.lazyPending();
        return html`<parley-people .t=${this.t} .server=${this.server} .group=${this.view === "group"}
          @parley-pick=${this.onPick}></parley-people>`;
      case "info":
      case "me":
        if (!this.need("parley-info")) return this.lazyPending();
        return html`<parley-info .t=${this.t} .server=${this.server} .state=${s} .conversation=${this.view === "info" ? s.conversations[this.activeId] : undefined}
          @parley-leave=${() => this.act(async (c) => (await c.leave(), (this.view = "list")))}></parley-info>`;
      case "search":
        if (!this.need("parley-search")) return this.lazyPending();
        return html`<parley-search .t=${this.t} .conversationId=${this.searchIn} .query=${this.searchQ} .titleOf=${(c: Conversation) => this.titleOf(c)}
          @parley-jump=${this.onJump}></parley-search>`;
      case "thread": {
        const c = this.conv();
        const typing = Object.entries(s.typing[this.activeId] ?? {})
          .filter(([id, until]) => until > Date.now() && id !== s.me?.id)
          .map(([id]) => c.state?.users.find((u) => u.id === id)?.displayName ?? "");
        const hidden = this.pendingDelete?.conversationId === this.activeId ? [this.pendingDelete.id] : [];
        return html`<parley-thread .t=${this.t} .server=${this.server} .me=${s.me} .conversation=${c.state ?? this.draft?.conversation} .messages=${c.messages} .hiddenIds=${hidden} .blocked=${s.contacts?.blockedUserIds} .hasOlder=${c.hasOlder && !this.draft}
          .typingNames=${typing} .progress=${this.progress} .attachmentUrl=${this.attachmentUrl}
          @parley-send=${this.onSend}
          @parley-open-thread=${this.onOpenThread}
          @parley-edit=${(e: CustomEvent<{ id: string; text: string }>) => this.act((c) => c.edit(e.detail.id, e.detail.text))}
          @parley-delete=${this.onDelete}
          @parley-react=${(e: CustomEvent<{ id: string; emoji: string; mine: boolean }>) => this.act((c) => (e.detail.mine ? c.unreact(e.detail.id, e.detail.emoji) : c.react(e.detail.id, e.detail.emoji)))}
          @parley-retry=${(e: CustomEvent<string>) =>
            void this.conv()
              .retry(e.detail)
              .catch(() => undefined)}
          @parley-discard=${(e: CustomEvent<string>) => this.conv().discard(e.detail)}
          @parley-read=${() => this.conv().markRead()}
          @parley-typing=${(e: CustomEvent<boolean>) => this.draft || this.conv().typing(e.detail)}
          @parley-load-older=${() => this.act((c) => c.loadOlder())}
          @parley-load-until=${(e: CustomEvent<string>) => this.act((c) => loadUntil(c, e.detail))}></parley-thread>
          ${
            !this.threadRoot
              ? nothing
              : this.need("parley-replies")
                ? html`<parley-replies .t=${this.t} .me=${s.me} .conversation=${c.state} .rootId=${this.threadRoot} .root=${c.messages.find((m) => m.id === this.threadRoot)}
                  .thread=${s.replies[this.threadRoot]} @parley-close-thread=${this.closeThread}></parley-replies>`
                : this.lazyPending()
          }`;
      }
      default:
        return html`<parley-list .t=${this.t} .server=${this.server} .state=${s} .titleOf=${(c: Conversation) => this.titleOf(c)} .more=${this.pager.status}
          @parley-load-more=${() => void this.pager.next()}
          @parley-search-messages=${(e: CustomEvent<string>) => this.openSearch("", e.detail)}
          @parley-compose=${(e: CustomEvent<"direct" | "group">) => (this.view = e.detail === "group" ? "group" : "people")}></parley-list>`;
    }
  }

  static override styles = [
    tokens,
    base,
    css`
      :host {
        position: relative;
        display: block;
      }
      /*
       * Launcher mode survives hostile page CSS ("* { all: unset }", !important rules): the host
       * box takes no part in layout (!important in a shadow root beats the page's), and the dock
       * inside starts from initial values, so nothing inherited from the page leaks in.
       */
      :host([mode="launcher"]) {
        display: contents !important;
      }
      .dock,
      .panel {
        all: initial;
        font-family: var(--_font);
        font-size: 14px;
        line-height: 1.4;
        color: var(--_text);
        text-align: start;
        box-sizing: border-box;
      }
      .dock {
        position: fixed;
        z-index: var(--_z);
        right: var(--_offset);
        bottom: var(--_offset);
        display: block;
        width: 56px;
        height: 56px;
      }
      :host([corner$="left"]) .dock {
        right: auto;
        left: var(--_offset);
      }
      :host([corner^="top"]) .dock {
        bottom: auto;
        top: var(--_offset);
      }
      .launcher {
        width: 56px;
        height: 56px;
        border-radius: 50%;
        display: grid;
        place-items: center;
        box-shadow: 0 6px 20px rgb(0 0 0 / 0.25);
        position: relative;
        padding: 0;
      }
      .launcher .icon {
        width: 26px;
        height: 26px;
      }
      .count {
        position: absolute;
        top: -4px;
        right: -4px;
      }
      .panel {
        background: var(--_bg);
        border: 1px solid var(--_border);
        border-radius: var(--_radius);
        display: flex;
        flex-direction: column;
        overflow: hidden;
        width: 100%;
        height: 100%;
        position: relative;
      }
      .dock .panel {
        position: absolute;
        right: 0;
        bottom: 72px;
        width: min(370px, calc(100vw - 2 * var(--_offset)));
        height: min(600px, calc(100dvh - 92px - var(--_offset)));
        box-shadow: 0 12px 40px rgb(0 0 0 / 0.25);
      }
      :host([corner$="left"]) .dock .panel {
        right: auto;
        left: 0;
      }
      :host([corner^="top"]) .dock .panel {
        bottom: auto;
        top: 72px;
      }
      /* Phones (and desktops zoomed to 200 % or more): the panel takes the whole screen. */
      @media (max-width: 480px), (max-height: 480px) {
        .dock .panel,
        :host([corner]) .dock .panel {
          position: fixed;
          inset: 0;
          width: 100%;
          height: 100dvh;
          border: none;
          border-radius: 0;
          padding: env(safe-area-inset-top) env(safe-area-inset-right) env(safe-area-inset-bottom) env(safe-area-inset-left);
        }
        :host([open]) .launcher {
          display: none;
        }
      }
      .header {
        display: flex;
        flex: none;
        align-items: center;
        gap: 4px;
        padding: 4px;
        border-bottom: 1px solid var(--_border);
      }
      .header button {
        display: inline-grid;
        place-items: center;
      }
      .titles {
        flex: 1;
        min-width: 0;
        margin: 0 6px;
        display: flex;
        flex-direction: column;
      }
      h2 {
        font-size: 16px;
        margin: 0;
        white-space: nowrap;
        overflow: hidden;
        text-overflow: ellipsis;
      }
      .presence {
        font-size: 12px;
        display: flex;
        align-items: center;
        gap: 4px;
      }
      .online-dot {
        width: 8px;
        height: 8px;
        border-radius: 50%;
        background: #16a34a;
      }
      .status,
      .banner {
        flex: none;
        padding: 6px 12px;
        font-size: 13px;
        background: var(--_surface);
      }
      .body {
        flex: 1;
        min-height: 0;
        display: flex;
        flex-direction: column;
      }
      .body > * {
        flex: 1;
        min-height: 0;
      }
      .toast-slot {
        position: absolute;
        left: 12px;
        right: 12px;
        bottom: 84px;
        display: flex;
        justify-content: center;
        pointer-events: none;
      }
      .toast {
        pointer-events: auto;
        display: flex;
        align-items: center;
        gap: 8px;
        padding: 0 4px 0 14px;
        border-radius: 999px;
        background: var(--_text);
        color: var(--_bg);
        box-shadow: 0 4px 16px rgb(0 0 0 / 0.25);
      }
      .toast button {
        color: inherit;
        font-weight: 700;
        text-decoration: underline;
      }
      .toast button:hover {
        background: transparent;
      }
      .sentinel {
        position: absolute;
        width: 1px;
        height: 1px;
        overflow: hidden;
      }
      .center {
        text-align: center;
        padding: 24px;
      }
    `,
  ];
}

customElements.get("parley-chat") || customElements.define("parley-chat", ParleyChat);

declare global {
  interface HTMLElementTagNameMap {
    "parley-chat": ParleyChat;
  }
}
