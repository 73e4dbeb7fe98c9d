import { css, html, nothing, type PropertyValues } from "lit";
import type { ConsoleApp, ConsoleAppSettings, ConsoleRotateSecretResponse, ConsoleUpdateAppSettingsRequest } from "@parley/sdk/protocol";
import type { ApiError } from "../app/api.js";
import { href } from "../app/routes.js";
import { when } from "../app/strings.js";
import { field, focusFirstError, formAlert, values } from "../shared/form.js";
import { ConsolePage } from "../shared/page.js";
import { canConfigure, canInvite } from "../shared/roles.js";
import { page, settingsForm } from "../shared/styles.js";

/** A host list typed one per line (commas and spaces also split); each judged by the server at its field. */
const hosts = (typed: string | undefined): string[] =>
  (typed ?? "")
    .split(/[\s,]+/)
    .map((h) => h.trim())
    .filter(Boolean);

/** The grace windows offered after a rotation, in seconds (the server takes any from 0 to 30 days). */
const GRACE = ["0", "3600", "86400", "604800", "2592000"] as const;

/** Who may delete an app: its owners and operators (the server's `manage_members`), as for invitations. */
const canDelete = canInvite;

/** Which two-step action awaits its second click. */
type Pending = "rotate" | "disable" | null;

/**
 * An app's settings: name, allowed origins, group policy and size, e-mail search and name
 * filtering; its secret's rotation (the new one shown once, with copy); disable and enable; and
 * deletion with the app's name typed. Viewers read the settings with no control to change them;
 * admins, owners and operators change them; owners and operators delete.
 *
 * @event console-app - the app as it is after a change (name, origins, disabled), for the page's header.
 */
export class ConsoleSettings extends ConsolePage {
  static override properties = {
    ...ConsolePage.properties,
    app: { attribute: false },
    data: { state: true },
    loadError: { state: true },
    error: { state: true },
    note: { state: true },
    busy: { state: true },
    pending: { state: true },
    rotated: { state: true },
    secretError: { state: true },
    stateError: { state: true },
    deleteError: { state: true },
    copied: { state: true },
  };
  app: ConsoleApp | null = null;
  data: ConsoleAppSettings | null = null;
  loadError: ApiError | null = null;
  error: ApiError | null = null;
  note = "";
  busy = false;
  pending: Pending = null;
  rotated: ConsoleRotateSecretResponse | null = null;
  secretError: ApiError | null = null;
  stateError: ApiError | null = null;
  deleteError: ApiError | null = null;
  copied = false;

  private get base(): string {
    return `/apps/${encodeURIComponent(this.app?.id ?? "")}`;
  }

  // Loaded when the app (its id) is first known or changes; not in connectedCallback (see webhooks.ts).
  protected override willUpdate(changed: PropertyValues<this>): void {
    const before = changed.get("app") as ConsoleApp | null | undefined;
    if (changed.has("app") && this.app && before?.id !== this.app.id) void this.load();
  }

  private async load(): Promise<void> {
    this.loadError = null;
    this.data = null;
    try {
      this.data = await this.api.get<ConsoleAppSettings>(`${this.base}/settings`);
    } catch (err) {
      this.loadError = err as ApiError;
    }
  }

  /** The page's header shows the app as the server now has it. */
  private changed(app: ConsoleApp): void {
    this.emit("console-app", app);
  }

