import { css, html, nothing, type PropertyValues, type TemplateResult } from "lit";
import { compareIds, type Attachment, type Conversation, type Me, type MessageItem } from "@parley/sdk";
import { format, list, plural } from "./i18n.js";
import { ParleyView } from "./view.js";
import { icons } from "./icons.js";
import { linkify } from "./linkify.js";
import { base } from "./styles.js";
import { dayKey, longDate, shortTime } from "./time.js";
import { atWindowEnd, captureAnchor, clampFirst, firstShowing, restoreAnchor, slide, type Anchor, type ListWindow } from "./windowing.js";

export interface SendDetail {
  text: string;
  files: File[];
  replyTo?: string;
  /** Ids of the users mentioned (picked with `@` and still named in `text`). */
  mentions?: string[];
}

/**
 * What a message shows only some of the time (its actions, a refusal's reason, its reactions and
 * mention chips, a blocked sender's notice) and the composer's files and "Editing" line: a chunk of
 * its own (message-extras.ts).
 */
type Extras = typeof import("./message-extras.js");
let extras: Extras | undefined;
/** Messages of one sender closer than this are drawn as one group. */
const GROUP_MS = 5 * 60_000;
/**
 * Windowing (windowing.ts): at most 110 messages are in the DOM (a 5,000-message thread stays
 * under 2,000 nodes); scrolling near either end slides the window by 40, keeping the message
 * under the reader's eyes where it was.
 */
const WIN: ListWindow = { size: 110, step: 40 };

/**
 * One conversation: history (scroll up for older), day separators, grouped bubbles, replies,
 * reactions, receipts, typing, and the composer. The list is one tab stop (arrow keys move
 * between messages, Enter opens a message's actions); new messages from others are announced
 * with their sender. System messages (no sender) are a centered line without actions. In a group,
 * a message from someone the visitor blocked (`blocked`) is collapsed to a notice with a Show
 * button (Enter on the message focuses it), and is not announced.
 * @event parley-send - detail: SendDetail
 * @event parley-edit - detail: { id, text }
 * @event parley-delete - detail: message id
 * @event parley-react - detail: { id, emoji, mine }
 * @event parley-retry - detail: clientMessageId
 * @event parley-discard - detail: clientMessageId; drop a failed send
 * @event parley-read - the newest messages are on screen
 * @event parley-typing - detail: boolean
 * @event parley-load-older
 * @event parley-load-until - detail: message id; load older history until that message is loaded (jump to it)
 * @event parley-moderate - detail: { id, action }; Report, a moderator's Delete, Mute or Ban was pressed (action: "report" | "delete" | "mute" | "ban")
 * @event parley-open-thread - detail: message id; "Reply in thread" or a message's replies button was pressed
 *
 * @csspart skip - the "skip to composer" link (visible when focused)
 * @csspart messages - the scrolling message list
 * @csspart message - one message (with data-id, data-mine, data-status)
 * @csspart system-message - a system message from the host's backend ("Order #123 shipped"): a centered line, no sender
 * @csspart message-text - a message's text
 * @csspart mention - a mention in a message's text (`@Name`; class `me` when it is the reader)
 * @csspart thread-summary - the button under a thread's root: how many replies and the last one's time; opens the thread
 * @csspart quote - the message a reply quotes (a button: jumps to it, loading history if needed)
 * @csspart deleted - a deleted message's placeholder
 * @csspart blocked-notice - in a group, what a collapsed message from someone the visitor blocked says instead of its text
 * @csspart show-blocked - the button that shows such a message
 * @csspart image - an image attachment
 * @csspart file - a file attachment
 * @csspart edited - the "edited" mark
 * @csspart reaction - a reaction chip
 * @csspart failed - a failed send's reason and its buttons
 * @csspart retry - the retry button of a failed send
 * @csspart discard - the discard button of a failed send
 * @csspart receipt - the read receipt
 * @csspart actions - a message's actions (react, reply, edit, delete), shown on the active message
 * @csspart action-react - a quick reaction button
 * @csspart action-reply - the reply button
 * @csspart action-thread - the "reply in thread" button
 * @csspart action-edit - the edit button
 * @csspart action-delete - the delete button (a moderator's, of another's message, asks for a reason first)
 * @csspart action-report - the report button (others' messages)
 * @csspart action-mute - the mute-the-sender button (moderators; a group's owner and admins, for plain members)
 * @csspart action-ban - the ban-the-sender button (as action-mute, in groups)
 * @csspart empty - the empty conversation's placeholder
 * @csspart typing - the "is typing" line
 * @csspart jump - the "jump to latest" button
 * @csspart composer - the composer form
 * @csspart chip - an attached file waiting to be sent
 * @csspart chip-remove - an attached file's remove button
 * @csspart attach-button - the styled file button
 * @csspart attach - the file picker (visually hidden inside the file button)
 * @csspart composer-input - the message box (typing `@` offers the members to mention: see `<parley-mention>`)
 * @csspart progress - the upload progress bar
 * @csspart send - the send button
 */
