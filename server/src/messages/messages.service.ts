import { type DataSource, type EntityManager, type Repository } from "typeorm";
import { MESSAGE_LIMITS, type Message, type Page } from "@parley/sdk/protocol";
import type { ConversationsService } from "../conversations/conversations.service.js";
import type { MembershipGuard } from "../conversations/membership.js";
import { ConversationEntity } from "../conversations/conversation.entity.js";
import { MemberEntity } from "../conversations/member.entity.js";
import { insertIgnoring } from "../db/insert-ignoring.js";
import { dialectOf } from "../db/sql.js";
import type { UnitOfWork } from "../db/unit-of-work.js";
import type { EventLog, NewEvent } from "../events/event-log.js";
import { type Caller, isUserCaller, userOf } from "../shared/caller.js";
import { storeData } from "../shared/custom-data.js";
import type { CustomData } from "@parley/sdk/protocol";
import { AppError, notFound } from "../shared/errors.js";
import { canExist } from "../shared/ids.js";
import { invalidField } from "../shared/validate.js";
import type { UploadsService } from "../uploads/uploads.service.js";
import { MessageEntity, SYSTEM_SENDER } from "./message.entity.js";
import { MessagePresenter, presentMessage } from "./messages.presenter.js";
import { parseMessageId, type EditMessage, type History, type MarkRead, type React, type SendMessage } from "./messages.schema.js";
import { ReactionEntity } from "./reaction.entity.js";
import { unpinMessages } from "../pins/forget.js";
import { forgetPolls } from "../polls/forget.js";
import { forgetPreviewsIn, forgetStalePreview } from "../previews/forget.js";
import type { PreviewFiles } from "../previews/preview-files.js";
import { SendBatcher, type Written } from "./send-batcher.js";
import type { SendQuota } from "./send-quota.js";
import { SendWriter, type AttachOnSend, type SendItem, type SendModeration, type SendOutcome } from "./send-writer.js";

/** What the messages service is built from. */
export interface MessagesDeps {
  db: DataSource;
  conversations: ConversationsService;
  uow: UnitOfWork;
  events: EventLog;
  presenter: MessagePresenter;
  membership: MembershipGuard;
  uploads: UploadsService;
  /** Message quotas per user and app; none means unlimited (tools, tests of other domains). */
  quota?: SendQuota | undefined;
  /** Moderation's checks (moderation/gate.ts): mutes, slow mode and the word filter, for members' sends and edits. */
  gate?: ModerationChecks | undefined;
  /** Link preview images (previews/): those an edit or a deletion leaves unused go after the commit. */
  previewFiles?: Pick<PreviewFiles, "discard"> | undefined;
  /** Wraps the send batches' writer (the composition root plugs in ops/' metrics); none: batches are written as they are. */
  measureBatch?: ((write: WriteBatch) => WriteBatch) | undefined;
}

/** Writes one send batch in one unit of work (send-writer.ts). */
export type WriteBatch = (items: SendItem[], placed?: () => void) => Promise<Written<SendOutcome>>;

/** What moderation answers before a member writes: the text to store (masked), or a refusal. */
export interface ModerationChecks extends SendModeration {
  /** Refuses (`banned`) users banned from the conversation or the whole app. */
  assertNotBanned(m: EntityManager, appId: string, conversationId: string, userIds: string[]): Promise<void>;
  /** Before a member's send, outside its batch (mutes and slow mode are checked in it): the text the word filter leaves, or `content_blocked`. */
  filterText(appId: string, text: string): Promise<string>;
  beforeEdit(appId: string, userId: string, conversationId: string, text: string, m?: EntityManager): Promise<string>;
}

/** A moderator's deletion: any message of the app, with `audit` written in the deleting unit. */
export interface ModeratedRemoval {
  audit(m: EntityManager, row: MessageEntity): Promise<void>;
}

/** What a send of the host's backend (a ServerCaller) adds: the sender (a member's user id; none: a system message) and custom data. */
export interface ServerSendExtras {
  from?: string | undefined;
  data?: CustomData | undefined;
  /** A send `from` a user past moderation (`moderation: "bypass"`): `audit` is written in the unit that stores the message. */
  bypass?: ModerationBypass | undefined;
}

/** The audit entry of a send that skipped moderation, written by the sending unit once the message has its id. */
export interface ModerationBypass {
  audit(m: EntityManager, messageId: number): Promise<void>;
}

/** Events carry one Message for every member, so their reactions are presented with no viewer (mine: false). */
const NO_VIEWER = "";

