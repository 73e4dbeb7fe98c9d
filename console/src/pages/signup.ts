import { html } from "lit";
import type { ConsoleInviteInfo, ConsoleSessionResponse } from "@parley/sdk/protocol";
import { ApiError } from "../app/api.js";
import { field, focusFirstError, formAlert, values } from "../shared/form.js";
import { ConsolePage } from "../shared/page.js";
import { page } from "../shared/styles.js";

/** A sign-up link (`#/signup/<token>`): who it is for, and the new account's password. */
export class ConsoleSignup extends ConsolePage {
  static override properties = {
    ...ConsolePage.properties,
    token: { attribute: false },
    invite: { state: true },
    error: { state: true },
    mismatch: { state: true },
    busy: { state: true },
  };
  token = "";
  /** undefined while loading; null when the link is gone. */
  invite: ConsoleInviteInfo | null | undefined = undefined;
  error: ApiError | null = null;
  mismatch = false;
  busy = false;

  // Not in connectedCallback: the properties the shell set before this chunk arrived are applied at the first update.
  protected override firstUpdated(): void {
    void this.load();
  }

  private async load(): Promise<void> {
    this.error = null;
    try {
      this.invite = await this.api.get<ConsoleInviteInfo>(`/invites/${encodeURIComponent(this.token)}`);
    } catch (err) {
      if (err instanceof ApiError && (err.status === 404 || err.status === 400)) this.invite = null;
      else this.error = err as ApiError;
    }
  }

  private async submit(e: SubmitEvent): Promise<void> {
    e.preventDefault();
    const v = values(e.target as HTMLFormElement);
    this.error = null;
    this.mismatch = v["password"] !== v["passwordAgain"];
    if (this.mismatch) return focusFirstError(this.shadowRoot, this);
    this.busy = true;
    try {
      const s = await this.api.post<ConsoleSessionResponse>("/signup", { token: this.token, password: v["password"] });
      this.emit("console-session", s);
    } catch (err) {
      this.error = err as ApiError;
      await focusFirstError(this.shadowRoot, this);
    } finally {
      this.busy = false;
    }
  }

  override render() {
    const t = this.t;
    if (this.invite === undefined && !this.error) return html`<p role="status" class="muted">${t.loading}</p>`;
    if (this.invite === null)
      return html`<div class="card narrow">
        <h1>${t.signUpTitle}</h1>
        <p class="alert" role="alert">${t.signUpLinkGone}</p>
      </div>`;
    if (!this.invite)
      return html`<div class="card narrow" role="alert">
        <p>${this.error?.message}</p>
        <button class="primary" type="button" @click=${() => this.load()}>${t.retry}</button>
      </div>`;
    const i = this.invite;
    const err = this.error;
    return html`<div class="card narrow">
      <h1>${t.signUpTitle}</h1>
      <p>${t.signUpInvited(i.email, t.roleNames[i.role] ?? i.role, i.appName)}</p>
      ${err?.code === "email_taken" ? html`<p class="alert" role="alert">${t.emailTaken} <a href="#/signin">${t.signIn}</a></p>` : formAlert(err, ["password"])}
      <form @submit=${this.submit} novalidate>
        <input type="email" name="email" autocomplete="username" .value=${i.email} hidden readonly />
        ${field({ name: "password", label: t.password, type: "password", autocomplete: "new-password", hint: t.passwordHint, error: err?.field("password"), required: true })}
        ${field({ name: "passwordAgain", label: t.passwordAgain, type: "password", autocomplete: "new-password", error: this.mismatch ? t.passwordsDiffer : undefined, required: true })}
        <button class="primary" type="submit" ?disabled=${this.busy}>${this.busy ? t.saving : t.createAccount}</button>
      </form>
    </div>`;
  }

  static override styles = page;
}
customElements.get("console-signup") || customElements.define("console-signup", ConsoleSignup);
