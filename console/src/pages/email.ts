import { css, html, nothing, type PropertyValues } from "lit";
import type { ConsoleApp, EmailSettings } from "@parley/sdk/protocol";
import type { ApiError } from "../app/api.js";
import { field, focusFirstError, formAlert, values } from "../shared/form.js";
import { ConsolePage } from "../shared/page.js";
import { canConfigure } from "../shared/roles.js";
import { page, settingsForm } from "../shared/styles.js";

/** The form's fields, by the server's field path (its 400 answers name these). */
const FIELDS = ["enabled", "smtp", "smtp.host", "smtp.port", "smtp.secure", "smtp.user", "smtp.password", "from", "includeText", "link", "waitMinutes"];

/** A number typed, or what was typed when it is not one: the server answers it at the field. */
const numberOrTyped = (typed: string): number => (Number.isNaN(Number(typed)) ? (typed as unknown as number) : Number(typed));

/**
 * An app's e-mail for unread messages (issue 55): whether it is sent, through which SMTP server
 * (the app's own, or the deployment's SMTP_URL), from which address, whether the text is quoted,
 * where the link opens the widget, and how long a user is away first. The SMTP password is
 * write-only: the page only says whether one is stored, and an empty field keeps it. Viewers read;
 * admins and owners change and forget the settings.
 */
export class ConsoleEmail extends ConsolePage {
  static override properties = {
    ...ConsolePage.properties,
    app: { attribute: false },
    data: { state: true },
    loadError: { state: true },
    error: { state: true },
    note: { state: true },
    busy: { state: true },
    own: { state: true },
    forgetting: { state: true },
  };
  app: ConsoleApp | null = null;
  data: EmailSettings | null = null;
  loadError: ApiError | null = null;
  error: ApiError | null = null;
  note = "";
  busy = false;
  /** Whether the form shows the app's own SMTP server's fields. */
  own = false;
  /** Forget awaits its second click. */
  forgetting = false;

  private get base(): string {
    return `/apps/${encodeURIComponent(this.app?.id ?? "")}/email/settings`;
  }

  // Loaded when the app (its id) is first known or changes, as settings.ts does.
  protected override willUpdate(changed: PropertyValues<this>): void {
    const before = changed.get("app") as ConsoleApp | null | undefined;
    if (changed.has("app") && this.app && before?.id !== this.app.id) void this.load();
  }

  private async load(): Promise<void> {
    this.loadError = null;
    this.data = null;
    try {
      this.shown(await this.api.get<EmailSettings>(this.base));
    } catch (err) {
      this.loadError = err as ApiError;
    }
  }

  private shown(d: EmailSettings): void {
    this.data = d;
    this.own = d.smtp !== null;
  }

  private async save(e: SubmitEvent): Promise<void> {
    e.preventDefault();
    // Kept now: once the event has been dispatched, its target (inside a shadow root) is null.
    const form = e.target as HTMLFormElement;
    const v = values(form);
    const checked = (name: string): boolean => form.querySelector<HTMLInputElement>(`#f-${name}`)?.checked ?? false;
    const text = (name: string): string => (v[name] ?? "").trim();
    const password = v["smtp.password"] ?? "";
    const body = {
      enabled: checked("enabled"),
      smtp: this.own
        ? {
            host: text("smtp.host"),
            port: numberOrTyped(text("smtp.port")),
            secure: checked("smtp.secure"),
            user: text("smtp.user") || null,
            // Empty keeps the stored password (write-only: the page never had it).
            ...(password ? { password } : {}),
          }
        : null,
      from: text("from") || null,
      includeText: checked("includeText"),
      link: text("link") || null,
      waitMinutes: text("waitMinutes") === "" ? null : numberOrTyped(text("waitMinutes")),
    };
    this.error = null;
    this.note = "";
    this.busy = true;
    try {
      this.shown(await this.api.put<EmailSettings>(this.base, body));
      this.note = this.t.saved;
    } catch (err) {
      this.error = err as ApiError;
      await focusFirstError(this.shadowRoot, this);
    } finally {
      this.busy = false;
    }
  }

  private async forget(): Promise<void> {
    if (!this.forgetting) {
      this.forgetting = true;
      return;
    }
    this.forgetting = false;
    this.error = null;
    this.note = "";
    try {
      await this.api.delete(this.base);
      this.shown(await this.api.get<EmailSettings>(this.base));
      this.note = this.t.emailForgotten;
    } catch (err) {
      this.error = err as ApiError;
    }
  }

  private check(name: string, label: string, hint: string, on: boolean, change?: (on: boolean) => void) {
    return html`<div class="check">
      <input
        type="checkbox"
        id="f-${name}"
        name=${name}
        ?checked=${on}
        aria-describedby="f-${name}-hint"
        @change=${change ? (e: Event) => change((e.target as HTMLInputElement).checked) : nothing}
      />
      <label for="f-${name}">${label}</label>
      <p class="hint" id="f-${name}-hint">${hint}</p>
    </div>`;
  }