/**
 * Messages domain service — the only place that queries the messages and reactions tables.
 * Commands arrive parsed (messages.schema.ts, at the HTTP route or the socket event); a
 * reference that names nothing (a malformed id included) is a 404 here.
 *
 * Every write is one unit of work (db/unit-of-work.ts): its statements and events in one
 * transaction, the events published after the commit. Messages that are deleted (tombstones)
 * answer 404 to edit, delete and reactions, so a second DELETE is a 404.
 */
export class MessagesService {
  private readonly repo: Repository<MessageEntity>;
  private readonly batcher: SendBatcher<SendItem, SendOutcome>;
  /** The tail of each sender's moderation checks (see `send`), while any is under way. */
  private readonly turns = new Map<string, Promise<void>>();

  constructor(private readonly deps: MessagesDeps) {
    this.repo = deps.db.getRepository(MessageEntity);
    const writer = new SendWriter(deps);
    const write: WriteBatch = (items, placed) => writer.write(items, placed);
    // As many batches in flight as the unit of work runs transactions at once (DATABASE_WRITERS; SQLite: 1).
    this.batcher = new SendBatcher(deps.measureBatch ? deps.measureBatch(write) : write, undefined, deps.uow.writers);
  }

  /**
   * Sends a message. With a `clientMessageId` it is idempotent per (app, sender): a retry gets the
   * original message back with `created: false` (the unique index decides, so racing retries
   * on several nodes are safe too). Reusing a clientMessageId in another conversation is a 409.
   * Sends are group-committed (see SendBatcher): the promise settles after the batch commits,
   * so an answer never claims a message the database does not have.
   */
  send(caller: Caller, input: SendMessage & ServerSendExtras & { attach?: AttachOnSend | undefined; originSocket?: string | undefined }): Promise<SendOutcome> {
    const { appId } = caller;
    // The host's backend sends as a member (`from`, a user id) or, without one, a system message.
    const senderId = isUserCaller(caller) ? caller.user : (input.from ?? SYSTEM_SENDER);
    if (!canExist(input.conversationId)) return Promise.reject(notFound("Conversation"));
    const asMember = !isUserCaller(caller) && input.from !== undefined;
    const bypass = asMember ? input.bypass : undefined;
    const attachmentIds = input.attachmentIds ?? [];
    const item: SendItem = {
      appId,
      senderId,
      conversationId: input.conversationId,
      text: input.text,
      attachmentIds,
      replyToId: input.replyToId === undefined ? null : Number(input.replyToId),
      threadId: input.threadId === undefined ? null : Number(input.threadId),
      mentions: input.mentions ?? [],
      clientMessageId: input.clientMessageId ?? null,
      data: isUserCaller(caller) ? null : storeData(input.data),
      // A bypass writes its audit entry too, and a poll its rows: alone, so a failure there fails no other send.
      alone: attachmentIds.length > 0 || bypass !== undefined || input.attach !== undefined,
      ...(bypass ? { audit: bypass.audit } : {}),
      ...(input.attach ? { attach: input.attach } : {}),
      ...(input.originSocket ? { originSocket: input.originSocket } : {}),
    };
    // Quota answers resolve in call order (memory, or one pipelined Redis connection), so the
    // sends of one socket still reach the batcher in the order they came.
    const quota = isUserCaller(caller) ? this.deps.quota : undefined;
    const submit = (): Promise<SendOutcome> => (quota ? quota.take(appId, senderId).then(() => this.batcher.submit(item)) : this.batcher.submit(item));
    // Moderated: a member's own send, and the host's backend's send as a member (that user's
    // message) unless it bypasses moderation; system messages are not.
    const gate = isUserCaller(caller) || (asMember && !bypass) ? this.deps.gate : undefined;
    if (!gate) return submit();
    // Mutes and slow mode are checked in the send's batch (SendWriter's plan, moderation's
    // checkSends): one statement a batch, not one a message. A refused send there has taken its
    // quota. The word filter (and a send as a member's bans) comes first, here. Its answers may
    // come in any order (a filter is read from the database when not cached), so one sender's
    // checks take turns: each send is handed to the quota and the batcher, in arrival order,
    // before the next one's check starts. Only the checks wait for each other, not the writes.
    item.moderated = true;
    const key = `${appId}\u0000${senderId}`;
    const turn = (this.turns.get(key) ?? Promise.resolve())
      .then(async () => {
        // A banned user's own sessions ended with the ban; speaking for them is refused too. First:
        // a user banned from the group is no member there, and would otherwise get a 404.
        if (asMember) await gate.assertNotBanned(this.deps.db.manager, appId, input.conversationId, [senderId]);
        return gate.filterText(appId, input.text);
      })
      .then((text) => void (item.text = text));
    // A member's own send where they are no member: if a ban removed them, say so, with its reason.
    const outcome = turn.then(submit).catch(async (err: unknown) => {
      if (!asMember && err instanceof AppError && err.code === "not_found")
        await gate.assertNotBanned(this.deps.db.manager, appId, input.conversationId, [senderId]);
      throw err;
    }); // registered first: runs before the next turn starts
    const done = turn.then(
      () => undefined,
      () => undefined,
    );
    this.turns.set(key, done);
    void done.then(() => this.turns.get(key) === done && this.turns.delete(key));
    return outcome;
  }

