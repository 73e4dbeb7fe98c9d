import type { ReadReplicas } from "../db/read-replicas.js";
import { timingSafeEqual } from "node:crypto";
import type { Next } from "koa";
import type { RouterMiddleware } from "@koa/router";
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from "prom-client";
import type { DataSource } from "typeorm";
import { dialectOf } from "../db/sql.js";
import type { Ctx, State } from "../request/context.js";
import type { Route } from "../request/route.js";
import type { RedisConnections } from "../scale/redis.js";
import { AppError } from "../shared/errors.js";
import { registerObserver, type SocketCounter } from "./hooks.js";

/** The route label of requests no route matched (static files, 404s): one series for all of them. */
const UNMATCHED = "unmatched";
const SYNC_ROUTE = "/v1/sync";

/**
 * One server's Prometheus metrics, in a registry of its own (tests run several servers in one
 * process). HTTP timings come from a middleware; sends from the batcher's hook (ops/hooks.ts);
 * sockets, the database pool and Redis are read when scraped; event-loop lag and the rest of the
 * Node.js process figures come from prom-client's default collectors.
 */
export class Metrics {
  readonly registry = new Registry();
  private readonly http: Histogram<"method" | "route" | "status">;
  private readonly sync: Histogram<"status">;
  private readonly messages: Counter;
  private readonly batchSize: Histogram;
  private readonly commit: Histogram;
  private io: SocketCounter | undefined;

  constructor(services: { db: DataSource; redis?: RedisConnections | undefined; replicas?: Pick<ReadReplicas, "states"> | undefined }) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry });
    this.http = new Histogram({
      name: "parley_http_request_duration_seconds",
      help: "HTTP requests by method, route pattern and status",
      labelNames: ["method", "route", "status"],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    });
    this.sync = new Histogram({
      name: "parley_sync_duration_seconds",
      help: "GET /v1/sync (catch-up after a reconnect), whole request",
      labelNames: ["status"],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers,
    });
    this.messages = new Counter({
      name: "parley_messages_sent_total",
      help: "Messages stored (REST and sockets; retries of a stored message not counted)",
      registers,
    });
    this.batchSize = new Histogram({
      name: "parley_send_batch_size",
      help: "Sends per group-commit batch",
      buckets: [1, 2, 5, 10, 25, 50, 100, 200],
      registers,
    });
    this.commit = new Histogram({
      name: "parley_send_commit_seconds",
      help: "Time to write and commit one send batch",
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers,
    });
    const self = this;
    new Gauge({
      name: "parley_sockets_connected",
      help: "Socket.IO connections open on this node",
      registers,
      collect() {
        this.set(self.io?.of("/").sockets.size ?? 0);
      },
    });
    new Gauge({
      name: "parley_db_pool_connections",
      help: "Database connections of this node by state (SQLite: its one connection, in_use while a transaction is open)",
      labelNames: ["state"],
      registers,
      collect() {
        const pool = poolState(services.db);
        for (const [state, n] of Object.entries(pool)) this.set({ state }, n);
      },
    });
    if (services.redis) {
      const redis = services.redis;
      new Gauge({
        name: "parley_redis_up",
        help: "1 while this node's Redis connection is ready, 0 while it is down",
        registers,
        collect() {
          this.set(redis.healthy ? 1 : 0);
        },
      });
    }
    if (services.replicas) {
      const replicas = services.replicas;
      // Per replica: whether reads go there, how far behind it is, and what it served or handed back.
      new Gauge({
        name: "parley_db_replica_up",
        help: "1 while reads go to this read replica, 0 while it is skipped (unreachable or lagging past DATABASE_REPLICA_MAX_LAG_MS)",
        labelNames: ["replica"],
        registers,
        collect() {
          for (const r of replicas.states()) this.set({ replica: r.url }, r.usable ? 1 : 0);
        },
      });
      new Gauge({
        name: "parley_db_replica_lag_seconds",
        help: "How far this read replica is behind the primary, as this node last measured it (its heartbeat)",
        labelNames: ["replica"],
        registers,
        collect() {
          for (const r of replicas.states()) if (r.lagMs !== null) this.set({ replica: r.url }, r.lagMs / 1000);
        },
      });
      new Gauge({
        name: "parley_db_replica_queries",
        help: "Queries a read replica served, and those it failed that the primary answered instead (fell_back), since this node started",
        labelNames: ["replica", "outcome"],
        registers,
        collect() {
          for (const r of replicas.states()) {
            this.set({ replica: r.url, outcome: "served" }, r.served);
            this.set({ replica: r.url, outcome: "fell_back" }, r.fellBack);
          }
        },
      });
    }
    const emails = new Counter({
      name: "parley_emails_total",
      help: "E-mails for unread messages by outcome: sent (accepted by the SMTP server) or failed (given up)",
      labelNames: ["outcome"],
      registers,
    });
    const agentReplies = new Counter({
      name: "parley_agent_replies_total",
      help: "AI agents' replies by how they ended: finished, failed (the model could not answer), stopped (by a member), limited (too many questions or tokens)",
      labelNames: ["outcome"],
      registers,
    });
    const agentTokens = new Counter({
      name: "parley_agent_tokens_total",
      help: "Tokens of AI agents' replies by kind (prompt, completion): the model's usage chunk, else estimated at 4 characters a token",
      labelNames: ["kind"],
      registers,
    });
    registerObserver(services.db, {
      email: (outcome) => emails.inc({ outcome }),
      agentReply: (outcome) => agentReplies.inc({ outcome }),
      agentTokens: (kind, n) => agentTokens.inc({ kind }, n),
      sendBatch: (size, seconds, stored) => {
        this.batchSize.observe(size);
        this.commit.observe(seconds);
        this.messages.inc(stored);
      },
      sockets: (io) => (this.io = io),
    });
  }

  /** Times every request (first in the chain, so it sees the status the error middleware set). */
  middleware() {
    return async (ctx: Ctx, next: Next): Promise<void> => {
      const end = this.http.startTimer();
      const started = performance.now();
      try {
        await next();
      } finally {
        const route = typeof ctx._matchedRoute === "string" ? ctx._matchedRoute : UNMATCHED;
        const status = String(ctx.status);
        end({ method: ctx.method, route, status });
        if (route === SYNC_ROUTE && ctx.method === "GET") this.sync.observe({ status }, (performance.now() - started) / 1000);
      }
    };
  }

  /** `GET /metrics`, answered only with the token when one is set. */
  handle(token: string | undefined): RouterMiddleware<State> {
    return async (ctx) => {
      if (token !== undefined && !bearerMatches(ctx.get("Authorization"), token)) {
        ctx.set("WWW-Authenticate", 'Bearer realm="metrics"');
        throw new AppError("unauthenticated", "Metrics need Authorization: Bearer <METRICS_TOKEN>");
      }
      ctx.set("Content-Type", this.registry.contentType);
      ctx.set("Cache-Control", "no-store");
      ctx.body = await this.registry.metrics();
    };
  }
}

