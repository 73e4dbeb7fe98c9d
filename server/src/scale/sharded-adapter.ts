import type { Namespace } from "socket.io";
import { createShardedAdapter } from "@socket.io/redis-adapter";
import type { Logger } from "../shared/logger.js";
import { type Disruption, planRecovery, type RecoveryPlan } from "./disruptions.js";
import { HeldBroadcasts, MAX_HOLD_MS, seqOfPacket } from "./held-broadcasts.js";
import { keyslot } from "./keyslot.js";
import { localFirst, type AdapterFactory, type ClusterAdapterLike } from "./local-first.js";
import type { RedisClusterClient, RedisConnections } from "./redis.js";

/**
 * Before a shard's trouble was first seen, publishes may already have been lost: accepted by a
 * primary that died before relaying them, or on their way to it. What a recovery replays starts
 * this long before the first error (a killed process is seen at once: its socket is reset).
 */
export const LOSS_MARGIN_MS = 2000;
/** How often a disrupted shard is checked for recovery (its slots served again, our channels confirmed). */
const CHECK_EVERY_MS = 250;
/** A confirmation of our subscriptions that does not answer within this is tried again at the next check. */
const CONFIRM_TIMEOUT_MS = 3000;
/** A failed publish is tried again for this long (a failover takes cluster-node-timeout plus an election). */
const PUBLISH_RETRY_MS = 30_000;

/** What a node's sockets may have missed while a shard was away, for realtime/replay.ts. */
export interface ShardRecovery {
  /** The namespace ("/" for chat, "/console" for the console's feed). */
  nsp: string;
  /** When the loss may have begun (ms since the epoch): the first error seen, less LOSS_MARGIN_MS. */
  since: number;
  /**
   * The rooms whose channel the shard served, or "all": the namespace's own channel was there
   * (room joins and leaves, multi-room broadcasts, disconnects) or this node's response channel.
   */
  rooms: Set<string> | "all";
}

export interface ShardedAdapter {
  /** The adapter factory for Socket.IO's `adapter` option. */
  adapter: AdapterFactory;
  /** Broadcasts (and the sends' acks) held while a shard is away (held-broadcasts.ts). */
  held: Pick<HeldBroadcasts, "hold" | "size" | "dropped">;
  /**
   * Resolves once this node's subscriptions for `rooms` are confirmed by their shards: a socket
   * that joined them hears everything published from then on (the handshake awaits it).
   */
  heard(nsp: string, rooms: Iterable<string>): Promise<void>;
  /**
   * Called after each recovery of a shard (see ShardRecovery). The broadcasts held for its rooms
   * are delivered once every listener's promise has settled: a listener that replays what was
   * missed returns it, so the replay comes first.
   */
  onRecovered(fn: (r: ShardRecovery) => Promise<void> | void): void;
  /** Stops watching. */
  close(): void;
}

type Listener = (message: Buffer, channel: Buffer) => void;
/** socket.io-adapter's BROADCAST message type (local-first.ts says why the number is stable). */
const BROADCAST = 3;

/** What joinedLate uses of an upstream ClusterAdapter (`onMessage` is protected there). */
interface RemoteJoins {
  sids: Map<string, Set<string>>;
  onMessage(message: unknown, offset?: string): unknown;
  on(event: "create-room", fn: (room: string) => void): unknown;
}
const NOOP: Listener = () => {};

