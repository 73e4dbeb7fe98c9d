import { Brackets, In, type EntityManager } from "typeorm";
import { MESSAGE_LIMITS, type Conversation, type Member, type MemberRole, type User } from "@parley/sdk/protocol";
import { BlockEntity } from "../contacts/contact.entities.js";
import { insertIgnoring } from "../db/insert-ignoring.js";
import { type NewEvent, writeWithEvents } from "../events/event-log.js";
import { MessageEntity } from "../messages/message.entity.js";
import type { DomainDeps } from "../shared/domain.js";
import { AppError, notFound } from "../shared/errors.js";
import { newId } from "../shared/ids.js";
import { UserEntity } from "../users/user.entity.js";
import { isUniqueViolation } from "../users/users.service.js";
import { presentUser } from "../users/users.presenter.js";
import { ConversationEntity } from "./conversation.entity.js";
import { presentConversation, presentMember } from "./conversations.presenter.js";
import { MemberEntity } from "./member.entity.js";

export interface ListOptions {
  limit: number;
  cursor?: { t: number; i: string } | undefined;
}

export interface PublicOptions {
  q: string;
  limit: number;
  cursor?: { n: string; i: string } | undefined;
}

/**
 * Rule for direct conversations (one place, applied everywhere): they have exactly their two
 * members for life, so renaming, adding, removing, leaving and role changes answer
 * 403 `forbidden` (after the membership check, so a non-member still gets 404). Joining
 * answers 404 like any non-public conversation, since a DM is never public.
 */
const directForbidden = (): AppError => new AppError("forbidden", "Direct conversations cannot be changed this way");

const escapeLike = (s: string): string => s.replace(/[!%_]/g, (c) => "!" + c);

/** Conversations and their members. Every query is scoped by appId. */
export class ConversationsService {
  constructor(private readonly deps: DomainDeps) {}

  // -------------------------------------------------------------------------------------------
  // Reads
  // -------------------------------------------------------------------------------------------

  /** One page of the caller's conversations, most recent activity first. Constant query count. */
  async list(appId: string, me: string, opts: ListOptions): Promise<{ items: Conversation[]; last: ConversationEntity | undefined; more: boolean }> {
    const qb = this.deps.db
      .getRepository(ConversationEntity)
      .createQueryBuilder("c")
      .innerJoin(MemberEntity, "mine", "mine.conversationId = c.id AND mine.userId = :me AND mine.appId = :appId", { me, appId })
      .where("c.appId = :appId", { appId });
    if (opts.cursor) {
      const { t, i } = opts.cursor;
      qb.andWhere(
        new Brackets((w) => {
          w.where("c.lastActivityAt < :ct", { ct: t }).orWhere(
            new Brackets((w2) => w2.where("c.lastActivityAt = :ct", { ct: t }).andWhere("c.id < :ci", { ci: i })),
          );
        }),
      );
    }
    // limit(), not take(): with a join, take() would add a second "distinct ids" query.
    const rows = await qb.orderBy("c.lastActivityAt", "DESC").addOrderBy("c.id", "DESC").limit(opts.limit + 1).getMany();
    const page = rows.slice(0, opts.limit);
    return { items: await this.presentMany(this.deps.db.manager, appId, me, page), last: page[page.length - 1], more: rows.length > opts.limit };
  }

  /** Public groups of the app whose name starts with `q`, by (name, id). */
  async listPublic(appId: string, me: string, opts: PublicOptions): Promise<{ items: Conversation[]; last: ConversationEntity | undefined; more: boolean }> {
    const qb = this.deps.db
      .getRepository(ConversationEntity)
      .createQueryBuilder("c")
      // isPublic as the literal 1: better-sqlite3 cannot bind booleans, and both store 1 for true.
      .where("c.appId = :appId AND c.isPublic = 1 AND c.kind = 'group'", { appId });
    if (opts.q) qb.andWhere("c.name LIKE :prefix ESCAPE '!'", { prefix: escapeLike(opts.q) + "%" });
    if (opts.cursor) {
      const { n, i } = opts.cursor;
      qb.andWhere(
        new Brackets((w) => {
          w.where("c.name > :cn", { cn: n }).orWhere(new Brackets((w2) => w2.where("c.name = :cn", { cn: n }).andWhere("c.id > :ci", { ci: i })));
        }),
      );
    }
    const rows = await qb.orderBy("c.name", "ASC").addOrderBy("c.id", "ASC").limit(opts.limit + 1).getMany();
    const page = rows.slice(0, opts.limit);
    return { items: await this.presentMany(this.deps.db.manager, appId, me, page), last: page[page.length - 1], more: rows.length > opts.limit };
  }

