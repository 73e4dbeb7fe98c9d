/**
 * Group commit for sends. Sends queue up while the previous batch's transaction runs, and the
 * next batch takes all of them: one transaction (one fsync on MariaDB, one WAL sync on SQLite)
 * and a constant number of statements for many messages. At low load a batch is one message
 * and waits for nothing but the current event-loop turn; under load batches grow by themselves.
 *
 * Each batch is one unit of work (db/unit-of-work.ts), committed by the writer; this file decides
 * only when the after-commit step of each runs.
 *
 * Order: batches run one after another and keep arrival order inside, so ids (and event seqs)
 * follow the order sends arrived in. A send with attachments runs in a batch of its own, so a
 * bad attachment fails only that send; it still keeps its place in the order.
 */
export interface Batchable {
  /** Sends with this flag run alone (their failure must not fail the others). */
  readonly alone: boolean;
}

interface Pending<T extends Batchable, R> {
  item: T;
  resolve(r: R): void;
  reject(err: unknown): void;
}

/** What a batch's writer answers per item: its result, or the error for that item only. */
export type ItemOutcome<R> = { ok: true; value: R } | { ok: false; error: unknown };

/** A committed batch: the answers, and its after-commit step (live delivery) to run before they are given. */
export interface Written<R> {
  outcomes: ItemOutcome<R>[];
  afterCommit(): void;
}

export class SendBatcher<T extends Batchable, R> {
  private queue: Pending<T, R>[] = [];
  private draining = false;

  /**
   * @param write writes one batch in one transaction; throwing fails every item of it.
   * @param maxBatch bounds a batch's statement size (placeholders per INSERT).
   */
  constructor(
    private readonly write: (items: T[]) => Promise<Written<R>>,
    private readonly maxBatch = 200,
  ) {}

  submit(item: T): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      if (!this.draining) {
        this.draining = true;
        // Let the rest of this I/O turn's sends join the first batch.
        setImmediate(() => void this.drain());
      }
    });
  }

  /** Sends waiting for a batch (for health and tests). */
  get waiting(): number {
    return this.queue.length;
  }

  /**
   * Pipelined: once a batch has committed, the next one's transaction starts at once, and the
   * committed batch is published and answered while the database works on the next. Publishing
   * stays in commit order: a batch cannot finish before the synchronous publish of the one
   * before it has run.
   */
  private async drain(): Promise<void> {
    let current = this.start();
    while (current) {
      const { batch, written } = current;
      let result: Written<R> | undefined;
      let failure: unknown;
      try {
        result = await written;
      } catch (err) {
        failure = err;
      }
      current = this.start();
      if (!result) {
        for (const p of batch) p.reject(failure);
        continue;
      }
      try {
        result.afterCommit();
      } catch {
        // Live delivery failed after the commit: the messages are stored and their events are in
        // the log, so clients get them at their next sync. The answers must still go out, and
        // this loop must go on (a dead loop would hang every later send of the node).
      }
      batch.forEach((p, i) => {
        const o = result.outcomes[i];
        if (!o) p.reject(new Error("send batch returned no outcome"));
        else if (o.ok) p.resolve(o.value);
        else p.reject(o.error);
      });
    }
    this.draining = false;
  }

  private start(): { batch: Pending<T, R>[]; written: Promise<Written<R>> } | null {
    if (this.queue.length === 0) return null;
    const batch = this.take();
    return { batch, written: this.write(batch.map((p) => p.item)) };
  }

  /** The next batch: a lone item, or the run of batchable items up to the next lone one. */
  private take(): Pending<T, R>[] {
    if (this.queue[0]!.item.alone) return this.queue.splice(0, 1);
    let n = 0;
    while (n < this.queue.length && n < this.maxBatch && !this.queue[n]!.item.alone) n++;
    return this.queue.splice(0, n);
  }
}
