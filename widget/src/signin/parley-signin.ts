import { css, html } from "lit";
import { ParleyView } from "../shared/view.js";
import { SIGNIN_EN } from "./parley-signin.strings.js";
import { base } from "../shared/styles.js";

/**
 * Sign in or create a Parley account (for host sites that do not pass a token).
 * @event parley-signin - detail: { mode, email, password, displayName }
 *
 * @csspart signin - the form
 * @csspart signin-submit - the submit button
 * @csspart signin-toggle - the sign-in / register switch
 */
export class ParleySignin extends ParleyView {
  static override properties = { busy: { type: Boolean }, mode: { state: true } };
  busy = false;
  mode: "login" | "register" = "login";

  override focus(): void {
    this.shadowRoot?.querySelector("input")?.focus();
  }

  private submit(e: SubmitEvent): void {
    e.preventDefault();
    const f = new FormData(e.target as HTMLFormElement);
    const v = (k: string) => String(f.get(k) ?? "");
    this.emit("parley-signin", { mode: this.mode, email: v("email"), password: v("password"), displayName: v("displayName") });
  }

  override render() {
    const t = { ...SIGNIN_EN, ...this.t };
    const reg = this.mode === "register";
    return html`<form part="signin" @submit=${this.submit}>
      ${reg ? html`<label>${t.displayName}<input name="displayName" autocomplete="name" required maxlength="80" /></label>` : ""}
      <label>${t.email}<input name="email" type="email" autocomplete="email" required /></label>
      <label>${t.password}<input name="password" type="password" autocomplete=${reg ? "new-password" : "current-password"} required minlength=${reg ? 8 : 1} /></label>
      <button part="signin-submit" class="primary" type="submit" ?disabled=${this.busy}>${reg ? t.register : t.signIn}</button>
      <button part="signin-toggle" type="button" @click=${() => (this.mode = reg ? "login" : "register")}>${reg ? t.haveAccount : t.needAccount}</button>
    </form>`;
  }

  static override styles = [
    base,
    css`
      form {
        display: flex;
        flex-direction: column;
        gap: 12px;
        padding: 20px;
      }
      label {
        display: flex;
        flex-direction: column;
        gap: 4px;
        font-weight: 500;
      }
      .primary {
        padding: 10px;
      }
    `,
  ];
}
customElements.get("parley-signin") || customElements.define("parley-signin", ParleySignin);
