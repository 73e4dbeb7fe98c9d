// Socket.IO: the typed event maps of both ends, every ack, and the handshake's auth.

import type { Call, CallFeeds, CallRef, CallSfuReply, CallSfuRequest, CallSignal, CallSignalRequest, HangUpRequest, StartCallRequest } from "./calls.js";
import type { DraftUpdatedEvent } from "./drafts.js";
import type { ErrorBody } from "./errors.js";
import type { EventOf, EventType, TypingEvent } from "./events.js";
import type { Message, ReadRequest, SendMessageRequest } from "./messages.js";
import type { Presence, PresenceSnapshot, PresenceWatchRequest } from "./presence.js";
import type { AiStateEvent, MessageDeltaEvent, StopStreamRequest } from "./streaming.js";

/** Socket.IO: server -> client. Each persisted event travels under its own type as event name. */
export type ServerToClientEvents = { [K in EventType]: (e: EventOf<K>) => void } & {
  typing: (e: TypingEvent) => void;
  presence: (e: Presence) => void;
  "presence.snapshot": (e: PresenceSnapshot) => void;
  /** A call's WebRTC signalling, to the one device that carries the call for its addressee (ephemeral). */
  "call.signal": (e: CallSignal) => void;
  "call.feeds": (e: CallFeeds) => void;
  /** A streaming message grew (ephemeral, coalesced; streaming.ts). */
  "message.delta": (e: MessageDeltaEvent) => void;
  /** What an agent is doing in a conversation (ephemeral, like typing). */
  "ai.state": (e: AiStateEvent) => void;
  /** A draft of the user's was saved or deleted on one of their devices (ephemeral, to the user only; drafts.ts). */
  "draft.updated": (e: DraftUpdatedEvent) => void;
};

/** Every acknowledgement: a discriminated union on `ok`. */
export type Ack<T> = { ok: true; data: T } | { ok: false; error: ErrorBody["error"] };

/**
 * The ack of `message.send`. From a socket that connected with `ownEcho: false`, an ok ack carries
 * the `message.new` event (seq and all) that socket would otherwise have been sent on its own: it
 * is not sent to that socket, only to the conversation's other sockets (the sender's other tabs
 * and devices too). Absent for a clientMessageId retry (the original event is sent again instead).
 */
export type SendAck = { ok: true; data: Message; event?: EventOf<"message.new"> } | { ok: false; error: ErrorBody["error"] };

/** Socket.IO: client -> server. Commands, each with an ack. */
export interface ClientToServerEvents {
  "message.send": (req: SendMessageRequest & { conversationId: string }, ack: (res: SendAck) => void) => void;
  typing: (req: { conversationId: string; typing?: boolean }, ack?: (res: Ack<null>) => void) => void;
  read: (req: ReadRequest & { conversationId: string }, ack?: (res: Ack<null>) => void) => void;
  /** Whose presence this socket is told, beside what is pushed (PresenceWatchRequest); acked with their presence now. */
  "presence.watch": (req: PresenceWatchRequest, ack?: (res: Ack<PresenceSnapshot>) => void) => void;
  /** Calls (calls.ts): start one (this socket carries it for the caller); acked with the call. */
  "call.start": (req: StartCallRequest, ack: (res: Ack<Call>) => void) => void;
  /** An invitee's device says it rings (they get `ringing`); idempotent. */
  "call.ring": (req: CallRef, ack?: (res: Ack<null>) => void) => void;
  /** Answer: this socket carries the call (again, when it is another device of someone who is in it). */
  "call.accept": (req: CallRef, ack: (res: Ack<Call>) => void) => void;
  "call.decline": (req: CallRef, ack?: (res: Ack<Call>) => void) => void;
  /** Leave; before anyone answered, the caller cancels. */
  "call.hangup": (req: HangUpRequest, ack?: (res: Ack<Call>) => void) => void;
  "call.signal": (req: CallSignalRequest, ack?: (res: Ack<null>) => void) => void;
  /** Group calls: media through the server's SFU (publish, subscribe, answer, candidate). */
  "call.sfu": (req: CallSfuRequest, ack: (res: Ack<CallSfuReply>) => void) => void;
  /** A member stops a streaming message (streaming.ts); acked with the message as it ended. */
  "message.stop": (req: StopStreamRequest, ack?: (res: Ack<Message>) => void) => void;
}

/** The handshake's `auth` object. */
export interface SocketAuth {
  token: string;
  /**
   * false: this socket's own sends come back in their acks (`SendAck.event`), not as a separate
   * `message.new` frame: one frame less per message. Absent or true: the event is sent as to any
   * member (what clients before this field expect).
   */
  ownEcho?: boolean;
}
