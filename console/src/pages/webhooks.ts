import { css, html, nothing } from "lit";
import { WEBHOOK_EVENT_TYPES, type WebhookDeliveriesResponse, type WebhookDelivery, type WebhookEndpoint, type WebhookSettings } from "@parley/sdk/protocol";
import type { ApiError } from "../app/api.js";
import { when } from "../app/strings.js";
import { field, focusFirstError, formAlert, values } from "../shared/form.js";
import { ConsolePage } from "../shared/page.js";
import { page } from "../shared/styles.js";

interface EndpointsAnswer {
  endpoints: WebhookEndpoint[];
  settings: WebhookSettings;
}
interface DeliveryDetail {
  delivery: WebhookDelivery;
  request: { url: string; body: unknown };
  response: { status: number | null; error: string | null; at: string | null };
}
type Status = "" | "pending" | "delivered" | "failed";

/** What one endpoint's log shows: its page of deliveries, the filter, and the open detail. */
interface Log {
  status: Status;
  items: WebhookDelivery[] | null;
  next: string | null;
  detail: DeliveryDetail | null;
  note: string;
  error: ApiError | null;
}

/**
 * An app's webhooks: endpoints and their events, each endpoint's delivery log (filtered by
 * status, one delivery's request and response), replay from a seq, a test event, and the
 * unread-notification setting. Viewers read; admins and owners change.
 */
export class ConsoleWebhooks extends ConsolePage {
  static override properties = {
    ...ConsolePage.properties,
    appId: { attribute: false },
    writable: { attribute: false },
    data: { state: true },
    loadError: { state: true },
    error: { state: true },
    settingsError: { state: true },
    settingsNote: { state: true },
    logs: { state: true },
    busy: { state: true },
  };
  appId = "";
  writable = false;
  data: EndpointsAnswer | null = null;
  loadError: ApiError | null = null;
  error: ApiError | null = null;
  settingsError: ApiError | null = null;
  settingsNote = "";
  logs: Record<string, Log> = {};
  busy = false;

  private get base(): string {
    return `/apps/${encodeURIComponent(this.appId)}/webhooks`;
  }

  // Not in connectedCallback: the properties the shell set before this chunk arrived are applied at the first update.
  protected override firstUpdated(): void {
    void this.load();
  }

  private async load(): Promise<void> {
    this.loadError = null;
    try {
      this.data = await this.api.get<EndpointsAnswer>(this.base);
      await Promise.all(this.data.endpoints.map((e) => this.loadLog(e.id, this.logs[e.id]?.status ?? "")));
    } catch (err) {
      this.loadError = err as ApiError;
    }
  }

  private setLog(id: string, patch: Partial<Log>): void {
    const was: Log = this.logs[id] ?? { status: "", items: null, next: null, detail: null, note: "", error: null };
    this.logs = { ...this.logs, [id]: { ...was, ...patch } };
  }

  private async loadLog(id: string, status: Status, more = false): Promise<void> {
    const log = this.logs[id];
    const q = new URLSearchParams({ limit: "20" });
    if (status) q.set("status", status);
    if (more && log?.next) q.set("cursor", log.next);
    this.setLog(id, { status, error: null, ...(more ? {} : { items: null }) });
    try {
      const page = await this.api.get<WebhookDeliveriesResponse>(`${this.base}/${encodeURIComponent(id)}/deliveries?${q}`);
      this.setLog(id, { items: more ? [...(log?.items ?? []), ...page.items] : page.items, next: page.nextCursor });
    } catch (err) {
      this.setLog(id, { error: err as ApiError, items: [] });
    }
  }

  private async addEndpoint(e: SubmitEvent): Promise<void> {
    e.preventDefault();
    const form = e.target as HTMLFormElement;
    const fd = new FormData(form);
    this.error = null;
    this.busy = true;
    try {
      await this.api.post(this.base, { url: String(fd.get("url") ?? "").trim(), events: fd.getAll("events").map(String) });
      form.reset();
      await this.load();
    } catch (err) {
      this.error = err as ApiError;
      await focusFirstError(this.shadowRoot, this);
    } finally {
      this.busy = false;
    }
  }

  private async removeEndpoint(id: string): Promise<void> {
    if (!confirm(this.t.removeEndpointConfirm)) return;
    try {
      await this.api.delete(`${this.base}/${encodeURIComponent(id)}`);
      await this.load();
    } catch (err) {
      this.setLog(id, { error: err as ApiError });
    }
  }

  private async showDetail(endpointId: string, deliveryId: string): Promise<void> {
    try {
      const detail = await this.api.get<DeliveryDetail>(`${this.base}/${encodeURIComponent(endpointId)}/deliveries/${encodeURIComponent(deliveryId)}`);
      this.setLog(endpointId, { detail });
    } catch (err) {
      this.setLog(endpointId, { error: err as ApiError });
    }
  }

