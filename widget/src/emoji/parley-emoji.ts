import { LitElement, html, nothing, type PropertyValues, type TemplateResult } from "lit";
import { EN, format, locale, type Strings } from "../i18n/i18n.js";
import { EMOJI_EN, type EmojiStrings } from "./parley-emoji.strings.js";
import { emojiStyles } from "./parley-emoji.styles.js";

/** [emoji, group, name, keywords joined by "|", its five skin-tone variants light to dark?] */
type Row = [string, number, string, string, string[]?];

/**
 * The datasets, one chunk per locale (made at build time by scripts/build/emoji-data.mjs): a
 * visitor fetches their language's when the picker first opens, never before.
 */
const DATA: Record<string, () => Promise<{ default: Row[] }>> = {
  en: () => import("virtual:parley-emoji/en"),
  ar: () => import("virtual:parley-emoji/ar"),
  de: () => import("virtual:parley-emoji/de"),
  es: () => import("virtual:parley-emoji/es"),
  fr: () => import("virtual:parley-emoji/fr"),
  he: () => import("virtual:parley-emoji/he"),
  hi: () => import("virtual:parley-emoji/hi"),
  it: () => import("virtual:parley-emoji/it"),
  ja: () => import("virtual:parley-emoji/ja"),
  ko: () => import("virtual:parley-emoji/ko"),
  nl: () => import("virtual:parley-emoji/nl"),
  pl: () => import("virtual:parley-emoji/pl"),
  "pt-BR": () => import("virtual:parley-emoji/pt-BR"),
  ru: () => import("virtual:parley-emoji/ru"),
  tr: () => import("virtual:parley-emoji/tr"),
  "zh-CN": () => import("virtual:parley-emoji/zh-CN"),
};

/** The dataset for a language tag: the tag's own, else its language's ("pt-PT" reads pt-BR), else English. */
export function datasetFor(tag: string): string {
  const codes = Object.keys(DATA);
  const lang = tag.split("-")[0]!.toLowerCase();
  return codes.find((c) => c.toLowerCase() === tag.toLowerCase()) ?? codes.find((c) => c.split("-")[0] === lang) ?? "en";
}

/** A dataset and its search index, fetched once per page. */
interface Dataset {
  rows: Row[];
  /** Each row's name, and its name and keywords, folded for search. */
  names: string[];
  words: string[];
}
const datasets = new Map<string, Promise<Dataset>>();
function dataset(code: string): Promise<Dataset> {
  let p = datasets.get(code);
  if (!p) {
    p = DATA[code]!().then(({ default: rows }) => ({ rows, names: rows.map((r) => fold(r[2])), words: rows.map((r) => fold(`${r[2]}|${r[3]}`)) }));
    // A failed fetch (offline) is tried again at the next opening.
    p.catch(() => datasets.delete(code));
    datasets.set(code, p);
  }
  return p;
}

/** Case and accents folded: "Corazón" is found by "corazon". */
const fold = (s: string): string => s.toLocaleLowerCase(locale).normalize("NFD").replace(/\p{M}/gu, "");

/** The categories in order, each with its string and the emoji its button shows (Unicode's group 2, skin components, is left out). */
const GROUPS: Array<[group: number, key: keyof EmojiStrings, icon: string]> = [
  [0, "emojiSmileys", "😀"],
  [1, "emojiPeople", "👋"],
  [3, "emojiAnimals", "🐱"],
  [4, "emojiFood", "🍎"],
  [5, "emojiTravel", "🚗"],
  [6, "emojiActivities", "⚽"],
  [7, "emojiObjects", "💡"],
  [8, "emojiSymbols", "🔣"],
  [9, "emojiFlags", "🏁"],
];
const SKINS: Array<keyof EmojiStrings> = ["skinDefault", "skinLight", "skinMediumLight", "skinMedium", "skinMediumDark", "skinDark"];
const TONES = ["", "\u{1F3FB}", "\u{1F3FC}", "\u{1F3FD}", "\u{1F3FE}", "\u{1F3FF}"];

/** What the picker remembers in this browser: the skin tone, and the emoji picked last (newest first). */
const SKIN_KEY = "parley:emoji-skin";
const RECENT_KEY = "parley:emoji-recent";
const MAX_RECENT = 24;
/** localStorage, when the browser allows it (blocked storage throws even on read): else nothing is remembered. */
const store = {
  get(key: string): string | null {
    try {
      return localStorage.getItem(key);
    } catch {
      return null;
    }
  },
  set(key: string, value: string): void {
    try {
      localStorage.setItem(key, value);
    } catch {
      /* not remembered */
    }
  },
};
function recents(): string[] {
  try {
    const v: unknown = JSON.parse(store.get(RECENT_KEY) ?? "[]");
    return Array.isArray(v) ? v.filter((x): x is string => typeof x === "string").slice(0, MAX_RECENT) : [];
  } catch {
    return [];
  }
}

