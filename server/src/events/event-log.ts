import type { EntityManager, Repository, DataSource } from "typeorm";
import { deferWrite } from "../db/pipeline.js";
import type { ChatEvent, Conversation, EventType, Message, SyncResponse } from "@parley/sdk/protocol";
import { holdSeqs, reserveSeqs } from "../tenancy/sequence.js";
import { iso } from "../shared/time.js";
import { EventEntity } from "./event.entity.js";
import { dialectOf, marks, replaceColumn, rowMarks } from "../db/sql.js";
import type { EventAppender, NewEvent } from "../db/unit-of-work.js";
import { type Caller, userOf } from "../shared/caller.js";
import { chunks } from "../shared/chunks.js";
import { AppError } from "../shared/errors.js";
import type { SyncQuery } from "./sync.schema.js";

/** What a unit of work emits (declared by db/unit-of-work.ts, which db/ keeps free of domains); appended here. */
export type { NewEvent };

/**
 * The append-only event log behind `GET /v1/sync`. Appends happen inside a unit of work's
 * transaction (db/unit-of-work.ts, the only caller of `append`), which publishes them after commit.
 */
export class EventLog implements EventAppender {
  private readonly repo: Repository<EventEntity>;
  /** Seqs a unit took ahead of its append (reserveAhead), by unit and app. */
  private readonly ahead = new WeakMap<EntityManager, Map<string, { n: number; last: Promise<number> }>>();

  constructor(db: DataSource) {
    this.repo = db.getRepository(EventEntity);
  }

  /**
   * Appends events with the next seqs of the app. Bumping the app's counter row locks it until
   * commit, so seqs are handed out in commit order: a client that saw seq N has seen all < N.
   */
  async append(m: EntityManager, appId: string, items: NewEvent[]): Promise<ChatEvent[]> {
    if (items.length === 0) return [];
    const ahead = this.ahead.get(m)?.get(appId);
    if (ahead) {
      this.ahead.get(m)!.delete(appId);
      if (ahead.n !== items.length) throw new Error(`${ahead.n} seqs of ${appId} taken ahead for ${items.length} events`);
    }
    // Raw SQL: this runs in every write, and the query builder cost more than the statements.
    const last = ahead ? await ahead.last : await reserveSeqs(m, appId, items.length);
    if (!Number.isSafeInteger(last)) throw new Error(`no app ${appId} to append events to`);
    const now = Date.now();
    const first = last - items.length + 1;
    const events = items.map(
      (e, i) => ({ seq: first + i, type: e.type, conversationId: e.conversationId, userId: e.userId ?? null, at: iso(now), data: e.data }) as ChatEvent,
    );
    await deferWrite(
      m,
      `INSERT INTO events (appId, seq, conversationId, userId, messageId, type, data, createdAt) VALUES ${rowMarks(items.length, 8)}`,
      events.flatMap((e, i) => [appId, e.seq, e.conversationId, e.userId, messageIdOf(items[i]!), e.type, JSON.stringify(e.data), now]),
    );
    return events;
  }

  /**
   * Takes the app's next `n` seqs now, for the `n` events this unit will append for it (a send batch
   * of plain messages: one `message.new` each). On MySQL the statement then rides in the round trip
   * of the batch's INSERT instead of taking one of its own. The lock order stays: the app's row
   * after the messages, the conversations and the read marks, before the event rows.
   */
  reserveAhead(m: EntityManager, appId: string, n: number): Promise<void> {
    let byApp = this.ahead.get(m);
    if (!byApp) this.ahead.set(m, (byApp = new Map()));
    if (byApp.has(appId)) throw new Error(`seqs of ${appId} already taken ahead in this unit`);
    const last = reserveSeqs(m, appId, n);
    byApp.set(appId, { n, last });
    return last.then(() => undefined);
  }

  assertAllAppended(m: EntityManager): void {
    const left = [...(this.ahead.get(m)?.keys() ?? [])];
    if (left.length > 0) throw new Error(`seqs taken ahead and no events appended for ${left.join(", ")}`);
  }

  /**
   * Takes the apps' seq counters now, before the caller inserts rows whose ids must follow seq
   * order (a send batch with other transactions in flight): see tenancy/sequence.ts holdSeqs.
   */
  holdSeqs(m: EntityManager, appIds: readonly string[]): Promise<void> {
    return holdSeqs(m, appIds);
  }

