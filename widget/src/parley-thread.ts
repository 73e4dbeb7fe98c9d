import { LitElement, css, html, nothing, type PropertyValues, type TemplateResult } from "lit";
import { compareIds, type Attachment, type Conversation, type Me, type MessageItem } from "@parley/sdk";
import { EN, format, type Strings } from "./i18n.js";
import { linkify } from "./linkify.js";
import { tokens } from "./styles.js";
import { dayKey, shortTime } from "./time.js";

export interface SendDetail {
  text: string;
  files: File[];
  replyTo?: string;
}

const QUICK_REACTIONS = ["👍", "❤️", "😂"];
/** Messages of one sender closer than this are drawn as one group. */
const GROUP_MS = 5 * 60_000;

/**
 * One conversation: history (scroll up for older), day separators, grouped bubbles, replies,
 * reactions, receipts, typing, and the composer.
 * @event parley-send - detail: SendDetail
 * @event parley-edit - detail: { id, text }
 * @event parley-delete - detail: message id
 * @event parley-react - detail: { id, emoji, mine }
 * @event parley-retry - detail: clientMessageId
 * @event parley-read - the newest messages are on screen
 * @event parley-typing - detail: boolean
 * @event parley-load-older
 *
 * @csspart messages - the scrolling message list
 * @csspart message - one message (with data-id, data-mine, data-status)
 * @csspart message-text - a message's text
 * @csspart quote - the message a reply quotes
 * @csspart deleted - a deleted message's placeholder
 * @csspart image - an image attachment
 * @csspart file - a file attachment
 * @csspart edited - the "edited" mark
 * @csspart reaction - a reaction chip
 * @csspart retry - the retry button of a failed send
 * @csspart receipt - the read receipt
 * @csspart actions - a message's actions (react, reply, edit, delete)
 * @csspart action-react - a quick reaction button
 * @csspart action-reply - the reply button
 * @csspart action-edit - the edit button
 * @csspart action-delete - the delete button
 * @csspart typing - the "is typing" line
 * @csspart jump - the "jump to latest" button
 * @csspart composer - the composer form
 * @csspart composer-input - the message box
 * @csspart attach - the file picker
 * @csspart progress - the upload progress bar
 * @csspart send - the send button
 */
export class ParleyThread extends LitElement {
  static override properties = {
    t: { attribute: false },
    server: { type: String },
    me: { attribute: false },
    conversation: { attribute: false },
    messages: { attribute: false },
    hasOlder: { type: Boolean },
    typingNames: { attribute: false },
    progress: { attribute: false },
    attachmentUrl: { attribute: false },
    editing: { state: true },
    replyTo: { state: true },
    files: { state: true },
    atBottom: { state: true },
  };
  t: Strings = EN;
  server = "";
  me: Me | null = null;
  conversation: Conversation | undefined;
  messages: MessageItem[] = [];
  hasOlder = false;
  typingNames: string[] = [];
  progress: number | null = null;
  attachmentUrl: (a: Attachment) => Promise<string> = () => Promise.reject(new Error("no loader"));
  editing: MessageItem | null = null;
  replyTo: MessageItem | null = null;
  files: File[] = [];
  atBottom = true;
  private heightBefore = 0;
  private loadingOlder = false;

  override focus(): void {
    this.input()?.focus();
  }

  private input(): HTMLTextAreaElement | null | undefined {
    return this.shadowRoot?.querySelector<HTMLTextAreaElement>("textarea");
  }

  private scroller(): HTMLElement | null | undefined {
    return this.shadowRoot?.querySelector<HTMLElement>("[part=messages]");
  }

