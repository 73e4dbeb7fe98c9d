import { LitElement, css, html, nothing, type PropertyValues, type TemplateResult } from "lit";
import type { ChatClient, Conversation, Me, Message, MessageItem, Replies, ThreadHandle } from "@parley/sdk";
import { EN, plural, type Strings } from "../i18n/i18n.js";
import { icons } from "../shared/icons.js";
import { withMentions } from "../message/mentions.js";
import { hasMarkup, plain, rich } from "../message/rich.js";
import { base } from "../shared/styles.js";
import { shortTime } from "../i18n/time.js";
import { REPLIES_EN, type RepliesStrings } from "./parley-replies.strings.js";

/**
 * Where a thread goes in `<parley-chat>`'s panel: beside the conversation when the panel is wide,
 * over it when narrow (the conversation stays laid out, hidden, so that its place is kept for
 * Back). Added to `<parley-chat>`'s shadow root by the first thread opened: the UI every visitor
 * loads does not carry it. A constructable stylesheet, so a strict CSP holds.
 */
const layout = css`
  .panel {
    container-type: inline-size;
  }
  .body {
    position: relative;
  }
  .body > * {
    min-width: 0;
  }
  @container (max-width: 599px) {
    .body:has(> parley-replies) > parley-thread {
      position: absolute;
      inset: 0;
      visibility: hidden;
    }
  }
  @container (min-width: 600px) {
    .body:has(> parley-replies) {
      flex-direction: row;
    }
    .body > parley-replies {
      flex: 0 0 42%;
      border-inline-start: 1px solid var(--_border);
    }
  }
`.styleSheet;

/**
 * A message's thread: the root message, its replies (oldest first; earlier ones on request), a
 * composer (with `@` mentions) and a Follow / Following toggle. Opening it loads the newest
 * replies and marks the thread read; replies that arrive while it is open are read too, and
 * announced. It is shown beside the conversation when `<parley-chat>`'s panel is 600 px wide or
 * more, over it when narrower (its stylesheet for that is added to the panel's shadow root); the
 * close button (or Escape, or the header's Back) closes it.
 *
 * A lazy chunk: `<parley-chat>` imports this file the first time a thread is opened (and this
 * one the mention picker's, `<parley-mention>`, at the first `@`). Like
 * `<parley-search>`, it asks `<parley-chat>` for the client with a `parley-client` event, and
 * reads the thread's state from the property `thread` (`store.state.replies[rootId]`).
 *
 * @event parley-client - detail: a callback that `<parley-chat>` calls with its ChatClient
 * @event parley-close-thread - the close button was pressed
 *
 * @csspart thread-header - the bar with the close button, the title and the follow toggle
 * @csspart thread-close - the close (back) button
 * @csspart follow - the Follow / Following toggle
 * @csspart thread-root - the message the thread is about
 * @csspart thread-count - how many replies there are, under the root
 * @csspart load-older - the "Show earlier replies" button
 * @csspart thread-status - loading (role=status), or a failure with its retry button (role=alert)
 * @csspart empty - the "No replies yet" placeholder
 * @csspart replies - the list of replies
 * @csspart reply - one reply (with data-id and data-status)
 * @csspart mention - a mention in a message's text
 * @csspart code - inline code in a formatted message
 * @csspart code-block - a code block in a formatted message (scrolls sideways; a tab stop)
 * @csspart blockquote - a quote in a formatted message
 * @csspart list - a list in a formatted message
 * @csspart composer - the composer form
 * @csspart composer-input - the reply box
 * @csspart send - the send button
 */
export class ParleyReplies extends LitElement {
  static override properties = {
    t: { attribute: false },
    me: { attribute: false },
    conversation: { attribute: false },
    rootId: { attribute: false },
    root: { attribute: false },
    thread: { attribute: false },
    phase: { state: true },
    news: { state: true },
  };
  /** The widget's strings; this view's own are taken from them when the host set them. */
  t: Strings & Partial<RepliesStrings> = EN;
  me: Me | null = null;
  conversation: Conversation | undefined;
  rootId = "";
  /** The root as the conversation has it (kept live: edits, its reply count); else the thread's copy. */
  root: Message | undefined;
  /** The thread's state in the store; undefined until it is loaded. */
  thread: Replies | undefined;
  /** What is under way: loading the thread, older replies ("more"), a follow change ("busy"); or "failed". */
  phase: "" | "loading" | "more" | "busy" | "failed" = "";
  /** The latest reply by someone else, for the live region. */
  news = "";
  private again = (): void => undefined;
  /** Whether the list was at its end before the render: new replies then keep it there. */
  private stick = true;