  private async save(e: SubmitEvent): Promise<void> {
    e.preventDefault();
    // Kept now: once the event has been dispatched, its target (inside a shadow root) is null.
    const form = e.target as HTMLFormElement;
    const v = values(form);
    const max = (v["groupMaxMembers"] ?? "").trim();
    const presence = (v["presenceGroupMax"] ?? "").trim();
    const voice = (v["voiceMaxSeconds"] ?? "").trim();
    const direct = v["groupDirectAdd"] ?? "";
    const body: ConsoleUpdateAppSettingsRequest = {
      name: v["name"] ?? "",
      allowedOrigins: (v["allowedOrigins"] ?? "")
        .split(/[\s,]+/)
        .map((o) => o.trim())
        .filter(Boolean),
      groupDirectAdd: direct === "" ? null : direct === "on",
      // Not a number stays what was typed: the server answers it at the field.
      groupMaxMembers: max === "" ? null : Number.isNaN(Number(max)) ? (max as unknown as number) : Number(max),
      presenceGroupMax: presence === "" ? null : Number.isNaN(Number(presence)) ? (presence as unknown as number) : Number(presence),
      exactEmailSearch: form.querySelector<HTMLInputElement>("#f-exactEmailSearch")?.checked ?? false,
      voiceMaxSeconds: voice === "" ? null : Number.isNaN(Number(voice)) ? (voice as unknown as number) : Number(voice),
      filterNames: form.querySelector<HTMLInputElement>("#f-filterNames")?.checked ?? false,
      linkPreviews: form.querySelector<HTMLInputElement>("#f-linkPreviews")?.checked ?? false,
      previewAllow: hosts(v["previewAllow"]),
      previewDeny: hosts(v["previewDeny"]),
    };
    this.error = null;
    this.note = "";
    this.busy = true;
    try {
      this.data = await this.api.put<ConsoleAppSettings>(`${this.base}/settings`, body);
      this.note = this.t.settingsSaved;
      this.changed(this.data.app);
    } catch (err) {
      this.error = err as ApiError;
      await focusFirstError(this.shadowRoot, this);
    } finally {
      this.busy = false;
    }
  }

  private async rotate(e: SubmitEvent): Promise<void> {
    e.preventDefault();
    const graceSec = Number(values(e.target as HTMLFormElement)["graceSec"] ?? "0");
    if (this.pending !== "rotate") {
      this.pending = "rotate";
      return;
    }
    this.pending = null;
    this.secretError = null;
    try {
      this.rotated = await this.api.post<ConsoleRotateSecretResponse>(`${this.base}/secret`, { graceSec });
      this.copied = false;
      if (this.data) this.data = { ...this.data, app: this.rotated.app, previousSecretValidUntil: this.rotated.previousSecretValidUntil };
    } catch (err) {
      this.secretError = err as ApiError;
    }
  }

  private async setDisabled(disabled: boolean): Promise<void> {
    if (disabled && this.pending !== "disable") {
      this.pending = "disable";
      return;
    }
    this.pending = null;
    this.stateError = null;
    try {
      const app = await this.api.post<ConsoleApp>(`${this.base}/${disabled ? "disable" : "enable"}`);
      if (this.data) this.data = { ...this.data, app };
      this.changed(app);
    } catch (err) {
      this.stateError = err as ApiError;
    }
  }

  private async deleteApp(e: SubmitEvent): Promise<void> {
    e.preventDefault();
    const confirm = values(e.target as HTMLFormElement)["confirm"] ?? "";
    this.deleteError = null;
    this.busy = true;
    try {
      await this.api.delete(this.base, { confirm });
      location.hash = href.apps;
    } catch (err) {
      this.deleteError = err as ApiError;
      await focusFirstError(this.shadowRoot, this);
    } finally {
      this.busy = false;
    }
  }

