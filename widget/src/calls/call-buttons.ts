import { html, svg } from "lit";
import { icon } from "../shared/icons.js";
import type { CallStrings } from "./parley-call.strings.js";

/** The call view's icons, and the header's. */
export const ICONS = {
  voice: icon(svg`<path d="M5 4h4l2 5-2.5 1.5a11 11 0 0 0 5 5L15 13l5 2v4a2 2 0 0 1-2 2A16 16 0 0 1 3 6a2 2 0 0 1 2-2" />`),
  video: icon(svg`<rect x="2" y="6" width="14" height="12" rx="2" /><path d="M16 10l6-3v10l-6-3" />`),
  end: icon(svg`<path d="M3 14.5a13 13 0 0 1 18 0l-2 3-4-1.5v-3a9 9 0 0 0-6 0v3L5 17.5z" />`),
  mic: icon(svg`<rect x="9" y="3" width="6" height="11" rx="3" /><path d="M5 11a7 7 0 0 0 14 0M12 18v3" />`),
  micOff: icon(svg`<path d="M9 9v2a3 3 0 0 0 5 2.2M15 10V6a3 3 0 0 0-6-.5M5 11a7 7 0 0 0 11 5.7M19 11a7 7 0 0 1-.5 2.5M12 18v3M3 3l18 18" />`),
  /** The devices menu: sliders. */
  devices: icon(
    svg`<path d="M4 6h10M18 6h2M4 12h4M12 12h8M4 18h12M20 18h0" /><circle cx="16" cy="6" r="2" /><circle cx="10" cy="12" r="2" /><circle cx="18" cy="18" r="2" />`,
  ),
  camOff: icon(svg`<path d="M16 16v0a2 2 0 0 1-2 2H4a2 2 0 0 1-2-2V8a2 2 0 0 1 2-2h2m4 0h4a2 2 0 0 1 2 2v3.3l6-3.3v10M3 3l18 18" />`),
};

/** The header's call buttons (a 1:1 conversation or a group), drawn into <parley-chat> (its parts call-voice and call-video); disabled while a call is shown. */
export const headerButtons = (s: CallStrings, disabled: boolean, go: (video: boolean) => void) =>
  html`<button part="call-voice" aria-label=${s.callVoice} ?disabled=${disabled} @click=${() => go(false)}>${ICONS.voice}</button
    ><button part="call-video" aria-label=${s.callVideo} ?disabled=${disabled} @click=${() => go(true)}>${ICONS.video}</button>`;
