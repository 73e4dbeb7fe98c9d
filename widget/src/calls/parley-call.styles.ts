import { css } from "lit";
import { base } from "../shared/styles.js";

/**
 * `<parley-call>`: over the panel, where the panel sits (launcher mode: its corner, its size;
 * inline: the element's box), the whole screen on a phone. Logical properties throughout, so a
 * right-to-left language mirrors it; the tokens are `<parley-chat>`'s (light and dark).
 */
export const callStyles = [
  base,
  css`
    :host {
      all: initial;
      position: fixed;
      /* Over the panel (which comes after it, at the same level). */
      z-index: calc(var(--_z) + 1);
      right: var(--_offset);
      bottom: calc(var(--_offset) + 72px);
      width: min(370px, calc(100vw - 2 * var(--_offset)));
      height: min(600px, calc(100dvh - 92px - var(--_offset)));
      font-family: var(--_font);
      font-size: 14px;
      line-height: 1.4;
      color: var(--_text);
    }
    :host([hidden]) {
      display: none;
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
      inset: 0;
      width: auto;
      height: auto;
    }
    /* A group call's grid wants room: wider on a desktop (a phone takes the whole screen anyway). */
    @media (min-width: 481px) and (min-height: 481px) {
      :host([group]:not([inline])) {
        width: min(720px, calc(100vw - 2 * var(--_offset)));
      }
    }
    @media (max-width: 480px), (max-height: 480px) {
      :host(:not([inline])) {
        position: fixed;
        inset: 0;
        width: 100%;
        height: 100dvh;
      }
    }
    .call {
      box-sizing: border-box;
      display: flex;
      flex-direction: column;
      height: 100%;
      background: var(--_bg);
      border: 1px solid var(--_border);
      border-radius: var(--_radius);
      overflow: hidden;
      box-shadow: 0 12px 40px rgb(0 0 0 / 0.3);
      text-align: start;
    }
    @media (max-width: 480px), (max-height: 480px) {
      :host(:not([inline])) .call {
        border: none;
        border-radius: 0;
        padding: env(safe-area-inset-top) env(safe-area-inset-right) env(safe-area-inset-bottom) env(safe-area-inset-left);
      }
    }
    .stage {
      position: relative;
      flex: 1;
      min-height: 0;
      display: grid;
      place-items: center;
      background: var(--_surface);
    }
    .stage.video {
      background: #000;
    }
    video {
      display: block;
    }
    .remote {
      position: absolute;
      inset: 0;
      width: 100%;
      height: 100%;
      object-fit: cover;
    }
    .gone {
      display: none;
    }
    /* The local camera: a small tile in a corner (picture in picture), at the end of the line. */
    .local {
      position: absolute;
      inset-block-start: 12px;
      inset-inline-end: 12px;
      width: 28%;
      max-width: 140px;
      aspect-ratio: 3 / 4;
      object-fit: cover;
      border-radius: 10px;
      border: 2px solid var(--_bg);
      background: #000;
      box-shadow: 0 4px 12px rgb(0 0 0 / 0.35);
    }
    .stage .avatar {
      width: 96px;
      height: 96px;
      font-size: 36px;
      border-radius: 50%;
      display: grid;
      place-items: center;
      background: var(--_accent);
      color: var(--_on-accent);
      font-weight: 600;
    }
    .info {
      padding: 12px 16px 4px;
      text-align: center;
    }
    h2 {
      font-size: 18px;
      margin: 0;
      overflow-wrap: anywhere;
    }
    .status {
      margin: 2px 0 0;
      color: var(--_muted);
      font-variant-numeric: tabular-nums;
    }
    .error {
      margin: 8px 16px 0;
      padding: 8px 12px;
      border-radius: 8px;
      border: 1px solid var(--_danger);
      color: var(--_text);
    }
    .controls {
      display: flex;
      flex-wrap: wrap;
      justify-content: center;
      gap: 12px;
      padding: 12px 16px 16px;
    }
    .controls button {
      display: inline-flex;
      align-items: center;
      gap: 6px;
      min-width: 52px;
      min-height: 52px;
      border-radius: 999px;
      border: 1px solid var(--_border);
      background: var(--_bg);
    }
    .controls button[aria-pressed="true"] {
      background: var(--_text);
      color: var(--_bg);
    }
    .controls .end {
      background: #b91c1c;
      border-color: #b91c1c;
      color: #fff;
    }
    .controls .answer {
      background: #15803d;
      border-color: #15803d;
      color: #fff;
    }
    .controls .end:hover {
      background: #991b1b;
    }
    .controls .answer:hover {
      background: #166534;
    }
    /* A group call: one tile per participant, as many columns as suit their number and the stage's shape. */
    .stage:has(.grid) {
      container-type: size;
      place-items: stretch;
    }
    .grid {
      --cols: 1;
      box-sizing: border-box;
      display: grid;
      grid-template-columns: repeat(var(--cols), minmax(0, 1fr));
      grid-auto-rows: minmax(0, 1fr);
      gap: 6px;
      margin: 0;
      padding: 6px;
      list-style: none;
      inline-size: 100%;
      block-size: 100%;
    }
    .grid:is([data-n="4"], [data-n="6"], [data-n="9"]) {
      --cols: 2;
    }
    .grid[data-n="many"] {
      --cols: 3;
    }
    @container (orientation: landscape) {
      .grid[data-n="2"] {
        --cols: 2;
      }
      .grid[data-n="6"],
      .grid[data-n="9"] {
        --cols: 3;
      }
      .grid[data-n="many"] {
        --cols: 5;
      }
    }
    .tile {
      position: relative;
      display: grid;
      place-items: center;
      min-block-size: 0;
      overflow: hidden;
      border-radius: 10px;
      background: #1f2937;
    }
    .tile[data-speaking] {
      outline: 3px solid var(--_accent);
      outline-offset: -3px;
    }
    .tile video {
      position: absolute;
      inset: 0;
      width: 100%;
      height: 100%;
      object-fit: cover;
    }
    .tile .avatar {
      width: min(72px, 40cqmin);
      height: min(72px, 40cqmin);
      font-size: min(28px, 14cqmin);
    }
    .tile .name {
      position: absolute;
      inset-block-end: 6px;
      inset-inline-start: 6px;
      max-inline-size: calc(100% - 12px);
      display: inline-flex;
      align-items: center;
      gap: 4px;
      padding: 2px 8px;
      border-radius: 6px;
      background: rgb(0 0 0 / 0.65);
      color: #fff;
      font-size: 12px;
      white-space: nowrap;
      overflow: hidden;
      text-overflow: ellipsis;
    }
    .name .icon {
      width: 14px;
      height: 14px;
    }
    /* The devices menu: a labelled choice a line, above the buttons. */
    .devices {
      display: grid;
      gap: 8px;
      margin: 8px 16px 0;
    }
    .pick {
      display: grid;
      gap: 2px;
      font-size: 13px;
      color: var(--_muted);
    }
    .pick select {
      min-height: 40px;
      font: inherit;
      font-size: 14px;
      color: var(--_text);
      background: var(--_bg);
      border: 1px solid var(--_border);
      border-radius: 8px;
      padding-inline: 8px;
    }
    .icon {
      width: 22px;
      height: 22px;
      flex: none;
    }
  `,
];
