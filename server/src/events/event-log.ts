import type { EntityManager, Repository, DataSource } from "typeorm";
import type { ChatEvent, EventPayloads, EventType, Message, SyncResponse } from "@parley/sdk/protocol";
import { AppEntity } from "../tenancy/app.entity.js";
import { iso } from "../shared/time.js";
import type { Transactor } from "../db/transaction.js";
import { EventEntity } from "./event.entity.js";

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
    await m.createQueryBuilder().update(AppEntity).set({ lastSeq: () => `lastSeq + ${items.length}` }).where("id = :appId", { appId }).execute();
    const row = await m.createQueryBuilder(AppEntity, "a").select("a.lastSeq", "lastSeq").where("a.id = :appId", { appId }).getRawOne<{ lastSeq: string | number }>();
    const last = Number(row?.lastSeq);
    const now = Date.now();
    const first = last - items.length + 1;
    const rows = items.map((e, i) => ({
      appId,
      seq: first + i,
      conversationId: e.conversationId,
      userId: e.userId ?? null,
      messageId: messageIdOf(e),
      type: e.type,
      data: JSON.stringify(e.data),
      createdAt: now,
    }));
    await m.insert(EventEntity, rows);
    return rows.map((r, i) => ({ seq: r.seq, type: items[i]!.type, conversationId: r.conversationId, userId: r.userId, at: iso(now), data: items[i]!.data }) as ChatEvent);
  }

  /**
   * After an edit or delete, the earlier `message.new` / `message.updated` events of that
   * message are rewritten to its current state, so `/sync` never hands out old or deleted text.
   */
  async rewriteMessage(m: EntityManager, appId: string, message: Message): Promise<void> {
    await m
      .createQueryBuilder()
      .update(EventEntity)
      .set({ data: JSON.stringify({ message }) })
      .where("appId = :appId AND messageId = :id AND type IN ('message.new', 'message.updated')", { appId, id: Number(message.id) })
      .execute();
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
      events: page.map((r) => ({ seq: r.seq, type: r.type, conversationId: r.conversationId, userId: r.userId, at: iso(r.createdAt), data: JSON.parse(r.data) }) as ChatEvent),
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

function messageIdOf(e: NewEvent): number | null {
  const d = e.data as { message?: { id?: string }; messageId?: string };
  const id = d.message?.id ?? d.messageId;
  return id === undefined ? null : Number(id);
}
