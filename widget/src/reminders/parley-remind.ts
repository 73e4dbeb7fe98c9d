import { LitElement, css, html, nothing } from "lit";
import { isChatError, type MessageItem } from "@parley/sdk";
import { EN, format, locale, type Strings } from "../i18n/i18n.js";
import { base } from "../shared/styles.js";
import { REMIND_EN, REMIND_LOCALES, type RemindStrings } from "./parley-remind.strings.js";
import { clientOf } from "../shared/feature.js";
import { remindersOf, stringsIn, when } from "./reminders-of.js";

const MINUTE = 60_000;
/** The server takes up to 366 days ahead; the field says a year. */
const YEAR = 365 * 24 * 60 * MINUTE;

/** 09:00 tomorrow on this device's clock. */
function tomorrowMorning(): Date {
  const d = new Date();
  d.setDate(d.getDate() + 1);
  d.setHours(9, 0, 0, 0);
  return d;
}

/** The title when the strings given lack the menu item's (they come from the message extras' table). */
const REMIND_FALLBACK = "Remind me";

/** A datetime-local field's value: local time to the minute, "2026-11-27T09:00". */
const local = (d: Date): string => new Date(d.getTime() - d.getTimezoneOffset() * MINUTE).toISOString().slice(0, 16);

/**
 * "Remind me" on a message (issue 55): a modal dialog opened from the message's ⋯ menu, with three
 * choices at one press (in 20 minutes, in 1 hour, tomorrow at 9:00 on this device's clock) and a
 * date and time of the visitor's own (a native datetime-local field, checked at the field: ahead of
 * now, within a year). The reminder is set through the SDK's reminders (@parley/sdk/later); the
 * dialog then closes with the notice `<parley-chat>` says ("Reminder set for …"); a refusal is shown
 * in the dialog. Escape or Cancel closes it with nothing set; the message has the focus again.
 *
 * A lazy chunk, fetched when "Remind me" is first pressed (`openRemind`).
 *
 * @event parley-client - detail: a callback that `<parley-chat>` calls with its ChatClient
 * @event parley-reminded - detail: the notice to say, or "" when cancelled; the dialog has closed
 *
 * @csspart remind-dialog - the dialog
 * @csspart remind-choice - one of the ready choices (in 20 minutes, in 1 hour, tomorrow)
 * @csspart remind-pick - shows the date and time field (aria-expanded)
 * @csspart remind-when - the date and time field
 * @csspart remind-error - why the time was refused, at the field (or the server's refusal)
 * @csspart remind-save - sets the reminder at the chosen time
 * @csspart remind-cancel - closes the dialog
 */
export class ParleyRemind extends LitElement {
  static override properties = {
    t: { attribute: false },
    message: { attribute: false },
    picking: { state: true },
    busy: { state: true },
    error: { state: true },
    failed: { state: true },
  };
  t: Strings = EN;
  message: MessageItem | undefined;
  /** The date and time field is shown. */
  picking = false;
  busy = false;
  /** Why the time in the field was refused. */
  error = "";
  /** Why the server refused. */
  failed = "";
  private done = "";

  private get s(): Strings & RemindStrings {
    return stringsIn(REMIND_EN, REMIND_LOCALES, this.t);
  }

  private dialog(): HTMLDialogElement | null | undefined {
    return this.shadowRoot?.querySelector("dialog");
  }

  protected override firstUpdated(): void {
    const d = this.dialog();
    if (d && !d.open) d.showModal();
  }

  private async set(at: Date): Promise<void> {
    const m = this.message;
    const client = clientOf(this);
    if (!m || !client || this.busy) return;
    this.busy = true;
    this.failed = "";
    try {
      const r = await remindersOf(client).create(m.id, at);
      this.done = format(this.s.remindSet, { time: when(r.remindAt) });
      this.dialog()?.close();
    } catch (err) {
      this.failed = isChatError(err) ? err.message : this.s.unknownError;
    } finally {
      this.busy = false;
    }
  }

  private pick = (e: SubmitEvent): void => {
    e.preventDefault();
    const input = this.shadowRoot!.querySelector<HTMLInputElement>("[part=remind-when]")!;
    const at = input.value ? new Date(input.value) : null;
    const now = Date.now();
    this.error = !at || Number.isNaN(at.getTime()) || at.getTime() <= now ? this.s.remindPast : at.getTime() > now + YEAR ? this.s.remindFar : "";
    if (this.error) return input.focus();
    void this.set(at!);
  };

