import { css, html, nothing, type PropertyValues } from "lit";
import { ifDefined } from "lit/directives/if-defined.js";
import type { ConsoleApp, ConsoleAppRole, ConsoleMember, ConsoleMembersResponse, ConsolePendingInvite, ConsoleSessionResponse } from "@parley/sdk/protocol";
import type { ApiError } from "../app/api.js";
import { href } from "../app/routes.js";
import { when } from "../app/strings.js";
import { ConsolePage } from "../shared/page.js";
import { page } from "../shared/styles.js";
import "./invite.js";

const ROLES: readonly ConsoleAppRole[] = ["viewer", "moderator", "admin", "owner"];

/** What waits for a second click: a change of one's own role, a removal, a revocation (by id). */
type Confirming = { kind: "role" | "remove"; accountId: string } | { kind: "revoke"; inviteId: string } | null;

/**
 * An app's console members (owners and operators): who has a role on it, each role changed with
 * its select and Save, each member removed after a confirmation; the invitations not used yet,
 * each revocable; and the invite form, the pending list following each link made. An answer
 * about one row (the last owner's 409 among them) is shown at that row, with the server's message.
 * Changing or removing one's own role refreshes the session, so the tabs follow.
 *
 * @event console-app - the app with the caller's new role, after changing their own.
 * @event console-session - the session after the caller changed or removed their own role.
 */
export class ConsoleMembers extends ConsolePage {
  static override properties = {
    ...ConsolePage.properties,
    app: { attribute: false },
    data: { state: true },
    loadError: { state: true },
    drafts: { state: true },
    rowErrors: { state: true },
    confirming: { state: true },
    busy: { state: true },
    note: { state: true },
  };
  app: ConsoleApp | null = null;
  /** null while loading. */
  data: ConsoleMembersResponse | null = null;
  loadError: ApiError | null = null;
  /** A role chosen in a row's select and not saved yet, by account id. */
  drafts: Record<string, ConsoleAppRole> = {};
  /** The server's refusal of a row's action, by account or invitation id. */
  rowErrors: Record<string, string> = {};
  confirming: Confirming = null;
  /** The account or invitation id whose action is under way. */
  busy: string | null = null;
  /** What the last action did, announced. */
  note = "";

  private get base(): string {
    return `/apps/${encodeURIComponent(this.app?.id ?? "")}`;
  }

  // Loaded when the app (its id) is first known or changes; not in connectedCallback (see webhooks.ts).
  protected override willUpdate(changed: PropertyValues<this>): void {
    const before = changed.get("app") as ConsoleApp | null | undefined;
    if (changed.has("app") && this.app && before?.id !== this.app.id) void this.load();
  }

  /** `quiet`: keep the lists drawn while asking (after a change), rather than "Loading…". */
  private async load(quiet = false): Promise<void> {
    this.loadError = null;
    if (!quiet) this.data = null;
    try {
      this.data = await this.api.get<ConsoleMembersResponse>(`${this.base}/members`);
    } catch (err) {
      this.loadError = err as ApiError;
    }
  }

  private setRowError(id: string, message: string | null): void {
    const { [id]: _, ...rest } = this.rowErrors;
    this.rowErrors = message === null ? rest : { ...rest, [id]: message };
  }

  private setDraft(m: ConsoleMember, role: ConsoleAppRole | null): void {
    const { [m.accountId]: _, ...rest } = this.drafts;
    this.drafts = role === null || role === m.role ? rest : { ...rest, [m.accountId]: role };
    this.setRowError(m.accountId, null);
    if (this.confirming?.kind === "role" && this.confirming.accountId === m.accountId) this.confirming = null;
  }

  /** The session again (`GET /me`) for the shell, after the caller's own role changed. */
  private async refreshSession(): Promise<void> {
    this.emit("console-session", await this.api.get<ConsoleSessionResponse>("/me"));
  }

