import { In, IsNull, type DataSource, type EntityManager } from "typeorm";
import { type Conversation, type CustomData, type GroupInvitation, type GroupInvitationStatus, type Member, type MemberRole } from "@parley/sdk/protocol";
import { BlockEntity, ContactEntity, ContactRequestEntity } from "../contacts/contact.entities.js";
import { acceptPendingInvitations, answerInvitation, createInvitations } from "../contacts/invitations.js";
import { isUniqueViolation } from "../db/db-errors.js";
import { insertIgnoring } from "../db/insert-ignoring.js";
import { keysetAfter } from "../db/keyset.js";
import { dialectOf, marks, rowMarks, valuesTable } from "../db/sql.js";
import type { UnitOfWork } from "../db/unit-of-work.js";
import type { NewEvent } from "../events/event-log.js";
import type { MessagePresenter } from "../messages/messages.presenter.js";
import { type Caller, isUserCaller, type ServerCaller, type UserCaller, userOf } from "../shared/caller.js";
import { chunks } from "../shared/chunks.js";
import { type DataFilter, indexableScalars, storeData } from "../shared/custom-data.js";
import { AppError, notFound } from "../shared/errors.js";
import { canExist, newId } from "../shared/ids.js";
import { invalidField } from "../shared/validate.js";
import { UserEntity } from "../users/user.entity.js";
import type { UsersService } from "../users/users.service.js";
import { presentUser } from "../users/users.presenter.js";
import { ConversationEntity } from "./conversation.entity.js";
import { presentInvitation, presentMember } from "./conversations.presenter.js";
import { GroupPolicy, TRUSTED_SETTINGS, type GroupSettings } from "./group-policy.js";
import { appointHeir } from "./heir.js";
import { MemberEntity } from "./member.entity.js";
import { presentMany, type View } from "./present-many.js";
import type { MembershipGuard } from "./membership.js";

export interface ListOptions {
  limit: number;
  cursor?: { t: number; i: string } | undefined;
  /** `filter[data.<field>]=<value>`: all must match (conversation_data_index). */
  filters?: DataFilter[] | undefined;
  /** The host's idempotency key (server callers only). */
  key?: string | undefined;
}

/** A conversation the host's backend creates (`POST /v1/server/conversations`), members by user id. */
export interface ServerCreateInput {
  kind: "direct" | "group";
  userIds: string[];
  name?: string | undefined;
  key?: string | undefined;
  data?: CustomData | undefined;
  isPublic?: boolean | undefined;
}

export interface PublicOptions {
  q: string;
  limit: number;
  cursor?: { n: string; i: string } | undefined;
}

export interface InvitationListOptions {
  limit: number;
  cursor?: { t: number; i: string } | undefined;
}

/**
 * Rule for direct conversations (one place, applied everywhere): they have exactly their two
 * members for life, so renaming, adding, removing, leaving and role changes answer
 * 403 `forbidden` (after the membership check, so a non-member still gets 404). Joining
 * answers 404 like any non-public conversation, since a DM is never public.
 */
const directForbidden = (): AppError => new AppError("forbidden", "Direct conversations cannot be changed this way");

const escapeLike = (s: string): string => s.replace(/[!%_]/g, (c) => "!" + c);

/** What the conversations service is built from. */
export interface ConversationsDeps {
  db: DataSource;
  uow: UnitOfWork;
  presenter: MessagePresenter;
  membership: MembershipGuard;
  users: UsersService;
  /** Moderation's bans (moderation/gate.ts): a banned user is never let in again. */
  bans?: { assertNotBanned(m: EntityManager, appId: string, conversationId: string, userIds: string[]): Promise<void> } | undefined;
  /** The word filter, for group names when the app filters names (moderation/gate.ts). */
  names?: { filterName(appId: string, name: string, m?: EntityManager): Promise<string> } | undefined;
}

/** Conversations and their members. Every query is scoped by the caller's app. */
export class ConversationsService {
  constructor(private readonly deps: ConversationsDeps) {}

  // -------------------------------------------------------------------------------------------
  // Reads
  // -------------------------------------------------------------------------------------------

