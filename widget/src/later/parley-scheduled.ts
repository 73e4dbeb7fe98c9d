import { LitElement, css, html, nothing, svg, type PropertyValues } from "lit";
import type { ScheduledMessages } from "@parley/sdk/later";
import type { ScheduledMessage } from "@parley/sdk/protocol";
import { EN, format, type Strings } from "../i18n/i18n.js";
import { base } from "../shared/styles.js";
import { icon } from "../shared/icons.js";
import { SCHEDULED_EN, SCHEDULED_LOCALES } from "./parley-scheduled.strings.js";
import { clientOf, errorText, failureOf, fieldValue, scheduledOf, stringsIn, timeFrom, when } from "./scheduling.js";

/** A clock: the bar's and the schedule button's. */
export const CLOCK = icon(svg`<circle cx="12" cy="12" r="9" /><path d="M12 7v5l3 2" />`);

/**
 * The visitor's scheduled messages in the open conversation (issue 55), over the composer: a bar
 * "Scheduled (2)" that opens the list; each with its time, its text, and Edit (text and time),
 * Send now and Cancel; a failed one says why, and offers Remove. Kept current from the server's
 * events, so another device's changes show too; a sent one leaves. Shown only when there is one
 * (or the list is open, or it could not be loaded).
 *
 * @csspart scheduled - the bar
 * @csspart scheduled-toggle - its button (aria-expanded): opens and closes the list
 * @csspart scheduled-list - the list
 * @csspart scheduled-item - one scheduled message (data-id, data-status)
 * @csspart scheduled-time - when it goes
 * @csspart scheduled-text - its text
 * @csspart scheduled-failed - why it was not sent
 * @csspart scheduled-edit - its Edit button
 * @csspart scheduled-send-now - its Send now button
 * @csspart scheduled-cancel - its Cancel button ("Remove" on a failed one)
 * @csspart scheduled-edit-form - the edit form (its text, its time, Save, Cancel)
 * @csspart scheduled-error - a problem at the edit form's field, or an action that failed
 */
export class ParleyScheduled extends LitElement {
  static override properties = {
    conversationId: { type: String },
    t: { attribute: false },
    open: { state: true },
    editing: { state: true },
    status: { state: true },
    problem: { state: true },
  };
  conversationId = "";
  t: Strings = EN;
  open = false;
  /** The one whose edit form is shown. */
  editing = "";
  status: "loading" | "ready" | "failed" = "loading";
  /** What is wrong, said under the edit form's fields or under an item whose action failed. */
  problem: { id: string; text: string } | null = null;
  private scheduled: ScheduledMessages | undefined;
  private off: (() => void) | undefined;