  /** Focus to a row's control once drawn (its select, or the list's heading when the row is gone). */
  private async focusAfter(selector: string): Promise<void> {
    await this.updateComplete;
    (this.renderRoot.querySelector<HTMLElement>(selector) ?? this.renderRoot.querySelector<HTMLElement>("#members-title"))?.focus();
  }

  /**
   * Runs a row's action (`id`: its account or invitation): the row busy meanwhile, a refusal shown
   * at the row. Focus then goes where `run` says (null: nowhere), or to `onError` after a refusal.
   */
  private async act(id: string, run: () => Promise<string | null>, onError: string): Promise<void> {
    this.confirming = null;
    this.busy = id;
    this.note = "";
    this.setRowError(id, null);
    let focus: string | null;
    try {
      focus = await run();
    } catch (err) {
      this.setRowError(id, (err as ApiError).message);
      focus = onError;
    }
    // Before focusing: a busy row's controls are disabled.
    this.busy = null;
    if (focus) await this.focusAfter(focus);
  }

  private async saveRole(m: ConsoleMember): Promise<void> {
    const role = this.drafts[m.accountId];
    if (!role) return;
    if (m.you && !(this.confirming?.kind === "role" && this.confirming.accountId === m.accountId)) {
      this.confirming = { kind: "role", accountId: m.accountId };
      return;
    }
    const select = `#role-${CSS.escape(m.accountId)}`;
    await this.act(
      m.accountId,
      async () => {
        const saved = await this.api.put<ConsoleMember>(`${this.base}/members/${encodeURIComponent(m.accountId)}`, { role });
        this.setDraft(m, null);
        this.data = this.data && { ...this.data, items: this.data.items.map((x) => (x.accountId === saved.accountId ? saved : x)) };
        this.note = this.t.membersRoleSaved(saved.email, this.t.roleNames[saved.role] ?? saved.role);
        if (!saved.you) return select;
        await this.ownRoleChanged(saved.role);
        return saved.role === "owner" ? select : null;
      },
      select,
    );
  }

  /** The caller's own role is now `role` (null: removed): the session, the app's header and tabs follow. */
  private async ownRoleChanged(role: ConsoleAppRole | null): Promise<void> {
    const app = this.app;
    if (!app) return;
    await this.refreshSession();
    // An operator's role on the app is "operator" whatever role they also hold.
    if (app.role === "operator") return;
    if (role === null) location.hash = href.apps;
    else {
      this.emit("console-app", { ...app, role });
      if (role !== "owner") location.hash = href.app(app.id);
    }
  }

  private async removeMember(m: ConsoleMember): Promise<void> {
    if (!(this.confirming?.kind === "remove" && this.confirming.accountId === m.accountId)) {
      this.confirming = { kind: "remove", accountId: m.accountId };
      return;
    }
    await this.act(
      m.accountId,
      async () => {
        await this.api.delete(`${this.base}/members/${encodeURIComponent(m.accountId)}`);
        this.data = this.data && { ...this.data, items: this.data.items.filter((x) => x.accountId !== m.accountId) };
        this.note = this.t.membersRemoved(m.email);
        if (!m.you) return "#members-title";
        await this.ownRoleChanged(null);
        return null;
      },
      `#remove-${CSS.escape(m.accountId)}`,
    );
  }

  private async revoke(i: ConsolePendingInvite): Promise<void> {
    if (!(this.confirming?.kind === "revoke" && this.confirming.inviteId === i.id)) {
      this.confirming = { kind: "revoke", inviteId: i.id };
      return;
    }
    await this.act(
      i.id,
      async () => {
        await this.api.delete(`${this.base}/invites/${encodeURIComponent(i.id)}`);
        this.data = this.data && { ...this.data, invites: this.data.invites.filter((x) => x.id !== i.id) };
        this.note = this.t.invitesRevoked(i.email);
        return "#invites-title";
      },
      `#revoke-${CSS.escape(i.id)}`,
    );
  }

