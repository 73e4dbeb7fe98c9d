import { css, html, nothing, type LitElement } from "lit";
import type { ChatClient, Conversation, Pin } from "@parley/sdk";
import { listPins, unpinMessage } from "@parley/sdk/rich";
import type { Strings } from "../i18n/i18n.js";
import { shortTime } from "../i18n/time.js";
import { base } from "../shared/styles.js";
import { ParleyView } from "../shared/view.js";
import type { ParleyThread } from "../thread/parley-thread.js";
import { PINS_EN, type PinsStrings } from "./parley-pins.strings.js";

/**
 * A conversation's pinned messages, newest pin first (issue 33), shown from its details
 * (`<parley-info>`'s "Pinned messages"): each row the sender, the text as plain text and the time;
 * choosing one closes the details and shows the message in the conversation (focused and
 * highlighted, older history loaded if need be). Those who may pin (either member of a direct
 * conversation, a group's owner and admins, the app's moderators) have an Unpin button per row.
 * It asks `<parley-chat>` for the client (`parley-client`) and stays live (`pin.updated`: a pin,
 * an unpin, a pinned message deleted).
 *
 * @event parley-client - detail: a callback that `<parley-chat>` calls with its ChatClient
 * @event parley-open - detail: the conversation's id (a pin was chosen: the conversation is shown, then the message)
 * @event parley-act - detail: { run }; an unpin, run by `<parley-chat>` (busy flag, error banner)
 *
 * @csspart pins - the list
 * @csspart pin - one pinned message
 * @csspart pin-jump - shows the message in the conversation
 * @csspart pin-unpin - unpins it
 */
export class ParleyPins extends ParleyView {
  static override properties = {
    ...ParleyView.properties,
    conversation: { attribute: false },
    pins: { state: true },
    failed: { state: true },
    moderator: { state: true },
  };
  conversation: Conversation | undefined;
  /** Null while asked for. */
  pins: Pin[] | null = null;
  failed = false;
  moderator = false;
  private client: ChatClient | undefined;
  private off: (() => void) | undefined;

  override connectedCallback(): void {
    super.connectedCallback();
    this.emit("parley-client", (c: ChatClient) => (this.client = c));
    const c = this.client;
    if (!c) return;
    this.off = c.on("pin.updated", (e) => e.data.conversationId === this.conversation?.id && void this.load());
    c.me().then(
      (u) => (this.moderator = !!u.moderator),
      () => undefined,
    );
    void this.load();
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.off?.();
  }

  private async load(): Promise<void> {
    const id = this.conversation?.id;
    if (!id || !this.client) return;
    this.failed = false;
    try {
      this.pins = (await listPins(this.client, id)).pins;
    } catch {
      this.failed = true;
    }
  }

  /** Shows the message in its conversation: the details close, then the thread jumps to it. */
  private async jump(p: Pin): Promise<void> {
    // <parley-info>'s shadow root holds this element; <parley-chat>'s holds <parley-info>.
    const root = ((this.getRootNode() as ShadowRoot).host?.getRootNode() ?? document) as ShadowRoot;
    const chat = root.host as LitElement | undefined;
    this.emit("parley-open", p.conversationId);
    await chat?.updateComplete;
    // After the view has taken the focus (the composer): the message takes it then.
    await new Promise((r) => setTimeout(r));
    root.querySelector<ParleyThread>("parley-thread")?.jumpTo(p.message.id);
  }

  private unpin(p: Pin, i: number): void {
    this.emit("parley-act", {
      run: (c: ChatClient) =>
        unpinMessage(c, p.message.id)
          .then(() => this.load())
          .then(() => this.updateComplete)
          .then(() => this.shadowRoot!.querySelectorAll<HTMLElement>("[part=pin-jump]")[i]?.focus() ?? this.shadowRoot!.querySelector("ul")?.focus()),
    });
  }

  override render() {
    const t = { ...PINS_EN, ...this.t } as PinsStrings & Strings;
    const c = this.conversation;
    if (this.failed) return html`<p class="error" role="alert">${t.loadFailed} <button @click=${() => void this.load()}>${t.retry}</button></p>`;
    if (!this.pins || !c) return html`<p class="muted" role="status">${t.loading}</p>`;
    if (!this.pins.length) return html`<p class="muted" role="status">${t.pinsNone}</p>`;
    const me = this.client?.user?.id;
    const may = c.kind === "direct" || c.myRole === "owner" || c.myRole === "admin" || this.moderator;
    const name = (id: string | null) => (id === me ? t.you : (c.users.find((u) => u.id === id)?.displayName ?? ""));
    return html`<ul part="pins" tabindex="-1" aria-label=${t.pinnedMessages}>
      ${this.pins.map(
        (p, i) => html`<li part="pin">
          <button part="pin-jump" class="jump" @click=${() => void this.jump(p)}>
            <span class="who">${name(p.message.senderId)} <span class="muted">${shortTime(p.message.createdAt)}</span></span>
            <span class="text" .textContent=${p.message.text || p.message.attachments.map((a) => a.name).join(", ")}></span>
          </button>
          ${may ? html`<button part="pin-unpin" @click=${() => this.unpin(p, i)}>${t.pinsUnpin}</button>` : nothing}
        </li>`,
      )}
    </ul>`;
  }

  static override styles = [
    base,
    css`
      :host {
        display: block;
      }
      ul {
        list-style: none;
        margin: 0 0 12px;
        padding: 0;
      }
      li {
        display: flex;
        align-items: center;
        gap: 4px;
        border-block-end: 1px solid var(--_border);
      }
      .jump {
        flex: 1;
        min-inline-size: 0;
        display: flex;
        flex-direction: column;
        align-items: stretch;
        text-align: start;
        gap: 2px;
      }
      .who {
        font-weight: 600;
      }
      .text {
        display: -webkit-box;
        -webkit-line-clamp: 2;
        -webkit-box-orient: vertical;
        overflow: hidden;
        overflow-wrap: anywhere;
      }
      p {
        margin: 8px 0;
      }
    `,
  ];
}

customElements.get("parley-pins") || customElements.define("parley-pins", ParleyPins);

declare global {
  interface HTMLElementTagNameMap {
    "parley-pins": ParleyPins;
  }
}