  override connectedCallback(): void {
    super.connectedCallback();
    const chat = clientOf(this);
    if (!chat) return;
    this.scheduled = scheduledOf(chat);
    this.off = this.scheduled.subscribe(() => this.requestUpdate());
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.off?.();
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has("conversationId")) {
      this.open = false;
      this.editing = "";
      this.problem = null;
      void this.load();
    }
  }

  /** The conversation's scheduled messages, from the server (then kept by the events). */
  private async load(): Promise<void> {
    const id = this.conversationId;
    this.status = "loading";
    try {
      await this.scheduled?.list({ conversationId: id, limit: 100 });
      if (id === this.conversationId) this.status = "ready";
    } catch {
      if (id === this.conversationId) this.status = "failed";
    }
  }

  /** Waiting and failed ones of this conversation, soonest first; a sent one leaves the list. */
  private items(): ScheduledMessage[] {
    return (this.scheduled?.items ?? []).filter((m) => m.conversationId === this.conversationId && m.status !== "sent");
  }

  /** Runs an item's action; a failure is said under it. */
  private async act(m: ScheduledMessage, action: (s: ScheduledMessages) => Promise<unknown>): Promise<boolean> {
    this.problem = null;
    try {
      await action(this.scheduled!);
      return true;
    } catch (e) {
      this.problem = { id: m.id, text: errorText(e, this.t) };
      return false;
    }
  }

  /** After an item left: the focus goes to the bar's button (it never falls to the page). */
  private refocus(): void {
    void this.updateComplete.then(() => this.shadowRoot?.querySelector<HTMLElement>("[part=scheduled-toggle], [part=scheduled-list] button")?.focus());
  }

  private async startEdit(m: ScheduledMessage): Promise<void> {
    this.problem = null;
    this.editing = m.id;
    await this.updateComplete;
    this.shadowRoot?.querySelector<HTMLElement>("[part=scheduled-edit-form] textarea")?.focus();
  }

  private endEdit(id: string): void {
    this.editing = "";
    void this.updateComplete.then(() => this.shadowRoot?.querySelector<HTMLElement>(`[data-id="${CSS.escape(id)}"] [part=scheduled-edit]`)?.focus());
  }

  private save = async (e: SubmitEvent, m: ScheduledMessage): Promise<void> => {
    e.preventDefault();
    const form = e.currentTarget as HTMLFormElement;
    const s = this.s();
    const text = (form.elements.namedItem("text") as HTMLTextAreaElement).value.trim();
    const at = (form.elements.namedItem("at") as HTMLInputElement).value;
    const time = at === fieldValue(new Date(m.sendAt)) ? { at: new Date(m.sendAt) } : timeFrom(at, s);
    if ("problem" in time) {
      this.problem = { id: m.id, text: time.problem };
      (form.elements.namedItem("at") as HTMLInputElement).focus();
      return;
    }
    if (!text) return (form.elements.namedItem("text") as HTMLTextAreaElement).focus();
    const change = { ...(text !== m.text ? { text } : {}), ...(time.at.getTime() !== Date.parse(m.sendAt) ? { sendAt: time.at } : {}) };
    if (!Object.keys(change).length || (await this.act(m, (sch) => sch.edit(m.id, change)))) this.endEdit(m.id);
  };

  private s() {
    return stringsIn(SCHEDULED_EN, SCHEDULED_LOCALES, this.t);
  }

  override render() {
    const s = this.s();
    const items = this.items();
    if (!this.open && !items.length && this.status !== "failed") return nothing;
    return html`<div part="scheduled" class="bar">
      ${
        this.status === "failed" && !items.length
          ? html`<p class="muted line" role="status">${s.scheduledLoadFailed} <button @click=${() => void this.load()}>${s.retry}</button></p>`
          : html`<button part="scheduled-toggle" class="toggle" aria-expanded=${this.open} aria-controls="list" @click=${() => (this.open = !this.open)}>
            ${CLOCK}<span>${format(s.scheduledCount, { count: items.length })}</span>${icon(svg`<path d="M6 9l6 6 6-6" />`, `icon chevron ${this.open ? "up" : ""}`)}
          </button>`
      }
      ${
        this.open
          ? html`<ul id="list" part="scheduled-list">
            ${
              this.status === "loading" && !items.length
                ? html`<li class="muted line" role="status">${s.loading}</li>`
                : items.length
                  ? items.map((m) => this.item(m, s))
                  : html`<li class="muted line">${s.scheduledNone}</li>`
            }
          </ul>`
          : nothing
      }
    </div>`;
  }

  private item(m: ScheduledMessage, s: ReturnType<ParleyScheduled["s"]>) {
    const failed = m.status === "failed";
    const problem = this.problem?.id === m.id ? this.problem.text : "";
    const editing = this.editing === m.id && !failed;
    return html`<li part="scheduled-item" data-id=${m.id} data-status=${m.status}>
      <time part="scheduled-time" datetime=${m.sendAt}>${when(m.sendAt)}</time>
      ${failed ? html`<p part="scheduled-failed" class="error">${failureOf(m, s)}</p>` : nothing}
      ${
        editing
          ? html`<form part="scheduled-edit-form" novalidate @submit=${(e: SubmitEvent) => void this.save(e, m)}
              @keydown=${(e: KeyboardEvent) => e.key === "Escape" && ((e.stopPropagation(), this.endEdit(m.id)))}>
              <label>${s.messagePlaceholder}<textarea name="text" rows="2" maxlength="4000" .value=${m.text}></textarea></label>
              <label>${s.scheduleAt}<input name="at" type="datetime-local" .value=${fieldValue(new Date(m.sendAt))}
                aria-invalid=${problem ? "true" : "false"} aria-describedby=${problem ? "problem" : nothing} /></label>
              ${problem ? html`<p id="problem" part="scheduled-error" class="error" role="alert">${problem}</p>` : nothing}
              <div class="actions">
                <button type="submit" class="primary">${s.save}</button>
                <button type="button" @click=${() => this.endEdit(m.id)}>${s.cancel}</button>
              </div>
            </form>`
          : html`<p part="scheduled-text" id=${`text-${m.id}`} class="text">${m.text}</p>
            ${problem ? html`<p part="scheduled-error" class="error" role="alert">${problem}</p>` : nothing}
            <div class="actions">
              ${
                failed
                  ? nothing
                  : html`<button part="scheduled-edit" aria-describedby=${`text-${m.id}`} @click=${() => void this.startEdit(m)}>${s.scheduledEdit}</button>
                    <button part="scheduled-send-now" aria-describedby=${`text-${m.id}`} @click=${() => void this.act(m, (sch) => sch.sendNow(m.id)).then((ok) => ok && this.refocus())}>${s.scheduledSendNow}</button>`
              }
              <button part="scheduled-cancel" aria-describedby=${`text-${m.id}`} @click=${() => void this.act(m, (sch) => sch.cancel(m.id)).then((ok) => ok && this.refocus())}>${failed ? s.scheduledRemove : s.scheduledCancel}</button>
            </div>`
      }
    </li>`;
  }

  static override styles = [
    base,
    css`
      :host {
        display: block;
        flex: none;
        border-top: 1px solid var(--_border);
        background: var(--_bg);
        color: var(--_text);
      }
      .toggle {
        display: flex;
        align-items: center;
        gap: 8px;
        width: 100%;
        border-radius: 0;
        text-align: start;
        font-size: 14px;
        color: inherit;
      }
      .toggle span {
        flex: 1;
      }
      .chevron.up {
        transform: rotate(180deg);
      }
      .line {
        margin: 0;
        padding: 8px 12px;
        font-size: 14px;
      }
      ul {
        list-style: none;
        margin: 0;
        padding: 0 8px 8px;
        max-height: min(45vh, 320px);
        overflow-y: auto;
      }
      li[part="scheduled-item"] {
        padding: 8px;
        border-radius: 10px;
        background: var(--_surface);
        margin-top: 6px;
        display: flex;
        flex-direction: column;
        gap: 4px;
      }
      time {
        font-size: 13px;
        font-weight: 600;
      }
      p {
        margin: 0;
      }
      .text {
        white-space: pre-wrap;
        overflow-wrap: anywhere;
        display: -webkit-box;
        -webkit-line-clamp: 3;
        -webkit-box-orient: vertical;
        overflow: hidden;
      }
      .error {
        font-size: 13px;
      }
      .actions {
        display: flex;
        flex-wrap: wrap;
        gap: 4px;
        justify-content: flex-end;
      }
      .actions button {
        font-size: 14px;
        color: inherit;
      }
      .actions button.primary {
        color: var(--_on-accent);
      }
      .actions button:not(.primary):hover {
        background: var(--_bg);
      }
      form {
        display: flex;
        flex-direction: column;
        gap: 6px;
      }
      label {
        display: flex;
        flex-direction: column;
        gap: 2px;
        font-size: 13px;
      }
      textarea {
        resize: vertical;
      }
    `,
  ];
}

customElements.get("parley-scheduled") || customElements.define("parley-scheduled", ParleyScheduled);

declare global {
  interface HTMLElementTagNameMap {
    "parley-scheduled": ParleyScheduled;
  }
}
