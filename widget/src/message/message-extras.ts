import { css, html, nothing, svg, type TemplateResult } from "lit";
import type { ChatClient, MessageItem } from "@parley/sdk";
import { pinMessage, unpinMessage } from "@parley/sdk/rich";
import { icon, icons } from "../shared/icons.js";
import { format, locale, type Strings } from "../i18n/i18n.js";
import type { ModerateAction } from "../moderate/parley-moderate.js";
import type { MessageHost } from "./message-host.js";
import { STREAMS } from "./cards.js";
import { chunk } from "../shared/chunk.js";
import { EXTRAS_EN, FAILED_EN } from "./message-extras.strings.js";
import { blur, close, isOpen, key, reveal, toggle } from "./message-menu.js";
export { withMentions } from "./mentions.js";

/**
 * What a message of `<parley-thread>` shows only some of the time, in a chunk of its own (the UI
 * every visitor loads stays small): its actions (hovered, tapped or opened with Enter), why a send
 * was refused, its reactions, its mentions as chips, a blocked sender's message collapsed; and over
 * the composer, the files attached to the message being written and the message being edited or
 * replied to.
 * `<parley-thread>` imports it the first time one is needed and draws the plain message meanwhile.
 */

const QUICK_REACTIONS = ["👍", "❤️", "😂"];
const plus = icon(svg`<path d="M12 5v14M5 12h14" />`);
// Reply: an arrow back to the message (mirrored right to left); More: ⋯.
const replyIcon = icon(svg`<path d="M9 14L4 9l5-5" /><path d="M4 9h10.5a5.5 5.5 0 0 1 0 11H11" />`, "icon flip");
const dots = icon(svg`<circle cx="5" cy="12" r="1" /><circle cx="12" cy="12" r="1" /><circle cx="19" cy="12" r="1" />`);

/** The styles of what this module draws, added to `<parley-thread>`'s own when it first uses it. */
export const sheet = css`
  /* Over the composer: what is being edited or replied to, the files to send. */
  .context {
    font-size: 13px;
    display: flex;
    gap: 6px;
    align-items: center;
    flex-wrap: wrap;
  }
  /*
   * The toolbar: one row, in the flow under the message, so it never covers another message. Its
   * row is as wide as the message; the toolbar starts where the message starts (ends, for the
   * visitor's own) and may run past it into the free side of the list, without widening the bubble.
   */
  .actions-row {
    position: relative;
    block-size: 48px;
    margin-block-start: 4px;
  }
  /* Over the list's "Jump to latest", should the newest message's toolbar reach it. */
  .actions {
    position: absolute;
    z-index: 1;
    inset-block-start: 0;
    inset-inline-start: 0;
    display: flex;
    gap: 2px;
    padding: 1px;
    background: var(--_bg);
    border: 1px solid var(--_border);
    border-radius: 10px;
    box-shadow: 0 1px 4px rgb(0 0 0 / 0.15);
  }
  .mine .actions {
    inset-inline-start: auto;
    inset-inline-end: 0;
  }
  .actions > button {
    padding: 0;
    font-size: 18px;
    display: grid;
    place-items: center;
  }
  .actions > [aria-expanded="true"] {
    background: var(--_surface);
  }
  /* The "More" menu: under the toolbar, its end under ⋯ (message-menu.ts flips it). */
  .menu {
    position: absolute;
    z-index: 4;
    inset-block-start: calc(100% + 4px);
    inset-inline-end: 0;
    display: flex;
    flex-direction: column;
    min-inline-size: 190px;
    padding: 4px;
    background: var(--_bg);
    color: var(--_text);
    border: 1px solid var(--_border);
    border-radius: 12px;
    box-shadow: 0 6px 24px rgb(0 0 0 / 0.25);
  }
  .menu.above {
    inset-block-start: auto;
    inset-block-end: calc(100% + 4px);
  }
  .menu.at-start {
    inset-inline-end: auto;
    inset-inline-start: 0;
  }
  .menu button {
    text-align: start;
    white-space: nowrap;
    padding-inline: 12px;
  }
  .danger {
    color: var(--_danger);
  }
  .reactions {
    display: flex;
    flex-wrap: wrap;
    gap: 4px;
    margin-top: 2px;
  }
  .reactions button {
    border: 1px solid var(--_border);
    padding: 0 10px;
    border-radius: 999px;
    font-size: 13px;
  }
  /* Colour emoji before the text font (some text fonts draw emoji as outlines). */
  .emoji {
    font-family: "Apple Color Emoji", "Segoe UI Emoji", "Noto Color Emoji", "Twemoji Mozilla", var(--_font);
  }
  .reactions .on {
    border-color: var(--_accent);
    border-width: 2px;
  }
  /* Mentions: chips, not links; the reader's own in the accent colour. */
  .mention {
    font-weight: 600;
    border-radius: 4px;
    padding: 0 2px;
    background: rgb(127 127 127 / 0.2);
  }
  .mention.me {
    background: var(--_accent);
    color: var(--_on-accent);
  }
  .mine .mention.me {
    background: var(--_on-accent);
    color: var(--_accent);
  }
  .chips {
    list-style: none;
    margin: 0;
    padding: 0;
  }
  .chip {
    background: var(--_surface);
    border-radius: 999px;
    padding: 0 0 0 10px;
    display: inline-flex;
    align-items: center;
    gap: 4px;
    max-width: 100%;
  }
  .chip-name {
    overflow: hidden;
    text-overflow: ellipsis;
    white-space: nowrap;
  }
  .chip button {
    border-radius: 999px;
  }
`.styleSheet!;