export class ParleyThread extends ParleyView {
  static override properties = {
    server: { type: String },
    me: { attribute: false },
    conversation: { attribute: false },
    messages: { attribute: false },
    hiddenIds: { attribute: false },
    blocked: { attribute: false },
    hasOlder: { type: Boolean },
    typingNames: { attribute: false },
    progress: { attribute: false },
    attachmentUrl: { attribute: false },
    moderator: { attribute: false },
    editing: { state: true },
    replyTo: { state: true },
    files: { state: true },
    atBottom: { state: true },
    active: { state: true },
    focusId: { state: true },
    first: { state: true },
    announcements: { state: true },
    shown: { state: true },
  };
  server = "";
  me: Me | null = null;
  conversation: Conversation | undefined;
  messages: MessageItem[] = [];
  /** Messages drawn as if gone (a delete that can still be undone). */
  hiddenIds: string[] = [];
  /** Ids of the users the visitor blocked: in a group, their messages are collapsed until shown. */
  blocked: string[] | undefined;
  /** Collapsed messages the visitor chose to see. @internal */
  shown: string[] = [];
  hasOlder = false;
  typingNames: string[] = [];
  progress: number | null = null;
  attachmentUrl: (a: Attachment) => Promise<string> = () => Promise.reject(new Error("no loader"));
  /** The visitor moderates the app: Delete, Mute and Ban on every message of others. */
  moderator = false;
  editing: MessageItem | null = null;
  replyTo: MessageItem | null = null;
  files: File[] = [];
  atBottom = true;
  /** The message whose actions are shown (hovered, focused or tapped). */
  active = "";
  /** The message that holds the list's one tab stop (roving tabindex). */
  focusId = "";
  /** Index (in the visible messages) of the first one in the DOM. */
  first = 0;
  announcements: string[] = [];
  private anchor: Anchor | null = null;
  private loadingOlder = false;
  private lastSeenId = "";
  /** A message to jump to once it is loaded (older pages are on their way). */
  private jumping = "";
  /** After a jump: the message to bring to the middle of the view and focus. */
  private reveal = "";
  /** The message just jumped to, highlighted. */
  private flash = "";

  override focus(): void {
    this.input()?.focus();
  }

  /** Focuses one message (e.g. after an undone delete), sliding the window to it if needed. */
  async focusMessage(id: string): Promise<void> {
    const v = this.visible();
    const i = v.findIndex((m) => m.id === id);
    if (i < 0) return;
    this.first = firstShowing(WIN, this.first, v.length, i);
    this.focusId = id;
    await this.updateComplete;
    this.shadowRoot?.querySelector<HTMLElement>(`[part~=message][data-id="${CSS.escape(id)}"]`)?.focus();
  }

  /** Puts a send that could not go out back into the composer. */
  restore(d: SendDetail): void {
    const ta = this.input();
    if (ta && !ta.value) {
      ta.value = d.text;
      this.autosize();
    }
    this.files = [...d.files, ...this.files];
  }

