import { html, nothing } from "lit";
import type { ConsoleInviteInfo, ConsoleSessionResponse } from "@parley/sdk/protocol";
import { ApiError } from "../app/api.js";
import { href } from "../app/routes.js";
import { field, focusFirstError, formAlert, values } from "../shared/form.js";
import { ConsolePage } from "../shared/page.js";
import { page } from "../shared/styles.js";
import "./signin.js";

/**
 * A sign-up link (`#/signup/<token>`): who it is for, and the new account's password. For an
 * e-mail that has a console account already, no password: that account signs in here (the shell
 * keeps the link's page once signed in) and accepts the invitation, then goes to the app (or to
 * the apps, for an operator). Signed in as another account, it says so and offers to sign out.
 *
 * @event console-session - the session after signing up or accepting (with the new role).
 * @event console-signed-out - signed out, to sign in as the invitation's account.
 */
export class ConsoleSignup extends ConsolePage {
  static override properties = {
    ...ConsolePage.properties,
    token: { attribute: false },
    checking: { attribute: false },
    invite: { state: true },
    error: { state: true },
    mismatch: { state: true },
    busy: { state: true },
  };
  token = "";
  /** The shell is still asking who is signed in (`session` is null meanwhile). */
  checking = false;
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
      location.hash = href.apps;
    } catch (err) {
      this.error = err as ApiError;
      await focusFirstError(this.shadowRoot, this);
    } finally {
      this.busy = false;
    }
  }

  private async accept(i: ConsoleInviteInfo): Promise<void> {
    this.error = null;
    this.busy = true;
    try {
      const s = await this.api.post<ConsoleSessionResponse>(`/invites/${encodeURIComponent(this.token)}/accept`);
      // The session first, then the place: the shell leaves a sign-up link's page alone.
      this.emit("console-session", s);
      location.hash = i.appId ? href.app(i.appId) : href.apps;
    } catch (err) {
      const e = err as ApiError;
      if (e.status === 404) this.invite = null;
      else this.error = e;
    } finally {
      this.busy = false;
    }
  }

  private async signOut(): Promise<void> {
    try {
      await this.api.delete("/session");
    } catch {
      // Signed out here regardless: the cookie may already be gone.
    }
    this.error = null;
    this.emit("console-signed-out");
  }

  private renderAccept(i: ConsoleInviteInfo) {
    const t = this.t;
    const s = this.session;
    const err = this.error;
    const invited = t.signUpInvited(i.email, t.roleNames[i.role] ?? i.role, i.appName);
    if (this.checking) return html`<p role="status" class="muted">${t.loading}</p>`;
    if (!s)
      return html`<div class="card narrow">
          <h1>${t.acceptTitle}</h1>
          <p>${invited}</p>
          <p>${t.acceptHaveAccount(i.email)}</p>
        </div>
        <console-signin .api=${this.api} .session=${null} .email=${i.email} .embedded=${true}></console-signin>`;
    const same = s.account.email.toLowerCase() === i.email.toLowerCase();
    return html`<div class="card narrow">
      <h1>${t.acceptTitle}</h1>
      <p>${invited}</p>
      ${
        same && err?.reason !== "other_email"
          ? html`<p>${t.acceptSignedInAs(s.account.email)}</p>
            ${err ? html`<p class="alert" role="alert">${err.message}</p>` : nothing}
            <div>
              <button class="primary" type="button" ?disabled=${this.busy} @click=${() => this.accept(i)}>${this.busy ? t.accepting : t.accept}</button>
            </div>`
          : html`<p class="alert" role="alert" data-other-email>${t.acceptOtherEmail(s.account.email, i.email)}</p>
            <div><button class="secondary" type="button" @click=${() => this.signOut()}>${t.signOut}</button></div>`
      }
    </div>`;
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
    if (i.accountExists) return this.renderAccept(i);
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
