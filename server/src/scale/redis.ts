import { createClient, createCluster } from "redis";
import type { Logger } from "../shared/logger.js";

export type RedisClient = ReturnType<typeof createClient>;
export type RedisClusterClient = ReturnType<typeof createCluster>;

/** Where Redis is: one server (REDIS_URL), or a Redis Cluster's seed nodes (REDIS_CLUSTER_NODES). */
export type RedisTarget = { url: string } | { clusterNodes: readonly string[] };

/** Backoff of every connection: 100 ms doubling, capped (a cluster's node a little sooner, see below). */
const backoff =
  (capMs: number) =>
  (retries: number): number =>
    Math.min(100 * 2 ** Math.min(retries, 5), capMs);

/**
 * The Redis connections of one node:
 * - `adapter`: Socket.IO's adapter publishes through it. With one Redis, the streams adapter
 *   (XADD/XREAD): it keeps node-redis's offline queue, so broadcasts made during a short outage
 *   are appended to the stream once Redis is back (and the other nodes resume reading the stream
 *   where they stopped). With a cluster, the sharded adapter's SPUBLISH (see sharded-adapter.ts).
 * - `ops`: presence, rate limits, slow mode, health. No offline queue: while Redis (or the shard
 *   owning a key) is down its commands fail at once, and callers fall back (memory limiter, local
 *   presence) instead of hanging.
 * - `sub`: subscriptions: presence change notifications and, with a cluster, the sharded
 *   adapter's SSUBSCRIBEs (node-redis keeps one subscriber connection per primary).
 * All reconnect by themselves, forever, with a capped backoff; every transition is logged.
 *
 * With a cluster (`createCluster`) node-redis follows MOVED/ASK and refreshes the topology when a
 * node stays unreachable (a primary killed: its replica is promoted after cluster-node-timeout),
 * and re-subscribes sharded channels on their new primary. Keys used together by one command or
 * script carry one hash tag (`keyBase`), so each such command stays on one slot.
 */
export class RedisConnections {
  readonly adapter: RedisClient;
  readonly ops: RedisClient;
  readonly sub: RedisClient;
  /** The same three, typed as what they are with a cluster (undefined with one Redis). */
  readonly cluster: { adapter: RedisClusterClient; ops: RedisClusterClient; sub: RedisClusterClient } | undefined;
  private downSince: number | null = null;
  private readonly readyListeners = new Set<() => void>();

