import { LitElement, css, html, nothing } from "lit";
import { EN, format, type Strings } from "../i18n/i18n.js";
import { base } from "../shared/styles.js";
import type { ComposerHost } from "../shared/composer-host.js";
import { SCHEDULED_EN, SCHEDULED_LOCALES } from "./parley-scheduled.strings.js";
import { SCHEDULE_MENU_EN, SCHEDULE_MENU_LOCALES } from "./parley-schedule-menu.strings.js";
import { clientOf, errorText, fieldValue, scheduledOf, stringsIn, timeFrom, when } from "./scheduling.js";
import { draftsGone } from "./draft-sync.js";

const HOUR = 3_600_000;

/** "Later today": 18:00 while it is an hour or more ahead, else in three hours (on the next 5 minutes) if that is still today; else none. */
export function laterToday(now = new Date()): Date | null {
  const evening = new Date(now);
  evening.setHours(18, 0, 0, 0);
  if (evening.getTime() - now.getTime() >= HOUR) return evening;
  const soon = new Date(now.getTime() + 3 * HOUR);
  soon.setMinutes(Math.ceil(soon.getMinutes() / 5) * 5, 0, 0);
  return soon.toDateString() === now.toDateString() ? soon : null;
}

/** "Tomorrow morning": 09:00 tomorrow, this device's clock. */
export function tomorrowMorning(now = new Date()): Date {
  const d = new Date(now);
  d.setDate(d.getDate() + 1);
  d.setHours(9, 0, 0, 0);
  return d;
}

/**
 * The menu of Send's clock button (issue 55): "Later today", "Tomorrow morning" (each with its
 * time), "Pick a date and time" (a form with a date and time field, checked at the field: in the
 * future, within a year). Choosing schedules what the message box holds (and the message it
 * replies to), then empties the box. A menu button as WAI-ARIA has it: the first item focused on
 * opening; ↑ ↓ Home End move (round); Enter or Space choose; Escape, Tab or a press outside close
 * it, Escape giving the focus back to the button. Placed at the composer's end, so it mirrors in
 * right-to-left languages.
 *
 * @csspart schedule-menu - the menu (`role="menu"`)
 * @csspart schedule-later-today - its "Later today" item
 * @csspart schedule-tomorrow - its "Tomorrow morning" item
 * @csspart schedule-pick - its "Pick a date and time" item
 * @csspart schedule-form - the date and time form (a `role="dialog"` in place of the menu)
 * @csspart schedule-at - its date and time field
 * @csspart schedule-error - what is wrong with the time, under the field
 * @csspart schedule-submit - its Schedule button
 */
export class ParleyScheduleMenu extends LitElement {
  static override properties = { picking: { state: true }, problem: { state: true }, busy: { state: true } };
  t: Strings = EN;
  host_: ComposerHost | null = null;
  opener: HTMLElement | null = null;
  /** The date and time form is shown instead of the menu. */
  picking = false;
  /** What is wrong with the time, said at the field. */
  problem = "";
  busy = false;

  override connectedCallback(): void {
    super.connectedCallback();
    document.addEventListener("pointerdown", this.outside, true);
    this.opener?.setAttribute("aria-expanded", "true");
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    document.removeEventListener("pointerdown", this.outside, true);
    this.opener?.setAttribute("aria-expanded", "false");
  }

  override firstUpdated(): void {
    this.items()[0]?.focus();
  }

  close(refocus = true): void {
    this.remove();
    if (refocus) this.opener?.focus();
  }

  private s() {
    return { ...stringsIn(SCHEDULED_EN, SCHEDULED_LOCALES, this.t), ...stringsIn(SCHEDULE_MENU_EN, SCHEDULE_MENU_LOCALES, this.t) };
  }

  private items(): HTMLElement[] {
    return [...(this.shadowRoot?.querySelectorAll<HTMLElement>("[role=menuitem]") ?? [])];
  }

  private outside = (e: Event): void => {
    if (!e.composedPath().includes(this) && !e.composedPath().includes(this.opener!)) this.close(false);
  };

  private onKey = (e: KeyboardEvent): void => {
    const items = this.items();
    const i = items.indexOf(this.shadowRoot!.activeElement as HTMLElement);
    const to = this.picking ? undefined : { ArrowDown: i + 1, ArrowUp: i - 1, Home: 0, End: items.length - 1 }[e.key];
    if (to !== undefined) {
      e.preventDefault();
      items[(to + items.length) % items.length]?.focus();
    } else if (e.key === "Escape" || (e.key === "Tab" && !this.picking)) {
      // Not the panel's Escape (which would leave the conversation).
      e.preventDefault();
      e.stopPropagation();
      this.close();
    }
  };

  private async pick(): Promise<void> {
    this.picking = true;
    await this.updateComplete;
    this.shadowRoot?.querySelector<HTMLInputElement>("input")?.focus();
  }

  private submit = (e: SubmitEvent): void => {
    e.preventDefault();
    const input = this.shadowRoot!.querySelector("input")!;
    const time = timeFrom(input.value, this.s());
    this.problem = "problem" in time ? time.problem : "";
    if ("at" in time) void this.schedule(time.at);
    else input.focus();
  };

