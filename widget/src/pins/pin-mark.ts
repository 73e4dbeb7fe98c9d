import { css, html } from "lit";
import type { MessageItem } from "@parley/sdk";
import { format } from "../i18n/i18n.js";
import type { MessageHost } from "../message/message-host.js";
import { PINS_EN, type PinsStrings } from "./parley-pins.strings.js";

/** The mark's style (the thread's shadow root adopts it). */
export const sheet = css`
  .pin-mark {
    display: block;
    font-size: 12px;
    opacity: 0.85;
  }
`.styleSheet!;

/**
 * A pinned message's mark in its bubble (issue 33): "📌 Pinned", and who pinned it ("Pinned by
 * Ana") as its title and for screen readers. Nothing to press: the pinned list is in the details.
 *
 * @csspart pin-mark - the mark
 */
export function card(host: MessageHost, m: MessageItem): unknown {
  const r = host.shadowRoot!;
  if (!r.adoptedStyleSheets.includes(sheet)) r.adoptedStyleSheets = [...r.adoptedStyleSheets, sheet];
  const t = { ...PINS_EN, ...host.t } as PinsStrings;
  const by = m.pinned?.by;
  const label = by ? format(t.pinnedBy, { name: host.name(by) }) : t.pinned;
  return html`<span part="pin-mark" class="pin-mark" title=${label}><span aria-hidden="true">📌 ${t.pinned}</span><span class="sr-only">${label}</span></span>`;
}
