import { css, html, nothing, type PropertyValues } from "lit";
import type { ConsoleApp, ConsoleKeyCreatedResponse, ConsoleServerKey, ConsoleServerKeysResponse } from "@parley/sdk/protocol";
import { ApiError } from "../app/api.js";
import { href, type AppTab } from "../app/routes.js";
import { when } from "../app/strings.js";
import { field, focusFirstError, formAlert, values } from "../shared/form.js";
import { ConsolePage } from "../shared/page.js";
import { canConfigure, canRead, tabsFor } from "../shared/roles.js";
import { page } from "../shared/styles.js";

/** The app page's tabs but its own (keys): each a lazy chunk defining `console-<tab>`. */
const TAB_PAGES = {
  webhooks: () => import("./webhooks.js"),
  settings: () => import("./settings.js"),
  email: () => import("./email.js"),
  agents: () => import("./agents.js"),
  users: () => import("./users.js"),
  usage: () => import("./usage.js"),
  moderation: () => import("./moderation/moderation.js"),
  audit: () => import("./audit.js"),
  members: () => import("./members.js"),
} as const;

/**
 * One app: its identity, and tabs by role: its server keys here, the others each a lazy chunk
 * (TAB_PAGES). Invitations are made on the members tab, beside the pending ones.
 */
export class ConsoleAppPage extends ConsolePage {
  static override properties = {
    ...ConsolePage.properties,
    appId: { attribute: false },
    tab: { attribute: false },
    app: { state: true },
    keys: { state: true },
    loadError: { state: true },
    error: { state: true },
    created: { state: true },
    confirming: { state: true },
    busy: { state: true },
    copied: { state: true },
  };
  appId = "";
  /** null: the first tab the role shows. */
  tab: AppTab | null = null;
  app: ConsoleApp | null = null;
  keys: ConsoleServerKey[] | null = null;
  loadError: ApiError | null = null;
  error: ApiError | null = null;
  created: ConsoleKeyCreatedResponse | null = null;
  /** The key whose revocation awaits a second click. */
  confirming: string | null = null;
  busy = false;
  copied = false;

  protected override willUpdate(changed: PropertyValues): void {
    if (changed.has("appId")) void this.load();
    const tab = this.shown();
    if (tab && tab !== "keys") void TAB_PAGES[tab]();
  }

  /** The tab drawn: the one asked for if the role shows it, else the role's first. */
  private shown(): AppTab | null {
    if (!this.app) return null;
    const tabs = tabsFor(this.app.role);
    return this.tab !== null && tabs.includes(this.tab) ? this.tab : (tabs[0] ?? null);
  }

  private renderTab(app: ConsoleApp, tab: AppTab) {
    const p = { api: this.api, session: this.session, app };
    switch (tab) {
      case "keys":
        return this.renderKeys(app);
      case "webhooks":
        return html`<console-webhooks .api=${p.api} .session=${p.session} .appId=${app.id} .writable=${canConfigure(app.role)}></console-webhooks>`;
      case "settings":
        return html`<console-settings .api=${p.api} .session=${p.session} .app=${app} @console-app=${(e: CustomEvent<ConsoleApp>) => (this.app = e.detail)}></console-settings>`;
      case "email":
        return html`<console-email .api=${p.api} .session=${p.session} .app=${app}></console-email>`;
      case "agents":
        return html`<console-agents .api=${p.api} .session=${p.session} .app=${app}></console-agents>`;
      case "users":
        return html`<console-users .api=${p.api} .session=${p.session} .app=${app}></console-users>`;
      case "usage":
        return html`<console-usage .api=${p.api} .session=${p.session} .app=${app}></console-usage>`;
      case "moderation":
        return html`<console-moderation .api=${p.api} .session=${p.session} .app=${app}></console-moderation>`;
      case "audit":
        return html`<console-audit .api=${p.api} .session=${p.session} .app=${app}></console-audit>`;
      case "members":
        return html`<console-members .api=${p.api} .session=${p.session} .app=${app} @console-app=${(e: CustomEvent<ConsoleApp>) => (this.app = e.detail)}></console-members>`;
    }
  }

  private async load(): Promise<void> {
    this.loadError = null;
    this.app = null;
    this.keys = null;
    try {
      this.app = await this.api.get<ConsoleApp>(`/apps/${encodeURIComponent(this.appId)}`);
      if (canRead(this.app.role)) this.keys = (await this.api.get<ConsoleServerKeysResponse>(`/apps/${encodeURIComponent(this.appId)}/keys`)).items;
    } catch (err) {
      this.loadError = err as ApiError;
    }
  }

  private async createKey(e: SubmitEvent): Promise<void> {
    e.preventDefault();
    // Kept now: once the event has been dispatched, its target (inside a shadow root) is null.
    const form = e.target as HTMLFormElement;
    const name = (values(form)["name"] ?? "").trim();
    this.error = null;
    this.busy = true;
    try {
      this.created = await this.api.post<ConsoleKeyCreatedResponse>(`/apps/${encodeURIComponent(this.appId)}/keys`, name ? { name } : {});
      this.copied = false;
      form.reset();
      this.keys = (await this.api.get<ConsoleServerKeysResponse>(`/apps/${encodeURIComponent(this.appId)}/keys`)).items;
    } catch (err) {
      this.error = err as ApiError;
      await focusFirstError(this.shadowRoot, this);
    } finally {
      this.busy = false;
    }
  }