interface Section {
  id: string;
  label: string;
  icon: string;
  rows: Row[];
  /** The index of its first emoji among all those shown. */
  start: number;
}

/**
 * The emoji picker (issue 33): a panel over the conversation with a search box (by name and
 * keyword in the visitor's language), a skin-tone choice, a button per category, and the emoji
 * under their category's heading, the recently used first. The list is a listbox that keeps the
 * focus and points at its active emoji (`aria-activedescendant`): the arrow keys move through
 * the grid (by row for up and down), Home and End, Enter or Space picks; ArrowDown or Enter in
 * the search box goes to the results. Each emoji is named in the visitor's language; how many a
 * search found is announced. Escape closes it and gives the focus back to what opened it; so does
 * picking, unless the one who opened it moves the focus. The skin tone and the recently used
 * are kept in this browser (localStorage; nothing is kept when storage is blocked).
 *
 * A chunk of its own, imported the first time a visitor opens it (the composer's emoji button,
 * a message's "+" reaction button); its dataset is another chunk, one per language. Open it with
 * `openPicker`.
 *
 * @csspart emoji-picker - the panel (role=dialog)
 * @csspart emoji-search - the search box
 * @csspart emoji-skin - the skin tone menu
 * @csspart emoji-categories - the row of category buttons
 * @csspart emoji-list - the emoji (role=listbox)
 */
export class ParleyEmoji extends LitElement {
  static override properties = {
    t: { attribute: false },
    data: { state: true },
    query: { state: true },
    tone: { state: true },
    failed: { state: true },
  };
  static override styles = emojiStyles;
  /** The widget's strings; the picker's own are taken from them when the visitor's language (or the host) has them. */
  t: Strings & Partial<EmojiStrings> = EN;
  /** Called with the emoji picked (skin tone applied). */
  onPick: (emoji: string) => void = () => undefined;
  /** What opened the picker: the focus goes back to it. */
  opener: HTMLElement | null = null;
  data: Dataset | null = null;
  query = "";
  tone = Math.min(5, Math.max(0, Number(store.get(SKIN_KEY)) || 0));
  failed = false;
  /** The active emoji's index among those shown (Enter picks it). */
  private active = 0;
  private shown: Row[] = [];
  private sections: Section[] = [];

  override connectedCallback(): void {
    super.connectedCallback();
    this.load();
    document.addEventListener("pointerdown", this.outside, true);
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    document.removeEventListener("pointerdown", this.outside, true);
  }

  /** Closes the picker; `refocus`: the focus goes back to its opener. */
  close(refocus = true): void {
    this.remove();
    if (refocus) this.opener?.focus();
  }

  private load(): void {
    this.failed = false;
    dataset(datasetFor(locale)).then(
      (d) => (this.data = d),
      () => (this.failed = true),
    );
  }

  private get s(): Strings & EmojiStrings {
    return { ...EMOJI_EN, ...this.t };
  }

  private glyph(r: Row): string {
    return (this.tone && r[4]?.[this.tone - 1]) || r[0];
  }

  /** What a search finds: every word typed is in the name or a keyword; names that start with it first, then names that hold it. */
  private search(d: Dataset, q: string): Row[] {
    const words = fold(q).split(/\s+/).filter(Boolean);
    const whole = words.join(" ");
    const rank = (i: number): number => (d.names[i]!.startsWith(whole) ? 0 : words.every((w) => d.names[i]!.includes(w)) ? 1 : 2);
    const hits: number[] = [];
    d.words.forEach((w, i) => words.every((x) => w.includes(x)) && hits.push(i));
    return hits
      .map((i) => [rank(i), i] as const)
      .sort((a, b) => a[0] - b[0] || a[1] - b[1])
      .map(([, i]) => d.rows[i]!);
  }

  private buildSections(d: Dataset): Section[] {
    const s = this.s;
    const out: Array<Omit<Section, "start">> = [];
    if (this.query.trim()) out.push({ id: "results", label: s.emojiResults, icon: "", rows: this.search(d, this.query) });
    else {
      const byEmoji = new Map(d.rows.map((r) => [r[0], r]));
      const recent = recents()
        .map((e) => byEmoji.get(e))
        .filter((r): r is Row => !!r);
      if (recent.length) out.push({ id: "recent", label: s.emojiRecent, icon: "🕘", rows: recent });
      for (const [g, key, icon] of GROUPS) out.push({ id: `g${g}`, label: s[key], icon, rows: d.rows.filter((r) => r[1] === g) });
    }
    let start = 0;
    return out.map((x) => {
      const sec = { ...x, start };
      start += x.rows.length;
      return sec;
    });
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (this.data && (changed.has("data") || changed.has("query"))) {
      this.sections = this.buildSections(this.data);
      this.shown = this.sections.flatMap((x) => x.rows);
      this.active = 0;
    }
  }

