import { css, html, nothing } from "lit";
import { Invitations, isChatError, type ChatClient, type GroupInvitation } from "@parley/sdk";
import { format, type Strings } from "../i18n/i18n.js";
import { ParleyView } from "../shared/view.js";
import { StoreController } from "../shared/store-controller.js";
import { base } from "../shared/styles.js";
import { INVITATIONS_EN, type InvitationsStrings } from "./parley-invitations.strings.js";

/** One Invitations module per client (they keep the list live from `invitation.updated`). */
const modules = new WeakMap<ChatClient, Invitations>();

function moduleOf(c: ChatClient): Invitations {
  let m = modules.get(c);
  if (!m) {
    const made = new Invitations(c);
    modules.set(c, (m = made));
    // A first load that failed (offline) is tried again once the connection is back.
    c.on("connection.recovered", () => void (c.store.state.invitations || made.load().catch(() => undefined)));
  }
  return m;
}

/**
 * The visitor's pending invitations to groups, at the top of the conversation list: each with the
 * group's name, who invited, and Accept / Decline. A chunk of its own (with the SDK's `Invitations`
 * module), imported by `<parley-list>` once someone is signed in; it asks `<parley-chat>` for the
 * client (`parley-client`), loads the list and keeps it live. Accepting opens the group
 * (`parley-open`, which `<parley-chat>` carries out: its history loads as any conversation's).
 * Draws nothing while there are none. A new invitation is said in a live region.
 * @event parley-open - detail: the id of the group just joined
 * @event parley-client - detail: a callback; asks `<parley-chat>` for its client (it calls the callback with it)
 *
 * @csspart invitations - the list of invitations
 * @csspart invitation - one invitation
 * @csspart accept-invitation - its Accept button
 * @csspart decline-invitation - its Decline button
 * @csspart invitation-error - why answering it failed (role=alert)
 */
export class ParleyInvitations extends ParleyView {
  static override properties = {
    busy: { state: true },
    errors: { state: true },
    said: { state: true },
  };
  /** The invitation being answered ("" for none): its buttons are disabled meanwhile. */
  busy = "";
  /** Why answering an invitation failed, by its id. */
  errors: Record<string, string> = {};
  /** The live region's text. */
  said = "";
  private readonly store = new StoreController(this);
  private chat: ChatClient | undefined;
  /** The invitations already shown: one that is not is new (said in the live region). */
  private seen: Set<string> | undefined;

  private get s(): Strings & InvitationsStrings {
    return { ...INVITATIONS_EN, ...this.t };
  }

  override connectedCallback(): void {
    super.connectedCallback();
    this.emit("parley-client", (c: ChatClient) => {
      this.chat = c;
      this.store.attach(c.store);
      if (!c.store.state.invitations)
        moduleOf(c)
          .load()
          .catch(() => undefined);
    });
  }

  private items(): GroupInvitation[] {
    return this.store.state?.invitations?.items ?? [];
  }

  private group(inv: GroupInvitation): string {
    return inv.name || this.s.unnamedGroup;
  }

  protected override willUpdate(): void {
    const items = this.items();
    if (!this.store.state?.invitations) return;
    // The first list is not news; an invitation after it is.
    const fresh = this.seen ? items.filter((i) => !this.seen!.has(i.id)) : [];
    this.seen = new Set(items.map((i) => i.id));
    const inv = fresh[0];
    if (inv) this.said = format(this.s.newInvitation, { name: inv.invitedBy.displayName, group: this.group(inv) });
  }

  private async answer(inv: GroupInvitation, accept: boolean): Promise<void> {
    const c = this.chat;
    if (!c || this.busy) return;
    const t = this.s;
    this.busy = inv.id;
    this.errors = { ...this.errors, [inv.id]: "" };
    try {
      const m = moduleOf(c);
      if (accept) {
        const h = await m.accept(inv.id);
        this.emit("parley-open", h.id);
      } else {
        const next = this.items().find((i) => i.id !== inv.id);
        await m.decline(inv.id);
        this.said = format(t.invitationDeclined, { group: this.group(inv) });
        await this.updateComplete;
        // Focus was on a button that is gone: the next invitation takes it, or the list.
        const to = next && this.renderRoot.querySelector<HTMLElement>(`[data-id="${CSS.escape(next.id)}"] button`);
        if (to) to.focus();
        else ((this.getRootNode() as ShadowRoot).host as HTMLElement | undefined)?.focus();
      }
    } catch (e: unknown) {
      const error = isChatError(e) ? e.message : t.unknownError;
      this.errors = { ...this.errors, [inv.id]: format(t.answerFailed, { error: /[.!?]$/.test(error) ? error : `${error}.` }) };
      // Answered elsewhere, or withdrawn: the list is asked for again (it leaves it).
      if (isChatError(e) && (e.code === "conflict" || e.code === "not_found"))
        void moduleOf(c)
          .load()
          .catch(() => undefined);
    } finally {
      this.busy = "";
    }
  }

  override render() {
    const t = this.s;
    const items = this.items();
    return html`<div class="sr-only" role="status">${this.said}</div>
      ${
        items.length === 0
          ? nothing
          : html`<ul part="invitations" aria-label=${t.invitations}>
            ${items.map((inv) => {
              const group = this.group(inv);
              const busy = this.busy === inv.id;
              const error = this.errors[inv.id];
              return html`<li part="invitation" data-id=${inv.id} aria-busy=${busy ? "true" : nothing}>
                <span class="text"><strong .textContent=${group}></strong><span class="muted" .textContent=${format(t.invitedYou, { name: inv.invitedBy.displayName })}></span></span>
                <span class="actions">
                  <button part="accept-invitation" class="primary" aria-label=${format(t.acceptInvitationTo, { group })} aria-disabled=${busy ? "true" : nothing}
                    @click=${() => void this.answer(inv, true)}>${t.acceptInvitation}</button>
                  <button part="decline-invitation" aria-label=${format(t.declineInvitationTo, { group })} aria-disabled=${busy ? "true" : nothing}
                    @click=${() => void this.answer(inv, false)}>${t.declineInvitation}</button>
                </span>
                ${error ? html`<p part="invitation-error" class="error" role="alert">${error}</p>` : nothing}
              </li>`;
            })}
          </ul>`
      }`;
  }

  static override styles = [
    base,
    css`
      :host {
        display: block;
        flex: none;
        max-block-size: 40%;
        overflow-y: auto;
      }
      ul {
        list-style: none;
        margin: 0;
        padding: 0;
        border-block-end: 1px solid var(--_border);
      }
      li {
        display: flex;
        flex-wrap: wrap;
        align-items: center;
        gap: 4px 8px;
        padding-block: 8px;
        padding-inline: 12px;
        background: var(--_surface);
      }
      li + li {
        border-block-start: 1px solid var(--_border);
      }
      .text {
        flex: 1 1 10em;
        min-inline-size: 0;
        display: flex;
        flex-direction: column;
        overflow-wrap: anywhere;
      }
      .actions {
        display: flex;
        gap: 8px;
        margin-inline-start: auto;
      }
      [aria-disabled="true"] {
        cursor: default;
        opacity: 0.6;
      }
      .error {
        flex-basis: 100%;
        margin: 0;
      }
    `,
  ];
}
customElements.get("parley-invitations") || customElements.define("parley-invitations", ParleyInvitations);

declare global {
  interface HTMLElementTagNameMap {
    "parley-invitations": ParleyInvitations;
  }
}
