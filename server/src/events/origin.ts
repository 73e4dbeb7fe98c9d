import type { ChatEvent } from "@parley/sdk/protocol";

/**
 * The socket an event is not sent to, because it has the event already: a send's own socket gets
 * its `message.new` in the ack when it connected with `ownEcho: false` (SocketAuth). A symbol key,
 * so it never reaches a client or the event log (JSON leaves symbols out).
 */
const ORIGIN = Symbol("originSocket");

type WithOrigin = ChatEvent & { [ORIGIN]?: string };

/** Marks a committed event as held by `socketId` already (set before it is published). */
export function heldBy(event: ChatEvent, socketId: string): void {
  (event as WithOrigin)[ORIGIN] = socketId;
}

/** The socket that has this event already, if any. */
export function holderOf(event: ChatEvent): string | undefined {
  return (event as WithOrigin)[ORIGIN];
}
