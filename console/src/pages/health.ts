import { css, html, nothing } from "lit";
import type { ConsoleApp, ConsoleHealthResponse } from "@parley/sdk/protocol";
import type { ApiError } from "../app/api.js";
import { localeTag, when } from "../app/strings.js";
import { ConsolePage } from "../shared/page.js";
import { page } from "../shared/styles.js";

const count = new Intl.NumberFormat(localeTag());

/**
 * The server's health (operators), as the node that answers sees it: readiness and why not, the
 * database and Redis, migrations, the webhook backlog, and the nodes seen lately. Refreshed on
 * demand (each view runs the checks once).
 */
export class ConsoleHealth extends ConsolePage {
  static override properties = {
    ...ConsolePage.properties,
    app: { attribute: false },
    data: { state: true },
    error: { state: true },
    loading: { state: true },
  };
  /** Unused: health is the server's, not an app's. */
  app: ConsoleApp | null = null;
  data: ConsoleHealthResponse | null = null;
  error: ApiError | null = null;
  loading = false;

  // Not in connectedCallback: the properties the shell set before this chunk arrived are applied at the first update.
  protected override firstUpdated(): void {
    void this.load();
  }

  private async load(): Promise<void> {
    this.error = null;
    this.loading = true;
    try {
      this.data = await this.api.get<ConsoleHealthResponse>("/health");
    } catch (err) {
      this.error = err as ApiError;
    } finally {
      this.loading = false;
    }
  }

  private state(s: string) {
    return html`<span class="pill ${s === "ok" ? "ok" : s === "off" ? "" : "failed"}" data-state=${s}>${this.t.healthStates[s] ?? s}</span>`;
  }

  override render() {
    const t = this.t;
    const h = this.data;
    return html`<section class="card" aria-labelledby="health-title" aria-busy=${this.loading ? "true" : "false"}>
      <div class="spread">
        <h1 id="health-title">${t.healthTitle}</h1>
        <button type="button" class="secondary" @click=${() => this.load()} ?disabled=${this.loading}>${t.refresh}</button>
      </div>
      <p role="status" class=${this.loading ? "muted" : "sr-only"}>${this.loading ? t.loading : h ? t.healthChecked(h.node, when(h.checkedAt)) : ""}</p>
      ${
        this.error
          ? html`<div role="alert"><p class="alert">${this.error.message}</p><button class="primary" type="button" @click=${() => this.load()}>${t.retry}</button></div>`
          : nothing
      }
      ${h ? this.renderHealth(h) : nothing}
    </section>`;
  }

  private renderHealth(h: ConsoleHealthResponse) {
    const t = this.t;
    const ready = h.readiness.status === "ready";
    return html`<p class="muted">${t.healthChecked(h.node, when(h.checkedAt))} · v${h.version}</p>
      <p class="readiness ${ready ? "ok" : "bad"}" data-readiness=${h.readiness.status}>
        <span class="pill ${ready ? "ok" : "failed"}">${ready ? t.healthReady : t.healthNotReady}</span>
      </p>
      ${
        h.readiness.reasons?.length
          ? html`<h2 class="sub">${t.healthReasons}</h2>
            <ul class="reasons">
              ${h.readiness.reasons.map((r) => html`<li>${r}</li>`)}
            </ul>`
          : nothing
      }
      <dl class="facts">
        <div data-fact="database">
          <dt>${t.healthDatabase}</dt>
          <dd>
            ${this.state(h.database.state)} ${t.healthDialect[h.database.dialect] ?? h.database.dialect} · ${t.healthLatency(h.database.latencyMs)}
            ${h.database.writesFailingSince ? html`<br /><span class="error">${t.healthWritesFailing(when(h.database.writesFailingSince))}</span>` : nothing}
          </dd>
        </div>
        <div data-fact="redis">
          <dt>${t.healthRedis}</dt>
          <dd>${this.state(h.redis.state)} ${h.redis.state === "off" ? nothing : t.healthLatency(h.redis.latencyMs)}</dd>
        </div>
        <div data-fact="migrations">
          <dt>${t.healthMigrations}</dt>
          <dd>
            ${this.state(h.migrations.pending.length ? "pending" : "ok")} ${t.healthApplied(h.migrations.applied)},
            ${h.migrations.pending.length ? t.healthPending(h.migrations.pending.join(", ")) : t.healthPendingNone}
          </dd>
        </div>
        <div data-fact="webhooks">
          <dt>${t.healthWebhooks}</dt>
          <dd>
            ${t.healthBacklog(count.format(h.webhooks.pending), h.webhooks.pendingCapped)}${h.webhooks.oldestPendingAt ? html`${t.healthOldest(when(h.webhooks.oldestPendingAt))}` : nothing}
          </dd>
        </div>
      </dl>
      <h2 class="sub" id="nodes-title">${t.healthNodes}</h2>
      <p class="hint">${t.healthNodesNote}</p>
      ${
        h.nodes.length === 0
          ? html`<p class="empty">${t.healthNoNodes}</p>`
          : html`<table class="stack" aria-labelledby="nodes-title">
            <thead>
              <tr><th scope="col">${t.healthColNode}</th><th scope="col">${t.healthColSeen}</th></tr>
            </thead>
            <tbody>
              ${h.nodes.map(
                (n) => html`<tr data-node=${n.node}>
                  <td data-label=${t.healthColNode}><code>${n.node}</code>${n.self ? html` <span class="pill">${t.healthThisNode}</span>` : nothing}</td>
                  <td data-label=${t.healthColSeen}>${when(n.lastSeenAt)}</td>
                </tr>`,
              )}
            </tbody>
          </table>`
      }`;
  }

  static override styles = [
    page,
    css`
      h2.sub {
        font-size: 1rem;
        margin-block: 16px 8px;
      }
      .readiness {
        margin-block: 8px;
      }
      .readiness .pill {
        font-size: 1rem;
        padding: 2px 12px;
      }
      .pill.ok {
        border-color: var(--_accent);
      }
      .reasons {
        margin: 0;
        padding-inline-start: 20px;
      }
      .facts {
        display: grid;
        grid-template-columns: repeat(auto-fill, minmax(min(100%, 260px), 1fr));
        gap: 12px;
        margin: 12px 0 0;
      }
      .facts > div {
        border: 1px solid var(--_surface);
        border-radius: 10px;
        padding: 10px 12px;
      }
      dt {
        font-weight: 600;
        margin-block-end: 4px;
      }
      dd {
        margin: 0;
        overflow-wrap: anywhere;
      }
    `,
  ];
}
customElements.get("console-health") || customElements.define("console-health", ConsoleHealth);
