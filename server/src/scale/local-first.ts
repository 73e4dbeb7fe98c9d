import type { Namespace } from "socket.io";
import type { Adapter, BroadcastOptions, MessageType, Room } from "socket.io-adapter";
import { type HeldBroadcasts, seqOfPacket } from "./held-broadcasts.js";
import { StreamOrder } from "./stream-order.js";

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
  sids: Map<string, Set<Room>>;
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
  /**
   * Holds this node's own broadcasts back while their channel's shard is away (held-broadcasts.ts);
   * `isHeld` also tells `published()` which unanswered publishes wait for a failover.
   */
  held?: Pick<HeldBroadcasts, "hold" | "isHeld">;
  /**
   * How long `published()` waits on for a publish that failed and is being tried again (ms;
   * default 0), counted from when this node's publishes began to fail (any publish Redis takes
   * starts the count again: one shard failing over, the others serving). See `published()`.
   */
  holdMs?: number;
  /**
   * This node's own chat events reach its sockets in the stream's order, once its reader has passed
   * their entries (stream-order.ts): the streams adapter, whose nodes read one stream each at
   * their own pace.
   */
  streamOrder?: boolean;
}

export type AdapterFactory = (nsp: Namespace) => Adapter;

/** What localFirst adds to the adapter: when what it has queued so far has reached Redis. */
export interface Publishing {
  /**
   * Resolves once every publish queued before the call has reached Redis (its retries included) or
   * has been given up; or after PUBLISHED_WAIT_MS if none of them failed and none waits for a shard
   * that is away, or once this node's publishes have been failing for `holdMs`. The send path holds
   * a conversation's named lock until then (db/unit-of-work.ts): the conversation's next message,
   * on any node, is published after this one, so the other nodes' sockets get them in order. A
   * failed publish that let the lock go would be passed by the next (the CI of 35d3a0f: a node
   * whose client had not found the promoted replica yet retried its publishes for a second, while
   * the other nodes had replayed and were delivering live again, and another node's newer message
   * came first). So would one that is not answered because its shard is away: its client queues it
   * until it has found the promoted replica (a fresh-clone CI of 64bbaf8: node 3's message 174,
   * unanswered, let the lock go after 250 ms; node 2, replayed already, took it for 178 and its
   * sender heard 178 first).
   */
  published(): Promise<void>;
}

/**
 * How long `published()` waits for a publish Redis has not answered (ms): Redis away (its client
 * queues the publish) must not hold a conversation's sends for long.
 */
const PUBLISHED_WAIT_MS = 250;

/** A publish, from its first try to its last. */
interface Chain {
  /** Resolves when Redis has taken it, or it was given up. */
  done: Promise<void>;
  /** A try failed, or one before it on its channel did: it is being tried again, or waits to be. */
  failed: boolean;
  /** The rooms it goes to: its shard is away while this node holds their broadcasts (held-broadcasts.ts). */
  rooms: string[];
  /** It was seen unanswered with its shard away: it is waited for after the shard serves again too. */
  sawAway?: boolean;
}

type Message = { type: MessageType; data: unknown };

/** A publish in its channel's line (see `lines`). */
interface Entry {
  key: string;
  message: Message;
  chain: Chain & { end(): void };
  firstAt: number;
  /** Tries that failed (the next one waits 100 ms × 2^tries, at most 1 s). */
  tries: number;
  /** A try is under way. */
  sent: boolean;
  /** Told when Redis has taken it (with its offset) or it was given up. */
  fate?: { taken(offset: unknown): void; givenUp(): void };
}

/**
 * The Redis channel a message goes to, as the sharded adapter picks it ("dynamic" mode): a
 * broadcast to one room on that room's channel, anything else on the namespace's. (The streams
 * adapter has one stream: publishes on different keys are not ordered against each other, but it
 * never fails one, its client queueing them.)
 */
