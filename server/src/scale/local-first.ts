import type { Namespace } from "socket.io";
import type { Adapter, BroadcastOptions, MessageType, Room } from "socket.io-adapter";
import { type HeldBroadcasts, seqOfPacket } from "./held-broadcasts.js";

// socket.io-adapter's cluster message types (its `MessageType` enum): part of the wire format
// every node of the cluster reads, so they do not change between versions.
const BROADCAST: MessageType.BROADCAST = 3;
const SOCKETS_JOIN: MessageType.SOCKETS_JOIN = 4;
const SOCKETS_LEAVE: MessageType.SOCKETS_LEAVE = 5;
const DISCONNECT_SOCKETS: MessageType.DISCONNECT_SOCKETS = 6;

/** The parts of the upstream ClusterAdapter this wrapper uses (`publishAndReturnOffset` is protected there). */
export interface ClusterAdapterLike {
  uid: string;
  rooms: Map<Room, Set<string>>;
  broadcast(packet: unknown, opts: BroadcastOptions): Promise<void>;
  addSockets(opts: BroadcastOptions, rooms: Room[]): Promise<void>;
  delSockets(opts: BroadcastOptions, rooms: Room[]): Promise<void>;
  disconnectSockets(opts: BroadcastOptions, close: boolean): Promise<void>;
  publishAndReturnOffset(message: { type: MessageType; data: unknown }): Promise<unknown>;
}

export interface LocalFirstOptions {
  /**
   * How long a failed publish is tried again (ms; 0: never). The streams adapter needs none (its
   * client's offline queue holds entries through an outage); sharded pub/sub has no queue to
   * hold them, and a publish sent to a primary that just died fails until the client finds the
   * promoted replica: retried, it still reaches the nodes that missed nothing else.
   */
  retryForMs?: number;
  /** A publish that failed for good (after its retries). */
  onDropped?: (err: unknown) => void;
  /** Holds this node's own broadcasts back while their channel's shard is away (held-broadcasts.ts). */
  held?: Pick<HeldBroadcasts, "hold">;
}

export type AdapterFactory = (nsp: Namespace) => Adapter;

/** What localFirst adds to the adapter: when what it has queued so far has reached Redis. */
export interface Publishing {
  /** Resolves once every publish queued before the call has been answered by Redis (or has failed once). */
  published(): Promise<void>;
}

/**
 * An upstream cluster adapter (`@socket.io/redis-streams-adapter`, `@socket.io/redis-adapter`'s
 * sharded one), but this node's own sockets never wait for Redis.
 *
 * Upstream, a broadcast (and a room join, leave or disconnect) first awaits its publish to Redis,
 * and only then applies locally (and not at all when the publish fails). With the offline queue
 * of the Redis client, an outage therefore froze even local delivery until Redis came back. Here
 * the operation is applied to this node's sockets at once, and the publish is queued without
 * being awaited: the other nodes get it when Redis has it. The message carries this adapter's
 * uid, which the adapter skips when it reads its own messages back, so every socket gets a packet
 * once.
 *
 * With connection-state recovery on, packets need their stream offset before local delivery:
 * the upstream behaviour is kept then.
 */
export function localFirst(upstream: AdapterFactory, opts: LocalFirstOptions = {}): AdapterFactory {
  // A `function`, not an arrow: Socket.IO calls the factory with `new`.
  return function localFirstAdapter(nsp: Namespace) {
    const adapter = upstream(nsp);
    if ((nsp.server as unknown as { opts: { connectionStateRecovery?: unknown } }).opts.connectionStateRecovery) return adapter;
    const a = adapter as unknown as ClusterAdapterLike;
    const base = {
      broadcast: a.broadcast.bind(a),
      addSockets: a.addSockets.bind(a),
      delSockets: a.delSockets.bind(a),
      disconnectSockets: a.disconnectSockets.bind(a),
    };
    /** The first tries still unanswered (Redis answers each client's commands in order, not across shards). */
    const inFlight = new Set<Promise<unknown>>();
    const send = (message: { type: MessageType; data: unknown }, firstAt: number, attempt: number): void => {
      const sent = a.publishAndReturnOffset(message);
      if (attempt === 0) {
        const settled: Promise<unknown> = sent.catch(() => undefined).finally(() => inFlight.delete(settled));
        inFlight.add(settled);
      }
      sent.catch((err: unknown) => {
        const retryFor = opts.retryForMs ?? 0;
        if (Date.now() - firstAt >= retryFor) return opts.onDropped?.(err);
        const timer = setTimeout(() => send(message, firstAt, attempt + 1), Math.min(100 * 2 ** attempt, 1000));
        timer.unref();
      });
    };
    /** Queues the message for the other nodes, unawaited. */
    const publish = (o: BroadcastOptions, type: MessageType, data: object): void => {
      if (o.flags?.local) return;
      try {
        send({ type, data: { ...data, opts: { rooms: [...o.rooms], except: [...(o.except ?? [])], flags: o.flags } } }, Date.now(), 0);
      } catch {
        // The message could not be encoded: like upstream, this node still delivers locally.
      }
    };
    /** The same operation, for this node's sockets only (the upstream methods then skip Redis). */
    const local = (o: BroadcastOptions): BroadcastOptions => ({ ...o, flags: { ...o.flags, local: true } });

    (adapter as unknown as Publishing).published = () => Promise.all(inFlight).then(() => undefined);

    a.broadcast = (packet, o) => {
      publish(o, BROADCAST, { packet });
      if (opts.held?.hold(nsp.name, o.rooms, () => void base.broadcast(packet, local(o)), seqOfPacket(packet))) return Promise.resolve();
      return base.broadcast(packet, local(o));
    };
    a.addSockets = (o, rooms) => {
      publish(o, SOCKETS_JOIN, { rooms });
      return base.addSockets(local(o), rooms);
    };
    a.delSockets = (o, rooms) => {
      publish(o, SOCKETS_LEAVE, { rooms });
      return base.delSockets(local(o), rooms);
    };
    a.disconnectSockets = (o, close) => {
      publish(o, DISCONNECT_SOCKETS, { close });
      return base.disconnectSockets(local(o), close);
    };
    return adapter;
  };
}
