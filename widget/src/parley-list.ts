import { LitElement, css, html, nothing } from "lit";
import type { ChatState, Conversation } from "@parley/sdk";
import { avatar } from "./avatar.js";
import { EN, type Strings } from "./i18n.js";
import { base } from "./styles.js";
import { shortTime } from "./time.js";

/**
 * The conversation list: avatar, presence, name, last message, time, unread badge; a filter box.
 * @event parley-open - detail: conversation id
 * @event parley-compose - detail: "direct" | "group"
 *
 * @csspart new-chat - the "new chat" button
 * @csspart new-group - the "new group" button
 * @csspart filter - the filter box
 * @csspart conversation - one row
 * @csspart unread - a row's unread count
 * @csspart empty - the "no conversations" placeholder
 * @csspart avatar - an avatar
 */
export class ParleyList extends LitElement {
  static override properties = {
    t: { attribute: false },
    state: { attribute: false },
    server: { type: String },
    titleOf: { attribute: false },
    filter: { state: true },
    focusId: { state: true },
  };
  t: Strings = EN;
  state: ChatState | undefined;
  server = "";
  titleOf: (c: Conversation) => string = (c) => c.name ?? "";
  filter = "";
  /** The row that holds the list's one tab stop (roving tabindex; arrow keys move it). */
  focusId = "";

  override focus(): void {
    this.shadowRoot?.querySelector<HTMLElement>("[part=conversation][tabindex='0'], [part=new-chat]")?.focus();
  }

  private onKey(e: KeyboardEvent): void {
    const rows = [...this.shadowRoot!.querySelectorAll<HTMLElement>("[part=conversation]")];
    const i = rows.indexOf(e.target as HTMLElement);
    if (i < 0) return;
    const to = { ArrowDown: rows[i + 1], ArrowUp: rows[i - 1], Home: rows[0], End: rows[rows.length - 1] }[e.key];
    if (!to) return;
    e.preventDefault();
    this.focusId = to.dataset["id"]!;
    to.focus();
  }

  private emit(name: string, detail: unknown): void {
    this.dispatchEvent(new CustomEvent(name, { detail, bubbles: true, composed: true }));
  }

  override render() {
    const s = this.state;
    if (!s) return nothing;
    const me = s.me?.id;
    const f = this.filter.trim().toLowerCase();
    const list = s.conversationOrder.map((id) => s.conversations[id]!).filter((c) => !f || this.titleOf(c).toLowerCase().includes(f));
    const tabStop = list.some((c) => c.id === this.focusId) ? this.focusId : list[0]?.id;
    return html`<div class="tools">
        <button part="new-chat" class="primary" @click=${() => this.emit("parley-compose", "direct")}>${this.t.newChat}</button>
        <button part="new-group" @click=${() => this.emit("parley-compose", "group")}>${this.t.newGroup}</button>
      </div>
      <input part="filter" type="search" aria-label=${this.t.searchPeople} placeholder=${this.t.searchPeople} .value=${this.filter} @input=${(e: InputEvent) => (this.filter = (e.target as HTMLInputElement).value)} />
      ${list.length === 0
        ? html`<p part="empty" class="empty">${f ? this.t.noResults : this.t.noConversations}</p>`
        : html`<ul aria-label=${this.t.title} @keydown=${this.onKey}>
            ${list.map((c) => {
              const other = c.kind === "direct" ? c.users.find((u) => u.id !== me) : undefined;
              const online = other ? (s.presence[other.id]?.online ?? false) : false;
              const last = c.lastMessage;
              const preview = last ? (last.deletedAt ? this.t.deleted : (last.senderId === me ? `${this.t.you}: ` : "") + (last.text || last.attachments.map((a) => a.name).join(", "))) : "";
              return html`<li>
                <button part="conversation" data-id=${c.id} tabindex=${c.id === tabStop ? 0 : -1} @focus=${() => (this.focusId = c.id)} @click=${() => this.emit("parley-open", c.id)}>
                  ${avatar(other ?? { displayName: this.titleOf(c), avatarUrl: null }, this.server, online)}
                  <span class="main">
                    <span class="row"><strong class="name">${this.titleOf(c)}</strong><span class="muted time">${last ? shortTime(last.createdAt) : ""}</span></span>
                    <span class="row"><span class="muted preview">${preview}</span>${c.unreadCount > 0 ? html`<span part="unread" class="badge">${c.unreadCount}</span>` : nothing}</span>
                  </span>
                </button>
              </li>`;
            })}
          </ul>`}`;
  }

  static override styles = [
    base,
    css`
      :host {
        display: flex;
        flex-direction: column;
        overflow: auto;
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
        text-align: left;
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
    `,
  ];
}
customElements.get("parley-list") || customElements.define("parley-list", ParleyList);
