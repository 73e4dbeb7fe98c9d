import { css, html, nothing, type PropertyValues } from "lit";
import type { Agent, AgentsResponse, ConsoleApp } from "@parley/sdk/protocol";
import type { ApiError } from "../app/api.js";
import { field, focusFirstError, formAlert, values } from "../shared/form.js";
import { ConsolePage } from "../shared/page.js";
import { canConfigure } from "../shared/roles.js";
import { page, settingsForm } from "../shared/styles.js";
import "./agent-settings.js";

/** The form's fields, by the server's field path (its 400 answers name these). */
const FIELDS = ["sub", "name", "endpoint", "model", "apiKey", "systemPrompt", "contextMessages", "temperature", "maxTokens", "enabled", "tools"];

/** The tools typed (JSON), or what was typed when it is not JSON: the server answers it at the field. */
const toolsOrTyped = (typed: string): unknown => {
  if (!typed) return [];
  try {
    return JSON.parse(typed) as unknown;
  } catch {
    return typed;
  }
};

/** A number typed, or what was typed when it is not one: the server answers it at the field. */
const numberOrTyped = (typed: string): number => (Number.isNaN(Number(typed)) ? (typed as unknown as number) : Number(typed));

/**
 * An app's AI agents (issue 54): each a user of the app whose replies a model writes, behind an
 * OpenAI-compatible endpoint. The list (name and sub, endpoint and model, whether a key is stored,
 * on or off); a form to make one; each one's form to change it (an empty key field keeps the
 * stored key: it is write-only) and removal asked twice; below them, the app's agent settings
 * (agent-settings.ts: hand-off, translating, summarizing). Viewers read; admins and owners change.
 */
export class ConsoleAgents extends ConsolePage {
  static override properties = {
    ...ConsolePage.properties,
    app: { attribute: false },
    items: { state: true },
    loadError: { state: true },
    error: { state: true },
    note: { state: true },
    busy: { state: true },
    editing: { state: true },
    removing: { state: true },
  };
  app: ConsoleApp | null = null;
  items: Agent[] | null = null;
  loadError: ApiError | null = null;
  error: ApiError | null = null;
  note = "";
  busy = false;
  /** The agent whose form is open ("" the new one's, null none). */
  editing: string | null = null;
  /** The agent whose removal awaits its second click. */
  removing: string | null = null;

  private get base(): string {
    return `/apps/${encodeURIComponent(this.app?.id ?? "")}/agents`;
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    const before = changed.get("app") as ConsoleApp | null | undefined;
    if (changed.has("app") && this.app && before?.id !== this.app.id) void this.load();
  }

  private async load(): Promise<void> {
    this.loadError = null;
    this.items = null;
    try {
      this.items = (await this.api.get<AgentsResponse>(this.base)).items;
    } catch (err) {
      this.loadError = err as ApiError;
    }
  }

  private open(id: string | null): void {
    this.editing = id;
    this.error = null;
    this.note = "";
  }

  private async save(e: SubmitEvent, agent: Agent | null): Promise<void> {
    e.preventDefault();
    // Kept now: once the event has been dispatched, its target (inside a shadow root) is null.
    const form = e.target as HTMLFormElement;
    const v = values(form);
    const text = (name: string): string => (v[name] ?? "").trim();
    const key = v["apiKey"] ?? "";
    const body = {
      ...(agent ? {} : { sub: text("sub") }),
      name: text("name"),
      endpoint: text("endpoint"),
      model: text("model"),
      // Empty keeps the stored key (write-only: the page never had it); a new agent then has none.
      ...(key ? { apiKey: key } : {}),
      systemPrompt: v["systemPrompt"] ?? "",
      contextMessages: numberOrTyped(text("contextMessages")),
      temperature: numberOrTyped(text("temperature")),
      maxTokens: numberOrTyped(text("maxTokens")),
      tools: toolsOrTyped(text("tools")),
      enabled: form.querySelector<HTMLInputElement>("#f-enabled")?.checked ?? true,
    };
    this.error = null;
    this.note = "";
    this.busy = true;
    try {
      if (agent) await this.api.patch<Agent>(`${this.base}/${encodeURIComponent(agent.id)}`, body);
      else await this.api.post<Agent>(this.base, body);
      this.note = this.t.saved;
      this.editing = null;
      await this.load();
    } catch (err) {
      this.error = err as ApiError;
      await focusFirstError(this.shadowRoot, this);
    } finally {
      this.busy = false;
    }
  }

  private async removeAgent(agent: Agent): Promise<void> {
    if (this.removing !== agent.id) {
      this.removing = agent.id;
      return;
    }
    this.removing = null;
    this.error = null;
    try {
      await this.api.delete(`${this.base}/${encodeURIComponent(agent.id)}`);
      this.note = this.t.agentRemoved(agent.name);
      await this.load();
    } catch (err) {
      this.error = err as ApiError;
    }
  }

