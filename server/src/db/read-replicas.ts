import { AsyncLocalStorage } from "node:async_hooks";
import { createHash } from "node:crypto";
import type { DataSource, QueryRunner } from "typeorm";
import type { Logger } from "../shared/logger.js";
import { createDataSource, QUERY_TIMEOUT_MS } from "./data-source.js";
import { databaseErrorCode, fromDatabaseError, isStatementTimeout } from "./db-errors.js";

/**
 * Read replicas (DATABASE_REPLICA_URLS): reads that tolerate a little lag — the routes that say
 * so in their declaration (request/route.ts `replica`) — are served by a replica, everything
 * else, and every statement of a unit of work, by the primary.
 *
 * How far a replica has got is measured, not guessed: every `intervalMs` this node commits a
 * heartbeat on the primary (its clock's now, ops/health.ts's row of `ops_probes`) and reads back
 * the latest one the replica holds (`appliedAt`). Replication applies commits in order, so the
 * replica holds every transaction that committed before that heartbeat was written.
 *
 * A reader (a user, a server key's app, a console account) sees its own writes and never goes
 * back in time: each write it makes, and each of its reads this router sends to the primary,
 * leaves a mark (its time), shared through Redis between nodes. A reader reads the replica only
 * when the replica's `appliedAt` has passed the reader's mark; until then it reads the primary.
 * A replica that is unreachable, or whose lag exceeds `maxLagMs`, is skipped (its readers read
 * the primary); a query that fails on a replica runs again on the primary, so a replica that
 * goes away costs no request an error. Each reader keeps to one replica (by a hash of its key):
 * two replicas at different points could otherwise show it the past after the present.
 *
 * TypeORM's own replication (a `slaves` pool cluster picked round robin) has no notion of lag or
 * of a reader's writes, so the replicas are data sources of their own, and the routing is one
 * scope (AsyncLocalStorage) around a request: the primary's query runners, while a read scope is
 * active, come from the chosen replica. Services read through `db` as before and do not know.
 */

export interface ReplicaOptions {
  /** `mysql://user:pass@host:3306/db` of each replica (the primary's database, replicated). */
  urls: string[];
  /** A replica further behind than this is skipped. Marks older than this are forgotten. */
  maxLagMs: number;
  /** How often the heartbeat is written and each replica's position read (default 500 ms). */
  intervalMs?: number;
}

/** The heartbeat the replicas are measured by (ops/health.ts writes the row it reads). */
export interface Heartbeat {
  /** Commits this node's heartbeat (its clock's now) on the primary. */
  beat(): Promise<void>;
  /** The latest heartbeat of this node that `replica` holds, in ms; null when it holds none. */
  seenOn(replica: DataSource): Promise<number | null>;
}

/** Where readers' marks are shared between nodes (Redis); without it a node knows its own. */
export interface SharedMarks {
  get(reader: string): Promise<number | null>;
  set(reader: string, at: number, ttlMs: number): Promise<void>;
}

/** One replica as the router sees it (and `/readyz`, `/metrics` report it). */
export interface ReplicaState {
  /** The URL without its password. */
  url: string;
  /** Whether reads go to it now. */
  usable: boolean;
  /** The latest heartbeat it holds (ms since the epoch), null before the first. */
  appliedAt: number | null;
  /** How far behind it is as last measured (ms), null when unknown. */
  lagMs: number | null;
  /** Why it is skipped, when it is. */
  reason?: string;
  /** Queries it served, and queries that failed on it and were run on the primary instead. */
  served: number;
  fellBack: number;
}

/** A read route's scope: its replica, and whether a query fell back to the primary meanwhile. */
interface ReadScope {
  replica: Replica;
  fellBack: boolean;
}

const readScope = new AsyncLocalStorage<ReadScope | undefined>();

/**
 * Runs `fn` outside any read scope: what it opens comes from the primary. The unit of work opens
 * its transactions through this, so a write — and every read in it — is on the primary even when
 * a read route happens to write.
 */
export function onPrimary<T>(fn: () => T): T {
  return readScope.run(undefined, fn);
}

class Replica {
  ds: DataSource | undefined;
  opening: Promise<void> | undefined;
  appliedAt: number | null = null;
  checkedAt = 0;
  /** Set when the last check or a query failed for a reason of the connection; cleared by a good check. */
  down: string | undefined = "not connected yet";
  /** The skip reason last logged (undefined: "in use" was), so each change is logged once. */
  said: string | undefined = "not connected yet";
  served = 0;
  fellBack = 0;

  constructor(
    readonly url: string,
    readonly shown: string,
  ) {}

  lag(now: number): number | null {
    return this.appliedAt === null ? null : Math.max(0, now - this.appliedAt);
  }

  skipReason(now: number, maxLagMs: number): string | undefined {
    if (this.down) return this.down;
    const lag = this.lag(now);
    if (lag === null) return "no heartbeat replicated yet";
    if (lag > maxLagMs) return `${lag} ms behind (more than ${maxLagMs} ms)`;
    return undefined;
  }
}

