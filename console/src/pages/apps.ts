import { html, type TemplateResult } from "lit";
import type { ConsoleApp, ConsoleAppCreatedResponse, ConsoleAppsResponse } from "@parley/sdk/protocol";
import type { ApiError } from "../app/api.js";
import { href } from "../app/routes.js";
import { when } from "../app/strings.js";
import { field, focusFirstError, formAlert, values } from "../shared/form.js";
import { ConsolePage } from "../shared/page.js";
import { page } from "../shared/styles.js";

/** The apps the account can see (every app for an operator), and app creation for operators. */
export class ConsoleApps extends ConsolePage {
  static override properties = {
    ...ConsolePage.properties,
    apps: { state: true },
    loadError: { state: true },
    creating: { state: true },
    error: { state: true },
    created: { state: true },
    busy: { state: true },
    copied: { state: true },
  };
  /** undefined while loading. */
  apps: ConsoleApp[] | undefined = undefined;
  loadError: ApiError | null = null;
  creating = false;
  error: ApiError | null = null;
  created: ConsoleAppCreatedResponse | null = null;
  busy = false;
  copied = false;

  // Not in connectedCallback: the properties the shell set before this chunk arrived are applied at the first update.
  protected override firstUpdated(): void {
    if (this.session?.account.operator) void import("./invite.js");
    void this.load();
  }

  private async load(): Promise<void> {
    this.loadError = null;
    try {
      this.apps = (await this.api.get<ConsoleAppsResponse>("/apps")).items;
    } catch (err) {
      this.loadError = err as ApiError;
    }
  }

  private async create(e: SubmitEvent): Promise<void> {
    e.preventDefault();
    const v = values(e.target as HTMLFormElement);
    this.error = null;
    this.busy = true;
    try {
      const allowedOrigins = (v["allowedOrigins"] ?? "")
        .split(/[\s,]+/)
        .map((s) => s.trim())
        .filter(Boolean);
      this.created = await this.api.post<ConsoleAppCreatedResponse>("/apps", { name: v["name"] ?? "", allowedOrigins });
      this.creating = false;
      this.copied = false;
      await this.load();
    } catch (err) {
      this.error = err as ApiError;
      await focusFirstError(this.shadowRoot, this);
    } finally {
      this.busy = false;
    }
  }

  private renderCreated() {
    const t = this.t;
    const c = this.created;
    if (!c) return "";
    return html`<section class="card" aria-labelledby="created-title">
      <h2 id="created-title">${t.appCreated}: ${c.app.name}</h2>
      <p>${t.appSecretNote}</p>
      <div class="secret">
        <span>${t.appSecret}:</span> <code data-secret>${c.secret}</code>
        <button type="button" class="secondary" @click=${async () => (this.copied = await this.copy(c.secret))}>${this.copied ? t.copied : t.copy}</button>
      </div>
      <p><a href=${href.app(c.app.id)}>${t.open} ${c.app.name}</a></p>
    </section>`;
  }

  private renderForm() {
    const t = this.t;
    const err = this.error;
    return html`<section class="card" aria-labelledby="create-title">
      <h2 id="create-title">${t.createApp}</h2>
      ${formAlert(err, ["name", "allowedOrigins"])}
      <form @submit=${this.create} novalidate>
        ${field({ name: "name", label: t.appName, error: err?.field("name"), required: true })}
        ${field({ name: "allowedOrigins", label: t.allowedOrigins, hint: t.allowedOriginsHint, error: err?.field("allowedOrigins"), multiline: true })}
        <div class="row">
          <button class="primary" type="submit" ?disabled=${this.busy}>${t.createApp}</button>
          <button class="secondary" type="button" @click=${() => ((this.creating = false), (this.error = null))}>${t.cancel}</button>
        </div>
      </form>
    </section>`;
  }

  override render() {
    const t = this.t;
    const operator = this.session?.account.operator ?? false;
    let list: TemplateResult;
    if (this.loadError)
      list = html`<div role="alert"><p>${this.loadError.message}</p><button class="primary" type="button" @click=${() => this.load()}>${t.retry}</button></div>`;
    else if (!this.apps) list = html`<p role="status" class="muted">${t.loading}</p>`;
    else if (this.apps.length === 0) list = html`<div class="empty"><p>${t.appsEmpty}</p><p>${operator ? t.appsEmptyOperator : t.appsEmptyOther}</p></div>`;
    else
      list = html`<ul class="plain" aria-label=${t.appsTitle}>
        ${this.apps.map(
          (a) => html`<li class="spread">
            <div>
              <a href=${href.app(a.id)}><strong>${a.name}</strong></a> ${a.disabled ? html`<span class="pill failed">${t.disabled}</span>` : ""}
              <div class="muted"><code>${a.id}</code> · ${t.yourRole(t.roleNames[a.role] ?? a.role)} · ${t.created(when(a.createdAt))}</div>
            </div>
          </li>`,
        )}
      </ul>`;
    return html`<div class="spread">
        <h1>${t.appsTitle}</h1>
        ${operator && !this.creating ? html`<button class="primary" type="button" @click=${() => ((this.creating = true), (this.created = null))}>${t.createApp}</button>` : ""}
      </div>
      ${this.renderCreated()} ${this.creating ? this.renderForm() : ""}
      <section class="card">${list}</section>
      ${operator ? html`<console-invite .api=${this.api} .session=${this.session} .appId=${null}></console-invite>` : ""}`;
  }

  static override styles = page;
}
customElements.get("console-apps") || customElements.define("console-apps", ConsoleApps);
