import { hostname } from "node:os";
import { databaseErrorCode } from "../db/db-errors.js";
import { dialectOf } from "../db/sql.js";
import type { HealthResponse } from "@parley/sdk/protocol";
import type { Readiness } from "../http/openapi/responses.js";
import { json, type Route } from "../request/route.js";
import type { DataSource } from "typeorm";
import type { UnitOfWork } from "../db/unit-of-work.js";
import type { RedisConnections } from "../scale/redis.js";
import type { Logger } from "../shared/logger.js";

/** What the health routes read. */
export interface HealthDeps {
  db: DataSource;
  uow: UnitOfWork;
  logger: Logger;
  redis?: RedisConnections | undefined;
  /** Whether writes are failing now (the unit of work's view; tests put a fault in here). */
  tx: Pick<UnitOfWork, "writesFailing">;
  version: string;
}
import { migrationStates, sqliteHeadroom } from "./database.js";

/** Each check waits at most this long: a hung dependency is a down one. */
const CHECK_TIMEOUT_MS = 2000;
/** Answers are reused this long, so a burst of probes (or anyone hammering /readyz) costs one check. */
const CACHE_MS = 1000;
/** SQLite with fewer free pages than this (or less disk than the bytes below) is full for our purposes. */
const MIN_FREE_PAGES = 64;
const MIN_FREE_DISK_BYTES = 8 * 1024 * 1024;

type Check = "ok" | "down" | "full" | "pending";

/**
 * `/livez`: the process runs and its event loop turns (nothing else: restarting a node because its
 * database is down would not help). `/readyz`: this node can serve, so a load balancer may send it
 * traffic: the database answers and takes a commit, SQLite has room, every migration this code
 * knows is applied, and Redis answers when configured.
 *
 * "Takes a commit" is a real write: this node's row in `ops_probes`, through the unit of work like
 * every other write. A node whose writes failed (uow.writesFailing) is not ready until a
 * write commits again; the probe is that write, so the node recovers without waiting for traffic
 * a load balancer no longer sends it.
 */
export function healthRoutes(services: HealthDeps): Route[] {
  const probe = new ReadinessProbe(services);
  return [
    {
      method: "get",
      path: "/v1/healthz",
      operationId: "getHealth",
      tag: "ops",
      summary: "Database and Redis state (kept for compatibility; prefer /readyz)",
      auth: "none",
      ok: { 200: json("HealthResponse", "Healthy"), 503: json("HealthResponse", "The database is down or failing writes") },
      handle: async (ctx) => {
        // Reads answering is not enough: a full disk (or a lost commit) fails every write while
        // SELECT 1 still works. The database is reported down from a failed write until one commits.
        const writes = services.tx.writesFailing;
        if (writes) services.logger.warn({ dbError: writes.code, failingForMs: Date.now() - writes.since }, "healthz: database writes are failing");
        const db = writes ? "down" : await databaseAnswers(services, CHECK_TIMEOUT_MS);
        // Redis down (several nodes) degrades but does not fail the node: it still serves REST and
        // its own sockets, so a load balancer should keep it; the field tells operators why.
        const redis = services.redis ? (services.redis.healthy ? ("ok" as const) : ("down" as const)) : undefined;
        ctx.status = db === "ok" ? 200 : 503;
        ctx.body = {
          status: db === "ok" && redis !== "down" ? "ok" : "degraded",
          db,
          ...(writes ? { dbWrites: "failing" as const } : {}),
          ...(redis ? { redis } : {}),
          version: services.version,
        } satisfies HealthResponse & { dbWrites?: "failing"; redis?: "ok" | "down" };
      },
    },
    {
      method: "get",
      path: "/livez",
      operationId: "getLiveness",
      tag: "ops",
      summary: "The process runs",
      auth: "none",
      ok: { 200: json("Liveness", "Alive") },
      handle: (ctx) => {
        ctx.set("Cache-Control", "no-store");
        ctx.body = { status: "ok" };
      },
    },
    {
      method: "get",
      path: "/readyz",
      operationId: "getReadiness",
      tag: "ops",
      summary: "This node can serve: database writable, migrations applied, Redis reachable when configured",
      auth: "none",
      ok: { 200: json("Readiness", "Ready"), 503: json("Readiness", "Not ready; `reasons` says why") },
      handle: async (ctx) => {
        const readiness = await probe.check();
        ctx.set("Cache-Control", "no-store");
        ctx.status = readiness.status === "ready" ? 200 : 503;
        ctx.body = readiness;
      },
    },
  ];
}

/** "ok" when `SELECT 1` answers within `ms`; "down" when it fails or takes longer. */
async function databaseAnswers(services: HealthDeps, ms: number): Promise<"ok" | "down"> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<"down">((resolve) => (timer = setTimeout(() => resolve("down"), ms)));
  const query = services.db.query("SELECT 1").then(
    () => "ok" as const,
    (err: unknown) => (services.logger.warn({ dbError: databaseErrorCode(err) }, "healthz: database check failed"), "down" as const),
  );
  try {
    return await Promise.race([query, timedOut]);
  } finally {
    clearTimeout(timer);
  }
}