  /** A conversation the caller is a member of (404 otherwise). */
  async get(appId: string, me: string, id: string): Promise<Conversation> {
    await this.deps.membership.require(appId, id, me);
    return this.presentById(this.deps.db.manager, appId, me, id);
  }

  // -------------------------------------------------------------------------------------------
  // Creation
  // -------------------------------------------------------------------------------------------

  /**
   * The one DM between the caller and `otherId`. The unique (appId, directKey) index decides
   * races: the insert that loses reads the winner's row instead.
   */
  async createDirect(appId: string, me: string, otherId: string): Promise<{ conversation: Conversation; created: boolean }> {
    if (otherId === me) throw new AppError("validation_failed", "You cannot start a direct conversation with yourself");
    await this.deps.users.get(appId, otherId);
    const blocked = await this.deps.db.getRepository(BlockEntity).existsBy({ appId, blockerId: otherId, blockedId: me });
    if (blocked) throw new AppError("forbidden", "This user does not accept messages from you");
    const directKey = [me, otherId].sort().join(":");
    const existing = await this.deps.db.getRepository(ConversationEntity).findOneBy({ appId, directKey });
    if (existing) return { conversation: await this.presentById(this.deps.db.manager, appId, me, existing.id), created: false };

    const now = Date.now();
    const conv: ConversationEntity = {
      id: newId("cnv"),
      appId,
      kind: "direct",
      name: null,
      isPublic: false,
      directKey,
      createdBy: me,
      createdAt: now,
      lastActivityAt: now,
      lastMessageId: null,
    };
    const members = [me, otherId].map((userId) => memberRow(appId, conv.id, userId, "member", now));
    try {
      const { conversation, events } = await this.deps.tx.run(async (m) => {
        await m.insert(ConversationEntity, conv);
        await m.insert(MemberEntity, members);
        const conversation = await this.presentById(m, appId, me, conv.id);
        const events = await this.deps.events.append(m, appId, [{ type: "conversation.created", conversationId: conv.id, data: { conversation } }]);
        return { conversation, events };
      });
      this.deps.events.publish(appId, events);
      return { conversation, created: true };
    } catch (err) {
      if (!isUniqueViolation(err)) throw err;
      const winner = await this.deps.db.getRepository(ConversationEntity).findOneBy({ appId, directKey });
      if (!winner) throw err;
      return { conversation: await this.presentById(this.deps.db.manager, appId, me, winner.id), created: false };
    }
  }

  /** A group with the caller as owner and `memberIds` (users of the same app) as members. */
  async createGroup(appId: string, me: string, input: { name: string; memberIds: string[]; isPublic?: boolean | undefined }): Promise<Conversation> {
    const others = [...new Set(input.memberIds)].filter((id) => id !== me);
    if (others.length + 1 > MESSAGE_LIMITS.groupMembersMax) {
      throw new AppError("validation_failed", `A group has at most ${MESSAGE_LIMITS.groupMembersMax} members`);
    }
    await this.requireUsers(appId, others);
    const now = Date.now();
    const conv: ConversationEntity = {
      id: newId("cnv"),
      appId,
      kind: "group",
      name: input.name,
      isPublic: input.isPublic ?? false,
      directKey: null,
      createdBy: me,
      createdAt: now,
      lastActivityAt: now,
      lastMessageId: null,
    };
    const rows = [memberRow(appId, conv.id, me, "owner", now), ...others.map((u) => memberRow(appId, conv.id, u, "member", now))];
    const { conversation, events } = await this.deps.tx.run(async (m) => {
      await m.insert(ConversationEntity, conv);
      for (const chunk of chunks(rows, 200)) await m.insert(MemberEntity, chunk);
      const conversation = await this.presentById(m, appId, me, conv.id);
      const events = await this.deps.events.append(m, appId, [{ type: "conversation.created", conversationId: conv.id, data: { conversation } }]);
      return { conversation, events };
    });
    this.deps.events.publish(appId, events);
    return conversation;
  }