  private renderConfirm(message: string, yes: string, onYes: () => void) {
    const t = this.t;
    return html`<div class="confirm">
      <p class="field-error" role="alert">${message}</p>
      <div class="row">
        <button type="button" class="danger" @click=${onYes}>${yes}</button>
        <button type="button" class="secondary" @click=${() => (this.confirming = null)}>${t.cancel}</button>
      </div>
    </div>`;
  }

  private renderMember(m: ConsoleMember) {
    const t = this.t;
    const draft = this.drafts[m.accountId] ?? m.role;
    const error = this.rowErrors[m.accountId];
    const c = this.confirming;
    const confirmingRole = c?.kind === "role" && c.accountId === m.accountId;
    const confirmingRemove = c?.kind === "remove" && c.accountId === m.accountId;
    const busy = this.busy === m.accountId;
    const errorId = `member-error-${m.accountId}`;
    return html`<tr data-member=${m.accountId}>
      <td data-label=${t.membersColEmail}>
        <span class="email">${m.email}${m.you ? html` <span class="muted" data-you>${t.membersYou}</span>` : nothing}</span>
      </td>
      <td data-label=${t.membersColRole}>
        <div class="cell">
          <div class="row">
            <select
              id=${`role-${m.accountId}`}
              aria-label=${t.membersRoleOf(m.email)}
              aria-invalid=${error ? "true" : "false"}
              aria-describedby=${ifDefined(error ? errorId : undefined)}
              ?disabled=${busy}
              @change=${(e: Event) => this.setDraft(m, (e.target as HTMLSelectElement).value as ConsoleAppRole)}
            >
              ${ROLES.map((r) => html`<option value=${r} .selected=${r === draft}>${t.roleNames[r] ?? r}</option>`)}
            </select>
            ${
              draft !== m.role && !confirmingRole
                ? html`<button type="button" class="primary" aria-label=${t.membersSaveOf(m.email)} ?disabled=${busy} @click=${() => this.saveRole(m)}>
                    ${busy ? t.saving : t.membersSave}
                  </button>
                  <button type="button" class="secondary" @click=${() => this.setDraft(m, null)}>${t.cancel}</button>`
                : nothing
            }
          </div>
          ${confirmingRole ? this.renderConfirm(t.membersSelfConfirm, t.membersSelfYes, () => this.saveRole(m)) : nothing}
          ${error ? html`<p class="field-error" id=${errorId} role="alert" data-row-error>${error}</p>` : nothing}
        </div>
      </td>
      <td data-label=${t.membersColTotp}>${m.totpEnabled ? t.twoFactorOn : t.twoFactorOff}</td>
      <td data-label=${t.membersColActions}>
        <div class="cell">
          ${
            confirmingRemove
              ? this.renderConfirm(m.you ? t.membersRemoveSelfConfirm : t.membersRemoveConfirm(m.email), t.membersRemoveYes, () => this.removeMember(m))
              : html`<div>
                  <button type="button" class="danger" id=${`remove-${m.accountId}`} aria-label=${t.membersRemoveOf(m.email)} ?disabled=${busy} @click=${() => this.removeMember(m)}>
                    ${t.membersRemove}
                  </button>
                </div>`
          }
        </div>
      </td>
    </tr>`;
  }

  private renderInvite(i: ConsolePendingInvite) {
    const t = this.t;
    const error = this.rowErrors[i.id];
    const c = this.confirming;
    const confirming = c?.kind === "revoke" && c.inviteId === i.id;
    return html`<tr data-invite=${i.id}>
      <td data-label=${t.membersColEmail}><span class="email">${i.email}</span></td>
      <td data-label=${t.membersColRole}>${t.roleNames[i.role] ?? i.role}</td>
      <td data-label=${t.invitesColBy}><span class="email">${i.invitedBy ?? t.invitesByUnknown}</span></td>
      <td data-label=${t.invitesColExpires}>${when(i.expiresAt)}</td>
      <td data-label=${t.membersColActions}>
        <div class="cell">
          ${
            confirming
              ? this.renderConfirm(t.invitesRevokeConfirm(i.email), t.invitesRevokeYes, () => this.revoke(i))
              : html`<div>
                  <button type="button" class="danger" id=${`revoke-${i.id}`} aria-label=${t.invitesRevokeOf(i.email)} ?disabled=${this.busy === i.id} @click=${() => this.revoke(i)}>
                    ${t.revoke}
                  </button>
                </div>`
          }
          ${error ? html`<p class="field-error" role="alert" data-row-error>${error}</p>` : nothing}
        </div>
      </td>
    </tr>`;
  }

