import { In, type DataSource, type EntityManager, type Repository } from "typeorm";
import type { ChatEvent, EventOf, Message } from "@parley/sdk/protocol";
import type { ConversationsService } from "../conversations/conversations.service.js";
import type { MembershipGuard } from "../conversations/membership.js";
import { isUniqueViolation } from "../db/db-errors.js";
import { consecutiveInsertIds, dialectOf, insertedIds, rowMarks, type Dialect } from "../db/sql.js";
import type { UnitOfWork } from "../db/unit-of-work.js";
import type { EventLog, NewEvent } from "../events/event-log.js";
import { heldBy } from "../events/origin.js";
import { AppError, notFound } from "../shared/errors.js";
import { invalidField } from "../shared/validate.js";
import type { SendCheckKey, SendFacts } from "../moderation/gate.js";
import type { UploadEntity } from "../uploads/upload.entity.js";
import type { UploadsService } from "../uploads/uploads.service.js";
import { recordThreadsAndMentions, type StoredSend } from "../threads/thread-writes.js";
import { MessageEntity, SYSTEM_SENDER } from "./message.entity.js";
import { presentMessage, type MessagePresenter } from "./messages.presenter.js";
import type { Batchable, ItemOutcome, Written } from "./send-batcher.js";
import { key, readClientIds, readMembers, readMentioned, readReplyTargets, readSystemConversations, unique } from "./send-reads.js";

/** What the send writer is built from. */
export interface SendWriterDeps {
  db: DataSource;
  /** Owner of the conversations table (the last message moves with each send). */
  conversations: ConversationsService;
  /** Owner of the members table (a sender has read what they sent). */
  membership: MembershipGuard;
  uow: UnitOfWork;
  events: EventLog;
  presenter: MessagePresenter;
  uploads: UploadsService;
  /** Moderation's participant (moderation/gate.ts): mutes and slow mode of members' sends, in the batch. */
  gate?: SendModeration | undefined;
}

/** What moderation checks of a batch's moderated sends, in its unit: null or the refusal, per send in order. */
export interface SendModeration {
  /** The facts checkSends decides on, read beside the batch's other checks. */
  readSends(m: EntityManager, sends: readonly SendCheckKey[]): Promise<SendFacts>;
  checkSends(m: EntityManager, sends: readonly SendCheckKey[], read?: SendFacts): Promise<(AppError | null)[]>;
}

/** One validated send, as the batcher queues it. */
export interface SendItem extends Batchable {
  appId: string;
  senderId: string;
  conversationId: string;
  text: string;
  attachmentIds: string[];
  replyToId: number | null;
  /** A thread reply: the root's id (a live timeline message of the same conversation). */
  threadId: number | null;
  /** Mentioned user ids: members of the conversation, checked with the batch. */
  mentions: string[];
  clientMessageId: string | null;
  /** A member's own send, or the host's send as a member without bypass: mutes and slow mode apply. */
  moderated?: boolean | undefined;
  /** Custom data as JSON text (server API sends), or null. */
  data?: string | null;
  /** Written in the batch's unit once the message is inserted (a moderation bypass's audit entry); not for a retry. */
  audit?: ((m: EntityManager, messageId: number) => Promise<void>) | undefined;
  /** Written in the batch's unit once the message is inserted, by another domain (a poll): what it adds to the message. */
  attach?: AttachOnSend | undefined;
  /** The socket that asked for its own `message.new` in the ack instead of as a frame (SocketAuth.ownEcho). */
  originSocket?: string | undefined;
}

/** Another domain's part of a send (polls/): its rows for the new message, and what the message shows of them. */
export type AttachOnSend = (m: EntityManager, messageId: number) => Promise<Partial<Message>>;

export interface SendOutcome {
  message: Message;
  /** false when a clientMessageId retry found the message an earlier send stored. */
  created: boolean;
  /** The message's committed `message.new`, for an item with an originSocket (not sent to that socket). */
  event?: EventOf<"message.new">;
}