  /** Schedules the message box's text (and its reply target) at `at`, then empties the box. */
  private async schedule(at: Date): Promise<void> {
    const h = this.host_!;
    const s = this.s();
    const box = h.shadowRoot!.querySelector<HTMLTextAreaElement>("[part=composer-input]")!;
    const text = box.value.trim();
    const chat = clientOf(h);
    const id = h.conversation?.id;
    if (!text || !chat || !id) {
      this.close(false);
      box.focus();
      if (!text) h.emit("parley-notice", s.scheduleEmpty);
      return;
    }
    this.busy = true;
    try {
      await scheduledOf(chat).schedule(id, { text, sendAt: at, ...(h.replyTo ? { replyToId: h.replyTo.id } : {}) });
    } catch (e) {
      this.busy = false;
      if (this.picking) this.problem = errorText(e, h.t);
      else h.emit("parley-notice", errorText(e, h.t));
      return;
    }
    box.value = "";
    box.style.height = "";
    h.replyTo = null;
    draftsGone(h, id);
    h.emit("parley-typing", false);
    this.close(false);
    box.focus();
    h.emit("parley-notice", format(s.scheduleDone, { time: when(at) }));
  }

  override render() {
    const s = this.s();
    if (this.picking) {
      const soon = new Date(Date.now() + HOUR);
      return html`<div part="schedule-form" role="dialog" aria-label=${s.schedulePick} @keydown=${this.onKey}>
        <form novalidate @submit=${this.submit}>
          <label for="at">${s.scheduleAt}</label>
          <input id="at" part="schedule-at" type="datetime-local" .value=${fieldValue(soon)}
            aria-invalid=${this.problem ? "true" : "false"} aria-describedby=${this.problem ? "problem" : nothing} @input=${() => (this.problem = "")} />
          ${this.problem ? html`<p id="problem" part="schedule-error" class="error" role="alert">${this.problem}</p>` : nothing}
          <div class="actions">
            <button type="button" @click=${() => this.close()}>${s.cancel}</button>
            <button part="schedule-submit" type="submit" class="primary" ?disabled=${this.busy}>${s.scheduleSubmit}</button>
          </div>
        </form>
      </div>`;
    }
    const today = laterToday();
    const tomorrow = tomorrowMorning();
    // Named `button` as calls/parley-call.ts's is: the README check reads the parts it is given.
    const button = (part: string, label: string, at: Date) =>
      html`<button part=${part} role="menuitem" tabindex="-1" ?disabled=${this.busy} @click=${() => void this.schedule(at)}>
        <span>${label}</span><span class="muted">${when(at)}</span>
      </button>`;
    return html`<div part="schedule-menu" role="menu" aria-label=${s.scheduleMessage} @keydown=${this.onKey}>
      ${today ? button("schedule-later-today", s.scheduleLaterToday, today) : nothing}
      ${button("schedule-tomorrow", s.scheduleTomorrow, tomorrow)}
      <button part="schedule-pick" role="menuitem" tabindex="-1" @click=${() => void this.pick()}><span>${s.schedulePick}</span></button>
    </div>`;
  }

  static override styles = [
    base,
    css`
      :host {
        position: absolute;
        inset-inline-end: 8px;
        inset-block-end: 64px;
        z-index: 5;
        max-width: calc(100% - 16px);
      }
      [role="menu"],
      [role="dialog"] {
        display: flex;
        flex-direction: column;
        padding: 4px;
        background: var(--_bg);
        color: var(--_text);
        border: 1px solid var(--_border);
        border-radius: 12px;
        box-shadow: 0 6px 24px rgb(0 0 0 / 0.25);
      }
      [role="menuitem"] {
        display: flex;
        gap: 16px;
        align-items: center;
        justify-content: space-between;
        padding-inline: 12px;
        border-radius: 8px;
        color: inherit;
        font: inherit;
        text-align: start;
      }
      [role="menuitem"]:hover,
      [role="menuitem"]:focus-visible {
        background: var(--_hover, rgb(127 127 127 / 0.15));
      }
      form {
        display: flex;
        flex-direction: column;
        gap: 6px;
        padding: 8px;
      }
      label {
        font-size: 14px;
      }
      .error {
        margin: 0;
        font-size: 13px;
      }
      .actions {
        display: flex;
        gap: 6px;
        justify-content: flex-end;
      }
      .actions button:not(.primary) {
        color: inherit;
      }
    `,
  ];
}

customElements.get("parley-schedule-menu") || customElements.define("parley-schedule-menu", ParleyScheduleMenu);

/** Opens the menu over `host`'s composer, at its end (pressing the button again closes it). */
export function open(host: ComposerHost, opener: HTMLElement): void {
  const root = host.shadowRoot!;
  const shown = root.querySelector("parley-schedule-menu");
  if (shown) return shown.close();
  const form = root.querySelector("form[part=composer]")?.getBoundingClientRect();
  const menu = Object.assign(document.createElement("parley-schedule-menu"), { t: host.t, host_: host, opener });
  if (form) menu.style.insetBlockEnd = `${host.getBoundingClientRect().bottom - form.top + 4}px`;
  root.append(menu);
}

declare global {
  interface HTMLElementTagNameMap {
    "parley-schedule-menu": ParleyScheduleMenu;
  }
}