export class ReadReplicas {
  private readonly replicas: Replica[];
  private readonly marks = new Map<string, number>();
  private readonly intervalMs: number;
  private timer: NodeJS.Timeout | undefined;
  private ticking: Promise<void> | undefined;
  private stopped = false;
  private sharingFailedAt = 0;
  private readonly restore: () => void;

  constructor(
    primary: DataSource,
    private readonly opts: ReplicaOptions,
    private readonly heartbeat: Heartbeat,
    private readonly logger: Logger,
    private readonly shared?: SharedMarks,
  ) {
    this.intervalMs = opts.intervalMs ?? 500;
    this.replicas = opts.urls.map((u) => new Replica(u, u.replace(/\/\/([^:/@]*):[^@/]*@/, "//$1:***@")));
    // The one place reads are routed: the primary's query runners come from the scope's replica.
    const original = primary.createQueryRunner.bind(primary);
    primary.createQueryRunner = (mode) => {
      const scope = readScope.getStore();
      return scope?.replica.ds ? this.runnerOn(scope, scope.replica.ds, original) : original(mode);
    };
    this.restore = () => {
      primary.createQueryRunner = original;
    };
  }

  /** Opens the replicas (one that is down now is retried on each tick) and starts measuring them. */
  start(): void {
    const tick = (): void => {
      this.ticking = this.tick().finally(() => {
        if (!this.stopped) this.timer = setTimeout(tick, this.intervalMs);
      });
    };
    tick();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.ticking?.catch(() => undefined);
    this.restore();
    await Promise.all(this.replicas.map((r) => r.opening?.catch(() => undefined)));
    await Promise.all(this.replicas.map((r) => (r.ds?.isInitialized ? r.ds.destroy().catch(() => undefined) : undefined)));
  }

  /** Each replica's state, as the router sees it now. */
  states(): ReplicaState[] {
    const now = Date.now();
    return this.replicas.map((r) => {
      const reason = r.skipReason(now, this.opts.maxLagMs);
      return {
        url: r.shown,
        usable: !reason,
        appliedAt: r.appliedAt,
        lagMs: r.lag(now),
        ...(reason ? { reason } : {}),
        served: r.served,
        fellBack: r.fellBack,
      };
    });
  }

  /**
   * `reader` wrote (a request or a socket command that may have committed): until a replica has
   * what is committed now, its reads go to the primary. Awaited before the write is answered, so
   * the reader's next read, on any node, knows.
   */
  async wrote(reader: string): Promise<void> {
    const now = Date.now();
    this.marks.set(reader, Math.max(now, this.marks.get(reader) ?? 0));
    if (!this.shared) return;
    try {
      await this.shared.set(reader, now, this.opts.maxLagMs + 2 * this.intervalMs);
    } catch (err) {
      // The write stands; only another node could now show this reader a replica without it
      // (until the replica catches up). This node still knows.
      if (Date.now() - this.sharingFailedAt > 10_000) this.logger.warn({ err }, "read replicas: a reader's mark could not be shared (logged once per 10 s)");
      this.sharingFailedAt = Date.now();
    }
  }

  /**
   * Runs `fn` (a read route's handler) with its reads on `reader`'s replica when that replica is
   * usable and holds everything `reader` has written or seen on the primary; else on the primary,
   * which marks the reader (what it saw there, a replica must have too before it reads there again).
   */
  async read<T>(reader: string, fn: () => Promise<T>): Promise<T> {
    const replica = await this.choose(reader);
    const scope = replica ? { replica, fellBack: false } : undefined;
    try {
      return await (scope ? readScope.run(scope, fn) : fn());
    } finally {
      // Read on the primary (chosen, or a query the replica failed): marked once read, as all the
      // read saw committed before now.
      if (!scope || scope.fellBack) await this.wrote(reader);
    }
  }

  private async choose(reader: string): Promise<Replica | undefined> {
    const replica = this.replicas.length === 1 ? this.replicas[0]! : pick(reader, this.replicas);
    if (!replica.ds || replica.skipReason(Date.now(), this.opts.maxLagMs)) return undefined;
    const applied = replica.appliedAt!;
    const local = this.marks.get(reader);
    // Strictly past the mark: a heartbeat of the same millisecond may have committed before the write.
    if (local !== undefined && local >= applied) return undefined;
    if (this.shared) {
      try {
        const mark = await this.shared.get(reader);
        if (mark !== null && mark >= applied) return undefined;
      } catch {
        return undefined; // The marks cannot be read: the primary is always right.
      }
    }
    return replica;
  }