  /**
   * Shows a message wherever it is in the history (a reply's original): if it is not loaded yet,
   * older pages are asked for (parley-load-until) and the jump happens when it arrives. The
   * message is focused (so a screen reader reads it, sender first) and highlighted.
   */
  jumpTo(id: string): void {
    this.jumping = id;
    if (this.visible().some((m) => m.id === id)) this.requestUpdate();
    else if (this.hasOlder) this.emit("parley-load-until", id);
  }

  /** The extras chunk; the first call fetches it and draws again when it has come. */
  private extras(): Promise<Extras> {
    return import("./message-extras.js").then((x) => {
      if (!extras) (extras = x), this.requestUpdate();
      return x;
    });
  }

  /** The extras chunk if it is here (else it is fetched, and what needs it is drawn then). */
  private x(): Extras | undefined {
    const r = this.shadowRoot!;
    if (!extras) this.extras().catch(() => undefined);
    // Its styles join this element's the first time it is used here.
    else if (!r.adoptedStyleSheets.includes(extras.sheet)) r.adoptedStyleSheets = [...r.adoptedStyleSheets, extras.sheet];
    return extras;
  }

  private input(): HTMLTextAreaElement | null | undefined {
    return this.shadowRoot?.querySelector<HTMLTextAreaElement>("textarea");
  }

  private scroller(): HTMLElement | null | undefined {
    return this.shadowRoot?.querySelector<HTMLElement>("[part=messages]");
  }

  private visible(): MessageItem[] {
    return this.hiddenIds.length ? this.messages.filter((m) => !this.hiddenIds.includes(m.id)) : this.messages;
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    const n = this.visible().length;
    if (changed.has("messages") || changed.has("hiddenIds")) {
      const prev = changed.get("messages") as MessageItem[] | undefined;
      if (changed.has("messages") && prev && prev[0]?.id !== this.messages[0]?.id && prev.length && !this.atBottom) {
        // Older history arrived above: the window reveals a step of it (the anchor keeps the
        // reader's place), so the list can scroll further up at once.
        const added = this.messages.findIndex((m) => m.id === prev[0]?.id);
        if (added > 0) this.first += Math.max(0, added - WIN.step);
      }
      this.announce(prev);
    }
    if (changed.has("conversation") && (changed.get("conversation") as Conversation | undefined)?.id !== this.conversation?.id) this.jumping = "";
    if (this.jumping) {
      const i = this.visible().findIndex((m) => m.id === this.jumping);
      if (i >= 0) {
        // The window is centred on it; the reader leaves the bottom.
        this.atBottom = false;
        this.first = i - (WIN.size >> 1);
        this.focusId = this.reveal = this.flash = this.jumping;
        this.jumping = "";
      } else if (!this.hasOlder) this.jumping = "";
    }
    this.first = clampFirst(WIN, this.atBottom ? n : this.first, n);
    this.anchor = captureAnchor(this.scroller());
  }

  /** New messages from others go to the live region, sender first ("Ann: hello"). */
  private announce(prev: MessageItem[] | undefined): void {
    const newest = (): string => [...this.messages].reverse().find((m) => m.status === "sent")?.id ?? "";
    // The first render and the first page of history are not news.
    if (!prev?.length) {
      this.lastSeenId = newest();
      return;
    }
    const fresh = this.messages.filter((m) => m.status === "sent" && m.senderId !== this.me?.id && compareIds(m.id, this.lastSeenId) > 0 && !this.veiled(m));
    if (fresh.length) {
      this.announcements = [
        ...this.announcements,
        ...fresh.map(
          (m) =>
            `${m.senderId === null ? "" : this.name(m.senderId) + ": "}${m.deletedAt ? this.t.deleted : m.text || m.attachments.map((a) => a.name).join(", ")}`,
        ),
      ].slice(-5);
    }
    for (const m of this.messages) if (m.status === "sent" && compareIds(m.id, this.lastSeenId) > 0) this.lastSeenId = m.id;
  }