  // -------------------------------------------------------------------------------------------
  // Changes (groups only)
  // -------------------------------------------------------------------------------------------

  async update(appId: string, me: string, id: string, patch: { name?: string | undefined; isPublic?: boolean | undefined }): Promise<Conversation> {
    return this.write(appId, async (m) => {
      const { conv } = await this.requireGroupAdmin(m, appId, id, me);
      const changes: Partial<ConversationEntity> = {};
      if (patch.name !== undefined) changes.name = patch.name;
      if (patch.isPublic !== undefined) changes.isPublic = patch.isPublic;
      await m.update(ConversationEntity, { appId, id: conv.id }, changes);
      const conversation = await this.presentById(m, appId, me, conv.id);
      return { result: conversation, events: [{ type: "conversation.updated", conversationId: conv.id, data: { conversation } }] };
    });
  }

  /**
   * Joins a public group; joining again changes nothing. Non-public or unknown: 404.
   * Joins racing on several nodes insert with OR IGNORE: only the one whose row went in sends
   * member.added, the others answer 200 like a repeated join.
   */
  async join(appId: string, me: string, id: string): Promise<Conversation> {
    await this.write(appId, async (m) => {
      const conv = id.length <= 32 ? await m.findOneBy(ConversationEntity, { appId, id }) : null;
      if (!conv || conv.kind !== "group" || !conv.isPublic) throw notFound("Conversation");
      const none = { result: undefined, events: [] as NewEvent[] };
      if (await m.existsBy(MemberEntity, { appId, conversationId: id, userId: me })) return none;
      const count = await m.countBy(MemberEntity, { conversationId: id });
      if (count >= MESSAGE_LIMITS.groupMembersMax) throw new AppError("conflict", "This group is full");
      const row = memberRow(appId, id, me, "member", Date.now());
      if ((await insertIgnoring(m, MemberEntity, [row])) === 0) return none;
      const user = presentUser(await this.deps.users.get(appId, me));
      return { result: undefined, events: [{ type: "member.added", conversationId: id, userId: me, data: { conversationId: id, members: [presentMember(row)], users: [user] } }] };
    });
    // Presented after the commit: on MySQL a join that lost the race would not see the
    // winner's row in its own transaction's snapshot.
    return this.presentById(this.deps.db.manager, appId, me, id);
  }

  /**
   * Adds users of the same app; those already in are skipped, also when another node adds them
   * at the same moment (one member.added per row this call inserted). Owner/admin only.
   */
  async addMembers(appId: string, me: string, id: string, userIds: string[]): Promise<Conversation> {
    await this.write(appId, async (m) => {
      await this.requireGroupAdmin(m, appId, id, me);
      const wanted = [...new Set(userIds)];
      const users = await this.requireUsers(appId, wanted, m);
      const present = await m.find(MemberEntity, { select: { userId: true }, where: { conversationId: id } });
      const have = new Set(present.map((r) => r.userId));
      const fresh = wanted.filter((u) => !have.has(u));
      if (present.length + fresh.length > MESSAGE_LIMITS.groupMembersMax) {
        throw new AppError("validation_failed", `A group has at most ${MESSAGE_LIMITS.groupMembersMax} members`);
      }
      const now = Date.now();
      const rows = fresh.map((u) => memberRow(appId, id, u, "member", now));
      const inserted: MemberEntity[] = [];
      for (const chunk of chunks(rows, 200)) inserted.push(...(await insertMembers(m, chunk)));
      const byId = new Map(users.map((u) => [u.id, u]));
      // One event per added user, addressed to them too, so someone who was not a member yet
      // receives it through sync.
      const events: NewEvent[] = inserted.map((row) => ({
        type: "member.added",
        conversationId: id,
        userId: row.userId,
        data: { conversationId: id, members: [presentMember(row)], users: [presentUser(byId.get(row.userId)!)] },
      }));
      return { result: undefined, events };
    });
    // After the commit, so rows another node added meanwhile are listed too (MySQL snapshot).
    return this.presentById(this.deps.db.manager, appId, me, id);
  }

