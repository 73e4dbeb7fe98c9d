import { randomBytes } from "node:crypto";
import type { Presence } from "@parley/sdk/protocol";
import { PresenceService, type LastSeen, type PresenceOptions, type PresenceSnapshotState } from "../presence/presence.service.js";
import type { Logger } from "../shared/logger.js";
import { isoOrNull } from "../shared/time.js";
import type { RedisConnections } from "./redis.js";

/** A live node refreshes its heartbeat key this often... */
export const HEARTBEAT_EVERY_MS = 2500;
/** ...and it expires this long after the last refresh (a killed node is "dead" after at most this). */
export const HEARTBEAT_TTL_MS = 10_000;
/**
 * A killed node's users go offline at most HEARTBEAT_TTL_MS + HEARTBEAT_EVERY_MS (12.5 s) after
 * its last heartbeat, plus one database write and broadcast: the documented bound is 15 s.
 */
export const DEAD_NODE_BOUND_MS = 15_000;
/**
 * After Redis comes back, every node writes its sockets again; this long after, what clients were
 * told is checked against what is true (see reconcile). Longer than the connections' reconnect
 * backoff (at most 2 s), so the other nodes have written theirs too.
 */
export const RECONCILE_AFTER_MS = 3000;
/** The online mirror is read again from Redis this often, whatever pub/sub delivered. */
const MIRROR_REFRESH_MS = 30_000;

// Every script reads the server's clock (TIME), so the nodes' clocks never matter. `bump` gives
// the next presence version: Redis's clock in microseconds, above the last one given (the clock
// key), so versions only grow, also across a Redis restart that lost the key.
const NOW = `local t = redis.call('TIME'); local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local function bump(key)
  local v = math.max(tonumber(t[1]) * 1000000 + tonumber(t[2]), tonumber(redis.call('GET', key) or '0') + 1)
  redis.call('SET', key, string.format('%.0f', v))
  return v
end`;

/** KEYS: user set, node hash, online hash, pending zset, clock. ARGV: member, socketId, "app/user", userId, appId. Version if came online, else 0. */
const CONNECT = `${NOW}
redis.call('SADD', KEYS[1], ARGV[1])
redis.call('HSET', KEYS[2], ARGV[2], ARGV[3])
redis.call('ZREM', KEYS[4], ARGV[3])
if redis.call('HSET', KEYS[3], ARGV[4], ARGV[5]) == 1 then return bump(KEYS[5]) end
return 0`;

/** KEYS: user set, node hash, pending zset. ARGV: member, socketId, "app/user", graceMs. Returns sockets left. */
const DISCONNECT = `${NOW}
redis.call('SREM', KEYS[1], ARGV[1])
redis.call('HDEL', KEYS[2], ARGV[2])
local n = redis.call('SCARD', KEYS[1])
if n == 0 then redis.call('ZADD', KEYS[3], now + tonumber(ARGV[4]), ARGV[3]) end
return n`;

/** KEYS: user set, online hash, pending zset, clock. ARGV: userId, "app/user". Version if this caller takes the user offline, else 0. */
const OFFLINE = `${NOW}
local due = redis.call('ZSCORE', KEYS[3], ARGV[2])
if due and tonumber(due) > now then return 0 end
redis.call('ZREM', KEYS[3], ARGV[2])
if redis.call('SCARD', KEYS[1]) > 0 then return 0 end
if redis.call('HDEL', KEYS[2], ARGV[1]) == 1 then return bump(KEYS[4]) end
return 0`;

/**
 * KEYS: dead node's hash, nodes set, its heartbeat key, online hash, pending zset, clock. ARGV: node id, key prefix.
 * Removes a node whose heartbeat expired; returns the "app/user" entries that went offline with it,
 * and those whose grace period ran out with nobody left to end it (a node killed or stopped
 * meanwhile), each followed by its version.
 */
const SWEEP = `${NOW}
local gone = {}
local function off(au)
  table.insert(gone, au)
  table.insert(gone, string.format('%.0f', bump(KEYS[6])))
end
if ARGV[1] ~= '' and redis.call('EXISTS', KEYS[3]) == 0 then
  local entries = redis.call('HGETALL', KEYS[1])
  for i = 1, #entries, 2 do
    local au = entries[i + 1]
    local userId = string.sub(au, string.find(au, '/', 1, true) + 1)
    local ukey = ARGV[2] .. 'u:' .. userId
    redis.call('SREM', ukey, ARGV[1] .. '/' .. entries[i])
    if redis.call('SCARD', ukey) == 0 and redis.call('HDEL', KEYS[4], userId) == 1 then off(au) end
  end
  redis.call('DEL', KEYS[1])
  redis.call('SREM', KEYS[2], ARGV[1])
end
local due = redis.call('ZRANGEBYSCORE', KEYS[5], '-inf', now, 'LIMIT', 0, 200)
for _, au in ipairs(due) do
  redis.call('ZREM', KEYS[5], au)
  local userId = string.sub(au, string.find(au, '/', 1, true) + 1)
  if redis.call('SCARD', ARGV[2] .. 'u:' .. userId) == 0 and redis.call('HDEL', KEYS[4], userId) == 1 then off(au) end
end
return gone`;

