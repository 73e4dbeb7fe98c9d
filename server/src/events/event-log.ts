import type { EntityManager, Repository, DataSource } from "typeorm";
import type { ChatEvent, Conversation, EventPayloads, EventType, Message, SyncResponse } from "@parley/sdk/protocol";
import { AppEntity } from "../tenancy/app.entity.js";
import { iso } from "../shared/time.js";
import type { Transactor } from "../db/transaction.js";
import { EventEntity } from "./event.entity.js";
import { dialectOf, rowMarks } from "../db/sql.js";

/** An event to append: about a conversation (its members see it) and/or one user. */
export interface NewEvent<K extends EventType = EventType> {
  type: K;
  data: EventPayloads[K];
  conversationId: string | null;
  /** The user it is about, for events a non-member must see (added, removed, contacts). */
  userId?: string | null;
}

/** What the realtime layer does with committed events. */
export interface Broadcaster {
  publish(appId: string, events: ChatEvent[]): void;
}

/**
 * The append-only event log behind `GET /v1/sync`. Appends happen inside the writer's
 * transaction; the events are broadcast only after it commits.
 */
export class EventLog {
  private broadcaster: Broadcaster = { publish: () => {} };
  private readonly repo: Repository<EventEntity>;

  constructor(db: DataSource) {
    this.repo = db.getRepository(EventEntity);
  }

  /** The realtime layer plugs itself in once it is attached. */
  setBroadcaster(b: Broadcaster): void {
    this.broadcaster = b;
  }

  /**
   * Appends events with the next seqs of the app. Bumping the app's counter row locks it until
   * commit, so seqs are handed out in commit order: a client that saw seq N has seen all < N.
   */
  async append(m: EntityManager, appId: string, items: NewEvent[]): Promise<ChatEvent[]> {
    if (items.length === 0) return [];
    // Raw SQL: this runs in every write, and the query builder cost more than the statements.
    const last = await this.bumpSeq(m, appId, items.length);
    if (!Number.isSafeInteger(last)) throw new Error(`no app ${appId} to append events to`);
    const now = Date.now();
    const first = last - items.length + 1;
    const events = items.map((e, i) => ({ seq: first + i, type: e.type, conversationId: e.conversationId, userId: e.userId ?? null, at: iso(now), data: e.data }) as ChatEvent);
    await m.query(
      `INSERT INTO events (appId, seq, conversationId, userId, messageId, type, data, createdAt) VALUES ${rowMarks(items.length, 8)}`,
      events.flatMap((e, i) => [appId, e.seq, e.conversationId, e.userId, messageIdOf(items[i]!), e.type, JSON.stringify(e.data), now]),
    );
    return events;
  }

  /**
   * Adds `n` to the app's seq counter and returns the new value, in one statement: MySQL hands
   * the value back through LAST_INSERT_ID(expr), SQLite through RETURNING.
   */
  private async bumpSeq(m: EntityManager, appId: string, n: number): Promise<number> {
    if (dialectOf(m) === "mysql") {
      const res: { insertId?: number | string; affectedRows?: number } = await m.query("UPDATE apps SET lastSeq = LAST_INSERT_ID(lastSeq + ?) WHERE id = ?", [n, appId]);
      return res.affectedRows === 1 ? Number(res.insertId) : NaN;
    }
    const rows: { lastSeq: number | string }[] = await m.query("UPDATE apps SET lastSeq = lastSeq + ? WHERE id = ? RETURNING lastSeq", [n, appId]);
    return Number(rows[0]?.lastSeq);
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

  /** The app's newest seq. */
  async head(appId: string): Promise<number> {
    const row = await this.repo.manager.createQueryBuilder(AppEntity, "a").select("a.lastSeq", "lastSeq").where("a.id = :appId", { appId }).getRawOne<{ lastSeq: string | number }>();
    return Number(row?.lastSeq ?? 0);
  }

  /** Hands committed events to the realtime layer. */
  publish(appId: string, events: ChatEvent[]): void {
    if (events.length > 0) this.broadcaster.publish(appId, events);
  }

  /**
   * Events after `since` that `userId` may see: those of conversations they are a member of now,
   * and those about them. One indexed query whatever the number of conversations.
   */
  async since(appId: string, userId: string, since: number, limit: number): Promise<SyncResponse> {
    const rows = await this.repo
      .createQueryBuilder("e")
      .where("e.appId = :appId AND e.seq > :since", { appId, since })
      .andWhere(
        "(e.userId = :userId OR e.conversationId IN (SELECT m.conversationId FROM members m WHERE m.appId = :appId AND m.userId = :userId))",
        { userId },
      )
      .orderBy("e.seq", "ASC")
      .take(limit + 1)
      .getMany();
    const page = rows.slice(0, limit);
    return {
      events: page.map(toEvent),
      lastSeq: page.length ? page[page.length - 1]!.seq : since,
      hasMore: rows.length > limit,
    };
  }
}

/**
 * The write pattern of every domain service: run `fn` in a write transaction, append the events
 * it returns in that same transaction, and publish them only after the commit.
 */
export async function writeWithEvents<T>(
  deps: { tx: Transactor; events: EventLog },
  appId: string,
  fn: (m: EntityManager) => Promise<{ result: T; events: NewEvent[] }>,
): Promise<T> {
  const { result, events } = await deps.tx.run(async (m) => {
    const out = await fn(m);
    return { result: out.result, events: await deps.events.append(m, appId, out.events) };
  });
  deps.events.publish(appId, events);
  return result;
}

function toEvent(r: EventEntity): ChatEvent {
  return { seq: r.seq, type: r.type, conversationId: r.conversationId, userId: r.userId, at: iso(r.createdAt), data: JSON.parse(r.data) } as ChatEvent;
}

/** The message an event carries, as text (a message event) or as a conversation's last-message preview. */
function messageIdOf(e: NewEvent): number | null {
  const d = e.data as { message?: { id?: string }; messageId?: string; conversation?: { lastMessage?: { id?: string } | null } };
  const id = d.message?.id ?? d.messageId ?? d.conversation?.lastMessage?.id;
  return id === undefined ? null : Number(id);
}
