import { LitElement, css, html, nothing, type TemplateResult } from "lit";
import { isChatError, Moderation, REPORT_REASONS, MODERATION_LIMITS, type ChatClient, type Conversation, type MessageItem } from "@parley/sdk";
import { EN, format, type Strings } from "../i18n/i18n.js";
import { base } from "../shared/styles.js";
import { MODERATE_EN, type ModerateStrings } from "./parley-moderate.strings.js";

/** What the dialog does: report a message (anyone), or a moderator's action on it. */
export type ModerateAction = "report" | "delete" | "mute" | "ban";

const DURATIONS = [600, 3600, 86400] as const;

/**
 * Report a message, or, for a moderator (an app moderator; a group's owner or admin for its plain
 * members), delete it, mute its sender or ban them from the conversation: a modal dialog opened
 * from a message's actions. Reports give one of the fixed reasons and an optional note; mutes a
 * duration; every moderator action an optional reason (the audit log keeps it). Errors are shown
 * in the dialog; on success `parley-moderated` carries the notice `<parley-chat>` shows.
 *
 * A lazy chunk: `<parley-chat>` imports this file the first time a message's Report, Delete (a
 * moderator's, of another's message), Mute or Ban is pressed. Like `<parley-data>`, it asks
 * `<parley-chat>` for the client with a `parley-client` event.
 *
 * @event parley-client - detail: a callback that `<parley-chat>` calls with its ChatClient
 * @event parley-moderated - detail: the notice to show ("Reported. Thank you."), or "" when cancelled; the dialog has closed
 *
 * @csspart moderate-dialog - the dialog
 * @csspart moderate-form - its form
 * @csspart moderate-reason - a report reason or a mute duration (a radio button's label)
 * @csspart moderate-note - the report's note, or the moderator's reason
 * @csspart moderate-submit - the Send, Delete, Mute or Ban button
 * @csspart moderate-cancel - the cancel button
 * @csspart moderate-status - why it did not work (role=alert)
 */
export class ParleyModerate extends LitElement {
  static override properties = {
    t: { attribute: false },
    action: { attribute: false },
    message: { attribute: false },
    conversation: { attribute: false },
    busy: { state: true },
    error: { state: true },
  };
  /** The widget's strings; this dialog's own are taken from them when the host set them. */
  t: Strings & Partial<ModerateStrings> = EN;
  action: ModerateAction = "report";
  message: MessageItem | undefined;
  conversation: Conversation | undefined;
  busy = false;
  error = "";
  /** The notice of what was done, once it is: the dialog then closes with it. */
  private done = "";

  private get s(): Strings & ModerateStrings {
    return { ...MODERATE_EN, ...this.t };
  }

  private dialog(): HTMLDialogElement | null | undefined {
    return this.shadowRoot?.querySelector("dialog");
  }

  protected override firstUpdated(): void {
    const d = this.dialog();
    if (d && !d.open) d.showModal();
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.dialog()?.close();
  }

  private senderName(): string {
    return this.conversation?.users.find((u) => u.id === this.message?.senderId)?.displayName ?? "";
  }

  private onClose = (): void => {
    this.dispatchEvent(new CustomEvent("parley-moderated", { detail: this.done, bubbles: true, composed: true }));
  };

  private onSubmit = async (e: SubmitEvent): Promise<void> => {
    e.preventDefault();
    const m = this.message;
    const conversationId = this.conversation?.id;
    if (!m || !conversationId || this.busy) return;
    let client: ChatClient | undefined;
    this.dispatchEvent(new CustomEvent("parley-client", { detail: (c: ChatClient) => (client = c), bubbles: true, composed: true }));
    if (!client) return;
    const form = new FormData(e.target as HTMLFormElement);
    const text = String(form.get("note") ?? "").trim();
    const reason = text || undefined;
    const mod = new Moderation(client);
    const s = this.s;
    const name = this.senderName();
    this.busy = true;
    this.error = "";
    try {
      if (this.action === "report") {
        await mod.report({ messageId: m.id, reason: form.get("reason") as (typeof REPORT_REASONS)[number], ...(text ? { note: text } : {}) });
        this.done = s.reported;
      } else if (this.action === "delete") {
        await mod.deleteMessage(m.id, reason);
        this.done = s.deleted;
      } else if (this.action === "mute") {
        const sec = Number(form.get("duration"));
        await mod.mute(conversationId, m.senderId!, { durationSec: sec, ...(reason ? { reason } : {}) });
        this.done = format(s.muted, { name, duration: (s as Record<string, string>)[`mute_${sec}`] ?? "" });
      } else {
        await mod.banFromConversation(conversationId, m.senderId!, reason);
        this.done = format(s.banned, { name });
      }
      this.dialog()?.close();
    } catch (err) {
      this.error = isChatError(err) ? err.message : s.unknownError;
    } finally {
      this.busy = false;
    }
  };

