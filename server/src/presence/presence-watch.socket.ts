import type { Socket } from "socket.io";
import type { ClientToServerEvents, ServerToClientEvents } from "@parley/sdk/protocol";
import { type CommandLog, withAck } from "../realtime/acks.js";
import { parse } from "../shared/validate.js";
import type { PresenceAudience } from "./presence.audience.js";
import { presenceWatch } from "./presence.schema.js";

type WatchSocket<D> = Socket<ClientToServerEvents, ServerToClientEvents, Record<string, never>, D>;

/** The room of the sockets watching one user's presence (deliveryOf sends each change there too). */
export const watchRoom = (userId: string): string => `presence-watch:${userId}`;

/**
 * Presence on request: in conversations above the app's presence group size nobody is pushed the
 * members' presence (a group of n coming online would cost n² frames). A client says whom it shows
 * (`presence.watch`, at most WATCH_MAX people it may see: a contact or someone it shares any
 * conversation with, no block either way) and is answered their presence, then told their changes
 * until it watches others or disconnects. An empty list stops watching.
 *
 * The socket joins the watched rooms before the presence is read, so a change made meanwhile
 * reaches it live, and the answer's version orders the two (the client keeps the highest).
 */
export function watchPresence<D>(
  socket: WatchSocket<D>,
  deps: { audience: PresenceAudience; appId: string; userId: string; limited: () => Promise<void>; log: CommandLog },
): void {
  let watching: string[] = [];
  socket.on("presence.watch", (raw, ack) =>
    withAck(deps.log, "presence.watch", ack, async () => {
      await deps.limited();
      const { userIds } = parse(presenceWatch, raw);
      const allowed = await deps.audience.watchable(deps.appId, deps.userId, userIds);
      const rooms = allowed.map(watchRoom);
      for (const room of watching) if (!rooms.includes(room)) socket.leave(room);
      if (rooms.length) socket.join(rooms);
      watching = rooms;
      return { users: await deps.audience.presenceOf(deps.appId, allowed) };
    }),
  );
}
