import { css } from "lit";

/** A voice message's player, drawn inside a message's bubble (the thread's shadow root adopts it). */
export const playerSheet = css`
  .voice {
    display: grid;
    grid-template-columns: auto minmax(96px, 1fr) auto auto;
    align-items: center;
    column-gap: 8px;
    min-inline-size: min(260px, 62vw);
    margin-block: 2px;
  }
  .vp-play,
  .vp-speed {
    min-inline-size: 40px;
    min-height: 40px;
    padding: 0 8px;
    border: 1px solid currentColor;
    border-radius: 20px;
    background: transparent;
    color: inherit;
    font: inherit;
    font-size: 13px;
    font-variant-numeric: tabular-nums;
    display: inline-flex;
    align-items: center;
    justify-content: center;
    cursor: pointer;
  }
  .vp-wave {
    block-size: 32px;
    cursor: pointer;
    touch-action: none;
    border-radius: 4px;
  }
  .vp-wave svg {
    display: block;
    inline-size: 100%;
    block-size: 100%;
  }
  .vp-wave:dir(rtl) svg {
    transform: scaleX(-1);
  }
  .vp-wave rect.on {
    fill: currentColor;
  }
  .vp-wave rect.off {
    fill: none;
    stroke: currentColor;
    stroke-width: 0.7;
    opacity: 0.8;
  }
  .vp-wave .head {
    stroke: currentColor;
    stroke-width: 1.2;
    vector-effect: non-scaling-stroke;
  }
  .vp-play:focus-visible,
  .vp-speed:focus-visible,
  .vp-wave:focus-visible {
    outline: 2px solid var(--_focus);
    outline-offset: 2px;
  }
  .vp-time {
    font-size: 12px;
    font-variant-numeric: tabular-nums;
    white-space: nowrap;
  }
`.styleSheet!;

/** The recorder over the composer. */
export const recorderStyles = css`
  :host {
    position: absolute;
    inset-inline: 8px;
    inset-block-end: 64px;
    z-index: 5;
    display: flex;
    justify-content: center;
  }
  [role="dialog"] {
    inline-size: min(100%, 400px);
    max-block-size: var(--_room, 70vh);
    overflow: auto;
    display: flex;
    flex-direction: column;
    gap: 12px;
    padding: 14px;
    background: var(--_bg);
    color: var(--_text);
    border: 1px solid var(--_border);
    border-radius: 12px;
    box-shadow: 0 6px 24px rgb(0 0 0 / 0.25);
  }
  h2 {
    font-size: 16px;
    margin: 0;
  }
  p {
    margin: 0;
  }
  .clock {
    display: flex;
    align-items: baseline;
    gap: 8px;
    font-variant-numeric: tabular-nums;
  }
  .clock strong {
    font-size: 22px;
  }
  .rec {
    inline-size: 10px;
    block-size: 10px;
    border-radius: 50%;
    background: var(--_danger);
    align-self: center;
  }
  .muted {
    color: var(--_muted);
  }
  meter {
    inline-size: 100%;
    block-size: 14px;
  }
  audio {
    inline-size: 100%;
  }
  .end {
    display: flex;
    gap: 8px;
    justify-content: flex-end;
    flex-wrap: wrap;
  }
  .error {
    color: var(--_danger);
  }
`;
