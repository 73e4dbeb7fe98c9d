import { html } from "lit";
import type { ConsoleSessionResponse } from "@parley/sdk/protocol";
import type { ApiError } from "../app/api.js";
import { field, focusFirstError, values } from "../shared/form.js";
import { ConsolePage } from "../shared/page.js";
import { page } from "../shared/styles.js";

/**
 * Sign-in: e-mail and password, then, for an account with a second factor, its code (the field
 * appears when the server asks for it, and stays). Also drawn inside another page (an invitation
 * to accept, pages/signup.ts): `email` filled in, `embedded` for a heading below that page's.
 */
export class ConsoleSignin extends ConsolePage {
  static override properties = {
    ...ConsolePage.properties,
    email: { attribute: false },
    embedded: { attribute: false },
    error: { state: true },
    needCode: { state: true },
    busy: { state: true },
  };
  email = "";
  embedded = false;
  error: ApiError | null = null;
  needCode = false;
  busy = false;

  private async submit(e: SubmitEvent): Promise<void> {
    e.preventDefault();
    const v = values(e.target as HTMLFormElement);
    this.error = null;
    this.busy = true;
    try {
      const body = { email: v["email"] ?? "", password: v["password"] ?? "", ...(v["code"] ? { code: v["code"] } : {}) };
      this.emit("console-session", await this.api.post<ConsoleSessionResponse>("/session", body));
    } catch (err) {
      const e2 = err as ApiError;
      if (e2.reason === "totp_required" || e2.reason === "invalid_code") this.needCode = true;
      this.error = e2;
      await focusFirstError(this.shadowRoot, this);
    } finally {
      this.busy = false;
    }
  }

  /** Where the server's answer belongs: a code problem at the code, bad credentials at the password. */
  private errors(): { email?: string; password?: string; code?: string; form?: string } {
    const e = this.error;
    if (!e) return {};
    if (e.code === "validation_failed") return { email: e.field("email"), password: e.field("password"), code: e.field("code") };
    // The refusals a sign-in expects, in the page's language; anything else as the server says it.
    if (e.reason === "totp_required") return { code: this.t.codeNeeded };
    if (e.reason === "invalid_code") return { code: this.t.codeWrong };
    if (e.code === "invalid_credentials") return { password: this.t.wrongCredentials };
    if (e.status === 429) return { form: this.t.tooMany(e.retryAfter ?? 60) };
    return { form: e.message };
  }

  override render() {
    const t = this.t;
    const err = this.errors();
    return html`<div class="card narrow">
      ${this.embedded ? html`<h2>${t.signInTitle}</h2>` : html`<h1>${t.signInTitle}</h1>`}
      ${err.form ? html`<p class="alert" role="alert">${err.form}</p>` : ""}
      <form @submit=${this.submit} novalidate>
        ${field({ name: "email", label: t.email, type: "email", autocomplete: "username", value: this.email, error: err.email, required: true })}
        ${field({ name: "password", label: t.password, type: "password", autocomplete: "current-password", error: err.password, required: true })}
        ${this.needCode ? field({ name: "code", label: t.code, autocomplete: "one-time-code", inputmode: "numeric", hint: t.codeHint, error: err.code }) : ""}
        <button class="primary" type="submit" ?disabled=${this.busy}>${t.signIn}</button>
      </form>
    </div>`;
  }

  static override styles = page;
}
customElements.get("console-signin") || customElements.define("console-signin", ConsoleSignin);