/**
 * KEYS: user set, online hash, claim key, clock. ARGV: userId, claim ttl (ms). After an outage: a
 * user clients were told is online, with no socket and not online in Redis, was never announced
 * offline (their grace or their node's sweep was lost with Redis's data, or failed while it was
 * away). The first node to claim them announces it. Version, or 0.
 */
const GONE = `${NOW}
if redis.call('SCARD', KEYS[1]) > 0 or redis.call('HEXISTS', KEYS[2], ARGV[1]) == 1 then return 0 end
if not redis.call('SET', KEYS[3], '1', 'NX', 'PX', ARGV[2]) then return 0 end
return bump(KEYS[4])`;

/** KEYS: online hash, clock. ARGV: user ids. A version above every earlier change, then 1/0 per user. */
const SNAPSHOT = `${NOW}
local out = { string.format('%.0f', bump(KEYS[2])) }
for i = 1, #ARGV do out[i + 1] = redis.call('HEXISTS', KEYS[1], ARGV[i]) end
return out`;

interface LocalSocket {
  appId: string;
  userId: string;
}

/**
 * Presence shared by several nodes through Redis (same interface as the in-process one). With a
 * Redis Cluster `<p>` is `{<prefix>presence}:` (one hash tag: every key below on one slot, so the
 * scripts never cross slots) and the channel is sharded (SPUBLISH); with one Redis `<prefix>presence:`.
 *
 * - `<p>u:<userId>` set of "<nodeId>/<socketId>": the user's live sockets on all nodes
 * - `<p>node:<nodeId>` hash socketId -> "<appId>/<userId>": what a node holds (for sweeping)
 * - `<p>alive:<nodeId>` heartbeat, PX 10 s, refreshed every 2.5 s; `<p>nodes` set
 * - `<p>online` hash userId -> appId: who counts as online (HSET/HDEL decide, atomically,
 *   which single node announces a change)
 * - `<p>pending` zset "<appId>/<userId>" -> end of grace period (server clock)
 * - `<p>clock` the last version given (microseconds of Redis's clock)
 * - channel `<p>changes`: every node mirrors the online set, so `isOnline` stays synchronous.
 *
 * The node that observes a change (first socket anywhere, grace ended, dead node swept) emits it
 * once to its listeners, which broadcast it through the Socket.IO adapter to every node.
 *
 * Convergence. Each change carries a version from Redis's clock, and each connecting socket gets a
 * snapshot with a version taken in the same step as the state it reads, so a client that keeps the
 * highest version per user ends at the truth whatever the order of arrival. A killed node's users
 * are swept within DEAD_NODE_BOUND_MS. When Redis comes back (a blip, or a restart that lost every
 * key), each node writes its sockets again (announcing those that thereby come online) and, after
 * RECONCILE_AFTER_MS, announces offline everyone it had believed online who is online nowhere now.
 */
export class RedisPresenceService extends PresenceService {
  readonly nodeId = randomBytes(8).toString("hex");
  private readonly p: string;
  private readonly local = new Map<string, LocalSocket>();
  private readonly localCount = new Map<string, number>();
  private readonly graceTimers = new Map<string, NodeJS.Timeout>();
  /** Who is online anywhere, as this node knows it: userId -> appId. */
  private readonly mirror = new Map<string, string>();
  /** Disconnects that could not be written while Redis was down; replayed when it is back. */
  private readonly retry = new Map<string, LocalSocket>();
  private readonly inflight = new Set<Promise<unknown>>();
  private tick: NodeJS.Timeout | null = null;

  constructor(
    users: LastSeen,
    opts: PresenceOptions,
    private readonly redis: RedisConnections,
    private readonly logger: Logger,
    prefix: string,
  ) {
    super(users, opts);
    // Every presence key on one hash slot with a cluster: the scripts use several at once (and SWEEP
    // builds user keys from this base). One slot also keeps the online set and the clock atomic.
    this.p = redis.keyBase(prefix, "presence");
  }