  /**
   * A page of history, newest first, keyset on id. Without `after`: the newest `limit` messages
   * older than `before` (or the latest ones). With `after`: the `limit` messages right after
   * `after` (and before `before`, if given), still returned newest first, so a client catching up
   * never skips one. `nextCursor` is a message id to pass as the same parameter (`before`, or
   * `after` when paging forward) for the next page; null when there is none.
   * Queries: membership, one page query, and the presenter's two batched ones.
   */
  async history(caller: Caller, q: History): Promise<Page<Message>> {
    // The host's backend reads any conversation of its app, as no one ("mine" is never set).
    const userId = isUserCaller(caller) ? caller.user : "";
    if (isUserCaller(caller)) await this.deps.membership.require(caller.appId, q.conversationId, userId);
    else await this.deps.conversations.requireInApp(caller.appId, q.conversationId);
    const forward = q.after !== undefined;
    const rows = await this.page(q.conversationId, { before: q.before, after: q.after, limit: q.limit + 1, forward });
    const page = rows.slice(0, q.limit);
    const hasMore = rows.length > q.limit;
    const edge = page[page.length - 1];
    if (forward) page.reverse();
    return {
      items: await this.deps.presenter.present(page, userId),
      nextCursor: hasMore && edge ? String(edge.id) : null,
    };
  }

