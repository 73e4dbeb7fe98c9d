import { LitElement, css, html, nothing } from "lit";
import { isChatError, type ChatClient, type Me } from "@parley/sdk";
import { base } from "../shared/styles.js";
import { DATA_EN, type DataStrings } from "./parley-data.strings.js";

/**
 * Data rights in the profile view: download everything Parley holds of the user (JSON) and
 * delete the account. A lazy chunk: the UI bundle only names the element; `<parley-chat>`
 * imports this file when the profile opens, so visitors who never go there never load it.
 * The element asks `<parley-chat>` for the client with a `parley-client` event (detail: a
 * callback), so it needs nothing else from it. After a deletion the client is signed out and
 * `<parley-chat>` shows its sign-in view, as after a sign-out.
 *
 * @csspart download-data - the download button
 * @csspart delete-account - the button that opens the confirmation
 * @csspart confirm-delete - the confirmation form (password for an account with one)
 * @csspart data-status - what happened (role=status), or why not (role=alert)
 * @event parley-client - detail: a callback that `<parley-chat>` calls with its ChatClient
 */
export class ParleyData extends LitElement {
  static override properties = {
    t: { attribute: false },
    me: { attribute: false },
    confirming: { state: true },
    busy: { state: true },
    status: { state: true },
    error: { state: true },
  };
  /** The widget's strings; this view's own are taken from them when the host set them. */
  t: Partial<DataStrings> & { cancel?: string } = {};
  me: Me | undefined;
  confirming = false;
  busy = false;
  status = "";
  error = "";

  private get s(): DataStrings & { cancel: string } {
    return { ...DATA_EN, cancel: "Cancel", ...this.t };
  }

  /** Runs `fn` with the widget's client; a failure is shown with the server's message. */
  private async withClient(fn: (client: ChatClient) => Promise<void>): Promise<void> {
    let client: ChatClient | undefined;
    this.dispatchEvent(new CustomEvent("parley-client", { detail: (c: ChatClient) => (client = c), bubbles: true, composed: true }));
    if (!client) return;
    this.busy = true;
    this.status = this.error = "";
    try {
      await fn(client);
    } catch (e) {
      const code = isChatError(e) ? e.code : "";
      this.error = code === "invalid_credentials" || code === "validation_failed" ? this.s.wrongPassword : isChatError(e) ? e.message : this.s.dataFailed;
    } finally {
      this.busy = false;
    }
  }

  private download = (): Promise<void> =>
    this.withClient(async (client) => {
      const data = await client.exportMyData();
      const a = document.createElement("a");
      a.href = URL.createObjectURL(new Blob([JSON.stringify(data, null, 2)], { type: "application/json" }));
      a.download = "parley-data.json";
      a.click();
      setTimeout(() => URL.revokeObjectURL(a.href), 60_000);
      this.status = this.s.downloaded;
    });

  private confirmDelete = (e: SubmitEvent): Promise<void> => {
    e.preventDefault();
    const password = String(new FormData(e.target as HTMLFormElement).get("password") ?? "");
    return this.withClient((client) => client.deleteAccount(password ? { password } : {}));
  };

  override render() {
    const s = this.s;
    return html`<h3>${s.yourData}</h3>
      <div class="row">
        <button part="download-data" ?disabled=${this.busy} @click=${this.download}>${s.downloadData}</button>
        ${this.confirming ? nothing : html`<button part="delete-account" class="danger" ?disabled=${this.busy} @click=${() => (this.confirming = true)}>${s.deleteAccount}</button>`}
      </div>
      ${
        this.confirming
          ? html`<form part="confirm-delete" class="stack" @submit=${this.confirmDelete}>
            <p>${s.deleteWarning}</p>
            ${this.me?.email ? html`<label>${s.confirmPassword}<input name="password" type="password" autocomplete="current-password" /></label>` : nothing}
            <div class="row">
              <button class="danger" ?disabled=${this.busy}>${s.deleteForGood}</button>
              <button type="button" @click=${() => ((this.confirming = false), (this.error = ""))}>${s.cancel}</button>
            </div>
          </form>`
          : nothing
      }
      ${this.error ? html`<p part="data-status" role="alert" class="error">${this.error}</p>` : html`<p part="data-status" role="status" class="muted">${this.status}</p>`}`;
  }

  static override styles = [
    base,
    css`
      :host {
        display: block;
        margin-top: 16px;
      }
      .row {
        display: flex;
        flex-wrap: wrap;
        gap: 8px;
      }
      .stack {
        display: grid;
        gap: 8px;
        margin-top: 8px;
      }
      .danger {
        color: var(--_danger);
      }
    `,
  ];
}

customElements.get("parley-data") || customElements.define("parley-data", ParleyData);

declare global {
  interface HTMLElementTagNameMap {
    "parley-data": ParleyData;
  }
}