  /**
   * After an edit or delete, the earlier events that carry that message are rewritten to its
   * current state, so `/sync` never hands out old or deleted text: its `message.new` /
   * `message.updated` events, and the `conversation.*` events whose last-message preview it was
   * (those are indexed by it too, see `messageIdOf`).
   */
  async rewriteMessage(m: EntityManager, appId: string, message: Message): Promise<void> {
    const id = Number(message.id);
    await m
      .createQueryBuilder()
      .update(EventEntity)
      .set({ data: JSON.stringify({ message }) })
      .where("appId = :appId AND messageId = :id AND type IN ('message.new', 'message.updated')", { appId, id })
      .execute();
    const previews = await m
      .getRepository(EventEntity)
      .createQueryBuilder("e")
      .select(["e.appId", "e.seq", "e.data"])
      .where("e.appId = :appId AND e.messageId = :id AND e.type IN ('conversation.created', 'conversation.updated')", { appId, id })
      .getMany();
    for (const e of previews) {
      const data = JSON.parse(e.data) as { conversation: Conversation };
      if (data.conversation.lastMessage?.id !== message.id) continue;
      data.conversation.lastMessage = message;
      await m.update(EventEntity, { appId, seq: e.seq }, { data: JSON.stringify(data) });
    }
  }

  /**
   * Rewrites stored copies (data erasure, issue 17): among the app's events of these messages,
   * users or conversations (`scope.column`, each an indexed read; `types` narrows the rows), those
   * whose data `fn` changes get its answer. Batched: one read per 200 keys, one UPDATE per 100
   * changed rows. Answers the seqs rewritten.
   */
  async rewriteData(
    m: EntityManager,
    appId: string,
    scope: { column: "messageId" | "userId" | "conversationId"; values: readonly (string | number)[]; types?: readonly string[] },
    fn: (data: string) => string | null,
  ): Promise<number[]> {
    const done: number[] = [];
    const types = scope.types ?? [];
    for (const chunk of chunks(scope.values, 200)) {
      const rows: { seq: string | number; data: string }[] = await m.query(
        `SELECT seq, data FROM events WHERE appId = ? AND ${scope.column} IN (${marks(chunk.length)})${types.length ? ` AND type IN (${marks(types.length)})` : ""}`,
        [appId, ...chunk, ...types],
      );
      const changed: { seq: number; data: string }[] = [];
      for (const r of rows) {
        const data = fn(String(r.data));
        if (data !== null) changed.push({ seq: Number(r.seq), data });
      }
      await replaceColumn(
        m,
        "events",
        "data",
        "seq",
        changed.map((c) => ({ key: c.seq, value: c.data })),
        appId,
      );
      done.push(...changed.map((c) => c.seq));
    }
    return done;
  }

  /**
   * Rewrites (as `rewriteData`) the app's events of `type` appended between `from` and `to`
   * (epoch ms): for an app-level event (no conversation, no user on the row, e.g. `user.created`)
   * whose time is known. The seq range is found by binary search along the primary key (createdAt
   * follows seq, up to the clock skew between nodes, which the caller's window covers): a few dozen
   * key lookups, then one range read of the events of that window.
   */
  async rewriteAppEvents(m: EntityManager, appId: string, type: EventType, from: number, to: number, fn: (data: string) => string | null): Promise<number[]> {
    const bounds: { lastSeq: string | number; prunedSeq: string | number }[] = await m.query("SELECT lastSeq, prunedSeq FROM apps WHERE id = ?", [appId]);
    const lo = Number(bounds[0]?.prunedSeq ?? 0) + 1;
    const hi = Number(bounds[0]?.lastSeq ?? 0);
    if (hi < lo) return [];
    /** The first seq in [lo, hi + 1] whose event was appended at `t` or later. */
    const firstAt = async (t: number): Promise<number> => {
      let a = lo;
      let b = hi + 1;
      while (a < b) {
        const mid = Math.floor((a + b) / 2);
        const row: { createdAt: string | number }[] = await m.query("SELECT createdAt FROM events WHERE appId = ? AND seq >= ? ORDER BY seq LIMIT 1", [
          appId,
          mid,
        ]);
        if (row[0] === undefined || Number(row[0].createdAt) >= t) b = mid;
        else a = mid + 1;
      }
      return a;
    };
    const start = await firstAt(from);
    const end = (await firstAt(to + 1)) - 1;
    if (end < start) return [];
    const rows: { seq: string | number; data: string }[] = await m.query(
      "SELECT seq, data FROM events WHERE appId = ? AND seq >= ? AND seq <= ? AND type = ?",
      [appId, start, end, type],
    );
    const changed = rows.flatMap((r) => {
      const data = fn(String(r.data));
      return data === null ? [] : [{ key: Number(r.seq), value: data }];
    });
    await replaceColumn(m, "events", "data", "seq", changed, appId);
    return changed.map((c) => c.key);
  }