/** The metrics route; without `metrics` (not configured) it answers 404 like a missing route. */
export function metricsRoutes(metrics: Metrics | undefined, token: string | undefined): Route[] {
  return [
    {
      method: "get",
      path: "/metrics",
      operationId: "getMetrics",
      tag: "ops",
      summary: "Prometheus metrics (only when METRICS_TOKEN or METRICS_PUBLIC=1 is set)",
      auth: "metrics",
      ok: { 200: { media: "text/plain", description: "Prometheus text exposition format" } },
      // 404: metrics are off (neither METRICS_TOKEN nor METRICS_PUBLIC=1), as for a missing route.
      errors: [401, 404],
      handle:
        metrics?.handle(token) ??
        (() => {
          throw new AppError("not_found", "Metrics are off on this server (METRICS_TOKEN or METRICS_PUBLIC=1 turns them on)");
        }),
    },
  ];
}

function bearerMatches(header: string, token: string): boolean {
  const m = /^Bearer (\S+)$/.exec(header);
  const given = Buffer.from(m?.[1] ?? "");
  const wanted = Buffer.from(token);
  return given.length === wanted.length && timingSafeEqual(given, wanted);
}

/** mysql2's pool (TypeORM's MysqlDriver.pool): its counters are internals, read defensively. */
interface Mysql2Pool {
  _allConnections?: { length: number };
  _freeConnections?: { length: number };
  _connectionQueue?: { length: number };
}

/** This node's database connections: in use, idle, and requests waiting for one. */
function poolState(db: DataSource): { in_use: number; idle: number; waiting: number } {
  if (dialectOf(db) === "mysql") {
    const pool = (db.driver as unknown as { pool?: Mysql2Pool }).pool;
    const all = pool?._allConnections?.length ?? 0;
    const idle = pool?._freeConnections?.length ?? 0;
    return { in_use: all - idle, idle, waiting: pool?._connectionQueue?.length ?? 0 };
  }
  const conn = (db.driver as unknown as { databaseConnection?: { inTransaction?: boolean } }).databaseConnection;
  const busy = conn?.inTransaction ? 1 : 0;
  return { in_use: busy, idle: 1 - busy, waiting: 0 };
}
