import { css, html, nothing, type PropertyValues } from "lit";
import type { ConsoleApp, ConsoleUserDetail, ConsoleUsersResponse, ConsoleUserSummary } from "@parley/sdk/protocol";
import type { ApiError } from "../app/api.js";
import { when } from "../app/strings.js";
import { field, focusFirstError, formAlert, values } from "../shared/form.js";
import { ConsolePage } from "../shared/page.js";
import { canConfigure } from "../shared/roles.js";
import { page } from "../shared/styles.js";

const PAGE = 20;

/**
 * An app's chat users: find them by id, sub, e-mail or the start of a name (moderators, admins,
 * owners, operators); one user's profile, counts and ban state; and, for admins, owners and
 * operators, the export (downloaded as a JSON file) and the account's deletion with its sub or id
 * typed.
 */
export class ConsoleUsers extends ConsolePage {
  static override properties = {
    ...ConsolePage.properties,
    app: { attribute: false },
    items: { state: true },
    next: { state: true },
    query: { state: true },
    loadError: { state: true },
    searchError: { state: true },
    detail: { state: true },
    detailError: { state: true },
    deleteError: { state: true },
    note: { state: true },
    busy: { state: true },
  };
  app: ConsoleApp | null = null;
  /** null while loading. */
  items: ConsoleUserSummary[] | null = null;
  next: string | null = null;
  query = "";
  loadError: ApiError | null = null;
  searchError: ApiError | null = null;
  detail: ConsoleUserDetail | null = null;
  detailError: ApiError | null = null;
  deleteError: ApiError | null = null;
  note = "";
  busy = false;

  private get base(): string {
    return `/apps/${encodeURIComponent(this.app?.id ?? "")}/users`;
  }

  // Loaded when the app (its id) is first known or changes; not in connectedCallback (see webhooks.ts).
  protected override willUpdate(changed: PropertyValues<this>): void {
    const before = changed.get("app") as ConsoleApp | null | undefined;
    if (changed.has("app") && this.app && before?.id !== this.app.id) void this.find("");
  }

  private async find(q: string, more = false): Promise<void> {
    this.loadError = null;
    this.searchError = null;
    if (!more) {
      this.items = null;
      this.next = null;
    }
    const params = new URLSearchParams({ q, limit: String(PAGE) });
    if (more && this.next) params.set("cursor", this.next);
    try {
      const page = await this.api.get<ConsoleUsersResponse>(`${this.base}?${params}`);
      const known = new Set((more ? this.items : [])?.map((u) => u.id));
      this.items = [...(more ? (this.items ?? []) : []), ...page.items.filter((u) => !known.has(u.id))];
      this.next = page.nextCursor;
      this.query = q;
    } catch (err) {
      const e = err as ApiError;
      if (e.status === 400) this.searchError = e;
      else this.loadError = e;
      this.items ??= [];
      await focusFirstError(this.shadowRoot, this);
    }
  }

  private search(e: SubmitEvent): Promise<void> {
    e.preventDefault();
    this.note = "";
    return this.find((values(e.target as HTMLFormElement)["q"] ?? "").trim());
  }

  private async show(id: string): Promise<void> {
    this.detailError = null;
    this.deleteError = null;
    this.note = "";
    try {
      this.detail = await this.api.get<ConsoleUserDetail>(`${this.base}/${encodeURIComponent(id)}`);
      await this.updateComplete;
      this.shadowRoot?.querySelector<HTMLElement>("#user-title")?.focus();
    } catch (err) {
      this.detail = null;
      this.detailError = err as ApiError;
    }
  }

  private close(): void {
    const id = this.detail?.user.id;
    this.detail = null;
    this.deleteError = null;
    if (id) void this.updateComplete.then(() => this.shadowRoot?.querySelector<HTMLElement>(`[data-user="${id}"] button`)?.focus());
  }

