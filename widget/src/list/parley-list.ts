import { css, html, nothing, type PropertyValues } from "lit";
import type { ChatState, Conversation } from "@parley/sdk";
import { avatar } from "../shared/avatar.js";
import type { PagerStatus } from "./conversation-pager.js";
import { format, plural } from "../i18n/i18n.js";
import { ParleyView } from "../shared/view.js";
import { base } from "../shared/styles.js";
import { plain } from "../message/rich.js";
import { shortTime } from "../i18n/time.js";
import { EDGE, atWindowEnd, captureAnchor, clampFirst, firstShowing, restoreAnchor, slide, type Anchor, type ListWindow } from "../shared/windowing.js";

/**
 * Windowing (windowing.ts), as in the message list: at most 50 rows are in the DOM, however long
 * the list; scrolling near either end slides the window by 20.
 */
const WIN: ListWindow = { size: 50, step: 20 };

/**
 * The conversation list: avatar, presence, name, last message, time, unread badge; a filter box.
 * Long lists are windowed and load older conversations as the end comes near. One tab stop:
 * arrow keys, Home and End move between rows (across the whole list, not only the drawn rows).
 * @event parley-open - detail: conversation id (also from `<parley-invitations>`, at the top: a group just joined)
 * @event parley-compose - detail: "direct" | "group"
 * @event parley-load-more - the end of the list is near and `more` says there may be more
 * @event parley-search-messages - detail: the filter box's text; search the messages for it
 *
 * @csspart new-chat - the "new chat" button
 * @csspart new-group - the "new group" button
 * @csspart filter - the filter box
 * @csspart search-messages - "Search messages for …", under the filter box while it has text
 * @csspart conversations - the scrolling list
 * @csspart conversation - one row
 * @csspart unread - a row's unread count
 * @csspart mention-count - a row's unread mentions of the visitor ("@2")
 * @csspart empty - the "no conversations" placeholder
 * @csspart avatar - an avatar
 */
export class ParleyList extends ParleyView {
  static override properties = {
    state: { attribute: false },
    server: { type: String },
    titleOf: { attribute: false },
    more: { attribute: false },
    filter: { state: true },
    focusId: { state: true },
    first: { state: true },
  };
  state: ChatState | undefined;
  server = "";
  titleOf: (c: Conversation) => string = (c) => c.name ?? "";
  /** Whether older conversations may be on the server (see ConversationPager). */
  more: PagerStatus = "done";
  filter = "";
  /** The row that holds the list's one tab stop (roving tabindex; arrow keys move it). */
  focusId = "";
  /** Index (in the filtered list) of the first row in the DOM. */
  first = 0;
  private rows: Conversation[] = [];
  private anchor: Anchor | null = null;
  /** A row that the keyboard moved to: scrolled into view after the next render. */
  private reveal = "";

  override connectedCallback(): void {
    super.connectedCallback();
    // Pending group invitations: a chunk of its own, drawn at the top once it has arrived.
    import("../invitations/parley-invitations.js").catch(() => undefined);
  }

  override focus(): void {
    this.shadowRoot?.querySelector<HTMLElement>("[part=conversation][tabindex='0'], [part=new-chat]")?.focus();
  }

  private scroller(): HTMLElement | null | undefined {
    return this.shadowRoot?.querySelector<HTMLElement>("[part=conversations]");
  }

  private onKey(e: KeyboardEvent): void {
    const id = (e.target as HTMLElement).dataset["id"];
    const n = this.rows.length;
    const i = id ? this.rows.findIndex((c) => c.id === id) : -1;
    if (i < 0) return;
    const to = { ArrowDown: i + 1, ArrowUp: i - 1, Home: 0, End: n - 1 }[e.key];
    if (to === undefined || to < 0 || to >= n) return;
    e.preventDefault();
    // Off the drawn rows: slide the window so that the row is drawn, a step from the edge it entered by.
    this.first = firstShowing(WIN, this.first, n, to, to < i ? WIN.step : WIN.size - WIN.step - 1);
    this.focusId = this.reveal = this.rows[to]!.id;
    void this.updateComplete.then(() => this.row(this.focusId)?.focus({ preventScroll: true }));
  }

  private row(id: string): HTMLElement | null | undefined {
    return this.shadowRoot?.querySelector<HTMLElement>(`[part=conversation][data-id="${CSS.escape(id)}"]`);
  }

  private onScroll(): void {
    const el = this.scroller()!;
    const first = slide(WIN, el, this.first, this.rows.length);
    if (first !== this.first) this.first = first;
    else if (this.more === "more" || this.more === "failed") this.loadMore(el);
  }

  /** Asks for older conversations when the drawn rows reach the end of the list and it is near. */
  private loadMore(el: HTMLElement): void {
    if (atWindowEnd(WIN, this.first, this.rows.length) && el.scrollHeight - el.scrollTop - el.clientHeight < EDGE) this.emit("parley-load-more", null);
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    const was = changed.has("first") ? (changed.get("first") as number) : this.first;
    const s = this.state;
    const f = this.filter.trim().toLowerCase();
    this.rows = s ? s.conversationOrder.map((id) => s.conversations[id]!).filter((c) => !f || this.titleOf(c).toLowerCase().includes(f)) : [];
    if (changed.has("filter")) this.first = 0;
    this.first = clampFirst(WIN, this.first, this.rows.length);
    // At the very top the list stays there (news comes in above, in view); elsewhere the row under the eyes stays put.
    const el = this.scroller();
    this.anchor = el && (el.scrollTop > 0 || was > 0) ? captureAnchor(el) : null;
  }