/** What the batch decided for one item before writing. */
type Plan =
  | { kind: "error"; error: AppError }
  | { kind: "stored"; id: number } // an earlier send with this clientMessageId
  | { kind: "sameAs"; index: number } // a retry of an item earlier in this batch
  | { kind: "insert" };

const invalidReply = (): AppError => invalidField("replyToId", "Not a message of this conversation");
const invalidThread = (): AppError => invalidField("threadId", "Not a message of this conversation that can have a thread");
const invalidMention = (): AppError => invalidField("mentions", "Only members of this conversation can be mentioned");
const notMember = (): AppError => notFound("Conversation");

/**
 * Writes a batch of sends in ONE transaction with a constant number of statements, whatever the
 * batch size: membership (+ the DM partner and its blocks), clientMessageId look-up, reply targets,
 * one multi-row INSERT, one UPDATE of the conversations' last message, one of the senders' read
 * marks, and one event append per app. Items that fail a check get their own error; the rest
 * are written. Ids are compared exactly in code: MySQL's unicode_ci would match `CNV_…`.
 *
 * A batch is one unit of work (db/unit-of-work.ts) committed with `commit`: the batcher runs its
 * after-commit step (publishing) itself, in commit order, while the next batch is written.
 */
export class SendWriter {
  private readonly repo: Repository<MessageEntity>;
  private readonly dialect: Dialect;
  private consecutive: Promise<boolean> | undefined;

  constructor(private readonly deps: SendWriterDeps) {
    this.repo = deps.db.getRepository(MessageEntity);
    this.dialect = dialectOf(deps.db);
  }

  /**
   * The batcher's writer; `placed` is called once the batch's messages are inserted (their ids
   * taken under its conversations' locks). A unique violation (another writer stored one of our
   * clientMessageIds first) retries items alone. (Those retries insert after batches that started
   * later may have: a message of such a race may then come after a later one. The race needs the
   * same clientMessageId on two writers at once: an SDK's retry while its first try is written.)
   */
  async write(items: SendItem[], placed?: () => void): Promise<Written<SendOutcome>> {
    try {
      return await this.writeTogether(items, placed);
    } catch (err) {
      if (!isUniqueViolation(err)) throw err;
      if (items.length > 1) {
        const outcomes: ItemOutcome<SendOutcome>[] = [];
        const published: (() => void)[] = [];
        for (const item of items) {
          const one = await this.write([item]).catch((error: unknown): Written<SendOutcome> => ({ outcomes: [{ ok: false, error }], afterCommit: () => {} }));
          outcomes.push(...one.outcomes);
          published.push(one.afterCommit);
        }
        return { outcomes, afterCommit: () => published.forEach((p) => p()) };
      }
      // Alone and still a duplicate: the transaction rolled back, the winner's row is committed.
      const item = items[0]!;
      const winner =
        item.clientMessageId === null ? null : await this.repo.findOneBy({ appId: item.appId, senderId: item.senderId, clientMessageId: item.clientMessageId });
      if (!winner) throw err;
      if (winner.conversationId !== item.conversationId) return { outcomes: [{ ok: false, error: reusedClientId() }], afterCommit: () => {} };
      const replayed = await this.deps.events.messageEvents([item.appId], [winner.id]);
      return {
        outcomes: [{ ok: true, value: { message: await this.deps.presenter.presentOne(winner, item.senderId), created: false } }],
        afterCommit: this.deps.uow.replay(replayed),
      };
    }
  }

