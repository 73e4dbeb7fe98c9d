import { css } from "lit";

/** A poll's card, drawn inside a message's bubble (the thread's shadow root adopts it). */
export const sheet = css`
  .poll {
    border: 0;
    margin: 6px 0 0;
    padding: 0;
    min-inline-size: min(260px, 60vw);
  }
  .poll p {
    margin: 2px 0;
    font-size: 13px;
  }
  .poll .muted {
    color: inherit;
    opacity: 0.85;
  }
  .poll-opt {
    display: grid;
    grid-template-columns: auto 1fr;
    column-gap: 8px;
    align-items: center;
    padding-block: 4px;
    cursor: pointer;
  }
  .poll-opt input {
    inline-size: 20px;
    block-size: 20px;
    min-height: 0;
    margin: 0;
    accent-color: currentColor;
  }
  .poll-opt .count {
    font-size: 13px;
    font-variant-numeric: tabular-nums;
    justify-self: end;
  }
  .poll-opt .text {
    display: flex;
    justify-content: space-between;
    gap: 8px;
    overflow-wrap: anywhere;
  }
  .poll-opt .bar {
    grid-column: 2;
    block-size: 6px;
    border-radius: 3px;
    background: color-mix(in srgb, currentColor 20%, transparent);
    overflow: hidden;
  }
  .poll-opt .bar span {
    display: block;
    block-size: 100%;
    background: currentColor;
  }
  .poll button {
    color: inherit;
    text-decoration: underline;
    padding-inline: 4px;
  }
  .poll details {
    font-size: 13px;
  }
  .poll summary {
    cursor: pointer;
    padding-block: 6px;
  }
  .poll ul {
    margin: 0;
    padding-inline-start: 18px;
  }
`.styleSheet!;
