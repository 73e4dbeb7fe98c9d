import { html, nothing, type LitElement } from "lit";
import type { Conversation } from "@parley/sdk";
import type { StoreController } from "../shared/store-controller.js";
import type { ConversationPager } from "../list/conversation-pager.js";
import type { ParleyThread } from "../thread/parley-thread.js";
import { loadUntil } from "./history.js";
import { clientOf, run, type ChatHost } from "./chat-host.js";
import type { ConversationActions } from "./conversation-actions.js";
import type { Navigation } from "./navigation.js";

/**
 * Views in chunks of their own, fetched the first time one is shown (then cached, hashed and
 * immutable): the sign-in form (never needed with a host token or a kept session), people search
 * and group creation, conversation details and the profile. The UI
 * every visitor loads on opening the chat leaves them out (its budget is 40 KB br).
 */
export const LAZY_VIEWS = {
  "parley-signin": () => import("../signin/parley-signin.js"),
  "parley-people": () => import("../people/parley-people.js"),
  "parley-info": () => import("../info/parley-info.js"),
  "parley-search": () => import("../search/parley-search.js"),
  "parley-replies": () => import("../replies/parley-replies.js"),
};
type LazyView = keyof typeof LAZY_VIEWS;

/** The element's controllers the views draw from and send their events to. */
export interface ViewDeps {
  store: StoreController;
  pager: ConversationPager;
  nav: Navigation;
  actions: ConversationActions;
}

/**
 * What the panel shows for the current view: its heading and its body (the view's element, wired
 * to the actions), the lazy views' chunks fetched on first show, and the focus moved into a view
 * when it is shown.
 */
export class ChatViews {
  /** A lazy view whose chunk could not be fetched (offline): the view offers to try again. */
  private lazyFailed = false;

  constructor(
    private readonly host: ChatHost,
    private readonly deps: ViewDeps,
  ) {}

  heading(): string {
    const h = this.host;
    const t = h.t;
    if (h.view === "thread" || (h.view === "search" && this.deps.nav.searchIn)) {
      const c = this.deps.store.state?.conversations[h.activeId] ?? h.draft?.conversation;
      return c ? h.titleOf(c) : t.title;
    }
    if (h.view === "search") return t.searchMessages;
    if (h.view === "people") return t.newChat;
    if (h.view === "info") return t.details;
    if (h.view === "me") return t.profile;
    if (h.view === "group") return t.newGroup;
    return t.title;
  }

  body() {
    const h = this.host;
    const { store, pager, nav, actions: a } = this.deps;
    const s = store.state;
    if (!s || (h.busy && !s.me && h.view === "signin" && !h.error && !h.hasUpdated)) return html`<p class="muted center" role="status">${h.t.loading}</p>`;
    switch (h.view) {
      case "signin":
        if (!this.need("parley-signin")) return this.lazyPending();
        return html`<parley-signin .t=${h.t} .busy=${h.busy} @parley-signin=${this.onSignIn}></parley-signin>`;
      case "people":
      case "group":
        if (!this.need("parley-people")) return this.lazyPending();
        return html`<parley-people .t=${h.t} .server=${h.server} .group=${h.view === "group"}
          @parley-pick=${(e: CustomEvent<string>) => void h.startChat(e.detail)}></parley-people>`;
      case "info":
      case "me":
        if (!this.need("parley-info")) return this.lazyPending();
        return html`<parley-info .t=${h.t} .server=${h.server} .state=${s} .conversation=${h.view === "info" ? s.conversations[h.activeId] : undefined}
          @parley-leave=${() => a.act(async (c) => (await c.leave(), (h.view = "list")))}></parley-info>`;
      case "search":
        if (!this.need("parley-search")) return this.lazyPending();
        return html`<parley-search .t=${h.t} .conversationId=${nav.searchIn} .query=${nav.searchQ} .titleOf=${(c: Conversation) => h.titleOf(c)}
          @parley-jump=${nav.onJump}></parley-search>`;
      case "thread": {
        const c = a.conv();
        const typing = Object.entries(s.typing[h.activeId] ?? {})
          .filter(([id, until]) => until > Date.now() && id !== s.me?.id)
          .map(([id]) => c.state?.users.find((u) => u.id === id)?.displayName ?? "");
        const hidden = h.pendingDelete?.conversationId === h.activeId ? [h.pendingDelete.id] : [];
        return html`<parley-thread .t=${h.t} .server=${h.server} .me=${s.me} .conversation=${c.state ?? h.draft?.conversation} .messages=${c.messages} .hiddenIds=${hidden} .blocked=${s.contacts?.blockedUserIds} .hasOlder=${c.hasOlder && !h.draft}
          .typingNames=${typing} .progress=${h.progress} .attachmentUrl=${a.attachmentUrl}
          @parley-send=${a.onSend}
          @parley-open-thread=${nav.onOpenThread}
          @parley-open=${(e: CustomEvent<string>) => nav.openConversation(e.detail)}
          @parley-edit=${(e: CustomEvent<{ id: string; text: string }>) => a.act((c) => c.edit(e.detail.id, e.detail.text))}
          @parley-delete=${a.onDelete}
          @parley-react=${(e: CustomEvent<{ id: string; emoji: string; mine: boolean }>) => a.act((c) => (e.detail.mine ? c.unreact(e.detail.id, e.detail.emoji) : c.react(e.detail.id, e.detail.emoji)))}
          @parley-retry=${(e: CustomEvent<string>) =>
            void a
              .conv()
              .retry(e.detail)
              .catch(() => undefined)}
          @parley-discard=${(e: CustomEvent<string>) => a.conv().discard(e.detail)}
          @parley-read=${() => a.conv().markRead()}
          @parley-typing=${(e: CustomEvent<boolean>) => h.draft || a.conv().typing(e.detail)}
          @parley-load-older=${() => a.act((c) => c.loadOlder())}
          @parley-load-until=${(e: CustomEvent<string>) => a.act((c) => loadUntil(c, e.detail))}></parley-thread>
          ${
            !h.threadRoot
              ? nothing
              : this.need("parley-replies")
                ? html`<parley-replies .t=${h.t} .me=${s.me} .conversation=${c.state} .rootId=${h.threadRoot} .root=${c.messages.find((m) => m.id === h.threadRoot)}
                  .thread=${s.replies[h.threadRoot]} @parley-close-thread=${nav.closeThread}></parley-replies>`
                : this.lazyPending()
          }`;
      }
      default:
        return html`<parley-list .t=${h.t} .server=${h.server} .state=${s} .titleOf=${(c: Conversation) => h.titleOf(c)} .more=${pager.status}
          @parley-load-more=${() => void pager.next()}
          @parley-search-messages=${(e: CustomEvent<string>) => nav.openSearch("", e.detail)}
          @parley-compose=${(e: CustomEvent<"direct" | "group">) => (h.view = e.detail === "group" ? "group" : "people")}></parley-list>`;
    }
  }