function channelOf(m: Message): string {
  const d = m.data as { opts?: { rooms?: string[] }; requestId?: unknown } | undefined;
  const rooms = d?.opts?.rooms ?? [];
  return m.type === BROADCAST && rooms.length === 1 && d?.requestId === undefined ? `#${rooms[0]}` : "";
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
    /** The publishes not taken nor given up yet (Redis answers each client's commands in order, not across shards). */
    const inFlight = new Set<Chain>();
    /** When this node's publishes began to fail (the first failure since Redis last took one). */
    let failingSince: number | undefined;
    /** When a publish was first seen unanswered with its shard away (since Redis last took one). */
    let awaySince: number | undefined;
    /**
     * Per channel, its publishes not taken yet, in the order they were made. Once one has failed,
     * only the first is tried (again), and the others wait their turn: retried each on its own,
     * a later one could be taken first (the drill: two messages of one send batch, refused
     * together, the newer one's retry taken first), and the other nodes would hear them so.
     */
    const lines = new Map<string, Entry[]>();
    const retryFor = opts.retryForMs ?? 0;
    const attempt = (line: Entry[], e: Entry): void => {
      e.sent = true;
      let sent: Promise<unknown>;
      try {
        sent = a.publishAndReturnOffset(e.message);
      } catch (err) {
        // Not encodable: nothing to wait for (this node still delivers locally, as upstream does).
        opts.onDropped?.(err);
        e.fate?.givenUp();
        return done(line, e);
      }
      sent.then(
        (offset) => {
          failingSince = awaySince = undefined;
          e.fate?.taken(offset);
          done(line, e);
        },
        (err: unknown) => {
          failingSince ??= Date.now();
          e.chain.failed = true;
          e.sent = false;
          if (Date.now() - e.firstAt >= retryFor) {
            opts.onDropped?.(err);
            e.fate?.givenUp();
            return done(line, e);
          }
          if (line[0] === e) later(line, e);
        },
      );
    };
    const later = (line: Entry[], e: Entry): void => {
      const timer = setTimeout(() => attempt(line, e), Math.min(100 * 2 ** e.tries++, 1000));
      timer.unref();
    };
    /** Taken or given up: out of its line; the next one, if it failed or waits, is tried now. */
    const done = (line: Entry[], e: Entry): void => {
      const first = line[0] === e;
      line.splice(line.indexOf(e), 1);
      e.chain.end();
      // One taken before the first (both under way when the first failed) moves nothing along.
      if (!first) return;
      const next = line[0];
      if (!next) return void lines.delete(e.key);
      if (!next.sent) attempt(line, next);
    };
    const send = (message: Message, rooms: string[], fate?: Entry["fate"]): void => {
      const key = channelOf(message);
      let line = lines.get(key);
      if (!line) lines.set(key, (line = []));
      let end = (): void => {};
      const chain: Chain & { end(): void } = {
        done: new Promise<void>((resolve) => (end = resolve)),
        failed: false,
        rooms,
        end: () => (inFlight.delete(chain), end()),
      };
      inFlight.add(chain);
      const e: Entry = { key, message, chain, firstAt: Date.now(), tries: 0, sent: false, ...(fate ? { fate } : {}) };
      // Behind one that failed: waits its turn (and counts as failing for `published()`).
      const waits = line.some((x) => x.chain.failed);
      line.push(e);
      if (waits) chain.failed = true;
      else attempt(line, e);
    };
    const holdMs = opts.holdMs ?? 0;
    const published = (): Promise<void> => {
      const pending = [...inFlight];
      if (pending.length === 0) return Promise.resolve();
      return new Promise<void>((resolve) => {
        let timer: NodeJS.Timeout | undefined;
        void Promise.all(pending.map((c) => c.done)).then(() => {
          clearTimeout(timer);
          resolve();
        });
        const letGo = (): void => {
          // Failed and tried again: wait on, unless every publish has been failing for holdMs
          // (Redis away, not failing over). Unanswered while its shard is away (a failover): wait
          // on until it is answered, or for holdMs, looking again every PUBLISHED_WAIT_MS (its
          // client may answer after the shard is found served again). Else unanswered (Redis
          // away, its client queueing): let go.
          const now = Date.now();
          const failingFor = failingSince === undefined ? 0 : now - failingSince;
          const failing = failingFor < holdMs && pending.some((c) => c.failed);
          const unanswered = pending.filter((c) => inFlight.has(c) && (c.sawAway ||= opts.held?.isHeld(nsp.name, c.rooms) ?? false));
          if (unanswered.length > 0) awaySince ??= now;
          const away = unanswered.length > 0 && now - awaySince! < holdMs;
          if (!failing && !away) return resolve();
          timer = setTimeout(letGo, away ? PUBLISHED_WAIT_MS : holdMs - failingFor);
          timer.unref();
        };
        timer = setTimeout(letGo, PUBLISHED_WAIT_MS);
        timer.unref();
      });
    };
    /** Queues the message for the other nodes, unawaited. */
    const publish = (o: BroadcastOptions, type: MessageType, data: object, fate?: Entry["fate"]): void => {
      if (o.flags?.local) {
        fate?.givenUp();
        return;
      }
      const rooms = [...o.rooms];
      send({ type, data: { ...data, opts: { rooms, except: [...(o.except ?? [])], flags: o.flags } } }, rooms, fate);
    };
    /** The same operation, for this node's sockets only (the upstream methods then skip Redis). */
    const local = (o: BroadcastOptions): BroadcastOptions => ({ ...o, flags: { ...o.flags, local: true } });

    (adapter as unknown as Publishing).published = published;

    const ordered = opts.streamOrder ? new StreamOrder(PUBLISHED_WAIT_MS) : undefined;
    if (ordered) {
      // Every entry of this namespace this node's reader passes, its own included (upstream skips those).
      const s = adapter as unknown as { onRawMessage(raw: unknown, offset: unknown): void };
      const onRaw = s.onRawMessage.bind(s);
      s.onRawMessage = (raw, offset) => {
        onRaw(raw, offset);
        ordered.read(offset);
      };
    }
    /** This node's sockets a broadcast goes to now. */
    const recipients = (o: BroadcastOptions): Set<string> => {
      const except = new Set<string>();
      for (const room of o.except ?? []) for (const sid of a.rooms.get(room) ?? []) except.add(sid);
      const to = new Set<string>();
      const from = o.rooms.size > 0 ? [...o.rooms].map((room) => a.rooms.get(room) ?? []) : [a.sids.keys()];
      for (const sids of from) for (const sid of sids) if (!except.has(sid)) to.add(sid);
      return to;
    };

    a.broadcast = (packet, o) => {
      if (ordered && seqOfPacket(packet) !== undefined) {
        // Each socket is in the room of its own id: the recipients of now, whenever it goes out.
        const to = recipients(o);
        const fate = to.size > 0 ? ordered.add(() => void base.broadcast(packet, local({ rooms: to, except: new Set(), flags: o.flags ?? {} }))) : undefined;
        publish(o, BROADCAST, { packet }, fate);
        return Promise.resolve();
      }
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