  protected override updated(changed: PropertyValues<this>): void {
    const el = this.scroller();
    if (!el) return;
    // Only when what is drawn changed: a re-render for other reasons (typing, presence) must not
    // undo a scroll the browser has not reported yet.
    const moved = changed.has("messages") || changed.has("hiddenIds") || changed.has("first") || changed.has("atBottom");
    if (!moved) {
      /* nothing to keep in place */
    } else if (this.atBottom) el.scrollTop = el.scrollHeight;
    else restoreAnchor(el, this.anchor);
    if (this.reveal) {
      const li = el.querySelector<HTMLElement>(`li[data-id="${CSS.escape(this.reveal)}"]`);
      this.reveal = "";
      li?.scrollIntoView({ block: "center" });
      li?.focus({ preventScroll: true });
    }
    // Elements are reused by position: when messages come or go above, keep focus on its message.
    const focused = this.shadowRoot!.activeElement as HTMLElement | null;
    if (focused?.matches("li[data-id]") && focused.dataset["id"] !== this.focusId) {
      el.querySelector<HTMLElement>(`li[data-id="${CSS.escape(this.focusId)}"]`)?.focus({ preventScroll: true });
    }
    if (changed.has("messages")) {
      this.loadingOlder = false;
      if (this.atBottom) this.emit("parley-read");
    }
    for (const img of this.shadowRoot!.querySelectorAll<HTMLImageElement>("img[data-att]:not([src])")) {
      const att = this.findAttachment(img.dataset["att"]!);
      if (att)
        void this.attachmentUrl(att).then(
          (url) => (img.src = url),
          () => img.remove(),
        );
    }
  }

  private findAttachment(id: string): Attachment | undefined {
    for (const m of this.messages) for (const a of m.attachments) if (a.id === id) return a;
    return undefined;
  }

  private onScroll(): void {
    const el = this.scroller()!;
    const n = this.visible().length;
    const atBottom = atWindowEnd(WIN, this.first, n) && el.scrollHeight - el.scrollTop - el.clientHeight < 40;
    if (atBottom !== this.atBottom) {
      this.atBottom = atBottom;
      if (atBottom) this.emit("parley-read");
    }
    const first = slide(WIN, el, this.first, n);
    if (first !== this.first) this.first = first;
    else if (first === 0 && this.hasOlder && !this.loadingOlder && el.scrollTop < 60) {
      this.loadingOlder = true;
      this.emit("parley-load-older");
    }
  }

  private jumpToLatest(): void {
    this.atBottom = true;
    this.first = clampFirst(WIN, this.visible().length, this.visible().length);
  }

  // --- Message list: roving tabindex and actions ----------------------------------------------

  private msgOf(e: Event): HTMLElement | null {
    return (e.target as Element).closest?.<HTMLElement>("li[data-id]") ?? null;
  }

  /**
   * A mouse over a message, or a click or tap on it, shows its actions. Not a finger's "over": the
   * actions would be drawn between it and its click, which would then land on one of them.
   */
  private onOver(e: Event): void {
    const li = this.msgOf(e);
    if (li && li.dataset["id"] !== this.active) this.active = li.dataset["id"]!;
  }

  /** Focus moves the tab stop; the actions open on hover, tap or Enter (so Tab skips them otherwise). */
  private onFocusIn(e: FocusEvent): void {
    const li = this.msgOf(e);
    if (li) this.focusId = li.dataset["id"]!;
  }

