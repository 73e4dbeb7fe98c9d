import { In, type EntityManager } from "typeorm";
import type { Conversation, MemberRole, User } from "@parley/sdk/protocol";
import { ContactRequestEntity } from "../contacts/contact.entities.js";
import { MessageEntity } from "../messages/message.entity.js";
import type { MessagePresenter } from "../messages/messages.presenter.js";
import { notFound } from "../shared/errors.js";
import { threadCounts } from "../threads/thread-counts.js";
import { UserEntity } from "../users/user.entity.js";
import { presentUser } from "../users/users.presenter.js";
import { ConversationEntity } from "./conversation.entity.js";
import { presentConversation } from "./conversations.presenter.js";
import { MemberEntity } from "./member.entity.js";

/** Who a presented conversation is for: the caller, or every member (an event). */
export type View = "viewer" | "event";

/**
 * Members, their profiles, last messages and unread counts for a page of conversations, in a
 * fixed number of queries (members, users, last messages + the presenter's two, one GROUP BY
 * count) whatever the page size. Where the caller is not a member (public group previews)
 * their role is null, lastMessage null and unreadCount 0.
 *
 * Conversations in events are presented from the actor's point of view (myRole, unreadCount);
 * receivers derive their own role from `members`. Their profiles carry no lastSeenAt (`view`
 * "event"): every member reads them, whoever they may have blocked.
 */
