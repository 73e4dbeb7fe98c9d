import { css, html, nothing } from "lit";
import type { ChatClient, Conversation, SearchHit } from "@parley/sdk";
import { type Strings } from "../i18n/i18n.js";
import { ParleyView } from "../shared/view.js";
import { base } from "../shared/styles.js";
import { shortTime } from "../i18n/time.js";
import { SEARCH_EN } from "./parley-search.strings.js";

/** Typing waits this long before asking the server (Enter asks at once). */
const DEBOUNCE_MS = 250;

/** A snippet with its matched spans drawn as `<mark>`: text nodes only, never HTML. */
const marked = (s: string, spans: Array<[number, number]>) => {
  const out: unknown[] = [];
  let at = 0;
  for (const [a, b] of spans) {
    if (a < at || b <= a || b > s.length) continue;
    out.push(s.slice(at, a), html`<mark part="mark">${s.slice(a, b)}</mark>`);
    at = b;
  }
  out.push(s.slice(at));
  return out;
};

/**
 * Message search: in all of the visitor's conversations, or in one (`conversationId`), newest
 * first, each result with its conversation, sender, time and a snippet whose matched words are
 * marked. Typing is debounced and only the latest query's answer is drawn. Choosing a result asks
 * `<parley-chat>` to open its conversation at that message (`parley-jump`). Arrow keys move
 * between the box and the results; Tab reaches them too.
 *
 * A lazy chunk: `<parley-chat>` imports this file the first time search opens. Like
 * `<parley-data>`, it asks `<parley-chat>` for the client with a `parley-client` event.
 *
 * @event parley-client - detail: a callback that `<parley-chat>` calls with its ChatClient
 * @event parley-jump - detail: { conversationId, id }; a result was chosen: open its conversation at that message
 *
 * @csspart search-input - the search box
 * @csspart results - the list of results
 * @csspart result - one result (a button, with data-id: the message id)
 * @csspart mark - a matched word in a result's snippet
 * @csspart load-more - the "load more" button (more results are on the server)
 * @csspart empty - the "no messages match" placeholder
 * @csspart search-status - loading (role=status), or a failure with its retry button (role=alert)
 */
export class ParleySearch extends ParleyView {
  static override properties = {
    conversationId: { attribute: false },
    query: { attribute: false },
    titleOf: { attribute: false },
    hits: { state: true },
    phase: { state: true },
  };
  /** Only this conversation's messages; "" for all of the visitor's. */
  conversationId = "";
  /** The query to start with (e.g. what was typed in the conversation list's filter box). */
  query = "";
  /** A conversation's title as the list shows it (a 1:1: the other member's name). */
  titleOf: (c: Conversation) => string = (c) => c.name ?? "";
  /** The results so far, newest first. */
  hits: SearchHit[] = [];
  /** "more": a next page is on its way (the results stay); "failed": the last request did. */
  phase: "" | "loading" | "more" | "done" | "failed" = "";
  private cursor: string | null = null;
  private conversations = new Map<string, Conversation>();
  private me = "";
  /** The query of the results shown (or on their way). */
  private q = "";
  private timer: ReturnType<typeof setTimeout> | undefined;
  /** Numbers the requests: an answer to any but the latest is dropped. */
  private seq = 0;
  private again = (): void => undefined;

  constructor() {
    super();
    this.addEventListener("keydown", (e) => this.onKey(e));
  }

  override focus(): void {
    this.shadowRoot?.querySelector("input")?.focus();
  }

  protected override firstUpdated(): void {
    if (this.query.trim()) void this.ask(this.query.trim());
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    clearTimeout(this.timer);
    this.seq++;
  }

  private onInput(e: InputEvent): void {
    const q = (e.target as HTMLInputElement).value.trim();
    clearTimeout(this.timer);
    if (q) this.timer = setTimeout(() => void this.ask(q), DEBOUNCE_MS);
    else {
      this.seq++;
      this.hits = [];
      this.cursor = null;
      this.phase = "";
    }
  }

  /** Asks for `q`'s results (from `cursor`: the next page, appended). */
  private async ask(q: string, cursor?: string): Promise<void> {
    clearTimeout(this.timer);
    const n = ++this.seq;
    let client: ChatClient | undefined;
    this.emit("parley-client", (c: ChatClient) => (client = c));
    if (!client) return;
    this.q = q;
    this.again = () => void this.ask(q, cursor);
    this.phase = cursor ? "more" : "loading";
    try {
      const r = await client.search(q, { ...(this.conversationId ? { conversationId: this.conversationId } : {}), ...(cursor ? { cursor } : {}) });
      if (n !== this.seq) return;
      for (const c of r.conversations) this.conversations.set(c.id, c);
      this.me = client.user?.id ?? "";
      const at = cursor ? this.hits.length : 0;
      this.hits = cursor ? [...this.hits, ...r.items] : r.items;
      this.cursor = r.nextCursor;
      this.phase = "done";
      // After "load more", focus goes to the first new result (the button may be gone).
      if (cursor) void this.updateComplete.then(() => this.buttons()[at + 1]?.focus());
    } catch {
      if (n === this.seq) this.phase = "failed";
    }
  }