  private onListKey(e: KeyboardEvent): void {
    const li = this.msgOf(e);
    if (!li) return;
    const onMessage = e.target === li;
    if (e.key === "Escape" && !onMessage) {
      e.stopPropagation();
      li.focus();
      return;
    }
    if (!onMessage) return;
    const items = [...this.shadowRoot!.querySelectorAll<HTMLElement>("li[data-id]")];
    const i = items.indexOf(li);
    let to: HTMLElement | undefined;
    if (e.key === "ArrowDown") to = items[i + 1];
    else if (e.key === "ArrowUp") to = items[i - 1];
    else if (e.key === "Home") to = items[0];
    else if (e.key === "End") to = items[items.length - 1];
    else if (e.key === "Enter" || e.key === " ") {
      e.preventDefault();
      this.active = li.dataset["id"]!;
      void this.extras()
        .then(() => this.updateComplete)
        .then(() => li.querySelector<HTMLElement>("[part=show-blocked],[part=actions] button")?.focus())
        .catch(() => undefined);
      return;
    } else return;
    e.preventDefault();
    if (to) {
      this.focusId = to.dataset["id"]!;
      to.focus();
      to.scrollIntoView({ block: "nearest" });
    }
  }

  /** A group message from someone the visitor blocked, not shown on request: drawn collapsed. */
  private veiled(m: MessageItem): boolean {
    return this.conversation?.kind === "group" && !!this.blocked?.includes(m.senderId!) && !this.shown.includes(m.id);
  }

  /**
   * Delete, retry and discard take the message away: focus moves to a neighbour first, so it never falls to <body>.
   * @internal
   */
  leave(m: MessageItem, event: string, detail: string): void {
    const v = this.visible();
    const i = v.findIndex((x) => x.id === m.id);
    const next = v[i + 1] ?? v[i - 1];
    this.active = "";
    if (next) void this.focusMessage(next.id);
    else this.focus();
    this.emit(event, detail);
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
      const mentions = this.shadowRoot!.querySelector<HTMLElement & { take?(text: string): string[] }>("parley-mention")?.take?.(text);
      this.emit("parley-send", {
        text,
        files: this.files,
        ...(this.replyTo ? { replyTo: this.replyTo.id } : {}),
        ...(mentions?.length ? { mentions } : {}),
      } satisfies SendDetail);
      this.replyTo = null;
      this.files = [];
      this.jumpToLatest();
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
    // The mention picker (a chunk of its own) comes with the first "@".
    if (this.input()!.value.includes("@")) import("./parley-mention.js").catch(() => undefined);
    if (!this.editing) this.emit("parley-typing", true);
  }

  private autosize(): void {
    const ta = this.input();
    if (!ta) return;
    ta.style.height = "auto";
    ta.style.height = `${Math.min(ta.scrollHeight, 140)}px`;
  }

  /** @internal */
  startEdit(m: MessageItem): void {
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
    if (list?.length) this.files = [...this.files, ...Array.from(list)];
  }

  private onPaste(e: ClipboardEvent): void {
    const files = [...(e.clipboardData?.files ?? [])];
    if (files.length) {
      e.preventDefault();
      this.addFiles(files);
    }
  }

  // --- Rendering -----------------------------------------------------------------------------

  /** @internal */
  name(userId: string | null): string {
    if (userId === this.me?.id) return this.t.you;
    return this.conversation?.users.find((u) => u.id === userId)?.displayName ?? "";
  }