  /** Loads the online mirror, subscribes to changes, starts the heartbeat and the sweeper. */
  async start(): Promise<void> {
    await this.redis.subscribe(`${this.p}changes`, (raw) => {
      try {
        const m = JSON.parse(raw) as { userId: string; appId: string; online: boolean };
        if (m.online) this.mirror.set(m.userId, m.appId);
        else this.mirror.delete(m.userId);
      } catch {
        /* not ours */
      }
    });
    await this.reloadMirror();
    await this.beat();
    let ticks = 0;
    this.tick = setInterval(() => {
      const refresh = ++ticks % Math.round(MIRROR_REFRESH_MS / HEARTBEAT_EVERY_MS) === 0;
      void this.track(
        this.beat()
          .then(() => this.sweep())
          .then(() => (refresh ? this.reloadMirror() : undefined)),
      ).catch(() => undefined);
    }, HEARTBEAT_EVERY_MS);
    this.tick.unref();
    this.redis.onReady(() => void this.resync());
  }

  override isOnline(userId: string): boolean {
    return (this.localCount.get(userId) ?? 0) > 0 || this.graceTimers.has(userId) || this.mirror.has(userId);
  }

  override connected(appId: string, userId: string, socketId?: string): void {
    if (this.closed || !socketId) return;
    this.local.set(socketId, { appId, userId });
    this.localCount.set(userId, (this.localCount.get(userId) ?? 0) + 1);
    const t = this.graceTimers.get(userId);
    if (t) {
      clearTimeout(t);
      this.graceTimers.delete(userId);
    }
    void this.track(this.writeConnect(socketId, appId, userId));
  }

  override disconnected(appId: string, userId: string, socketId?: string): void {
    if (!socketId || !this.local.delete(socketId)) return;
    const left = (this.localCount.get(userId) ?? 1) - 1;
    if (left > 0) this.localCount.set(userId, left);
    else this.localCount.delete(userId);
    void this.track(this.writeDisconnect(socketId, { appId, userId }));
  }

  /** Waits for the Redis writes already started (shutdown drains sockets, then flushes). */
  async flush(): Promise<void> {
    while (this.inflight.size > 0) await Promise.allSettled([...this.inflight]);
  }