/**
 * Socket.IO over Redis Cluster sharded pub/sub (`@socket.io/redis-adapter`'s `createShardedAdapter`,
 * SPUBLISH/SSUBSCRIBE, Redis >= 7), in "dynamic" mode: one channel per room
 * (`<prefix>socket.io#/#<room>#`), so a room's traffic goes only to the shard that owns the
 * channel's slot and the nodes with a socket in the room; the namespace's channel
 * (`<prefix>socket.io#/#`) carries joins, leaves, multi-room broadcasts and disconnects to every
 * node. Local-first (see local-first.ts), with failed publishes retried.
 *
 * Nothing acknowledged is lost on a failover. Pub/sub is at most once: when a shard's primary
 * dies, what it had not relayed is gone, and nothing reaches this node on that shard's channels
 * until node-redis has found the promoted replica and subscribed there again. So this node
 * watches its subscriber connections: from the first error on a primary it notes the slots that
 * primary served; once they are served again (by the promoted replica, or by the same node back)
 * and every channel of ours in them is confirmed subscribed, it reports a ShardRecovery, and
 * realtime/replay.ts sends the sockets in the affected rooms what they may have missed: from the
 * event log, everything each user may see since the first error less LOSS_MARGIN_MS (their
 * clients drop what they already have, by seq). Publishes that failed meanwhile were retried,
 * so they arrive too; the replay covers those accepted by the new primary before we re-subscribed.
 * The same replay covers a room this node subscribes because another node joined sockets here
 * to it, for what was published to it before the subscription took (see joinedLate).
 *
 * Why the server replays rather than telling clients to catch up: the SDK catches up by itself
 * only after a reconnect, from its cursor as it stood `settleMs` (5 s) before its last live event;
 * a failover takes longer than that (cluster-node-timeout, an election, the client's topology
 * refresh), during which events of other rooms (and this node's own, delivered locally) keep
 * moving the cursor past the hole, so a forced reconnect would skip what was lost. A new
 * "catch up from here" event would need SDK code, and the core SDK is at its size budget. The
 * replay needs no SDK change, no reconnect (no handshake storm, no presence blip), and covers
 * exactly the window and the rooms that were at risk.
 */