  private renderReadOnly(d: ConsoleAppSettings) {
    const t = this.t;
    const yes = (b: boolean) => (b ? t.settingOn : t.settingOff);
    return html`<p class="notice">${t.readOnly}</p>
      <dl class="facts">
        <dt>${t.appName}</dt>
        <dd>${d.app.name}</dd>
        <dt>${t.allowedOrigins}</dt>
        <dd>${d.app.allowedOrigins.length ? html`<ul class="plain">${d.app.allowedOrigins.map((o) => html`<li class="mono">${o}</li>`)}</ul>` : t.noOrigins}</dd>
        <dt>${t.groupDirectAdd}</dt>
        <dd>
          ${d.groupDirectAdd === null ? t.groupDirectAddServer(d.defaults.groupDirectAdd) : d.groupDirectAdd ? t.groupDirectAddOn : t.groupDirectAddOff}
        </dd>
        <dt>${t.groupMaxMembers}</dt>
        <dd>${d.groupMaxMembers === null ? t.settingServer(t.settingMembers(d.defaults.groupMaxMembers)) : t.settingMembers(d.groupMaxMembers)}</dd>
        <dt>${t.presenceGroupMax}</dt>
        <dd>${d.presenceGroupMax === null ? t.settingServer(t.settingMembers(d.defaults.presenceGroupMax)) : t.settingMembers(d.presenceGroupMax)}</dd>
        <dt>${t.exactEmailSearch}</dt>
        <dd>${yes(d.exactEmailSearch)}</dd>
        <dt>${t.voiceMaxSeconds}</dt>
        <dd>${d.voiceMaxSeconds === null ? t.settingServer(t.voiceSeconds(d.defaults.voiceMaxSeconds)) : t.voiceSeconds(d.voiceMaxSeconds)}</dd>
        <dt>${t.filterNames}</dt>
        <dd>${yes(d.filterNames)} · ${t.filterNamesHint(d.filterWords)}</dd>
        <dt>${t.linkPreviews}</dt>
        <dd>${yes(d.linkPreviews)}</dd>
        <dt>${t.previewAllow}</dt>
        <dd>${d.previewAllow.length ? html`<ul class="plain">${d.previewAllow.map((h) => html`<li class="mono">${h}</li>`)}</ul>` : t.previewAnyHost}</dd>
        <dt>${t.previewDeny}</dt>
        <dd>${d.previewDeny.length ? html`<ul class="plain">${d.previewDeny.map((h) => html`<li class="mono">${h}</li>`)}</ul>` : "—"}</dd>
      </dl>`;
  }