  private emit(name: string, detail: unknown = null): void {
    this.dispatchEvent(new CustomEvent(name, { detail, bubbles: true, composed: true }));
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has("messages")) this.heightBefore = this.scroller()?.scrollHeight ?? 0;
  }

  protected override updated(changed: PropertyValues<this>): void {
    const el = this.scroller();
    if (!el) return;
    if (changed.has("messages")) {
      const prev = changed.get("messages") as MessageItem[] | undefined;
      const olderLoaded = prev && prev.length > 0 && this.messages.length > prev.length && this.messages[0]?.id !== prev[0]?.id;
      if (olderLoaded && !this.atBottom) el.scrollTop += el.scrollHeight - this.heightBefore;
      else if (this.atBottom || !prev?.length) el.scrollTop = el.scrollHeight;
      this.loadingOlder = false;
      if (this.atBottom) this.emit("parley-read");
    }
    for (const img of this.shadowRoot!.querySelectorAll<HTMLImageElement>("img[data-att]:not([src])")) {
      const att = this.findAttachment(img.dataset["att"]!);
      if (att) void this.attachmentUrl(att).then((url) => (img.src = url), () => img.remove());
    }
  }

  private findAttachment(id: string): Attachment | undefined {
    for (const m of this.messages) for (const a of m.attachments) if (a.id === id) return a;
    return undefined;
  }

  private onScroll(): void {
    const el = this.scroller()!;
    const atBottom = el.scrollHeight - el.scrollTop - el.clientHeight < 40;
    if (atBottom !== this.atBottom) {
      this.atBottom = atBottom;
      if (atBottom) this.emit("parley-read");
    }
    if (el.scrollTop < 60 && this.hasOlder && !this.loadingOlder) {
      this.loadingOlder = true;
      this.emit("parley-load-older");
    }
  }

  private jumpToLatest(): void {
    const el = this.scroller();
    if (el) el.scrollTop = el.scrollHeight;
    this.atBottom = true;
  }

  // --- Composer ------------------------------------------------------------------------------

  private submit(e?: Event): void {
    e?.preventDefault();
    const ta = this.input();
    if (!ta) return;
    const text = ta.value.trim();
    if (this.editing) {
      if (text && text !== this.editing.text) this.emit("parley-edit", { id: this.editing.id, text });
      this.editing = null;
    } else if (text || this.files.length) {
      this.emit("parley-send", { text, files: this.files, ...(this.replyTo ? { replyTo: this.replyTo.id } : {}) } satisfies SendDetail);
      this.replyTo = null;
      this.files = [];
      this.atBottom = true;
    } else return;
    ta.value = "";
    this.autosize();
    this.emit("parley-typing", false);
  }

  private onKey(e: KeyboardEvent): void {
    const ta = e.target as HTMLTextAreaElement;
    if (e.key === "Enter" && !e.shiftKey && !e.isComposing) {
      e.preventDefault();
      this.submit();
    } else if (e.key === "ArrowUp" && ta.value === "") {
      const mine = [...this.messages].reverse().find((m) => m.senderId === this.me?.id && m.status === "sent" && !m.deletedAt);
      if (mine) {
        e.preventDefault();
        this.startEdit(mine);
      }
    } else if (e.key === "Escape" && (this.editing || this.replyTo)) {
      e.stopPropagation();
      this.editing = this.replyTo = null;
      ta.value = "";
    }
  }

  private onInput(): void {
    this.autosize();
    if (!this.editing) this.emit("parley-typing", true);
  }

  private autosize(): void {
    const ta = this.input();
    if (!ta) return;
    ta.style.height = "auto";
    ta.style.height = `${Math.min(ta.scrollHeight, 140)}px`;
  }

  private startEdit(m: MessageItem): void {
    this.editing = m;
    this.replyTo = null;
    const ta = this.input();
    if (ta) {
      ta.value = m.text ?? "";
      ta.focus();
      this.autosize();
    }
  }

  private addFiles(list: FileList | File[] | null | undefined): void {
    if (list && list.length) this.files = [...this.files, ...Array.from(list)];
  }

  private onPaste(e: ClipboardEvent): void {
    const files = [...(e.clipboardData?.files ?? [])];
    if (files.length) {
      e.preventDefault();
      this.addFiles(files);
    }
  }

  // --- Rendering -----------------------------------------------------------------------------

  private name(userId: string): string {
    if (userId === this.me?.id) return this.t.you;
    return this.conversation?.users.find((u) => u.id === userId)?.displayName ?? "";
  }

  override render() {
    const c = this.conversation;
    const meId = this.me?.id;
    const group = c?.kind === "group";
    const isAdmin = c?.myRole === "owner" || c?.myRole === "admin";
    const lastMine = [...this.messages].reverse().find((m) => m.senderId === meId && m.status === "sent");
    const seen = lastMine && c?.members.some((m) => m.userId !== meId && compareIds(m.lastReadMessageId, lastMine.id) >= 0);
    const items: TemplateResult[] = [];
    let prev: MessageItem | undefined;
    for (const m of this.messages) {
      if (!prev || dayKey(prev.createdAt) !== dayKey(m.createdAt)) {
        items.push(html`<li class="day" role="separator">${new Date(m.createdAt).toLocaleDateString(undefined, { weekday: "long", day: "numeric", month: "long" })}</li>`);
      }
      const grouped = !!prev && prev.senderId === m.senderId && Date.parse(m.createdAt) - Date.parse(prev.createdAt) < GROUP_MS && dayKey(prev.createdAt) === dayKey(m.createdAt);
      items.push(this.message(m, { mine: m.senderId === meId, grouped, group, canDelete: m.senderId === meId || (group && isAdmin), receipt: m === lastMine ? (seen ? this.t.seen : this.t.sent) : null }));
      prev = m;
    }
    return html`<ol part="messages" role="log" aria-live="polite" aria-label=${this.t.messages} tabindex="0" @scroll=${this.onScroll}>
        ${this.hasOlder ? html`<li class="muted older" role="status">${this.t.loading}</li>` : nothing}
        ${items}
      </ol>
      ${this.typingNames.length ? html`<div part="typing" class="typing muted" role="status">${format(this.t.typing, { name: this.typingNames.join(", ") })}</div>` : nothing}
      ${this.atBottom ? nothing : html`<button part="jump" class="jump primary" @click=${this.jumpToLatest}>${this.t.jumpToLatest} ↓</button>`}
      ${this.composer()}`;
  }

  private message(m: MessageItem, o: { mine: boolean; grouped: boolean; group: boolean; canDelete: boolean; receipt: string | null }): TemplateResult {
    const quoted = m.replyToId ? this.messages.find((x) => x.id === m.replyToId) : undefined;
    const live = m.status === "sent" && !m.deletedAt;
    return html`<li part="message" class="msg ${o.mine ? "mine" : "theirs"} ${o.grouped ? "grouped" : ""}" data-id=${m.id} data-mine=${o.mine} data-status=${m.status}>
      ${o.group && !o.mine && !o.grouped ? html`<div class="sender">${this.name(m.senderId)}</div>` : nothing}
      <div class="bubble">
        ${quoted ? html`<blockquote part="quote"><strong>${this.name(quoted.senderId)}</strong> ${quoted.deletedAt ? this.t.deleted : quoted.text}</blockquote>` : nothing}
        ${m.deletedAt
          ? html`<em part="deleted" class="muted">${this.t.deleted}</em>`
          : html`${m.text ? html`<span part="message-text" class="text">${linkify(m.text)}</span>` : nothing}
              ${m.attachments.map((a) =>
                a.mime.startsWith("image/")
                  ? html`<img part="image" data-att=${a.id} alt=${a.name} width=${a.width ?? nothing} height=${a.height ?? nothing} @click=${(e: Event) => window.open((e.target as HTMLImageElement).src, "_blank", "noopener")} />`
                  : html`<button part="file" class="file" @click=${() => void this.attachmentUrl(a).then((url) => Object.assign(document.createElement("a"), { href: url, download: a.name }).click())}>📎 ${a.name}</button>`,
              )}`}
        <span class="meta muted">${shortTime(m.createdAt)}${m.editedAt && !m.deletedAt ? html` · <span part="edited">${this.t.edited}</span>` : nothing}</span>
      </div>
      ${m.reactions.length
        ? html`<div class="reactions">
            ${m.reactions.map((r) => html`<button part="reaction" class=${r.mine ? "on" : ""} aria-pressed=${r.mine} @click=${() => this.emit("parley-react", { id: m.id, emoji: r.emoji, mine: r.mine })}>${r.emoji} ${r.count}</button>`)}
          </div>`
        : nothing}
      ${m.status === "pending" ? html`<div class="muted status">${this.t.sending}</div>` : nothing}
      ${m.status === "failed" ? html`<div class="error status">${this.t.failed} <button part="retry" @click=${() => this.emit("parley-retry", m.clientMessageId)}>${this.t.retry}</button></div>` : nothing}
      ${o.receipt ? html`<div part="receipt" class="muted status">${o.receipt}</div>` : nothing}
      ${live
        ? html`<div class="actions" part="actions">
            ${QUICK_REACTIONS.map((e) => html`<button part="action-react" aria-label="${this.t.react} ${e}" @click=${() => this.emit("parley-react", { id: m.id, emoji: e, mine: m.reactions.some((r) => r.emoji === e && r.mine) })}>${e}</button>`)}
            <button part="action-reply" @click=${() => ((this.replyTo = m), (this.editing = null), this.focus())}>${this.t.reply}</button>
            ${o.mine ? html`<button part="action-edit" @click=${() => this.startEdit(m)}>${this.t.edit}</button>` : nothing}
            ${o.canDelete ? html`<button part="action-delete" @click=${() => this.emit("parley-delete", m.id)}>${this.t.delete}</button>` : nothing}
          </div>`
        : nothing}
    </li>`;
  }

  private composer(): TemplateResult {
    const t = this.t;
    return html`<form part="composer" class="composer" @submit=${this.submit} @dragover=${(e: DragEvent) => e.preventDefault()} @drop=${(e: DragEvent) => (e.preventDefault(), this.addFiles(e.dataTransfer?.files))}>
      ${this.editing || this.replyTo
        ? html`<div class="context muted">
            ${this.editing ? t.editing : format(t.replyingTo, { name: this.name(this.replyTo!.senderId) })}
            <button type="button" @click=${() => ((this.editing = this.replyTo = null), this.input() && (this.input()!.value = ""))}>${t.cancel}</button>
          </div>`
        : nothing}
      ${this.files.length ? html`<div class="context">${this.files.map((f) => html`<span class="chip">📎 ${f.name}</span>`)}</div>` : nothing}
      ${this.progress !== null ? html`<progress part="progress" max="1" .value=${this.progress} aria-label=${format(t.uploading, { percent: Math.round(this.progress * 100) })}></progress>` : nothing}
      <div class="row">
        <label class="attach" title=${t.attach}>
          <span aria-hidden="true">📎</span><span class="sr-only">${t.attach}</span>
          <input part="attach" type="file" multiple @change=${(e: Event) => {
            const input = e.target as HTMLInputElement;
            this.addFiles(input.files);
            input.value = "";
          }} />
        </label>
        <textarea part="composer-input" rows="1" aria-label=${t.messagePlaceholder} placeholder=${t.messagePlaceholder} maxlength="4000"
          @keydown=${this.onKey} @input=${this.onInput} @paste=${this.onPaste}></textarea>
        <button part="send" class="primary" type="submit">${this.editing ? t.save : t.send}</button>
      </div>
    </form>`;
  }

  static override styles = [
    tokens,
    css`
      :host {
        display: flex;
        flex-direction: column;
        position: relative;
      }
      ol {
        flex: 1;
        overflow-y: auto;
        list-style: none;
        margin: 0;
        padding: 8px 10px;
        display: flex;
        flex-direction: column;
        gap: 2px;
      }
      .day,
      .older {
        align-self: center;
        font-size: 12px;
        color: var(--_muted);
        padding: 8px 0 4px;
      }
      .msg {
        display: flex;
        flex-direction: column;
        max-width: 82%;
        margin-top: 8px;
        position: relative;
      }
      .msg.grouped {
        margin-top: 0;
      }
      .mine {
        align-self: flex-end;
        align-items: flex-end;
      }
      .theirs {
        align-self: flex-start;
      }
      .sender {
        font-size: 12px;
        color: var(--_muted);
        margin: 0 8px 2px;
      }
      .bubble {
        background: var(--_surface);
        border-radius: var(--_radius);
        padding: 6px 10px;
        display: flex;
        flex-direction: column;
        gap: 4px;
        overflow-wrap: anywhere;
      }
      .mine .bubble {
        background: var(--_accent);
        color: var(--_on-accent);
      }
      .mine .bubble .muted,
      .mine .bubble a {
        color: inherit;
        opacity: 0.85;
      }
      .text {
        white-space: pre-wrap;
      }
      .meta {
        font-size: 11px;
        align-self: flex-end;
      }
      blockquote {
        margin: 0;
        padding: 2px 8px;
        border-left: 3px solid currentColor;
        opacity: 0.8;
        font-size: 13px;
      }
      img[part="image"] {
        max-width: 220px;
        max-height: 220px;
        height: auto;
        border-radius: 8px;
        cursor: zoom-in;
      }
      .reactions {
        display: flex;
        gap: 4px;
        margin-top: 2px;
      }
      .reactions button {
        border: 1px solid var(--_border);
        padding: 0 6px;
        border-radius: 999px;
        font-size: 12px;
      }
      .reactions .on {
        border-color: var(--_accent);
      }
      .status {
        font-size: 11px;
        margin: 2px 6px 0;
      }
      /* Hidden by opacity, not display: the buttons stay reachable by Tab and stay put under the pointer. */
      .actions {
        display: flex;
        gap: 2px;
        font-size: 12px;
        position: absolute;
        top: -18px;
        z-index: 1;
        background: var(--_bg);
        border: 1px solid var(--_border);
        border-radius: 8px;
        opacity: 0;
        pointer-events: none;
      }
      .mine .actions {
        right: 0;
      }
      .theirs .actions {
        left: 0;
      }
      .actions button {
        padding: 2px 6px;
      }
      .msg:hover .actions,
      .msg:focus-within .actions {
        opacity: 1;
        pointer-events: auto;
      }
      .typing {
        font-size: 12px;
        padding: 2px 12px;
      }
      .jump {
        position: absolute;
        bottom: 76px;
        right: 16px;
        border-radius: 999px;
        font-size: 12px;
      }
      .composer {
        border-top: 1px solid var(--_border);
        padding: 8px;
        display: flex;
        flex-direction: column;
        gap: 6px;
      }
      .row {
        display: flex;
        gap: 6px;
        align-items: flex-end;
      }
      textarea {
        flex: 1;
        resize: none;
        max-height: 140px;
      }
      .attach {
        cursor: pointer;
        padding: 8px;
        position: relative;
      }
      .attach input {
        position: absolute;
        inset: 0;
        opacity: 0;
        width: 100%;
        cursor: pointer;
      }
      .attach:focus-within {
        outline: 2px solid var(--_focus);
        border-radius: 8px;
      }
      .context {
        font-size: 12px;
        display: flex;
        gap: 6px;
        align-items: center;
        flex-wrap: wrap;
      }
      .chip {
        background: var(--_surface);
        border-radius: 999px;
        padding: 2px 8px;
      }
      progress {
        width: 100%;
      }
    `,
  ];
}
customElements.get("parley-thread") || customElements.define("parley-thread", ParleyThread);
