import type { DataSource, EntityManager } from "typeorm";
import type { ThreadPage, ThreadState } from "@parley/sdk/protocol";
import type { ConversationsService } from "../conversations/conversations.service.js";
import type { MembershipGuard } from "../conversations/membership.js";
import type { UnitOfWork } from "../db/unit-of-work.js";
import type { NewEvent } from "../events/event-log.js";
import { MessageEntity } from "../messages/message.entity.js";
import type { MessagePresenter } from "../messages/messages.presenter.js";
import { parseMessageId } from "../messages/messages.schema.js";
import { type Caller, isUserCaller, userOf } from "../shared/caller.js";
import { AppError, notFound } from "../shared/errors.js";
import { invalidField } from "../shared/validate.js";
import { ThreadFollowEntity } from "./thread.entities.js";
import type { FollowThread, ReadThread, ThreadQuery } from "./threads.schema.js";

export interface ThreadsDeps {
  db: DataSource;
  uow: UnitOfWork;
  membership: MembershipGuard;
  conversations: ConversationsService;
  presenter: MessagePresenter;
}

/**
 * Threads: a timeline message's replies (messages with its id as `threadId`) and each user's
 * follow and read mark there. Replies are written by the send path (messages/send-writer.ts with
 * threads/thread-writes.ts); this service reads threads and moves follows and read marks.
 * A root that is not the caller's to see — another app's, a conversation they are not in, a
 * reply rather than a root, a malformed id — is the 404 of a message that does not exist.
 */
export class ThreadsService {
  constructor(private readonly deps: ThreadsDeps) {}

  /** The root, a page of replies (newest first, keyset like history), and the caller's state. */
  async page(caller: Caller, q: ThreadQuery): Promise<ThreadPage> {
    const root = await this.root(caller, q.rootId);
    const me = userOf(caller);
    const qb = this.deps.db
      .getRepository(MessageEntity)
      .createQueryBuilder("msg")
      .where("msg.threadId = :root", { root: root.id })
      .orderBy("msg.id", q.after !== undefined ? "ASC" : "DESC")
      .limit(q.limit + 1);
    if (q.before !== undefined) qb.andWhere("msg.id < :before", { before: Number(q.before) });
    if (q.after !== undefined) qb.andWhere("msg.id > :after", { after: Number(q.after) });
    const rows = await qb.getMany();
    const page = rows.slice(0, q.limit);
    const edge = page[page.length - 1];
    if (q.after !== undefined) page.reverse();
    const follow = me ? await this.deps.db.getRepository(ThreadFollowEntity).findOneBy({ rootId: root.id, userId: me }) : null;
    const read = follow?.lastReadMessageId ?? 0;
    const unreadCount = me
      ? await this.deps.db
          .getRepository(MessageEntity)
          .createQueryBuilder("msg")
          .where("msg.threadId = :root AND msg.id > :read AND msg.senderId != :me AND msg.deletedAt IS NULL", { root: root.id, read, me })
          .getCount()
      : 0;
    const [presentedRoot, ...items] = await this.deps.presenter.present([root, ...page], me);
    return {
      root: presentedRoot!,
      items,
      nextCursor: rows.length > q.limit && edge ? String(edge.id) : null,
      following: follow?.following ?? false,
      unreadCount,
      lastReadMessageId: String(read),
    };
  }

  /** Follows or stops following; the read mark stays. Other devices get `thread.state`. */
  async follow(caller: Caller, input: FollowThread): Promise<ThreadState> {
    return this.change(caller, input.rootId, (row) => (row.following === input.following ? null : { ...row, following: input.following }));
  }

  /** Moves the caller's read mark in the thread forward to `messageId`, a reply of it (400 otherwise). */
  async read(caller: Caller, input: ReadThread): Promise<ThreadState> {
    const id = Number(input.messageId);
    return this.change(caller, input.rootId, async (row, m) => {
      const reply = await m.getRepository(MessageEntity).findOne({ select: { id: true, threadId: true }, where: { id } });
      if (reply?.threadId !== row.rootId) throw invalidField("messageId", "Not a reply of this thread");
      return id > row.lastReadMessageId ? { ...row, lastReadMessageId: id } : null;
    });
  }

  /** One unit: the caller's row (a new one does not follow), changed by `next` (null: unchanged). */
  private async change(
    caller: Caller,
    rootId: string,
    next: (row: ThreadFollowEntity, m: EntityManager) => ThreadFollowEntity | null | Promise<ThreadFollowEntity | null>,
  ): Promise<ThreadState> {
    if (!isUserCaller(caller)) throw new AppError("forbidden", "Only a member follows or reads a thread");
    return this.deps.uow.run(async ({ m, emit }) => {
      const root = await this.root(caller, rootId, m);
      const row =
        (await m.findOneBy(ThreadFollowEntity, { rootId: root.id, userId: caller.user })) ??
        Object.assign(new ThreadFollowEntity(), {
          rootId: root.id,
          userId: caller.user,
          appId: caller.appId,
          conversationId: root.conversationId,
          following: false,
          lastReadMessageId: 0,
          updatedAt: 0,
        });
      const changed = await next(row, m);
      const now = changed ?? row;
      const state: ThreadState = {
        conversationId: root.conversationId,
        rootId: String(root.id),
        following: now.following,
        lastReadMessageId: String(now.lastReadMessageId),
      };
      if (changed) {
        await m.save(ThreadFollowEntity, { ...changed, updatedAt: Date.now() });
        emit(caller.appId, [{ type: "thread.state", conversationId: null, userId: caller.user, data: state } satisfies NewEvent<"thread.state">]);
      }
      return state;
    });
  }

  /** A timeline message the caller can see (a tombstone too: its thread stays readable). */
  private async root(caller: Caller, rootId: string, m?: EntityManager): Promise<MessageEntity> {
    const id = parseMessageId(rootId);
    const row = id === null ? null : await (m ?? this.deps.db.manager).getRepository(MessageEntity).findOneBy({ id, appId: caller.appId });
    if (!row || row.threadId !== null) throw notFound("Message");
    if (isUserCaller(caller)) await this.deps.membership.require(caller.appId, row.conversationId, caller.user, m);
    else await this.deps.conversations.requireInApp(caller.appId, row.conversationId);
    return row;
  }
}
