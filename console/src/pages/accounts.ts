import { css, html, nothing } from "lit";
import type { ConsoleAccountSummary, ConsoleAccountsResponse, ConsoleSessionResponse } from "@parley/sdk/protocol";
import type { ApiError } from "../app/api.js";
import { href } from "../app/routes.js";
import { when } from "../app/strings.js";
import { field, focusFirstError, formAlert, values } from "../shared/form.js";
import { ConsolePage } from "../shared/page.js";
import { page } from "../shared/styles.js";

const PAGE = 50;

/**
 * Every console account (operators): found by the start of its e-mail, each with its roles on apps
 * and second factor; made an operator or an operator no more from its row (giving up one's own
 * flag after a confirmation), and deleted with its e-mail typed. A refusal about one row (the last
 * operator's, an app's last owner's) is shown at that row. Roles on one app are its Members tab's.
 *
 * @event console-session - the session after the caller gave up their own operator's flag.
 */
export class ConsoleAccounts extends ConsolePage {
  static override properties = {
    ...ConsolePage.properties,
    items: { state: true },
    next: { state: true },
    query: { state: true },
    loadError: { state: true },
    searchError: { state: true },
    rowErrors: { state: true },
    confirmingSelf: { state: true },
    deleting: { state: true },
    deleteError: { state: true },
    busy: { state: true },
    note: { state: true },
  };
  /** null while loading. */
  items: ConsoleAccountSummary[] | null = null;
  next: string | null = null;
  query = "";
  loadError: ApiError | null = null;
  searchError: ApiError | null = null;
  /** The server's refusal of a row's action, by account id. */
  rowErrors: Record<string, string> = {};
  /** Giving up one's own operator's flag waits for a second click. */
  confirmingSelf = false;
  /** The account whose deletion form is open. */
  deleting: ConsoleAccountSummary | null = null;
  deleteError: ApiError | null = null;
  /** The account whose action is under way. */
  busy: string | null = null;
  /** What the last action did, announced. */
  note = "";

  // Not in connectedCallback: the properties the shell set before this chunk arrived are applied at the first update.
  protected override firstUpdated(): void {
    void this.find("");
  }

  /** The latest search's number: an answer to an older one is dropped. */
  private asked = 0;

