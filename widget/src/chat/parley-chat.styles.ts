import { css } from "lit";
import { tokens, base } from "../shared/styles.js";

/** <parley-chat>'s look: the launcher, the dock and the panel, its header, and the colour tokens for light and dark. */
export const chatStyles = [
  tokens,
  base,
  css`
    :host {
      position: relative;
      display: block;
    }
    /*
     * Launcher mode survives hostile page CSS ("* { all: unset }", !important rules): the host
     * box takes no part in layout (!important in a shadow root beats the page's), and the dock
     * inside starts from initial values, so nothing inherited from the page leaks in.
     */
    :host([mode="launcher"]) {
      display: contents !important;
    }
    .dock,
    .panel {
      all: initial;
      font-family: var(--_font);
      font-size: 14px;
      line-height: 1.4;
      color: var(--_text);
      text-align: start;
      box-sizing: border-box;
    }
    .dock {
      position: fixed;
      z-index: var(--_z);
      right: var(--_offset);
      bottom: var(--_offset);
      display: block;
      width: 56px;
      height: 56px;
    }
    :host([corner$="left"]) .dock {
      right: auto;
      left: var(--_offset);
    }
    :host([corner^="top"]) .dock {
      bottom: auto;
      top: var(--_offset);
    }
    .launcher {
      width: 56px;
      height: 56px;
      border-radius: 50%;
      display: grid;
      place-items: center;
      box-shadow: 0 6px 20px rgb(0 0 0 / 0.25);
      position: relative;
      padding: 0;
    }
    .launcher .icon {
      width: 26px;
      height: 26px;
    }
    .count {
      position: absolute;
      top: -4px;
      right: -4px;
    }
    .panel {
      background: var(--_bg);
      border: 1px solid var(--_border);
      border-radius: var(--_radius);
      display: flex;
      flex-direction: column;
      overflow: hidden;
      width: 100%;
      height: 100%;
      position: relative;
    }
    .dock .panel {
      position: absolute;
      right: 0;
      bottom: 72px;
      width: min(370px, calc(100vw - 2 * var(--_offset)));
      height: min(600px, calc(100dvh - 92px - var(--_offset)));
      box-shadow: 0 12px 40px rgb(0 0 0 / 0.25);
    }
    :host([corner$="left"]) .dock .panel {
      right: auto;
      left: 0;
    }
    :host([corner^="top"]) .dock .panel {
      bottom: auto;
      top: 72px;
    }
    /* Phones (and desktops zoomed to 200 % or more): the panel takes the whole screen. */
    @media (max-width: 480px), (max-height: 480px) {
      .dock .panel,
      :host([corner]) .dock .panel {
        position: fixed;
        inset: 0;
        width: 100%;
        height: 100dvh;
        border: none;
        border-radius: 0;
        padding: env(safe-area-inset-top) env(safe-area-inset-right) env(safe-area-inset-bottom) env(safe-area-inset-left);
      }
      :host([open]) .launcher {
        display: none;
      }
    }
    .header {
      display: flex;
      flex: none;
      align-items: center;
      gap: 4px;
      padding: 4px;
      border-bottom: 1px solid var(--_border);
    }
    .header button {
      display: inline-grid;
      place-items: center;
    }
    .titles {
      flex: 1;
      min-width: 0;
      margin: 0 6px;
      display: flex;
      flex-direction: column;
    }
    h2 {
      font-size: 16px;
      margin: 0;
      white-space: nowrap;
      overflow: hidden;
      text-overflow: ellipsis;
    }
    .presence {
      font-size: 12px;
      display: flex;
      align-items: center;
      gap: 4px;
    }
    .online-dot {
      width: 8px;
      height: 8px;
      border-radius: 50%;
      background: #16a34a;
    }
    .status,
    .banner {
      flex: none;
      padding: 6px 12px;
      font-size: 13px;
      background: var(--_surface);
    }
    .body {
      flex: 1;
      min-height: 0;
      display: flex;
      flex-direction: column;
    }
    .body > * {
      flex: 1;
      min-height: 0;
    }
    .toast-slot {
      position: absolute;
      left: 12px;
      right: 12px;
      bottom: 84px;
      display: flex;
      justify-content: center;
      pointer-events: none;
    }
    .toast {
      pointer-events: auto;
      display: flex;
      align-items: center;
      gap: 8px;
      padding: 0 4px 0 14px;
      border-radius: 999px;
      background: var(--_text);
      color: var(--_bg);
      box-shadow: 0 4px 16px rgb(0 0 0 / 0.25);
    }
    .toast button {
      color: inherit;
      font-weight: 700;
      text-decoration: underline;
    }
    .toast button:hover {
      background: transparent;
    }
    .sentinel {
      position: absolute;
      width: 1px;
      height: 1px;
      overflow: hidden;
    }
    .center {
      text-align: center;
      padding: 24px;
    }
  `,
];
