// Socket.IO: the typed event maps of both ends, every ack, and the handshake's auth.

import type { ErrorBody } from "./errors.js";
import type { EventOf, EventType, TypingEvent } from "./events.js";
import type { Message, ReadRequest, SendMessageRequest } from "./messages.js";
import type { Presence, PresenceSnapshot } from "./presence.js";

/** Socket.IO: server -> client. Each persisted event travels under its own type as event name. */
export type ServerToClientEvents = { [K in EventType]: (e: EventOf<K>) => void } & {
  typing: (e: TypingEvent) => void;
  presence: (e: Presence) => void;
  "presence.snapshot": (e: PresenceSnapshot) => void;
};

/** Every acknowledgement: a discriminated union on `ok`. */
export type Ack<T> = { ok: true; data: T } | { ok: false; error: ErrorBody["error"] };

/** Socket.IO: client -> server. Commands, each with an ack. */
export interface ClientToServerEvents {
  "message.send": (req: SendMessageRequest & { conversationId: string }, ack: (res: Ack<Message>) => void) => void;
  typing: (req: { conversationId: string; typing?: boolean }, ack?: (res: Ack<null>) => void) => void;
  read: (req: ReadRequest & { conversationId: string }, ack?: (res: Ack<null>) => void) => void;
}

/** The handshake's `auth` object. */
export interface SocketAuth {
  token: string;
}
