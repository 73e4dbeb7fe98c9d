import type { ChatEvent } from "@parley/sdk/protocol";
import type { Namespace, Socket } from "socket.io";
import type { AuthService } from "../auth/auth.service.js";
import type { MembershipGuard } from "../conversations/membership.js";
import type { EventLog } from "../events/event-log.js";
import type { PresenceAudience } from "../presence/presence.audience.js";
import type { ShardRecovery } from "../scale/sharded-adapter.js";
import type { Logger } from "../shared/logger.js";

/** Users repaired at once (each a few indexed reads): a recovery never floods the database. */
const CONCURRENCY = 4;
/** Events per /sync page read for a replay. */
const PAGE = 500;

export interface ReplayDeps {
  events: Pick<EventLog, "since" | "seqBefore">;
  membership: Pick<MembershipGuard, "conversationIds">;
  auth: Pick<AuthService, "isSessionActive">;
  audience: Pick<PresenceAudience, "snapshotFor">;
  logger: Logger;
  convRoom(id: string): string;
  userRoom(id: string): string;
}

interface SocketData {
  appId: string;
  userId: string;
  sessionId: string;
}

/**
 * After a Redis Cluster shard came back (scale/sharded-adapter.ts), what this node's sockets in
 * the affected rooms may have missed while it was away, done for them by the server, as their own
 * reconnect would: per user, the events /sync gives since the app's head at the time the loss may
 * have begun, sent to each of their sockets here (the SDK applies each seq once and keeps threads
 * in id order, so what arrived live already changes nothing). When the namespace's own channel
 * was on the shard, room joins and leaves, session ends and presence may have been lost too: each
 * affected socket's conversation rooms are set from the database again, a socket of an ended
 * session is dropped, and it gets a fresh presence snapshot.
 */
export async function replayMissed(nsp: Namespace, r: ShardRecovery, deps: ReplayDeps): Promise<void> {
  const byUser = new Map<string, Socket[]>();
  for (const socket of nsp.sockets.values()) {
    const d = socket.data as SocketData | undefined;
    if (!d?.userId) continue;
    if (r.rooms !== "all" && ![...socket.rooms].some((room) => (r.rooms as Set<string>).has(room))) continue;
    const key = `${d.appId}/${d.userId}`;
    byUser.set(key, [...(byUser.get(key) ?? []), socket]);
  }
  const starts = new Map<string, Promise<number>>();
  const startOf = (appId: string): Promise<number> => {
    let p = starts.get(appId);
    if (!p) starts.set(appId, (p = deps.events.seqBefore(appId, r.since)));
    return p;
  };
  const queue = [...byUser.values()];
  let sent = 0;
  let failed = 0;
  const worker = async (): Promise<void> => {
    for (let sockets = queue.shift(); sockets; sockets = queue.shift()) {
      try {
        sent += await repairUser(sockets, r.rooms, startOf, deps);
      } catch (err) {
        failed++;
        // Its clients would otherwise keep a hole: a reconnect makes them catch up by themselves.
        deps.logger.warn({ err }, "replay after a Redis Cluster failover failed: the user's sockets reconnect instead");
        for (const s of sockets) s.disconnect(true);
      }
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  deps.logger.warn({ nsp: nsp.name, users: byUser.size, events: sent, failed }, "replayed what sockets may have missed during a Redis Cluster failover");
}

async function repairUser(sockets: Socket[], rooms: Set<string> | "all", startOf: (appId: string) => Promise<number>, deps: ReplayDeps): Promise<number> {
  const { appId, userId } = sockets[0]!.data as SocketData;
  const all = rooms === "all";
  // Only the events of the rooms at risk: another room's may be held for a shard still away, and
  // its newer events sent now would pass them (its own recovery sends them, in order).
  const concerns = (e: ChatEvent): boolean =>
    all || (e.conversationId !== null && rooms.has(deps.convRoom(e.conversationId))) || (e.userId !== null && rooms.has(deps.userRoom(e.userId)));
  if (all) {
    const live: Socket[] = [];
    for (const s of sockets) {
      if (await deps.auth.isSessionActive((s.data as SocketData).sessionId)) live.push(s);
      else s.disconnect(true);
    }
    sockets = live;
    if (sockets.length === 0) return 0;
    const member = new Set((await deps.membership.conversationIds(appId, userId)).map(deps.convRoom));
    const prefix = deps.convRoom("");
    for (const s of sockets) {
      for (const room of [...s.rooms]) if (room.startsWith(prefix) && !member.has(room)) s.leave(room);
      s.join([...member]);
    }
  }
  let since = await startOf(appId);
  let count = 0;
  for (let more = true; more; ) {
    const page = await deps.events.since({ appId, user: userId }, { since, limit: PAGE });
    for (const e of page.events) {
      if (!concerns(e)) continue;
      for (const s of sockets) (s.emit as (ev: string, payload: ChatEvent) => boolean)(e.type, e);
      count++;
    }
    since = page.lastSeq;
    more = page.hasMore;
  }
  if (all) {
    const users = await deps.audience.snapshotFor(appId, userId);
    if (users.length > 0) for (const s of sockets) s.emit("presence.snapshot", { users });
  }
  return count;
}
