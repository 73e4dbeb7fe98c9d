import { html, nothing, type PropertyValues } from "lit";
import type { Agent, AgentSettings, ConsoleApp } from "@parley/sdk/protocol";
import { ApiError } from "../app/api.js";
import { field, focusFirstError, formAlert, values } from "../shared/form.js";
import { ConsolePage } from "../shared/page.js";
import { canConfigure } from "../shared/roles.js";
import { page, settingsForm } from "../shared/styles.js";

/** The form's fields, by the server's field path (its 400 answers name these). */
const FIELDS = ["handoffTo", "handoffUserIds", "translateAgentId", "summarizeAgentId"];
const HANDOFF = ["off", "moderators", "users"] as const;
const INDEXED = "handoffUserIds.";

/** The ids typed, one per line (commas and spaces also part them), each once, in the order typed: the server's indexes in its errors are into this list. */
const idsOf = (typed: string): string[] => [...new Set(typed.split(/[\s,]+/).filter(Boolean))];

/**
 * An app's agent settings (issue 54), below its agents on the agents page: to whom a conversation
 * is handed when a member asks for a person or the model gives up (nobody, the app's moderators,
 * or the users named), and which agent's model translates messages and summarizes unread ones for
 * members (none, or one of the app's agents). Viewers read; admins and owners change.
 *
 * The server names an unknown user by its place in the list (`handoffUserIds.2`) in English; the
 * page says which id it was, in the reader's language, at the list. Its agents come from the page
 * above (`agents`): when one in use here is removed there, the server has turned that helper off,
 * so the settings are read again.
 */
export class ConsoleAgentSettings extends ConsolePage {
  static override properties = {
    ...ConsolePage.properties,
    app: { attribute: false },
    agents: { attribute: false },
    data: { state: true },
    loadError: { state: true },
    error: { state: true },
    note: { state: true },
    busy: { state: true },
    handoffTo: { state: true },
  };
  app: ConsoleApp | null = null;
  /** The app's agents (the choices for translating and summarizing). */
  agents: Agent[] = [];
  data: AgentSettings | null = null;
  loadError: ApiError | null = null;
  error: ApiError | null = null;
  note = "";
  busy = false;
  /** The hand-off chosen in the form (the user list shows with `users`). */
  handoffTo: AgentSettings["handoffTo"] = "off";
  /** The ids last sent, which the server's `handoffUserIds.<n>` errors index. */
  private sent: string[] = [];

  private get base(): string {
    return `/apps/${encodeURIComponent(this.app?.id ?? "")}/agent-settings`;
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    const before = changed.get("app") as ConsoleApp | null | undefined;
    if (changed.has("app") && this.app && before?.id !== this.app.id) void this.load();
    else if (changed.has("agents") && this.data && !this.busy) {
      const ids = new Set(this.agents.map((a) => a.id));
      const gone = [this.data.translateAgentId, this.data.summarizeAgentId].some((id) => id !== null && !ids.has(id));
      if (gone) void this.load();
    }
  }

  private async load(): Promise<void> {
    this.loadError = null;
    this.data = null;
    try {
      this.shown(await this.api.get<AgentSettings>(this.base));
    } catch (err) {
      this.loadError = err as ApiError;
    }
  }

  private shown(d: AgentSettings): void {
    this.data = d;
    this.handoffTo = d.handoffTo;
  }

  private async save(e: SubmitEvent): Promise<void> {
    e.preventDefault();
    // Kept now: once the event has been dispatched, its target (inside a shadow root) is null.
    const form = e.target as HTMLFormElement;
    const v = values(form);
    const t = this.t;
    const ids = this.handoffTo === "users" ? idsOf(v["handoffUserIds"] ?? "") : [];
    this.error = null;
    this.note = "";
    // Said at the list before asking: the server would refuse it too, in English.
    if (this.handoffTo === "users" && ids.length === 0) {
      this.error = new ApiError(400, "validation_failed", t.errInvalid, { handoffUserIds: t.agentSettingsNeedUsers });
      await focusFirstError(this.shadowRoot, this);
      return;
    }
    const body: AgentSettings = {
      handoffTo: this.handoffTo,
      handoffUserIds: ids,
      translateAgentId: v["translateAgentId"] || null,
      summarizeAgentId: v["summarizeAgentId"] || null,
    };
    this.sent = ids;
    this.busy = true;
    try {
      this.shown(await this.api.put<AgentSettings>(this.base, body));
      this.note = t.saved;
    } catch (err) {
      this.error = err as ApiError;
      await focusFirstError(this.shadowRoot, this);
    } finally {
      this.busy = false;
    }
  }

  /** The user list's error: which id is unknown, or what the server said of the list. */
  private usersError(err: ApiError | null): string | undefined {
    if (!err) return undefined;
    const at = Object.keys(err.fields).find((k) => k.startsWith(INDEXED));
    const id = at ? this.sent[Number(at.slice(INDEXED.length))] : undefined;
    if (id !== undefined) return this.t.agentSettingsUnknownUser(id);
    return err.field("handoffUserIds");
  }