  /**
   * Removes `userId`. Anyone may remove themselves (leave); owners and admins may remove others,
   * but admins never the owner. When the last owner leaves, the oldest admin (else the oldest
   * member) becomes owner. A group left by everyone stays, with no members.
   */
  async removeMember(appId: string, me: string, id: string, userId: string): Promise<void> {
    await this.write(appId, async (m) => {
      const { conv, actor } = await this.requireMember(m, appId, id, me);
      if (conv.kind === "direct") throw directForbidden();
      let target = actor;
      if (userId !== me) {
        if (actor.role === "member") throw new AppError("forbidden", "Only the group's owner or admins may remove members");
        const found = userId.length <= 32 ? await m.findOneBy(MemberEntity, { appId, conversationId: id, userId }) : null;
        if (!found) throw notFound("Member");
        if (found.role === "owner") throw new AppError("forbidden", "The owner cannot be removed");
        target = found;
      }
      await m.delete(MemberEntity, { conversationId: id, userId: target.userId });
      const events: NewEvent[] = [{ type: "member.removed", conversationId: id, userId: target.userId, data: { conversationId: id, userId: target.userId } }];
      if (target.role === "owner") {
        const owners = await m.countBy(MemberEntity, { conversationId: id, role: "owner" });
        if (owners === 0) {
          const heir =
            (await m.findOne(MemberEntity, { where: { conversationId: id, role: "admin" }, order: { joinedAt: "ASC", userId: "ASC" } })) ??
            (await m.findOne(MemberEntity, { where: { conversationId: id }, order: { joinedAt: "ASC", userId: "ASC" } }));
          if (heir) {
            await m.update(MemberEntity, { conversationId: id, userId: heir.userId }, { role: "owner" });
            heir.role = "owner";
            events.push({ type: "member.updated", conversationId: id, data: { conversationId: id, member: presentMember(heir) } });
          }
        }
      }
      return { result: undefined, events };
    });
  }

  /** Owner only: makes a member an admin or back. The owner's own role is not changed here. */
  async setRole(appId: string, me: string, id: string, userId: string, role: "admin" | "member"): Promise<Member> {
    return this.write(appId, async (m) => {
      const { conv, actor } = await this.requireMember(m, appId, id, me);
      if (conv.kind === "direct") throw directForbidden();
      if (actor.role !== "owner") throw new AppError("forbidden", "Only the group's owner may change roles");
      const target = userId.length <= 32 ? await m.findOneBy(MemberEntity, { appId, conversationId: id, userId }) : null;
      if (!target) throw notFound("Member");
      if (target.role === "owner") throw new AppError("forbidden", "The owner's role cannot be changed");
      const events: NewEvent[] = [];
      if (target.role !== role) {
        await m.update(MemberEntity, { conversationId: id, userId }, { role });
        target.role = role;
        events.push({ type: "member.updated", conversationId: id, data: { conversationId: id, member: presentMember(target) } });
      }
      return { result: presentMember(target), events };
    });
  }

  // -------------------------------------------------------------------------------------------
  // Helpers
  // -------------------------------------------------------------------------------------------

  /** Runs a writer in a transaction, appends its events there, publishes them after commit. */
  private async write<T>(appId: string, fn: (m: EntityManager) => Promise<{ result: T; events: NewEvent[] }>): Promise<T> {
    return writeWithEvents(this.deps, appId, fn);
  }

  private async requireMember(m: EntityManager, appId: string, id: string, me: string): Promise<{ conv: ConversationEntity; actor: MemberEntity }> {
    const actor = await this.deps.membership.require(appId, id, me, m);
    const conv = await m.findOneBy(ConversationEntity, { appId, id });
    if (!conv) throw notFound("Conversation");
    return { conv, actor };
  }

  private async requireGroupAdmin(m: EntityManager, appId: string, id: string, me: string): Promise<{ conv: ConversationEntity; actor: MemberEntity }> {
    const got = await this.requireMember(m, appId, id, me);
    if (got.conv.kind === "direct") throw directForbidden();
    if (got.actor.role === "member") throw new AppError("forbidden", "Only the group's owner or admins may do this");
    return got;
  }

