import { LitElement, css, html, nothing } from "lit";
import type { ChatClient } from "@parley/sdk";
import { createPoll } from "@parley/sdk/rich";
import { format, type Strings } from "../i18n/i18n.js";
import { icons } from "../shared/icons.js";
import { base } from "../shared/styles.js";
import type { ComposerHost } from "../shared/composer-host.js";
import { POLL_FORM_EN, type PollFormStrings } from "./parley-poll-form.strings.js";

/** The server's POLL_LIMITS (server/src/polls/polls.schema.ts), mirrored: the SDK does not export them. */
const LIMITS = { optionsMin: 2, optionsMax: 10, optionMaxChars: 100, questionMaxChars: 300, closesWithinDays: 90 };
const HOUR = 3_600_000;
const CLOSING = { "": 0, h: HOUR, d: 24 * HOUR, w: 168 * HOUR, at: 0 };

/**
 * The form that asks a poll, over the composer (the "+" menu's "Poll"): the question, 2–10
 * options (a row is added by its button or by Enter in the last one; each row past two has a
 * remove button), one or several answers, anonymous or not, and when it closes (never, in an hour,
 * a day, a week, or at a chosen time). A modal dialog: Tab goes round inside it. What is wrong is
 * said at its field; Send asks the server
 * and closes the form once the poll is in the conversation. Escape or Cancel closes it, and the
 * focus goes back to the "+" button.
 *
 * @csspart poll-form - the dialog
 * @csspart poll-form-option - an option's row (its field and remove button)
 * @csspart poll-form-add - the button that adds an option
 * @csspart poll-form-send - the send button
 */
export class ParleyPollForm extends LitElement {
  static override properties = { options: { state: true }, closing: { state: true }, errors: { state: true }, busy: { state: true } };
  static override styles = [
    base,
    css`
      :host {
        position: absolute;
        inset-inline: 8px;
        inset-block-end: 64px;
        z-index: 5;
        display: flex;
        justify-content: center;
      }
      [role="dialog"] {
        inline-size: min(100%, 420px);
        max-block-size: var(--_room, 70vh);
        overflow: auto;
        display: flex;
        flex-direction: column;
        gap: 10px;
        padding: 14px;
        background: var(--_bg);
        color: var(--_text);
        border: 1px solid var(--_border);
        border-radius: 12px;
        box-shadow: 0 6px 24px rgb(0 0 0 / 0.25);
      }
      form {
        display: flex;
        flex-direction: column;
        gap: 10px;
      }
      h2 {
        font-size: 16px;
        margin: 0;
      }
      label,
      fieldset {
        display: flex;
        flex-direction: column;
        gap: 4px;
      }
      fieldset {
        border: 0;
        margin: 0;
        padding: 0;
      }
      legend {
        padding: 0;
        margin-block-end: 4px;
      }
      .row,
      .check,
      .end {
        display: flex;
        gap: 6px;
        align-items: center;
      }
      .check input {
        inline-size: 20px;
        min-height: 20px;
      }
      .end {
        justify-content: flex-end;
      }
      select {
        font: inherit;
        font-size: 16px;
        min-height: 44px;
        padding: 8px;
        border: 1px solid var(--_border);
        border-radius: 8px;
        background: var(--_bg);
        color: inherit;
      }
      .error {
        margin: 0;
        font-size: 14px;
      }
    `,
  ];
  t: Strings & Partial<PollFormStrings> = POLL_FORM_EN as Strings & PollFormStrings;
  host_!: ComposerHost;
  opener: HTMLElement | null = null;
  options = ["", ""];
  closing: keyof typeof CLOSING = "";
  errors: { q?: string; opts?: string; dup?: number; time?: string } = {};
  busy = false;

  override firstUpdated(): void {
    this.field("q")?.focus();
  }

  private field(name: string): HTMLInputElement | null | undefined {
    return this.shadowRoot?.querySelector<HTMLInputElement>(`[name="${name}"]`);
  }

  close(refocus = true): void {
    this.remove();
    if (refocus) this.opener?.focus();
  }

