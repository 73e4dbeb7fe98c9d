import { css } from "lit";

/** The dark palette, for theme="dark" and for theme="auto" under a dark colour scheme. */
const dark = css`
    --_bg: var(--parley-bg, #111827);
    --_surface: var(--parley-surface, #1f2937);
    --_text: var(--parley-text, #f9fafb);
    --_muted: var(--parley-muted, #9ca3af);
    --_border: var(--parley-border, #6b7280);
    --_accent: var(--parley-accent, #818cf8);
    --_on-accent: var(--parley-on-accent, #111827);
    --_danger: var(--parley-danger, #f87171);
    --_focus: var(--parley-focus, #93c5fd);
    color-scheme: dark;
`;

/**
 * The design tokens, declared once, on `<parley-chat>` only: every inner element inherits them
 * (a child that re-declared them on its own `:host` would cut off the page's theme). Each one is
 * a public `--parley-*` custom property with a light and a dark default; every text/background
 * pair of the defaults is WCAG AA (4.5:1) in both.
 */
export const tokens = css`
  :host {
    --_accent: var(--parley-accent, #4f46e5);
    --_on-accent: var(--parley-on-accent, #ffffff);
    --_bg: var(--parley-bg, #ffffff);
    --_surface: var(--parley-surface, #f3f4f6);
    --_text: var(--parley-text, #111827);
    --_muted: var(--parley-muted, #4b5563);
    --_border: var(--parley-border, #6b7280);
    --_danger: var(--parley-danger, #b91c1c);
    --_radius: var(--parley-radius, 14px);
    --_font: var(--parley-font, system-ui, -apple-system, "Segoe UI", Roboto, sans-serif);
    --_focus: var(--parley-focus, #2563eb);
    --_offset: var(--parley-offset, 20px);
    --_z: var(--parley-z-index, 2147483000);
    color-scheme: light;
  }
  :host([theme="dark"]) {
    ${dark}
  }
  @media (prefers-color-scheme: dark) {
    :host([theme="auto"]) {
      ${dark}
    }
  }
`;

/**
 * What every element's shadow root shares: controls, focus ring, avatars, badges. It reads the
 * tokens and declares none of them.
 */
export const base = css`
  * {
    box-sizing: border-box;
  }
  button,
  input,
  textarea {
    font: inherit;
    color: inherit;
    letter-spacing: inherit;
  }
  /* 44 px: a fingertip, on every screen (WCAG 2.5.5). */
  button {
    cursor: pointer;
    border: none;
    background: none;
    padding: 6px 10px;
    border-radius: 8px;
    min-height: 44px;
    min-width: 44px;
  }
  button:hover {
    background: var(--_surface);
  }
  button:disabled {
    cursor: default;
    opacity: 0.6;
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
  /* 16 px: smaller inputs make iOS zoom the page on focus. */
  input,
  textarea {
    border: 1px solid var(--_border);
    border-radius: 8px;
    padding: 10px;
    background: var(--_bg);
    width: 100%;
    font-size: 16px;
    min-height: 44px;
  }
  ::placeholder {
    color: var(--_muted);
    opacity: 1;
  }
  a {
    color: inherit;
    text-decoration: underline;
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
    clip-path: inset(50%);
    white-space: nowrap;
  }
  .icon {
    width: 20px;
    height: 20px;
    flex: none;
    vertical-align: middle;
  }
  .flip:dir(rtl) {
    transform: scaleX(-1);
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
    font-size: 13px;
    position: relative;
    object-fit: cover;
    overflow: visible;
  }
  .dot {
    position: absolute;
    inset-inline-end: -1px;
    bottom: -1px;
    width: 10px;
    height: 10px;
    border-radius: 50%;
    background: #16a34a;
    border: 2px solid var(--_bg);
  }
  .badge {
    background: var(--_danger);
    color: var(--_bg);
    border-radius: 999px;
    min-width: 20px;
    padding: 0 6px;
    font-size: 12px;
    font-weight: 700;
    line-height: 20px;
    text-align: center;
  }
  .empty {
    padding: 24px;
    text-align: center;
    color: var(--_muted);
  }
  @media (prefers-reduced-motion: reduce) {
    * {
      transition: none !important;
      animation: none !important;
      scroll-behavior: auto !important;
    }
  }
`;