  /** Moves the focus into the view just shown (a view swap removes the focused element: keyboard users). */
  async focusView(): Promise<void> {
    const h = this.host;
    await h.updateComplete;
    // People and message search are lazy views: focus them once their chunk has arrived and drawn.
    const lazy =
      h.view === "signin" ? "parley-signin" : h.view === "search" ? "parley-search" : h.view === "people" || h.view === "group" ? "parley-people" : "";
    if (lazy && !customElements.get(lazy)) {
      if (
        !(await LAZY_VIEWS[lazy]().then(
          () => true,
          () => false,
        ))
      )
        return;
      // need()'s own render may come after this step (two import() promises settle in no set order).
      h.requestUpdate();
      await h.updateComplete;
    }
    const view = h.shadowRoot?.querySelector<LitElement>("parley-signin, parley-list, parley-thread, parley-people, parley-search");
    if (view) {
      await view.updateComplete;
      const nav = this.deps.nav;
      const jump = nav.jumpTarget;
      nav.jumpTarget = "";
      // Opened from a search result: the message takes the focus (once it is loaded), not the composer.
      if (jump && view.localName === "parley-thread") (view as ParleyThread).jumpTo(jump);
      else view.focus();
    } else h.shadowRoot?.querySelector<HTMLElement>("[part=panel] button")?.focus();
  }

  /**
   * Whether lazy view `tag` is defined; if not, fetches its chunk and renders again when it is
   * (or when it failed: the view then says so, with a retry).
   */
  private need(tag: LazyView): boolean {
    if (customElements.get(tag)) return true;
    if (!this.lazyFailed)
      LAZY_VIEWS[tag]().then(
        () => this.host.requestUpdate(),
        () => ((this.lazyFailed = true), this.host.requestUpdate()),
      );
    return false;
  }

  /** What a lazy view shows while its chunk is on its way, or after fetching it failed. */
  private lazyPending() {
    const h = this.host;
    return this.lazyFailed
      ? html`<p class="muted center" role="alert">${h.t.loadFailed} <button @click=${() => ((this.lazyFailed = false), h.requestUpdate())}>${h.t.retry}</button></p>`
      : html`<p class="muted center" role="status">${h.t.loading}</p>`;
  }

  private onSignIn = (e: CustomEvent<{ mode: "login" | "register"; email: string; password: string; displayName: string }>): void => {
    const d = e.detail;
    const h = this.host;
    void run(h, async () => {
      if (d.mode === "login") await clientOf(h).login(d.email, d.password);
      else await clientOf(h).register({ email: d.email, password: d.password, displayName: d.displayName });
      // session.changed has shown the list already, and the visitor may have moved on while the
      // sign-in finished (opening the device cache, the first catch-up): never pull them back.
      if (h.view === "signin") h.view = "list";
    });
  };
}
