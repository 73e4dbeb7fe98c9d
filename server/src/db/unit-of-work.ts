import type { DataSource, EntityManager } from "typeorm";
import type { ChatEvent, EventPayloads, EventType } from "@parley/sdk/protocol";
import { Transactor, type WriteFailure } from "./transaction.js";

/** An event to append: about a conversation (its members see it) and/or one user. */
export interface NewEvent<K extends EventType = EventType> {
  type: K;
  data: EventPayloads[K];
  conversationId: string | null;
  /** The user it is about, for events a non-member must see (added, removed, contacts). */
  userId?: string | null;
}

/**
 * Where a unit's events are appended, in its transaction: the event log (events/event-log.ts),
 * handed in by whoever builds the unit of work, so db/ imports no domain (test/shape.test.ts).
 */
export interface EventAppender {
  append(m: EntityManager, appId: string, items: NewEvent[]): Promise<ChatEvent[]>;
  /** Throws when the unit took seqs ahead that it did not append events for (a gap in the app's seqs). */
  assertAllAppended(m: EntityManager): void;
}

/** Where committed events go live: the realtime layer plugs itself in once it is attached. */
export interface Publisher {
  publish(appId: string, events: ChatEvent[]): void;
  /**
   * With other nodes (Redis): resolves once what was published so far has reached them (or the
   * publisher's own bound has passed). A unit that orders itself across nodes (`commit`'s
   * `orderKeys`) holds its keys until then.
   */
  published?(): Promise<void>;
}

/** How long a unit's `orderKeys` stay taken when its caller never runs the after-commit step (ms). */
const UNPUBLISHED_HOLD_MS = 2000;

/**
 * Called with each app's events right after they are appended, inside the same transaction: what
 * it writes (a webhook delivery outbox) commits or rolls back with them, so a restart loses none.
 */
export type AppendHook = (m: EntityManager, appId: string, events: ChatEvent[]) => Promise<void>;

/**
 * Called with each app's events once their unit has committed, after they are published (never for
 * a replay of events committed earlier): work that must neither delay nor fail the write, so it
 * only takes note and goes on later by itself (web push). Errors it throws are dropped.
 */
export type CommitHook = (appId: string, events: ChatEvent[]) => void;

/** What a writer gets inside the unit: the transaction's manager, and where to record its events. */
export interface Work {
  readonly m: EntityManager;
  /** Records events of `appId`, appended at the end of this transaction (per app, in emit order). */
  emit(appId: string, events: NewEvent[]): void;
}

/** A committed unit whose after-commit step (publishing) the caller runs when its order says. */
export interface Committed<T> {
  result: T;
  /** The events the unit appended (with their seqs), per app, as they will be published. */
  appended: readonly [string, ChatEvent[]][];
  afterCommit(): void;
}

/**
 * The one write path. A unit runs its statements in one transaction (see Transactor: a few
 * writers at once on MySQL, one on SQLite), appends the events it emitted to the event log in
 * that transaction (seqs handed out under the app row's lock, so in commit order) with whatever
 * the append hooks add (webhook deliveries, to come), and only after the commit publishes them. Nothing else in the
 * server opens a transaction, writes, appends events or publishes them (test/shape.test.ts checks).
 */
export class UnitOfWork {
  private readonly tx: Transactor;
  private publisher: Publisher = { publish: () => {} };
  private readonly hooks: AppendHook[] = [];
  private readonly commitHooks: CommitHook[] = [];

  /** @param writers transactions run at once on MySQL (DATABASE_WRITERS; SQLite: 1) */
  constructor(
    db: DataSource,
    private readonly log: EventAppender,
    writers = 1,
  ) {
    this.tx = new Transactor(db, writers);
  }

  /** Transactions this unit of work runs at once (1 on SQLite). */
  get writers(): number {
    return this.tx.writers;
  }

