import { html, nothing } from "lit";
import type { ConsoleSessionInfo, ConsoleSessionsResponse } from "@parley/sdk/protocol";
import type { ApiError } from "../app/api.js";
import { when } from "../app/strings.js";
import { ConsolePage } from "../shared/page.js";
import { page } from "../shared/styles.js";

/** The account: its second factor, and its signed-in browsers with sign-out of any. */
export class ConsoleAccount extends ConsolePage {
  static override properties = { ...ConsolePage.properties, sessions: { state: true }, error: { state: true }, enrolling: { state: true } };
  sessions: ConsoleSessionInfo[] | null = null;
  error: ApiError | null = null;
  enrolling = false;

  // Not in connectedCallback: the properties the shell set before this chunk arrived are applied at the first update.
  protected override firstUpdated(): void {
    void this.load();
  }

  private async load(): Promise<void> {
    this.error = null;
    try {
      this.sessions = (await this.api.get<ConsoleSessionsResponse>("/sessions")).items;
    } catch (err) {
      this.error = err as ApiError;
    }
  }

  private async end(s: ConsoleSessionInfo): Promise<void> {
    try {
      await this.api.delete(`/sessions/${encodeURIComponent(s.id)}`);
      if (s.current) {
        this.emit("console-signed-out");
        location.hash = "#/signin";
      } else await this.load();
    } catch (err) {
      this.error = err as ApiError;
    }
  }

  override render() {
    const t = this.t;
    const a = this.session?.account;
    if (!a) return nothing;
    if (this.enrolling) {
      void import("./totp.js");
      return html`<console-totp .api=${this.api} .session=${this.session}></console-totp>`;
    }
    return html`<h1>${t.accountTitle}</h1>
      <section class="card" aria-labelledby="tf-title">
        <h2 id="tf-title">${t.twoFactor}</h2>
        <p class="spread">
          <span>${a.email}: <strong>${a.totpEnabled ? t.twoFactorOn : t.twoFactorOff}</strong></span>
          ${a.totpEnabled ? nothing : html`<button type="button" class="primary" @click=${() => (this.enrolling = true)}>${t.setUp}</button>`}
        </p>
        ${a.totpEnabled && a.totpRequired ? html`<p class="muted">${t.totpOffNote}</p>` : nothing}
      </section>
      <section class="card" aria-labelledby="s-title">
        <h2 id="s-title">${t.sessionsTitle}</h2>
        ${this.error ? html`<p class="alert" role="alert">${this.error.message}</p>` : nothing}
        ${
          this.sessions === null
            ? html`<p role="status" class="muted">${t.loading}</p>`
            : html`<ul class="plain">
              ${this.sessions.map(
                (s) => html`<li class="spread">
                  <div>
                    <strong>${s.current ? t.thisBrowser : s.userAgent || "—"}</strong>
                    <div class="muted">${s.ip} · ${t.lastSeen(when(s.lastSeenAt))}</div>
                  </div>
                  <button type="button" class="secondary" @click=${() => this.end(s)}>${t.endSession}</button>
                </li>`,
              )}
            </ul>`
        }
      </section>`;
  }

  static override styles = page;
}
customElements.get("console-account") || customElements.define("console-account", ConsoleAccount);
