/**
 * This node's own chat events, delivered to its own sockets in the stream's order (one Redis, the
 * streams adapter).
 *
 * A send batch holds its conversations' named locks until its entry is in the stream
 * (db/unit-of-work.ts), so the stream has a conversation's events in commit order. Redis having
 * an entry is not every node having read it: each node's reader sends its next XREAD after the
 * last one answered, and until that reaches Redis, entries wait there. A node that delivered its
 * own newer message at once could do so while an older one of another node was still waiting for
 * its reader (the CI of 4549c2f, on a loaded box: the watcher on node 2 heard a newer message
 * first). So an own chat event waits until this node's reader has passed its entry: then it has
 * delivered every entry before it.
 *
 * Its recipients are this node's sockets in its rooms when it was broadcast (a socket leaving the
 * room just after, a member removed say, still hears it). It goes out without waiting for the
 * stream when its entry is not taken in the time a send batch holds its locks for it (Redis away: local
 * delivery goes on),
 * when it is taken but not read back in READ_BACK_WAIT_MS, or when its publish is given up.
 */
export class StreamOrder {
  /** Own chat events not delivered yet, in the order they were broadcast. */
  private readonly waiting: Waiting[] = [];
  /** The offset this node's reader has passed. */
  private readTo: Offset | undefined;
  private timer: NodeJS.Timeout | undefined;

  /** @param publishedWaitMs how long a send batch holds its locks for its entry (local-first.ts) */
  constructor(
    private readonly publishedWaitMs: number,
    private readonly readBackWaitMs = READ_BACK_WAIT_MS,
  ) {}

  /** Queues `deliver`; the caller tells the entry's fate through the answer. */
  add(deliver: () => void): { taken(offset: unknown): void; givenUp(): void } {
    const w: Waiting = { deliver, since: Date.now(), offset: undefined, takenAt: undefined, givenUp: false };
    this.waiting.push(w);
    this.arm();
    return {
      taken: (offset) => {
        w.offset = parseOffset(offset);
        w.takenAt = Date.now();
        // An offset it cannot read (none): nothing to wait for.
        if (!w.offset) w.givenUp = true;
        this.flush();
      },
      givenUp: () => {
        w.givenUp = true;
        this.flush();
      },
    };
  }

  /** This node's reader has passed `offset` (every entry of the namespace, its own included). */
  read(offset: unknown): void {
    const o = parseOffset(offset);
    if (!o) return;
    if (!this.readTo || compare(o, this.readTo) > 0) this.readTo = o;
    this.flush();
  }

  get size(): number {
    return this.waiting.length;
  }

  /** Delivers, in order, the events at the head whose turn has come. */
  private flush(now = Date.now()): void {
    while (this.waiting.length > 0 && this.due(this.waiting[0]!, now)) this.waiting.shift()!.deliver();
    this.arm();
  }

  private due(w: Waiting, now: number): boolean {
    if (w.givenUp) return true;
    if (w.offset) return (this.readTo !== undefined && compare(this.readTo, w.offset) >= 0) || now - w.takenAt! >= this.readBackWaitMs;
    return now - w.since >= this.publishedWaitMs;
  }

  /** One timer, for the head's bound. */
  private arm(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    const head = this.waiting[0];
    if (!head) return;
    const at = head.offset ? head.takenAt! + this.readBackWaitMs : head.since + this.publishedWaitMs;
    this.timer = setTimeout(
      // Looks once more after the I/O that is ready: a process that was busy past the bound runs
      // its timers before reading the answers waiting on its sockets (the entry's, the reader's).
      () => setImmediate(() => this.flush()),
      Math.max(0, at - Date.now()),
    );
    this.timer.unref();
  }
}

/** How long it waits for this node's reader once Redis has taken it (ms). */
const READ_BACK_WAIT_MS = 1000;

interface Waiting {
  deliver: () => void;
  since: number;
  offset: Offset | undefined;
  takenAt: number | undefined;
  givenUp: boolean;
}

/** A stream entry's id, "<ms>-<seq>". */
type Offset = readonly [number, number];

function parseOffset(v: unknown): Offset | undefined {
  if (typeof v !== "string") return undefined;
  const m = /^(\d+)-(\d+)$/.exec(v);
  return m ? [Number(m[1]), Number(m[2])] : undefined;
}

function compare(x: Offset, y: Offset): number {
  return x[0] - y[0] || x[1] - y[1];
}
