import { html, nothing, render, type TemplateResult } from "lit";
import type { MessageItem } from "@parley/sdk";
import { plural } from "../i18n/i18n.js";
import { shortTime } from "../i18n/time.js";
import { icons } from "../shared/icons.js";
import { linkify } from "./linkify.js";
import { cards } from "./cards.js";
import type { MessageHost } from "./message-host.js";
import { hasMarkup, plain, rich } from "./rich.js";

/** How the list shows a message, decided by its neighbours and the visitor's role. */
export interface MessageOptions {
  mine: boolean;
  /** Same sender as the one before, a moment later: no name, tighter spacing. */
  grouped: boolean;
  group: boolean;
  canDelete: boolean;
  /** "Seen" or "Sent" under the visitor's last message, else null. */
  receipt: string | null;
}

/**
 * One message's content inside its row of `<parley-thread>`'s list: the sender (in groups), the
 * quoted original, the text, attachments, the time and "edited", then its reactions, replies,
 * send status, receipt and actions. No shadow root: the parts and styles are the thread's. It
 * draws when `view` is set, at once, so the thread's `updated()` finds the message in place (to
 * load images, keep the scroll anchor, move focus).
 */
export class ParleyMessage extends HTMLElement {
  set view([host, m, o]: [MessageHost, MessageItem, MessageOptions]) {
    render(content(host, m, o), this);
    // Attachments need the bearer token, so an <img src> cannot fetch them: the host loads each once.
    for (const img of this.querySelectorAll<HTMLImageElement>("img[data-att]:not([src])")) {
      const att = m.attachments.find((a) => a.id === img.dataset["att"]);
      if (att)
        void host.attachmentUrl(att).then(
          (url) => (img.src = url),
          () => img.remove(),
        );
    }
  }
}

function content(host: MessageHost, m: MessageItem, o: MessageOptions): TemplateResult {
  const t = host.t;
  const replyTo = m.replyToId;
  const quoted = replyTo ? host.messages.find((x) => x.id === replyTo) : undefined;
  const live = m.status === "sent" && !m.deletedAt;
  const head = o.group && !o.mine && !o.grouped ? html`<div class="sender" aria-hidden="true" .textContent=${host.name(m.senderId)}></div>` : nothing;
  const body: unknown[] = [];
  // The original, if loaded (else a placeholder): a button that jumps to it. A tab stop only
  // while the message's actions are open (Enter on the message, then Shift+Tab).
  if (replyTo) {
    body.push(
      html`<button part="quote" class="quote" tabindex=${host.active === m.id ? 0 : -1} title=${t.showOriginal} @click=${() => host.jumpTo(replyTo)}>${
        quoted && !host.veiled(quoted)
          ? html`<strong>${host.name(quoted.senderId)}</strong> ${quoted.deletedAt ? t.deleted : plain(host, quoted.text ?? "")}`
          : t.earlierMessage
      }</button>`,
    );
  }
  if (m.deletedAt) body.push(html`<em part="deleted" class="muted" .textContent=${t.deleted}></em>`);
  else if (host.veiled(m)) body.push(host.x()?.veiled(host, m));
  else {
    // Plain text as a property (no Lit marker node per message): the list stays small. Mentions
    // (chips) and formatting come in chunks of their own; the raw text shows until they have come.
    const text = m.text;
    const x = m.mentions?.length ? host.x() : undefined;
    const leaf = x ? (s: string) => x.withMentions(s, m.mentions!, host.conversation?.users ?? [], host.me?.id) : linkify;
    const f = text && hasMarkup(text) ? rich(host) : undefined;
    if (text)
      body.push(
        f
          ? html`<div part="message-text" class="text">${f.formatted(text, leaf)}</div>`
          : x || /https?:/i.test(text)
            ? html`<span part="message-text" class="text">${leaf(text)}</span>`
            : html`<span part="message-text" class="text" .textContent=${text}></span>`,
      );
    // Voice messages, polls, link previews and pins are drawn by chunks of their own (cards.ts).
    for (const a of m.attachments) {
      if (!a.voice)
        body.push(
          a.mime.startsWith("image/")
            ? html`<img part="image" data-att=${a.id} alt=${a.name} width=${a.width ?? nothing} height=${a.height ?? nothing} @click=${(e: Event) => window.open((e.target as HTMLImageElement).src, "_blank", "noopener")} />`
            : html`<button part="file" class="file" @click=${() => void host.attachmentUrl(a).then((url) => Object.assign(document.createElement("a"), { href: url, download: a.name }).click())}>${icons.attach}<span .textContent=${a.name}></span></button>`,
        );
    }
    body.push(...cards(host, m));
  }
  const tail: TemplateResult[] = [];
  const active = live && host.active === m.id;
  const x = (m.reactions.length || active) && host.x();
  if (x && m.reactions.length) tail.push(x.reactions(host, m));
  const th = m.thread;
  if (th?.replyCount)
    tail.push(
      html`<button part="thread-summary" class="replies" @click=${() => host.emit("parley-open-thread", m.id)}>${plural(t, "replies", th.replyCount)} <span class="muted">${shortTime(th.lastReplyAt)}</span></button>`,
    );
  if (m.status === "pending") tail.push(html`<div class="muted status">${t.sending}</div>`);
  if (m.status === "failed") {
    // Refused for good: the reason by its error code (message-extras.ts), else "Not sent".
    const cid = m.clientMessageId!;
    tail.push(
      html`<div part="failed" class="error status">${(m.error?.code && host.x()?.failedReason(t, m)) || t.failed} <button part="retry" @click=${() => host.leave(m, "parley-retry", cid)}>${t.retry}</button><button part="discard" @click=${() => host.leave(m, "parley-discard", cid)}>${t.discard}</button></div>`,
    );
  }
  if (o.receipt) tail.push(html`<div part="receipt" class="muted status">${o.receipt}</div>`);
  if (x && active) tail.push(x.actions(host, m, o));
  const edited = m.editedAt && !m.deletedAt;
  return html`${head}<div class="bubble"><span class="sr-only" .textContent=${`${host.name(m.senderId)}:`}></span>${body.length === 1 ? body[0] : body}${
    edited
      ? html`<span class="meta muted">${shortTime(m.createdAt)} · <span part="edited">${t.edited}</span></span>`
      : html`<span class="meta muted" .textContent=${shortTime(m.createdAt)}></span>`
  }</div
  >${tail.length === 1 ? tail[0] : tail.length ? tail : nothing}`;
}

customElements.get("parley-message") || customElements.define("parley-message", ParleyMessage);
