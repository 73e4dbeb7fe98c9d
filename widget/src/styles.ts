import { css } from "lit";

/** The dark palette, for theme="dark" and for theme="auto" under a dark system setting. */
const dark = css`
    --_bg: var(--parley-bg, #111827);
    --_surface: var(--parley-surface, #1f2937);
    --_text: var(--parley-text, #f9fafb);
    --_muted: var(--parley-muted, #9ca3af);
    --_border: var(--parley-border, #374151);
    --_accent: var(--parley-accent, #818cf8);
    --_on-accent: var(--parley-on-accent, #111827);
    --_danger: var(--parley-danger, #f87171);
`;

/**
 * Theme tokens: every one is a public `--parley-*` custom property with a default here.
 * Dark values apply with theme="dark", or theme="auto" under a dark colour scheme.
 */
export const tokens = css`
  :host {
    --_accent: var(--parley-accent, #4f46e5);
    --_on-accent: var(--parley-on-accent, #ffffff);
    --_bg: var(--parley-bg, #ffffff);
    --_surface: var(--parley-surface, #f3f4f6);
    --_text: var(--parley-text, #111827);
    --_muted: var(--parley-muted, #4b5563);
    --_border: var(--parley-border, #d1d5db);
    --_danger: var(--parley-danger, #b91c1c);
    --_radius: var(--parley-radius, 14px);
    --_font: var(--parley-font, system-ui, -apple-system, "Segoe UI", Roboto, sans-serif);
    --_focus: var(--parley-focus, #2563eb);
    font-family: var(--_font);
    color: var(--_text);
    font-size: 14px;
    line-height: 1.4;
  }
  :host([theme="dark"]) {
    ${dark}
  }
  @media (prefers-color-scheme: dark) {
    :host([theme="auto"]) {
      ${dark}
    }
  }
  * {
    box-sizing: border-box;
  }
  button,
  input,
  textarea {
    font: inherit;
    color: inherit;
  }
  button {
    cursor: pointer;
    border: none;
    background: none;
    padding: 6px 10px;
    border-radius: 8px;
  }
  button:hover {
    background: var(--_surface);
  }
  :focus-visible {
    outline: 2px solid var(--_focus);
    outline-offset: 2px;
  }
  .primary {
    background: var(--_accent);
    color: var(--_on-accent);
  }
  .primary:hover {
    background: var(--_accent);
    filter: brightness(1.1);
  }
  input,
  textarea {
    border: 1px solid var(--_border);
    border-radius: 8px;
    padding: 8px 10px;
    background: var(--_bg);
    width: 100%;
  }
  .muted {
    color: var(--_muted);
  }
  .error {
    color: var(--_danger);
  }
  .sr-only {
    position: absolute;
    width: 1px;
    height: 1px;
    overflow: hidden;
    clip: rect(0 0 0 0);
    white-space: nowrap;
  }
  .avatar {
    width: 32px;
    height: 32px;
    border-radius: 50%;
    background: var(--_accent);
    color: var(--_on-accent);
    display: inline-grid;
    place-items: center;
    flex: none;
    font-weight: 600;
    position: relative;
    object-fit: cover;
  }
  .dot {
    position: absolute;
    right: -1px;
    bottom: -1px;
    width: 10px;
    height: 10px;
    border-radius: 50%;
    background: #16a34a;
    border: 2px solid var(--_bg);
  }
  .badge {
    background: var(--_danger);
    color: #fff;
    border-radius: 999px;
    min-width: 20px;
    padding: 0 6px;
    font-size: 12px;
    font-weight: 700;
    line-height: 20px;
    text-align: center;
  }
`;
