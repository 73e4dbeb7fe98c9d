import { css, html, type TemplateResult } from "lit";
import type { ComposerHost } from "../shared/composer-host.js";
import { CLOCK } from "./parley-scheduled.js";
import { SCHEDULED_EN, SCHEDULED_LOCALES } from "./parley-scheduled.strings.js";
import { stringsIn } from "./scheduling.js";
import { syncDrafts } from "./draft-sync.js";

/**
 * Messages that reach people later, in the open conversation (issue 55): a chunk the composer
 * fetches once a conversation that exists is open (composer.ts), so the UI every visitor loads
 * carries none of it. It draws the scheduled messages' bar over the composer and Send's clock
 * button, whose menu is a chunk of its own fetched at the first press; and it keeps the message box
 * as the conversation's draft (draft-sync.ts).
 */

/**
 * Added to the thread's styles (the bar is an element with styles of its own): the clock button
 * shows once the box has text (nothing to schedule before), which leaves the empty box, its
 * placeholder on one line, the room it had on a phone.
 */
export const sheet = css`
  textarea:placeholder-shown ~ [part="schedule-button"] {
    display: none;
  }`.styleSheet!;

/** Over the composer: the visitor's scheduled messages here (`<parley-scheduled>`); the box follows the conversation's draft. */
export function bar(h: ComposerHost): TemplateResult {
  syncDrafts(h);
  return html`<parley-scheduled .t=${h.t} conversationId=${h.conversation?.id ?? ""}></parley-scheduled>`;
}

/** The schedule menu (parley-schedule-menu.ts), fetched at the first press. */
const MENU = () => import("./parley-schedule-menu.js");

/** Beside Send: the button that opens the schedule menu (a menu button: aria-expanded follows the menu). */
export function button(h: ComposerHost): TemplateResult {
  const s = stringsIn(SCHEDULED_EN, SCHEDULED_LOCALES, h.t);
  return html`<button part="schedule-button" class="attach" type="button" aria-haspopup="menu" aria-expanded="false" aria-label=${s.scheduleMessage} title=${s.scheduleMessage}
    @click=${(e: Event) => {
      const b = e.currentTarget as HTMLElement;
      MENU().then(
        (m) => m.open(h, b),
        () => h.emit("parley-notice", h.t.loadFailed),
      );
    }}>${CLOCK}</button>`;
}