  /** One page of the caller's conversations, most recent activity first. Constant query count. */
  async list(caller: Caller, opts: ListOptions): Promise<{ items: Conversation[]; last: ConversationEntity | undefined; more: boolean }> {
    const { appId } = caller;
    // End users list their own conversations; the host's backend any of its app (as no one).
    const me = isUserCaller(caller) ? caller.user : "";
    const qb = this.deps.db.getRepository(ConversationEntity).createQueryBuilder("c");
    if (isUserCaller(caller)) qb.innerJoin(MemberEntity, "mine", "mine.conversationId = c.id AND mine.userId = :me AND mine.appId = :appId", { me, appId });
    // Each filter is one primary-key range of conversation_data_index (appId, field, value, conversationId).
    (opts.filters ?? []).forEach((f, n) => {
      qb.innerJoin(
        "conversation_data_index",
        `f${n}`,
        `f${n}.appId = :appId AND f${n}.field = :field${n} AND f${n}.value = :value${n} AND f${n}.conversationId = c.id`,
        {
          appId,
          [`field${n}`]: f.field,
          [`value${n}`]: f.value,
        },
      );
    });
    qb.where("c.appId = :appId", { appId });
    if (opts.key !== undefined && !isUserCaller(caller)) qb.andWhere("c.externalKey = :key", { key: opts.key });
    if (opts.cursor) keysetAfter(qb, "desc", ["c.lastActivityAt", "c.id"], [opts.cursor.t, opts.cursor.i]);
    // limit(), not take(): with a join, take() would add a second "distinct ids" query.
    const rows = await qb
      .orderBy("c.lastActivityAt", "DESC")
      .addOrderBy("c.id", "DESC")
      .limit(opts.limit + 1)
      .getMany();
    const page = rows.slice(0, opts.limit);
    return { items: await this.presentMany(this.deps.db.manager, appId, me, page), last: page[page.length - 1], more: rows.length > opts.limit };
  }

  /** Public groups of the app whose name starts with `q`, by (name, id). */
  async listPublic(caller: Caller, opts: PublicOptions): Promise<{ items: Conversation[]; last: ConversationEntity | undefined; more: boolean }> {
    const { appId } = caller;
    const me = userOf(caller);
    const qb = this.deps.db
      .getRepository(ConversationEntity)
      .createQueryBuilder("c")
      // isPublic as the literal 1: better-sqlite3 cannot bind booleans, and both store 1 for true.
      .where("c.appId = :appId AND c.isPublic = 1 AND c.kind = 'group'", { appId });
    if (opts.q) qb.andWhere("c.name LIKE :prefix ESCAPE '!'", { prefix: escapeLike(opts.q) + "%" });
    if (opts.cursor) keysetAfter(qb, "asc", ["c.name", "c.id"], [opts.cursor.n, opts.cursor.i]);
    const rows = await qb
      .orderBy("c.name", "ASC")
      .addOrderBy("c.id", "ASC")
      .limit(opts.limit + 1)
      .getMany();
    const page = rows.slice(0, opts.limit);
    return { items: await this.presentMany(this.deps.db.manager, appId, me, page), last: page[page.length - 1], more: rows.length > opts.limit };
  }

  /** A conversation the caller is a member of (404 otherwise). */
  async get(caller: Caller, id: string): Promise<Conversation> {
    const { appId } = caller;
    if (!isUserCaller(caller)) {
      await this.requireInApp(appId, id);
      return this.presentById(this.deps.db.manager, appId, "", id);
    }
    const me = caller.user;
    await this.deps.membership.require(appId, id, me);
    return this.presentById(this.deps.db.manager, appId, me, id);
  }

  /**
   * Conversations of the caller's app among `ids`, in that order, presented as the list presents
   * them (batched: a fixed number of queries). For search results, whose ids the caller's
   * membership already chose; ids of no conversation of the app are left out.
   */
  async presentMine(caller: UserCaller, ids: string[]): Promise<Conversation[]> {
    if (ids.length === 0) return [];
    // By primary key only (the app checked here), so no (appId, …) index is scanned instead.
    const found = await this.deps.db.manager.find(ConversationEntity, { where: { id: In(ids) } });
    const byId = new Map(found.filter((c) => c.appId === caller.appId).map((c) => [c.id, c]));
    return this.presentMany(
      this.deps.db.manager,
      caller.appId,
      caller.user,
      ids.flatMap((id) => byId.get(id) ?? []),
    );
  }

  /** A conversation of the app, whoever asks (the host's backend): 404 otherwise. */
  async requireInApp(appId: string, id: string, m: EntityManager = this.deps.db.manager): Promise<ConversationEntity> {
    const conv = canExist(id) ? await m.findOneBy(ConversationEntity, { appId, id }) : null;
    // Exact match: MySQL's unicode_ci would also find `CNV_…` for `cnv_…`.
    if (!conv || conv.id !== id) throw notFound("Conversation");
    return conv;
  }

  // -------------------------------------------------------------------------------------------
  // Creation
  // -------------------------------------------------------------------------------------------