  protected override updated(): void {
    const el = this.scroller();
    if (!el) return;
    restoreAnchor(el, this.anchor);
    // Rows are reused by position: when the window slides, focus follows its conversation.
    const focused = this.shadowRoot!.activeElement as HTMLElement | null;
    if (focused?.dataset["id"] && focused.dataset["id"] !== this.focusId) this.row(this.focusId)?.focus({ preventScroll: true });
    if (this.reveal) {
      this.row(this.reveal)?.scrollIntoView({ block: "nearest" });
      this.reveal = "";
      return;
    }
    // Rows arrived below (an older page) while the end was in view: slide on to them.
    const n = this.rows.length;
    if (!atWindowEnd(WIN, this.first, n) && el.scrollHeight - el.scrollTop - el.clientHeight < EDGE) this.first = clampFirst(WIN, this.first + WIN.step, n);
    else if (this.more === "more") this.loadMore(el);
  }

  override render() {
    const s = this.state;
    if (!s) return nothing;
    const me = s.me?.id;
    const f = this.filter.trim();
    const list = this.rows;
    const shown = list.slice(this.first, this.first + WIN.size);
    const tabStop = shown.some((c) => c.id === this.focusId) ? this.focusId : shown[0]?.id;
    return html`<div class="tools">
        <button part="new-chat" class="primary" @click=${() => this.emit("parley-compose", "direct")}>${this.t.newChat}</button>
        <button part="new-group" @click=${() => this.emit("parley-compose", "group")}>${this.t.newGroup}</button>
      </div>
      <input part="filter" type="search" aria-label=${this.t.searchPeople} placeholder=${this.t.searchPeople} .value=${this.filter} @input=${(e: InputEvent) => (this.filter = (e.target as HTMLInputElement).value)} />
      ${f ? html`<button part="search-messages" @click=${() => this.emit("parley-search-messages", f)}>${format(this.t.searchFor, { q: f })}</button>` : nothing}
      <parley-invitations .t=${this.t}></parley-invitations>
      ${
        list.length === 0
          ? html`<p part="empty" class="empty">${f ? this.t.noResults : this.t.noConversations}</p>`
          : html`<ul part="conversations" aria-label=${this.t.title} @keydown=${this.onKey} @scroll=${this.onScroll}>
            ${shown.map((c) => {
              const other = c.kind === "direct" ? c.users.find((u) => u.id !== me) : undefined;
              const online = other ? (s.presence[other.id]?.online ?? false) : false;
              const last = c.lastMessage;
              const preview = last
                ? last.deletedAt
                  ? this.t.deleted
                  : (last.senderId === me ? `${this.t.you}: ` : "") + (plain(this, last.text ?? "") || last.attachments.map((a) => a.name).join(", "))
                : "";
              return html`<li>
                <button part="conversation" data-id=${c.id} tabindex=${c.id === tabStop ? 0 : -1} @focus=${() => (this.focusId = c.id)} @click=${() => this.emit("parley-open", c.id)}>
                  ${avatar(other ?? { displayName: this.titleOf(c), avatarUrl: null }, this.server, online)}
                  <span class="main">
                    <span class="row"><strong class="name" .textContent=${this.titleOf(c)}></strong><span class="muted time" .textContent=${last ? shortTime(last.createdAt) : ""}></span></span>
                    <span class="row"><span class="muted preview" .textContent=${preview}></span>${
                      c.mentionCount
                        ? html`<span part="mention-count" class="badge at"><span aria-hidden="true">@${c.mentionCount}</span><span class="sr-only">${plural(this.t, "mentions", c.mentionCount)}</span></span>`
                        : nothing
                    }${c.unreadCount > 0 ? html`<span part="unread" class="badge">${c.unreadCount}</span>` : nothing}</span>
                  </span>
                </button>
              </li>`;
            })}
            ${this.more === "loading" && atWindowEnd(WIN, this.first, list.length) ? html`<li class="muted more">${this.t.loading}</li>` : nothing}
          </ul>`
      }`;
  }

  static override styles = [
    base,
    css`
      :host {
        display: flex;
        flex-direction: column;
        overflow: auto;
      }
      ul {
        flex: 1 1 auto;
        min-height: 5.5em;
        overflow-y: auto;
        position: relative;
      }
      .more {
        padding: 10px 12px;
      }
      .tools {
        display: flex;
        gap: 8px;
        padding: 10px 10px 0;
      }
      input {
        margin: 10px;
        width: auto;
        flex: none;
      }
      [part="search-messages"] {
        margin: -4px 10px 6px;
        text-align: start;
      }
      .tools {
        flex: none;
        flex-wrap: wrap;
      }
      ul {
        list-style: none;
        margin: 0;
        padding: 0;
      }
      [part="conversation"] {
        display: flex;
        gap: 10px;
        width: 100%;
        text-align: start;
        padding: 10px 12px;
        border-radius: 0;
        align-items: center;
      }
      .main {
        flex: 1;
        min-width: 0;
        display: flex;
        flex-direction: column;
      }
      .row {
        display: flex;
        gap: 8px;
        justify-content: space-between;
        align-items: center;
      }
      .name,
      .preview {
        overflow: hidden;
        white-space: nowrap;
        text-overflow: ellipsis;
      }
      .time {
        font-size: 12px;
        flex: none;
      }
      .at {
        background: var(--_accent);
        color: var(--_on-accent);
        margin-inline-start: auto;
      }
    `,
  ];
}
customElements.get("parley-list") || customElements.define("parley-list", ParleyList);