  private async writeTogether(items: SendItem[], placed?: () => void): Promise<Written<SendOutcome>> {
    // A failed look-up (database down) is not kept: the next batch asks again.
    this.consecutive ??= consecutiveInsertIds(this.deps.db).catch((err: unknown) => {
      this.consecutive = undefined;
      throw err;
    });
    const consecutive = await this.consecutive;
    const now = Date.now();
    const committed = await this.deps.uow.commit(
      async ({ m, emit }) => {
        // First, before any read: the batch's conversations, locked until its commit. Their ids then
        // follow commit order, and with several batches in flight each of a conversation's batches
        // reads (its checks' snapshot starts after the lock) what the one before it committed.
        await this.deps.conversations.lockForNewMessages(
          m,
          items.map((item) => item.conversationId),
        );
        const plans = await this.plan(m, items);
        const fresh = plans.flatMap((p, i) => (p.kind === "insert" ? [i] : []));
        const messages = new Map<number, Message>();
        if (fresh.length === 0) return { plans, messages };

        // With other batches in flight, the apps' seq counters before the INSERT: ids and seqs then
        // rise together within an app, across conversations too, as with one writer. What overlaps
        // is the batches' locks and reads; their writes go one after the other per app.
        if (this.deps.uow.writers > 1)
          await this.deps.events.holdSeqs(
            m,
            fresh.map((i) => items[i]!.appId),
          );
        const rows = fresh.map((i) => items[i]!);
        const marks = timelineMarks(rows);
        // Plain messages on MySQL (no thread, mention, attachment or extra write): the marks and the
        // apps' seqs go in the INSERT's round trip, each id its first id plus the message's place
        // (consecutive ids). The statements and their order are the same; one round trip less.
        const together = this.dialect === "mysql" && consecutive && rows.every(isPlain);
        let ids: number[];
        if (together) {
          const inserted = this.insert(m, rows, now, consecutive);
          const marked = this.writeMarks(m, marks, now);
          const reserved = [...countByApp(rows)].map(([appId, n]) => this.deps.events.reserveAhead(m, appId, n));
          [ids] = await Promise.all([inserted, marked, ...reserved]);
        } else ids = await this.insert(m, rows, now, consecutive);
        placed?.();
        const stored: StoredSend[] = [];
        const byApp = new Map<string, NewEvent[]>();
        for (const [n, item] of rows.entries()) {
          const i = fresh[n]!;
          const id = ids[n]!;
          const files: UploadEntity[] = item.attachmentIds.length
            ? await this.deps.uploads.attach(m, item.appId, item.senderId, item.attachmentIds, id, item.conversationId)
            : [];
          if (item.audit) await item.audit(m, id);
          const attached = item.attach ? await item.attach(m, id) : {};
          const message = { ...presentMessage(rowOf(item, id, now), files, [], item.mentions), ...attached };
          messages.set(i, message);
          stored.push({
            appId: item.appId,
            conversationId: item.conversationId,
            senderId: item.senderId,
            id,
            threadId: item.threadId,
            mentions: item.mentions,
          });
          const list = byApp.get(item.appId) ?? [];
          list.push({ type: "message.new", conversationId: item.conversationId, data: { message } });
          byApp.set(item.appId, list);
        }
        if (!together) await this.writeMarks(m, marks, now, ids);
        const threadEvents = stored.some((x) => x.threadId !== null || x.mentions.length > 0)
          ? await recordThreadsAndMentions(m, stored, now)
          : new Map<string, NewEvent[]>();
        for (const [appId, list] of byApp) emit(appId, [...list, ...(threadEvents.get(appId) ?? [])]);
        for (const [appId, list] of threadEvents) if (!byApp.has(appId)) emit(appId, list);
        return { plans, messages };
      },
      // With other nodes, a conversation's batches also publish one after the other (db/unit-of-work.ts).
      { orderKeys: items.map((item) => item.conversationId) },
    );
    const { plans, messages } = committed.result;
    const held = this.holdEvents(items, plans, messages, committed.appended);

    const stored = await this.storedMessages(items, plans);
    // A retry whose first answer was lost (say, the COMMIT reply) must still reach the members
    // live: its original event goes out again. Clients drop events they already have, by seq.
    const replayed = await this.deps.events.messageEvents(unique(items.filter((_, i) => plans[i]!.kind === "stored").map((it) => it.appId)), [
      ...stored.keys(),
    ]);
    // After the commit. Live delivery runs when the batcher says (before the answers go out).
    const republish = this.deps.uow.replay(replayed);
    const afterCommit = (): void => {
      committed.afterCommit();
      republish();
    };
    const outcomes = plans.map((p, i): ItemOutcome<SendOutcome> => {
      const sameAs = p.kind === "sameAs" ? plans[p.index]! : p;
      const index = p.kind === "sameAs" ? p.index : i;
      if (sameAs.kind === "error") return { ok: false, error: sameAs.error };
      if (sameAs.kind === "stored") {
        const message = stored.get(sameAs.id);
        return message ? { ok: true, value: { message, created: false } } : { ok: false, error: notMember() };
      }
      const message = messages.get(index)!;
      const event = held.get(i);
      return { ok: true, value: { message, created: p.kind === "insert", ...(event ? { event } : {}) } };
    });
    return { outcomes, afterCommit };
  }