  protected override firstUpdated(): void {
    this.renderRoot.querySelector("input")?.focus();
  }

  protected override updated(): void {
    this.mark();
  }

  /** Points the list at its active emoji (no re-render: the list may hold 1,900). */
  private mark(scroll = false): void {
    const list = this.list();
    if (!list) return;
    list.querySelector('[aria-selected="true"]')?.setAttribute("aria-selected", "false");
    const el = list.querySelector(`#o${this.active}`);
    el?.setAttribute("aria-selected", "true");
    if (el) list.setAttribute("aria-activedescendant", el.id);
    else list.removeAttribute("aria-activedescendant");
    if (scroll) el?.scrollIntoView({ block: "nearest" });
    const sec = [...this.sections].reverse().find((x) => x.start <= this.active)?.id;
    for (const b of this.renderRoot.querySelectorAll<HTMLElement>(".cats button")) b.setAttribute("aria-current", String(b.dataset["id"] === sec));
  }

  private list(): HTMLElement | null {
    return this.renderRoot.querySelector<HTMLElement>("[role=listbox]");
  }

  private pick(i: number): void {
    const r = this.shown[i];
    if (!r) return;
    store.set(RECENT_KEY, JSON.stringify([r[0], ...recents().filter((e) => e !== r[0])].slice(0, MAX_RECENT)));
    this.close();
    this.onPick(this.glyph(r));
  }

  /** The option on the row above or below the active one, nearest to it across (rows break at each heading). */
  private vertical(dir: 1 | -1): number {
    const opts = [...(this.list()?.querySelectorAll<HTMLElement>("[role=option]") ?? [])];
    const cur = opts[this.active];
    if (!cur) return this.active;
    let best = this.active;
    let row: number | undefined;
    for (let i = this.active + dir; i >= 0 && i < opts.length; i += dir) {
      const o = opts[i]!;
      if (o.offsetTop === cur.offsetTop) continue;
      row ??= o.offsetTop;
      if (o.offsetTop !== row) break;
      if (best === this.active || Math.abs(o.offsetLeft - cur.offsetLeft) < Math.abs(opts[best]!.offsetLeft - cur.offsetLeft)) best = i;
    }
    return best;
  }

  private onListKey = (e: KeyboardEvent): void => {
    const n = this.shown.length;
    const rtl = getComputedStyle(this).direction === "rtl";
    let i = this.active;
    if (e.key === "ArrowRight" || e.key === "ArrowLeft") i += (e.key === "ArrowRight") !== rtl ? 1 : -1;
    else if (e.key === "ArrowDown" || e.key === "ArrowUp") i = this.vertical(e.key === "ArrowDown" ? 1 : -1);
    else if (e.key === "Home") i = 0;
    else if (e.key === "End") i = n - 1;
    else if (e.key === "Enter" || e.key === " ") {
      e.preventDefault();
      this.pick(i);
      return;
    } else {
      // Typing while on the list: back to the search box, which gets the letter.
      if (e.key.length === 1 && !e.ctrlKey && !e.metaKey && !e.altKey) this.renderRoot.querySelector("input")?.focus();
      return;
    }
    e.preventDefault();
    this.active = Math.max(0, Math.min(n - 1, i));
    this.mark(true);
  };

  private onSearchKey = (e: KeyboardEvent): void => {
    if (e.isComposing || !this.shown.length) return;
    if (e.key === "ArrowDown") {
      e.preventDefault();
      this.list()?.focus();
    } else if (e.key === "Enter") {
      e.preventDefault();
      this.pick(this.active);
    }
  };

  private onKey = (e: KeyboardEvent): void => {
    if (e.key !== "Escape") return;
    e.preventDefault();
    e.stopPropagation();
    this.close();
  };

  /** A pointer outside the picker (and not on its opener, which closes it itself) closes it. */
  private outside = (e: Event): void => {
    const path = e.composedPath();
    if (!path.includes(this) && !(this.opener && path.includes(this.opener))) this.close(false);
  };

  /** The focus leaving the picker (Tab past its end) closes it. */
  private onFocusOut = (e: FocusEvent): void => {
    const to = e.relatedTarget as Node | null;
    if (to && !this.shadowRoot!.contains(to) && to !== this) this.close(false);
  };

  private jump(sec: Section): void {
    this.active = sec.start;
    const list = this.list();
    const head = this.renderRoot.querySelector<HTMLElement>(`#h-${sec.id}`);
    if (list && head) list.scrollTop = head.offsetTop;
    this.mark();
    list?.focus({ preventScroll: true });
  }