  /** The search box, then each result, then "load more": what the arrow keys move between. */
  private buttons(): HTMLElement[] {
    return [...(this.shadowRoot?.querySelectorAll<HTMLElement>("input, [part=result], [part=load-more]") ?? [])];
  }

  private onKey(e: KeyboardEvent): void {
    const all = this.buttons();
    const i = all.indexOf(this.shadowRoot!.activeElement as HTMLElement);
    const q = i === 0 && e.key === "Enter" ? (all[0] as HTMLInputElement).value.trim() : "";
    if (q) void this.ask(q);
    const to = e.key === "ArrowDown" ? i + 1 : e.key === "ArrowUp" ? i - 1 : -1;
    if (i < 0 || to < 0 || to >= all.length) return;
    e.preventDefault();
    all[to]!.focus();
  }

  override render() {
    const t: Strings & typeof SEARCH_EN = { ...SEARCH_EN, ...this.t };
    const scoped = !!this.conversationId;
    return html`<input part="search-input" type="search" aria-label=${t.searchMessages} placeholder=${t.searchMessages} .value=${this.query} @input=${this.onInput} />
      ${
        this.phase === "loading"
          ? html`<p part="search-status" class="muted pad" role="status">${t.loading}</p>`
          : this.phase === "failed"
            ? html`<p part="search-status" class="error pad" role="alert">${t.unknownError} <button @click=${() => this.again()}>${t.retry}</button></p>`
            : this.phase === "done" && !this.hits.length
              ? html`<p part="empty" class="empty" role="status">${t.noMatches}</p>`
              : nothing
      }
      ${
        this.hits.length
          ? html`<ul part="results" aria-label=${t.searchMessages}>
            ${this.hits.map(({ message: m, snippet, highlights }) => {
              const c = this.conversations.get(m.conversationId);
              const sender = m.senderId === null ? "" : m.senderId === this.me ? t.you : (c?.users.find((u) => u.id === m.senderId)?.displayName ?? "");
              return html`<li>
                <button part="result" data-id=${m.id} @click=${() => this.emit("parley-jump", { conversationId: m.conversationId, id: m.id })}>
                  <span class="row"><strong class="name">${scoped ? sender : c ? this.titleOf(c) : ""}</strong><span class="muted time">${shortTime(m.createdAt)}</span></span>
                  <span class="snippet">${!scoped && sender ? `${sender}: ` : ""}${marked(snippet, highlights)}</span>
                </button>
              </li>`;
            })}
          </ul>`
          : nothing
      }
      ${
        this.cursor && (this.phase === "done" || this.phase === "more")
          ? html`<button part="load-more" ?disabled=${this.phase === "more"} @click=${() => void this.ask(this.q, this.cursor!)}>${this.phase === "more" ? t.loading : t.loadMore}</button>`
          : nothing
      }`;
  }

  static override styles = [
    base,
    css`
      :host {
        display: flex;
        flex-direction: column;
        overflow: auto;
      }
      input {
        margin: 10px;
        width: auto;
      }
      .pad {
        padding: 0 12px;
      }
      ul {
        list-style: none;
        margin: 0;
        padding: 0;
      }
      [part="result"] {
        display: flex;
        flex-direction: column;
        gap: 2px;
        width: 100%;
        text-align: start;
        padding: 8px 12px;
        border-radius: 0;
      }
      .row {
        display: flex;
        gap: 8px;
        justify-content: space-between;
        width: 100%;
      }
      .name {
        overflow: hidden;
        white-space: nowrap;
        text-overflow: ellipsis;
      }
      .time {
        font-size: 12px;
        flex: none;
      }
      .snippet {
        overflow-wrap: anywhere;
      }
      mark {
        background: var(--_accent);
        color: var(--_on-accent);
        border-radius: 3px;
        padding: 0 2px;
      }
      [part="load-more"] {
        margin: 8px 10px;
      }
    `,
  ];
}

customElements.get("parley-search") || customElements.define("parley-search", ParleySearch);

declare global {
  interface HTMLElementTagNameMap {
    "parley-search": ParleySearch;
  }
}
