import { html, nothing } from "lit";
import type { ConsoleInviteResponse } from "@parley/sdk/protocol";
import type { ApiError } from "../app/api.js";
import { when } from "../app/strings.js";
import { field, focusFirstError, formAlert, values } from "../shared/form.js";
import { ConsolePage } from "../shared/page.js";
import { page } from "../shared/styles.js";

/**
 * Invite someone: an e-mail and a role make a one-time sign-up link to copy and hand over (no
 * e-mail is sent). With `appId`, a role on that app (owners and operators); without, an operator
 * (operators only).
 *
 * @event console-invited - the link just made (a ConsoleInviteResponse), for a list of pending invitations.
 */
export class ConsoleInvite extends ConsolePage {
  static override properties = {
    ...ConsolePage.properties,
    appId: { attribute: false },
    error: { state: true },
    made: { state: true },
    busy: { state: true },
    copied: { state: true },
  };
  appId: string | null = null;
  error: ApiError | null = null;
  made: ConsoleInviteResponse | null = null;
  busy = false;
  copied = false;

  private async submit(e: SubmitEvent): Promise<void> {
    e.preventDefault();
    const v = values(e.target as HTMLFormElement);
    this.error = null;
    this.busy = true;
    try {
      const body = this.appId ? { email: v["email"] ?? "", role: v["role"] ?? "viewer", appId: this.appId } : { email: v["email"] ?? "", role: "operator" };
      this.made = await this.api.post<ConsoleInviteResponse>("/invites", body);
      this.copied = false;
      this.emit("console-invited", this.made);
    } catch (err) {
      this.error = err as ApiError;
      await focusFirstError(this.shadowRoot, this);
    } finally {
      this.busy = false;
    }
  }

  override render() {
    const t = this.t;
    const err = this.error;
    const made = this.made;
    return html`<section class="card" aria-labelledby="invite-title">
      <h2 id="invite-title">${this.appId ? t.inviteTitle : t.inviteOperatorTitle}</h2>
      <p class="muted">${t.inviteNote}</p>
      ${
        made
          ? html`<div class="notice" role="status">
            <p><strong>${t.inviteMade}</strong> ${t.inviteExpires(when(made.expiresAt))}</p>
            <div class="secret">
              <code data-invite-link>${made.link}</code>
              <button type="button" class="secondary" @click=${async () => (this.copied = await this.copy(made.link))}>${this.copied ? t.copied : t.copy}</button>
            </div>
          </div>`
          : nothing
      }
      ${formAlert(err, ["email", "role"])}
      <form @submit=${this.submit} novalidate>
        ${field({ name: "email", label: t.email, type: "email", autocomplete: "off", error: err?.field("email"), required: true })}
        ${
          this.appId
            ? html`<div class="field">
              <label for="f-role">${t.role}</label>
              <select id="f-role" name="role">
                ${(["viewer", "moderator", "admin", "owner"] as const).map((r) => html`<option value=${r}>${t.roleNames[r]} — ${t.roleHelp[r]}</option>`)}
              </select>
            </div>`
            : nothing
        }
        <div><button class="primary" type="submit" ?disabled=${this.busy}>${t.invite}</button></div>
      </form>
    </section>`;
  }

  static override styles = page;
}
customElements.get("console-invite") || customElements.define("console-invite", ConsoleInvite);
