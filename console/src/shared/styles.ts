import { css } from "lit";
import { base } from "../../../widget/src/shared/styles.js";

export { tokens } from "../../../widget/src/shared/styles.js";

/**
 * The console's pages: the widget's controls (`base`, reading the widget's design tokens, which
 * the shell declares) and the console's own layout: cards, tables that become lists on a phone,
 * fields with their hint and error beneath.
 */
export const page = [
  base,
  css`
    :host {
      display: block;
    }
    h1 {
      font-size: 1.5rem;
      margin: 0 0 16px;
    }
    h2 {
      font-size: 1.15rem;
      margin: 0 0 12px;
    }
    h3 {
      font-size: 1rem;
      margin: 0 0 8px;
    }
    .card {
      background: var(--_bg);
      border: 1px solid var(--_border);
      border-radius: var(--_radius);
      padding: 16px;
      margin-block-end: 16px;
    }
    .narrow {
      max-width: 440px;
      margin-inline: auto;
    }
    form {
      display: flex;
      flex-direction: column;
      gap: 14px;
    }
    .field {
      display: flex;
      flex-direction: column;
      gap: 4px;
    }
    .field > label,
    fieldset > legend {
      font-weight: 600;
    }
    fieldset {
      border: 1px solid var(--_border);
      border-radius: 8px;
      padding: 8px 12px 12px;
      margin: 0;
    }
    .checks {
      display: grid;
      grid-template-columns: repeat(auto-fill, minmax(210px, 1fr));
      gap: 2px 12px;
    }
    .checks label {
      display: flex;
      align-items: center;
      gap: 8px;
      min-height: 36px;
      font-family: ui-monospace, monospace;
      font-size: 0.9rem;
    }
    .checks input {
      width: 20px;
      height: 20px;
      min-height: 0;
      flex: none;
    }
    select {
      font: inherit;
      color: inherit;
      background: var(--_bg);
      border: 1px solid var(--_border);
      border-radius: 8px;
      padding: 8px;
      min-height: 44px;
    }
    [aria-invalid="true"] {
      border-color: var(--_danger);
      border-width: 2px;
    }
    .hint {
      color: var(--_muted);
      font-size: 0.875rem;
      margin: 0;
    }
    .field-error {
      color: var(--_danger);
      font-size: 0.875rem;
      font-weight: 600;
      margin: 0;
    }
    .alert {
      border: 2px solid var(--_danger);
      color: var(--_danger);
      border-radius: 8px;
      padding: 10px 12px;
      margin: 0 0 12px;
    }
    .notice {
      border: 1px solid var(--_border);
      background: var(--_surface);
      border-radius: 8px;
      padding: 10px 12px;
      margin: 0 0 12px;
    }
    .row {
      display: flex;
      flex-wrap: wrap;
      align-items: center;
      gap: 8px;
    }
    .spread {
      display: flex;
      flex-wrap: wrap;
      align-items: center;
      justify-content: space-between;
      gap: 8px;
    }
    .primary {
      font-weight: 600;
      padding-inline: 16px;
    }
    .secondary {
      border: 1px solid var(--_border);
    }
    .danger {
      color: var(--_danger);
      border: 1px solid var(--_danger);
    }
    code,
    .mono {
      font-family: ui-monospace, SFMono-Regular, Menlo, monospace;
      font-size: 0.9rem;
      overflow-wrap: anywhere;
    }
    .secret {
      display: flex;
      flex-wrap: wrap;
      gap: 8px;
      align-items: center;
      background: var(--_surface);
      border-radius: 8px;
      padding: 8px 12px;
    }
    ul.plain {
      list-style: none;
      margin: 0;
      padding: 0;
    }
    ul.plain > li {
      border-block-end: 1px solid var(--_surface);
      padding-block: 10px;
    }
    ul.plain > li:last-child {
      border-block-end: none;
    }
    table {
      width: 100%;
      border-collapse: collapse;
    }
    th,
    td {
      text-align: start;
      padding: 8px;
      border-block-end: 1px solid var(--_surface);
      vertical-align: top;
    }
    th {
      font-size: 0.875rem;
      color: var(--_muted);
    }
    /* A phone: each row of a table is a card of "heading: value" lines. */
    @media (max-width: 640px) {
      table.stack thead {
        position: absolute;
        width: 1px;
        height: 1px;
        overflow: hidden;
        clip-path: inset(50%);
      }
      table.stack tr {
        display: block;
        border-block-end: 1px solid var(--_border);
        padding-block: 6px;
      }
      table.stack td {
        display: flex;
        gap: 8px;
        border: none;
        padding: 4px 0;
      }
      table.stack td::before {
        content: attr(data-label);
        font-weight: 600;
        min-width: 110px;
      }
    }
    .pill {
      display: inline-block;
      border: 1px solid var(--_border);
      border-radius: 999px;
      padding: 0 8px;
      font-size: 0.8rem;
      line-height: 1.6;
    }
    .pill.failed {
      border-color: var(--_danger);
      color: var(--_danger);
    }
    pre {
      background: var(--_surface);
      border-radius: 8px;
      padding: 10px;
      overflow: auto;
      max-height: 320px;
      font-size: 0.85rem;
      margin: 0;
    }
    /* A record's facts: names and values side by side, one under the other on a phone. */
    .facts {
      display: grid;
      grid-template-columns: minmax(120px, max-content) 1fr;
      gap: 8px 16px;
      margin: 0;
    }
    .facts dt {
      font-weight: 600;
    }
    .facts dd {
      margin: 0;
      overflow-wrap: anywhere;
    }
    @media (max-width: 640px) {
      .facts {
        grid-template-columns: 1fr;
        gap: 2px;
      }
    }
  `,
];

/**
 * A settings form (the settings, e-mail, agents and agent-settings pages): fields one under another, and
 * checkboxes with their label beside them and the hint under the label.
 */
export const settingsForm = css`
  fieldset {
    display: flex;
    flex-direction: column;
    gap: 14px;
    /* A fieldset is as wide as its widest content by default: long options would widen the page on a phone. */
    min-inline-size: 0;
  }
  select {
    max-inline-size: 100%;
  }
  .check {
    display: grid;
    grid-template-columns: auto 1fr;
    column-gap: 10px;
    align-items: center;
  }
  .check input {
    width: 22px;
    height: 22px;
    min-height: 0;
    margin: 0;
  }
  .check label {
    font-weight: 600;
  }
  .check .hint {
    grid-column: 2;
  }
  .error {
    color: var(--_danger);
    font-weight: 600;
    margin: 0;
  }
`;