  /** The rows' values as typed (the DOM holds them; `options` only their number and order). */
  private values(): string[] {
    return [...this.shadowRoot!.querySelectorAll<HTMLInputElement>("[name=opt]")].map((i) => i.value);
  }

  private async add(): Promise<void> {
    if (this.options.length >= LIMITS.optionsMax) return;
    this.options = [...this.values(), ""];
    await this.updateComplete;
    [...this.shadowRoot!.querySelectorAll<HTMLInputElement>("[name=opt]")].pop()?.focus();
  }

  private async drop(i: number): Promise<void> {
    this.options = this.values().filter((_, j) => j !== i);
    this.errors = {};
    await this.updateComplete;
    this.shadowRoot!.querySelectorAll<HTMLInputElement>("[name=opt]")[Math.min(i, this.options.length - 1)]?.focus();
  }

  private onKey = (e: KeyboardEvent): void => {
    const el = e.target as HTMLInputElement;
    // A modal dialog: Tab and Shift+Tab go round inside it.
    const all = [...this.shadowRoot!.querySelectorAll<HTMLElement>("input,select,button:not(:disabled)")];
    const end = e.shiftKey ? all[0] : all[all.length - 1];
    if (e.key === "Tab" && this.shadowRoot!.activeElement === end) {
      e.preventDefault();
      (e.shiftKey ? all[all.length - 1] : all[0])?.focus();
    } else if (e.key === "Escape") {
      e.preventDefault();
      e.stopPropagation();
      this.close();
    } else if (e.key === "Enter" && el.localName === "input" && el.type === "text") {
      // Enter moves on (the question to the first option, an option to the next; the last one adds a row): Send sends.
      e.preventDefault();
      const fields = [...this.shadowRoot!.querySelectorAll<HTMLInputElement>("input[type=text]")];
      const next = fields[fields.indexOf(el) + 1];
      if (next) next.focus();
      else void this.add();
    }
  };

  private submit = (e: Event): void => {
    e.preventDefault();
    const t = { ...POLL_FORM_EN, ...this.t } as PollFormStrings;
    const f = new FormData(e.target as HTMLFormElement);
    const question = String(f.get("q") ?? "").trim();
    const options = this.values()
      .map((s) => s.trim())
      .filter(Boolean);
    // The row that repeats an earlier one (whatever the case).
    const rows = this.values().map((v) => v.trim().toLocaleLowerCase());
    const dup = rows.findIndex((v, i) => v && rows.indexOf(v) !== i);
    const ms = CLOSING[this.closing];
    const at = this.closing === "at" ? Date.parse(String(f.get("at") ?? "")) : ms ? Date.now() + ms : 0;
    const errors = {
      ...(question ? {} : { q: t.pollNeedQuestion }),
      ...(options.length < LIMITS.optionsMin ? { opts: t.pollNeedOptions } : {}),
      ...(dup >= 0 ? { dup } : {}),
      ...(this.closing === "at" && !(at > Date.now() && at < Date.now() + LIMITS.closesWithinDays * 24 * HOUR)
        ? { time: format(t.pollBadTime, { days: LIMITS.closesWithinDays }) }
        : {}),
    };
    this.options = this.values();
    this.errors = errors;
    if (Object.keys(errors).length) {
      void this.updateComplete.then(() => this.shadowRoot!.querySelector<HTMLElement>("[aria-invalid=true]")?.focus());
      return;
    }
    const host = this.host_;
    const id = host.conversation!.id;
    this.busy = true;
    host.emit("parley-act", {
      run: (c: ChatClient) =>
        createPoll(c, id, {
          question,
          options,
          multiple: f.get("multiple") === "on",
          anonymous: f.get("anonymous") === "on",
          ...(at ? { closesAt: new Date(at).toISOString() } : {}),
        }).then(
          () => {
            this.close(false);
            host.jumpToLatest();
            host.focus();
          },
          (err: unknown) => {
            this.busy = false;
            throw err;
          },
        ),
    });
  };