  override render() {
    const c = this.conversation;
    const meId = this.me?.id;
    const group = c?.kind === "group";
    const isAdmin = c?.myRole === "owner" || c?.myRole === "admin";
    const all = this.visible();
    const lastMine = [...all].reverse().find((m) => m.senderId === meId && m.status === "sent");
    const seen = lastMine && c?.members.some((m) => m.userId !== meId && compareIds(m.lastReadMessageId, lastMine.id) >= 0);
    const shown = all.slice(this.first, this.first + WIN.size);
    const focusId = shown.some((m) => m.id === this.focusId) ? this.focusId : shown[shown.length - 1]?.id;
    const items: TemplateResult[] = [];
    let prev: MessageItem | undefined = all[this.first - 1];
    for (const m of shown) {
      const newDay = !prev || dayKey(prev.createdAt) !== dayKey(m.createdAt);
      if (newDay) items.push(html`<li class="day" .textContent=${longDate(m.createdAt)}></li>`);
      if (m.senderId === null) {
        // A system message: a line of its own, never "mine", never grouped, no actions.
        items.push(html`<li part="system-message" class="sys" data-id=${m.id} tabindex=${m.id === focusId ? 0 : -1}
          ><span part="message-text" .textContent=${m.deletedAt ? this.t.deleted : m.text}></span> <span .textContent=${shortTime(m.createdAt)}></span></li>`);
        prev = m;
        continue;
      }
      const grouped = !newDay && !!prev && prev.senderId === m.senderId && Date.parse(m.createdAt) - Date.parse(prev.createdAt) < GROUP_MS;
      items.push(
        this.message(m, {
          mine: m.senderId === meId,
          grouped,
          group,
          canDelete: m.senderId === meId || (group && isAdmin),
          receipt: m === lastMine ? (seen ? this.t.seen : this.t.sent) : null,
          tabbable: m.id === focusId,
        }),
      );
      prev = m;
    }
    return html`<button part="skip" class="skip" @click=${() => this.focus()}>${this.t.skipToComposer}</button>
      <div role="log" aria-live="polite" aria-relevant="additions" class="sr-only">${this.announcements.map((a) => html`<p>${a}</p>`)}</div>
      ${
        all.length === 0 && !this.hasOlder
          ? html`<p part="empty" class="empty">${format(this.t.emptyThread, { name: c ? this.convTitle(c) : "" })}</p>`
          : html`<ol part="messages" aria-label=${this.t.messages} @scroll=${this.onScroll} @pointerover=${(e: PointerEvent) => e.pointerType === "mouse" && this.onOver(e)} @click=${this.onOver} @focusin=${this.onFocusIn} @keydown=${this.onListKey}>
            ${this.hasOlder && this.first === 0 ? html`<li class="muted older">${this.t.loading}</li>` : nothing}
            ${items}
          </ol>`
      }
      ${this.typingNames.length ? html`<div part="typing" class="typing muted" role="status">${format(this.t.typing, { name: list(this.typingNames) })}</div>` : nothing}
      ${this.atBottom ? nothing : html`<button part="jump" class="jump primary" @click=${this.jumpToLatest}>${this.t.jumpToLatest}${icons.down}</button>`}
      ${this.composer()}`;
  }

  private convTitle(c: Conversation): string {
    return c.name ?? list(c.users.filter((u) => u.id !== this.me?.id).map((u) => u.displayName));
  }