  /** Downloads the export: fetched with the session (and its errors shown), then saved as a file. */
  private async exportUser(u: ConsoleUserSummary): Promise<void> {
    this.detailError = null;
    this.note = "";
    try {
      const data = await this.api.get<unknown>(`${this.base}/${encodeURIComponent(u.id)}/export`);
      const url = URL.createObjectURL(new Blob([JSON.stringify(data, null, 2)], { type: "application/json" }));
      const a = document.createElement("a");
      a.href = url;
      a.download = `parley-export-${u.id}.json`;
      a.hidden = true;
      this.renderRoot.appendChild(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(url), 60_000);
      this.note = this.t.userExported;
    } catch (err) {
      this.detailError = err as ApiError;
    }
  }

  private async deleteUser(e: SubmitEvent, u: ConsoleUserSummary): Promise<void> {
    e.preventDefault();
    const confirm = values(e.target as HTMLFormElement)["confirm"] ?? "";
    this.deleteError = null;
    this.busy = true;
    try {
      await this.api.delete(`${this.base}/${encodeURIComponent(u.id)}`, { confirm });
      this.detail = null;
      this.items = (this.items ?? []).filter((x) => x.id !== u.id);
      this.note = this.t.userDeleted(u.displayName);
      await this.updateComplete;
      this.shadowRoot?.querySelector<HTMLElement>("#f-q")?.focus();
    } catch (err) {
      this.deleteError = err as ApiError;
      await focusFirstError(this.shadowRoot, this);
    } finally {
      this.busy = false;
    }
  }

  private renderList() {
    const t = this.t;
    const items = this.items;
    if (items === null) return html`<p role="status" class="muted">${t.loading}</p>`;
    if (this.loadError)
      return html`<div role="alert"><p>${this.loadError.message}</p><button class="primary" type="button" @click=${() => this.find(this.query)}>${t.retry}</button></div>`;
    if (items.length === 0) return html`<p class="empty">${this.query ? t.usersNone : t.usersEmpty}</p>`;
    return html`<ul class="plain" aria-label=${t.usersTitle}>
        ${items.map(
          (u) => html`<li class="spread" data-user=${u.id}>
            <div class="who">
              <strong>${u.displayName}</strong> ${u.banned ? html`<span class="pill failed">${t.userBanned}</span>` : nothing}
              <div class="muted">${u.sub ? html`${t.userSub}: <code>${u.sub}</code> · ` : nothing}${u.email ? html`${u.email} · ` : nothing}<code>${u.id}</code></div>
            </div>
            <button type="button" class="secondary" aria-label=${`${t.showUser} ${u.displayName}`} @click=${() => this.show(u.id)}>${t.showUser}</button>
          </li>`,
        )}
      </ul>
      ${this.next ? html`<button type="button" class="secondary" @click=${() => this.find(this.query, true)}>${t.loadMore}</button>` : nothing}`;
  }

