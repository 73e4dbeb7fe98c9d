import { LitElement, css, html, nothing } from "lit";
import type { User } from "@parley/sdk";
import { EN, type Strings } from "../i18n/i18n.js";
import { MENTION_EN, type MentionStrings } from "./parley-mention.strings.js";

/** At most this many people are offered at once. */
const MAX = 8;

/** `@` at the start or after a space, then what has been typed of a name (up to the caret). */
const TYPED = /(?:^|\s)@([^@\n]{0,40})$/;

/**
 * The picker's styles, added to the shadow root it is drawn in (its list must share a tree with
 * the message box, for aria-activedescendant): a constructable stylesheet, so a strict CSP holds.
 */
const sheet = css`
  form {
    position: relative;
  }
  .mention-list {
    position: absolute;
    left: 8px;
    right: 8px;
    bottom: 100%;
    z-index: 2;
    margin: 0 0 4px;
    padding: 4px;
    list-style: none;
    max-height: 240px;
    overflow: auto;
    background: var(--_bg);
    border: 1px solid var(--_border);
    border-radius: 8px;
    box-shadow: 0 4px 16px rgb(0 0 0 / 0.2);
  }
  .mention-list li {
    display: flex;
    align-items: center;
    min-height: 44px;
    padding: 0 12px;
    border-radius: 6px;
    cursor: pointer;
    overflow-wrap: anywhere;
  }
  .mention-list li:hover {
    background: var(--_surface);
  }
  .mention-list [aria-selected="true"] {
    background: var(--_accent);
    color: var(--_on-accent);
  }
`.styleSheet;

/**
 * The mention picker of a composer: typing `@` in the form's message box offers the people given
 * in `users` (but the visitor), filtered by what follows the `@` (the start of any word of their
 * name), in alphabetical order. The message box becomes an ARIA combobox and this its listbox: ArrowDown and ArrowUp
 * move through the people, Enter or Tab picks one, Escape closes the list; a click or tap picks
 * too. Picking writes `@Display Name ` in place of what was typed and remembers who it was; at
 * send, `take(text)` answers the ids of those still named in the text.
 *
 * A lazy chunk: `<parley-thread>` imports it when its message box first gets an `@`;
 * `<parley-replies>` (itself lazy) imports it with its own code. It draws in the light DOM, inside
 * the composer's form: no shadow root of its own.
 *
 * @csspart mention-list - the list of people to mention (role=listbox)
 * @csspart mention-option - one person (role=option; aria-selected on the one Enter picks)
 */
export class ParleyMention extends LitElement {
  static override properties = {
    users: { attribute: false },
    me: { attribute: false },
    t: { attribute: false },
    options: { state: true },
    index: { state: true },
  };
  /** Who may be mentioned: the conversation's members. */
  users: User[] | undefined;
  /** The visitor's id: never offered. */
  me: string | undefined;
  /** The widget's strings; this picker's own are taken from them when the host set them. */
  t: Strings & Partial<MentionStrings> = EN;
  /** The people offered now; none: the list is closed. */
  options: User[] = [];
  /** The option that Enter picks. */
  index = 0;
  private ta: HTMLTextAreaElement | null | undefined;
  /** Where the `@` being completed is in the text (-1: none). */
  private at = -1;
  /** An `@` whose list Escape closed, or whose person was picked: it stays closed until another `@`. */
  private dismissed = -1;
  /** Id -> display name of the people picked since the last send. */
  private readonly picked = new Map<string, string>();

  /** The ids of the people picked whose `@Name` is still in `text` (a send): forgets them all. */
  take(text: string): string[] {
    const ids = [...this.picked].filter(([, name]) => text.includes(`@${name}`)).map(([id]) => id);
    this.picked.clear();
    this.dismissed = -1;
    return ids;
  }

  protected override createRenderRoot(): HTMLElement {
    return this;
  }

