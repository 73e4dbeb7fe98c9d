import { css, html, nothing } from "lit";
import type { ConsoleApp, ConsoleAppsResponse, ConsoleAuditEntry, ConsoleAuditPage } from "@parley/sdk/protocol";
import type { ApiError } from "../app/api.js";
import { when } from "../app/strings.js";
import { field, focusFirstError, formAlert } from "../shared/form.js";
import { ConsolePage } from "../shared/page.js";
import { page } from "../shared/styles.js";

/** The filters, as the form and the query string name them. */
const FILTERS = ["action", "account", "app", "from", "to"] as const;
type Filters = Partial<Record<(typeof FILTERS)[number], string>>;

/** Actions the console records, offered as suggestions (the field takes any name). */
const KNOWN_ACTIONS = [
  "app.created",
  "app.updated",
  "app.disabled",
  "app.enabled",
  "app.deleted",
  "app.secret_rotated",
  "key.created",
  "key.revoked",
  "webhook.created",
  "webhook.removed",
  "webhook.replayed",
  "webhook.tested",
  "webhook.settings",
  "email.settings",
  "email.settings.forgotten",
  "agent.created",
  "agent.updated",
  "agent.removed",
  "invite.created",
  "account.signed_up",
  "session.signed_in",
  "session.signed_out",
  "session.sign_in_failed",
  "session.ended",
  "totp.enabled",
  "totp.disabled",
  "moderation.ban",
  "moderation.unban",
  "moderation.mute",
  "moderation.unmute",
  "moderation.message_delete",
  "moderation.report_resolve",
  "moderation.report_dismiss",
  "user.exported",
  "user.deleted",
];

/**
 * The console audit log: every console action, newest first, filtered by action, account, time
 * and (across apps, for operators: `app` null) the app; keyset pages ("Load more"). A filter the
 * server refuses is marked at its field.
 */
export class ConsoleAudit extends ConsolePage {
  static override properties = {
    ...ConsolePage.properties,
    app: { attribute: false },
    items: { state: true },
    next: { state: true },
    filters: { state: true },
    error: { state: true },
    loading: { state: true },
    apps: { state: true },
  };
  app: ConsoleApp | null = null;
  /** null while the first page loads. */
  items: ConsoleAuditEntry[] | null = null;
  next: string | null = null;
  filters: Filters = {};
  error: ApiError | null = null;
  loading = false;
  /** Every app's name, for the app filter and the column (operators' page). */
  apps: ConsoleApp[] = [];
  private asked = 0;

  // Not in connectedCallback: the properties the shell set before this chunk arrived are applied at the first update.
  protected override firstUpdated(): void {
    if (!this.app)
      void this.api.get<ConsoleAppsResponse>("/apps").then(
        (r) => (this.apps = r.items),
        () => undefined,
      );
    void this.load();
  }

  protected override updated(): void {
    // The action field suggests the actions the console records (field() draws a plain input).
    this.shadowRoot?.querySelector("#f-action")?.setAttribute("list", "known-actions");
  }

  private get base(): string {
    return this.app ? `/apps/${encodeURIComponent(this.app.id)}/audit` : "/audit";
  }

  private async load(more = false): Promise<void> {
    const mine = ++this.asked;
    const q = new URLSearchParams({ limit: "50" });
    for (const k of FILTERS) {
      const v = this.filters[k];
      if (v && (k !== "app" || !this.app)) q.set(k, v);
    }
    if (more && this.next) q.set("cursor", this.next);
    this.error = null;
    this.loading = true;
    if (!more) this.items = null;
    try {
      const page = await this.api.get<ConsoleAuditPage>(`${this.base}?${q}`);
      if (mine !== this.asked) return;
      this.items = more ? [...(this.items ?? []), ...page.items] : page.items;
      this.next = page.nextCursor;
    } catch (err) {
      if (mine !== this.asked) return;
      this.error = err as ApiError;
      this.items ??= [];
      await focusFirstError(this.shadowRoot, this);
    } finally {
      if (mine === this.asked) this.loading = false;
    }
  }

  private apply(e: SubmitEvent): void {
    e.preventDefault();
    const form = e.target as HTMLFormElement;
    const fd = new FormData(form);
    const filters: Filters = {};
    for (const k of FILTERS) {
      const v = String(fd.get(k) ?? "").trim();
      if (v) filters[k] = v;
    }
    this.filters = filters;
    this.next = null;
    void this.load();
  }

  private clear(e: Event): void {
    const form = (e.target as HTMLElement).closest("form");
    form?.reset();
    this.filters = {};
    this.next = null;
    void this.load();
  }

  private appName(id: string | null): string {
    if (id === null) return "—";
    if (this.app?.id === id) return this.app.name;
    return this.apps.find((a) => a.id === id)?.name ?? id;
  }