  private renderLists(d: ConsoleMembersResponse) {
    const t = this.t;
    return html`<section class="card" aria-labelledby="members-title">
        <h2 id="members-title" tabindex="-1">${t.membersTitle}</h2>
        <p class="muted">${t.membersNote}</p>
        ${
          d.items.length === 0
            ? html`<p class="empty">${t.membersEmpty}</p>`
            : html`<table class="stack" data-members>
              <thead>
                <tr>
                  <th scope="col">${t.membersColEmail}</th>
                  <th scope="col">${t.membersColRole}</th>
                  <th scope="col">${t.membersColTotp}</th>
                  <th scope="col">${t.membersColActions}</th>
                </tr>
              </thead>
              <tbody>
                ${d.items.map((m) => this.renderMember(m))}
              </tbody>
            </table>`
        }
      </section>
      <section class="card" aria-labelledby="invites-title">
        <h2 id="invites-title" tabindex="-1">${t.invitesTitle}</h2>
        <p class="muted">${t.invitesNote}</p>
        ${
          d.invites.length === 0
            ? html`<p class="empty">${t.invitesEmpty}</p>`
            : html`<table class="stack" data-invites>
              <thead>
                <tr>
                  <th scope="col">${t.membersColEmail}</th>
                  <th scope="col">${t.membersColRole}</th>
                  <th scope="col">${t.invitesColBy}</th>
                  <th scope="col">${t.invitesColExpires}</th>
                  <th scope="col">${t.membersColActions}</th>
                </tr>
              </thead>
              <tbody>
                ${d.invites.map((i) => this.renderInvite(i))}
              </tbody>
            </table>`
        }
      </section>`;
  }

  override render() {
    const t = this.t;
    const app = this.app;
    if (!app) return html`<p role="status" class="muted">${t.loading}</p>`;
    const d = this.data;
    // Always in the page, so that a screen reader hears each new note.
    return html`<p role="status" class=${this.note ? "notice" : "sr-only"} data-note>${this.note}</p>
      ${
        this.loadError
          ? html`<div class="card" role="alert">
            <p>${this.loadError.message}</p>
            <button class="primary" type="button" @click=${() => this.load()}>${t.retry}</button>
          </div>`
          : d
            ? this.renderLists(d)
            : html`<p role="status" class="muted">${t.loading}</p>`
      }
      <console-invite .api=${this.api} .session=${this.session} .appId=${app.id} @console-invited=${() => this.load(true)}></console-invite>`;
  }

  static override styles = [
    page,
    css`
      .email {
        overflow-wrap: anywhere;
      }
      .cell {
        display: flex;
        flex-direction: column;
        gap: 6px;
        min-width: 0;
      }
      .confirm {
        display: flex;
        flex-direction: column;
        gap: 6px;
      }
      .confirm p {
        margin: 0;
      }
      td select {
        max-width: 100%;
      }
      h2:focus {
        outline: none;
      }
      h2:focus-visible {
        outline: 2px solid var(--_accent, currentColor);
        outline-offset: 2px;
      }
      @media (max-width: 640px) {
        /* The label column of a stacked row, then the value taking the rest. */
        table.stack td > .cell,
        table.stack td > .email {
          flex: 1;
        }
      }
    `,
  ];
}
customElements.get("console-members") || customElements.define("console-members", ConsoleMembers);
