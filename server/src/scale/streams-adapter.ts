import type { Namespace } from "socket.io";
import type { BroadcastOptions, MessageType, Room } from "socket.io-adapter";
import { createAdapter, type RedisStreamsAdapterOptions } from "@socket.io/redis-streams-adapter";

// socket.io-adapter's cluster message types (its `MessageType` enum): part of the wire format
// every node of the cluster reads, so they do not change between versions.
const BROADCAST: MessageType.BROADCAST = 3;
const SOCKETS_JOIN: MessageType.SOCKETS_JOIN = 4;
const SOCKETS_LEAVE: MessageType.SOCKETS_LEAVE = 5;
const DISCONNECT_SOCKETS: MessageType.DISCONNECT_SOCKETS = 6;

/** The parts of the upstream ClusterAdapter this wrapper uses (`publish` is protected there). */
interface ClusterAdapterLike {
  broadcast(packet: unknown, opts: BroadcastOptions): Promise<void>;
  addSockets(opts: BroadcastOptions, rooms: Room[]): Promise<void>;
  delSockets(opts: BroadcastOptions, rooms: Room[]): Promise<void>;
  disconnectSockets(opts: BroadcastOptions, close: boolean): Promise<void>;
  publish(message: { type: MessageType; data: unknown }): void;
}

/**
 * `@socket.io/redis-streams-adapter`, but this node's own sockets never wait for Redis.
 *
 * Upstream, a broadcast (and a room join, leave or disconnect) first awaits its append to the
 * Redis stream, and only then applies locally. With the offline queue of the Redis client, an
 * outage therefore froze even local delivery until Redis came back. Here the operation is
 * applied to this node's sockets at once, and the append is queued without being awaited: the
 * other nodes read it from the stream when Redis is back. The entry carries this adapter's uid,
 * which the adapter skips when it reads its own entries back, so every socket gets a packet once.
 *
 * With connection-state recovery on, packets need their stream offset before local delivery:
 * the upstream behaviour is kept then.
 */
export function createLocalFirstAdapter(redisClient: unknown, opts: RedisStreamsAdapterOptions): ReturnType<typeof createAdapter> {
  const upstream = createAdapter(redisClient, opts);
  // A `function`, not an arrow: Socket.IO calls the factory with `new`.
  return function localFirst(nsp: Namespace) {
    const adapter = upstream(nsp);
    if ((nsp.server as unknown as { opts: { connectionStateRecovery?: unknown } }).opts.connectionStateRecovery) return adapter;
    const a = adapter as unknown as ClusterAdapterLike;
    const base = {
      broadcast: a.broadcast.bind(a),
      addSockets: a.addSockets.bind(a),
      delSockets: a.delSockets.bind(a),
      disconnectSockets: a.disconnectSockets.bind(a),
    };
    /** Queues the stream entry for the other nodes, unawaited (upstream debug-logs a failed append). */
    const publish = (o: BroadcastOptions, type: MessageType, data: object): void => {
      if (o.flags?.local) return;
      try {
        a.publish({ type, data: { ...data, opts: { rooms: [...o.rooms], except: [...(o.except ?? [])], flags: o.flags } } });
      } catch {
        // The entry could not be encoded: like upstream, this node still delivers locally.
      }
    };
    /** The same operation, for this node's sockets only (the upstream methods then skip Redis). */
    const local = (o: BroadcastOptions): BroadcastOptions => ({ ...o, flags: { ...o.flags, local: true } });

    a.broadcast = (packet, o) => {
      publish(o, BROADCAST, { packet });
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