  override render() {
    const t = this.t;
    const err = this.error;
    const f = this.filters;
    const all = this.app === null;
    const title = all ? html`<h1 id="audit-title">${t.auditTitleAll}</h1>` : html`<h2 id="audit-title">${t.auditTitle}</h2>`;
    const filtered = FILTERS.some((k) => f[k]);
    return html`<section class="card" aria-labelledby="audit-title" aria-busy=${this.loading ? "true" : "false"}>
      ${title}
      <p class="muted">${t.auditNote}</p>
      <form class="filters" @submit=${this.apply} novalidate aria-label=${t.auditFilters}>
        ${formAlert(err, [...FILTERS])}
        <div class="grid">
          ${field({ name: "action", label: t.auditAction, hint: t.auditActionHint, value: f.action ?? "", error: err?.field("action") })}
          ${field({ name: "account", label: t.auditAccount, hint: t.auditAccountHint, value: f.account ?? "", autocomplete: "off", error: err?.field("account") })}
          ${
            all
              ? html`<div class="field">
                  <label for="f-app">${t.auditApp}</label>
                  <select id="f-app" name="app" aria-invalid=${err?.field("app") ? "true" : "false"} aria-describedby=${err?.field("app") ? "f-app-error" : nothing}>
                    <option value="">${t.auditAllApps}</option>
                    ${this.apps.map((a) => html`<option value=${a.id} ?selected=${f.app === a.id}>${a.name}</option>`)}
                  </select>
                  ${err?.field("app") ? html`<p class="field-error" id="f-app-error">${err.field("app")}</p>` : nothing}
                </div>`
              : nothing
          }
          ${field({ name: "from", label: t.auditFrom, type: "date", hint: t.auditDatesHint, value: f.from ?? "", error: err?.field("from") })}
          ${field({ name: "to", label: t.auditTo, type: "date", value: f.to ?? "", error: err?.field("to") })}
        </div>
        <datalist id="known-actions">${KNOWN_ACTIONS.map((a) => html`<option value=${a}></option>`)}</datalist>
        <div class="row">
          <button class="primary" type="submit">${t.auditApply}</button>
          ${filtered ? html`<button class="secondary" type="button" @click=${this.clear}>${t.auditClear}</button>` : nothing}
        </div>
      </form>
      <p role="status" class="sr-only">${this.loading ? t.loading : this.items ? t.auditShown(this.items.length) : ""}</p>
      ${this.renderItems(all, filtered)}
    </section>`;
  }

  private renderItems(all: boolean, filtered: boolean) {
    const t = this.t;
    const items = this.items;
    if (items === null) return html`<p class="muted">${t.loading}</p>`;
    if (items.length === 0) return this.error ? nothing : html`<p class="empty">${filtered ? t.auditEmptyFiltered : t.auditEmpty}</p>`;
    return html`<table class="stack" aria-labelledby="audit-title">
        <thead>
          <tr>
            <th scope="col">${t.auditColWhen}</th>
            <th scope="col">${t.auditColWho}</th>
            <th scope="col">${t.auditColAction}</th>
            ${all ? html`<th scope="col">${t.auditColApp}</th>` : nothing}
            <th scope="col">${t.auditColTarget}</th>
            <th scope="col">${t.auditColIp}</th>
          </tr>
        </thead>
        <tbody>
          ${items.map(
            (e) => html`<tr data-entry=${e.id} data-action=${e.action}>
              <td data-label=${t.auditColWhen}><time datetime=${e.at}>${when(e.at)}</time></td>
              <td data-label=${t.auditColWho}>${e.accountEmail ?? t.auditGoneAccount(e.accountId)}</td>
              <td data-label=${t.auditColAction}><code>${e.action}</code></td>
              ${all ? html`<td data-label=${t.auditColApp}>${this.appName(e.appId)}</td>` : nothing}
              <td data-label=${t.auditColTarget}>${e.target ? html`<code>${e.target}</code>` : "—"}</td>
              <td data-label=${t.auditColIp}><code>${e.ip}</code></td>
            </tr>`,
          )}
        </tbody>
      </table>
      ${this.next ? html`<button type="button" class="secondary more" ?disabled=${this.loading} @click=${() => this.load(true)}>${t.loadMore}</button>` : nothing}`;
  }

  static override styles = [
    page,
    css`
      .filters {
        margin-block: 12px 16px;
      }
      .grid {
        display: grid;
        grid-template-columns: repeat(auto-fill, minmax(min(100%, 220px), 1fr));
        gap: 12px 16px;
        align-items: start;
      }
      .more {
        margin-block-start: 12px;
      }
      td code {
        font-size: 0.85rem;
      }
    `,
  ];
}
customElements.get("console-audit") || customElements.define("console-audit", ConsoleAudit);