/** Why `m` was not sent, from its error. */
export function failedReason(strings: Strings, m: MessageItem): string {
  const e = m.error;
  const { until, banReason } = (e?.details ?? {}) as { until?: string; banReason?: string };
  const wait = e?.retryAfterMs;
  const t: Record<string, string | undefined> = { ...FAILED_EN, ...strings };
  const variant = until || wait ? "_until" : banReason ? "_reason" : "";
  return format((variant ? t[`failed_${e?.code}${variant}`] : undefined) ?? t[`failed_${e?.code}`] ?? strings.failed, {
    time: until ? new Date(until).toLocaleString(locale, { dateStyle: "medium", timeStyle: "short" }) : "",
    n: Math.ceil((wait ?? 0) / 1000),
    reason: banReason ?? "",
  });
}

/** Whether the signed-in user moderates the app (`moderator` on GET /me): asked once per user. */
let moderates: { id: string; yes: Promise<boolean> } | undefined;

/**
 * The toolbar of the active message, one row: three quick reactions, more reactions (the emoji
 * picker), reply, and More (⋯), a menu of the rest: reply in thread, edit or report, pin, a
 * moderator's mute, delete, a moderator's ban (message-menu.ts).
 */
export function actions(host: MessageHost, m: MessageItem, o: { mine: boolean; group: boolean; canDelete: boolean }): TemplateResult {
  const t: Strings & typeof EXTRAS_EN = { ...EXTRAS_EN, ...host.t };
  const c = host.conversation;
  const me = host.me?.id ?? "";
  if (moderates?.id !== me) {
    let client: ChatClient | undefined;
    host.emit("parley-client", (x: ChatClient) => (client = x));
    moderates = {
      id: me,
      yes: client
        ? client.me().then(
            (u) => !!u.moderator,
            () => false,
          )
        : Promise.resolve(false),
    };
  }
  void moderates.yes.then((yes) => host.me?.id === me && (host.moderator = yes));
  const moderator = host.moderator;
  // Moderators act on anyone; a group's owner and admins on its plain members (the server decides).
  const sanction =
    !o.mine &&
    (moderator || (o.group && (c?.myRole === "owner" || c?.myRole === "admin") && c?.members.find((x) => x.userId === m.senderId)?.role === "member"));
  // Report, and a moderator's delete, mute and ban: the dialog (a chunk of its own) opens over the
  // conversation; when it closes, what was done is said and the message has the focus again.
  const mod = (action: ModerateAction) => () => {
    host.emit("parley-moderate", { id: m.id, action });
    import("../moderate/parley-moderate.js").then(
      () => {
        const d = Object.assign(document.createElement("parley-moderate"), { t, action, message: m, conversation: c });
        d.addEventListener("parley-moderated", (e) => {
          d.remove();
          if ((e as CustomEvent<string>).detail) host.emit("parley-notice", (e as CustomEvent<string>).detail);
          void host.focusMessage(m.id);
        });
        host.shadowRoot!.append(d);
      },
      () => host.emit("parley-notice", t.loadFailed),
    );
  };
  // A quick reaction, or one from the picker: pressing one the visitor has takes it back.
  const react = (emoji: string) => host.emit("parley-react", { id: m.id, emoji, mine: m.reactions.some((r) => r.emoji === emoji && r.mine) });
  // A menu item: the menu closes (the focus back on ⋯), then the item runs (and may move the focus on).
  const pick = (run: () => void) => () => (close(true), run());
  const open = isOpen(host, m.id);
  reveal(host, m.id);
  return html`<div class="actions-row"><div class="actions" part="actions" role="group" aria-label=${t.actions}>
    ${QUICK_REACTIONS.map((e) => html`<button part="action-react" aria-label="${t.react} ${e}" class="emoji" @click=${() => react(e)}>${e}</button>`)}
    <button part="action-react-more" aria-label=${t.reactMore} title=${t.reactMore} aria-haspopup="dialog" @click=${(e: Event) => {
      const b = e.currentTarget as HTMLElement;
      import("../emoji/parley-emoji.js").then(
        // The message has the focus then: its actions are drawn anew with the reaction.
        (x) => x.openPicker(host, b, (emoji) => (react(emoji), void host.focusMessage(m.id))),
        () => host.emit("parley-notice", t.loadFailed),
      );
    }}>${plus}</button>
    <button part="action-reply" aria-label=${t.reply} title=${t.reply} @click=${() => ((host.replyTo = m), (host.editing = null), host.focus())}>${replyIcon}</button>
    <button part="action-more" aria-label=${t.moreActions} title=${t.moreActions} aria-haspopup="menu" aria-expanded=${open} aria-controls=${open ? "parley-message-menu" : nothing} @click=${(
      e: Event,
    ) => void toggle(host, m.id, e.currentTarget as HTMLElement)}>${dots}</button>
    ${
      open
        ? html`<div part="action-menu" id="parley-message-menu" class="menu" role="menu" aria-label=${t.moreActions} @keydown=${key} @focusout=${blur}>
            <button part="action-thread" role="menuitem" tabindex="-1" @click=${pick(() => host.emit("parley-open-thread", m.id))}>${t.replyInThread}</button>
            ${
              o.mine
                ? html`<button part="action-edit" role="menuitem" tabindex="-1" @click=${pick(() => host.startEdit(m))}>${t.edit}</button>`
                : html`<button part="action-report" role="menuitem" tabindex="-1" @click=${pick(mod("report"))}>${t.report}</button>`
            }
            ${
              // Pins (issue 33): a timeline message, by a group's owner and admins, a moderator, either member of a direct conversation.
              !m.threadId && (!o.group || moderator || c?.myRole === "owner" || c?.myRole === "admin")
                ? html`<button part="action-pin" role="menuitem" tabindex="-1" @click=${pick(() =>
                    host.emit("parley-act", {
                      run: (x: ChatClient) => (m.pinned ? unpinMessage : pinMessage)(x, m.id),
                      done: m.pinned ? t.unpinDone : t.pinDone,
                    }),
                  )}>${m.pinned ? t.unpin : t.pin}</button>`
                : nothing
            }
            ${
              // Reminders (issue 55): a message the server has; the dialog is a chunk of its own.
              m.status === "sent"
                ? html`<button part="action-remind" role="menuitem" tabindex="-1" aria-haspopup="dialog" @click=${pick(() =>
                    import("../reminders/parley-remind.js").then(
                      (x) => x.openRemind(host, m, t),
                      () => host.emit("parley-notice", t.loadFailed),
                    ),
                  )}>${t.remindMe}</button>`
                : nothing
            }
            ${
              // Translation (issue 54): where the app turned it on; the item is drawn by the streamed replies' chunk.
              host.me?.ai?.translate && m.text && m.status === "sent" && !o.mine ? chunk(host, STREAMS)?.translateItem(host, m, pick) : nothing
            }
            ${sanction ? html`<button part="action-mute" role="menuitem" tabindex="-1" @click=${pick(mod("mute"))}>${t.mute}</button>` : nothing}
            ${
              o.canDelete || moderator
                ? html`<button part="action-delete" role="menuitem" tabindex="-1" class="danger" @click=${pick(o.canDelete ? () => host.leave(m, "parley-delete", m.id) : mod("delete"))}>${t.delete}</button>`
                : nothing
            }
            ${sanction && o.group ? html`<button part="action-ban" role="menuitem" tabindex="-1" class="danger" @click=${pick(mod("ban"))}>${t.ban}</button>` : nothing}
          </div>`
        : nothing
    }
  </div></div>`;
}

