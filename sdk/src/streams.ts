import type { Socket } from "socket.io-client";
import type { ChatClient } from "./client.js";
import { StateDraft } from "./draft.js";
import {
  AI_STATE_TTL_MS,
  type AiStateEvent,
  type ClientToServerEvents,
  type ConversationSummary,
  type HandoffResponse,
  type Message,
  type MessageDeltaEvent,
  type MessageTranslation,
  type ServerToClientEvents,
} from "./protocol/index.js";
import type { AiStateEntry, ChatState } from "./state.js";

/** What this module needs of a ChatClient: its store and requests, and its socket (internals, as `Calls` reaches them). */
type Chat = Pick<ChatClient, "store" | "request" | "on">;

/**
 * @parley/sdk/streams: streamed messages and agents' states (issue 54) for a ChatClient,
 * `new Streams(chat)`, one per client. An entry of its own, like @parley/sdk/calls, so pages
 * without agents do not carry it (the core's bundle has no room). Once made, a streaming message in the store (`stream.state:
 * "streaming"`) grows with each `message.delta`, applied in order by offset: a delta past the text
 * held (one was missed, or the stream began before this client looked) fetches the message again;
 * one already applied changes nothing. The final message arrives as `message.new`, and this module
 * puts it in place of the one that grew (the core's reducer keeps a message it holds).
 * `ai.state` events live in `chat.store.state.ai[conversationId][userId]` until they expire
 * (AI_STATE_TTL_MS, or an `idle`); `stop(messageId)` ends a streaming reply for everyone.
 *
 * ```ts
 * const streams = new Streams(chat);
 * await streams.stop(messageId); // a member's Stop button
 * await streams.talkToPerson(conversationId); // hand-off: the agent stops there, people join
 * streams.aiStates(conversationId); // { [userId]: { state: "thinking", until } }
 * (await streams.translate(messageId, "de")).text; // when `chat.user.ai?.translate`
 * (await streams.summarize(conversationId, "en")).text; // when `chat.user.ai?.summarize`
 * ```
 */
export class Streams {
  private attached: Socket<ServerToClientEvents, ClientToServerEvents> | null = null;
  private readonly offs: (() => void)[];
  /** Messages being fetched after a gap: one request each at a time. */
  private readonly fetching = new Set<string>();

  private readonly onDelta = (e: MessageDeltaEvent): void => {
    this.chat.store.next((s) => withDelta(s, e).state);
    if (missed(this.chat.store.state, e)) this.refetch(e.messageId);
  };

  private readonly onAiState = (e: AiStateEvent): void => {
    this.chat.store.next((s) => withAiState(s, e, Date.now() + AI_STATE_TTL_MS));
  };

  constructor(private readonly chat: Chat) {
    this.offs = [
      chat.on("connection.changed", (c) => c === "connected" && this.attach()),
      // The stream's end: its final message replaces the one that grew (the core keeps a message it holds).
      chat.on("message.new", (e) => e.data.message.stream && chat.store.next((s) => withStreamed(s, e.data.message))),
    ];
    this.attach();
  }

  /** Stops a streaming message (a member's Stop): it ends for everyone with the text it has; resolves with it as it ended. */
  async stop(messageId: string): Promise<Message> {
    const m = await this.socketLayer().request<Message>("message.stop", { messageId });
    this.chat.store.next((s) => withStreamed(s, m));
    return m;
  }

  /**
   * "Talk to a person" (hand-off): a reply the agent is writing stops, the conversation's agents
   * answer there no more and the app's people join (from a DM, in a group made for it: the answer's `conversationId`). Rejects with
   * `conflict` (`handoff_off`, `no_agent`) or `rate_limited`.
   */
  talkToPerson(conversationId: string): Promise<HandoffResponse> {
    return this.chat.request<HandoffResponse>("POST", `/conversations/${encodeURIComponent(conversationId)}/handoff`);
  }

  /**
   * The message's text in `language` (an `AiLanguage`: `de`, `pt-BR`…), by the app's model; kept by the server
   * (`cached`). Rejects with `translate_off`, `model_unavailable`, `rate_limited`.
   */
  translate(messageId: string, language: string): Promise<MessageTranslation> {
    return this.ai(`/messages/${encodeURIComponent(messageId)}/translate`, language);
  }

  /** What the user has not read in the conversation, summarized in `language`. Rejects with `summarize_off`, `model_unavailable`, `rate_limited`. */
  summarize(conversationId: string, language: string): Promise<ConversationSummary> {
    return this.ai(`/conversations/${encodeURIComponent(conversationId)}/summary`, language);
  }

  private ai<T>(path: string, language: string): Promise<T> {
    return this.chat.request<T>("POST", path, { language });
  }