  /** The `message.new` events of these messages (to send a retried send's event again), per app. */
  async messageEvents(appIds: string[], messageIds: number[]): Promise<[string, ChatEvent[]][]> {
    if (appIds.length === 0 || messageIds.length === 0) return [];
    const rows = await this.repo
      .createQueryBuilder("e")
      .where("e.appId IN (:...appIds) AND e.messageId IN (:...messageIds) AND e.type = 'message.new'", { appIds, messageIds })
      .orderBy("e.seq", "ASC")
      .getMany();
    return appIds.map((appId) => [appId, rows.filter((r) => r.appId === appId).map(toEvent)]);
  }

  /**
   * The app's newest seq written before `at` (ms), 0 if none: where a replay of what may have been
   * lost since `at` starts (realtime/replay.ts). Walks the app's key backwards from its newest
   * event, so it reads only the events written since `at`.
   */
  async seqBefore(appId: string, at: number): Promise<number> {
    const rows: { seq: string | number }[] = await this.repo.manager.query(
      "SELECT seq FROM events WHERE appId = ? AND createdAt < ? ORDER BY seq DESC LIMIT 1",
      [appId, at],
    );
    return Number(rows[0]?.seq ?? 0);
  }

  /** The caller's app's newest seq. */
  async head(caller: Caller): Promise<number> {
    return (await this.bounds(caller.appId)).lastSeq;
  }

  /**
   * Events after `since` that `userId` may see: those of conversations they are a member of now,
   * and those about them, in seq order. Reads what concerns the caller only, whatever the size of
   * the app's log (see `seqsFor`). 410 `sync_expired` when the retention job already pruned past
   * `since`.
   *
   * The app's head is read first and bounds the answer: seqs are handed out under the app row's
   * lock in commit order, so every event up to a committed head is committed and visible. When
   * nothing up to the head concerns the caller, `lastSeq` is the head: a quiet user's cursor moves
   * on instead of paying for the same stretch of other people's events at every call.
   */
  async since(caller: Caller, q: SyncQuery): Promise<SyncResponse> {
    const { appId } = caller;
    const userId = userOf(caller);
    const { since, limit } = q;
    // The head, the floor and the caller's conversations in one round trip.
    const start: { lastSeq: string | number; prunedSeq: string | number; conversationId: string | null }[] = await this.repo.manager.query(
      "SELECT a.lastSeq, a.prunedSeq, m.conversationId FROM apps a LEFT JOIN members m ON m.appId = a.id AND m.userId = ? WHERE a.id = ?",
      [userId, appId],
    );
    const head = { lastSeq: Number(start[0]?.lastSeq ?? 0), prunedSeq: Number(start[0]?.prunedSeq ?? 0) };
    if (since < head.prunedSeq) throw syncExpired(head.prunedSeq);
    if (since >= head.lastSeq) return { events: [], lastSeq: since, hasMore: false };
    const conversations = start.flatMap((r) => (r.conversationId === null ? [] : [r.conversationId]));
    const seqs = await this.seqsFor(appId, userId, conversations, since, head.lastSeq, limit + 1);
    const page = seqs.slice(0, limit);
    // Plain SQL, as every read of a catch-up: in a reconnect storm, building these statements
    // through the query builder was a tenth of the server's time (issue 34).
    const rows: EventRow[] = page.length
      ? await this.repo.manager.query(`SELECT ${EVENT_COLUMNS} FROM events WHERE appId = ? AND seq IN (${marks(page.length)}) ORDER BY seq`, [appId, ...page])
      : [];
    // The pruner raises the floor in the transaction that deletes: re-read, so a prune that ran
    // between the reads above is a 410, never a silent gap.
    const after = await this.bounds(appId);
    if (since < after.prunedSeq) throw syncExpired(after.prunedSeq);
    const hasMore = seqs.length > limit;
    return {
      events: rows.map(toEvent),
      lastSeq: page.length ? page[page.length - 1]! : head.lastSeq,
      hasMore,
    };
  }