  private message(
    m: MessageItem,
    o: { mine: boolean; grouped: boolean; group: boolean; canDelete: boolean; receipt: string | null; tabbable: boolean },
  ): TemplateResult {
    const replyTo = m.replyToId;
    const quoted = replyTo ? this.messages.find((x) => x.id === replyTo) : undefined;
    const live = m.status === "sent" && !m.deletedAt;
    const head = o.group && !o.mine && !o.grouped ? html`<div class="sender" aria-hidden="true" .textContent=${this.name(m.senderId)}></div>` : nothing;
    const body: unknown[] = [];
    // The original, if loaded (else a placeholder): a button that jumps to it. A tab stop only
    // while the message's actions are open (Enter on the message, then Shift+Tab).
    if (replyTo) {
      body.push(
        html`<button part="quote" class="quote" tabindex=${this.active === m.id ? 0 : -1} title=${this.t.showOriginal} @click=${() => this.jumpTo(replyTo)}>${
          quoted && !this.veiled(quoted)
            ? html`<strong>${this.name(quoted.senderId)}</strong> ${quoted.deletedAt ? this.t.deleted : quoted.text}`
            : this.t.earlierMessage
        }</button>`,
      );
    }
    if (m.deletedAt) body.push(html`<em part="deleted" class="muted" .textContent=${this.t.deleted}></em>`);
    else if (this.veiled(m)) body.push(this.x()?.veiled(this, m));
    else {
      // Plain text as a property (no Lit marker node per message): the list stays small.
      if (m.text)
        body.push(
          m.mentions?.length || /https?:/i.test(m.text)
            ? html`<span part="message-text" class="text">${m.mentions?.length ? (this.x()?.withMentions(m.text, m.mentions, this.conversation?.users ?? [], this.me?.id) ?? m.text) : linkify(m.text)}</span>`
            : html`<span part="message-text" class="text" .textContent=${m.text}></span>`,
        );
      for (const a of m.attachments) {
        body.push(
          a.mime.startsWith("image/")
            ? html`<img part="image" data-att=${a.id} alt=${a.name} width=${a.width ?? nothing} height=${a.height ?? nothing} @click=${(e: Event) => window.open((e.target as HTMLImageElement).src, "_blank", "noopener")} />`
            : html`<button part="file" class="file" @click=${() => void this.attachmentUrl(a).then((url) => Object.assign(document.createElement("a"), { href: url, download: a.name }).click())}>${icons.attach}<span .textContent=${a.name}></span></button>`,
        );
      }
    }
    const tail: TemplateResult[] = [];
    const active = live && this.active === m.id;
    const x = (m.reactions.length || active) && this.x();
    if (x && m.reactions.length) tail.push(x.reactions(this, m));
    const th = m.thread;
    if (th?.replyCount)
      tail.push(
        html`<button part="thread-summary" class="replies" @click=${() => this.emit("parley-open-thread", m.id)}>${plural(this.t, "replies", th.replyCount)} <span class="muted">${shortTime(th.lastReplyAt)}</span></button>`,
      );
    if (m.status === "pending") tail.push(html`<div class="muted status">${this.t.sending}</div>`);
    if (m.status === "failed") {
      // Refused for good: the reason by its error code (message-extras.ts), else "Not sent".
      const cid = m.clientMessageId!;
      tail.push(
        html`<div part="failed" class="error status">${(m.error?.code && this.x()?.failedReason(this.t, m)) || this.t.failed} <button part="retry" @click=${() => this.leave(m, "parley-retry", cid)}>${this.t.retry}</button><button part="discard" @click=${() => this.leave(m, "parley-discard", cid)}>${this.t.discard}</button></div>`,
      );
    }
    if (o.receipt) tail.push(html`<div part="receipt" class="muted status">${o.receipt}</div>`);
    if (x && active) tail.push(x.actions(this, m, o));
    const edited = m.editedAt && !m.deletedAt;
    return html`<li part="message" class="msg ${o.mine ? "mine" : "theirs"} ${o.grouped ? "grouped" : ""} ${m.id === this.flash ? "flash" : ""}" data-id=${m.id} data-mine=${o.mine} data-status=${m.status} tabindex=${o.tabbable ? 0 : -1}
      >${head}<div class="bubble"><span class="sr-only" .textContent=${`${this.name(m.senderId)}:`}></span>${body.length === 1 ? body[0] : body}${
        edited
          ? html`<span class="meta muted">${shortTime(m.createdAt)} · <span part="edited">${this.t.edited}</span></span>`
          : html`<span class="meta muted" .textContent=${shortTime(m.createdAt)}></span>`
      }</div
      >${tail.length === 1 ? tail[0] : tail.length ? tail : nothing}</li
    >`;
  }

  private composer(): TemplateResult {
    const t = this.t;
    return html`<form part="composer" class="composer" @submit=${this.submit} @dragover=${(e: DragEvent) => e.preventDefault()} @drop=${(e: DragEvent) => (e.preventDefault(), this.addFiles(e.dataTransfer?.files))}>
      ${this.editing || this.replyTo ? this.x()?.context(this) : nothing}
      ${this.files.length ? this.x()?.chips(this) : nothing}
      ${this.progress !== null ? html`<progress part="progress" max="1" .value=${this.progress} aria-label=${format(t.uploading, { percent: Math.round(this.progress * 100) })}></progress>` : nothing}
      <div class="row">
        <label part="attach-button" class="attach" title=${t.attach}>
          ${icons.attach}<span class="sr-only">${t.attach}</span>
          <input part="attach" type="file" multiple @change=${(e: Event) => {
            const input = e.target as HTMLInputElement;
            this.addFiles(input.files);
            input.value = "";
          }} />
        </label>
        <textarea part="composer-input" rows="1" aria-label=${t.messagePlaceholder} placeholder=${t.messagePlaceholder} maxlength="4000"
          @keydown=${this.onKey} @input=${this.onInput} @paste=${this.onPaste}></textarea>
        <parley-mention .users=${this.conversation?.users} .me=${this.me?.id} .t=${t}></parley-mention>
        <button part="send" class="primary" type="submit">${this.editing ? t.save : t.send}</button>
      </div>
    </form>`;
  }