  override render() {
    const t = { ...POLL_FORM_EN, ...this.t } as PollFormStrings & Strings;
    const e = this.errors;
    const err = (id: string, text: string | undefined) => (text ? html`<p id=${id} class="error">${text}</p>` : nothing);
    return html`<div part="poll-form" role="dialog" aria-modal="true" aria-labelledby="h" @keydown=${this.onKey}><form novalidate @submit=${this.submit}>
      <h2 id="h">${t.pollNew}</h2>
      <label>${t.pollQuestion}
        <input type="text" name="q" maxlength=${LIMITS.questionMaxChars} aria-invalid=${!!e.q} aria-describedby=${e.q ? "eq" : nothing} @input=${() => e.q && ((this.errors = { ...e, q: "" }))} />
      </label>
      ${err("eq", e.q)}
      <fieldset aria-describedby=${e.opts ? "eo" : nothing}>
        <legend>${t.pollOptions}</legend>
        ${this.options.map(
          (v, i) => html`<div part="poll-form-option" class="row">
            <input type="text" name="opt" .value=${v} maxlength=${LIMITS.optionMaxChars} aria-label=${format(t.pollOption, { n: i + 1 })}
              aria-invalid=${e.dup === i || (!!e.opts && !v.trim())} aria-describedby=${e.dup === i ? "ed" : nothing} />
            ${
              this.options.length > LIMITS.optionsMin
                ? html`<button type="button" aria-label=${format(t.pollRemoveOption, { n: i + 1 })} title=${format(t.pollRemoveOption, { n: i + 1 })} @click=${() => void this.drop(i)}>${icons.close}</button>`
                : nothing
            }
          </div>
          ${e.dup === i ? err("ed", t.pollDuplicate) : nothing}`,
        )}
        ${err("eo", e.opts)}
        ${this.options.length < LIMITS.optionsMax ? html`<button part="poll-form-add" type="button" @click=${() => void this.add()}>+ ${t.pollAddOption}</button>` : nothing}
      </fieldset>
      <label class="check"><input type="checkbox" name="multiple" />${t.pollAllowMultiple}</label>
      <label class="check"><input type="checkbox" name="anonymous" />${t.pollAnonymousVoting}</label>
      <label>${t.pollClosing}
        <select name="closing" @change=${(ev: Event) => (this.closing = (ev.target as HTMLSelectElement).value as keyof typeof CLOSING)}>
          ${(
            [
              ["", t.pollNever],
              ["h", t.pollIn1h],
              ["d", t.pollIn1d],
              ["w", t.pollIn1w],
              ["at", t.pollAtTime],
            ] as const
          ).map(([v, label]) => html`<option value=${v}>${label}</option>`)}
        </select>
      </label>
      ${
        this.closing === "at"
          ? html`<label>${t.pollCloseTime}<input type="datetime-local" name="at" aria-invalid=${!!e.time} aria-describedby=${e.time ? "et" : nothing} /></label>${err("et", e.time)}`
          : nothing
      }
      <div class="end">
        <button type="button" @click=${() => this.close()}>${t.cancel}</button>
        <button part="poll-form-send" class="primary" ?disabled=${this.busy}>${t.pollSend}</button>
      </div>
    </form></div>`;
  }
}

customElements.get("parley-poll-form") || customElements.define("parley-poll-form", ParleyPollForm);

/** Opens the form over `host`'s composer; focus goes back to `anchor` when it closes. */
export function open(host: ComposerHost, anchor: HTMLElement): void {
  const root = host.shadowRoot!;
  root.querySelector("parley-poll-form")?.close(false);
  const f = Object.assign(document.createElement("parley-poll-form"), { t: host.t, host_: host, opener: anchor });
  const box = host.getBoundingClientRect();
  const form = root.querySelector("form")?.getBoundingClientRect();
  const below = form ? box.bottom - form.top : 8;
  f.style.insetBlockEnd = `${below + 4}px`;
  f.style.setProperty("--_room", `${box.height - below - 16}px`);
  root.append(f);
}

declare global {
  interface HTMLElementTagNameMap {
    "parley-poll-form": ParleyPollForm;
  }
}