  /** A query runner on `ds` whose queries, when the replica fails them, run on the primary instead. */
  private runnerOn(scope: ReadScope, ds: DataSource, primaryRunner: DataSource["createQueryRunner"]): QueryRunner {
    const { replica } = scope;
    const qr = ds.createQueryRunner("master");
    const query = qr.query.bind(qr);
    qr.query = (async (...args: Parameters<QueryRunner["query"]>) => {
      try {
        const out = await query(...args);
        replica.served++;
        return out;
      } catch (err) {
        // A statement stopped at its own budget (a bounded search) is the answer, not the
        // replica's fault; another error of the statement itself would fail on the primary too.
        // Only a read the replica could not serve runs again on the primary: the replica down
        // (which also takes it out until a check succeeds), or behind the primary's schema (a
        // migration not replicated yet). A write is never retried: none belongs here.
        const down = !isStatementTimeout(err) && fromDatabaseError(err);
        if (!(down || isSchemaBehind(err)) || !isRead(args[0])) throw err;
        replica.fellBack++;
        scope.fellBack = true;
        if (down) {
          this.markDown(replica, `query failed: ${databaseErrorCode(err) || (err as Error).message}`);
          // A timed-out command stays queued on its connection: never hand that one out again.
          if (databaseErrorCode(err) === "PROTOCOL_SEQUENCE_TIMEOUT")
            (qr as unknown as { databaseConnection?: { destroy(): void } }).databaseConnection?.destroy();
        }
        const p = primaryRunner("master");
        try {
          return await p.query(...args);
        } finally {
          await p.release().catch(() => undefined);
        }
      }
    }) as QueryRunner["query"];
    return qr;
  }

  private markDown(replica: Replica, reason: string): void {
    if (!replica.said) this.logger.warn({ replica: replica.shown, reason }, "read replica skipped");
    replica.down = reason;
    replica.said = reason;
  }

  private async tick(): Promise<void> {
    // Marks a replica must have passed by now, or it is skipped anyway.
    const forget = Date.now() - this.opts.maxLagMs - 2 * this.intervalMs;
    for (const [reader, at] of this.marks) if (at < forget) this.marks.delete(reader);
    await this.heartbeat.beat().catch((err: unknown) => this.logger.warn({ err }, "read replicas: heartbeat failed"));
    await Promise.all(this.replicas.map((r) => this.check(r)));
  }

  private async check(replica: Replica): Promise<void> {
    try {
      if (!replica.ds) {
        replica.opening ??= this.open(replica).finally(() => (replica.opening = undefined));
        await replica.opening;
      }
      const at = await this.heartbeat.seenOn(replica.ds!);
      replica.checkedAt = Date.now();
      // A server behind the URL that went back in time (restored, or another one now) would
      // pass marks it does not hold: skipped until it is past what was seen before.
      if (at !== null && replica.appliedAt !== null && at < replica.appliedAt) {
        this.markDown(replica, "it went back in time (another server, or restored): waiting until it is past what it held");
        return;
      }
      if (at !== null) replica.appliedAt = at;
      replica.down = undefined;
      // Said once per change: skipped (down or too far behind) or in use again.
      const reason = replica.skipReason(replica.checkedAt, this.opts.maxLagMs);
      if (reason !== replica.said && (!reason || !replica.said)) {
        if (reason) this.logger.warn({ replica: replica.shown, reason }, "read replica skipped");
        else this.logger.info({ replica: replica.shown }, "read replica in use");
        replica.said = reason;
      }
    } catch (err) {
      this.markDown(replica, `unreachable: ${databaseErrorCode(err) || (err as Error).message}`);
    }
  }

  private async open(replica: Replica): Promise<void> {
    const ds = createDataSource({ url: replica.url, sqliteFile: "" }, { entities: [], migrations: [], dialectTypes: { mysql: [], sqlite: [] } });
    await ds.initialize();
    // As on the primary (openDatabase): a replica that stops answering fails a query after this
    // long, and the primary answers it.
    Object.assign(ds.driver.options, { enableQueryTimeout: true, maxQueryExecutionTime: QUERY_TIMEOUT_MS });
    if (this.stopped) {
      await ds.destroy();
      throw new Error("stopped");
    }
    replica.ds = ds;
  }
}

/**
 * A reader's replica: the highest hash of (reader, URL), so every node picks the same one
 * whatever order its list is in, and a replica added or removed moves only its own readers.
 */
function pick(reader: string, replicas: Replica[]): Replica {
  const score = (r: Replica): number => createHash("sha1").update(`${reader}\n${r.url}`).digest().readUInt32BE(0);
  return replicas.reduce((best, r) => (score(r) > score(best) ? r : best));
}

/** A statement that only reads (the retry on the primary is for those alone). */
const isRead = (sql: unknown): boolean => typeof sql === "string" && /^\s*\(?\s*(SELECT|WITH|SHOW)\b/i.test(sql);

/** The replica has not yet got a migration the primary has (no such table, unknown column). */
function isSchemaBehind(err: unknown): boolean {
  const e = ((err as { driverError?: unknown }).driverError ?? err) as { errno?: number };
  return e.errno === 1146 || e.errno === 1054;
}
