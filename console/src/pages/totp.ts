import { css, html } from "lit";
import type { ConsoleRecoveryCodesResponse, ConsoleSessionResponse, ConsoleTotpSetupResponse } from "@parley/sdk/protocol";
import { ApiError } from "../app/api.js";
import { field, focusFirstError, formAlert, values } from "../shared/form.js";
import { ConsolePage } from "../shared/page.js";
import { qrCode } from "../shared/qr.js";
import { page } from "../shared/styles.js";

/**
 * Two-factor enrolment: a new secret as a QR code (and as text), confirmed by its first code;
 * then the ten recovery codes, once. Operators and owners land here until they have done it.
 */
export class ConsoleTotp extends ConsolePage {
  static override properties = {
    ...ConsolePage.properties,
    offer: { state: true },
    codes: { state: true },
    error: { state: true },
    busy: { state: true },
    copied: { state: true },
  };
  offer: ConsoleTotpSetupResponse | null = null;
  codes: string[] | null = null;
  error: ApiError | null = null;
  busy = false;
  copied = false;

  // Not in connectedCallback: the properties the shell set before this chunk arrived are applied at the first update.
  protected override firstUpdated(): void {
    if (!this.session?.account.totpEnabled) void this.setUp();
  }

  private async setUp(): Promise<void> {
    this.error = null;
    try {
      this.offer = await this.api.post<ConsoleTotpSetupResponse>("/me/totp/setup");
    } catch (err) {
      this.error = err as ApiError;
    }
  }

  private async confirm(e: SubmitEvent): Promise<void> {
    e.preventDefault();
    this.error = null;
    this.busy = true;
    try {
      this.codes = (await this.api.post<ConsoleRecoveryCodesResponse>("/me/totp", { code: values(e.target as HTMLFormElement)["code"] ?? "" })).recoveryCodes;
      await this.updateComplete;
      this.shadowRoot?.querySelector<HTMLElement>("h2")?.focus();
    } catch (err) {
      this.error = err as ApiError;
      await focusFirstError(this.shadowRoot, this);
    } finally {
      this.busy = false;
    }
  }

  private async done(): Promise<void> {
    try {
      this.emit("console-session", await this.api.get<ConsoleSessionResponse>("/me"));
      location.hash = "#/apps";
    } catch (err) {
      this.error = err as ApiError;
    }
  }

  override render() {
    const t = this.t;
    if (this.codes)
      return html`<div class="card narrow">
        <h2 tabindex="-1">${t.recoveryTitle}</h2>
        <p>${t.recoveryNote}</p>
        <ul class="codes mono" aria-label=${t.recoveryTitle}>
          ${this.codes.map((c) => html`<li>${c}</li>`)}
        </ul>
        <div class="row">
          <button type="button" class="secondary" @click=${async () => (this.copied = await this.copy(this.codes!.join("\n")))}>${this.copied ? t.copied : t.copy}</button>
          <button type="button" class="primary" @click=${this.done}>${t.recoverySaved}</button>
        </div>
        ${formAlert(this.error)}
      </div>`;
    if (this.session?.account.totpEnabled) return html`<div class="card narrow"><h1>${t.totpTitle}</h1><p>${t.totpAlreadyOn}</p></div>`;
    const codeError = this.error?.field("code") ?? (this.error?.code === "invalid_credentials" ? this.error.message : undefined);
    return html`<div class="card narrow">
      <h1>${t.totpTitle}</h1>
      ${this.session?.totpEnrolmentRequired ? html`<p class="notice">${t.totpRequiredNote}</p>` : ""}
      ${
        this.offer
          ? html`<p>${t.totpScan}</p>
            <div class="qr">${qrCode(this.offer.uri, t.totpQrLabel)}</div>
            <p>${t.totpKey}: <code class="secret-key">${this.offer.secret}</code></p>
            ${codeError ? "" : formAlert(this.error)}
            <form @submit=${this.confirm} novalidate>
              ${field({ name: "code", label: t.totpCodeLabel, autocomplete: "one-time-code", inputmode: "numeric", error: codeError, required: true })}
              <button class="primary" type="submit" ?disabled=${this.busy}>${t.totpConfirm}</button>
            </form>`
          : this.error
            ? html`<p class="alert" role="alert">${this.error.message}</p>
              <button class="primary" type="button" @click=${() => this.setUp()}>${t.retry}</button>`
            : html`<p role="status" class="muted">${t.loading}</p>`
      }
    </div>`;
  }

  static override styles = [
    page,
    css`
      .qr {
        display: flex;
        justify-content: center;
        margin-block: 8px;
      }
      .qr svg {
        border-radius: 8px;
        max-width: 100%;
        height: auto;
      }
      .codes {
        columns: 2;
        padding-inline-start: 20px;
      }
    `,
  ];
}
customElements.get("console-totp") || customElements.define("console-totp", ConsoleTotp);
