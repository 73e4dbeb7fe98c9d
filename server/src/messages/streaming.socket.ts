import type { Server, Socket } from "socket.io";
import type { ClientToServerEvents, ServerToClientEvents } from "@parley/sdk/protocol";
import { type CommandLog, withAck } from "../realtime/acks.js";
import type { UserCaller } from "../shared/caller.js";
import { consume, createLimiter } from "../shared/rate-limit.js";
import { parse } from "../shared/validate.js";
import { stopStream } from "./streaming.schema.js";
import type { StreamingService } from "./streaming.js";

type StreamServer<D> = Server<ClientToServerEvents, ServerToClientEvents, Record<string, never>, D>;
type StreamSocket<D> = Socket<ClientToServerEvents, ServerToClientEvents, Record<string, never>, D>;

/**
 * Streamed messages on Socket.IO: their deltas and agents' states go to the conversation's room
 * (every node, through the adapter), and a member's `message.stop` ends a stream. Returns what the
 * realtime layer calls for each new socket, and what unplugs the service from this server.
 */
export function attachStreamSockets<D>(
  io: StreamServer<D>,
  deps: { streams: StreamingService; room(conversationId: string): string; commandsPerSec: number },
): { connected(socket: StreamSocket<D>, caller: UserCaller, log: CommandLog): void; detach(): void } {
  const detach = deps.streams.attachSockets({
    delta: (e) => void io.to(deps.room(e.conversationId)).emit("message.delta", e),
    aiState: (e) => void io.to(deps.room(e.conversationId)).emit("ai.state", e),
  });
  const perSocket = createLimiter({ points: deps.commandsPerSec, durationSec: 1 }, "stream-socket");
  return {
    connected(socket, caller, log) {
      socket.on("message.stop", (raw, ack) =>
        withAck(log, "message.stop", ack, async () => {
          await consume(perSocket, socket.id);
          return deps.streams.stopByMember(caller, parse(stopStream, raw).messageId);
        }),
      );
    },
    detach,
  };
}
