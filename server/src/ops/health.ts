import { hostname } from "node:os";
import Router from "@koa/router";
import { databaseErrorCode } from "../db/db-errors.js";
import { dialectOf } from "../db/sql.js";
import type { State } from "../http/context.js";
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

export interface Readiness {
  status: "ready" | "not_ready";
  checks: { db: Check; migrations: Check; redis?: Check };
  /** Why a check failed, in words for an operator (no secrets, no stack). */
  reasons?: string[];
}

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
export function healthRoutes(services: HealthDeps): Router<State> {
  const probe = new ReadinessProbe(services);
  const r = new Router<State>();
  r.get("/livez", (ctx) => {
    ctx.set("Cache-Control", "no-store");
    ctx.body = { status: "ok" };
  });
  r.get("/readyz", async (ctx) => {
    const readiness = await probe.check();
    ctx.set("Cache-Control", "no-store");
    ctx.status = readiness.status === "ready" ? 200 : 503;
    ctx.body = readiness;
  });
  return r;
}

export class ReadinessProbe {
  private last: { at: number; result: Promise<Readiness> } | undefined;
  private readonly node = `${hostname()}:${process.pid}`.slice(0, 100);

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
      const upsert =
        dialectOf(db) === "mysql"
          ? "INSERT INTO ops_probes (node, at) VALUES (?, ?) ON DUPLICATE KEY UPDATE at = VALUES(at)"
          : "INSERT INTO ops_probes (node, at) VALUES (?, ?) ON CONFLICT (node) DO UPDATE SET at = excluded.at";
      await withTimeout(
        uow.run(async ({ m }) => {
          await m.query(upsert, [this.node, Date.now()]);
          // Rows of nodes (processes) gone for a week: a few per deploy, removed here.
          await m.query("DELETE FROM ops_probes WHERE at < ?", [Date.now() - 7 * 24 * 3600_000]);
        }),
        "probe write",
      );
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