  override focus(): void {
    this.shadowRoot?.querySelector("textarea")?.focus();
  }

  override connectedCallback(): void {
    super.connectedCallback();
    const root = this.getRootNode() as ShadowRoot;
    if (layout && root.adoptedStyleSheets && !root.adoptedStyleSheets.includes(layout)) root.adoptedStyleSheets = [...root.adoptedStyleSheets, layout];
  }

  private get s(): Strings & RepliesStrings {
    return { ...REPLIES_EN, ...this.t };
  }

  private emit(name: string, detail: unknown = null): void {
    this.dispatchEvent(new CustomEvent(name, { detail, bubbles: true, composed: true }));
  }

  private handle(): ThreadHandle | undefined {
    let client: ChatClient | undefined;
    this.emit("parley-client", (c: ChatClient) => (client = c));
    return this.conversation && client?.conversation(this.conversation.id).thread(this.rootId);
  }

  /** Runs a request with `phase` shown meanwhile; a failure offers to run it again. */
  private async run(phase: "loading" | "more" | "busy", fn: (h: ThreadHandle) => Promise<unknown>): Promise<void> {
    const h = this.handle();
    if (!h) return;
    this.again = () => void this.run(phase, fn);
    this.phase = phase;
    try {
      await fn(h);
      this.phase = "";
    } catch {
      this.phase = "failed";
    }
  }