  /**
   * The conversations' last messages and the senders' read marks. Both statements are asked before
   * this returns (deferred: on MySQL they wait for the unit's next round trip). With the INSERT's
   * `ids`, each place becomes its id; without them (MySQL, in the INSERT's round trip), the places
   * go as offsets from the first id of the INSERT just before them.
   */
  private writeMarks(m: EntityManager, marks: TimelineMarks, now: number, ids?: readonly number[]): Promise<unknown> {
    const afterInsert = ids === undefined;
    const at = (place: number): number => (ids ? ids[place]! : place);
    const last = new Map([...marks.lastOf].map(([conversationId, place]) => [conversationId, at(place)]));
    const reads = marks.readers.map((r) => ({ conversationId: r.conversationId, userId: r.userId, id: at(r.place) }));
    return Promise.all([
      last.size > 0 ? this.deps.conversations.touchLastMessages(m, last, now, afterInsert) : undefined,
      reads.length > 0 ? this.deps.membership.advanceReadMarks(m, reads, afterInsert) : undefined,
    ]);
  }

  /**
   * The committed `message.new` of each fresh item sent from a socket that takes it in its ack,
   * marked so it is not sent to that socket as well (events/origin.ts). By item index.
   */
  private holdEvents(
    items: SendItem[],
    plans: Plan[],
    messages: Map<number, Message>,
    appended: readonly [string, ChatEvent[]][],
  ): Map<number, EventOf<"message.new">> {
    const held = new Map<number, EventOf<"message.new">>();
    const wanted = new Map<string, number>();
    plans.forEach((p, i) => {
      const socket = items[i]!.originSocket;
      if (p.kind === "insert" && socket) wanted.set(messages.get(i)!.id, i);
    });
    if (wanted.size === 0) return held;
    for (const [, events] of appended)
      for (const e of events) {
        if (e.type !== "message.new") continue;
        const i = wanted.get(e.data.message.id);
        if (i === undefined) continue;
        heldBy(e, items[i]!.originSocket!);
        held.set(i, e);
      }
    return held;
  }

