import { html, nothing, type PropertyValues, type TemplateResult } from "lit";
import { compareIds, type Attachment, type Conversation, type Me, type MessageItem } from "@parley/sdk";
import { format, list } from "../i18n/i18n.js";
import { ParleyView } from "../shared/view.js";
import { icons } from "../shared/icons.js";
import "../message/parley-message.js";
import { plain } from "../message/rich.js";
import { Composer, type SendDetail } from "./composer.js";
import { ListKeys } from "./list-keys.js";
import type { MessageOptions } from "../message/parley-message.js";
import type { Extras, MessageHost } from "../message/message-host.js";
import { chunk, loaded } from "../shared/chunk.js";
import { STREAMS } from "../message/cards.js";
import { threadStyles } from "./parley-thread.styles.js";
import { dayKey, longDate, shortTime } from "../i18n/time.js";
import { atWindowEnd, captureAnchor, clampFirst, firstShowing, restoreAnchor, slide, type Anchor, type ListWindow } from "../shared/windowing.js";

export type { SendDetail };

const EXTRAS = (): Promise<Extras> => import("../message/message-extras.js");
/** A finished call's entry in the reader's language (calls/call-entry.ts). */
const CALL = () => import("../calls/call-entry.js");

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
 * between messages, Enter opens a message's toolbar, whose More (⋯) has the rest of its actions);
 * new messages from others are announced with their sender. System messages (no sender) are a
 * centered line without actions. In a group, a message from someone the visitor blocked
 * (`blocked`) is collapsed to a notice with a Show button (Enter on the message focuses it), and
 * is not announced.
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
 * @event parley-open - detail: conversation id; open that conversation (after "Talk to a person", the group made for it)
 *
 * @csspart skip - the "skip to composer" link (visible when focused)
 * @csspart messages - the scrolling message list
 * @csspart message - one message (with data-id, data-mine, data-status)
 * @csspart system-message - a system message from the host's backend ("Order #123 shipped"): a centered line, no sender
 * @csspart message-text - a message's text
 * @csspart mention - a mention in a message's text (`@Name`; class `me` when it is the reader)
 * @csspart code - inline code in a formatted message
 * @csspart code-block - a code block in a formatted message (a `<pre>` that scrolls sideways; a tab stop)
 * @csspart blockquote - a quote in a formatted message
 * @csspart list - a list in a formatted message (`<ul>` or `<ol>`)
 * @csspart thread-summary - the button under a thread's root: how many replies and the last one's time; opens the thread
 * @csspart quote - the message a reply quotes (a button: jumps to it, loading history if needed)
 * @csspart deleted - a deleted message's placeholder
 * @csspart blocked-notice - in a group, what a collapsed message from someone the visitor blocked says instead of its text
 * @csspart show-blocked - the button that shows such a message
 * @csspart image - an image attachment
 * @csspart file - a file attachment
 * @csspart edited - the "edited" mark
 * @csspart poll - a poll's card (a fieldset; a chunk of its own, polls/poll-card.ts)
 * @csspart poll-option - one option of a poll: its radio or checkbox, text, count and share, and bar
 * @csspart poll-voters - a named poll's voters, on request (a disclosure)
 * @csspart poll-retract - takes the visitor's vote back
 * @csspart poll-close - closes a poll early (its creator, a group's owner and admins)
 * @csspart voice - a voice message's player (a group; a chunk of its own, voice/voice-player.ts)
 * @csspart voice-play - its play/pause button
 * @csspart voice-wave - its waveform, a slider (arrows, Page Up/Down, Home, End; pointer drag)
 * @csspart voice-time - its elapsed and total time
 * @csspart voice-speed - its speed button (1×, 1.5×, 2×)
 * @csspart pin-mark - a pinned message's mark ("📌 Pinned"; who pinned it as its title)
 * @csspart preview - a message's link preview card (a chunk of its own, previews/preview-card.ts)
 * @csspart preview-link - the card's link to the page (the whole card)
 * @csspart preview-image - the preview's image, served by the Parley server
 * @csspart preview-remove - the sender's button that removes the preview
 * @csspart reaction - a reaction chip
 * @csspart failed - a failed send's reason and its buttons
 * @csspart retry - the retry button of a failed send
 * @csspart discard - the discard button of a failed send
 * @csspart receipt - the read receipt
 * @csspart actions - a message's toolbar, one row under the active message: quick reactions, more reactions, reply, More (⋯)
 * @csspart action-react - a quick reaction button
 * @csspart action-react-more - the "+" after the quick reactions: opens the emoji picker (`<parley-emoji>`)
 * @csspart action-reply - the reply button (an icon, named "Reply")
 * @csspart action-more - the toolbar's More button (⋯, `aria-haspopup="menu"`): opens the menu of the message's other actions
 * @csspart action-menu - that menu (`role="menu"`; ↑ ↓ Home End move, Escape closes): the items below, each `role="menuitem"`
 * @csspart action-thread - the "reply in thread" item
 * @csspart action-edit - the edit item (the visitor's own messages)
 * @csspart action-delete - the delete item (a moderator's, of another's message, asks for a reason first)
 * @csspart action-report - the report item (others' messages)
 * @csspart action-mute - the mute-the-sender item (moderators; a group's owner and admins, for plain members)
 * @csspart action-ban - the ban-the-sender item (as action-mute, in groups)
 * @csspart action-pin - Pin / Unpin: a group's owner and admins, the app's moderators, either member of a direct conversation
 * @csspart action-remind - the "Remind me" item: opens `<parley-remind>` (a message the server has)
 * @csspart action-translate - the "Translate" item, where the app translates (`Me.ai.translate`)
 * @csspart ai-badge - the "AI" mark of an AI agent's message
 * @csspart ai-thinking - "Thinking…" (or the tool in use) before a streamed reply's first words
 * @csspart stream-stop - Stop, while a reply is being written: it ends for everyone
 * @csspart stream-end - how a streamed reply ended when not finished: "Stopped", or why it failed
 * @csspart talk-to-person - "Talk to a person", under an agent's last reply in a DM (hand-off)
 * @csspart translation - a message's translation in the widget's language (or "Translating…", or why not)
 * @csspart empty - the empty conversation's placeholder
 * @csspart typing - the "is typing" line
 * @csspart jump - the "jump to latest" button
 * @csspart composer - the composer form
 * @csspart chip - an attached file waiting to be sent
 * @csspart chip-remove - an attached file's remove button
 * @csspart attach-button - the styled file button
 * @csspart attach - the file picker (visually hidden inside the file button)
 * @csspart emoji-button - the composer's emoji button: opens the emoji picker; the emoji picked goes in at the caret
 * @csspart tools-button - the composer's "+" button: a menu of a poll and a voice message (`<parley-tools>`, a chunk of its own)
 * @csspart composer-input - the message box (typing `@` offers the members to mention: see `<parley-mention>`)
 * @csspart progress - the upload progress bar
 * @csspart schedule-button - beside Send: the clock button (`aria-haspopup="menu"`) that opens the schedule menu (`<parley-schedule-menu>`, a chunk of its own; not while editing)
 * @csspart send - the send button
 */
export class ParleyThread extends ParleyView implements MessageHost {
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
  /** Where the list was scrolled to when onScroll last ran: elsewhere now is a scroll not reported yet. */
  private scrolledTo = 0;
  private loadingOlder = false;
  private lastSeenId = "";
  /** Streamed replies seen while they grow: announced when they end. */
  private readonly growing = new Set<string>();
  /** A message to jump to once it is loaded (older pages are on their way). */
  private jumping = "";
  /** After a jump: the message to bring to the middle of the view and focus. */
  private reveal = "";
  /** The message just jumped to, highlighted. */
  private flash = "";

  private readonly composer = new Composer(this);
  private readonly keys = new ListKeys(this);

  override focus(): void {
    this.composer.input()?.focus();
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
    this.composer.restore(d);
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

  /**
   * What a message shows only some of the time (its actions, a refusal's reason, its reactions and
   * mention chips, a blocked sender's notice) and the composer's files and "Editing" line: a chunk
   * of its own (message-extras.ts; the browser fetches a module once). @internal
   */
  extras = (): Promise<Extras> => loaded(EXTRAS).then((x) => (this.requestUpdate(), x));

  /** The extras chunk if it is here (else it is fetched, and what needs it is drawn then). */
  /** @internal */
  x(): Extras | undefined {
    return chunk(this, EXTRAS);
  }

  private scroller(): HTMLElement | null | undefined {
    return this.shadowRoot?.querySelector<HTMLElement>("[part=messages]");
  }

  private visible(): MessageItem[] {
    return this.hiddenIds.length ? this.messages.filter((m) => !this.hiddenIds.includes(m.id)) : this.messages;
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    const n = this.visible().length;
    // A scroll away from the bottom the browser has not reported yet (its event comes with a later
    // frame): older messages landing first would otherwise be followed to the bottom, the list
    // thrown from the top to the end (seen on a busy machine). Only ever away from the bottom here:
    // onScroll says when the reader is back, and tells the server it has read.
    const el = this.scroller();
    if (this.atBottom && el && !changed.has("atBottom") && el.scrollTop !== this.scrolledTo && el.scrollHeight - el.scrollTop - el.clientHeight >= 40)
      this.atBottom = false;
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
    // A streamed reply is heard once, when it has ended (not each word as it grows).
    const ended = this.messages.filter((m) => this.growing.has(m.id) && m.stream?.state !== "streaming");
    for (const m of ended) this.growing.delete(m.id);
    const fresh = [
      ...ended,
      ...this.messages.filter((m) => m.status === "sent" && m.senderId !== this.me?.id && compareIds(m.id, this.lastSeenId) > 0 && !this.veiled(m)),
    ].filter((m) => m.stream?.state !== "streaming" || !this.growing.add(m.id));
    if (fresh.length) {
      this.announcements = [
        ...this.announcements,
        ...fresh.map(
          (m) =>
            `${m.senderId === null ? "" : this.name(m.senderId) + ": "}${m.deletedAt ? this.t.deleted : plain(this, m.text ?? "") || m.attachments.map((a) => a.name).join(", ")}`,
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
  }

  private onScroll(): void {
    const el = this.scroller()!;
    this.scrolledTo = el.scrollTop;
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

  /** @internal */
  jumpToLatest = (): void => {
    this.atBottom = true;
    this.first = clampFirst(WIN, this.visible().length, this.visible().length);
  };

  /** A group message from someone the visitor blocked, not shown on request: drawn collapsed. @internal */
  veiled(m: MessageItem): boolean {
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

  /** @internal */
  startEdit(m: MessageItem): void {
    this.composer.startEdit(m);
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
    // An agent here: its replies' deltas are listened for before the first one starts.
    if (c?.users.some((u) => u.agent)) chunk(this, STREAMS)?.watch(this);
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
          ><span part="message-text" .textContent=${m.deletedAt ? this.t.deleted : (m.call && chunk(this, CALL)?.entry(this.t, m, meId)) || m.text}></span> <span .textContent=${shortTime(m.createdAt)}></span></li>`);
        prev = m;
        continue;
      }
      const grouped = !newDay && !!prev && prev.senderId === m.senderId && Date.parse(m.createdAt) - Date.parse(prev.createdAt) < GROUP_MS;
      const o: MessageOptions = {
        mine: m.senderId === meId,
        grouped,
        group,
        canDelete: m.senderId === meId || (group && isAdmin),
        receipt: m === lastMine ? (seen ? this.t.seen : this.t.sent) : null,
      };
      items.push(
        html`<li part="message" class="msg ${o.mine ? "mine" : "theirs"} ${grouped ? "grouped" : ""} ${m.id === this.flash ? "flash" : ""}" data-id=${m.id} data-mine=${o.mine} data-status=${m.status} tabindex=${m.id === focusId ? 0 : -1}
          ><parley-message .view=${[this, m, o]}></parley-message
        ></li>`,
      );
      prev = m;
    }
    return html`<button part="skip" class="skip" @click=${() => this.focus()}>${this.t.skipToComposer}</button>
      <div role="log" aria-live="polite" aria-relevant="additions" class="sr-only">${this.announcements.map((a) => html`<p>${a}</p>`)}</div>
      ${
        all.length === 0 && !this.hasOlder
          ? html`<p part="empty" class="empty">${format(this.t.emptyThread, { name: c ? this.convTitle(c) : "" })}</p>`
          : html`<ol part="messages" aria-label=${this.t.messages} @scroll=${this.onScroll} @pointerover=${(e: PointerEvent) => e.pointerType === "mouse" && this.keys.over(e)} @click=${this.keys.over} @focusin=${this.keys.focusIn} @keydown=${this.keys.key}>
            ${this.hasOlder && this.first === 0 ? html`<li class="muted older">${this.t.loading}</li>` : nothing}
            ${items}
          </ol>`
      }
      ${this.typingNames.length ? html`<div part="typing" class="typing muted" role="status">${format(this.t.typing, { name: list(this.typingNames) })}</div>` : nothing}
      ${this.atBottom ? nothing : html`<button part="jump" class="jump primary" @click=${this.jumpToLatest}>${this.t.jumpToLatest}${icons.down}</button>`}
      ${this.composer.render()}`;
  }

  private convTitle(c: Conversation): string {
    return c.name ?? list(c.users.filter((u) => u.id !== this.me?.id).map((u) => u.displayName));
  }

  static override styles = threadStyles;
}
customElements.get("parley-thread") || customElements.define("parley-thread", ParleyThread);
