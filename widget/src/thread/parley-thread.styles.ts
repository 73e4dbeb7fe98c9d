import { css } from "lit";
import { base } from "../shared/styles.js";

/** <parley-thread>'s look: the messages (bubbles, days, grouping, receipts), the jump button and the composer. */
export const threadStyles = [
  base,
  css`
    :host {
      display: flex;
      flex-direction: column;
      position: relative;
    }
    .skip {
      position: absolute;
      top: 4px;
      inset-inline-start: 4px;
      z-index: 3;
      background: var(--_bg);
      border: 1px solid var(--_border);
    }
    .skip:not(:focus) {
      width: 1px;
      height: 1px;
      min-width: 0;
      min-height: 0;
      padding: 0;
      border: 0;
      overflow: hidden;
      clip-path: inset(50%);
    }
    ol {
      flex: 1;
      min-height: 0;
      overflow-y: auto;
      overflow-anchor: none;
      list-style: none;
      margin: 0;
      padding: 8px 10px;
      display: flex;
      flex-direction: column;
      gap: 2px;
      position: relative;
    }
    .day,
    .sys,
    .older {
      align-self: center;
      font-size: 12px;
      color: var(--_muted);
      padding: 8px 0 4px;
    }
    .sys {
      text-align: center;
      max-width: 90%;
    }
    .msg {
      display: flex;
      flex-direction: column;
      max-width: 82%;
      margin-top: 8px;
      position: relative;
      border-radius: var(--_radius);
    }
    .msg.grouped {
      margin-top: 0;
    }
    .mine {
      align-self: flex-end;
      align-items: flex-end;
    }
    .theirs {
      align-self: flex-start;
    }
    .sender {
      font-size: 12px;
      color: var(--_muted);
      margin: 0 8px 2px;
    }
    .bubble {
      background: var(--_surface);
      border-radius: var(--_radius);
      padding: 6px 10px;
      display: flex;
      flex-direction: column;
      gap: 4px;
      overflow-wrap: anywhere;
    }
    .mine .bubble {
      background: var(--_accent);
      color: var(--_on-accent);
    }
    .mine .bubble .muted {
      color: inherit;
    }
    .text {
      white-space: pre-wrap;
    }
    .meta {
      font-size: 12px;
      align-self: flex-end;
    }
    .quote {
      display: block;
      text-align: start;
      padding: 2px 8px;
      border-radius: 0;
      border-inline-start: 3px solid currentColor;
      font-size: 13px;
      overflow-wrap: anywhere;
    }
    .quote:hover {
      background: transparent;
      text-decoration: underline;
    }
    /* The message jumped to (no motion: a ring, until the next jump). */
    .flash .bubble {
      box-shadow: 0 0 0 2px var(--_focus);
    }
    img[part="image"] {
      max-width: 220px;
      max-height: 220px;
      height: auto;
      border-radius: 8px;
      cursor: zoom-in;
    }
    .file {
      display: inline-flex;
      gap: 6px;
      align-items: center;
      text-align: start;
    }
    .replies {
      font-size: 13px;
      font-weight: 600;
    }
    .status {
      font-size: 12px;
      margin: 2px 6px 0;
    }
    .typing {
      font-size: 12px;
      padding: 2px 12px;
    }
    .jump {
      position: absolute;
      bottom: 84px;
      inset-inline-end: 16px;
      border-radius: 999px;
      font-size: 13px;
      display: inline-flex;
      align-items: center;
      gap: 4px;
    }
    .composer {
      flex: none;
      border-top: 1px solid var(--_border);
      padding: 8px;
      display: flex;
      flex-direction: column;
      gap: 6px;
    }
    .row {
      display: flex;
      gap: 6px;
      align-items: flex-end;
    }
    textarea {
      flex: 1;
      resize: none;
      max-height: 140px;
    }
    .attach {
      cursor: pointer;
      display: grid;
      place-items: center;
      min-width: 44px;
      min-height: 44px;
      border-radius: 8px;
      position: relative;
      flex: none;
    }
    .attach:hover {
      background: var(--_surface);
    }
    .attach input {
      position: absolute;
      width: 1px;
      height: 1px;
      opacity: 0;
      min-height: 0;
      padding: 0;
      border: 0;
    }
    .attach:focus-within {
      outline: 2px solid var(--_focus);
    }
    progress {
      width: 100%;
    }
    parley-mention {
      display: contents;
    }
  `,
];
