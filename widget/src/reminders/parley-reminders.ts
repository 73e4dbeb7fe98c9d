import { css, html, nothing, type LitElement } from "lit";
import type { ChatClient, Message, Reminder } from "@parley/sdk";
import type { Reminders } from "@parley/sdk/later";
import { format } from "../i18n/i18n.js";
import { base } from "../shared/styles.js";
import { ParleyView } from "../shared/view.js";
import type { ParleyThread } from "../thread/parley-thread.js";
import { REMINDERS_EN, REMINDERS_LOCALES, type RemindersStrings } from "./parley-reminders.strings.js";
import { messageOf, previewOf, remindersOf, senderOf, stringsIn, when } from "./reminders-of.js";

/** A reminder's message as the list shows it: the sender and the first line; null when it could not be fetched. */
type Shown = { name: string; text: string } | null;

/**
 * The visitor's reminders still to come, soonest first (issue 55), in their profile
 * (`<parley-info>`): each row when it will remind, the message's sender and first line (choosing it
 * shows the message in its conversation) and Delete. Loading, empty and failed states; kept current
 * from the SDK's reminders (`subscribe`): set, deleted or come due here or on another device.
 *
 * A lazy chunk, fetched when the profile opens.
 *
 * @event parley-client - detail: a callback that `<parley-chat>` calls with its ChatClient
 * @event parley-open - detail: a conversation's id (a reminder was chosen: its conversation is shown, then the message)
 * @event parley-act - detail: { run, done }; a delete, run by `<parley-chat>` (busy flag, error banner, "Reminder deleted" said)
 *
 * @csspart reminders - the list
 * @csspart reminder - one reminder
 * @csspart reminder-open - shows its message in the conversation
 * @csspart reminder-delete - deletes it
 */
export class ParleyReminders extends ParleyView {
  static override properties = { ...ParleyView.properties, failed: { state: true }, loaded: { state: true } };
  failed = false;
  loaded = false;
  private client: ChatClient | undefined;
  private reminders: Reminders | undefined;
  private off: (() => void) | undefined;
  /** What each reminder's message shows, by message id: a promise while asked for. */
  private shown = new Map<string, Shown | Promise<void>>();

  override connectedCallback(): void {
    super.connectedCallback();
    this.emit("parley-client", (c: ChatClient) => (this.client = c));
    if (!this.client) return;
    this.reminders = remindersOf(this.client);
    this.off = this.reminders.subscribe(() => this.requestUpdate());
    void this.load();
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.off?.();
  }

  private async load(): Promise<void> {
    this.failed = false;
    try {
      await this.reminders?.list({ limit: 100 });
      this.loaded = true;
    } catch {
      this.failed = true;
    }
  }

  /** The row's message: asked for the first time it is drawn, drawn again when it comes. */
  private message(r: Reminder): Shown | undefined {
    const s = this.shown.get(r.messageId);
    if (s instanceof Promise) return undefined;
    if (s !== undefined || !this.client) return s;
    const c = this.client;
    this.shown.set(
      r.messageId,
      messageOf(c, r.messageId)
        .then(async (m: Message | null) => (m ? { name: senderOf(c, m), text: await previewOf(m) } : null))
        .then(
          (x) => void this.shown.set(r.messageId, x),
          () => void this.shown.set(r.messageId, null),
        )
        .then(() => this.requestUpdate()),
    );
    return undefined;
  }

  /** Shows the message in its conversation: the profile gives way to the conversation, which then jumps to it. */
  private async open(r: Reminder): Promise<void> {
    // <parley-info>'s shadow root holds this element; <parley-chat>'s holds <parley-info>.
    const root = ((this.getRootNode() as ShadowRoot).host?.getRootNode() ?? document) as ShadowRoot;
    this.emit("parley-open", r.conversationId);
    await (root.host as LitElement | undefined)?.updateComplete;
    // After the view has taken the focus (the composer): the message takes it then.
    await new Promise((go) => setTimeout(go));
    root.querySelector<ParleyThread>("parley-thread")?.jumpTo(r.messageId);
  }

  private deleteOne(r: Reminder, i: number, done: string): void {
    this.emit("parley-act", {
      run: (c: ChatClient) =>
        remindersOf(c)
          .delete(r.id)
          .then(() => this.updateComplete)
          // The focus to the next row's (or the one before), never lost with the row.
          .then(() => {
            const rows = this.shadowRoot!.querySelectorAll<HTMLElement>("[part=reminder-open]");
            (rows[i] ?? rows[i - 1] ?? this.shadowRoot!.querySelector<HTMLElement>("[part=reminders]"))?.focus();
          }),
      done,
    });
  }

  override render() {
    const t = stringsIn(REMINDERS_EN, REMINDERS_LOCALES, this.t) as RemindersStrings & typeof this.t;
    const items = this.reminders?.items ?? [];
    const body = this.failed
      ? html`<p class="error" role="alert">${t.remindersFailed} <button @click=${() => void this.load()}>${t.retry}</button></p>`
      : !this.loaded && !items.length
        ? html`<p class="muted" role="status">${t.loading}</p>`
        : !items.length
          ? html`<p part="reminders" class="muted" role="status" tabindex="-1">${t.remindersNone}</p>`
          : html`<ul part="reminders" tabindex="-1" aria-labelledby="reminders-title">
            ${items.map((r, i) => {
              const m = this.message(r);
              const time = when(r.remindAt);
              return html`<li part="reminder" data-id=${r.id}>
                <button part="reminder-open" class="open" @click=${() => void this.open(r)}>
                  <span class="when">${time}</span>
                  <span class="text">${m === undefined ? t.loading : m ? (m.name ? html`<b>${m.name}</b> ` : nothing) : nothing}${m ? m.text || t.reminderMessage : m === null ? t.reminderMessage : ""}</span>
                </button>
                <button part="reminder-delete" aria-label=${format(t.reminderDelete, { time })} @click=${() => this.deleteOne(r, i, t.reminderDeleted)}>${t.delete}</button>
              </li>`;
            })}
          </ul>`;
    return html`<h3 id="reminders-title">${t.reminders}</h3>${body}`;
  }

  static override styles = [
    base,
    css`
      :host {
        display: block;
      }
      h3 {
        font-size: 14px;
        margin: 16px 0 6px;
      }
      ul {
        list-style: none;
        margin: 0 0 12px;
        padding: 0;
      }
      li {
        display: flex;
        align-items: center;
        gap: 4px;
        border-block-end: 1px solid var(--_border);
      }
      .open {
        flex: 1;
        min-inline-size: 0;
        display: flex;
        flex-direction: column;
        align-items: stretch;
        text-align: start;
        gap: 2px;
        padding-block: 6px;
      }
      .when {
        font-weight: 600;
      }
      .text {
        overflow: hidden;
        text-overflow: ellipsis;
        white-space: nowrap;
      }
      .error {
        color: var(--_danger);
      }
    `,
  ];
}
customElements.get("parley-reminders") || customElements.define("parley-reminders", ParleyReminders);

declare global {
  interface HTMLElementTagNameMap {
    "parley-reminders": ParleyReminders;
  }
}
