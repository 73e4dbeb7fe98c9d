import { css, html, nothing, svg } from "lit";
import type { ChatClient, Me, User } from "@parley/sdk";
import type { DmDraft } from "./dm-draft.js";
import { avatar } from "../shared/avatar.js";
import { format, list, type Strings } from "../i18n/i18n.js";
import { ParleyView } from "../shared/view.js";
import { icon } from "../shared/icons.js";
import { base } from "../shared/styles.js";
import { PEOPLE_EN } from "./parley-people.strings.js";

/** Marks a picked person (new group). */
const check = icon(svg`<path d="M5 12l5 5 9-10" />`);

/** A 1:1 conversation with `user` before it exists (see dm-draft.ts): `<parley-chat>` shows it until the first send creates it. */
export function dmDraft(me: Me, user: User): DmDraft {
  const now = new Date().toISOString();
  const member = (userId: string) => ({ userId, role: "member" as const, joinedAt: now, lastReadMessageId: "0" });
  return {
    user,
    conversation: {
      id: "",
      kind: "direct",
      name: null,
      isPublic: false,
      createdAt: now,
      lastActivityAt: now,
      members: [member(me.id), member(user.id)],
      users: [me, user],
      lastMessage: null,
      unreadCount: 0,
      myRole: "member",
    },
  };
}

/**
 * Find people: start a 1:1 chat, or pick members and name a new group.
 * @event parley-search - detail: query
 * @event parley-pick - detail: user id (1:1)
 * @event parley-create-group - detail: { name, userIds }; the element then creates it (`parley-act`) and opens it (`parley-open`), or
 *   first says who was invited rather than added (people who are not the visitor's contacts), with a button that opens it
 * @event parley-open - detail: the id of the group just created
 * @event parley-act - detail: { run }; asks `<parley-chat>` to run the search or the creation with its client (this view is a chunk of its own: the code is here)
 *
 * @csspart user-search - the search box
 * @csspart user-result - one person found
 * @csspart create-group - the create-group button
 * @csspart invited - "Invited: Ada, Ben — they join when they accept.", after creating a group (role=status)
 * @csspart open-group - the button under it that opens the group
 * @csspart empty - the "nobody found" placeholder
 * @csspart avatar - an avatar
 */
export class ParleyPeople extends ParleyView {
  static override properties = {
    results: { attribute: false },
    server: { type: String },
    group: { type: Boolean },
    picked: { state: true },
    created: { state: true },
  };
  /** The people found (by the element itself, through `<parley-chat>`'s client); null before the first answer. */
  results: User[] | null = null;
  server = "";
  group = false;
  picked: User[] = [];
  /** The group just created when some of the people picked were invited rather than added: its id and their names. */
  created: { id: string; names: string } | null = null;
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
    this.timer = setTimeout(() => {
      this.emit("parley-search", q);
      this.emit("parley-act", {
        run: async (c: ChatClient) => (this.results = (await c.directory.searchUsers(q, { limit: 20 })).items.filter((u) => u.id !== c.user?.id)),
      });
    }, 200);
  }

  private choose(u: User): void {
    if (!this.group) return this.emit("parley-pick", u.id);
    this.picked = this.picked.some((p) => p.id === u.id) ? this.picked.filter((p) => p.id !== u.id) : [...this.picked, u];
  }

  private create(e: SubmitEvent): void {
    e.preventDefault();
    const name = String(new FormData(e.target as HTMLFormElement).get("groupName") ?? "").trim();
    const picked = this.picked;
    if (!name || !picked.length) return;
    const d = { name, userIds: picked.map((p) => p.id) };
    this.emit("parley-create-group", d);
    this.emit("parley-act", {
      run: async (c: ChatClient) => {
        const g = await c.createGroup({ name, memberIds: d.userIds });
        const invited = g.state?.invitedUserIds ?? [];
        if (!invited.length) return this.emit("parley-open", g.id);
        const names = picked.filter((p) => invited.includes(p.id)).map((p) => p.displayName);
        this.created = { id: g.id, names: list(names) };
        await this.updateComplete;
        this.shadowRoot?.querySelector<HTMLElement>("[part=open-group]")?.focus();
      },
    });
  }

  override render() {
    const t: Strings & typeof PEOPLE_EN = { ...PEOPLE_EN, ...this.t };
    const made = this.created;
    if (made)
      return html`<div class="pad">
        <p part="invited" id="invited" role="status">${format(t.invitedNotice, { names: made.names })}</p>
        <button part="open-group" class="primary" aria-describedby="invited" @click=${() => this.emit("parley-open", made.id)}>${t.openGroup}</button>
      </div>`;
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
                    ${avatar(u, this.server)}<span class="grow">${u.displayName}</span>${on ? check : nothing}
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
        padding-inline-end: 10px;
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
        text-align: start;
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