  private async replay(e: SubmitEvent, id: string): Promise<void> {
    e.preventDefault();
    const raw = (values(e.target as HTMLFormElement)["fromSeq"] ?? "").trim();
    this.setLog(id, { error: null, note: "" });
    try {
      const r = await this.api.post<{ queued: number }>(`${this.base}/${encodeURIComponent(id)}/replay`, { fromSeq: raw === "" ? Number.NaN : Number(raw) });
      this.setLog(id, { note: this.t.replayed(r.queued) });
      await this.loadLog(id, this.logs[id]?.status ?? "");
    } catch (err) {
      this.setLog(id, { error: err as ApiError });
      await focusFirstError(this.shadowRoot, this);
    }
  }

  private async sendTest(id: string): Promise<void> {
    this.setLog(id, { error: null, note: "" });
    try {
      await this.api.post(`${this.base}/${encodeURIComponent(id)}/test`);
      this.setLog(id, { note: this.t.testSent });
      await this.loadLog(id, this.logs[id]?.status ?? "");
    } catch (err) {
      this.setLog(id, { error: err as ApiError });
    }
  }

  private async saveSettings(e: SubmitEvent): Promise<void> {
    e.preventDefault();
    const raw = (values(e.target as HTMLFormElement)["unreadAfterSec"] ?? "").trim();
    this.settingsError = null;
    this.settingsNote = "";
    try {
      const s = await this.api.put<WebhookSettings>(`${this.base}/settings`, { unreadAfterSec: raw === "" ? Number.NaN : Number(raw) });
      if (this.data) this.data = { ...this.data, settings: s };
      this.settingsNote = this.t.saved;
    } catch (err) {
      this.settingsError = err as ApiError;
      await focusFirstError(this.shadowRoot, this);
    }
  }

  private renderLog(ep: WebhookEndpoint) {
    const t = this.t;
    const log = this.logs[ep.id];
    const items = log?.items;
    return html`<div class="log">
      <div class="spread">
        <h4 id="log-${ep.id}">${t.deliveries}</h4>
        <div class="row">
          <label for="status-${ep.id}">${t.statusFilter}</label>
          <select id="status-${ep.id}" @change=${(e: Event) => this.loadLog(ep.id, (e.target as HTMLSelectElement).value as Status)}>
            <option value="" ?selected=${!log?.status}>${t.statusAll}</option>
            ${(["pending", "delivered", "failed"] as const).map((s) => html`<option value=${s} ?selected=${log?.status === s}>${t.statusNames[s]}</option>`)}
          </select>
          <button type="button" class="secondary" @click=${() => this.loadLog(ep.id, log?.status ?? "")}>${t.refresh}</button>
        </div>
      </div>
      ${log?.note ? html`<p class="notice" role="status">${log.note}</p>` : nothing}
      ${log?.error && !log.error.field("fromSeq") ? html`<p class="alert" role="alert">${log.error.message}</p>` : nothing}
      ${
        items == null
          ? html`<p role="status" class="muted">${t.loading}</p>`
          : items.length === 0
            ? html`<p class="empty">${log?.status ? t.deliveriesEmptyFiltered : t.deliveriesEmpty}</p>`
            : html`<table class="stack" aria-labelledby="log-${ep.id}">
              <thead>
                <tr>
                  <th scope="col">${t.colEvent}</th>
                  <th scope="col">${t.colSeq}</th>
                  <th scope="col">${t.colStatus}</th>
                  <th scope="col">${t.colAttempts}</th>
                  <th scope="col">${t.colLast}</th>
                  <th scope="col">${t.colCode}</th>
                  <th scope="col"><span class="sr-only">${t.showDelivery}</span></th>
                </tr>
              </thead>
              <tbody>
                ${items.map(
                  (d) => html`<tr data-delivery=${d.id} data-status=${d.status}>
                    <td data-label=${t.colEvent}><code>${d.type}</code></td>
                    <td data-label=${t.colSeq}>${d.seq}</td>
                    <td data-label=${t.colStatus}><span class="pill ${d.status}">${t.statusNames[d.status] ?? d.status}</span></td>
                    <td data-label=${t.colAttempts}>${d.attempts}</td>
                    <td data-label=${t.colLast}>${when(d.lastAttemptAt)}</td>
                    <td data-label=${t.colCode}>${d.lastStatus !== null ? `HTTP ${d.lastStatus}` : (d.lastError ?? "—")}</td>
                    <td><button type="button" class="secondary" @click=${() => this.showDetail(ep.id, d.id)}>${t.showDelivery}</button></td>
                  </tr>`,
                )}
              </tbody>
            </table>`
      }
      ${log?.next ? html`<button type="button" class="secondary" @click=${() => this.loadLog(ep.id, log.status, true)}>${t.loadMore}</button>` : nothing}
      ${log?.detail ? this.renderDetail(log.detail) : nothing}
      ${
        this.writable
          ? html`<form class="replay" @submit=${(e: SubmitEvent) => this.replay(e, ep.id)} novalidate>
              ${field({ name: "fromSeq", label: t.replayFrom, inputmode: "numeric", hint: t.replayHint, error: log?.error?.field("fromSeq") })}
              <div><button type="submit" class="secondary">${t.replay}</button></div>
            </form>
            <div class="row">
              <button type="button" class="secondary" @click=${() => this.sendTest(ep.id)}>${t.sendTest}</button>
              <button type="button" class="danger" @click=${() => this.removeEndpoint(ep.id)}>${t.removeEndpoint}</button>
            </div>`
          : nothing
      }
    </div>`;
  }