  /** A radio button with its label: one report reason or one mute duration. */
  private option(name: string, value: string, label: string, first: boolean): TemplateResult {
    return html`<label part="moderate-reason" class="opt"><input type="radio" name=${name} value=${value} required ?autofocus=${first} ?checked=${first && name === "duration"} />${label}</label>`;
  }

  override render() {
    const s = this.s;
    const name = this.senderName();
    const a = this.action;
    const title = a === "report" ? s.reportMessage : a === "delete" ? s.deleteMessage : format(a === "mute" ? s.muteUser : s.banUser, { name });
    const submit = a === "report" ? s.send : s[a];
    const limit = a === "report" ? MODERATION_LIMITS.reportNoteMaxChars : MODERATION_LIMITS.reasonMaxChars;
    const r = s as Record<string, string>;
    return html`<dialog part="moderate-dialog" aria-labelledby="title" @close=${this.onClose}
      @keydown=${(e: KeyboardEvent) => e.key === "Escape" && e.stopPropagation()}>
      <form part="moderate-form" @submit=${this.onSubmit}>
        <h3 id="title">${title}</h3>
        ${
          a === "report"
            ? html`<fieldset><legend>${s.reportWhy}</legend>${REPORT_REASONS.map((x) => this.option("reason", x, r[`reason_${x}`] ?? x, x === REPORT_REASONS[0]))}</fieldset>`
            : a === "mute"
              ? html`<fieldset><legend>${s.muteFor}</legend>${DURATIONS.map((d, i) => this.option("duration", String(d), r[`mute_${d}`] ?? "", i === 0))}</fieldset>`
              : a === "ban"
                ? html`<p>${s.banWarning}</p>`
                : nothing
        }
        <label class="note">${a === "report" ? s.reportNote : s.modReason}
          ${
            a === "report"
              ? html`<textarea part="moderate-note" name="note" rows="3" maxlength=${limit}></textarea>`
              : html`<input part="moderate-note" name="note" maxlength=${limit} autocomplete="off" ?autofocus=${a !== "mute"} />`
          }
        </label>
        ${this.error ? html`<p part="moderate-status" class="error" role="alert">${this.error}</p>` : nothing}
        <div class="row">
          <button part="moderate-submit" class=${a === "report" ? "primary" : "primary danger"} ?disabled=${this.busy}>${submit}</button>
          <button part="moderate-cancel" type="button" @click=${() => this.dialog()?.close()}>${s.cancel}</button>
        </div>
      </form>
    </dialog>`;
  }

  static override styles = [
    base,
    css`
      :host {
        display: contents;
      }
      dialog {
        background: var(--_bg);
        color: var(--_text);
        border: 1px solid var(--_border);
        border-radius: var(--_radius);
        font-family: var(--_font);
        font-size: 14px;
        line-height: 1.4;
        width: min(360px, calc(100vw - 24px));
        max-height: calc(100dvh - 24px);
        overflow: auto;
        padding: 16px;
      }
      dialog::backdrop {
        background: rgb(0 0 0 / 0.5);
      }
      form {
        display: grid;
        gap: 10px;
      }
      h3 {
        font-size: 16px;
        margin: 0;
      }
      p {
        margin: 0;
      }
      fieldset {
        border: 0;
        margin: 0;
        padding: 0;
        display: grid;
      }
      legend {
        padding: 0;
        margin-bottom: 4px;
        font-weight: 600;
      }
      .opt {
        display: flex;
        align-items: center;
        gap: 10px;
        min-height: 44px;
        cursor: pointer;
      }
      .opt input {
        width: 20px;
        height: 20px;
        min-height: 0;
        margin: 0;
        padding: 0;
        flex: none;
        accent-color: var(--_accent);
      }
      .note {
        display: grid;
        gap: 4px;
      }
      textarea {
        resize: vertical;
      }
      .row {
        display: flex;
        flex-wrap: wrap;
        gap: 8px;
      }
      .danger {
        background: var(--_danger);
        color: var(--_bg);
      }
      .danger:hover {
        background: var(--_danger);
      }
    `,
  ];
}

customElements.get("parley-moderate") || customElements.define("parley-moderate", ParleyModerate);

declare global {
  interface HTMLElementTagNameMap {
    "parley-moderate": ParleyModerate;
  }
}