  private async find(q: string, more = false): Promise<void> {
    const ask = ++this.asked;
    this.loadError = null;
    this.searchError = null;
    if (!more) {
      this.items = null;
      this.next = null;
    }
    const params = new URLSearchParams({ q, limit: String(PAGE) });
    if (more && this.next) params.set("cursor", this.next);
    try {
      const got = await this.api.get<ConsoleAccountsResponse>(`/accounts?${params}`);
      if (ask !== this.asked) return;
      this.items = [...(more ? (this.items ?? []) : []), ...got.items];
      this.next = got.nextCursor;
      this.query = q;
    } catch (err) {
      if (ask !== this.asked) return;
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

  private setRowError(id: string, message: string | null): void {
    const { [id]: _, ...rest } = this.rowErrors;
    this.rowErrors = message === null ? rest : { ...rest, [id]: message };
  }

  private replace(a: ConsoleAccountSummary): void {
    this.items = (this.items ?? []).map((x) => (x.id === a.id ? a : x));
  }

  private async setOperator(a: ConsoleAccountSummary, operator: boolean): Promise<void> {
    if (a.you && !operator && !this.confirmingSelf) {
      this.confirmingSelf = true;
      await this.updateComplete;
      this.renderRoot.querySelector<HTMLElement>("#self-yes")?.focus();
      return;
    }
    this.confirmingSelf = false;
    this.busy = a.id;
    this.note = "";
    this.setRowError(a.id, null);
    const button = `#operator-${CSS.escape(a.id)}`;
    try {
      const saved = await this.api.put<ConsoleAccountSummary>(`/accounts/${encodeURIComponent(a.id)}/operator`, { operator });
      this.replace(saved);
      this.note = operator ? this.t.accountsMadeOperator(saved.email) : this.t.accountsUnmadeOperator(saved.email);
      if (saved.you && !operator) {
        // No longer an operator: the session follows, and the shell sends this page away.
        this.emit("console-session", await this.api.get<ConsoleSessionResponse>("/me"));
        location.hash = href.apps;
        return;
      }
    } catch (err) {
      this.setRowError(a.id, (err as ApiError).message);
    }
    this.busy = null;
    await this.updateComplete;
    this.renderRoot.querySelector<HTMLElement>(button)?.focus();
  }

  private async cancelSelf(a: ConsoleAccountSummary): Promise<void> {
    this.confirmingSelf = false;
    await this.updateComplete;
    this.renderRoot.querySelector<HTMLElement>(`#operator-${CSS.escape(a.id)}`)?.focus();
  }

  private openDelete(a: ConsoleAccountSummary): void {
    this.deleting = a;
    this.deleteError = null;
    this.note = "";
    void this.updateComplete.then(() => this.renderRoot.querySelector<HTMLElement>("#delete-title")?.focus());
  }

  private closeDelete(): void {
    const id = this.deleting?.id;
    this.deleting = null;
    this.deleteError = null;
    if (id) void this.updateComplete.then(() => this.renderRoot.querySelector<HTMLElement>(`#delete-${CSS.escape(id)}`)?.focus());
  }

  private async deleteAccount(e: SubmitEvent, a: ConsoleAccountSummary): Promise<void> {
    e.preventDefault();
    const confirm = values(e.target as HTMLFormElement)["confirm"] ?? "";
    this.deleteError = null;
    this.busy = a.id;
    try {
      await this.api.delete(`/accounts/${encodeURIComponent(a.id)}`, { confirm });
      this.deleting = null;
      this.items = (this.items ?? []).filter((x) => x.id !== a.id);
      this.note = this.t.accountsDeleted(a.email);
      await this.updateComplete;
      this.renderRoot.querySelector<HTMLElement>("#accounts-title")?.focus();
    } catch (err) {
      this.deleteError = err as ApiError;
      await focusFirstError(this.shadowRoot, this);
    } finally {
      this.busy = null;
    }
  }

  private renderRoles(a: ConsoleAccountSummary) {
    const t = this.t;
    if (a.roles.length === 0) return html`<span class="muted">${t.accountsNoRoles}</span>`;
    return html`<ul class="roles">
      ${a.roles.map((r) => html`<li><a href=${href.app(r.appId, "members")}>${t.accountsRoleOn(t.roleNames[r.role] ?? r.role, r.appName)}</a></li>`)}
    </ul>`;
  }

  private renderAccount(a: ConsoleAccountSummary) {
    const t = this.t;
    const error = this.rowErrors[a.id];
    const busy = this.busy === a.id;
    const confirming = a.you && this.confirmingSelf;
    return html`<tr data-account=${a.id}>
      <td data-label=${t.membersColEmail}>
        <div class="cell">
          <span class="email" id=${`email-${a.id}`}>${a.email}${a.you ? html` <span class="muted" data-you>${t.membersYou}</span>` : nothing}</span>
          <span class="muted">${t.accountsSince(when(a.createdAt))}</span>
        </div>
      </td>
      <td data-label=${t.accountsColRoles}>
        <div class="cell">
          ${a.operator ? html`<span class="pill" data-operator>${t.roleNames.operator}</span>` : nothing} ${this.renderRoles(a)}
        </div>
      </td>
      <td data-label=${t.membersColTotp}>${a.totpEnabled ? t.twoFactorOn : t.twoFactorOff}</td>
      <td data-label=${t.membersColActions}>
        <div class="cell">
          ${
            confirming
              ? html`<div class="confirm">
                  <p class="field-error" role="alert">${t.accountsSelfConfirm}</p>
                  <div class="row">
                    <button type="button" class="danger" id="self-yes" @click=${() => this.setOperator(a, false)}>${t.accountsSelfYes}</button>
                    <button type="button" class="secondary" @click=${() => this.cancelSelf(a)}>${t.cancel}</button>
                  </div>
                </div>`
              : html`<div class="row">
                  <button
                    type="button"
                    class="secondary"
                    id=${`operator-${a.id}`}
                    aria-describedby=${`email-${a.id}`}
                    ?disabled=${busy}
                    @click=${() => this.setOperator(a, !a.operator)}
                  >
                    ${busy ? t.saving : a.operator ? t.accountsUnmakeOperator : t.accountsMakeOperator}
                  </button>
                  ${
                    a.you
                      ? nothing
                      : html`<button type="button" class="danger" id=${`delete-${a.id}`} aria-label=${t.accountsDeleteOf(a.email)} ?disabled=${busy} @click=${() => this.openDelete(a)}>
                          ${t.accountsDelete}
                        </button>`
                  }
                </div>`
          }
          ${error ? html`<p class="field-error" role="alert" data-row-error>${error}</p>` : nothing}
        </div>
      </td>
    </tr>`;
  }

  private renderList() {
    const t = this.t;
    const items = this.items;
    if (items === null) return html`<p role="status" class="muted">${t.loading}</p>`;
    if (this.loadError)
      return html`<div role="alert"><p>${this.loadError.message}</p><button class="primary" type="button" @click=${() => this.find(this.query)}>${t.retry}</button></div>`;
    if (items.length === 0) return html`<p class="empty">${t.accountsNone}</p>`;
    return html`<table class="stack" data-accounts>
        <thead>
          <tr>
            <th scope="col">${t.membersColEmail}</th>
            <th scope="col">${t.accountsColRoles}</th>
            <th scope="col">${t.membersColTotp}</th>
            <th scope="col">${t.membersColActions}</th>
          </tr>
        </thead>
        <tbody>
          ${items.map((a) => this.renderAccount(a))}
        </tbody>
      </table>
      ${this.next ? html`<button type="button" class="secondary" @click=${() => this.find(this.query, true)}>${t.loadMore}</button>` : nothing}`;
  }

  private renderDelete(a: ConsoleAccountSummary) {
    const t = this.t;
    const err = this.deleteError;
    return html`<section class="card" aria-labelledby="delete-title" data-deleting=${a.id}>
      <div class="spread">
        <h2 id="delete-title" tabindex="-1">${t.accountsDeleteTitle(a.email)}</h2>
        <button type="button" class="secondary" @click=${() => this.closeDelete()}>${t.cancel}</button>
      </div>
      <p class="muted">${t.accountsDeleteNote}</p>
      ${formAlert(err, ["confirm"])}
      <form @submit=${(e: SubmitEvent) => this.deleteAccount(e, a)} novalidate>
        ${field({ name: "confirm", label: t.accountsDeleteConfirm(a.email), autocomplete: "off", error: err?.field("confirm"), required: true })}
        <div><button class="danger" type="submit" ?disabled=${this.busy === a.id}>${t.accountsDeleteYes}</button></div>
      </form>
    </section>`;
  }

  override render() {
    const t = this.t;
    const err = this.searchError;
    return html`<section class="card" aria-labelledby="accounts-title">
        <h2 id="accounts-title" tabindex="-1">${t.accountsTitle}</h2>
        <p class="muted">${t.accountsNote}</p>
        <p class=${this.note ? "notice" : "visually-hidden"} role="status" data-note>${this.note}</p>
        ${formAlert(err, ["q"])}
        <form class="search" role="search" @submit=${this.search} novalidate>
          ${field({ name: "q", label: t.accountsFind, type: "search", hint: t.accountsFindHint, value: this.query, error: err?.field("q"), autocomplete: "off" })}
          <div><button class="primary" type="submit">${t.usersSearch}</button></div>
        </form>
        ${this.renderList()}
      </section>
      ${this.deleting ? this.renderDelete(this.deleting) : nothing}`;
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
      .email {
        overflow-wrap: anywhere;
      }
      .cell {
        display: flex;
        flex-direction: column;
        align-items: flex-start;
        gap: 6px;
        min-width: 0;
      }
      /* The status line stays in the page (announced when its text changes), unseen while empty. */
      .visually-hidden {
        position: absolute;
        inline-size: 1px;
        block-size: 1px;
        overflow: hidden;
        clip-path: inset(50%);
        white-space: nowrap;
      }
      .roles {
        margin: 0;
        padding-inline-start: 1.1em;
      }
      .confirm {
        display: flex;
        flex-direction: column;
        gap: 6px;
      }
      .confirm p {
        margin: 0;
      }
      h2:focus {
        outline: none;
      }
      h2:focus-visible {
        outline: 2px solid var(--_accent, currentColor);
        outline-offset: 2px;
      }
      @media (max-width: 640px) {
        table.stack td > .cell {
          flex: 1;
        }
      }
    `,
  ];
}
customElements.get("console-accounts") || customElements.define("console-accounts", ConsoleAccounts);