export function createShardedLocalFirstAdapter(redis: RedisConnections, channelPrefix: string, logger: Logger): ShardedAdapter {
  const cluster = redis.cluster;
  if (!cluster) throw new Error("the sharded adapter needs REDIS_CLUSTER_NODES");
  const sub: RedisClusterClient = cluster.sub;
  const adapters = new Map<string, ClusterAdapterLike>();
  const listeners = new Set<(r: ShardRecovery) => Promise<void> | void>();
  const disrupted = new Map<string, Disruption>();
  /** A recovery is under way (one at a time: disruptions.ts says why). */
  let recovering = false;
  let timer: NodeJS.Timeout | null = null;
  const mainChannel = (nsp: string): string => `${channelPrefix}#${nsp}#`;
  const roomChannel = (nsp: string, room: string): string => `${mainChannel(nsp)}${room}#`;
  /** A broadcast waits while a disruption holds the namespace's channel or one of its rooms' channels. */
  const held = new HeldBroadcasts((nsp, rooms) => {
    for (const d of disrupted.values()) {
      if (!d.holding) continue;
      if (d.slots.has(keyslot(mainChannel(nsp))) || rooms.some((room) => d.slots.has(keyslot(roomChannel(nsp, room))))) return true;
    }
    return false;
  });

  // The adapter subscribes through this view of `sub`, which remembers each channel's listener
  // (the adapter's own handler): a subscription lost with a dead primary (an SSUBSCRIBE sent to it
  // just before it died is never answered, so node-redis has no listener to move) is made again
  // with that very listener, never a second one. Upstream does not await its SSUBSCRIBE and
  // SUNSUBSCRIBE: a failure here would be an unhandled rejection, which ends the process.
  const handlers = new Map<string, Listener>();
  const list = (channels: string | string[]): string[] => (Array.isArray(channels) ? channels : [channels]);
  const subView = new Proxy(sub, {
    get(target, prop) {
      if (prop === "sSubscribe")
        return (channels: string | string[], listener: Listener, buffers?: boolean) => {
          for (const c of list(channels)) handlers.set(c, listener);
          return target
            .sSubscribe(channels, listener, buffers as true)
            .catch((err: unknown) => logger.debug({ err }, "SSUBSCRIBE failed (made again once its shard serves)"));
        };
      if (prop === "sUnsubscribe")
        return (channels: string | string[]) => {
          for (const c of list(channels)) handlers.delete(c);
          return target.sUnsubscribe(channels).catch((err: unknown) => logger.debug({ err }, "SUNSUBSCRIBE failed"));
        };
      const v: unknown = Reflect.get(target, prop, target);
      return typeof v === "function" ? v.bind(target) : v;
    },
  });
  const upstream = createShardedAdapter(cluster.adapter, subView, { channelPrefix, subscriptionMode: "dynamic" });
  const factory = localFirst(
    (nsp: Namespace) => {
      const a = upstream(nsp);
      adapters.set(nsp.name, a as unknown as ClusterAdapterLike);
      joinedLate(nsp.name, a as unknown as RemoteJoins);
      holdRemote(nsp.name, a as unknown as RemoteJoins);
      return a;
    },
    {
      retryForMs: PUBLISH_RETRY_MS,
      onDropped: (err) => logger.warn({ err }, "a broadcast could not be published to the Redis Cluster"),
      held,
      // A publish tried again after a failover holds its conversation's next sends as long as the
      // other nodes would hold their broadcasts for a shard away (local-first.ts `published`).
      holdMs: MAX_HOLD_MS,
    },
  );

  /** Another node's broadcasts to held rooms wait in the same queue as this node's own. */
  const holdRemote = (nsp: string, a: RemoteJoins): void => {
    const onMessage = a.onMessage.bind(a);
    a.onMessage = (message, offset) => {
      const m = message as { type?: number; data?: { opts?: { rooms?: string[] }; packet?: unknown } };
      if (m.type === BROADCAST && held.hold(nsp, m.data?.opts?.rooms ?? [], () => void onMessage(message, offset), seqOfPacket(m.data?.packet))) return;
      return onMessage(message, offset);
    };
  };

  /**
   * A room this node first holds because another node joined sockets here to it (a new
   * conversation, a member added) is subscribed only as that join is applied here: a broadcast to
   * the room published meanwhile (the conversation's first message, when this node is slow to
   * read the join) never reaches this node. Once the subscription is confirmed, the room's sockets
   * are sent what they may have missed, as after a failover (the window is short: few events).
   */
  const joinedLate = (nsp: string, a: RemoteJoins): void => {
    let remote = 0;
    const onMessage = a.onMessage.bind(a);
    a.onMessage = (message, offset) => {
      remote++;
      try {
        return onMessage(message, offset);
      } finally {
        remote--;
      }
    };
    a.on("create-room", (room: string) => {
      if (remote === 0 || a.sids.has(room)) return; // a local join (the handshake waits), or a socket's own room
      const since = Date.now() - LOSS_MARGIN_MS;
      confirm(roomChannel(nsp, room)).then(
        () => {
          // Its channel's shard is away: its recovery replays the room from an earlier start, after
          // which what is held goes out. A replay now would pass what is held (out of order).
          if (held.isHeld(nsp, [room])) return;
          for (const fn of listeners) fn({ nsp, since, rooms: new Set([room]) });
        },
        (err: unknown) => logger.debug({ err, room }, "a room joined from another node: subscription not confirmed (a shard recovery covers it)"),
      );
    });
  };

  /** Our channels of one namespace: its own, our response channel, and one per public room we hold. */
  const channels = (nsp: string, a: ClusterAdapterLike): { main: string[]; rooms: Map<string, string> } => {
    const rooms = new Map<string, string>();
    // Socket ids are private rooms (never a channel of their own in "dynamic" mode).
    for (const [room, sids] of a.rooms) if (!(sids.size === 1 && sids.has(room))) rooms.set(room, roomChannel(nsp, room));
    return { main: [mainChannel(nsp), `${mainChannel(nsp)}${a.uid}#`], rooms };
  };
  const confirm = (channel: string): Promise<void> =>
    new Promise<void>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`SSUBSCRIBE ${channel} not confirmed`)), CONFIRM_TIMEOUT_MS);
      // Already subscribed: resolves at once. Being re-subscribed: this SSUBSCRIBE is answered
      // after that one, on the same connection. Lost: subscribed again. With the adapter's own
      // listener (node-redis keeps a Set of them: added once).
      sub.sSubscribe(channel, handlers.get(channel) ?? NOOP, true).then(
        () => (clearTimeout(t), resolve()),
        (err: unknown) => (clearTimeout(t), reject(err)),
      );
    });

  const addressOf = (slot: number): string | undefined => {
    const m = sub.slots[slot]?.master;
    return m ? `${m.host}:${m.port}` : undefined;
  };

  const onTrouble = (_err: unknown, node?: { host: string; port: number }): void => {
    if (!node) return;
    const address = `${node.host}:${node.port}`;
    if (disrupted.has(address)) return;
    const slots = new Set<number>();
    for (let s = 0; s < 16384; s++) if (addressOf(s) === address) slots.add(s);
    if (slots.size === 0) return; // a replica, or a node already out of the topology
    disrupted.set(address, { since: Date.now(), slots, back: false, holding: true });
    logger.warn(
      { node: address, slots: slots.size },
      "Redis Cluster primary unreachable: the sockets in its rooms will be sent what they miss once it is served again",
    );
    timer ??= setInterval(check, CHECK_EVERY_MS);
    timer.unref();
  };

  const check = (): void => {
    for (const [address, d] of disrupted) {
      if (d.holding && Date.now() - d.since > MAX_HOLD_MS) {
        // Away too long to hold live delivery back for: what is held goes out now (the replay still comes).
        d.holding = false;
        logger.warn({ node: address, queued: held.size }, "Redis Cluster primary away too long: held broadcasts delivered without waiting for the replay");
        held.release();
      }
    }
    if (recovering) return;
    const plan = planRecovery(disrupted, addressOf);
    if (!plan) return;
    recovering = true;
    void recover(plan).finally(() => {
      recovering = false;
    });
  };

  const recover = async (plan: RecoveryPlan): Promise<void> => {
    const found: ShardRecovery[] = [];
    const toConfirm: string[] = [];
    for (const [nsp, a] of adapters) {
      const { main, rooms } = channels(nsp, a);
      const all = main.some((c) => plan.slots.has(keyslot(c)));
      const hit = new Set<string>();
      for (const [room, channel] of rooms) if (plan.slots.has(keyslot(channel))) hit.add(room), toConfirm.push(channel);
      if (all) toConfirm.push(...main);
      if (all || hit.size > 0) found.push({ nsp, since: plan.since - LOSS_MARGIN_MS, rooms: all ? "all" : hit });
    }
    const nodes = plan.addresses.join(", ");
    try {
      await Promise.all(toConfirm.map(confirm));
    } catch (err) {
      logger.debug({ err, nodes }, "Redis Cluster subscriptions not confirmed yet");
      return;
    }
    logger.warn(
      { nodes, downMs: Date.now() - plan.since, channels: toConfirm.length },
      "Redis Cluster slots served again; replaying what the affected sockets may have missed",
    );
    // The replay first, then what was held (still in the map, the disruptions keep holding until then).
    await Promise.allSettled(found.flatMap((r) => [...listeners].map(async (fn) => fn(r))));
    for (const address of plan.addresses) disrupted.delete(address);
    if (disrupted.size === 0 && timer) {
      clearInterval(timer);
      timer = null;
    }
    held.release();
  };

  const onReady = (node?: { host: string; port: number }): void => {
    const d = node && disrupted.get(`${node.host}:${node.port}`);
    if (d) d.back = true;
  };
  const onReconnecting = (node?: { host: string; port: number }): void => onTrouble(undefined, node);
  const events = sub as unknown as NodeJS.EventEmitter;
  events.on("node-error", onTrouble);
  events.on("node-reconnecting", onReconnecting);
  events.on("node-ready", onReady);

  return {
    adapter: factory,
    held,
    heard: async (nsp, rooms) => {
      await Promise.all([...rooms].map((room) => confirm(roomChannel(nsp, room))));
    },
    onRecovered: (fn) => void listeners.add(fn),
    close: () => {
      if (timer) clearInterval(timer);
      timer = null;
      events.off("node-error", onTrouble);
      events.off("node-reconnecting", onReconnecting);
      events.off("node-ready", onReady);
    },
  };
}
