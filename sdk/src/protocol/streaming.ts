// Streamed messages (issue 54): a bot's reply that grows by appends from the host's backend, and
// the ephemeral "what the agent is doing" state. Lengths and offsets count UTF-16 code units (a
// JavaScript string's `length`).

import type { CustomData } from "./common.js";
import type { Message, StreamState } from "./messages.js";

/**
 * Ephemeral (no seq, never stored, not in /sync or webhooks): text appended to a streaming message,
 * coalesced by the server (at most about 20 a second per message). Apply it when `offset` equals
 * the length of the text held; a larger one means a delta was missed (fetch the message again);
 * a smaller one was applied already. The finished message arrives as `message.new` (it replaces
 * the streaming one).
 */
export interface MessageDeltaEvent {
  conversationId: string;
  messageId: string;
  /** The text's length before `text`. */
  offset: number;
  text: string;
  /** On the stream's first delta (offset 0): the message as it started, text included, for clients that do not hold it. */
  message?: Message;
}

/** What an agent (a bot user) is doing in a conversation, as its author says; `tool` names the tool it calls. */
export type AiStateKind = "thinking" | "generating" | "tool" | "idle";

/** Ephemeral, like typing: never stored; a client lets it expire (LIMITS `aiStateTtlMs`) unless it is said again. */
export interface AiStateEvent {
  conversationId: string;
  userId: string;
  state: AiStateKind;
  /** With `tool`: the tool's name. */
  tool?: string;
}

/** How long a client shows an `ai.state` other than `idle` without hearing it again. */
export const AI_STATE_TTL_MS = 60_000;

/** `POST /v1/server/conversations/:id/streams`: a message from `from` (a sub), in the `streaming` state. */
export interface ServerStartStreamRequest {
  from: string;
  /** Text to start with (default ""). */
  text?: string;
  replyToId?: string;
  /** Idempotency, as for sends: a retry answers the stream started before (200). */
  clientMessageId?: string;
  data?: CustomData;
}

/** `POST /v1/server/messages/:id/stream/append`: `text` at `offset` (the length the author holds). */
export interface ServerAppendStreamRequest {
  offset: number;
  text: string;
}

/** `POST /v1/server/messages/:id/stream/finish`: optionally the final text (replaces what was appended) and custom data. */
export interface ServerFinishStreamRequest {
  text?: string;
  data?: CustomData;
}

/** `POST /v1/server/messages/:id/stream/fail`. */
export interface ServerFailStreamRequest {
  error: string;
}

/** The answer of an append: where the stream is now. */
export interface StreamStatus {
  messageId: string;
  conversationId: string;
  state: StreamState;
  /** The text's length now: the offset of the next append. */
  length: number;
}

/** `PUT /v1/server/conversations/:id/ai-state`: what `from` (a sub, a member) is doing. */
export interface ServerAiStateRequest {
  from: string;
  state: AiStateKind;
  tool?: string;
}

/** Socket command `message.stop`: a member ends a streaming message; acked with the message as it ended. */
export interface StopStreamRequest {
  messageId: string;
}