  /** Stops timers and the heartbeat. Users still in their grace period are ended by another node. */
  override async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.tick) clearInterval(this.tick);
    for (const t of this.graceTimers.values()) clearTimeout(t);
    this.graceTimers.clear();
    await this.flush();
    // Without its heartbeat the node is swept at the next tick of any other node (sockets it
    // could not deregister included).
    await this.redis.ops.del(`${this.p}alive:${this.nodeId}`).catch(() => undefined);
  }

  private track<T>(promise: Promise<T>): Promise<T> {
    this.inflight.add(promise);
    void promise.finally(() => this.inflight.delete(promise)).catch(() => undefined);
    return promise;
  }

  private async writeConnect(socketId: string, appId: string, userId: string): Promise<void> {
    try {
      const version = Number(
        await this.redis.ops.eval(CONNECT, {
          keys: [`${this.p}u:${userId}`, `${this.p}node:${this.nodeId}`, `${this.p}online`, `${this.p}pending`, `${this.p}clock`],
          arguments: [`${this.nodeId}/${socketId}`, socketId, `${appId}/${userId}`, userId, appId],
        }),
      );
      if (version > 0) this.announce(appId, { userId, online: true, lastSeenAt: null, version });
      else this.mirror.set(userId, appId);
    } catch (err) {
      // Redis is down (logged by the connection): resync() writes live sockets when it is back.
      this.logger.debug({ err }, "presence connect not written");
    }
  }

  private async writeDisconnect(socketId: string, s: LocalSocket): Promise<void> {
    try {
      const left = await this.redis.ops.eval(DISCONNECT, {
        keys: [`${this.p}u:${s.userId}`, `${this.p}node:${this.nodeId}`, `${this.p}pending`],
        arguments: [`${this.nodeId}/${socketId}`, socketId, `${s.appId}/${s.userId}`, String(this.opts.graceMs)],
      });
      this.retry.delete(socketId);
      if (left === 0 && !this.closed && !this.graceTimers.has(s.userId)) {
        const timer = setTimeout(() => {
          this.graceTimers.delete(s.userId);
          void this.track(this.endGrace(s));
        }, this.opts.graceMs + 20);
        timer.unref();
        this.graceTimers.set(s.userId, timer);
      }
    } catch (err) {
      this.retry.set(socketId, s);
      this.logger.debug({ err }, "presence disconnect not written");
    }
  }

  private async endGrace(s: LocalSocket): Promise<void> {
    if ((this.localCount.get(s.userId) ?? 0) > 0) return;
    const version = Number(
      await this.redis.ops
        .eval(OFFLINE, {
          keys: [`${this.p}u:${s.userId}`, `${this.p}online`, `${this.p}pending`, `${this.p}clock`],
          arguments: [s.userId, `${s.appId}/${s.userId}`],
        })
        .catch(() => 0), // Redis down: the pending entry stays, and a sweep (or the reconcile after the outage) ends it later
    );
    if (version > 0) this.wentOffline(s.appId, s.userId, version);
  }

  private async beat(): Promise<void> {
    if (this.closed) return;
    await this.redis.ops.set(`${this.p}alive:${this.nodeId}`, String(Date.now()), { PX: HEARTBEAT_TTL_MS });
    await this.redis.ops.sAdd(`${this.p}nodes`, this.nodeId);
  }

  /** Any node may sweep: the scripts are atomic, so each dead socket and user is handled once. */
  private async sweep(): Promise<void> {
    if (this.closed) return;
    const nodes = (await this.redis.ops.sMembers(`${this.p}nodes`)).filter((n) => n !== this.nodeId);
    const gone = new Map<string, number>();
    for (const node of nodes.length > 0 ? nodes : [""]) {
      const res = (await this.redis.ops.eval(SWEEP, {
        keys: [`${this.p}node:${node}`, `${this.p}nodes`, `${this.p}alive:${node}`, `${this.p}online`, `${this.p}pending`, `${this.p}clock`],
        arguments: [node, this.p],
      })) as string[];
      for (let i = 0; i + 1 < res.length; i += 2) gone.set(res[i]!, Number(res[i + 1]));
    }
    for (const [au, version] of gone) {
      const i = au.indexOf("/");
      this.wentOffline(au.slice(0, i), au.slice(i + 1), version);
    }
  }

  /** Who of `userIds` is online, read from Redis with a version in one step; the mirror if Redis is away. */
  override async snapshot(userIds: string[]): Promise<PresenceSnapshotState> {
    if (userIds.length === 0) return { online: new Set(), version: undefined };
    try {
      const res = (await this.redis.ops.eval(SNAPSHOT, { keys: [`${this.p}online`, `${this.p}clock`], arguments: userIds })) as (string | number)[];
      return { online: new Set(userIds.filter((_, i) => Number(res[i + 1]) === 1)), version: Number(res[0]) };
    } catch {
      return { online: new Set(userIds.filter((id) => this.isOnline(id))), version: undefined };
    }
  }

  /**
   * After an outage: our heartbeat may have expired and our sockets been swept, or Redis restarted
   * empty. Write our sockets again (a user that comes online by it is announced: clients may not
   * know), then check what clients were told against the truth once every node has done the same.
   */
  private async resync(): Promise<void> {
    if (this.closed) return;
    const believed = new Map(this.mirror);
    try {
      await this.beat();
      for (const [socketId, s] of [...this.retry]) await this.writeDisconnect(socketId, s);
      for (const [socketId, s] of this.local) await this.writeConnect(socketId, s.appId, s.userId);
      await this.reloadMirror();
      this.logger.warn({ sockets: this.local.size }, "presence resynchronised with Redis");
    } catch (err) {
      this.logger.warn({ err }, "presence resync failed; retrying at the next reconnect");
    }
    const timer = setTimeout(
      () => void this.track(this.reconcile(believed)).catch((err: unknown) => this.logger.warn({ err }, "presence reconcile failed")),
      RECONCILE_AFTER_MS,
    );
    timer.unref();
  }

  /** Announces offline whoever this node believed online before the outage and is online nowhere now. */
  private async reconcile(believed: Map<string, string>): Promise<void> {
    if (this.closed) return;
    let announced = 0;
    for (const [userId, appId] of believed) {
      if ((this.localCount.get(userId) ?? 0) > 0) continue;
      const version = Number(
        await this.redis.ops.eval(GONE, {
          keys: [`${this.p}u:${userId}`, `${this.p}online`, `${this.p}gone:${userId}`, `${this.p}clock`],
          arguments: [userId, String(RECONCILE_AFTER_MS * 4)],
        }),
      );
      if (version > 0) {
        announced++;
        this.wentOffline(appId, userId, version);
      }
    }
    await this.reloadMirror();
    if (announced > 0) this.logger.warn({ users: announced }, "presence reconciled after the Redis outage: offline announced");
  }

  private async reloadMirror(): Promise<void> {
    const online = await this.redis.ops.hGetAll(`${this.p}online`);
    this.mirror.clear();
    for (const [userId, appId] of Object.entries(online)) this.mirror.set(userId, appId);
  }

  /** Announced at once, the write after: announced after the write, it could follow a newer online. */
  private wentOffline(appId: string, userId: string, version: number): void {
    const now = Date.now();
    this.announce(appId, { userId, online: false, lastSeenAt: isoOrNull(now), version });
    void this.users.markSeen(appId, userId, now).catch(() => undefined);
  }

  /** Emitted once, here, by the node that observed the change; other nodes only update their mirror. */
  private announce(appId: string, p: Presence): void {
    if (p.online) this.mirror.set(p.userId, appId);
    else this.mirror.delete(p.userId);
    this.redis.publish(`${this.p}changes`, JSON.stringify({ userId: p.userId, appId, online: p.online })).catch(() => undefined);
    this.emit(appId, p);
  }
}