  private renderForm(d: EmailSettings) {
    const t = this.t;
    const err = this.error;
    const smtp = d.smtp;
    return html`${formAlert(err, FIELDS)}
      <form @submit=${this.save} novalidate>
        ${this.check("enabled", t.emailEnabled, t.emailEnabledHint, d.enabled)}
        <fieldset>
          <legend>${t.emailServer}</legend>
          ${this.check("own", t.emailOwnSmtp, t.emailOwnSmtpHint, this.own, (on) => (this.own = on))}
          ${
            this.own
              ? html`${field({ name: "smtp.host", label: t.emailHost, value: smtp?.host ?? "", error: err?.field("smtp.host"), required: true, autocomplete: "off" })}
                ${field({ name: "smtp.port", label: t.emailPort, inputmode: "numeric", value: String(smtp?.port ?? 587), error: err?.field("smtp.port"), required: true })}
                ${this.check("smtp.secure", t.emailSecure, t.emailSecureHint, smtp?.secure ?? false)}
                ${field({ name: "smtp.user", label: t.emailUser, value: smtp?.user ?? "", error: err?.field("smtp.user"), autocomplete: "off" })}
                ${field({
                  name: "smtp.password",
                  label: t.emailPassword,
                  type: "password",
                  autocomplete: "new-password",
                  hint: smtp?.password.set ? t.emailPasswordKept : t.emailPasswordHint,
                  error: err?.field("smtp.password"),
                })}`
              : nothing
          }
        </fieldset>
        <fieldset>
          <legend>${t.emailMessages}</legend>
          ${field({ name: "from", label: t.emailFrom, type: "email", hint: t.emailFromHint, value: d.from ?? "", error: err?.field("from") })}
          ${this.check("includeText", t.emailIncludeText, t.emailIncludeTextHint, d.includeText)}
          ${field({ name: "link", label: t.emailLink, type: "url", hint: t.emailLinkHint, value: d.link ?? "", error: err?.field("link") })}
          ${field({
            name: "waitMinutes",
            label: t.emailWait,
            inputmode: "numeric",
            hint: t.emailWaitHint,
            value: d.waitMinutes === null ? "" : String(d.waitMinutes),
            error: err?.field("waitMinutes"),
          })}
        </fieldset>
        <div class="row">
          <button class="primary" type="submit" ?disabled=${this.busy}>${t.save}</button>
        </div>
      </form>
      ${
        d.source === "app"
          ? html`<div class="forget">
              ${this.forgetting ? html`<p class="error" role="alert">${t.emailForgetConfirm}</p>` : nothing}
              <div class="row">
                <button type="button" class=${this.forgetting ? "danger" : "secondary"} @click=${this.forget}>
                  ${this.forgetting ? t.settingsConfirm : t.emailForget}
                </button>
                ${this.forgetting ? html`<button type="button" class="secondary" @click=${() => (this.forgetting = false)}>${t.cancel}</button>` : nothing}
              </div>
            </div>`
          : nothing
      }`;
  }

  private renderReadOnly(d: EmailSettings) {
    const t = this.t;
    const yes = (b: boolean) => (b ? t.settingOn : t.settingOff);
    return html`<p class="notice">${t.readOnly}</p>
      <dl class="facts">
        <dt>${t.emailEnabled}</dt>
        <dd>${yes(d.enabled)}</dd>
        <dt>${t.emailServer}</dt>
        <dd class="mono">${d.smtp ? `${d.smtp.host}:${d.smtp.port}` : "—"}</dd>
        <dt>${t.emailFrom}</dt>
        <dd class="mono">${d.from ?? "—"}</dd>
        <dt>${t.emailIncludeText}</dt>
        <dd>${yes(d.includeText)}</dd>
        <dt>${t.emailLink}</dt>
        <dd class="mono">${d.link ?? "—"}</dd>
        <dt>${t.emailWait}</dt>
        <dd>${d.waitMinutes ?? "—"}</dd>
      </dl>`;
  }

  override render() {
    const t = this.t;
    if (this.loadError)
      return html`<div class="card" role="alert"><p>${this.loadError.message}</p><button class="primary" type="button" @click=${() => this.load()}>${t.retry}</button></div>`;
    const d = this.data;
    if (!d || !this.app) return html`<p role="status" class="muted">${t.loading}</p>`;
    return html`<section class="card" aria-labelledby="email-title">
      <h2 id="email-title">${t.emailTitle}</h2>
      <p class="muted">${t.emailNote}</p>
      <p data-source=${d.source}>${t.emailSource[d.source]}</p>
      ${this.note ? html`<p class="notice" role="status">${this.note}</p>` : nothing}
      ${canConfigure(this.app.role) ? this.renderForm(d) : this.renderReadOnly(d)}
    </section>`;
  }

  static override styles = [
    page,
    settingsForm,
    css`
      .forget {
        margin-block-start: 18px;
      }
    `,
  ];
}
customElements.get("console-email") || customElements.define("console-email", ConsoleEmail);