  private renderForm(d: ConsoleAppSettings) {
    const t = this.t;
    const err = this.error;
    const direct = d.groupDirectAdd === null ? "" : d.groupDirectAdd ? "on" : "off";
    const check = (name: "exactEmailSearch" | "filterNames" | "linkPreviews", label: string, hint: string, on: boolean) =>
      html`<div class="check">
        <input type="checkbox" id="f-${name}" name=${name} ?checked=${on} aria-describedby="f-${name}-hint" />
        <label for="f-${name}">${label}</label>
        <p class="hint" id="f-${name}-hint">${hint}</p>
      </div>`;
    return html`${formAlert(err, [
      "name",
      "allowedOrigins",
      "groupDirectAdd",
      "groupMaxMembers",
      "presenceGroupMax",
      "exactEmailSearch",
      "voiceMaxSeconds",
      "filterNames",
      "linkPreviews",
      "previewAllow",
      "previewDeny",
    ])}
      <form @submit=${this.save} novalidate>
        <fieldset>
          <legend>${t.settingsGeneral}</legend>
          ${field({ name: "name", label: t.appName, value: d.app.name, error: err?.field("name"), required: true })}
          ${field({
            name: "allowedOrigins",
            label: t.allowedOrigins,
            hint: t.originsOnePerLine,
            value: d.app.allowedOrigins.join("\n"),
            error: err?.field("allowedOrigins"),
            multiline: true,
          })}
        </fieldset>
        <fieldset>
          <legend>${t.settingsGroups}</legend>
          <div class="field">
            <label for="f-groupDirectAdd">${t.groupDirectAdd}</label>
            <select
              id="f-groupDirectAdd"
              name="groupDirectAdd"
              aria-invalid=${err?.field("groupDirectAdd") ? "true" : "false"}
              aria-describedby=${err?.field("groupDirectAdd") ? "f-groupDirectAdd-error" : nothing}
            >
              <option value="" ?selected=${direct === ""}>${t.groupDirectAddServer(d.defaults.groupDirectAdd)}</option>
              <option value="on" ?selected=${direct === "on"}>${t.groupDirectAddOn}</option>
              <option value="off" ?selected=${direct === "off"}>${t.groupDirectAddOff}</option>
            </select>
            ${err?.field("groupDirectAdd") ? html`<p class="field-error" id="f-groupDirectAdd-error">${err.field("groupDirectAdd")}</p>` : nothing}
          </div>
          ${field({
            name: "groupMaxMembers",
            label: t.groupMaxMembers,
            inputmode: "numeric",
            hint: t.groupMaxMembersHint(d.defaults.groupMaxMembers),
            value: d.groupMaxMembers === null ? "" : String(d.groupMaxMembers),
            error: err?.field("groupMaxMembers"),
          })}
          ${field({
            name: "presenceGroupMax",
            label: t.presenceGroupMax,
            inputmode: "numeric",
            hint: t.presenceGroupMaxHint(d.defaults.presenceGroupMax),
            value: d.presenceGroupMax === null ? "" : String(d.presenceGroupMax),
            error: err?.field("presenceGroupMax"),
          })}
        </fieldset>
        <fieldset>
          <legend>${t.settingsVoice}</legend>
          ${field({
            name: "voiceMaxSeconds",
            label: t.voiceMaxSeconds,
            inputmode: "numeric",
            hint: t.voiceMaxSecondsHint(d.defaults.voiceMaxSeconds),
            value: d.voiceMaxSeconds === null ? "" : String(d.voiceMaxSeconds),
            error: err?.field("voiceMaxSeconds"),
          })}
        </fieldset>
        <fieldset>
          <legend>${t.settingsPrivacy}</legend>
          ${check("exactEmailSearch", t.exactEmailSearch, t.exactEmailSearchHint, d.exactEmailSearch)}
          ${check("filterNames", t.filterNames, t.filterNamesHint(d.filterWords), d.filterNames)}
        </fieldset>
        <fieldset>
          <legend>${t.settingsPreviews}</legend>
          ${check("linkPreviews", t.linkPreviews, t.linkPreviewsHint, d.linkPreviews)}
          ${field({
            name: "previewAllow",
            label: t.previewAllow,
            hint: t.previewAllowHint,
            value: d.previewAllow.join("\n"),
            error: err?.field("previewAllow"),
            multiline: true,
          })}
          ${field({
            name: "previewDeny",
            label: t.previewDeny,
            hint: t.previewDenyHint,
            value: d.previewDeny.join("\n"),
            error: err?.field("previewDeny"),
            multiline: true,
          })}
        </fieldset>
        <div><button class="primary" type="submit" ?disabled=${this.busy}>${t.save}</button></div>
      </form>`;
  }

  private renderSecret(d: ConsoleAppSettings) {
    const t = this.t;
    const r = this.rotated;
    return html`<section class="card" aria-labelledby="secret-title">
      <h2 id="secret-title">${t.secretTitle}</h2>
      <p class="muted">${t.secretNote}</p>
      ${
        r
          ? html`<div class="notice" role="status">
            <p><strong>${t.secretRotated}.</strong> ${t.rotatedNote}</p>
            <div class="secret">
              <span>${t.appSecret}:</span> <code data-secret>${r.secret}</code>
              <button type="button" class="secondary" @click=${async () => (this.copied = await this.copy(r.secret))}>${this.copied ? t.copied : t.copy}</button>
            </div>
          </div>`
          : nothing
      }
      <p data-previous>${d.previousSecretValidUntil ? t.previousUntil(when(d.previousSecretValidUntil)) : t.previousGone}</p>
      ${this.secretError ? html`<p class="alert" role="alert">${this.secretError.message}</p>` : nothing}
      <form class="inline" @submit=${this.rotate} novalidate>
        <div class="field">
          <label for="f-graceSec">${t.secretGrace}</label>
          <select id="f-graceSec" name="graceSec" @change=${() => (this.pending = null)}>
            ${GRACE.map((g) => html`<option value=${g} ?selected=${g === "86400"}>${t.graceNames[g]}</option>`)}
          </select>
        </div>
        ${this.pending === "rotate" ? html`<p class="error" role="alert">${t.rotateSecretConfirm}</p>` : nothing}
        <div class="row">
          <button type="submit" class=${this.pending === "rotate" ? "danger" : "secondary"}>${this.pending === "rotate" ? t.settingsConfirm : t.rotateSecret}</button>
          ${this.pending === "rotate" ? html`<button type="button" class="secondary" @click=${() => (this.pending = null)}>${t.cancel}</button>` : nothing}
        </div>
      </form>
    </section>`;
  }