  /** Set while the last write failed for a database reason and none has committed since (health). */
  get writesFailing(): WriteFailure | undefined {
    return this.tx.writesFailing;
  }

  setPublisher(p: Publisher): void {
    this.publisher = p;
  }

  /** A step to run in every unit that appends events, after the append (webhook queueing). */
  onAppend(hook: AppendHook): void {
    this.hooks.push(hook);
  }

  /** A step to run after every unit that appended events has committed (see CommitHook). */
  onCommit(hook: CommitHook): void {
    this.commitHooks.push(hook);
  }

  /** Runs `fn` as one unit and publishes its events once it has committed. */
  async run<T>(fn: (w: Work) => Promise<T>): Promise<T> {
    const done = await this.commit(fn);
    done.afterCommit();
    return done.result;
  }

  /**
   * The common shape of a domain write: `fn` answers its result and the events of one app.
   * Runs as one unit; the events are published after the commit.
   */
  write<T>(appId: string, fn: (m: EntityManager) => Promise<{ result: T; events: NewEvent[] }>): Promise<T> {
    return this.run(async ({ m, emit }) => {
      const out = await fn(m);
      emit(appId, out.events);
      return out.result;
    });
  }

  /**
   * Runs `fn` as one unit and answers once it has committed, leaving the after-commit step to the
   * caller: the send batcher publishes batches in commit order while the next one is written.
   */
  async commit<T>(fn: (w: Work) => Promise<T>, opts: { orderKeys?: readonly string[] } = {}): Promise<Committed<T>> {
    // With other nodes, the keys (a send batch's conversations) stay taken until this unit's events
    // have reached Redis: the next unit of one of them, on any node, then publishes after this one.
    const published = this.publisher.published?.bind(this.publisher);
    const keys = published ? (opts.orderKeys ?? []) : [];
    const held = await this.tx.runHolding(keys, async (m) => {
      const emitted = new Map<string, NewEvent[]>();
      const result = await fn({
        m,
        emit: (appId, events) => {
          if (events.length === 0) return;
          const list = emitted.get(appId);
          if (list) list.push(...events);
          else emitted.set(appId, [...events]);
        },
      });
      const appended: [string, ChatEvent[]][] = [];
      for (const [appId, list] of emitted) {
        const events = await this.log.append(m, appId, list);
        for (const hook of this.hooks) await hook(m, appId, events);
        appended.push([appId, events]);
      }
      this.log.assertAllAppended(m);
      return { result, appended };
    });
    const { result, appended } = held.out;
    const publish = this.replay(appended);
    // Let go once, and at the latest after a while: a caller that fails between the commit and
    // its after-commit step must not keep the keys (and a connection) for good.
    let released = false;
    const release = (): void => {
      if (released) return;
      released = true;
      clearTimeout(fallback);
      void held.release();
    };
    const fallback = keys.length > 0 ? setTimeout(release, UNPUBLISHED_HOLD_MS).unref() : undefined;
    return {
      result,
      appended,
      afterCommit: () => {
        publish();
        // Bounded by the publisher (scale/local-first.ts: a while when Redis does not answer, longer
        // when a publish failed over and is retried): not by the fallback, which is for a caller
        // that never gets here.
        clearTimeout(fallback);
        if (keys.length > 0 && published) void published().then(release, release);
        else release();
        for (const [appId, events] of appended)
          for (const hook of this.commitHooks)
            try {
              hook(appId, events);
            } catch {
              // a commit hook's failure is its own (it logs); the write stands
            }
      },
    };
  }

  /**
   * The after-commit step that publishes committed events: a unit's own, or ones committed earlier
   * (a retried send's original `message.new`, sent again because its first answer may have been
   * lost; clients drop what they have, by seq).
   */
  replay(committed: [string, ChatEvent[]][]): () => void {
    return () => {
      for (const [appId, events] of committed) if (events.length > 0) this.publisher.publish(appId, events);
    };
  }
}