  private choice(name: "translateAgentId" | "summarizeAgentId", label: string, hint: string, value: string | null) {
    const err = this.error?.field(name);
    const id = `f-${name}`;
    // The stored agent stays a choice even if the list above has not caught up with it.
    const options = value && !this.agents.some((a) => a.id === value) ? [...this.agents, { id: value, name: value } as Agent] : this.agents;
    return html`<div class="field">
      <label for=${id}>${label}</label>
      <select id=${id} name=${name} aria-invalid=${err ? "true" : "false"} aria-describedby="${id}-hint${err ? ` ${id}-error` : ""}">
        <option value="" ?selected=${value === null}>${this.t.agentSettingsNone}</option>
        ${options.map((a) => html`<option value=${a.id} ?selected=${a.id === value}>${a.name}</option>`)}
      </select>
      <p class="hint" id="${id}-hint">${hint}</p>
      ${err ? html`<p class="field-error" id="${id}-error">${err}</p>` : nothing}
    </div>`;
  }

  private renderForm(d: AgentSettings) {
    const t = this.t;
    const err = this.error;
    const handoffError = err?.field("handoffTo");
    const labels: Record<AgentSettings["handoffTo"], string> = { off: t.handoffOff, moderators: t.handoffModerators, users: t.handoffUsers };
    return html`${formAlert(err, FIELDS)}
      <form @submit=${this.save} novalidate>
        <fieldset aria-describedby="f-handoffTo-hint${handoffError ? " f-handoffTo-error" : ""}">
          <legend>${t.handoffTo}</legend>
          <p class="hint" id="f-handoffTo-hint">${t.handoffToHint}</p>
          ${HANDOFF.map(
            (h) => html`<div class="check">
              <input
                type="radio"
                id="f-handoffTo-${h}"
                name="handoffTo"
                value=${h}
                .checked=${this.handoffTo === h}
                aria-invalid=${handoffError ? "true" : "false"}
                @change=${() => (this.handoffTo = h)}
              />
              <label for="f-handoffTo-${h}">${labels[h]}</label>
            </div>`,
          )}
          ${handoffError ? html`<p class="field-error" id="f-handoffTo-error">${handoffError}</p>` : nothing}
          ${
            this.handoffTo === "users"
              ? field({
                  name: "handoffUserIds",
                  label: t.handoffUserIds,
                  hint: t.handoffUserIdsHint,
                  value: d.handoffUserIds.join("\n"),
                  error: this.usersError(err),
                  multiline: true,
                })
              : nothing
          }
        </fieldset>
        ${this.choice("translateAgentId", t.translateWith, t.translateWithHint, d.translateAgentId)}
        ${this.choice("summarizeAgentId", t.summarizeWith, t.summarizeWithHint, d.summarizeAgentId)}
        <div class="row">
          <button class="primary" type="submit" ?disabled=${this.busy}>${t.agentSettingsSave}</button>
        </div>
      </form>`;
  }

  private renderReadOnly(d: AgentSettings) {
    const t = this.t;
    const agent = (id: string | null) => (id === null ? t.agentSettingsNone : (this.agents.find((a) => a.id === id)?.name ?? id));
    const handoff = { off: t.handoffOff, moderators: t.handoffModerators, users: `${t.handoffUsers}: ${d.handoffUserIds.join(", ")}` }[d.handoffTo];
    return html`<dl class="facts">
      <dt>${t.handoffTo}</dt>
      <dd>${handoff}</dd>
      <dt>${t.translateWith}</dt>
      <dd>${agent(d.translateAgentId)}</dd>
      <dt>${t.summarizeWith}</dt>
      <dd>${agent(d.summarizeAgentId)}</dd>
    </dl>`;
  }

  override render() {
    const t = this.t;
    if (this.loadError)
      return html`<div class="card" role="alert"><p>${this.loadError.message}</p><button class="primary" type="button" @click=${() => this.load()}>${t.retry}</button></div>`;
    const d = this.data;
    if (!d || !this.app) return html`<p role="status" class="muted">${t.loading}</p>`;
    return html`<section class="card" aria-labelledby="agent-settings-title">
      <h2 id="agent-settings-title">${t.agentSettingsTitle}</h2>
      <p class="muted">${t.agentSettingsNote}</p>
      ${this.note ? html`<p class="notice" role="status">${this.note}</p>` : nothing}
      ${canConfigure(this.app.role) ? this.renderForm(d) : this.renderReadOnly(d)}
    </section>`;
  }

  static override styles = [page, settingsForm];
}
customElements.get("console-agent-settings") || customElements.define("console-agent-settings", ConsoleAgentSettings);
