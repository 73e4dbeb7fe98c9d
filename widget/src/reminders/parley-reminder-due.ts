import { LitElement, css, html, nothing } from "lit";
import type { ChatClient, ReminderDue } from "@parley/sdk";
import { EN, format, locale, type Strings } from "../i18n/i18n.js";
import { icons } from "../shared/icons.js";
import { base } from "../shared/styles.js";
import type { ParleyThread } from "../thread/parley-thread.js";
import { DUE_EN, DUE_LOCALES, type DueStrings } from "./parley-reminder-due.strings.js";
import { previewOf, senderOf, stringsIn } from "./reminders-of.js";

/** What a reminder's notice needs from `<parley-chat>`. */
export interface DueHost extends HTMLElement {
  t: Strings;
  chat: ChatClient | null;
  mode: string;
  /** Shows the panel with this conversation open. */
  showConversation(id: string): void;
}

/** One notice: what it says, and the message it shows when opened. */
interface Notice {
  id: string;
  text: string;
  /** The sender and the first words, for a browser notification's title and body. */
  name: string;
  preview: string;
  conversationId: string;
  messageId: string;
}

/** At most this many notices at once: an older one gives way. */
const MAX = 3;

/**
 * Reminders come due (issue 55): a notice each, "Reminder: Ann — “text…”" with Open (the message in
 * its conversation) and Dismiss, over the widget where its panel sits (by the launcher when it is
 * closed; inside the element inline), each said once to screen readers (a live region of its own
 * that exists before the first notice, so the first is heard too). They stay until dismissed or
 * opened: a reminder is something the visitor asked not to miss.
 *
 * A lazy chunk: `<parley-chat>` fetches it when a `reminder.due` first arrives (`due`).
 *
 * @csspart reminder-notices - the notices
 * @csspart reminder-notice - one notice
 * @csspart reminder-open - shows the message in its conversation
 * @csspart reminder-dismiss - takes the notice away
 */
export class ParleyReminderDue extends LitElement {
  static override properties = { notices: { state: true }, said: { state: true } };
  host: DueHost | undefined;
  notices: Notice[] = [];
  /** The live region's text: the latest notice. */
  said = "";

  get s(): DueStrings & Strings {
    return stringsIn(DUE_EN, DUE_LOCALES, this.host?.t ?? EN);
  }

  /** Adds a notice for `d` and says it. */
  async add(d: ReminderDue): Promise<Notice> {
    const s = this.s;
    const chat = this.host?.chat;
    const name = chat ? senderOf(chat, d.message) : "";
    const preview = await previewOf(d.message, 60);
    const text = d.message.text ? format(s.reminderDue, { name, text: preview }) : format(s.reminderDueNoText, { name });
    const n = { id: d.reminder.id, text, name, preview, conversationId: d.message.conversationId, messageId: d.message.id };
    this.notices = [...this.notices.filter((x) => x.id !== n.id), n].slice(-MAX);
    // (After the region is drawn: a live region's first text is heard only if the region was there before it.)
    await this.updateComplete;
    await new Promise((go) => requestAnimationFrame(go));
    this.said = text;
    return n;
  }

  private dismiss(n: Notice): void {
    this.notices = this.notices.filter((x) => x !== n);
    if (!this.notices.length) this.said = "";
    // The focus was on its buttons: back to the widget rather than lost.
    if (this.matches(":focus-within"))
      void this.updateComplete.then(() => this.host?.shadowRoot?.querySelector<HTMLElement>("[part=launcher], [part=panel] button")?.focus());
  }

  /** Shows the message in its conversation; the notice goes. */
  async open(n: Notice): Promise<void> {
    const host = this.host;
    this.dismiss(n);
    if (!host) return;
    host.showConversation(n.conversationId);
    await (host as unknown as LitElement).updateComplete;
    // After the view has taken the focus (the composer): the message takes it then.
    await new Promise((go) => setTimeout(go));
    host.shadowRoot?.querySelector<ParleyThread>("parley-thread")?.jumpTo(n.messageId);
  }

