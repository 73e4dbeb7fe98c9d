import { svg, type TemplateResult } from "lit";

/**
 * Inline SVG icons: no glyph that needs a particular font (ⓘ, ✕ and 📎 rendered as tofu on
 * some systems). Decorative: the button around each one carries the accessible name.
 */
export const icon = (d: TemplateResult, cls = "icon"): TemplateResult =>
  svg`<svg class=${cls} viewBox="0 0 24 24" aria-hidden="true" focusable="false" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round">${d}</svg>`;

export const icons = {
  close: icon(svg`<path d="M6 6l12 12M18 6L6 18" />`),
  // Points the way back: to the start of the line, the right in right-to-left (.flip).
  back: icon(svg`<path d="M15 5l-7 7 7 7" />`, "icon flip"),
  info: icon(svg`<circle cx="12" cy="12" r="9" /><path d="M12 11v6M12 7.5v.5" />`),
  attach: icon(svg`<path d="M20 11.5l-8.2 8.2a5 5 0 0 1-7.1-7.1l8.5-8.5a3.3 3.3 0 0 1 4.7 4.7l-8.5 8.5a1.7 1.7 0 0 1-2.4-2.4L14.8 7" />`),
  down: icon(svg`<path d="M6 9l6 6 6-6" />`),
  search: icon(svg`<circle cx="11" cy="11" r="7" /><path d="M20 20l-4-4" />`),
  chat: svg`<svg viewBox="0 0 24 24" width="26" height="26" aria-hidden="true" focusable="false"><path fill="currentColor" d="M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H8l-4 4V6a2 2 0 0 1 2-2z" /></svg>`,
};
