// Pins: messages a conversation keeps at hand, listed from its header (issue 33).

import type { Message, PinMark } from "./messages.js";

/** A pinned message of a conversation. */
export interface Pin extends PinMark {
  conversationId: string;
  message: Message;
}

/**
 * `GET /v1/conversations/:id/pins`: newest pin first, all of them (a conversation holds at most
 * `PIN_LIMITS.perConversation`, see the server's pins.schema.ts and the OpenAPI description).
 */
export interface PinsResponse {
  pins: Pin[];
}

/**
 * `pin.updated`: a message was pinned (`pin`) or unpinned (`pin: null`, also when a pinned message
 * is deleted). The message's own `pinned` changes with it (a `message.updated` follows a pin or an
 * unpin; a deletion's `message.deleted` carries no pin).
 */
export interface PinUpdated {
  conversationId: string;
  messageId: string;
  pin: Pin | null;
}