  override render() {
    const s = this.s;
    const d = this.data;
    const q = this.query.trim();
    const count = this.shown.length;
    let body: TemplateResult;
    if (this.failed) body = html`<p class="note" role="alert">${s.loadFailed} <button type="button" @click=${() => this.load()}>${s.retry}</button></p>`;
    else if (!d) body = html`<p class="note muted" role="status">${s.loading}</p>`;
    else if (!count) body = html`<p class="note muted">${s.emojiNone}</p>`;
    else
      body = html`<div id="emoji-list" part="emoji-list" class="list" role="listbox" tabindex="0" aria-label=${s.emojiPicker}
        @keydown=${this.onListKey} @click=${(e: Event) => {
          const o = (e.target as Element).closest("[role=option]");
          if (o) this.pick(Number(o.id.slice(1)));
        }}>
        ${this.sections.map(
          (sec) => html`<div class="group" role="group" aria-labelledby="h-${sec.id}">
            <div class="heading" id="h-${sec.id}" aria-hidden="true">${sec.label}</div>
            ${sec.rows.map((r, j) => html`<div role="option" id="o${sec.start + j}" aria-selected="false" aria-label=${r[2]} title=${r[2]}>${this.glyph(r)}</div>`)}
          </div>`,
        )}
      </div>`;
    return html`<div part="emoji-picker" class="picker" role="dialog" aria-label=${s.emojiPicker} @keydown=${this.onKey} @focusout=${this.onFocusOut}>
      <div class="top">
        <input part="emoji-search" type="search" autocomplete="off" aria-label=${s.emojiSearch} placeholder=${s.emojiSearch}
          aria-controls=${d && count ? "emoji-list" : nothing} .value=${this.query}
          @input=${(e: Event) => (this.query = (e.target as HTMLInputElement).value)} @keydown=${this.onSearchKey} />
        <select part="emoji-skin" aria-label=${s.emojiSkin} @change=${(e: Event) => {
          this.tone = Number((e.target as HTMLSelectElement).value);
          store.set(SKIN_KEY, String(this.tone));
        }}>
          ${SKINS.map((k, i) => html`<option value=${i} ?selected=${i === this.tone} aria-label=${s[k]} title=${s[k]}>✋${TONES[i]}</option>`)}
        </select>
      </div>
      ${
        d && !q
          ? html`<div part="emoji-categories" class="cats" role="group" aria-label=${s.emojiCategories}>
            ${this.sections.map((sec) => html`<button type="button" data-id=${sec.id} aria-label=${sec.label} title=${sec.label} @click=${() => this.jump(sec)}>${sec.icon}</button>`)}
          </div>`
          : nothing
      }
      ${body}
      <p class="sr-only" role="status">${d && q ? (count ? format(s.emojiFound, { count }) : s.emojiNone) : ""}</p>
    </div>`;
  }
}

customElements.get("parley-emoji") || customElements.define("parley-emoji", ParleyEmoji);

declare global {
  interface HTMLElementTagNameMap {
    "parley-emoji": ParleyEmoji;
  }
}

/** What the picker is drawn in: a view with a shadow root and the widget's strings (`<parley-thread>`). */
export interface PickerHost extends HTMLElement {
  readonly t: Strings;
}

/**
 * Opens the picker in `host`'s shadow root, above its composer (`<form>`), for `opener`; a second
 * press of the same opener closes it. `onPick` gets the emoji; the focus is back on `opener`
 * before it is called.
 */
export function openPicker(host: PickerHost, opener: HTMLElement, onPick: (emoji: string) => void): void {
  const root = host.shadowRoot!;
  const open = root.querySelector("parley-emoji");
  if (open) {
    open.close(false);
    if (open.opener === opener) return void opener.focus();
  }
  const p = Object.assign(document.createElement("parley-emoji"), { t: host.t, opener, onPick });
  const box = host.getBoundingClientRect();
  const form = root.querySelector("form")?.getBoundingClientRect();
  const below = form ? box.bottom - form.top : 8;
  p.style.insetBlockEnd = `${below + 4}px`;
  p.style.setProperty("--_room", `${box.height - below - 16}px`);
  root.append(p);
}

/** The composer's emoji button: the emoji picked goes into `input` at its caret (replacing a selection). */
export function pickInto(host: PickerHost, opener: HTMLElement, input: HTMLTextAreaElement): void {
  openPicker(host, opener, (emoji) => {
    input.focus();
    input.setRangeText(emoji, input.selectionStart, input.selectionEnd, "end");
    // The composer grows to fit and says it is typing.
    input.dispatchEvent(new Event("input", { bubbles: true }));
  });
}