  private scroller(): HTMLElement | null | undefined {
    return this.shadowRoot?.querySelector<HTMLElement>(".scroll");
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has("rootId")) {
      this.stick = true;
      void this.run("loading", (h) => h.load());
    }
    const el = this.scroller();
    if (el) this.stick = el.scrollHeight - el.scrollTop - el.clientHeight < 40;
    const prev = changed.get("thread") as Replies | undefined;
    const list = this.thread?.messages ?? [];
    const last = list[list.length - 1];
    if (prev && last && last.status === "sent" && last.senderId !== this.me?.id && !prev.messages.some((m) => m.id === last.id))
      this.news = `${this.name(last.senderId)}: ${plain(this, last.text ?? "")}`;
  }

  protected override updated(changed: PropertyValues<this>): void {
    // Opened: the reply box has the focus.
    if (changed.has("rootId")) this.focus();
    const el = this.scroller();
    if (el && this.stick) el.scrollTop = el.scrollHeight;
    // Open: what is shown is read (the SDK asks the server only when there is something new).
    if (changed.has("thread"))
      void this.handle()
        ?.markRead()
        .catch(() => undefined);
  }

  private name(id: string | null): string {
    return id === this.me?.id ? this.t.you : (this.conversation?.users.find((u) => u.id === id)?.displayName ?? "");
  }

  private submit(e?: Event): void {
    e?.preventDefault();
    const ta = this.shadowRoot!.querySelector("textarea")!;
    const text = ta.value.trim();
    if (!text) return;
    const mentions = this.shadowRoot!.querySelector<HTMLElement & { take?(text: string): string[] }>("parley-mention")?.take?.(text) ?? [];
    void this.handle()
      ?.send(text, mentions.length ? { mentions } : {})
      .catch(() => undefined);
    ta.value = "";
    this.stick = true;
  }

  private message(m: Message | MessageItem, part: string): TemplateResult {
    const status = "status" in m ? m.status : "sent";
    const cid = m.clientMessageId;
    const conv = () => this.handle()?.conversation;
    const text = m.text ?? "";
    const leaf = (s: string) => withMentions(s, m.mentions ?? [], this.conversation?.users ?? [], this.me?.id);
    const f = hasMarkup(text) ? rich(this) : undefined;
    return html`<div part=${part} class="msg" data-id=${m.id} data-status=${status}>
      <div class="meta"><strong>${this.name(m.senderId)}</strong> <span class="muted">${shortTime(m.createdAt)}</span></div>
      <div class="text">${
        m.deletedAt
          ? html`<em class="muted">${this.t.deleted}</em>`
          : [f ? f.formatted(text, leaf) : leaf(text), m.attachments.map((a) => html` <span class="muted">${a.name}</span>`)]
      }</div>
      ${status === "pending" ? html`<div class="muted small">${this.t.sending}</div>` : nothing}
      ${
        status === "failed" && cid
          ? html`<div class="error small">${this.t.failed} <button @click=${() =>
              void conv()
                ?.retry(cid)
                .catch(() => undefined)}>${this.t.retry}</button><button
                @click=${() => conv()?.discard(cid)}>${this.t.discard}</button></div>`
          : nothing
      }
    </div>`;
  }

  override render() {
    const s = this.s;
    const th = this.thread;
    const root = this.root ?? th?.root;
    const replies = th?.messages ?? [];
    const count = root?.thread?.replyCount ?? 0;
    const phase = this.phase;
    return html`<div part="thread-header" class="head">
        <button part="thread-close" aria-label=${s.closeThread} @click=${() => this.emit("parley-close-thread")}>${icons.back}</button>
        <h3 id="title">${s.thread}</h3>
        ${
          th
            ? html`<button part="follow" class=${th.following ? "on" : ""} ?disabled=${phase === "busy"}
              @click=${() => void this.run("busy", (h) => (th.following ? h.unfollow() : h.follow()))}>${th.following ? s.following : s.follow}</button>`
            : nothing
        }
      </div>
      <div class="scroll" role="region" aria-labelledby="title" tabindex="0">
        ${root ? this.message(root, "thread-root") : nothing}
        ${count ? html`<p part="thread-count" class="muted small count">${plural(s, "replies", count)}</p>` : nothing}
        ${
          th?.hasOlder && replies.length
            ? html`<button part="load-older" ?disabled=${phase === "more"} @click=${() => void this.run("more", (h) => h.loadOlder())}>${phase === "more" ? s.loading : s.olderReplies}</button>`
            : nothing
        }
        ${
          phase === "loading"
            ? html`<p part="thread-status" class="muted pad" role="status">${s.loading}</p>`
            : phase === "failed"
              ? html`<p part="thread-status" class="error pad" role="alert">${s.unknownError} <button @click=${() => this.again()}>${s.retry}</button></p>`
              : th && !replies.length
                ? html`<p part="empty" class="empty">${s.noReplies}</p>`
                : nothing
        }
        ${replies.length ? html`<ol part="replies" aria-labelledby="title">${replies.map((m) => html`<li>${this.message(m, "reply")}</li>`)}</ol>` : nothing}
      </div>
      <div role="log" aria-live="polite" class="sr-only">${this.news}</div>
      <form part="composer" class="composer" @submit=${this.submit}>
        <textarea part="composer-input" rows="2" aria-label=${s.replyPlaceholder} placeholder=${s.replyPlaceholder} maxlength="4000"
          @keydown=${(e: KeyboardEvent) => e.key === "Enter" && !e.shiftKey && !e.isComposing && this.submit(e)}
          @input=${(e: Event) => (e.target as HTMLTextAreaElement).value.includes("@") && import("../mention/parley-mention.js").catch(() => undefined)}></textarea>
        <parley-mention .users=${this.conversation?.users} .me=${this.me?.id} .t=${this.t}></parley-mention>
        <button part="send" class="primary">${s.send}</button>
      </form>`;
  }

  static override styles = [
    base,
    css`
      :host {
        display: flex;
        flex-direction: column;
        background: var(--_bg);
      }
      .head {
        display: flex;
        align-items: center;
        gap: 4px;
        padding: 4px;
        border-bottom: 1px solid var(--_border);
      }
      h3 {
        flex: 1;
        font-size: 15px;
        margin: 0 6px;
      }
      [part="follow"] {
        border: 1px solid var(--_border);
      }
      .on {
        font-weight: 700;
      }
      .scroll {
        flex: 1;
        min-height: 0;
        overflow-y: auto;
        padding: 8px 12px;
      }
      ol {
        list-style: none;
        margin: 0;
        padding: 0;
      }
      [part="thread-root"],
      [part="reply"] {
        padding: 6px 0;
        overflow-wrap: anywhere;
      }
      [part="thread-root"] {
        border-bottom: 1px solid var(--_border);
        padding-bottom: 10px;
      }
      .meta {
        font-size: 13px;
      }
      .text {
        white-space: pre-wrap;
      }
      .small {
        font-size: 12px;
      }
      .count {
        margin: 8px 0 0;
      }
      .pad {
        padding: 0 4px;
      }
      [part="mention"] {
        font-weight: 600;
        border-radius: 4px;
        padding: 0 2px;
        background: rgb(127 127 127 / 0.2);
      }
      .mention.me {
        background: var(--_accent);
        color: var(--_on-accent);
      }
      [part="load-older"] {
        width: 100%;
      }
      .composer {
        display: flex;
        gap: 6px;
        align-items: flex-end;
        padding: 8px;
        border-top: 1px solid var(--_border);
      }
      textarea {
        flex: 1;
        resize: none;
      }
      parley-mention {
        display: contents;
      }
    `,
  ];
}

customElements.get("parley-replies") || customElements.define("parley-replies", ParleyReplies);

declare global {
  interface HTMLElementTagNameMap {
    "parley-replies": ParleyReplies;
  }
}