  override render() {
    const s = this.s;
    const lang = (this.host as unknown as { language?: { tag: string; dir: string } } | undefined)?.language;
    return html`<div lang=${lang?.tag ?? nothing} dir=${lang?.dir ?? nothing}>
      ${
        this.notices.length
          ? html`<section part="reminder-notices" aria-label=${s.reminderNotices}>
            ${this.notices.map(
              (n) => html`<div part="reminder-notice" class="notice">
                <span class="text">${n.text}</span>
                <button part="reminder-open" class="primary" @click=${() => void this.open(n)}>${s.reminderOpen}</button>
                <button part="reminder-dismiss" aria-label=${s.reminderDismiss} title=${s.reminderDismiss} @click=${() => this.dismiss(n)}>${icons.close}</button>
              </div>`,
            )}
          </section>`
          : nothing
      }
      <p class="sr-only" role="status">${this.said}</p>
    </div>`;
  }

  static override styles = [
    base,
    css`
      :host {
        all: initial;
        position: fixed;
        /* Over the panel and a call's view. */
        z-index: calc(var(--_z) + 2);
        right: var(--_offset);
        bottom: calc(var(--_offset) + 72px);
        width: min(360px, calc(100vw - 2 * var(--_offset)));
        font-family: var(--_font);
        font-size: 14px;
        line-height: 1.4;
        color: var(--_text);
      }
      :host([corner$="left"]) {
        right: auto;
        left: var(--_offset);
      }
      :host([corner^="top"]) {
        bottom: auto;
        top: calc(var(--_offset) + 72px);
      }
      :host([inline]) {
        position: absolute;
        right: 12px;
        left: 12px;
        bottom: 84px;
        width: auto;
      }
      section {
        display: grid;
        gap: 8px;
      }
      .notice {
        display: flex;
        align-items: center;
        gap: 6px;
        padding-block: 6px;
        padding-inline: 14px 6px;
        background: var(--_bg);
        border: 1px solid var(--_border);
        border-inline-start: 4px solid var(--_accent);
        border-radius: 12px;
        box-shadow: 0 6px 24px rgb(0 0 0 / 0.25);
      }
      .text {
        flex: 1;
        min-inline-size: 0;
        overflow-wrap: anywhere;
      }
    `,
  ];
}
customElements.get("parley-reminder-due") || customElements.define("parley-reminder-due", ParleyReminderDue);

/** One notices element per `<parley-chat>`, placed in its shadow root before what Lit draws (a render never takes it away). */
const views = new WeakMap<DueHost, ParleyReminderDue>();

/**
 * A reminder came due (`reminder.due`, from `<parley-chat>`): its notice in the widget, and, while
 * the tab is hidden and the visitor allowed notifications, a browser notification whose click
 * brings the tab forward with the message shown. The notification's tag is the conversation's, as
 * a web push's (parley-sw.js): where the service worker shows the reminder's push too, the browser
 * keeps one.
 */
export async function due(host: DueHost, d: ReminderDue): Promise<void> {
  let view = views.get(host);
  if (!view) {
    view = document.createElement("parley-reminder-due");
    view.host = host;
    views.set(host, view);
    host.shadowRoot?.prepend(view);
  }
  view.toggleAttribute("inline", host.mode === "inline");
  const corner = host.getAttribute("corner");
  if (corner) view.setAttribute("corner", corner);
  const n = await view.add(d);
  if (!document.hidden || typeof Notification === "undefined" || Notification.permission !== "granted") return;
  const s = view.s;
  const note = new Notification(format(s.reminderTitle, { name: n.name }), {
    body: n.preview || n.text,
    tag: d.message.conversationId,
    lang: locale,
  });
  note.onclick = () => {
    focus();
    note.close();
    void view.open(n);
  };
}

declare global {
  interface HTMLElementTagNameMap {
    "parley-reminder-due": ParleyReminderDue;
  }
}