  /**
   * A keyset page of one conversation, by id, on the (conversationId, id) index — pinned, because
   * both planners stray: MariaDB picks `ref` on conversationId and walks from the newest row down
   * to the cursor (935 ms deep in 1M messages), and SQLite, once ANALYZEd, may walk the whole
   * table by rowid for the newest page (fine for a busy conversation, a full scan for a quiet
   * one). query-plans.test.ts checks the plan. One round trip, rows mapped here (mysql2 hands
   * BIGINTs as strings).
   */
  private async page(
    conversationId: string,
    o: { before?: string | undefined; after?: string | undefined; limit: number; forward: boolean },
  ): Promise<MessageEntity[]> {
    const pinned = dialectOf(this.deps.db) === "mysql" ? "messages FORCE INDEX (ix_messages_conversation)" : "messages INDEXED BY ix_messages_conversation";
    // Thread replies live in their thread (threads/), not in the timeline.
    const where = ["conversationId = ?", "threadId IS NULL"];
    const params: unknown[] = [conversationId];
    if (o.before !== undefined) where.push("id < ?"), params.push(Number(o.before));
    if (o.after !== undefined) where.push("id > ?"), params.push(Number(o.after));
    const raw: Record<keyof MessageEntity, unknown>[] = await this.repo.query(
      `SELECT id, appId, conversationId, senderId, text, replyToId, threadId, replyCount, lastReplyAt, clientMessageId, createdAt, editedAt, deletedAt, data, stream, streamError
         FROM ${pinned} WHERE ${where.join(" AND ")} ORDER BY id ${o.forward ? "ASC" : "DESC"} LIMIT ${Math.floor(o.limit)}`,
      params,
    );
    const num = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));
    return raw.map((r) =>
      Object.assign(new MessageEntity(), {
        id: Number(r.id),
        appId: String(r.appId),
        conversationId: String(r.conversationId),
        senderId: String(r.senderId),
        text: r.text === null ? null : String(r.text),
        replyToId: num(r.replyToId),
        threadId: num(r.threadId),
        replyCount: Number(r.replyCount ?? 0),
        lastReplyAt: num(r.lastReplyAt),
        clientMessageId: r.clientMessageId === null ? null : String(r.clientMessageId),
        createdAt: Number(r.createdAt),
        editedAt: num(r.editedAt),
        deletedAt: num(r.deletedAt),
        data: r.data === null || r.data === undefined ? null : String(r.data),
        stream: r.stream === null || r.stream === undefined ? null : String(r.stream),
        streamError: r.streamError === null || r.streamError === undefined ? null : String(r.streamError),
      }),
    );
  }

  /** One live message the caller can see, or 404 (also for tombstones and non-members). */
  async get(caller: Caller, messageId: string): Promise<Message> {
    const { row } = await this.visible(caller, messageId);
    return this.deps.presenter.presentOne(row, userOf(caller));
  }

  /**
   * Sender only (403 for other members); sets editedAt. The host's backend may edit any message of
   * its app, its text and/or its custom data (`data: null` clears it).
   */
  async edit(caller: Caller, input: Omit<EditMessage, "text"> & { text?: string | undefined; data?: CustomData | null | undefined }): Promise<Message> {
    const { appId } = caller;
    const userId = isUserCaller(caller) ? caller.user : "";
    let unusedImages: string[] = [];
    const row = await this.deps.uow.run(async ({ m, emit }) => {
      const { row } = await this.visible(caller, input.messageId, m);
      if (isUserCaller(caller) && row.senderId !== userId) throw new AppError("forbidden", "Only the sender may edit a message");
      const changes: Partial<MessageEntity> = {};
      if (input.text !== undefined) {
        const gate = isUserCaller(caller) ? this.deps.gate : undefined;
        const text = gate ? await gate.beforeEdit(appId, userId, row.conversationId, input.text, m) : input.text;
        row.text = changes.text = text;
        row.editedAt = changes.editedAt = Date.now();
      }
      if (input.data !== undefined && !isUserCaller(caller)) row.data = changes.data = storeData(input.data);
      if (Object.keys(changes).length > 0) await m.getRepository(MessageEntity).update({ id: row.id }, changes);
      // A preview of a link the text no longer has goes with the edit; the new link's comes later (previews/).
      if (changes.text !== undefined) unusedImages = await forgetStalePreview(m, row.id, row.text);
      const message = await this.presenterIn(m).presentOne(row, NO_VIEWER);
      await this.deps.events.rewriteMessage(m, appId, message);
      emit(appId, [{ type: "message.updated", conversationId: row.conversationId, data: { message } }]);
      return row;
    });
    await this.deps.previewFiles?.discard(unusedImages);
    return this.deps.presenter.presentOne(row, userId);
  }

  /**
   * Soft delete by the sender, or by an owner/admin of a group: the row stays as a tombstone
   * (text NULL), its reactions and upload rows go, and the files are removed after the commit.
   */
  async remove(caller: Caller, messageId: string, moderated?: ModeratedRemoval): Promise<Message> {
    const { appId } = caller;
    const userId = isUserCaller(caller) ? caller.user : "";
    const { result, afterCommit } = await this.deps.uow.commit(async ({ m, emit }) => {
      // A moderator sees every message of the app, as the host's backend does.
      const { row, member: me } = await this.visible(moderated ? { appId, server: "moderation" } : caller, messageId, m);
      await moderated?.audit(m, row);
      // The host's backend (no member row) may delete any message of its app.
      if (me && row.senderId !== userId) {
        const conv = await m.getRepository(ConversationEntity).findOne({ select: { id: true, kind: true }, where: { id: row.conversationId, appId } });
        if (conv?.kind !== "group" || me.role === "member") throw new AppError("forbidden", "Only the sender or a group admin may delete this message");
      }
      row.text = null;
      row.deletedAt = Date.now();
      await m.getRepository(MessageEntity).update({ id: row.id }, { text: null, deletedAt: row.deletedAt });
      await m.getRepository(ReactionEntity).delete({ messageId: row.id });
      const unpinned = await unpinMessages(m, [row.id]);
      await forgetPolls(m, [row.id]);
      const previewImages = await forgetPreviewsIn(m, [row.id]);
      const files = await this.deps.uploads.detachAll(m, row.id);
      const message = presentMessage(row, [], []);
      await this.deps.events.rewriteMessage(m, appId, message);
      emit(appId, [{ type: "message.deleted", conversationId: row.conversationId, data: { message } }]);
      const conversationId = row.conversationId;
      if (unpinned.length > 0) emit(appId, [{ type: "pin.updated", conversationId, data: { conversationId, messageId: String(row.id), pin: null } }]);
      return { message, files, previewImages };
    });
    await this.deps.uploads.removeFiles(result.files);
    await this.deps.previewFiles?.discard(result.previewImages);
    afterCommit();
    return result.message;
  }

  /**
   * Adds (`add`) or removes the caller's reaction; a no-op when already so (no event then). A
   * message carries at most `reactionsPerMessageMax` distinct keys: a new one past that is a 409.
   */
  async react(caller: Caller, input: React): Promise<Message> {
    const { appId } = caller;
    const userId = userOf(caller);
    const { emoji, add } = input;
    const row = await this.deps.uow.run(async ({ m, emit }) => {
      const { row } = await this.visible(caller, input.messageId, m);
      const reactions = m.getRepository(ReactionEntity);
      const key = { messageId: row.id, userId, emoji };
      const exists = await reactions.existsBy(key);
      let changed = false;
      if (add && !exists) {
        await this.ensureReactionRoom(m, row.id, emoji);
        // OR IGNORE: a racing PUT from another node must not turn into a 500; the one whose
        // row did not go in changed nothing and sends no event.
        changed = (await insertIgnoring(m, ReactionEntity, [{ ...key, appId, createdAt: Date.now() }])) > 0;
      } else if (!add && exists) {
        changed = ((await reactions.delete(key)).affected ?? 0) > 0;
      }
      if (!changed) return row;
      const count = await reactions.countBy({ messageId: row.id, emoji });
      const event: NewEvent<"reaction.updated"> = {
        type: "reaction.updated",
        conversationId: row.conversationId,
        data: {
          messageId: String(row.id),
          conversationId: row.conversationId,
          userId,
          emoji,
          added: add,
          count,
          ...(row.threadId ? { threadId: String(row.threadId) } : {}),
        },
      };
      emit(appId, [event]);
      return row;
    });
    return this.deps.presenter.presentOne(row, userId);
  }

  /**
   * A key the message does not carry yet needs a free slot. On MySQL the message row is locked
   * first, so two racing new keys cannot both take the last one, and the keys are read with a
   * locking read (the newest committed rows, not the transaction's snapshot). SQLite runs one
   * writer at a time.
   */
  private async ensureReactionRoom(m: EntityManager, messageId: number, emoji: string): Promise<void> {
    const mysql = dialectOf(m) === "mysql";
    if (mysql) await m.query("SELECT id FROM messages WHERE id = ? FOR UPDATE", [messageId]);
    const keys: { emoji: string }[] = await m.query(`SELECT DISTINCT emoji FROM reactions WHERE messageId = ?${mysql ? " LOCK IN SHARE MODE" : ""}`, [
      messageId,
    ]);
    if (keys.some((k) => k.emoji === emoji)) return;
    if (keys.length >= MESSAGE_LIMITS.reactionsPerMessageMax) {
      throw new AppError("conflict", `A message carries at most ${MESSAGE_LIMITS.reactionsPerMessageMax} different reactions`);
    }
  }

  /**
   * Moves the member's read mark forward to `messageId` (never back; an older id is a no-op
   * without an event). The message must belong to the conversation (400 otherwise).
   */
  async markRead(caller: Caller, input: MarkRead): Promise<void> {
    const { appId } = caller;
    const userId = userOf(caller);
    const { conversationId } = input;
    const id = Number(input.messageId);
    await this.deps.membership.require(appId, conversationId, userId);
    await this.deps.uow.run(async ({ m, emit }) => {
      await this.deps.membership.require(appId, conversationId, userId, m);
      const exists = await m.getRepository(MessageEntity).existsBy({ id, appId, conversationId });
      if (!exists) throw invalidField("messageId", "Not a message of this conversation");
      if (!(await this.deps.membership.advanceReadMark(m, conversationId, userId, id))) return;
      emit(appId, [{ type: "read.updated", conversationId, data: { conversationId, userId, lastReadMessageId: String(id) } }]);
    });
  }

  /**
   * A live message of the app in a conversation the caller belongs to. A malformed id, another
   * app's message, a non-member's view and a tombstone are all the same 404.
   */
  private async visible(caller: Caller, messageId: string, m?: EntityManager): Promise<{ row: MessageEntity; member: MemberEntity | null }> {
    const { appId } = caller;
    const id = parseMessageId(messageId);
    const row = id === null ? null : await (m ?? this.deps.db.manager).getRepository(MessageEntity).findOneBy({ id, appId });
    if (!row || row.deletedAt !== null) throw notFound("Message");
    // The host's backend sees every message of its app (the query above is scoped by it).
    if (!isUserCaller(caller)) return { row, member: null };
    const member = await this.deps.membership.require(appId, row.conversationId, caller.user, m);
    return { row, member };
  }

  /** The presenter reading through a transaction's manager (it only needs getRepository). */
  private presenterIn(m: EntityManager): MessagePresenter {
    return new MessagePresenter(m as unknown as DataSource);
  }
}