  static override styles = [
    base,
    css`
      :host {
        display: flex;
        flex-direction: column;
        position: relative;
      }
      .skip {
        position: absolute;
        top: 4px;
        inset-inline-start: 4px;
        z-index: 3;
        background: var(--_bg);
        border: 1px solid var(--_border);
      }
      .skip:not(:focus) {
        width: 1px;
        height: 1px;
        min-width: 0;
        min-height: 0;
        padding: 0;
        border: 0;
        overflow: hidden;
        clip-path: inset(50%);
      }
      ol {
        flex: 1;
        min-height: 0;
        overflow-y: auto;
        overflow-anchor: none;
        list-style: none;
        margin: 0;
        padding: 8px 10px;
        display: flex;
        flex-direction: column;
        gap: 2px;
        position: relative;
      }
      .day,
      .sys,
      .older {
        align-self: center;
        font-size: 12px;
        color: var(--_muted);
        padding: 8px 0 4px;
      }
      .sys {
        text-align: center;
        max-width: 90%;
      }
      .msg {
        display: flex;
        flex-direction: column;
        max-width: 82%;
        margin-top: 8px;
        position: relative;
        border-radius: var(--_radius);
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
      .mine .bubble .muted {
        color: inherit;
      }
      .text {
        white-space: pre-wrap;
      }
      .meta {
        font-size: 12px;
        align-self: flex-end;
      }
      .quote {
        display: block;
        text-align: start;
        padding: 2px 8px;
        border-radius: 0;
        border-inline-start: 3px solid currentColor;
        font-size: 13px;
        overflow-wrap: anywhere;
      }
      .quote:hover {
        background: transparent;
        text-decoration: underline;
      }
      /* The message jumped to (no motion: a ring, until the next jump). */
      .flash > .bubble {
        box-shadow: 0 0 0 2px var(--_focus);
      }
      img[part="image"] {
        max-width: 220px;
        max-height: 220px;
        height: auto;
        border-radius: 8px;
        cursor: zoom-in;
      }
      .file {
        display: inline-flex;
        gap: 6px;
        align-items: center;
        text-align: start;
      }
      .replies {
        font-size: 13px;
        font-weight: 600;
      }
      .status {
        font-size: 12px;
        margin: 2px 6px 0;
      }
      .typing {
        font-size: 12px;
        padding: 2px 12px;
      }
      .jump {
        position: absolute;
        bottom: 84px;
        inset-inline-end: 16px;
        border-radius: 999px;
        font-size: 13px;
        display: inline-flex;
        align-items: center;
        gap: 4px;
      }
      .composer {
        flex: none;
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
        display: grid;
        place-items: center;
        min-width: 44px;
        min-height: 44px;
        border-radius: 8px;
        position: relative;
        flex: none;
      }
      .attach:hover {
        background: var(--_surface);
      }
      .attach input {
        position: absolute;
        width: 1px;
        height: 1px;
        opacity: 0;
        min-height: 0;
        padding: 0;
        border: 0;
      }
      .attach:focus-within {
        outline: 2px solid var(--_focus);
      }
      .context {
        font-size: 13px;
        display: flex;
        gap: 6px;
        align-items: center;
        flex-wrap: wrap;
      }
      progress {
        width: 100%;
      }
      parley-mention {
        display: contents;
      }
    `,
  ];
}
customElements.get("parley-thread") || customElements.define("parley-thread", ParleyThread);