  private renderDetail(d: DeliveryDetail) {
    const t = this.t;
    return html`<section class="detail" aria-label=${`${t.showDelivery}: ${d.delivery.type} #${d.delivery.seq}`}>
      <h4>${t.deliveryRequest}</h4>
      <p class="mono">POST ${d.request.url}</p>
      <pre tabindex="0">${JSON.stringify(d.request.body, null, 2)}</pre>
      <h4>${t.deliveryResponse}</h4>
      <p data-response>${d.response.status !== null ? `HTTP ${d.response.status}` : (d.response.error ?? t.noResponse)} · ${when(d.response.at)}</p>
      ${d.response.status !== null && d.response.error ? html`<p class="error">${d.response.error}</p>` : nothing}
    </section>`;
  }

  override render() {
    const t = this.t;
    if (this.loadError)
      return html`<div class="card" role="alert"><p>${this.loadError.message}</p><button class="primary" type="button" @click=${() => this.load()}>${t.retry}</button></div>`;
    const d = this.data;
    if (!d) return html`<p role="status" class="muted">${t.loading}</p>`;
    const err = this.error;
    return html`<section class="card" aria-labelledby="wh-title">
        <h2 id="wh-title">${t.tabWebhooks}</h2>
        <p class="muted">${t.webhooksNote}</p>
        ${this.writable ? nothing : html`<p class="notice">${t.readOnly}</p>`}
        ${
          d.endpoints.length === 0
            ? html`<p class="empty">${t.webhooksEmpty}</p>`
            : html`<ul class="plain">
              ${d.endpoints.map(
                (ep) => html`<li data-endpoint=${ep.id}>
                  <h3 class="mono">${ep.url}</h3>
                  <p class="muted">${ep.events.join(", ")}</p>
                  ${this.renderLog(ep)}
                </li>`,
              )}
            </ul>`
        }
      </section>
      ${
        this.writable
          ? html`<section class="card" aria-labelledby="add-title">
              <h2 id="add-title">${t.addEndpoint}</h2>
              ${formAlert(err, ["url", "events"])}
              <form @submit=${this.addEndpoint} novalidate>
                ${field({ name: "url", label: t.endpointUrl, type: "url", hint: t.endpointUrlHint, error: err?.field("url"), required: true })}
                <fieldset aria-describedby="events-hint${err?.field("events") ? " events-error" : ""}">
                  <legend>${t.events}</legend>
                  <p class="hint" id="events-hint">${t.eventsHint}</p>
                  <div class="checks">
                    ${WEBHOOK_EVENT_TYPES.map((ev) => html`<label><input type="checkbox" name="events" value=${ev} ?checked=${ev === "message.new"} />${ev}</label>`)}
                  </div>
                  ${err?.field("events") ? html`<p class="field-error" id="events-error">${err.field("events")}</p>` : nothing}
                </fieldset>
                <div><button class="primary" type="submit" ?disabled=${this.busy}>${t.addEndpoint}</button></div>
              </form>
            </section>`
          : nothing
      }
      <section class="card" aria-labelledby="unread-title">
        <h2 id="unread-title">${t.unreadTitle}</h2>
        ${this.settingsNote ? html`<p class="notice" role="status">${this.settingsNote}</p>` : nothing}
        ${formAlert(this.settingsError, ["unreadAfterSec"])}
        <form @submit=${this.saveSettings} novalidate>
          ${field({
            name: "unreadAfterSec",
            label: t.unreadAfter,
            type: "number",
            inputmode: "numeric",
            hint: t.unreadHint,
            value: String(d.settings.unreadAfterSec),
            error: this.settingsError?.field("unreadAfterSec"),
          })}
          ${this.writable ? html`<div><button class="primary" type="submit">${t.save}</button></div>` : nothing}
        </form>
      </section>`;
  }

  static override styles = [
    page,
    css`
      h4 {
        margin: 12px 0 8px;
        font-size: 0.95rem;
      }
      .log {
        display: flex;
        flex-direction: column;
        gap: 8px;
      }
      .replay {
        flex-direction: row;
        flex-wrap: wrap;
        align-items: flex-end;
      }
      .replay .field {
        flex: 1 1 200px;
      }
      .detail {
        border: 1px solid var(--_border);
        border-radius: 8px;
        padding: 8px 12px;
      }
    `,
  ];
}
customElements.get("console-webhooks") || customElements.define("console-webhooks", ConsoleWebhooks);
