import { LitElement, html, nothing, type PropertyValues } from "lit";
import { ChatClient, type Conversation } from "@parley/sdk";
import { EN, format, list, plural, type Strings } from "../i18n/i18n.js";
import { shortTime } from "../i18n/time.js";
import { StoreController } from "../shared/store-controller.js";
import { icons } from "../shared/icons.js";
import { findDirect, type DmDraft } from "../people/dm-draft.js";
import { ConversationPager } from "../list/conversation-pager.js";
import { chatStyles } from "./parley-chat.styles.js";
import { clientOf, loadBlocks, run, type View } from "./chat-host.js";
import { ConversationActions } from "./conversation-actions.js";
import { LanguageChoice } from "./language-choice.js";
import { Navigation } from "./navigation.js";
import { savedOpen, saveOpen } from "./reopen.js";
import { saveUnread, unreadIn } from "./unread.js";
import { ChatViews, LAZY_VIEWS } from "./views.js";
import "../list/parley-list.js";
import "../thread/parley-thread.js";

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
 * @csspart call-voice - the header's voice call button (a 1:1 conversation, where the browser has WebRTC; drawn by the calls chunk)
 * @csspart call-video - the header's video call button (likewise)
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
 * @cssproperty --parley-font-mono - font family of code in formatted messages
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
  view: View = "signin";
  activeId = "";
  error = "";
  busy = true;
  progress: number | null = null;
  /** A DM shown before it exists: created on the first send (see dm-draft.ts). */
  draft: DmDraft | null = null;
  /** The root message of the thread shown beside the conversation (or over it, when narrow); "" for none. */
  threadRoot = "";
  /** The header's call buttons, drawn by the calls chunk once it is here (calls/parley-call.ts). */
  calls?: ((c: Conversation | undefined) => unknown) | undefined;

  /** The SDK client (null until attributes are set). Hosts may use it directly. */
  chat: ChatClient | null = null;
  private readonly store = new StoreController(this);
  /** The conversation list's older pages, loaded as its end comes near. */
  private readonly pager = new ConversationPager(this, () => this.chat);
  private readonly language = new LanguageChoice(this);
  private readonly nav = new Navigation(this);
  private readonly actions = new ConversationActions(this, this.nav, ParleyChat);
  private readonly views = new ChatViews(this, { store: this.store, pager: this.pager, nav: this.nav, actions: this.actions });
  /** The unread count last announced (parley-unread) and last saved for the loader. */
  private lastUnread = -1;
  private savedUnread = -1;
  /** The open conversation last kept for a reload (reopen.ts); undefined until the start has reopened it. */
  private keptOpen: string | undefined;

  /** The strings: English, then the visitor's language, then the host's. */
  get t(): Strings {
    return { ...EN, ...this.language.strings, ...this.strings };
  }

  /** Deletes wait this long for an undo before they reach the server. */
  static UNDO_MS = 5_000;

  override connectedCallback(): void {
    super.connectedCallback();
    this.addEventListener("keydown", (e) => {
      if (e.key !== "Escape") return;
      if (this.view === "search" || this.nav.thread()) this.nav.back();
      else if (this.mode === "launcher" && this.open) this.close();
    });
    if (!this.chat && this.server && this.appId) void this.start();
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
    // (The controllers first: a held-back delete is sent before the client closes.)
    super.disconnectedCallback();
    this.chat?.close();
  }

  protected override updated(changed: PropertyValues<this>): void {
    if ((changed.has("server") || changed.has("appId")) && !this.chat && this.server && this.appId) void this.start();
    if (changed.has("token") && this.token && this.chat && changed.get("token") !== undefined) void this.identify(this.token);
    // A view swap removes the focused element: move focus into the new view (keyboard users).
    if (changed.has("view") && changed.get("view") !== undefined && (this.open || this.mode === "inline")) void this.views.focusView();
    // The person being drafted to started the DM meanwhile (or another tab did): show the real one.
    const made = this.draft && this.view === "thread" ? findDirect(this.store.state, this.draft.user.id) : undefined;
    if (made) this.nav.openConversation(made);
    const unread = unreadIn(this.store.state);
    if (unread !== this.lastUnread) {
      this.lastUnread = unread;
      this.fire("parley-unread", unread);
    }
    if (this.store.state?.me && unread !== this.savedUnread) saveUnread(this.appId, (this.savedUnread = unread));
    // The conversation shown (or its details) is reopened by a reload; the list or sign-in forgets it.
    const open = this.view === "list" ? "" : this.view === "thread" || this.view === "info" ? (this.draft ? "" : this.activeId) : this.keptOpen;
    if (this.keptOpen !== undefined && this.store.state?.me && open !== undefined && open !== this.keptOpen) saveOpen(this.appId, (this.keptOpen = open));
  }

  /**
   * Opens the panel (launcher mode) and puts the focus in its view. An open panel stays open,
   * without a second `parley-opened` (the loader opens on a press's release as well as on its
   * click: embed.ts).
   */
  show(): void {
    if (!this.open) {
      this.open = true;
      this.fire("parley-opened", null);
    }
    void this.updateComplete.then(() => this.views.focusView());
  }

  close(): void {
    this.open = false;
    this.fire("parley-closed", null);
    void this.updateComplete.then(() => this.shadowRoot?.querySelector<HTMLElement>("[part=launcher]")?.focus());
  }

  /** Opens the 1:1 conversation with a user; if there is none yet, an empty one that is created on the first send. */
  async startChat(userId: string): Promise<void> {
    await run(this, async () => {
      const id = findDirect(this.store.state, userId);
      if (id) return this.nav.openConversation(id);
      const user = await clientOf(this).directory.getUser(userId);
      this.draft = (await LAZY_VIEWS["parley-people"]()).dmDraft(clientOf(this).user!, user);
      this.activeId = this.threadRoot = "";
      this.view = "thread";
    });
    if (!this.open) this.show();
  }

  /** Signs in with a token the host's backend signed. */
  async identify(token: string): Promise<void> {
    await run(this, async () => {
      await clientOf(this).connectWithHostToken(token);
      this.view = "list";
    });
  }

  async logout(): Promise<void> {
    await this.chat?.logout();
    this.view = "signin";
    this.activeId = "";
    saveOpen(this.appId, (this.keptOpen = ""));
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
    // A reminder came due (issue 55): its notice is a chunk of its own, fetched with the first one.
    this.chat.on("reminder.due", (e) => import("../reminders/parley-reminder-due.js").then((r) => r.due(this, e.data)).catch(() => undefined));
    this.chat.on("session.changed", (me) => {
      // Signed out here or in another tab; or signed in in another tab (tabs share one session).
      if (!me) {
        this.view = "signin";
        saveUnread(this.appId, (this.savedUnread = 0));
        saveOpen(this.appId, (this.keptOpen = ""));
      } else {
        loadBlocks(this.chat);
        this.callsChunk();
        if (this.view === "signin") this.view = "list";
      }
    });
    await run(this, async () => {
      // The language's strings come with the session (a chunk, fetched in parallel): no English flash.
      const language = this.language.pick();
      if (this.token) await this.chat!.connectWithHostToken(this.token);
      else await this.chat!.resume();
      await language;
      // The visitor may have gone on meanwhile (session.changed showed the list): never pull them back.
      if (this.view !== "signin" && this.view !== "list") return;
      // A reload reopens the conversation this tab had open, from the device cache when there is one.
      const last = (this.keptOpen = savedOpen(this.appId));
      if (this.chat!.user && last && this.chat!.store.state.conversations[last]) this.nav.openConversation(last);
      else this.view = this.chat!.user ? "list" : "signin";
    });
    this.keptOpen ??= "";
    // A click on a web push notification reaches the page as a message from Parley's service worker
    // (parley-sw.js). Only a page that a service worker controls fetches the chunk that listens.
    if (navigator.serviceWorker?.controller) import("./notify.js").then((n) => n.listen(this)).catch(() => undefined);
    this.callsChunk();
  }

  /** Calls, where the browser has WebRTC and someone is signed in (never for a visitor who is not): a chunk that listens for calls and draws the header's buttons. */
  private callsChunk(): void {
    if (window.RTCPeerConnection && this.chat?.user)
      import("../calls/parley-call.js").then(
        (m) => m.attach(this),
        () => undefined,
      );
  }

  /** Shows the panel with a conversation open: a notification's click (ours, or Parley's service worker's). */
  showConversation(id: string): void {
    if (!this.open) this.show();
    this.nav.openConversation(id);
  }

  private fire(name: string, detail: unknown): void {
    this.dispatchEvent(new CustomEvent(name, { detail, bubbles: true, composed: true }));
  }

  titleOf(c: Conversation): string {
    if (c.name) return c.name;
    const me = this.store.state?.me?.id;
    return list(c.users.filter((u) => u.id !== me).map((u) => u.displayName)) || this.t.title;
  }

  // --- Rendering -----------------------------------------------------------------------------

  override render() {
    const unread = unreadIn(this.store.state);
    const at = unreadIn(this.store.state, "mentionCount");
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

  /** The panel's frame (header, banners, toast, focus trap) around the current view's body (views.ts). */
  private panel() {
    const t = this.t;
    const s = this.store.state;
    const conn = s?.connection;
    const trap = this.mode === "launcher";
    const c = this.view === "thread" ? (s?.conversations[this.activeId] ?? this.draft?.conversation) : undefined;
    const other = c?.kind === "direct" ? c.users.find((u) => u.id !== s?.me?.id) : undefined;
    const presence = other ? (s?.presence[other.id] ?? { online: false, lastSeenAt: other.lastSeenAt }) : undefined;
    return html`<section part="panel" class="panel" lang=${this.language.tag} dir=${this.language.dir} role=${trap ? "dialog" : "region"} aria-label=${t.title}>
      ${trap ? html`<span tabindex="0" class="sentinel" @focus=${() => void this.views.focusView()}></span>` : nothing}
      <div part="header" class="header">
        ${this.view !== "list" && this.view !== "signin" ? html`<button part="back" aria-label=${t.back} @click=${this.nav.back}>${icons.back}</button>` : nothing}
        <div class="titles">
          <h2 part="title">${this.views.heading()}</h2>
          ${
            other
              ? html`<span part="presence" class="muted presence"
                >${presence?.online ? html`<span class="online-dot" aria-hidden="true"></span>${t.online}` : presence?.lastSeenAt ? format(t.lastSeen, { time: shortTime(presence.lastSeenAt) }) : t.offline}</span
              >`
              : nothing
          }
        </div>
        ${this.calls?.(c)}
        ${
          s?.me && (this.view === "list" || (this.view === "thread" && !this.draft))
            ? html`<button part="search" aria-label=${t.searchMessages} @click=${() => this.nav.openSearch(this.view === "thread" ? this.activeId : "")}>${icons.search}</button>`
            : nothing
        }
        ${this.view === "thread" && !this.draft ? html`<button part="info" aria-label=${t.details} @click=${() => (this.view = "info")}>${icons.info}</button>` : nothing}
        ${s?.me && this.view === "list" ? html`<button part="profile" @click=${() => (this.view = "me")}>${t.profile}</button>` : nothing}
        ${s?.me && this.view === "me" ? html`<button part="signout" @click=${() => void this.logout()}>${t.signOut}</button>` : nothing}
        ${this.mode === "launcher" ? html`<button part="close" aria-label=${t.closeChat} @click=${() => this.close()}>${icons.close}</button>` : nothing}
      </div>
      ${s?.me && conn !== "connected" ? html`<div part="status" class="status" role="status">${this.blocked() ? t.blocked : conn === "connecting" ? t.reconnecting : t.offline}</div>` : nothing}
      ${this.error ? html`<div part="error" class="error banner" role="alert">${this.error}</div>` : nothing}
      <div class="body" @parley-client=${(e: CustomEvent<(c: ChatClient) => void>) => e.detail(clientOf(this))} @parley-act=${this.actions.onAct}
        @parley-open=${(e: CustomEvent<string>) => this.nav.openConversation(e.detail)}
        @parley-notice=${(e: CustomEvent<string>) => this.actions.say({ text: e.detail })}>${this.views.body()}</div>
      <div class="toast-slot" role="status">
        ${
          this.notice
            ? html`<div part="toast" class="toast">
              <span>${this.notice.text}</span>${this.notice.undo ? html`<button part="undo" @click=${() => this.actions.undoDelete()}>${t.undo}</button>` : nothing}
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

  static override styles = chatStyles;
}

customElements.get("parley-chat") || customElements.define("parley-chat", ParleyChat);

declare global {
  interface HTMLElementTagNameMap {
    "parley-chat": ParleyChat;
  }
}