  /**
   * The one DM between the caller and `otherId`. The unique (appId, directKey) index decides
   * races: the insert that loses reads the winner's row instead.
   */
  async createDirect(caller: Caller, input: { userId: string }): Promise<{ conversation: Conversation; created: boolean }> {
    const { appId } = caller;
    const me = userOf(caller);
    const otherId = input.userId;
    if (otherId === me) throw new AppError("validation_failed", "You cannot start a direct conversation with yourself");
    // Both live: a deleted account's access token (valid a few minutes more) starts nothing.
    await this.requireUsers(appId, [otherId, me]);
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
      externalKey: null,
      data: null,
    };
    const members = [me, otherId].map((userId) => memberRow(appId, conv.id, userId, "member", now));
    try {
      const conversation = await this.deps.uow.write(appId, async (m) => {
        await m.insert(ConversationEntity, conv);
        await m.insert(MemberEntity, members);
        const conversation = await this.presentById(m, appId, me, conv.id, "event");
        return { result: conversation, events: [{ type: "conversation.created", conversationId: conv.id, data: { conversation } }] };
      });
      return { conversation, created: true };
    } catch (err) {
      if (!isUniqueViolation(err)) throw err;
      const winner = await this.deps.db.getRepository(ConversationEntity).findOneBy({ appId, directKey });
      if (!winner) throw err;
      return { conversation: await this.presentById(this.deps.db.manager, appId, me, winner.id), created: false };
    }
  }

  /**
   * A group with the caller as owner. Of `memberIds` (users of the same app), the caller's
   * contacts become members at once; anyone else is invited (they join when they accept), unless
   * the app allows direct adds. A block between the caller and any of them refuses the whole
   * group (403). `policy` applies the app's size limit and the caller's hourly quotas; the
   * routes always pass one, and only the server itself (seeding, tools) calls without.
   */
  async createGroup(caller: Caller, input: { name: string; memberIds: string[]; isPublic?: boolean | undefined }, policy?: GroupPolicy): Promise<Conversation> {
    const { appId } = caller;
    const me = userOf(caller);
    const name = await this.filteredName(appId, input.name);
    const others = [...new Set(input.memberIds)].filter((id) => id !== me);
    const settings = await this.settingsOf(appId, policy);
    if (others.length + 1 > settings.maxMembers) {
      throw new AppError("validation_failed", `A group has at most ${settings.maxMembers} members`);
    }
    await policy?.takeGroup(appId, me);
    await policy?.takeAdds(appId, me, others.length);
    await this.requireUsers(appId, [...others, me]);
    const now = Date.now();
    const conv: ConversationEntity = {
      id: newId("cnv"),
      appId,
      kind: "group",
      name,
      isPublic: input.isPublic ?? false,
      directKey: null,
      createdBy: me,
      createdAt: now,
      lastActivityAt: now,
      lastMessageId: null,
      externalKey: null,
      data: null,
    };
    return this.deps.uow.write(appId, async (m) => {
      await ensureNoBlocks(m, appId, me, others);
      const { direct, invite } = await this.splitByConsent(m, appId, me, others, settings);
      const rows = [memberRow(appId, conv.id, me, "owner", now), ...direct.map((u) => memberRow(appId, conv.id, u, "member", now))];
      await m.insert(ConversationEntity, conv);
      for (const chunk of chunks(rows, 200)) await m.insert(MemberEntity, chunk);
      const invitations = await this.invite(m, appId, me, conv.id, invite, now);
      const conversation = await this.presentById(m, appId, me, conv.id, "event");
      return { result: conversation, events: [{ type: "conversation.created", conversationId: conv.id, data: { conversation } }, ...invitations] };
    });
  }

  // -------------------------------------------------------------------------------------------
  // Changes (groups only)
  // -------------------------------------------------------------------------------------------

  /**
   * Owners and admins of a group change its name and visibility. The host's backend changes any
   * conversation of its app: a group's name, and custom data of any (`data: null` clears it).
   */
  async update(
    caller: Caller,
    input: { id: string; name?: string | undefined; isPublic?: boolean | undefined; data?: CustomData | null | undefined },
  ): Promise<Conversation> {
    const { appId } = caller;
    const server = !isUserCaller(caller);
    const me = isUserCaller(caller) ? caller.user : "";
    const { id, ...patch } = input;
    return this.deps.uow.write(appId, async (m) => {
      const conv = server ? await this.requireInApp(appId, id, m) : (await this.requireGroupAdmin(m, appId, id, me)).conv;
      if (conv.kind === "direct" && (patch.name !== undefined || patch.isPublic !== undefined)) throw directForbidden();
      const changes: Partial<ConversationEntity> = {};
      if (patch.name !== undefined) changes.name = await this.filteredName(appId, patch.name, m);
      if (patch.isPublic !== undefined) changes.isPublic = patch.isPublic;
      if (server && patch.data !== undefined) {
        changes.data = storeData(patch.data);
        await writeDataIndex(m, appId, conv.id, patch.data, true);
      }
      if (Object.keys(changes).length > 0) await m.update(ConversationEntity, { appId, id: conv.id }, changes);
      const conversation = await this.presentById(m, appId, me, conv.id, "event");
      return { result: conversation, events: [{ type: "conversation.updated", conversationId: conv.id, data: { conversation } }] };
    });
  }

  /**
   * Joins a public group; joining again changes nothing. Non-public or unknown: 404.
   * Joins racing on several nodes insert with OR IGNORE: only the one whose row went in sends
   * member.added, the others answer 200 like a repeated join.
   */
  async join(caller: Caller, id: string, policy?: GroupPolicy): Promise<Conversation> {
    const { appId } = caller;
    const me = userOf(caller);
    const settings = await this.settingsOf(appId, policy);
    await this.requireUsers(appId, [me]);
    await this.deps.uow.write(appId, async (m) => {
      const conv = canExist(id) ? await m.findOneBy(ConversationEntity, { appId, id }) : null;
      if (conv?.kind !== "group" || !conv.isPublic) throw notFound("Conversation");
      const none = { result: undefined, events: [] as NewEvent[] };
      if (await m.existsBy(MemberEntity, { appId, conversationId: id, userId: me })) return none;
      const pending = await m.findOneBy(ContactRequestEntity, { appId, conversationId: id, toUserId: me, status: "pending" });
      return { result: undefined, events: await this.enter(m, appId, me, id, settings, pending) };
    });
    // Presented after the commit: on MySQL a join that lost the race would not see the
    // winner's row in its own transaction's snapshot.
    return this.presentById(this.deps.db.manager, appId, me, id);
  }

  /**
   * Adds users of the same app; those already in (or already invited) are skipped, also when
   * another node adds them at the same moment (one member.added per row this call inserted).
   * Owner/admin only. Contacts of the caller are added; anyone else is invited (see createGroup).
   */
  async addMembers(caller: Caller, input: { id: string; userIds: string[] }, policy?: GroupPolicy): Promise<Conversation> {
    if (!isUserCaller(caller)) return this.addMembersByServer(caller, input);
    const { appId } = caller;
    const me = userOf(caller);
    const { id, userIds } = input;
    const settings = await this.settingsOf(appId, policy);
    const wanted = [...new Set(userIds)];
    await policy?.takeAdds(appId, me, wanted.length);
    await this.deps.uow.write(appId, async (m) => {
      await this.requireGroupAdmin(m, appId, id, me);
      const users = await this.requireUsers(appId, wanted, m);
      const present = await m.find(MemberEntity, { select: { userId: true }, where: { conversationId: id } });
      const invited = await m.find(ContactRequestEntity, { select: { toUserId: true }, where: { conversationId: id, status: "pending" } });
      const have = new Set([...present.map((r) => r.userId), ...invited.map((r) => r.toUserId)]);
      const fresh = wanted.filter((u) => !have.has(u));
      if (present.length + invited.length + fresh.length > settings.maxMembers) {
        throw new AppError("validation_failed", `A group has at most ${settings.maxMembers} members`);
      }
      await ensureNoBlocks(m, appId, me, fresh);
      await this.deps.bans?.assertNotBanned(m, appId, id, fresh);
      const { direct, invite } = await this.splitByConsent(m, appId, me, fresh, settings);
      const now = Date.now();
      const rows = direct.map((u) => memberRow(appId, id, u, "member", now));
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
      events.push(...(await this.invite(m, appId, me, id, invite, now)));
      return { result: undefined, events };
    });
    // After the commit, so rows another node added meanwhile are listed too (MySQL snapshot).
    return this.presentById(this.deps.db.manager, appId, me, id);
  }

  // -------------------------------------------------------------------------------------------
  // The host's backend (server API): no consent, no quotas, no human owner
  // -------------------------------------------------------------------------------------------

  /**
   * A conversation the host's backend asks for, idempotently: the one with its `key` (unique per
   * app) if there is one, else, for a direct conversation, the pair's one DM, else a new one. A
   * group made here has no owner: every member is a plain member and the server API manages it
   * (members may still leave). Races are decided by the unique (appId, externalKey) and
   * (appId, directKey) indexes: the insert that loses answers the winner's row.
   */
  async createByServer(caller: ServerCaller, input: ServerCreateInput): Promise<{ conversation: Conversation; created: boolean }> {
    const { appId } = caller;
    const userIds = [...new Set(input.userIds)];
    const existing = async (): Promise<ConversationEntity | null> => {
      const repo = this.deps.db.getRepository(ConversationEntity);
      const byKey = input.key !== undefined ? await repo.findOneBy({ appId, externalKey: input.key }) : null;
      if (byKey) return byKey;
      return directKey !== null ? repo.findOneBy({ appId, directKey }) : null;
    };
    let directKey: string | null = null;
    if (input.kind === "direct") {
      if (userIds.length !== 2) throw invalidField("users", "A direct conversation has exactly two different users");
      directKey = [...userIds].sort().join(":");
    } else {
      const settings = await this.settingsOf(appId, undefined);
      if (userIds.length > settings.maxMembers) throw new AppError("validation_failed", `A group has at most ${settings.maxMembers} members`);
    }
    const found = await existing();
    if (found) return { conversation: await this.presentById(this.deps.db.manager, appId, "", found.id), created: false };
    await this.requireUsers(appId, userIds);
    const name = input.kind === "group" && input.name !== undefined ? await this.filteredName(appId, input.name) : null;
    const now = Date.now();
    const conv: ConversationEntity = {
      id: newId("cnv"),
      appId,
      kind: input.kind,
      name,
      isPublic: input.kind === "group" ? (input.isPublic ?? false) : false,
      directKey,
      createdBy: caller.server,
      createdAt: now,
      lastActivityAt: now,
      lastMessageId: null,
      externalKey: input.key ?? null,
      data: storeData(input.data),
    };
    try {
      const conversation = await this.deps.uow.write(appId, async (m) => {
        // A new conversation has no bans of its own: this refuses users banned from the app.
        await this.deps.bans?.assertNotBanned(m, appId, conv.id, userIds);
        await m.insert(ConversationEntity, conv);
        const rows = userIds.map((u) => memberRow(appId, conv.id, u, "member", now));
        for (const chunk of chunks(rows, 200)) await m.insert(MemberEntity, chunk);
        await writeDataIndex(m, appId, conv.id, input.data ?? null, false);
        const conversation = await this.presentById(m, appId, "", conv.id, "event");
        return { result: conversation, events: [{ type: "conversation.created", conversationId: conv.id, data: { conversation } }] };
      });
      return { conversation, created: true };
    } catch (err) {
      if (!isUniqueViolation(err)) throw err;
      const winner = await existing();
      if (!winner) throw err;
      return { conversation: await this.presentById(this.deps.db.manager, appId, "", winner.id), created: false };
    }
  }

  /** Adds users to a group of the app at once (no consent, no quota); those already in are skipped. */
  private async addMembersByServer(caller: ServerCaller, input: { id: string; userIds: string[] }): Promise<Conversation> {
    const { appId } = caller;
    const wanted = [...new Set(input.userIds)];
    const settings = await this.settingsOf(appId, undefined);
    await this.deps.uow.write(appId, async (m) => {
      const conv = await this.requireInApp(appId, input.id, m);
      if (conv.kind === "direct") throw directForbidden();
      const users = await this.requireUsers(appId, wanted, m);
      const present = await m.find(MemberEntity, { select: { userId: true }, where: { conversationId: conv.id } });
      const have = new Set(present.map((r) => r.userId));
      const fresh = wanted.filter((u) => !have.has(u));
      if (present.length + fresh.length > settings.maxMembers) throw new AppError("validation_failed", `A group has at most ${settings.maxMembers} members`);
      await this.deps.bans?.assertNotBanned(m, appId, conv.id, fresh);
      const now = Date.now();
      const inserted: MemberEntity[] = [];
      for (const chunk of chunks(
        fresh.map((u) => memberRow(appId, conv.id, u, "member", now)),
        200,
      ))
        inserted.push(...(await insertMembers(m, chunk)));
      // Pending invitations of the users now in are answered: they are members.
      await acceptPendingInvitations(
        m,
        appId,
        conv.id,
        inserted.map((r) => r.userId),
        now,
      );
      const byId = new Map(users.map((u) => [u.id, u]));
      const events: NewEvent[] = inserted.map((row) => ({
        type: "member.added",
        conversationId: conv.id,
        userId: row.userId,
        data: { conversationId: conv.id, members: [presentMember(row)], users: [presentUser(byId.get(row.userId)!)] },
      }));
      return { result: undefined, events };
    });
    return this.presentById(this.deps.db.manager, appId, "", input.id);
  }

  /** Removes a member of a group of the app, whatever their role (404 when not a member). */
  private async removeMemberByServer(caller: ServerCaller, input: { id: string; userId: string }): Promise<void> {
    const { appId } = caller;
    await this.deps.uow.write(appId, async (m) => {
      const conv = await this.requireInApp(appId, input.id, m);
      if (conv.kind === "direct") throw directForbidden();
      const found = canExist(input.userId) ? await m.findOneBy(MemberEntity, { appId, conversationId: conv.id, userId: input.userId }) : null;
      if (!found || found.userId !== input.userId) throw notFound("Member");
      await m.delete(MemberEntity, { conversationId: conv.id, userId: found.userId });
      return {
        result: undefined,
        events: [{ type: "member.removed", conversationId: conv.id, userId: found.userId, data: { conversationId: conv.id, userId: found.userId } }],
      };
    });
  }

  // -------------------------------------------------------------------------------------------
  // Invitations (consent to be added by a non-contact)
  // -------------------------------------------------------------------------------------------

  /** The caller's pending group invitations, newest first, keyset on (createdAt, id). */
  async listInvitations(
    caller: Caller,
    opts: InvitationListOptions,
  ): Promise<{ items: GroupInvitation[]; last: ContactRequestEntity | undefined; more: boolean }> {
    const { appId } = caller;
    const me = userOf(caller);
    const qb = this.deps.db
      .getRepository(ContactRequestEntity)
      .createQueryBuilder("r")
      .where("r.appId = :appId AND r.toUserId = :me AND r.status = 'pending' AND r.conversationId IS NOT NULL", { appId, me });
    if (opts.cursor) keysetAfter(qb, "desc", ["r.createdAt", "r.id"], [opts.cursor.t, opts.cursor.i]);
    const rows = await qb
      .orderBy("r.createdAt", "DESC")
      .addOrderBy("r.id", "DESC")
      .limit(opts.limit + 1)
      .getMany();
    const page = rows.slice(0, opts.limit);
    const items = (await this.presentInvitations(this.deps.db.manager, appId, page)).filter((x): x is GroupInvitation => x !== undefined);
    return { items, last: page[page.length - 1], more: rows.length > opts.limit };
  }

  /** The invitee joins the group (member.added to everyone); 404 unless the invitation is theirs and pending. */
  async acceptInvitation(caller: Caller, invitationId: string, policy?: GroupPolicy): Promise<Conversation> {
    const { appId } = caller;
    const me = userOf(caller);
    const settings = await this.settingsOf(appId, policy);
    const conversationId = await this.deps.uow.write(appId, async (m) => {
      const row = await this.pendingInvitation(m, appId, me, invitationId);
      return { result: row.conversationId!, events: await this.enter(m, appId, me, row.conversationId!, settings, row) };
    });
    return this.presentById(this.deps.db.manager, appId, me, conversationId);
  }

  /** The invitee says no; whoever invited them hears of it. */
  async declineInvitation(caller: Caller, invitationId: string): Promise<void> {
    const { appId } = caller;
    const me = userOf(caller);
    await this.deps.uow.write(appId, async (m) => {
      const row = await this.pendingInvitation(m, appId, me, invitationId);
      return { result: undefined, events: await this.answerInvitation(m, appId, row, "declined", [me, row.fromUserId]) };
    });
  }

  /**
   * Removes `userId`. Anyone may remove themselves (leave); owners and admins may remove others,
   * but admins never the owner. When the last owner leaves, the oldest admin (else the oldest
   * member) becomes owner. A group left by everyone stays, with no members.
   */
  async removeMember(caller: Caller, input: { id: string; userId: string }): Promise<void> {
    if (!isUserCaller(caller)) return this.removeMemberByServer(caller, input);
    const { appId } = caller;
    const me = userOf(caller);
    const { id, userId } = input;
    await this.deps.uow.write(appId, async (m) => {
      const { conv, actor } = await this.requireMember(m, appId, id, me);
      if (conv.kind === "direct") throw directForbidden();
      let target = actor;
      if (userId !== me) {
        if (actor.role === "member") throw new AppError("forbidden", "Only the group's owner or admins may remove members");
        const found = canExist(userId) ? await m.findOneBy(MemberEntity, { appId, conversationId: id, userId }) : null;
        if (!found) {
          // Not a member but invited: removing them withdraws the invitation.
          const invited = canExist(userId) ? await m.findOneBy(ContactRequestEntity, { appId, conversationId: id, toUserId: userId, status: "pending" }) : null;
          if (!invited) throw notFound("Member");
          return { result: undefined, events: await this.answerInvitation(m, appId, invited, "cancelled", [userId]) };
        }
        if (found.role === "owner") throw new AppError("forbidden", "The owner cannot be removed");
        target = found;
      }
      return { result: undefined, events: await this.removeRow(m, id, target) };
    });
  }

  /**
   * Moderation (a ban from a group), inside the moderation unit: the user's membership goes (the
   * owner's too, with an heir as when they leave), or their pending invitation is withdrawn.
   * Answers the events to emit; none when they were neither member nor invited.
   */
  async expel(m: EntityManager, appId: string, id: string, userId: string): Promise<NewEvent[]> {
    const found = await m.findOneBy(MemberEntity, { appId, conversationId: id, userId });
    if (found && found.userId === userId) return this.removeRow(m, id, found);
    const invited = await m.findOneBy(ContactRequestEntity, { appId, conversationId: id, toUserId: userId, status: "pending" });
    return invited ? this.answerInvitation(m, appId, invited, "cancelled", [userId]) : [];
  }

  /** Deletes a member row; when the last owner goes, the oldest admin (else member) becomes owner. */
  private async removeRow(m: EntityManager, id: string, target: MemberEntity): Promise<NewEvent[]> {
    await m.delete(MemberEntity, { conversationId: id, userId: target.userId });
    const events: NewEvent[] = [{ type: "member.removed", conversationId: id, userId: target.userId, data: { conversationId: id, userId: target.userId } }];
    if (target.role === "owner") events.push(...(await appointHeir(m, id)));
    return events;
  }

  /** Owner only: makes a member an admin or back. The owner's own role is not changed here. */
  async setRole(caller: Caller, input: { id: string; userId: string; role: "admin" | "member" }): Promise<Member> {
    const { appId } = caller;
    const me = userOf(caller);
    const { id, userId, role } = input;
    return this.deps.uow.write(appId, async (m) => {
      const { conv, actor } = await this.requireMember(m, appId, id, me);
      if (conv.kind === "direct") throw directForbidden();
      if (actor.role !== "owner") throw new AppError("forbidden", "Only the group's owner may change roles");
      const target = canExist(userId) ? await m.findOneBy(MemberEntity, { appId, conversationId: id, userId }) : null;
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

  /**
   * Inside a send's unit: the conversations' last message and activity time, in one UPDATE; never
   * backwards (another node may have committed a newer one).
   */
  async touchLastMessages(m: EntityManager, last: Map<string, number>, now: number): Promise<void> {
    const dialect = dialectOf(m);
    const v = valuesTable(dialect, ["id", "last"], [...last]);
    if (dialect === "mysql") {
      await m.query(
        `UPDATE conversations c JOIN ${v.sql} ON c.id = v.id SET c.lastMessageId = v.last, c.lastActivityAt = ?
          WHERE c.lastMessageId IS NULL OR c.lastMessageId < v.last`,
        [...v.params, now],
      );
    } else {
      await m.query(
        `UPDATE conversations SET lastMessageId = v.last, lastActivityAt = ? FROM ${v.sql}
          WHERE conversations.id = v.id AND (conversations.lastMessageId IS NULL OR conversations.lastMessageId < v.last)`,
        [now, ...v.params],
      );
    }
  }

  // -------------------------------------------------------------------------------------------
  // Helpers
  // -------------------------------------------------------------------------------------------

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

  private settingsOf(appId: string, policy: GroupPolicy | undefined): Promise<GroupSettings> {
    return policy ? policy.settings(this.deps.db, appId) : Promise.resolve(TRUSTED_SETTINGS);
  }

  /** A group name as the app's word filter leaves it (as given unless the app filters names). */
  private filteredName(appId: string, name: string, m?: EntityManager): Promise<string> {
    return this.deps.names ? this.deps.names.filterName(appId, name, m) : Promise.resolve(name);
  }

  /** Consent: the caller's contacts may be added at once; others are invited, unless the app allows direct adds. */
  private async splitByConsent(
    m: EntityManager,
    appId: string,
    me: string,
    ids: string[],
    settings: GroupSettings,
  ): Promise<{ direct: string[]; invite: string[] }> {
    if (settings.directAdd || ids.length === 0) return { direct: ids, invite: [] };
    const contacts = new Set<string>();
    for (const chunk of chunks(ids, 500)) {
      const rows = await m.find(ContactEntity, { select: { contactId: true }, where: { appId, userId: me, contactId: In(chunk) } });
      for (const r of rows) contacts.add(r.contactId);
    }
    return { direct: ids.filter((u) => contacts.has(u)), invite: ids.filter((u) => !contacts.has(u)) };
  }

  /** Invites users to a group: a pending request each, and an `invitation.updated` to each invitee. */
  private async invite(m: EntityManager, appId: string, inviter: string, conversationId: string, userIds: string[], now: number): Promise<NewEvent[]> {
    if (userIds.length === 0) return [];
    const rows = await createInvitations(m, { appId, inviter, conversationId, userIds, now });
    const invitations = await this.presentInvitations(m, appId, rows);
    return rows.flatMap((r, i) => (invitations[i] ? [invitationEvent(r.toUserId, invitations[i], "pending")] : []));
  }

  /**
   * Makes the caller a member (a public join, or an accepted invitation) if the group has room;
   * the invitation, and any other pending one to this group, counts as accepted.
   */
  private async enter(
    m: EntityManager,
    appId: string,
    me: string,
    id: string,
    settings: GroupSettings,
    invitation: ContactRequestEntity | null,
  ): Promise<NewEvent[]> {
    const events: NewEvent[] = [];
    if (!(await m.existsBy(MemberEntity, { appId, conversationId: id, userId: me }))) {
      await this.deps.bans?.assertNotBanned(m, appId, id, [me]);
      const count = await m.countBy(MemberEntity, { conversationId: id });
      if (count >= settings.maxMembers) throw new AppError("conflict", "This group is full");
      const row = memberRow(appId, id, me, "member", Date.now());
      if ((await insertIgnoring(m, MemberEntity, [row])) > 0) {
        const user = presentUser(await this.deps.users.get(appId, me));
        events.push({ type: "member.added", conversationId: id, userId: me, data: { conversationId: id, members: [presentMember(row)], users: [user] } });
      }
    }
    if (invitation) events.push(...(await this.answerInvitation(m, appId, invitation, "accepted", [me])));
    await acceptPendingInvitations(m, appId, id, [me], Date.now());
    return events;
  }

  /** The invitation with this id addressed to the caller: 404 otherwise, 409 once answered. */
  private async pendingInvitation(m: EntityManager, appId: string, me: string, invitationId: string): Promise<ContactRequestEntity> {
    const row = canExist(invitationId) ? await m.findOneBy(ContactRequestEntity, { appId, id: invitationId, toUserId: me }) : null;
    if (!row || row.conversationId === null || row.id !== invitationId) throw notFound("Invitation");
    if (row.status !== "pending") throw new AppError("conflict", `This invitation is already ${row.status}`);
    return row;
  }

  /** Answers a pending invitation (conditionally: of two racing answers one wins, the other is a 409). */
  private async answerInvitation(
    m: EntityManager,
    appId: string,
    row: ContactRequestEntity,
    status: GroupInvitationStatus,
    audience: string[],
  ): Promise<NewEvent[]> {
    const now = Date.now();
    if (!(await answerInvitation(m, appId, row.id, status, now))) throw new AppError("conflict", "This invitation was already answered");
    Object.assign(row, { status, respondedAt: now });
    const [invitation] = await this.presentInvitations(m, appId, [row]);
    return invitation ? [...new Set(audience)].map((userId) => invitationEvent(userId, invitation, status)) : [];
  }

  /** Invitations with their group's name and size and the inviter's profile: three queries for any number. */
  private async presentInvitations(m: EntityManager, appId: string, rows: ContactRequestEntity[]): Promise<(GroupInvitation | undefined)[]> {
    if (rows.length === 0) return [];
    const convIds = [...new Set(rows.map((r) => r.conversationId!))];
    const inviterIds = [...new Set(rows.map((r) => r.fromUserId))];
    const [convs, counts, inviters] = await Promise.all([
      m.find(ConversationEntity, { select: { id: true, name: true }, where: { appId, id: In(convIds) } }),
      m
        .getRepository(MemberEntity)
        .createQueryBuilder("mm")
        .select("mm.conversationId", "conversationId")
        .addSelect("COUNT(*)", "n")
        .where("mm.conversationId IN (:...convIds)", { convIds })
        .groupBy("mm.conversationId")
        .getRawMany<{ conversationId: string; n: string | number }>(),
      m.find(UserEntity, { where: { appId, id: In(inviterIds) } }),
    ]);
    const convBy = new Map(convs.map((c) => [c.id, c]));
    const countBy = new Map(counts.map((c) => [c.conversationId, Number(c.n)]));
    const inviterBy = new Map(inviters.map((u) => [u.id, presentUser(u)]));
    return rows.map((r) => {
      const conv = convBy.get(r.conversationId!);
      const inviter = inviterBy.get(r.fromUserId);
      return conv && inviter ? presentInvitation(r, conv.name, countBy.get(conv.id) ?? 0, inviter) : undefined;
    });
  }

  /** The users with these ids in this app; 404 if any is missing. */
  private async requireUsers(appId: string, ids: string[], m: EntityManager = this.deps.db.manager): Promise<UserEntity[]> {
    if (ids.length === 0) return [];
    if (!ids.every(canExist)) throw notFound("User");
    const found: UserEntity[] = [];
    // A deleted account (a tombstone) is not someone to talk to.
    for (const chunk of chunks(ids, 500)) found.push(...(await m.find(UserEntity, { where: { appId, id: In(chunk), deletedAt: IsNull() } })));
    if (found.length !== ids.length) throw notFound("User");
    return found;
  }

  private async presentById(m: EntityManager, appId: string, me: string, id: string, view: View = "viewer"): Promise<Conversation> {
    const conv = await m.findOneBy(ConversationEntity, { appId, id });
    if (!conv) throw notFound("Conversation");
    return (await this.presentMany(m, appId, me, [conv], view))[0]!;
  }

  /** A page of conversations as the caller sees them (conversations/present-many.ts). */
  private presentMany(m: EntityManager, appId: string, me: string, convs: ConversationEntity[], view: View = "viewer"): Promise<Conversation[]> {
    return presentMany(this.deps.presenter, m, appId, me, convs, view);
  }
}

/**
 * Inside a unit: the filter rows of a conversation's custom data (its top-level scalars), replacing
 * the old ones when `replace`. conversation_data_index is this service's table.
 */
async function writeDataIndex(m: EntityManager, appId: string, conversationId: string, data: CustomData | null, replace: boolean): Promise<void> {
  if (replace) await m.query("DELETE FROM conversation_data_index WHERE conversationId = ?", [conversationId]);
  const rows = indexableScalars(data);
  if (rows.length === 0) return;
  await m.query(
    `INSERT INTO conversation_data_index (appId, field, value, conversationId) VALUES ${rowMarks(rows.length, 4)}`,
    rows.flatMap((r) => [appId, r.field, r.value, conversationId]),
  );
}

/** A block between the caller and any of `ids`, either way, refuses the whole change (403). */
async function ensureNoBlocks(m: EntityManager, appId: string, me: string, ids: string[]): Promise<void> {
  for (const chunk of chunks(ids, 500)) {
    const rows: { blockerId: string }[] = await m.query(
      `SELECT blockerId FROM blocks WHERE appId = ? AND ((blockerId = ? AND blockedId IN (${marks(chunk.length)})) OR (blockedId = ? AND blockerId IN (${marks(chunk.length)})))`,
      [appId, me, ...chunk, me, ...chunk],
    );
    if (rows.some((r) => r.blockerId === me)) throw new AppError("forbidden", "Unblock this user first");
    if (rows.length > 0) throw new AppError("forbidden", "This user does not accept this from you");
  }
}

function invitationEvent(userId: string, invitation: GroupInvitation, status: GroupInvitationStatus): NewEvent<"invitation.updated"> {
  return { type: "invitation.updated", conversationId: null, userId, data: { invitation, status } };
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
