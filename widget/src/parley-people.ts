import { LitElement, css, html, nothing } from "lit";
import type { User } from "@parley/sdk";
import { avatar } from "./avatar.js";
import { EN, type Strings } from "./i18n.js";
import { icons } from "./icons.js";
import { base } from "./styles.js";

/**
 * Find people: start a 1:1 chat, or pick members and name a new group.
 * @event parley-search - detail: query
 * @event parley-pick - detail: user id (1:1)
 * @event parley-create-group - detail: { name, userIds }
 *
 * @csspart user-search - the search box
 * @csspart user-result - one person found
 * @csspart create-group - the create-group button
 * @csspart empty - the "nobody found" placeholder
 * @csspart avatar - an avatar
 */
export class ParleyPeople extends LitElement {
  static override properties = {
    t: { attribute: false },
    results: { attribute: false },
    server: { type: String },
    group: { type: Boolean },
    picked: { state: true },
  };
  t: Strings = EN;
  results: User[] | null = null;
  server = "";
  group = false;
  picked: User[] = [];
  private timer: ReturnType<typeof setTimeout> | undefined;

  override focus(): void {
    this.shadowRoot?.querySelector<HTMLElement>(this.group ? "[name=groupName]" : "[part=user-search]")?.focus();
  }

  override connectedCallback(): void {
    super.connectedCallback();
    this.search("");
  }

  private search(q: string): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.emit("parley-search", q), 200);
  }

  private emit(name: string, detail: unknown): void {
    this.dispatchEvent(new CustomEvent(name, { detail, bubbles: true, composed: true }));
  }

  private choose(u: User): void {
    if (!this.group) return this.emit("parley-pick", u.id);
    this.picked = this.picked.some((p) => p.id === u.id) ? this.picked.filter((p) => p.id !== u.id) : [...this.picked, u];
  }

  private create(e: SubmitEvent): void {
    e.preventDefault();
    const name = String(new FormData(e.target as HTMLFormElement).get("groupName") ?? "").trim();
    if (name && this.picked.length) this.emit("parley-create-group", { name, userIds: this.picked.map((p) => p.id) });
  }

  override render() {
    const t = this.t;
    return html`${
      this.group
        ? html`<form @submit=${this.create} class="group">
            <input name="groupName" aria-label=${t.groupName} placeholder=${t.groupName} required maxlength="100" />
            <button class="primary" part="create-group" ?disabled=${this.picked.length === 0}>${t.create}</button>
          </form>`
        : nothing
    }
      <input part="user-search" type="search" aria-label=${t.searchPeople} placeholder=${t.searchPeople} @input=${(e: InputEvent) => this.search((e.target as HTMLInputElement).value)} />
      ${
        this.results === null
          ? html`<p class="muted pad" role="status">${t.loading}</p>`
          : this.results.length === 0
            ? html`<p part="empty" class="empty">${t.noResults}</p>`
            : html`<ul aria-label=${t.searchPeople}>
              ${this.results.map((u) => {
                const on = this.picked.some((p) => p.id === u.id);
                return html`<li>
                  <button part="user-result" data-id=${u.id} aria-pressed=${this.group ? String(on) : nothing} @click=${() => this.choose(u)}>
                    ${avatar(u, this.server)}<span class="grow">${u.displayName}</span>${on ? icons.check : nothing}
                  </button>
                </li>`;
              })}
            </ul>`
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
        margin: 10px 10px 0;
        width: auto;
      }
      .group {
        display: flex;
        gap: 8px;
        padding-right: 10px;
      }
      .group input {
        flex: 1;
      }
      ul {
        list-style: none;
        margin: 10px 0 0;
        padding: 0;
      }
      [part="user-result"] {
        display: flex;
        gap: 10px;
        align-items: center;
        width: 100%;
        text-align: left;
        padding: 8px 12px;
        border-radius: 0;
      }
      .pad {
        padding: 16px;
      }
      .grow {
        flex: 1;
      }
    `,
  ];
}
customElements.get("parley-people") || customElements.define("parley-people", ParleyPeople);