  private renderDetail(d: ConsoleUserDetail) {
    const t = this.t;
    const u = d.user;
    const write = this.app ? canConfigure(this.app.role) : false;
    const ban = d.moderation.appBan;
    const confirmWith = u.sub ?? u.id;
    const err = this.deleteError;
    return html`<section class="card" aria-labelledby="user-title" data-detail=${u.id}>
      <div class="spread">
        <h2 id="user-title" tabindex="-1">${u.displayName} ${u.banned ? html`<span class="pill failed">${t.userBanned}</span>` : nothing}</h2>
        <button type="button" class="secondary" @click=${() => this.close()}>${t.closeUser}</button>
      </div>
      <dl class="facts">
        <dt>${t.userId}</dt>
        <dd><code>${u.id}</code></dd>
        <dt>${t.userSub}</dt>
        <dd>${u.sub ? html`<code>${u.sub}</code>` : "—"}</dd>
        <dt>${t.userEmail}</dt>
        <dd>${u.email ?? "—"}</dd>
        <dt>${t.userCreated}</dt>
        <dd>${when(u.createdAt)}</dd>
        <dt>${t.userLastSeen}</dt>
        <dd>${when(u.lastSeenAt)}</dd>
        <dt>${t.countMessages}</dt>
        <dd data-count="messages">${d.counts.messages}</dd>
        <dt>${t.countConversations}</dt>
        <dd data-count="conversations">${d.counts.conversations}</dd>
        <dt>${t.countReports}</dt>
        <dd data-count="reports">${d.counts.openReports}</dd>
        <dt>${t.banState}</dt>
        <dd data-ban>
          <p>${ban ? t.bannedFromApp(ban.reason ?? t.noReason, when(ban.since)) : t.notBanned}</p>
          ${d.moderation.conversationBans ? html`<p>${t.groupBans(d.moderation.conversationBans)}</p>` : nothing}
          ${d.moderation.activeMutes ? html`<p>${t.activeMutes(d.moderation.activeMutes)}</p>` : nothing}
        </dd>
      </dl>
      ${this.detailError ? html`<p class="alert" role="alert">${this.detailError.message}</p>` : nothing}
      ${
        write
          ? html`<div class="row actions"><button type="button" class="secondary" @click=${() => this.exportUser(u)}>${t.exportUser}</button></div>
            <h3>${t.deleteUserTitle}</h3>
            <p class="muted">${t.deleteUserNote}</p>
            ${formAlert(err, ["confirm"])}
            <form @submit=${(e: SubmitEvent) => this.deleteUser(e, u)} novalidate>
              ${field({ name: "confirm", label: t.deleteUserConfirm(confirmWith), autocomplete: "off", error: err?.field("confirm"), required: true })}
              <div><button class="danger" type="submit" ?disabled=${this.busy}>${t.deleteUser}</button></div>
            </form>`
          : nothing
      }
    </section>`;
  }

  override render() {
    const t = this.t;
    if (!this.app) return html`<p role="status" class="muted">${t.loading}</p>`;
    const err = this.searchError;
    return html`<section class="card" aria-labelledby="users-title">
        <h2 id="users-title">${t.usersTitle}</h2>
        <p class="muted">${t.usersNote}</p>
        ${this.note ? html`<p class="notice" role="status">${this.note}</p>` : nothing}
        ${formAlert(err, ["q"])}
        <form class="search" role="search" @submit=${this.search} novalidate>
          ${field({ name: "q", label: t.findUser, type: "search", hint: t.findUserHint, value: this.query, error: err?.field("q"), autocomplete: "off" })}
          <div><button class="primary" type="submit">${t.usersSearch}</button></div>
        </form>
        ${this.renderList()}
      </section>
      ${this.detail ? this.renderDetail(this.detail) : this.detailError ? html`<p class="alert" role="alert">${this.detailError.message}</p>` : nothing}`;
  }

  static override styles = [
    page,
    css`
      .search {
        flex-direction: row;
        flex-wrap: wrap;
        align-items: flex-end;
        margin-block-end: 12px;
      }
      .search .field {
        flex: 1 1 240px;
      }
      .who {
        min-width: 0;
        overflow-wrap: anywhere;
      }
      .facts {
        display: grid;
        grid-template-columns: minmax(120px, max-content) 1fr;
        gap: 8px 16px;
        margin: 0 0 12px;
      }
      .facts dt {
        font-weight: 600;
      }
      .facts dd {
        margin: 0;
        overflow-wrap: anywhere;
      }
      .facts dd p {
        margin: 0;
      }
      @media (max-width: 640px) {
        .facts {
          grid-template-columns: 1fr;
          gap: 2px;
        }
        .facts dd {
          margin-block-end: 8px;
        }
      }
      h2:focus {
        outline: none;
      }
      h2:focus-visible {
        outline: 2px solid var(--_accent, currentColor);
        outline-offset: 2px;
      }
      .actions {
        margin-block-end: 12px;
      }
    `,
  ];
}
customElements.get("console-users") || customElements.define("console-users", ConsoleUsers);
