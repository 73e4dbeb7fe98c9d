import { css, html, nothing, type TemplateResult } from "lit";
import { isChatError, type ChatClient, type MessageItem } from "@parley/sdk";
import { Streams } from "@parley/sdk/streams";
import { format, locale } from "../i18n/i18n.js";
import type { MessageHost } from "../message/message-host.js";
import { clientOf, stringsIn } from "../shared/feature.js";
import { STREAM_EN, STREAM_LOCALES } from "./stream-card.strings.js";

/**
 * Streamed replies and AI agents in a conversation (issue 54), a chunk of its own: it comes when
 * the open conversation has an agent (`User.agent`) or a message that was streamed, so a host
 * without agents never loads it. Once here it keeps one `Streams` per client (@parley/sdk/streams):
 * the reply grows in the store as `message.delta`s arrive, and the thread draws it as any message
 * (its scroll anchored at the bottom as for a new message). In the bubble it adds the agent's "AI"
 * mark, "Thinking…" (or the tool being used) before the first words, Stop while it grows, and
 * how it ended (stopped, or why it failed); under the agent's last reply in a DM, "Talk to a person".
 * A screen reader hears the reply once, finished (`<parley-thread>` holds it back while it grows).
 * Where the app turned translation on (`Me.ai.translate`), a message's "Translate" (its More menu)
 * and the conversation's "Translate new messages" (its details) draw the model's translation
 * under the text, in the widget's language.
 *
 * @csspart ai-badge - the "AI" mark of an agent's message
 * @csspart ai-thinking - "Thinking…" (or the tool in use) before a streamed reply's first words
 * @csspart stream-stop - Stop, while a reply is being written
 * @csspart stream-end - how a streamed reply ended, when not finished: "Stopped", or why it failed
 * @csspart talk-to-person - "Talk to a person", under an agent's last reply (hand-off)
 * @csspart translation - a message's translation (or "Translating…", or why there is none), under its text
 * @csspart action-translate - "Translate" in a message's More menu
 */

/** The card's styles (the thread's shadow root adopts them). */
export const sheet = css`
  .ai-foot {
    display: flex;
    flex-wrap: wrap;
    align-items: center;
    gap: 6px;
    margin-block-start: 4px;
    font-size: 12px;
  }
  .ai-badge {
    padding-inline: 5px;
    border-radius: 4px;
    font-weight: 600;
    letter-spacing: 0.02em;
    background: var(--_surface);
    border: 1px solid var(--_border);
  }
  .ai-thinking {
    font-style: italic;
  }
  .translation {
    margin-block-start: 4px;
    padding-inline-start: 8px;
    border-inline-start: 2px solid var(--_border);
  }
  /* Pills that read as buttons inside the bubble; still a fingertip high (the widget's 44 px). */
  .ai-foot button {
    padding-block: 0;
    padding-inline: 12px;
    font-size: 13px;
    border: 1px solid var(--_border);
    border-radius: 22px;
    background: var(--_bg);
  }
`.styleSheet!;

/** One `Streams` a client: it applies every delta and agent state to the client's store. */
const kept = new WeakMap<ChatClient, Streams>();
export function streamsOf(host: HTMLElement): Streams | undefined {
  const chat = clientOf(host);
  if (!chat) return undefined;
  let s = kept.get(chat);
  if (!s) kept.set(chat, (s = new Streams(chat)));
  return s;
}

/** Translations asked for, by message and language: the text, why not, or the request on its way. */
const translations = new Map<string, { text: string } | { error: string } | Promise<unknown>>();
const AUTO = "parley-translate-since:";

/** Since when new messages of the conversation are translated as they come ("Translate new messages"; this device). */
export function autoSince(conversationId: string): number {
  return Number(localStorage.getItem(AUTO + conversationId)) || 0;
}
export function setAuto(conversationId: string, on: boolean): void {
  if (on) localStorage.setItem(AUTO + conversationId, String(Date.now()));
  else localStorage.removeItem(AUTO + conversationId);
}

/** Asks for the message's translation into the widget's language (once); the host draws it when it comes. */
function translate(host: MessageHost, m: MessageItem): void {
  const key = `${m.id}:${locale}`;
  const streams = streamsOf(host);
  if (!streams || translations.has(key)) return;
  const asking = streams.translate(m.id, locale).then(
    (r) => translations.set(key, { text: r.text }),
    (err: unknown) => translations.set(key, { error: err instanceof Error ? err.message : String(err) }),
  );
  translations.set(key, asking);
  void asking.then(() => host.requestUpdate());
}