  override connectedCallback(): void {
    super.connectedCallback();
    const form = this.closest("form");
    const root = this.getRootNode() as ShadowRoot;
    if (sheet && !root.adoptedStyleSheets?.includes(sheet)) root.adoptedStyleSheets = [...root.adoptedStyleSheets, sheet];
    this.ta = form?.querySelector("textarea");
    form?.addEventListener("keydown", this.onKey, true);
    form?.addEventListener("input", this.sync);
    form?.addEventListener("keyup", this.sync);
    this.ta?.addEventListener("blur", this.close);
    this.ta?.setAttribute("role", "combobox");
    this.ta?.setAttribute("aria-autocomplete", "list");
  }

  protected override firstUpdated(): void {
    // Loaded by the first "@": there may be one waiting already (properties set before this
    // element was defined are its own from its first update on).
    this.sync();
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    const form = this.closest("form");
    form?.removeEventListener("keydown", this.onKey, true);
    form?.removeEventListener("input", this.sync);
    form?.removeEventListener("keyup", this.sync);
    this.ta?.removeEventListener("blur", this.close);
  }

  /** Offers the people whose name starts (at any word) with what follows the `@` before the caret. */
  private sync = (): void => {
    const ta = this.ta;
    if (!ta) return;
    const before = ta.value.slice(0, ta.selectionStart);
    const typed = TYPED.exec(before)?.[1];
    const at = typed === undefined ? -1 : before.length - typed.length - 1;
    if (at !== this.dismissed) this.dismissed = -1;
    const q = ` ${typed?.toLowerCase()}`;
    const next =
      at < 0 || at === this.dismissed
        ? []
        : (this.users ?? [])
            .filter((u) => u.id !== this.me && ` ${u.displayName.toLowerCase()}`.includes(q))
            .sort((a, b) => a.displayName.localeCompare(b.displayName))
            .slice(0, MAX);
    if (next.length !== this.options.length || next.some((u, i) => u.id !== this.options[i]?.id)) this.index = 0;
    this.at = at;
    this.options = next;
  };

  private close = (): void => {
    this.options = [];
  };

  /** On the form, capturing: while the list is open its keys never reach the message box (Enter does not send). */
  private onKey = (e: KeyboardEvent): void => {
    const n = this.options.length;
    if (!n || e.target !== this.ta || e.isComposing) return;
    if (e.key === "ArrowDown" || e.key === "ArrowUp") this.index = (this.index + (e.key === "ArrowDown" ? 1 : n - 1)) % n;
    else if (e.key === "Enter" || e.key === "Tab") this.pick(this.options[this.index]!);
    else if (e.key === "Escape") {
      this.dismissed = this.at;
      this.close();
    } else return;
    e.preventDefault();
    e.stopPropagation();
  };

  private pick(u: User): void {
    const ta = this.ta!;
    ta.setRangeText(`@${u.displayName} `, this.at, ta.selectionStart, "end");
    this.picked.set(u.id, u.displayName);
    // Done with this "@" (else "@Ann " would offer "Ann Lee" next, and Enter would pick her).
    this.dismissed = this.at;
    this.close();
    ta.focus();
    // The composer grows to fit, and says it is typing.
    ta.dispatchEvent(new Event("input", { bubbles: true }));
  }

  protected override updated(): void {
    const ta = this.ta;
    if (!ta) return;
    const open = this.options.length > 0;
    ta.setAttribute("aria-expanded", String(open));
    for (const [name, value] of [
      ["aria-controls", "mention-list"],
      ["aria-activedescendant", `mention-${this.index}`],
    ] as const)
      if (open) ta.setAttribute(name, value);
      else ta.removeAttribute(name);
  }

  override render() {
    const o = this.options;
    return o.length
      ? html`<ul id="mention-list" part="mention-list" class="mention-list" role="listbox" aria-label=${this.t.mentionList ?? MENTION_EN.mentionList}
          @mousedown=${(e: Event) => e.preventDefault()}>
          ${o.map((u, i) => html`<li id="mention-${i}" part="mention-option" role="option" aria-selected=${i === this.index} @click=${() => this.pick(u)}>${u.displayName}</li>`)}
        </ul>`
      : nothing;
  }
}

customElements.get("parley-mention") || customElements.define("parley-mention", ParleyMention);

declare global {
  interface HTMLElementTagNameMap {
    "parley-mention": ParleyMention;
  }
}
