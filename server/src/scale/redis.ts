import { createClient } from "redis";
import type { Logger } from "../shared/logger.js";

export type RedisClient = ReturnType<typeof createClient>;

/**
 * The Redis connections of one node:
 * - `adapter`: Socket.IO's streams adapter. It keeps node-redis's offline queue, so broadcasts
 *   made during a short outage are appended to the stream once Redis is back (and the other
 *   nodes resume reading the stream where they stopped).
 * - `ops`: presence, rate limits, health. No offline queue: while Redis is down its commands
 *   fail at once, and callers fall back (memory limiter, local presence) instead of hanging.
 * - `sub`: presence change notifications (pub/sub).
 * All reconnect by themselves, forever, with a capped backoff; every transition is logged.
 */
export class RedisConnections {
  readonly adapter: RedisClient;
  readonly ops: RedisClient;
  readonly sub: RedisClient;
  private downSince: number | null = null;
  private readonly readyListeners = new Set<() => void>();

  constructor(
    url: string,
    private readonly logger: Logger,
  ) {
    const reconnectStrategy = (retries: number): number => Math.min(100 * 2 ** Math.min(retries, 5), 2000);
    this.adapter = createClient({ url, socket: { reconnectStrategy } });
    this.ops = createClient({ url, disableOfflineQueue: true, socket: { reconnectStrategy, connectTimeout: 2000 } });
    this.sub = createClient({ url, socket: { reconnectStrategy } });
    for (const [name, c] of Object.entries({ adapter: this.adapter, ops: this.ops, sub: this.sub })) {
      let lastErrorLog = 0;
      c.on("error", (err: unknown) => {
        // node-redis emits an error per failed attempt: log loudly, but at most every 5 s per client.
        if (Date.now() - lastErrorLog < 5000) return;
        lastErrorLog = Date.now();
        this.logger.error({ err, client: name }, "Redis unavailable: serving REST and local sockets only until it is back");
      });
      if (name === "ops") {
        c.on("ready", () => {
          if (this.downSince !== null) {
            this.logger.warn({ downMs: Date.now() - this.downSince }, "Redis is back");
            this.downSince = null;
          }
          for (const fn of this.readyListeners) fn();
        });
        c.on("end", () => this.markDown());
        c.on("reconnecting", () => this.markDown());
      }
    }
  }

  private markDown(): void {
    if (this.downSince === null) {
      this.downSince = Date.now();
      this.logger.error("Redis connection lost; reconnecting");
    }
  }

  /** Connects all three; throws if Redis is unreachable at start (a node must not start half-configured). */
  async connect(): Promise<void> {
    await Promise.all([this.adapter.connect(), this.ops.connect(), this.sub.connect()]);
  }

  get healthy(): boolean {
    return this.ops.isReady;
  }

  /** Called every time the ops connection becomes ready again (after an outage). */
  onReady(fn: () => void): void {
    this.readyListeners.add(fn);
  }

  async close(): Promise<void> {
    await Promise.allSettled(
      [this.adapter, this.ops, this.sub].map(async (c) => {
        if (c.isOpen) await c.quit();
      }),
    );
  }
}
