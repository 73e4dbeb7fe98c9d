import type { Server, Socket } from "socket.io";
import type { ClientToServerEvents, ServerToClientEvents } from "@parley/sdk/protocol";
import { type CommandLog, withAck } from "../realtime/acks.js";
import type { UserCaller } from "../shared/caller.js";
import { consume, createLimiter } from "../shared/rate-limit.js";
import { parse } from "../shared/validate.js";
import { callRef, callSfu, callSignal, hangUp, startCall } from "./calls.schema.js";
import type { CallsService } from "./calls.service.js";

/** What the calls' socket side is built from. */
export interface CallSocketDeps {
  calls: CallsService;
  /** Whether a closed socket's session still lives (a logout or a ban drops its calls at once). */
  auth: { isSessionActive(sessionId: string): Promise<boolean> };
  /** Call commands one socket may send a second (signalling has its own, larger budget). */
  commandsPerSec: number;
}

/**
 * Offers, answers and candidates one socket may relay in 10 s: a call's set-up trickles a few dozen
 * candidates at most, an ICE restart as many again.
 */
const SIGNALS_PER_10S = 300;
/** How long a node waits for the others to say which sockets they hold. */
const FETCH_TIMEOUT_MS = 3000;

type CallServer<D> = Server<ClientToServerEvents, ServerToClientEvents, Record<string, never>, D>;
type CallSocket<D> = Socket<ClientToServerEvents, ServerToClientEvents, Record<string, never>, D>;

/**
 * Calls on Socket.IO: gives the service its way to devices (a signal to one socket on whatever node
 * holds it; which sockets are connected anywhere), and answers a socket's call commands. Returns
 * what the realtime layer calls for each new socket, and what detaches the service from this server.
 */
export function attachCallSockets<D>(
  io: CallServer<D>,
  deps: CallSocketDeps,
): { connected(socket: CallSocket<D>, caller: UserCaller, log: CommandLog): void; detach(): void } {
  deps.calls.attachSockets({
    // A socket id is a room on every node: the adapter carries the signal to the node that holds it.
    signal: (socketId, signal) => void io.to(socketId).emit("call.signal", signal),
    feeds: (socketId, e) => void io.to(socketId).emit("call.feeds", e),
    liveSockets: async (ids) => {
      try {
        const found = await io.in(ids).timeout(FETCH_TIMEOUT_MS).fetchSockets();
        return new Set(found.map((s) => s.id));
      } catch {
        return undefined; // a node did not answer: nobody is dropped on a guess
      }
    },
  });
  const perSocket = createLimiter({ points: deps.commandsPerSec, durationSec: 1 }, "call-socket");
  const signals = createLimiter({ points: SIGNALS_PER_10S, durationSec: 10 }, "call-signal");
  const { calls } = deps;

  return {
    connected(socket, caller, log) {
      const limited = (): Promise<void> => consume(perSocket, socket.id);
      socket.on("call.start", (raw, ack) =>
        withAck(log, "call.start", ack, async () => {
          await limited();
          return calls.start(caller, socket.id, parse(startCall, raw));
        }),
      );
      socket.on("call.ring", (raw, ack) =>
        withAck(log, "call.ring", ack, async () => {
          await limited();
          return calls.ring(caller, parse(callRef, raw));
        }),
      );
      socket.on("call.accept", (raw, ack) =>
        withAck(log, "call.accept", ack, async () => {
          await limited();
          return calls.accept(caller, socket.id, parse(callRef, raw));
        }),
      );
      socket.on("call.decline", (raw, ack) =>
        withAck(log, "call.decline", ack, async () => {
          await limited();
          return calls.decline(caller, parse(callRef, raw));
        }),
      );
      socket.on("call.hangup", (raw, ack) =>
        withAck(log, "call.hangup", ack, async () => {
          await limited();
          return calls.hangUp(caller, socket.id, parse(hangUp, raw));
        }),
      );
      socket.on("call.signal", (raw, ack) =>
        withAck(log, "call.signal", ack, async () => {
          await consume(signals, socket.id);
          return calls.signal(caller, socket.id, parse(callSignal, raw));
        }),
      );
      socket.on("call.sfu", (raw, ack) =>
        withAck(log, "call.sfu", ack, async () => {
          await consume(signals, socket.id);
          return calls.sfuCommand(caller, socket.id, parse(callSfu, raw));
        }),
      );
      const session = caller.session;
      socket.on("disconnect", () => calls.socketClosed(socket.id, () => (session ? deps.auth.isSessionActive(session) : Promise.resolve(true))));
    },
    detach: () => calls.attachSockets(undefined),
  };
}