/** "Translate" in a message's More menu (message-extras.ts draws it where the app translates). */
export function translateItem(host: MessageHost, m: MessageItem, pick: (run: () => void) => () => void): TemplateResult {
  const t = stringsIn(STREAM_EN, STREAM_LOCALES, host.t);
  return html`<button part="action-translate" role="menuitem" tabindex="-1" @click=${pick(() => (translate(host, m), host.requestUpdate()))}>${t.aiTranslate}</button>`;
}

/** The thread calls this when the open conversation has an agent: deltas are listened for before its first reply starts. */
export function watch(host: MessageHost): void {
  streamsOf(host);
}

/** Hand-off asked for, by conversation (one request at a time; its refusal is said under the reply). */
const handoffs = new Map<string, Promise<unknown> | string>();

/** What an agent's message, or a streamed one, shows under its text. */
export function card(host: MessageHost, m: MessageItem): unknown {
  const streams = streamsOf(host);
  const t = stringsIn(STREAM_EN, STREAM_LOCALES, host.t);
  const users = host.conversation?.users ?? [];
  const agent = users.find((u) => u.id === m.senderId)?.agent;
  const state = m.stream?.state;
  const parts: unknown[] = [];
  // A translation asked for, or one of "Translate new messages" (another's message since it was turned on).
  if (host.me?.ai?.translate && m.text && !m.deletedAt && m.senderId !== host.me.id && m.stream?.state !== "streaming") {
    const since = autoSince(m.conversationId);
    if (since && Date.parse(m.createdAt) >= since) translate(host, m);
  }
  const got = translations.get(`${m.id}:${locale}`);
  const translation = !got
    ? nothing
    : got instanceof Promise
      ? html`<div part="translation" class="translation muted" role="status">${t.aiTranslating}</div>`
      : "text" in got
        ? html`<div part="translation" class="translation"><span class="sr-only">${t.aiTranslation}: </span><span lang=${locale}>${got.text}</span></div>`
        : html`<div part="translation" class="translation error" role="status">${got.error}</div>`;
  if (agent)
    parts.push(
      html`<span part="ai-badge" class="ai-badge" title=${t.aiAgent}><span aria-hidden="true">${t.aiBadge}</span><span class="sr-only">${t.aiAgent}</span></span>`,
    );
  if (state === "streaming") {
    if (!m.text) {
      const doing = streams?.aiStates(m.conversationId)[m.senderId ?? ""];
      const label = doing?.state === "tool" && doing.tool ? format(t.aiUsingTool, { tool: doing.tool }) : t.aiThinking;
      parts.push(html`<span part="ai-thinking" class="ai-thinking muted">${label}</span>`);
    }
    parts.push(html`<button part="stream-stop" @click=${() => void streams?.stop(m.id).catch(() => undefined)}>${t.aiStop}</button>`);
  } else if (state === "stopped") parts.push(html`<span part="stream-end" class="muted">${t.aiStopped}</span>`);
  else if (state === "failed") parts.push(html`<span part="stream-end" class="error">${t.aiFailed} ${m.stream?.error ?? ""}</span>`);
  // "Talk to a person" under the agent's last reply in a DM with it (also while it is written).
  const last = host.messages.filter((x) => x.senderId === m.senderId).at(-1);
  if (agent && last?.id === m.id && host.conversation?.kind === "direct") {
    const asked = handoffs.get(m.conversationId);
    if (typeof asked === "string") parts.push(html`<span part="stream-end" class="error" role="status">${asked}</span>`);
    else
      parts.push(
        html`<button part="talk-to-person" ?disabled=${!!asked} @click=${() => talkToPerson(host, streams, m.conversationId, t.aiNoPerson)}>${t.aiTalkToPerson}</button>`,
      );
  }
  return html`${translation}${parts.length ? html`<div class="ai-foot">${parts}</div>` : nothing}`;
}

/** Hands the conversation to people; the group made for a DM opens (where they answer). */
function talkToPerson(host: MessageHost, streams: Streams | undefined, conversationId: string, refused: string): void {
  if (!streams) return;
  const asking = streams.talkToPerson(conversationId).then(
    (r) => {
      handoffs.delete(conversationId);
      if (r.conversationId !== conversationId) host.emit("parley-open", r.conversationId);
    },
    (err: unknown) => handoffs.set(conversationId, isChatError(err) && err.code === "conflict" ? refused : err instanceof Error ? err.message : refused),
  );
  handoffs.set(conversationId, asking);
  host.requestUpdate();
  void asking.then(() => host.requestUpdate());
}