  private renderForm(agent: Agent | null) {
    const t = this.t;
    const err = this.error;
    return html`${formAlert(err, FIELDS)}
      <form @submit=${(e: SubmitEvent) => this.save(e, agent)} novalidate>
        ${agent ? nothing : field({ name: "sub", label: t.agentSub, hint: t.agentSubHint, error: err?.field("sub"), required: true, autocomplete: "off" })}
        ${field({ name: "name", label: t.agentName, value: agent?.name ?? "", error: err?.field("name"), required: true, autocomplete: "off" })}
        ${field({ name: "endpoint", label: t.agentEndpoint, type: "url", hint: t.agentEndpointHint, value: agent?.endpoint ?? "", error: err?.field("endpoint"), required: true })}
        ${field({ name: "model", label: t.agentModel, value: agent?.model ?? "", error: err?.field("model"), required: true, autocomplete: "off" })}
        ${field({
          name: "apiKey",
          label: t.agentKey,
          type: "password",
          autocomplete: "new-password",
          hint: agent?.apiKey.set ? t.agentKeyKept : t.agentKeyHint,
          error: err?.field("apiKey"),
        })}
        ${field({ name: "systemPrompt", label: t.agentPrompt, value: agent?.systemPrompt ?? "", error: err?.field("systemPrompt"), multiline: true })}
        <div class="numbers">
          ${field({ name: "contextMessages", label: t.agentContext, inputmode: "numeric", value: String(agent?.contextMessages ?? 20), error: err?.field("contextMessages") })}
          ${field({ name: "temperature", label: t.agentTemperature, inputmode: "decimal", value: String(agent?.temperature ?? 0.7), error: err?.field("temperature") })}
          ${field({ name: "maxTokens", label: t.agentMaxTokens, inputmode: "numeric", value: String(agent?.maxTokens ?? 1024), error: err?.field("maxTokens") })}
        </div>
        ${field({
          name: "tools",
          label: t.agentTools,
          hint: t.agentToolsHint,
          value: agent?.tools.length ? JSON.stringify(agent.tools, null, 2) : "",
          error: err?.field("tools"),
          multiline: true,
        })}
        <div class="check">
          <input type="checkbox" id="f-enabled" name="enabled" ?checked=${agent?.enabled ?? true} />
          <label for="f-enabled">${t.agentEnabled}</label>
        </div>
        <div class="row">
          <button class="primary" type="submit" ?disabled=${this.busy}>${t.save}</button>
          <button class="secondary" type="button" @click=${() => this.open(null)}>${t.cancel}</button>
        </div>
      </form>`;
  }

  private renderAgent(a: Agent, write: boolean) {
    const t = this.t;
    return html`<li class="agent" data-agent=${a.id}>
      <div class="spread">
        <h3>${a.name} <span class="muted mono">${a.sub}</span></h3>
        <span class="pill ${a.enabled ? "" : "failed"}">${a.enabled ? t.agentOn : t.agentOff}</span>
      </div>
      <p class="mono">${a.model} · ${a.endpoint}</p>
      <p class="muted">${a.apiKey.set ? t.agentKeySet : t.agentNoKey}</p>
      ${
        write
          ? this.editing === a.id
            ? this.renderForm(a)
            : html`${this.removing === a.id ? html`<p class="error" role="alert">${t.agentRemoveConfirm}</p>` : nothing}
              <div class="row">
                <button type="button" class="secondary" @click=${() => this.open(a.id)}>${t.agentEdit}</button>
                <button type="button" class="danger" @click=${() => this.removeAgent(a)}>${this.removing === a.id ? t.settingsConfirm : t.agentRemove}</button>
                ${this.removing === a.id ? html`<button type="button" class="secondary" @click=${() => (this.removing = null)}>${t.cancel}</button>` : nothing}
              </div>`
          : nothing
      }
    </li>`;
  }

  override render() {
    const t = this.t;
    if (this.loadError)
      return html`<div class="card" role="alert"><p>${this.loadError.message}</p><button class="primary" type="button" @click=${() => this.load()}>${t.retry}</button></div>`;
    const items = this.items;
    if (!items || !this.app) return html`<p role="status" class="muted">${t.loading}</p>`;
    const write = canConfigure(this.app.role);
    return html`<section class="card" aria-labelledby="agents-title">
      <h2 id="agents-title">${t.agentsTitle}</h2>
      <p class="muted">${t.agentsNote}</p>
      ${this.note ? html`<p class="notice" role="status">${this.note}</p>` : nothing}
      ${this.editing === null && this.error ? html`<p class="alert" role="alert">${this.error.message}</p>` : nothing}
      ${items.length === 0 ? html`<p class="empty">${t.agentsEmpty}</p>` : html`<ul class="plain">${items.map((a) => this.renderAgent(a, write))}</ul>`}
      ${
        write
          ? this.editing === ""
            ? html`<h3>${t.agentNew}</h3>
                ${this.renderForm(null)}`
            : html`<div><button type="button" class="primary" @click=${() => this.open("")}>${t.agentNew}</button></div>`
          : html`<p class="notice">${t.readOnly}</p>`
      }
    </section>
    <console-agent-settings .api=${this.api} .session=${this.session} .app=${this.app} .agents=${items}></console-agent-settings>`;
  }

  static override styles = [
    page,
    settingsForm,
    css`
      form {
        display: flex;
        flex-direction: column;
        gap: 14px;
        margin-block: 12px;
      }
      .agent {
        border-block-start: 1px solid var(--_border);
        padding-block: 12px;
      }
      .agent h3 {
        margin: 0;
      }
      .agent p {
        margin: 4px 0;
        overflow-wrap: anywhere;
      }
      .numbers {
        display: grid;
        grid-template-columns: repeat(auto-fit, minmax(140px, 1fr));
        gap: 12px;
      }
    `,
  ];
}
customElements.get("console-agents") || customElements.define("console-agents", ConsoleAgents);