  /** The agents' states in a conversation that have not expired, by user id. */
  aiStates(conversationId: string, now = Date.now()): Record<string, AiStateEntry> {
    const all = this.chat.store.state.ai?.[conversationId] ?? {};
    return Object.fromEntries(Object.entries(all).filter(([, v]) => v.until > now));
  }

  /** Stops listening (the store keeps what it has). */
  close(): void {
    for (const off of this.offs) off();
    this.attached?.off("message.delta", this.onDelta);
    this.attached?.off("ai.state", this.onAiState);
    this.attached = null;
  }

  /** A missed delta: the message as the server has it now (its text so far, or final). */
  private refetch(messageId: string): void {
    if (this.fetching.has(messageId)) return;
    this.fetching.add(messageId);
    this.chat
      .request<Message>("GET", `/messages/${encodeURIComponent(messageId)}`)
      .then((m) => this.chat.store.next((s) => withStreamed(s, m)))
      .catch(() => undefined) // gone, or offline: the catch-up after a reconnect brings the final message
      .finally(() => this.fetching.delete(messageId));
  }

  private socketLayer(): { request<T>(event: keyof ClientToServerEvents, payload: unknown): Promise<T> } {
    return (this.chat as unknown as { socket: { request<T>(event: keyof ClientToServerEvents, payload: unknown): Promise<T> } }).socket;
  }

  /** Listens on the chat's socket (a new one after a sign-out and sign-in). */
  private attach(): void {
    const raw = (this.chat as unknown as { socket: { socket: Socket<ServerToClientEvents, ClientToServerEvents> | null } }).socket.socket;
    if (!raw || raw === this.attached) return;
    this.attached?.off("message.delta", this.onDelta);
    this.attached?.off("ai.state", this.onAiState);
    raw.on("message.delta", this.onDelta);
    raw.on("ai.state", this.onAiState);
    this.attached = raw;
  }
}

/**
 * A delta applied to the streaming message it names: when its offset is the text's length (or
 * within it: the part past the end). `gap`: the client must fetch the message (a delta was missed,
 * or it does not hold the message and the delta brings none).
 */
export function withDelta(s: ChatState, e: MessageDeltaEvent): { state: ChatState; gap: boolean } {
  const d = new StateDraft(s);
  const cur = d.thread(e.conversationId, false)?.get(e.messageId);
  if (!cur) {
    if (e.message) return { state: withStreamed(s, e.message), gap: false };
    // Not loaded here: nothing to grow (the conversation's history brings it when opened).
    return { state: s, gap: d.thread(e.conversationId, false) !== undefined };
  }
  if (cur.stream?.state !== "streaming") return { state: s, gap: false };
  const text = cur.text ?? "";
  if (e.offset > text.length) return { state: s, gap: true };
  if (e.offset + e.text.length <= text.length) return { state: s, gap: false };
  d.replaceMessage({ ...cur, text: text.slice(0, e.offset) + e.text });
  return { state: d.finish(), gap: false };
}

/** Whether a delta just applied left a gap: its message streams here with less text than the delta started at, or is missing from a loaded timeline. */
export function missed(s: ChatState, e: MessageDeltaEvent): boolean {
  const t = s.threads[e.conversationId];
  const cur = t?.messages.find((m) => m.id === e.messageId);
  if (!cur) return t !== undefined && !e.message;
  return cur.stream?.state === "streaming" && (cur.text ?? "").length < e.offset;
}

/** A streamed message as the server has it (a start, a fetch after a gap, a stop's answer): in its timeline, replacing what is held unless that is newer. */
export function withStreamed(s: ChatState, m: Message): ChatState {
  const d = new StateDraft(s);
  const cur = d.holder(m, false)?.get(m.id);
  // Ended here already (its message.new came first): a late snapshot of the stream must not bring it back.
  if (cur && cur.stream?.state !== "streaming") return s;
  // A snapshot older than the deltas applied since (the start's, after a history page) keeps the longer text.
  if (cur && m.stream?.state === "streaming" && (m.text ?? "").length < (cur.text ?? "").length) return s;
  if (cur) d.replaceMessage({ ...cur, ...m, status: "sent" });
  else d.addMessages([m]);
  return d.finish();
}

/** An agent's state in a conversation, shown until `until` (ms); `idle` clears it. */
export function withAiState(s: ChatState, e: AiStateEvent, until: number): ChatState {
  const forConv = { ...(s.ai?.[e.conversationId] ?? {}) };
  if (e.state === "idle") delete forConv[e.userId];
  else forConv[e.userId] = { state: e.state, ...(e.tool ? { tool: e.tool } : {}), until };
  return { ...s, ai: { ...s.ai, [e.conversationId]: forConv } };
}
