import { LitElement, css, html } from "lit";
import type { Strings } from "../i18n/i18n.js";
import { base } from "../shared/styles.js";
import type { ComposerHost } from "../shared/composer-host.js";
import { voiceType } from "../voice/voice-types.js";
import { TOOLS_EN, type ToolsStrings } from "./parley-tools.strings.js";

/** What a tool's chunk offers: it opens over the composer whose "+" was pressed. */
interface Tool {
  open(host: ComposerHost, anchor: HTMLElement): void;
}

/** The menu's items, each a chunk of its own fetched when picked, and whether this browser can do it (else it is not offered). */
const TOOLS: [label: keyof ToolsStrings, icon: string, load: () => Promise<Tool>, can: () => unknown][] = [
  ["toolPoll", "📊", () => import("../polls/poll-form.js"), () => true],
  ["toolVoice", "🎙️", () => import("../voice/voice-recorder.js"), voiceType],
];

/**
 * The composer's "+" menu: a poll or a voice message. A menu of buttons (↑ ↓ Home End move,
 * Escape or a press outside closes it and the focus goes back to the "+").
 *
 * @csspart tools - the menu
 * @csspart tool - one of its items
 */
export class ParleyTools extends LitElement {
  static override styles = [
    base,
    css`
      :host {
        position: absolute;
        inset-inline-start: 8px;
        inset-block-end: 64px;
        z-index: 5;
      }
      [role="menu"] {
        display: flex;
        flex-direction: column;
        padding: 4px;
        background: var(--_bg);
        color: var(--_text);
        border: 1px solid var(--_border);
        border-radius: 12px;
        box-shadow: 0 6px 24px rgb(0 0 0 / 0.25);
      }
      button {
        display: flex;
        gap: 10px;
        align-items: center;
        min-block-size: 44px;
        padding-inline: 12px;
        border: 0;
        border-radius: 8px;
        background: none;
        color: inherit;
        font: inherit;
        text-align: start;
        cursor: pointer;
      }
      button:hover,
      button:focus-visible {
        background: var(--_hover, rgb(127 127 127 / 0.15));
      }
    `,
  ];
  t: Strings & Partial<ToolsStrings> = TOOLS_EN as Strings & ToolsStrings;
  host_: ComposerHost | null = null;
  opener: HTMLElement | null = null;

  override connectedCallback(): void {
    super.connectedCallback();
    document.addEventListener("pointerdown", this.outside, true);
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    document.removeEventListener("pointerdown", this.outside, true);
  }

  override firstUpdated(): void {
    this.items()[0]?.focus();
  }

  close(refocus = true): void {
    this.remove();
    if (refocus) this.opener?.focus();
  }

  private items(): HTMLButtonElement[] {
    return [...(this.shadowRoot?.querySelectorAll("button") ?? [])];
  }

  private outside = (e: Event): void => {
    if (!e.composedPath().includes(this) && !e.composedPath().includes(this.opener!)) this.close(false);
  };

  private onKey = (e: KeyboardEvent): void => {
    const items = this.items();
    const i = items.indexOf(this.shadowRoot!.activeElement as HTMLButtonElement);
    const to = { ArrowDown: i + 1, ArrowUp: i - 1, Home: 0, End: items.length - 1 }[e.key];
    if (to !== undefined) {
      e.preventDefault();
      items[(to + items.length) % items.length]?.focus();
    } else if (e.key === "Escape" || e.key === "Tab") {
      e.preventDefault();
      e.stopPropagation();
      this.close();
    }
  };

  private pick(load: () => Promise<Tool>): void {
    const host = this.host_!;
    const opener = this.opener!;
    this.close(false);
    load().then(
      (tool) => tool.open(host, opener),
      () => host.emit("parley-notice", host.t.loadFailed),
    );
  }

  override render() {
    const t = { ...TOOLS_EN, ...this.t };
    return html`<div part="tools" role="menu" aria-label=${t.tools} @keydown=${this.onKey}>${TOOLS.filter(([, , , can]) => can()).map(
      ([label, icon, load]) =>
        html`<button part="tool" role="menuitem" tabindex="-1" @click=${() => this.pick(load)}><span aria-hidden="true">${icon}</span>${t[label]}</button>`,
    )}</div>`;
  }
}

customElements.get("parley-tools") || customElements.define("parley-tools", ParleyTools);

/** Opens the menu over `host`'s composer (pressing "+" again closes it). */
export function open(host: ComposerHost, opener: HTMLElement): void {
  const root = host.shadowRoot!;
  const shown = root.querySelector("parley-tools");
  if (shown) return shown.close();
  const form = root.querySelector("form")?.getBoundingClientRect();
  const menu = Object.assign(document.createElement("parley-tools"), { t: host.t, host_: host, opener });
  if (form) menu.style.insetBlockEnd = `${host.getBoundingClientRect().bottom - form.top + 4}px`;
  root.append(menu);
}

declare global {
  interface HTMLElementTagNameMap {
    "parley-tools": ParleyTools;
  }
}
