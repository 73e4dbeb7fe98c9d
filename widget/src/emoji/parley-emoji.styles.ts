import { css } from "lit";
import { base } from "../shared/styles.js";

/**
 * `<parley-emoji>`'s look: a panel over the conversation, just above its composer, at the
 * writing direction's end (under the emoji button); as wide as the conversation on a phone, at
 * most 360 px. Logical properties throughout, so right-to-left mirrors it.
 */
export const emojiStyles = [
  base,
  css`
    :host {
      position: absolute;
      inset-inline: 8px;
      inset-block-end: 64px;
      z-index: 5;
      display: block;
      max-inline-size: 360px;
      margin-inline-start: auto;
      color: var(--_text);
    }
    .picker {
      display: flex;
      flex-direction: column;
      block-size: min(360px, var(--_room, 360px));
      min-block-size: 200px;
      background: var(--_bg);
      border: 1px solid var(--_border);
      border-radius: 12px;
      box-shadow: 0 6px 24px rgb(0 0 0 / 0.25);
      overflow: hidden;
    }
    .top {
      display: flex;
      gap: 6px;
      padding: 8px 8px 4px;
    }
    input {
      flex: 1;
      min-inline-size: 0;
    }
    /* Colour emoji before the text font (some text fonts draw emoji as outlines). */
    [role="option"],
    .cats button,
    select {
      font-family: "Apple Color Emoji", "Segoe UI Emoji", "Noto Color Emoji", "Twemoji Mozilla", var(--_font);
    }
    select {
      font-size: 20px;
      color: inherit;
      background: var(--_bg);
      border: 1px solid var(--_border);
      border-radius: 8px;
      min-block-size: 44px;
      padding-inline: 8px;
    }
    .cats {
      display: flex;
      overflow-x: auto;
      padding: 0 4px;
      border-block-end: 1px solid var(--_border);
      flex: none;
    }
    .cats button {
      font-size: 20px;
      line-height: 1;
      padding: 0;
      border-radius: 8px 8px 0 0;
      border-block-end: 3px solid transparent;
    }
    .cats [aria-current="true"] {
      border-block-end-color: var(--_accent);
    }
    .list {
      flex: 1;
      overflow-y: auto;
      position: relative;
      padding: 0 4px 4px;
      overscroll-behavior: contain;
    }
    .list:focus-visible {
      outline: none;
    }
    .group {
      display: grid;
      grid-template-columns: repeat(auto-fill, minmax(44px, 1fr));
    }
    .heading {
      grid-column: 1 / -1;
      position: sticky;
      inset-block-start: 0;
      background: var(--_bg);
      color: var(--_muted);
      font-size: 13px;
      font-weight: 600;
      padding: 8px 4px 4px;
      z-index: 1;
    }
    [role="option"] {
      display: grid;
      place-items: center;
      block-size: 44px;
      font-size: 26px;
      line-height: 1;
      border-radius: 8px;
      cursor: pointer;
      user-select: none;
    }
    [role="option"]:hover {
      background: var(--_surface);
    }
    [role="option"][aria-selected="true"] {
      background: var(--_surface);
    }
    .list:focus-visible [aria-selected="true"] {
      outline: 2px solid var(--_focus);
      outline-offset: -2px;
    }
    .note {
      flex: 1;
      margin: 0;
      padding: 16px;
      text-align: center;
    }
  `,
];