  /** The app's head and retention floor, one primary-key read. */
  private async bounds(appId: string): Promise<{ lastSeq: number; prunedSeq: number }> {
    const rows: { lastSeq: string | number; prunedSeq: string | number }[] = await this.repo.manager.query("SELECT lastSeq, prunedSeq FROM apps WHERE id = ?", [
      appId,
    ]);
    return { lastSeq: Number(rows[0]?.lastSeq ?? 0), prunedSeq: Number(rows[0]?.prunedSeq ?? 0) };
  }

  /**
   * The first `take` seqs in (since, upTo] that concern `userId` (a member of conversations `ids`),
   * ascending and distinct. One index range per conversation (ix_events_conversation) and one for
   * events about the user (ix_events_user), each stopped after `take` entries, merged here: the
   * cost follows the caller's conversations and their own events, never the app's log. Indexes
   * are pinned so the plan never depends on statistics. Conversations go CONVERSATION_CHUNK to a
   * statement (SQLite caps a compound SELECT at 500 terms).
   */
  private async seqsFor(appId: string, userId: string, ids: string[], since: number, upTo: number, take: number): Promise<number[]> {
    const db = this.repo.manager;
    const mysql = dialectOf(db) === "mysql";
    const branch = (index: string, column: string): string =>
      mysql
        ? `(SELECT seq FROM events FORCE INDEX (${index}) WHERE appId = ? AND ${column} = ? AND seq > ? AND seq <= ? ORDER BY seq LIMIT ?)`
        : `SELECT seq FROM (SELECT seq FROM events INDEXED BY ${index} WHERE appId = ? AND ${column} = ? AND seq > ? AND seq <= ? ORDER BY seq LIMIT ?)`;
    const found = new Set<number>();
    for (let i = 0; i === 0 || i < ids.length; i += CONVERSATION_CHUNK) {
      const chunk = ids.slice(i, i + CONVERSATION_CHUNK);
      const parts = chunk.map(() => branch("ix_events_conversation", "conversationId"));
      const params = chunk.flatMap((id) => [appId, id, since, upTo, take]);
      if (i === 0) {
        parts.push(branch("ix_events_user", "userId"));
        params.push(appId, userId, since, upTo, take);
      }
      const rows: { seq: string | number }[] = await db.query(parts.join(" UNION ALL "), params);
      for (const r of rows) found.add(Number(r.seq));
    }
    return [...found].sort((a, b) => a - b).slice(0, take);
  }
}

/** Conversations per statement in `seqsFor`. */
const CONVERSATION_CHUNK = 100;

function syncExpired(prunedSeq: number): AppError {
  return new AppError(
    "sync_expired",
    "This sync cursor is older than the events the server keeps: reload the conversations (and GET /sync/head for a new cursor)",
    { prunedSeq },
  );
}

/** The columns of an event as a client gets it. */
const EVENT_COLUMNS = "seq, type, conversationId, userId, data, createdAt";

/** An events row read with plain SQL: MySQL answers its bigints as strings. */
interface EventRow {
  seq: number | string;
  type: string;
  conversationId: string | null;
  userId: string | null;
  data: string;
  createdAt: number | string;
}

function toEvent(r: EventRow): ChatEvent {
  return {
    seq: Number(r.seq),
    type: r.type,
    conversationId: r.conversationId,
    userId: r.userId,
    at: iso(Number(r.createdAt)),
    data: JSON.parse(r.data),
  } as ChatEvent;
}

/** The message an event carries, as text (a message event) or as a conversation's last-message preview. */
function messageIdOf(e: NewEvent): number | null {
  const d = e.data as { message?: { id?: string }; messageId?: string; conversation?: { lastMessage?: { id?: string } | null } };
  const id = d.message?.id ?? d.messageId ?? d.conversation?.lastMessage?.id;
  return id === undefined ? null : Number(id);
}