export async function presentMany(
  presenter: Pick<MessagePresenter, "present">,
  m: EntityManager,
  appId: string,
  me: string,
  convs: ConversationEntity[],
  view: View = "viewer",
): Promise<Conversation[]> {
  if (convs.length === 0) return [];
  const ids = convs.map((c) => c.id);
  const lastIds = convs.map((c) => c.lastMessageId).filter((x): x is number => x !== null);
  // Unread counts stop at the last message read with each row: a message committed between that
  // read and the count is in neither, so its message.new counts it once (the SDK takes an event
  // only past the summary's last message). An empty conversation has nothing to count.
  const counted = convs.filter((c) => c.lastMessageId !== null);
  const upTo = Object.fromEntries(
    counted.flatMap((c, i) => [
      [`uc${i}`, c.id],
      [`ul${i}`, c.lastMessageId],
    ]),
  );
  const cases = counted.map((_, i) => `WHEN :uc${i} THEN :ul${i}`).join(" ");
  const [members, users, lastRows, unread, invited, counts] = await Promise.all([
    m.find(MemberEntity, { where: { conversationId: In(ids) }, order: { joinedAt: "ASC", userId: "ASC" } }),
    m
      .getRepository(UserEntity)
      .createQueryBuilder("u")
      // A block either way hides lastSeenAt, like presence: counted here, not in a query of its own.
      .addSelect(
        "(SELECT COUNT(*) FROM blocks b WHERE b.appId = u.appId AND ((b.blockerId = u.id AND b.blockedId = :me) OR (b.blockerId = :me AND b.blockedId = u.id)))",
        "u_blocks",
      )
      .where("u.appId = :appId", { appId, me })
      .andWhere("u.id IN (SELECT mm.userId FROM members mm WHERE mm.conversationId IN (:...ids))", { ids })
      .getRawAndEntities<{ u_id: string; u_blocks: number | string }>(),
    // Last messages only of conversations the caller is in: public-group previews must not
    // show message text to non-members.
    lastIds.length
      ? m
          .getRepository(MessageEntity)
          .createQueryBuilder("msg")
          .innerJoin(MemberEntity, "lm", "lm.conversationId = msg.conversationId AND lm.userId = :me", { me })
          // By primary key only: with `appId = ?` too, SQLite picks the (appId, …) index and scans the app's messages.
          .where("msg.id IN (:...lastIds)", { lastIds })
          .getMany()
      : Promise.resolve([] as MessageEntity[]),
    counted.length
      ? m
          .getRepository(MessageEntity)
          .createQueryBuilder("msg")
          .select("msg.conversationId", "conversationId")
          .addSelect("COUNT(*)", "n")
          .innerJoin(MemberEntity, "mem", "mem.conversationId = msg.conversationId AND mem.userId = :me", { me })
          .where("msg.conversationId IN (:...ids)", { ids: counted.map((c) => c.id) })
          .andWhere("msg.id > mem.lastReadMessageId")
          // A test of each row, not a range: the (conversationId, id) index is read as before.
          .andWhere(`msg.id <= CASE msg.conversationId ${cases} END`, upTo)
          .andWhere("msg.senderId != :me", { me })
          .andWhere("msg.deletedAt IS NULL")
          // Thread replies count in their thread (threadUnreadCount), not here. The unary `+` keeps
          // the term off ix_messages_thread: SQLite without statistics takes `IS NULL` for a selective
          // equality and read every app's whole timeline through it (150 ms at 1,000,000 messages).
          .andWhere("+msg.threadId IS NULL")
          .groupBy("msg.conversationId")
          .getRawMany<{ conversationId: string; n: string | number }>()
      : Promise.resolve([]),
    m.find(ContactRequestEntity, {
      select: { conversationId: true, toUserId: true },
      where: { conversationId: In(ids), status: "pending" },
      order: { createdAt: "ASC", id: "ASC" },
    }),
    threadCounts(m, appId, me, ids),
  ]);
  const messages = await presenter.present(lastRows, me);
  const messageById = new Map(messages.map((x) => [x.id, x]));
  // Co-members see each other's lastSeenAt (unless hidden or blocked); public-preview readers do not.
  const blocked = new Set(users.raw.filter((r) => Number(r.u_blocks) > 0).map((r) => r.u_id));
  const userById = new Map<string, User>(users.entities.map((u) => [u.id, presentUser(u, blocked.has(u.id) ? "stranger" : "related")]));
  const strangerById = new Map<string, User>(users.entities.map((u) => [u.id, presentUser(u, "stranger")]));
  const invitedBy = new Map<string, string[]>();
  for (const r of invited) {
    const list = invitedBy.get(r.conversationId!);
    if (list) list.push(r.toUserId);
    else invitedBy.set(r.conversationId!, [r.toUserId]);
  }
  const unreadBy = new Map(unread.map((r) => [r.conversationId, Number(r.n)]));
  const membersBy = new Map<string, MemberEntity[]>();
  for (const row of members) {
    const list = membersBy.get(row.conversationId);
    if (list) list.push(row);
    else membersBy.set(row.conversationId, [row]);
  }
  return convs.map((c) => {
    const ms = membersBy.get(c.id) ?? [];
    const mine = ms.find((x) => x.userId === me);
    const myRole: MemberRole | null = mine ? mine.role : null;
    const profiles = mine && view === "viewer" ? userById : strangerById;
    const pending = mine && c.kind === "group" ? invitedBy.get(c.id) : undefined;
    return presentConversation(c, {
      members: ms,
      users: ms.map((x) => profiles.get(x.userId)).filter((u): u is User => u !== undefined),
      lastMessage: !mine || c.lastMessageId === null ? null : (messageById.get(String(c.lastMessageId)) ?? null),
      unreadCount: mine ? (unreadBy.get(c.id) ?? 0) : 0,
      mentionCount: mine ? (counts.mentions.get(c.id) ?? 0) : 0,
      threadUnreadCount: mine ? (counts.threadUnread.get(c.id) ?? 0) : 0,
      myRole,
      // The caller's own setting: never in an event, which others receive too.
      muted: view === "viewer" && Boolean(mine?.muted),
      ...(pending ? { invitedUserIds: pending } : {}),
    });
  });
}

/** One conversation of the app as `me` sees it (as presentMany does); `me` is "" for the host's backend. */
export async function presentById(
  presenter: Pick<MessagePresenter, "present">,
  m: EntityManager,
  appId: string,
  me: string,
  id: string,
  view: View = "viewer",
): Promise<Conversation> {
  const conv = await m.findOneBy(ConversationEntity, { appId, id });
  if (!conv) throw notFound("Conversation");
  return (await presentMany(presenter, m, appId, me, [conv], view))[0]!;
}