/** This node's name in `ops_probes`. */
export const PROBE_NODE = `${hostname()}:${process.pid}`.slice(0, 100);

/**
 * Rewrites `node`'s row of ops_probes with this clock's now, through the unit of work: the
 * readiness probe's commit, and the heartbeat read replicas are measured by (db/read-replicas.ts).
 */
export async function writeProbe({ db, uow }: Pick<HealthDeps, "db" | "uow">, node: string): Promise<void> {
  const upsert =
    dialectOf(db) === "mysql"
      ? "INSERT INTO ops_probes (node, at) VALUES (?, ?) ON DUPLICATE KEY UPDATE at = GREATEST(at, VALUES(at))"
      : "INSERT INTO ops_probes (node, at) VALUES (?, ?) ON CONFLICT (node) DO UPDATE SET at = max(at, excluded.at)";
  await uow.run(async ({ m }) => {
    await m.query(upsert, [node, Date.now()]);
    // Rows of nodes (processes) gone for a week: a few per deploy, removed here.
    await m.query("DELETE FROM ops_probes WHERE at < ?", [Date.now() - 7 * 24 * 3600_000]);
  });
}

/** The latest probe of `node` that `replica` holds (ms), null when none: how far it has got. */
export async function probeSeenOn(replica: DataSource, node: string): Promise<number | null> {
  const rows: { at: unknown }[] = await replica.query("SELECT at FROM ops_probes WHERE node = ?", [node]);
  return rows[0] ? Number(rows[0].at) : null;
}

export class ReadinessProbe {
  private last: { at: number; result: Promise<Readiness> } | undefined;
  constructor(private readonly services: HealthDeps) {}

  check(): Promise<Readiness> {
    if (!this.last || Date.now() - this.last.at > CACHE_MS) this.last = { at: Date.now(), result: this.run() };
    return this.last.result;
  }

  private async run(): Promise<Readiness> {
    const reasons: string[] = [];
    const [db, migrations, redis] = await Promise.all([this.database(reasons), this.migrations(reasons), this.redis(reasons)]);
    const checks = { db, migrations, ...(redis ? { redis } : {}) };
    const ready = Object.values(checks).every((c) => c === "ok");
    if (!ready) this.services.logger.warn({ checks, reasons }, "readyz: not ready");
    return { status: ready ? "ready" : "not_ready", checks, ...(reasons.length ? { reasons } : {}) };
  }

  private async database(reasons: string[]): Promise<Check> {
    const { db, uow } = this.services;
    const failing = uow.writesFailing;
    try {
      await withTimeout(db.query("SELECT 1"), "SELECT 1");
      if (dialectOf(db) === "sqlite") {
        const room = await withTimeout(sqliteHeadroom(db), "headroom");
        if (room.pages < MIN_FREE_PAGES || room.diskBytes < MIN_FREE_DISK_BYTES) {
          reasons.push(`database full: ${room.pages} free pages, ${Math.floor(room.diskBytes / 1024)} KiB free on disk`);
          return "full";
        }
      }
      await withTimeout(writeProbe(this.services, PROBE_NODE), "probe write");
      return "ok";
    } catch (err) {
      reasons.push(
        `database ${failing ? `writes failing since ${new Date(failing.since).toISOString()} (${failing.code}); ` : ""}check failed: ${databaseErrorCode(err) || (err as Error).message}`,
      );
      return "down";
    }
  }

  private async migrations(reasons: string[]): Promise<Check> {
    try {
      const pending = (await withTimeout(migrationStates(this.services.db), "migrations")).filter((m) => !m.applied);
      if (pending.length === 0) return "ok";
      reasons.push(`${pending.length} migration(s) pending (${pending.map((m) => m.name).join(", ")}): run npm run migrate`);
      return "pending";
    } catch (err) {
      reasons.push(`migrations unknown: ${databaseErrorCode(err) || (err as Error).message}`);
      return "down";
    }
  }

  private async redis(reasons: string[]): Promise<Check | undefined> {
    const redis = this.services.redis;
    if (!redis) return undefined;
    try {
      if (!redis.healthy) throw new Error("not connected");
      await withTimeout(redis.ops.ping(), "PING");
      return "ok";
    } catch (err) {
      reasons.push(`redis: ${(err as Error).message}`);
      return "down";
    }
  }
}

async function withTimeout<T>(p: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>(
    (_, reject) => (timer = setTimeout(() => reject(new Error(`${what} took over ${CHECK_TIMEOUT_MS} ms`)), CHECK_TIMEOUT_MS)),
  );
  try {
    return await Promise.race([p, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
