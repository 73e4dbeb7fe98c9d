import { hostname } from "node:os";
import type { ConsoleHealthResponse } from "@parley/sdk/protocol";
import { dialectOf } from "../db/sql.js";
import { migrationStates } from "./database.js";
import { ReadinessProbe, type HealthDeps } from "./health.js";

/** Deliveries counted in the webhook backlog before it reads "more than". */
export const BACKLOG_CAP = 10_000;
/** A node is listed while its last readiness probe is this recent. */
const NODE_SEEN_MS = 10 * 60_000;
/** Each check waits at most this long. */
const CHECK_TIMEOUT_MS = 2000;

/**
 * The console's health page (operators), as the node that answers sees it: its readiness (the
 * `/readyz` checks, which also writes its row of ops_probes), the database's and Redis's round
 * trips, migrations, the webhook outbox's backlog, and the nodes that answered a readiness
 * probe lately. Built at the composition root (console/ does not import ops/): a few bounded
 * queries, none that grows with the data (the backlog is counted up to BACKLOG_CAP).
 */
export class ConsoleHealthReport {
  private readonly probe: ReadinessProbe;
  /** As ReadinessProbe names this node in ops_probes. */
  private readonly node = `${hostname()}:${process.pid}`.slice(0, 100);

  constructor(private readonly deps: HealthDeps) {
    this.probe = new ReadinessProbe(deps);
  }

  async report(): Promise<ConsoleHealthResponse> {
    const { db } = this.deps;
    const readiness = await this.probe.check();
    const [dbLatency, redis, migrations, backlog, nodes] = await Promise.all([
      timed(() => db.query("SELECT 1")),
      this.redis(),
      migrationStates(db).catch(() => []),
      db
        .query("SELECT COUNT(*) AS n, MIN(createdAt) AS oldest FROM (SELECT createdAt FROM webhook_deliveries WHERE status = 'pending' LIMIT ?) p", [
          BACKLOG_CAP + 1,
        ])
        .catch(() => []) as Promise<{ n: number | string; oldest: number | string | null }[]>,
      db.query("SELECT node, at FROM ops_probes WHERE at >= ? ORDER BY at DESC LIMIT 50", [Date.now() - NODE_SEEN_MS]).catch(() => []) as Promise<
        { node: string; at: number | string }[]
      >,
    ]);
    const failing = this.deps.tx.writesFailing;
    const pending = Number(backlog[0]?.n ?? 0);
    const oldest = backlog[0]?.oldest;
    return {
      version: this.deps.version,
      node: this.node,
      checkedAt: new Date().toISOString(),
      readiness,
      database: {
        dialect: dialectOf(db),
        state: dbLatency === null || failing ? "down" : "ok",
        latencyMs: dbLatency,
        writesFailingSince: failing ? new Date(failing.since).toISOString() : null,
      },
      redis,
      migrations: { applied: migrations.filter((m) => m.applied).length, pending: migrations.filter((m) => !m.applied).map((m) => m.name) },
      webhooks: {
        pending: Math.min(pending, BACKLOG_CAP),
        pendingCapped: pending > BACKLOG_CAP,
        oldestPendingAt: oldest === null || oldest === undefined ? null : new Date(Number(oldest)).toISOString(),
      },
      nodes: nodes.map((n) => ({ node: n.node, lastSeenAt: new Date(Number(n.at)).toISOString(), self: n.node === this.node })),
    };
  }

  private async redis(): Promise<ConsoleHealthResponse["redis"]> {
    const redis = this.deps.redis;
    if (!redis) return { state: "off", latencyMs: null };
    const latencyMs = redis.healthy ? await timed(() => redis.ops.ping()) : null;
    return { state: latencyMs === null ? "down" : "ok", latencyMs };
  }
}

/** How long `fn` took (ms, rounded to 0.1), or null when it failed or took over CHECK_TIMEOUT_MS. */
async function timed(fn: () => Promise<unknown>): Promise<number | null> {
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([fn(), new Promise((_, reject) => (timer = setTimeout(() => reject(new Error("timeout")), CHECK_TIMEOUT_MS)))]);
    return Math.round((performance.now() - started) * 10) / 10;
  } catch {
    return null;
  } finally {
    clearTimeout(timer);
  }
}