  /** The users with these ids in this app; 404 if any is missing. */
  private async requireUsers(appId: string, ids: string[], m: EntityManager = this.deps.db.manager): Promise<UserEntity[]> {
    if (ids.length === 0) return [];
    if (ids.some((id) => id.length > 32)) throw notFound("User");
    const found: UserEntity[] = [];
    for (const chunk of chunks(ids, 500)) found.push(...(await m.find(UserEntity, { where: { appId, id: In(chunk) } })));
    if (found.length !== ids.length) throw notFound("User");
    return found;
  }

  private async presentById(m: EntityManager, appId: string, me: string, id: string): Promise<Conversation> {
    const conv = await m.findOneBy(ConversationEntity, { appId, id });
    if (!conv) throw notFound("Conversation");
    return (await this.presentMany(m, appId, me, [conv]))[0]!;
  }

  /**
   * Members, their profiles, last messages and unread counts for a page of conversations, in a
   * fixed number of queries (members, users, last messages + the presenter's two, one GROUP BY
   * count) whatever the page size. Where the caller is not a member (public group previews)
   * their role is null, lastMessage null and unreadCount 0.
   *
   * Conversations in events are presented from the actor's point of view (myRole, unreadCount);
   * receivers derive their own role from `members`.
   */
  private async presentMany(m: EntityManager, appId: string, me: string, convs: ConversationEntity[]): Promise<Conversation[]> {
    if (convs.length === 0) return [];
    const ids = convs.map((c) => c.id);
    const lastIds = convs.map((c) => c.lastMessageId).filter((x): x is number => x !== null);
    const [members, users, lastRows, unread] = await Promise.all([
      m.find(MemberEntity, { where: { conversationId: In(ids) }, order: { joinedAt: "ASC", userId: "ASC" } }),
      m
        .getRepository(UserEntity)
        .createQueryBuilder("u")
        .where("u.appId = :appId", { appId })
        .andWhere("u.id IN (SELECT mm.userId FROM members mm WHERE mm.conversationId IN (:...ids))", { ids })
        .getMany(),
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
      m
        .getRepository(MessageEntity)
        .createQueryBuilder("msg")
        .select("msg.conversationId", "conversationId")
        .addSelect("COUNT(*)", "n")
        .innerJoin(MemberEntity, "mem", "mem.conversationId = msg.conversationId AND mem.userId = :me", { me })
        .where("msg.conversationId IN (:...ids)", { ids })
        .andWhere("msg.id > mem.lastReadMessageId")
        .andWhere("msg.senderId != :me", { me })
        .andWhere("msg.deletedAt IS NULL")
        .groupBy("msg.conversationId")
        .getRawMany<{ conversationId: string; n: string | number }>(),
    ]);
    const messages = await this.deps.presenter.present(lastRows, me);
    const messageById = new Map(messages.map((x) => [x.id, x]));
    const userById = new Map<string, User>(users.map((u) => [u.id, presentUser(u)]));
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
      return presentConversation(c, {
        members: ms,
        users: ms.map((x) => userById.get(x.userId)).filter((u): u is User => u !== undefined),
        lastMessage: !mine || c.lastMessageId === null ? null : (messageById.get(String(c.lastMessageId)) ?? null),
        unreadCount: mine ? (unreadBy.get(c.id) ?? 0) : 0,
        myRole,
      });
    });
  }
}

function memberRow(appId: string, conversationId: string, userId: string, role: MemberRole, joinedAt: number): MemberEntity {
  return { appId, conversationId, userId, role, joinedAt, lastReadMessageId: 0 };
}


/**
 * Inserts member rows and returns those that went in. Usually all in one statement; when another
 * node inserted one of them meanwhile (a duplicate key rolls back just that statement), row by row.
 */
async function insertMembers(m: EntityManager, rows: MemberEntity[]): Promise<MemberEntity[]> {
  if (rows.length === 0) return [];
  try {
    await m.insert(MemberEntity, rows);
    return rows;
  } catch (err) {
    if (!isUniqueViolation(err)) throw err;
  }
  const inserted: MemberEntity[] = [];
  for (const row of rows) if ((await insertIgnoring(m, MemberEntity, [row])) > 0) inserted.push(row);
  return inserted;
}

function chunks<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