  private renderState(d: ConsoleAppSettings) {
    const t = this.t;
    const off = d.app.disabled;
    return html`<section class="card" aria-labelledby="state-title">
      <h2 id="state-title">${t.stateTitle}</h2>
      <p data-state=${off ? "disabled" : "enabled"}>${off ? html`<span class="pill failed">${t.disabled}</span> ${t.disabledNote}` : t.enabledNote}</p>
      ${this.stateError ? html`<p class="alert" role="alert">${this.stateError.message}</p>` : nothing}
      ${this.pending === "disable" ? html`<p class="error" role="alert">${t.disableAppConfirm}</p>` : nothing}
      <div class="row">
        ${
          off
            ? html`<button type="button" class="primary" @click=${() => this.setDisabled(false)}>${t.enableApp}</button>`
            : html`<button type="button" class="danger" @click=${() => this.setDisabled(true)}>${this.pending === "disable" ? t.settingsConfirm : t.disableApp}</button>
              ${this.pending === "disable" ? html`<button type="button" class="secondary" @click=${() => (this.pending = null)}>${t.cancel}</button>` : nothing}`
        }
      </div>
    </section>`;
  }

  private renderDelete(d: ConsoleAppSettings) {
    const t = this.t;
    const err = this.deleteError;
    return html`<section class="card danger-zone" aria-labelledby="delete-title">
      <h2 id="delete-title">${t.deleteTitle}</h2>
      <p>${t.deleteNote}</p>
      ${formAlert(err, ["confirm"])}
      <form @submit=${this.deleteApp} novalidate>
        ${field({ name: "confirm", label: t.deleteConfirmLabel(d.app.name), autocomplete: "off", error: err?.field("confirm"), required: true })}
        <div><button class="danger" type="submit" ?disabled=${this.busy}>${t.deleteApp}</button></div>
      </form>
    </section>`;
  }

  override render() {
    const t = this.t;
    if (this.loadError)
      return html`<div class="card" role="alert"><p>${this.loadError.message}</p><button class="primary" type="button" @click=${() => this.load()}>${t.retry}</button></div>`;
    const d = this.data;
    if (!d || !this.app) return html`<p role="status" class="muted">${t.loading}</p>`;
    const role = this.app.role;
    const write = canConfigure(role);
    return html`<section class="card" aria-labelledby="settings-title">
        <h2 id="settings-title">${t.settingsTitle}</h2>
        <p class="muted">${t.settingsNote}</p>
        ${this.note ? html`<p class="notice" role="status">${this.note}</p>` : nothing}
        ${write ? this.renderForm(d) : this.renderReadOnly(d)}
      </section>
      ${write ? html`${this.renderSecret(d)} ${this.renderState(d)}` : nothing}
      ${canDelete(role) ? this.renderDelete(d) : write ? html`<p class="muted">${t.deleteRoleNote}</p>` : nothing}`;
  }

  static override styles = [
    page,
    settingsForm,
    css`
      .inline {
        gap: 10px;
      }
      /* The facts (shared/styles.ts), one under the other on a phone, with room between them. */
      @media (max-width: 640px) {
        .facts dd {
          margin-block-end: 8px;
        }
      }
      .danger-zone {
        border-color: var(--_danger);
      }
    `,
  ];
}
customElements.get("console-settings") || customElements.define("console-settings", ConsoleSettings);