  constructor(
    target: RedisTarget,
    private readonly logger: Logger,
  ) {
    if ("url" in target) {
      const reconnectStrategy = backoff(2000);
      this.adapter = createClient({ url: target.url, socket: { reconnectStrategy } });
      this.ops = createClient({ url: target.url, disableOfflineQueue: true, socket: { reconnectStrategy, connectTimeout: 2000 } });
      this.sub = createClient({ url: target.url, socket: { reconnectStrategy } });
      this.cluster = undefined;
    } else {
      const seed = new URL(target.clusterNodes[0]!);
      // A cluster's nodes are found through the seeds (CLUSTER SHARDS); what they announce is
      // reached with these defaults, credentials and TLS as the first seed has them.
      const defaults = {
        ...(seed.username ? { username: decodeURIComponent(seed.username) } : {}),
        ...(seed.password ? { password: decodeURIComponent(seed.password) } : {}),
      };
      const tls = seed.protocol === "rediss:";
      // A node that stays unreachable makes the client read the topology again after 1 s of
      // reconnecting (node-redis's default is 5 s): a promoted replica is found sooner.
      const make = (opts: { offlineQueue: boolean }): RedisClusterClient =>
        createCluster({
          rootNodes: target.clusterNodes.map((url) => ({ url })),
          topologyRefreshOnReconnectionAttemptStrategy: 1000,
          defaults: {
            ...defaults,
            ...(opts.offlineQueue ? {} : { disableOfflineQueue: true }),
            socket: { reconnectStrategy: backoff(1000), connectTimeout: 2000, ...(tls ? { tls: true as const } : {}) },
          },
        });
      const cluster = { adapter: make({ offlineQueue: true }), ops: make({ offlineQueue: false }), sub: make({ offlineQueue: true }) };
      this.cluster = cluster;
      // The keyed commands Parley sends (GET/SET/EVAL with KEYS, hashes, sets, PING) have the same
      // signatures on both clients; what differs (publish/subscribe) goes through the methods below.
      this.adapter = cluster.adapter as unknown as RedisClient;
      this.ops = cluster.ops as unknown as RedisClient;
      this.sub = cluster.sub as unknown as RedisClient;
    }
    const clients = { adapter: this.adapter, ops: this.ops, sub: this.sub };
    for (const [name, c] of Object.entries(clients)) {
      let lastErrorLog = 0;
      const logError = (err: unknown, node?: { host: string; port: number }): void => {
        // node-redis emits an error per failed attempt: log loudly, but at most every 5 s per client.
        if (Date.now() - lastErrorLog < 5000) return;
        lastErrorLog = Date.now();
        this.logger.error(
          { err, client: name, ...(node ? { node: `${node.host}:${node.port}` } : {}) },
          this.cluster
            ? "Redis Cluster node unavailable: its slots fail until it is back or its replica takes over"
            : "Redis unavailable: serving REST and local sockets only until it is back",
        );
      };
      const e = c as unknown as NodeJS.EventEmitter;
      e.on("error", (err: unknown) => logError(err));
      if (this.cluster) e.on("node-error", (err: unknown, node: { host: string; port: number }) => logError(err, node));
      if (name === "ops") {
        const ready = (): void => {
          if (this.downSince !== null) {
            this.logger.warn({ downMs: Date.now() - this.downSince }, this.cluster ? "Redis Cluster node is back" : "Redis is back");
            this.downSince = null;
            for (const fn of this.readyListeners) fn();
          } else if (!this.cluster) for (const fn of this.readyListeners) fn();
        };
        const down = (): void => this.markDown();
        if (this.cluster) {
          // Down from a node's first failed reconnect until a node is ready again: the same node
          // back, or its replica promoted (the old primary's client is then dropped, not ready).
          e.on("node-ready", ready);
          e.on("node-reconnecting", down);
        } else {
          e.on("ready", ready);
          e.on("end", down);
          e.on("reconnecting", down);
        }
      }
    }
  }

  private markDown(): void {
    if (this.downSince === null) {
      this.downSince = Date.now();
      this.logger.error(this.cluster ? "Redis Cluster node connection lost; reconnecting" : "Redis connection lost; reconnecting");
    }
  }

  /** Connects all three; throws if Redis is unreachable at start (a node must not start half-configured). */
  async connect(): Promise<void> {
    if (this.cluster) await Promise.all(Object.values(this.cluster).map((c) => c.connect()));
    else await Promise.all([this.adapter.connect(), this.ops.connect(), this.sub.connect()]);
  }

  /** Whether the connection for presence and limits is up (a cluster: its topology is known and served). */
  get healthy(): boolean {
    return this.cluster ? this.cluster.ops.isReady && this.downSince === null : this.ops.isReady;
  }

  /**
   * The start of keys that one command or script uses together (`<prefix><name>:` with one Redis,
   * as ever), so that with a cluster they share one hash slot: `{<prefix><name>}:`.
   */
  keyBase(prefix: string, name: string): string {
    return this.cluster ? `{${prefix}${name}}:` : `${prefix}${name}:`;
  }

  /** PUBLISH with one Redis; SPUBLISH with a cluster (only the channel's shard relays it). */
  async publish(channel: string, message: string): Promise<void> {
    if (this.cluster) await this.cluster.ops.sPublish(channel, message);
    else await this.ops.publish(channel, message);
  }

  /** SUBSCRIBE with one Redis; SSUBSCRIBE with a cluster (re-subscribed on a new primary after a failover). */
  async subscribe(channel: string, listener: (message: string) => void): Promise<void> {
    if (this.cluster) await this.cluster.sub.sSubscribe(channel, listener);
    else await this.sub.subscribe(channel, listener);
  }

  /** Called every time the ops connection becomes ready again (after an outage). */
  onReady(fn: () => void): void {
    this.readyListeners.add(fn);
  }

  async close(): Promise<void> {
    const clients: { isOpen: boolean; quit?: () => Promise<unknown>; close?: () => Promise<unknown> }[] = this.cluster
      ? Object.values(this.cluster)
      : [this.adapter, this.ops, this.sub];
    await Promise.allSettled(
      clients.map(async (c) => {
        if (!c.isOpen) return;
        if (this.cluster) await (c as RedisClusterClient).close();
        else await (c as RedisClient).quit();
      }),
    );
  }
}