/**
 * A group message from someone the visitor blocked, collapsed: a notice, and a button that shows
 * it (a tab stop while the message is active, like its actions; Enter on the message focuses it).
 * Once shown, the message has the focus, so a screen reader reads it.
 */
export function veiled(host: MessageHost, m: MessageItem): TemplateResult {
  const t: Strings & typeof EXTRAS_EN = { ...EXTRAS_EN, ...host.t };
  return html`<em part="blocked-notice" class="muted">${t.blockedMessage}</em>
    <button part="show-blocked" tabindex=${host.active === m.id ? 0 : -1} @click=${() => {
      host.shown = [...host.shown, m.id];
      void host.focusMessage(m.id);
    }}>${t.showMessage}</button>`;
}

/** The files attached to the message being written, each with its remove button. */
export function chips(host: MessageHost): TemplateResult {
  const t: Strings & typeof EXTRAS_EN = { ...EXTRAS_EN, ...host.t };
  return html`<ul class="context chips" aria-label=${t.attachments}>
    ${host.files.map(
      (f, i) => html`<li part="chip" class="chip">${icons.attach}<span class="chip-name">${f.name}</span>
        <button type="button" part="chip-remove" aria-label=${format(t.removeFile, { name: f.name })} @click=${() => {
          host.files = host.files.filter((_, j) => j !== i);
          host.focus();
        }}>${icons.close}</button></li>`,
    )}
  </ul>`;
}

/** Over the composer: the message being edited, or the one being replied to, with Cancel. */
export function context(host: MessageHost): TemplateResult {
  const t: Strings & typeof EXTRAS_EN = { ...EXTRAS_EN, ...host.t };
  return html`<div class="context muted">
    ${host.editing ? t.editing : format(t.replyingTo, { name: host.name(host.replyTo!.senderId) })}
    <button type="button" @click=${() => {
      host.editing = host.replyTo = null;
      const ta = host.shadowRoot?.querySelector("textarea");
      if (ta) ta.value = "";
    }}>${t.cancel}</button>
  </div>`;
}

/** A message's reactions: a button each, pressed when one is the visitor's (pressing it takes it back). */
export function reactions(host: MessageHost, m: MessageItem): TemplateResult {
  return html`<div class="reactions">
    ${m.reactions.map((r) => html`<button part="reaction" class=${r.mine ? "on" : ""} aria-pressed=${r.mine} @click=${() => host.emit("parley-react", { id: m.id, emoji: r.emoji, mine: r.mine })}><span class="emoji">${r.emoji}</span> ${r.count}</button>`)}
  </div>`;
}
