import type { DataSource } from "typeorm";
import { raisePrunedSeq } from "../tenancy/sequence.js";
import type { UnitOfWork } from "../db/unit-of-work.js";

export interface RetentionOptions {
  /** Events older than this (ms) are deleted. */
  retentionMs: number;
  /** How often the job runs (ms). */
  pruneIntervalMs: number;
}

/** Events read, and at most deleted, per transaction: a prune never holds a long write lock. */
export const PRUNE_CHUNK = 1000;

/**
 * Event retention: deletes each app's events older than the window, oldest first along the
 * primary key (appId, seq), PRUNE_CHUNK at a time, and raises `apps.prunedSeq` in the same
 * transaction. `/sync` compares a cursor with that floor before and after it reads (410
 * `sync_expired` below it), so a pruned stretch is never handed out as a silent gap.
 *
 * Only a prefix of the log goes: a chunk is deleted up to its first event still inside the window,
 * so the retained events are always (prunedSeq, head] whole, even if clocks of several nodes
 * made createdAt not quite monotonic in seq.
 */
export class EventRetention {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<number> | undefined;
  private readonly chores: ((now: number) => Promise<unknown>)[] = [];

  constructor(
    private readonly deps: { db: DataSource; uow: UnitOfWork },
    private readonly opts: Readonly<RetentionOptions>,
  ) {}

  /**
   * Other expiry work to run with each prune, after the events (the link preview cache's sweep):
   * given the same `now`; its failure fails the run (and is logged by the timer's handler).
   */
  alsoRun(chore: (now: number) => Promise<unknown>): void {
    this.chores.push(chore);
  }

  /**
   * Prunes every app once (and runs the chores); resolves to the number of events deleted. `now` lets a test prune as
   * if later. One run at a time: a call during a run waits for it, then runs again.
   */
  prune(now: number = Date.now()): Promise<number> {
    const run = (this.running ?? Promise.resolve(0))
      .catch(() => 0)
      .then(async () => {
        const deleted = await this.pruneAll(now - this.opts.retentionMs);
        for (const chore of this.chores) await chore(now);
        return deleted;
      });
    this.running = run;
    void run
      .catch(() => undefined)
      .then(() => {
        if (this.running === run) this.running = undefined;
      });
    return run;
  }

  private async pruneAll(cutoff: number): Promise<number> {
    const apps: { id: string; prunedSeq: string | number }[] = await this.deps.db.query("SELECT id, prunedSeq FROM apps");
    let deleted = 0;
    for (const app of apps) deleted += await this.pruneApp(app.id, Number(app.prunedSeq), cutoff);
    return deleted;
  }

  private async pruneApp(appId: string, floor: number, cutoff: number): Promise<number> {
    let deleted = 0;
    for (;;) {
      if (!this.deps.db.isInitialized) return deleted;
      const rows: { seq: string | number; createdAt: string | number }[] = await this.deps.db.query(
        "SELECT seq, createdAt FROM events WHERE appId = ? AND seq > ? ORDER BY seq LIMIT ?",
        [appId, floor, PRUNE_CHUNK],
      );
      let upTo = floor;
      for (const r of rows) {
        if (Number(r.createdAt) >= cutoff) break;
        upTo = Number(r.seq);
      }
      if (upTo === floor) return deleted;
      const from = floor;
      await this.deps.uow.run(async ({ m }) => {
        await raisePrunedSeq(m, appId, upTo);
        await m.query("DELETE FROM events WHERE appId = ? AND seq > ? AND seq <= ?", [appId, from, upTo]);
      });
      deleted += rows.filter((r) => Number(r.seq) <= upTo).length;
      floor = upTo;
      if (upTo !== Number(rows[rows.length - 1]!.seq) || rows.length < PRUNE_CHUNK) return deleted;
      // Let sends and syncs in between chunks (SQLite runs on this thread).
      await new Promise((resolve) => setImmediate(resolve));
    }
  }

  /** Starts the periodic prune (idempotent); it stops on `stop()` or once the database is closed. Never keeps the process alive. */
  start(onError: (err: unknown) => void): void {
    if (this.timer) return;
    this.timer = setInterval(() => {
      if (!this.deps.db.isInitialized) return this.stop();
      if (!this.running) this.prune().catch(onError);
    }, this.opts.pruneIntervalMs);
    this.timer.unref();
  }

  /** Stops the periodic prune; a run under way finishes its current chunk and stops with the database. */
  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }
}