  /**
   * Every check of the batch; the first failing check is the item's error. Its reads are asked all
   * at once, for every item they may concern, so they go to the database together (db/pipeline.ts:
   * one round trip on MySQL); each check then uses what concerns the items still to be stored.
   */
  private async plan(m: EntityManager, items: SendItem[]): Promise<Plan[]> {
    const plans: Plan[] = items.map(() => ({ kind: "insert" }));
    const fail = (i: number, error: AppError): void => void (plans[i] = { kind: "error", error });
    const all = items.map((_, i) => i);
    const moderatedItems = this.deps.gate ? all.filter((i) => items[i]!.moderated) : [];
    const sendKeys = (indexes: number[]): SendCheckKey[] =>
      indexes.map((i) => ({ appId: items[i]!.appId, userId: items[i]!.senderId, conversationId: items[i]!.conversationId }));
    const [memberRows, existing, storedIds, moderation, targets, present] = await Promise.all([
      readMembers(m, items),
      readSystemConversations(m, items),
      readClientIds(m, items),
      moderatedItems.length && this.deps.gate ? this.deps.gate.readSends(m, sendKeys(moderatedItems)) : undefined,
      readReplyTargets(m, items),
      readMentioned(m, items),
    ]);

    // 1. The sender is a member (in the item's app). For DMs the partner's row comes too, with
    //    the block it holds against one of the senders, if any.
    const members = new Set(memberRows.map((r) => key(r.appId, r.conversationId, r.userId)));
    const blocks = new Set(memberRows.flatMap((r) => (r.blockedId === null ? [] : [key(r.appId, r.conversationId, r.userId, r.blockedId)])));
    const partnerOf = new Map<string, string[]>();
    for (const r of memberRows) if (r.kind === "direct") partnerOf.set(r.conversationId, [...(partnerOf.get(r.conversationId) ?? []), r.userId]);
    items.forEach((it, i) => {
      // System messages (server API, no sender) need only a conversation of their app.
      const allowed =
        it.senderId === SYSTEM_SENDER ? existing.has(key(it.appId, it.conversationId)) : members.has(key(it.appId, it.conversationId, it.senderId));
      if (!allowed) fail(i, notMember());
    });

    // 2. clientMessageId stored earlier (a retry). The same id earlier in this batch: see 5.
    const withClientId = items.flatMap((it, i) => (plans[i]!.kind === "insert" && it.clientMessageId !== null ? [i] : []));
    for (const i of withClientId) {
      const it = items[i]!;
      const earlier = storedIds.get(key(it.appId, it.senderId, it.clientMessageId!));
      if (earlier) plans[i] = earlier.conversationId === it.conversationId ? { kind: "stored", id: earlier.id } : { kind: "error", error: reusedClientId() };
    }
    const inBatch = withClientId.filter((i) => plans[i]!.kind === "insert");

    // 2b. Moderation (mutes, slow mode) for members' sends that would be stored: after the retries,
    //     so a retry of a message stored before a mute or within the interval gets it back.
    const moderated = moderatedItems.filter((i) => plans[i]!.kind === "insert");
    if (moderated.length && this.deps.gate && moderation) {
      const refusals = await this.deps.gate.checkSends(m, sendKeys(moderated), moderation);
      moderated.forEach((i, n) => {
        const refusal = refusals[n];
        if (refusal) fail(i, refusal);
      });
    }

    // 3. In a DM, the partner must not have blocked the sender (blocking after the DM exists
    //    stops new messages too). Checked after the clientMessageId so a retry still gets its answer.
    items.forEach((it, i) => {
      if (plans[i]!.kind !== "insert") return;
      const partner = partnerOf.get(it.conversationId)?.find((u) => u !== it.senderId);
      if (partner && blocks.has(key(it.appId, it.conversationId, partner, it.senderId))) {
        fail(i, new AppError("forbidden", "This user does not accept messages from you"));
      }
    });

    // 4. A reply names a live message of the same conversation; a thread's root is one too,
    //    in the timeline (threads do not nest).
    items.forEach((it, i) => {
      if (plans[i]!.kind !== "insert") return;
      if (it.replyToId !== null && !targets.live.has(key(String(it.replyToId), it.appId, it.conversationId))) fail(i, invalidReply());
      else if (it.threadId !== null && !targets.roots.has(key(String(it.threadId), it.appId, it.conversationId))) fail(i, invalidThread());
    });

    // 4b. Everyone mentioned is a member of the conversation (the sender's app: member rows carry it).
    items.forEach((it, i) => {
      if (plans[i]!.kind === "insert" && !it.mentions.every((u) => present.has(key(it.appId, it.conversationId, u)))) fail(i, invalidMention());
    });

    // 5. The same clientMessageId earlier in this batch: a retry of the first send with it that
    //    passed 3 and 4 (skipping its own 3 and 4, as a retry of a stored one does). One by one,
    //    a refused first send stores nothing, so the next one with its id is new.
    const firstInBatch = new Map<string, number>();
    for (const i of inBatch) {
      const it = items[i]!;
      const k = key(it.appId, it.senderId, it.clientMessageId!);
      const first = firstInBatch.get(k);
      if (first !== undefined) {
        plans[i] = items[first]!.conversationId === it.conversationId ? { kind: "sameAs", index: first } : { kind: "error", error: reusedClientId() };
      } else if (plans[i]!.kind === "insert") {
        firstInBatch.set(k, i);
      }
    }
    return plans;
  }

