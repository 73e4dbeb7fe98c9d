/**
 * Group commit for sends. Sends queue up while the previous batch's transaction runs, and the
 * next batch takes all of them: one transaction (one fsync on MariaDB, one WAL sync on SQLite)
 * and a constant number of statements for many messages. At low load a batch is one message
 * and waits for nothing but the current event-loop turn; under load batches grow by themselves.
 *
 * Each batch is one unit of work (db/unit-of-work.ts), committed by the writer; this file decides
 * only when the after-commit step of each runs.
 *
 * Order: batches start in arrival order and keep it inside. With one batch in flight (SQLite: one
 * connection, one writer) ids and event seqs follow the order sends arrived in. With more (MariaDB:
 * the next batch's statements run while the database works on the one before), a batch first
 * locks its conversations (conversations/last-message.ts), and a send whose conversation or sender
 * is in a batch that has not inserted its messages yet waits for that: a conversation's batches
 * write, commit and are published in the order they started, and a sender's messages get ids in
 * the order they were sent, in any conversation. Other sends overlap. A send with attachments runs
 * in a batch of its own, so a bad attachment fails only that send; it keeps its place in the order.
 */
export interface Batchable {
  /** Sends with this flag run alone (their failure must not fail the others). */
  readonly alone: boolean;
  /** Batches sharing a conversation or a sender insert in the order they started. */
  readonly conversationId: string;
  readonly senderId: string;
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

interface Running<T extends Batchable, R> {
  batch: Pending<T, R>[];
  conversations: Set<string>;
  /** Its messages have their ids (or it failed): a later send of its conversations or senders may start. */
  placed: boolean;
  /** Settles once the batch is answered (never rejects). */
  answered: Promise<void>;
}

export class SendBatcher<T extends Batchable, R> {
  private queue: Pending<T, R>[] = [];
  /** Batches whose transaction runs, oldest first. */
  private running: Running<T, R>[] = [];
  /** Batches not answered yet, oldest first (the running ones, and committed ones waiting for an earlier one). */
  private unanswered: Running<T, R>[] = [];
  private scheduled = false;

  /**
   * @param write writes one batch in one transaction, calling `placed` once its messages are
   *   inserted (under its conversations' locks); throwing fails every item of it.
   * @param maxBatch bounds a batch's statement size (placeholders per INSERT).
   * @param inFlight batches whose transactions may run at once (1 on SQLite).
   */
  constructor(
    private readonly write: (items: T[], placed: () => void) => Promise<Written<R>>,
    private readonly maxBatch = 200,
    private readonly inFlight = 1,
  ) {}

  submit(item: T): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      if (this.scheduled) return;
      this.scheduled = true;
      // Let the rest of this I/O turn's sends join the batch.
      setImmediate(() => {
        this.scheduled = false;
        this.fill();
      });
    });
  }

  /** Sends waiting for a batch (for health and tests). */
  get waiting(): number {
    return this.queue.length;
  }

  /** Starts batches while fewer than `inFlight` run and some send may go. */
  private fill(): void {
    while (this.queue.length > 0 && this.running.length < this.inFlight) {
      const batch = this.take();
      if (batch.length === 0) return;
      const conversations = new Set(batch.map((p) => p.item.conversationId));
      const earlier = this.unanswered.filter((r) => [...conversations].some((c) => r.conversations.has(c))).map((r) => r.answered);
      const run: Running<T, R> = { batch, conversations, placed: false, answered: Promise.resolve() };
      const placed = (): void => {
        if (run.placed) return;
        run.placed = true;
        this.fill();
      };
      const written = this.write(
        batch.map((p) => p.item),
        placed,
      );
      this.running.push(run);
      this.unanswered.push(run);
      // Never rejects: a later batch of these conversations waits on it, whatever happens here.
      run.answered = this.answer(run, written, earlier).catch(() => undefined);
    }
  }

  /**
   * Answers a batch once it is written and the earlier batches of its conversations are answered.
   * Pipelined: as its transaction ends, the next batch starts at once, and this one is published
   * and answered while the database works on the others. A conversation's batches commit in the
   * order they started (they lock it in that order) and are published in that order, so its
   * events go out in order; batches of other conversations do not wait for each other.
   */
  private async answer(run: Running<T, R>, written: Promise<Written<R>>, earlier: Promise<void>[]): Promise<void> {
    let result: Written<R> | undefined;
    let failure: unknown;
    try {
      result = await written;
    } catch (err) {
      failure = err;
    }
    // Settled counts as placed: a batch that failed before its INSERT frees the way.
    run.placed = true;
    this.running = this.running.filter((r) => r !== run);
    this.fill();
    await Promise.all(earlier);
    this.unanswered = this.unanswered.filter((r) => r !== run);
    if (!result) {
      for (const p of run.batch) p.reject(failure);
      return;
    }
    try {
      result.afterCommit();
    } catch {
      // Live delivery failed after the commit: the messages are stored and their events are in
      // the log, so clients get them at their next sync. The answers must still go out (a batch
      // never answered would hang every later send of its conversations).
    }
    run.batch.forEach((p, i) => {
      const o = result.outcomes[i];
      if (!o) p.reject(new Error("send batch returned no outcome"));
      else if (o.ok) p.resolve(o.value);
      else p.reject(o.error);
    });
  }

  /**
   * The next batch, in arrival order: a lone item, or the batchable items up to the next lone one.
   * A send whose conversation or sender is in a started batch that has not inserted yet waits,
   * and so does every later send of that conversation or sender: their ids keep the order the
   * sends came in. Others go at once, even while an earlier batch waits for a lock.
   */
  private take(): Pending<T, R>[] {
    const conversations = new Set<string>();
    const senders = new Set<string>();
    const hold = (item: T): void => void (conversations.add(item.conversationId), senders.add(item.senderId));
    for (const r of this.running) if (!r.placed) for (const p of r.batch) hold(p.item);
    const batch: Pending<T, R>[] = [];
    for (const p of this.queue) {
      if (batch.length >= this.maxBatch) break;
      if (conversations.has(p.item.conversationId) || senders.has(p.item.senderId)) {
        hold(p.item);
        continue;
      }
      if (p.item.alone) {
        if (batch.length === 0) batch.push(p);
        break;
      }
      batch.push(p);
    }
    if (batch.length === this.queue.length) this.queue = [];
    else if (batch.length > 0) {
      const taken = new Set(batch);
      this.queue = this.queue.filter((p) => !taken.has(p));
    }
    return batch;
  }
}