  private async revoke(k: ConsoleServerKey): Promise<void> {
    if (this.confirming !== k.id) {
      this.confirming = k.id;
      return;
    }
    this.confirming = null;
    this.error = null;
    try {
      await this.api.delete(`/apps/${encodeURIComponent(this.appId)}/keys/${encodeURIComponent(k.id)}`);
      this.keys = (await this.api.get<ConsoleServerKeysResponse>(`/apps/${encodeURIComponent(this.appId)}/keys`)).items;
    } catch (err) {
      this.error = err as ApiError;
    }
  }

  private renderKeys(app: ConsoleApp) {
    const t = this.t;
    const write = canConfigure(app.role);
    const err = this.error;
    const c = this.created;
    return html`<section class="card" aria-labelledby="keys-title">
      <h2 id="keys-title">${t.tabKeys}</h2>
      <p class="muted">${t.keysNote}</p>
      ${write ? nothing : html`<p class="notice">${t.readOnly}</p>`}
      ${
        c
          ? html`<div class="notice" role="status">
            <p><strong>${t.keyCreated}.</strong> ${t.keySecretNote}</p>
            <p>${t.keyId}: <code>${c.key.id}</code></p>
            <div class="secret">
              <span>${t.keySecret}:</span> <code data-secret>${c.secret}</code>
              <button type="button" class="secondary" @click=${async () => (this.copied = await this.copy(c.secret))}>${this.copied ? t.copied : t.copy}</button>
            </div>
          </div>`
          : nothing
      }
      ${formAlert(err, ["name"])}
      ${
        this.keys === null
          ? html`<p role="status" class="muted">${t.loading}</p>`
          : this.keys.length === 0
            ? html`<p class="empty">${t.keysEmpty}</p>`
            : html`<ul class="plain" aria-label=${t.tabKeys}>
              ${this.keys.map(
                (k) => html`<li class="spread">
                  <div>
                    <strong>${k.name ?? t.unnamedKey}</strong>
                    <div class="muted"><code>${k.id}</code> · ${t.created(when(k.createdAt))} ${k.revokedAt ? html`· <span class="pill failed">${t.revoked(when(k.revokedAt))}</span>` : nothing}</div>
                    ${this.confirming === k.id ? html`<p class="error" role="alert">${t.revokeConfirm(k.name ?? k.id)}</p>` : nothing}
                  </div>
                  ${
                    write && !k.revokedAt
                      ? html`<div class="row">
                        <button type="button" class="danger" @click=${() => this.revoke(k)}>${this.confirming === k.id ? `${t.revoke}?` : t.revoke}</button>
                        ${this.confirming === k.id ? html`<button type="button" class="secondary" @click=${() => (this.confirming = null)}>${t.cancel}</button>` : nothing}
                      </div>`
                      : nothing
                  }
                </li>`,
              )}
            </ul>`
      }
      ${
        write
          ? html`<form @submit=${this.createKey} novalidate class="inline-form">
            ${field({ name: "name", label: t.keyName, hint: t.keyNameHint, error: err?.field("name") })}
            <div><button class="primary" type="submit" ?disabled=${this.busy}>${t.createKey}</button></div>
          </form>`
          : nothing
      }
    </section>`;
  }

  override render() {
    const t = this.t;
    if (this.loadError)
      return html`<div class="card" role="alert">
        <p>${this.loadError.status === 404 ? t.notFoundPage : this.loadError.message}</p>
        ${this.loadError.status === 404 ? html`<a href=${href.apps}>${t.backToApps}</a>` : html`<button class="primary" type="button" @click=${() => this.load()}>${t.retry}</button>`}
      </div>`;
    const app = this.app;
    if (!app) return html`<p role="status" class="muted">${t.loading}</p>`;
    const tabs = tabsFor(app.role);
    const shown = this.shown();
    return html`<p><a href=${href.apps}>${t.backToApps}</a></p>
      <div class="spread">
        <h1>${app.name} ${app.disabled ? html`<span class="pill failed">${t.disabled}</span>` : nothing}</h1>
      </div>
      <p class="muted">${t.appId}: <code>${app.id}</code> · ${t.yourRole(t.roleNames[app.role] ?? app.role)}</p>
      <nav class="tabs" aria-label=${app.name}>
        ${tabs.map((tab) => html`<a href=${href.app(app.id, tab)} aria-current=${shown === tab ? "page" : "false"}>${t.tabNames[tab]}</a>`)}
      </nav>
      ${shown ? this.renderTab(app, shown) : nothing}`;
  }

  static override styles = [
    page,
    css`
      .tabs {
        display: flex;
        /* Seven tabs do not fit on a phone's width in one line. */
        flex-wrap: wrap;
        gap: 4px;
        margin-block-end: 12px;
        border-block-end: 1px solid var(--_border);
      }
      .tabs a {
        padding: 10px 14px;
        min-height: 44px;
        display: inline-flex;
        align-items: center;
        text-decoration: none;
        border-radius: 8px 8px 0 0;
      }
      .tabs a[aria-current="page"] {
        background: var(--_bg);
        border: 1px solid var(--_border);
        border-block-end-color: var(--_bg);
        margin-block-end: -1px;
        font-weight: 600;
      }
      .inline-form {
        margin-block-start: 12px;
      }
    `,
  ];
}
customElements.get("console-app") || customElements.define("console-app", ConsoleAppPage);