  /** One multi-row INSERT (or one per row where the database cannot promise consecutive ids). */
  private async insert(m: EntityManager, rows: SendItem[], now: number, consecutive: boolean): Promise<number[]> {
    const sql = (n: number): string =>
      `INSERT INTO messages (appId, conversationId, senderId, text, replyToId, threadId, clientMessageId, createdAt, data) VALUES ${rowMarks(n, 9)}`;
    const values = (r: SendItem): unknown[] => [r.appId, r.conversationId, r.senderId, r.text, r.replyToId, r.threadId, r.clientMessageId, now, r.data ?? null];
    if (consecutive) return insertedIds(this.dialect, await m.query(sql(rows.length), rows.flatMap(values)), rows.length);
    const ids: number[] = [];
    for (const r of rows) ids.push(...insertedIds(this.dialect, await m.query(sql(1), values(r)), 1));
    return ids;
  }

  /** Messages that earlier sends stored (clientMessageId retries), presented for their senders. */
  private async storedMessages(items: SendItem[], plans: Plan[]): Promise<Map<number, Message>> {
    const out = new Map<number, Message>();
    const wanted = plans.flatMap((p, i) => (p.kind === "stored" ? [{ id: p.id, viewer: items[i]!.senderId }] : []));
    if (wanted.length === 0) return out;
    const rows = await this.repo.findBy({ id: In(unique(wanted.map((w) => w.id))) });
    for (const w of wanted) {
      const row = rows.find((r) => r.id === w.id);
      if (row) out.set(w.id, await this.deps.presenter.presentOne(row, w.viewer));
    }
    return out;
  }
}

function reusedClientId(): AppError {
  return new AppError("conflict", "This clientMessageId was already used for another conversation");
}

/** The row a fresh send became, without reading it back. */
function rowOf(item: SendItem, id: number, now: number): MessageEntity {
  return Object.assign(new MessageEntity(), {
    id,
    appId: item.appId,
    conversationId: item.conversationId,
    senderId: item.senderId,
    text: item.text,
    replyToId: item.replyToId,
    threadId: item.threadId,
    replyCount: 0,
    lastReplyAt: null,
    clientMessageId: item.clientMessageId,
    createdAt: now,
    editedAt: null,
    deletedAt: null,
    data: item.data ?? null,
  });
}

/** A send that writes nothing but its message (and its event, search row and marks). */
function isPlain(item: SendItem): boolean {
  return item.threadId === null && item.mentions.length === 0 && item.attachmentIds.length === 0 && !item.audit && !item.attach;
}

/**
 * A batch's marks on the timeline, by each message's place in the INSERT: each conversation's last
 * message and each sender's read mark. A thread reply is not in the timeline: neither moves.
 */
interface TimelineMarks {
  lastOf: Map<string, number>;
  readers: { conversationId: string; userId: string; place: number }[];
}

function timelineMarks(rows: readonly SendItem[]): TimelineMarks {
  const lastOf = new Map<string, number>();
  const readers = new Map<string, { conversationId: string; userId: string; place: number }>();
  rows.forEach((item, place) => {
    if (item.threadId !== null) return;
    lastOf.set(item.conversationId, place);
    if (item.senderId !== SYSTEM_SENDER)
      readers.set(key(item.conversationId, item.senderId), { conversationId: item.conversationId, userId: item.senderId, place });
  });
  return { lastOf, readers: [...readers.values()] };
}

/** How many of the rows each app has, in first-seen order (the order their events are appended in). */
function countByApp(rows: readonly SendItem[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const r of rows) counts.set(r.appId, (counts.get(r.appId) ?? 0) + 1);
  return counts;
}