  override render() {
    const s = this.s;
    const now = new Date();
    const choices: [string, Date][] = [
      [s.remindIn20, new Date(now.getTime() + 20 * MINUTE)],
      [s.remindIn1h, new Date(now.getTime() + 60 * MINUTE)],
      [format(s.remindTomorrow, { time: new Date(2000, 0, 1, 9).toLocaleTimeString(locale, { hour: "numeric", minute: "2-digit" }) }), tomorrowMorning()],
    ];
    return html`<dialog part="remind-dialog" aria-labelledby="remind-title" @close=${() =>
      this.dispatchEvent(new CustomEvent("parley-reminded", { detail: this.done, bubbles: true, composed: true }))}
      @keydown=${(e: KeyboardEvent) => e.key === "Escape" && e.stopPropagation()}>
      <h3 id="remind-title">${s.remindMe ?? REMIND_FALLBACK}</h3>
      <div class="choices">
        ${choices.map(([label, at], i) => html`<button part="remind-choice" ?autofocus=${i === 0} ?disabled=${this.busy} @click=${() => void this.set(at)}>${label}</button>`)}
        <button part="remind-pick" aria-expanded=${this.picking} aria-controls="remind-form" @click=${async () => {
          this.picking = !this.picking;
          await this.updateComplete;
          this.shadowRoot!.querySelector<HTMLInputElement>("[part=remind-when]")?.focus();
        }}>${s.remindPick}</button>
      </div>
      ${
        this.picking
          ? html`<form id="remind-form" novalidate @submit=${this.pick}>
            <label>${s.remindWhen}
              <input part="remind-when" type="datetime-local" name="at" required min=${local(now)} max=${local(new Date(now.getTime() + YEAR))}
                aria-invalid=${this.error ? "true" : "false"} aria-describedby=${this.error ? "remind-error" : nothing} @input=${() => (this.error = "")} />
            </label>
            ${this.error ? html`<p id="remind-error" part="remind-error" class="error">${this.error}</p>` : nothing}
            <button part="remind-save" class="primary" ?disabled=${this.busy}>${s.remindSave}</button>
          </form>`
          : nothing
      }
      ${this.failed ? html`<p part="remind-error" class="error" role="alert">${this.failed}</p>` : nothing}
      <button part="remind-cancel" class="cancel" @click=${() => this.dialog()?.close()}>${s.cancel}</button>
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
        width: min(320px, calc(100vw - 24px));
        max-height: calc(100dvh - 24px);
        overflow: auto;
        padding: 16px;
        box-sizing: border-box;
      }
      dialog::backdrop {
        background: rgb(0 0 0 / 0.5);
      }
      h3 {
        font-size: 16px;
        margin: 0 0 8px;
      }
      .choices,
      form {
        display: grid;
        gap: 4px;
      }
      .choices button {
        text-align: start;
      }
      form {
        gap: 8px;
        margin-block-start: 8px;
      }
      label {
        display: grid;
        gap: 4px;
      }
      .error {
        color: var(--_danger);
        margin: 0;
      }
      .cancel {
        margin-block-start: 8px;
        inline-size: 100%;
      }
    `,
  ];
}

customElements.get("parley-remind") || customElements.define("parley-remind", ParleyRemind);

/** What opening the dialog needs from the view its message is in (`<parley-thread>`, the thread view). */
export interface RemindHost extends HTMLElement {
  emit(name: string, detail?: unknown): void;
  focusMessage(id: string): Promise<void>;
}

/** Opens "Remind me" for `m` over `host`'s conversation; once it closes, what was set is said and the message has the focus again. */
export function openRemind(host: RemindHost, m: MessageItem, t: Strings): void {
  const d = Object.assign(document.createElement("parley-remind"), { t, message: m });
  d.addEventListener("parley-reminded", (e) => {
    d.remove();
    const said = (e as CustomEvent<string>).detail;
    if (said) host.emit("parley-notice", said);
    void host.focusMessage(m.id);
  });
  host.shadowRoot!.append(d);
}

declare global {
  interface HTMLElementTagNameMap {
    "parley-remind": ParleyRemind;
  }
}
