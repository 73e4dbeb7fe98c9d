import { In, IsNull, type DataSource, type EntityManager } from "typeorm";
import type { ContactRequest, ContactRequestStatus, ContactsResponse, User } from "@parley/sdk/protocol";
import type { UnitOfWork } from "../db/unit-of-work.js";
import type { NewEvent } from "../events/event-log.js";
import type { PresenceService } from "../presence/presence.service.js";
import { type Caller, userOf } from "../shared/caller.js";
import { AppError, notFound } from "../shared/errors.js";
import { canExist, newId } from "../shared/ids.js";
import { UserEntity } from "../users/user.entity.js";
import type { UsersService } from "../users/users.service.js";
import { presentUser, type Relation } from "../users/users.presenter.js";
import { BlockEntity, ContactEntity, ContactRequestEntity } from "./contact.entities.js";
import { presentContact, presentRequest } from "./contacts.presenter.js";

/** What the contacts service is built from. */
export interface ContactsDeps {
  db: DataSource;
  uow: UnitOfWork;
  users: UsersService;
  presence: PresenceService;
}

type EventStatus = ContactRequestStatus | "removed" | "blocked" | "unblocked";

/**
 * Contacts, contact requests and blocks. Every write runs in one transaction with its
 * `contact.updated` events: one addressed to each party, whose `data.userId` is the *other*
 * party from that receiver's point of view (and whose `request.user` is too).
 *
 * Blocking is silent towards the blocked user: they get a "removed" event (their contact or
 * pending request disappears), never "blocked".
 */
export class ContactsService {
  constructor(private readonly deps: ContactsDeps) {}

  /**
   * Contacts with presence, pending requests both ways, and whom the caller blocked (ids only):
   * five queries whatever the sizes.
   */
  async list(caller: Caller): Promise<ContactsResponse> {
    const { appId } = caller;
    const me = userOf(caller);
    const db = this.deps.db;
    const [contacts, incoming, outgoing, blocks] = await Promise.all([
      db.getRepository(ContactEntity).find({ where: { appId, userId: me }, order: { since: "DESC", contactId: "ASC" } }),
      db
        .getRepository(ContactRequestEntity)
        .find({ where: { appId, toUserId: me, status: "pending", conversationId: IsNull() }, order: { createdAt: "DESC", id: "ASC" } }),
      db
        .getRepository(ContactRequestEntity)
        .find({ where: { appId, fromUserId: me, status: "pending", conversationId: IsNull() }, order: { createdAt: "DESC", id: "ASC" } }),
      db.getRepository(BlockEntity).find({ select: { blockedId: true }, where: { appId, blockerId: me }, order: { blockedId: "ASC" } }),
    ]);
    const ids = [...new Set([...contacts.map((c) => c.contactId), ...incoming.map((r) => r.fromUserId), ...outgoing.map((r) => r.toUserId)])];
    // Contacts see each other's lastSeenAt; someone who only asked (or was asked) does not.
    const contactIds = new Set(contacts.map((c) => c.contactId));
    const users = await this.usersById(db.manager, appId, ids, (id) => (contactIds.has(id) ? "related" : "stranger"));
    const out: ContactsResponse = { contacts: [], incoming: [], outgoing: [], ...(blocks.length ? { blockedUserIds: blocks.map((b) => b.blockedId) } : {}) };
    for (const c of contacts) {
      const u = users.get(c.contactId);
      if (u) out.contacts.push(presentContact(c, u, this.deps.presence.isOnline(u.id)));
    }
    for (const r of incoming) {
      const u = users.get(r.fromUserId);
      if (u) out.incoming.push(presentRequest(r, u));
    }
    for (const r of outgoing) {
      const u = users.get(r.toUserId);
      if (u) out.outgoing.push(presentRequest(r, u));
    }
    return out;
  }

  /**
   * Asks `otherId` to become a contact. If they already asked the caller, that request is
   * accepted instead (`accepted: true`).
   */
  async request(caller: Caller, input: { userId: string }): Promise<{ request: ContactRequest; accepted: boolean }> {
    const { appId } = caller;
    const me = userOf(caller);
    const otherId = input.userId;
    if (otherId === me) throw new AppError("validation_failed", "You cannot send a contact request to yourself");
    // Both live: a deleted account's access token (valid a few minutes more) asks no one.
    await Promise.all([this.deps.users.get(appId, otherId), this.deps.users.get(appId, me)]);
    return this.deps.uow.write<{ request: ContactRequest; accepted: boolean }>(appId, async (m) => {
      await this.ensureNotBlocked(m, appId, me, otherId);
      if (await m.existsBy(ContactEntity, { appId, userId: me, contactId: otherId })) throw new AppError("conflict", "You are already contacts");
      if (await m.existsBy(ContactRequestEntity, { appId, fromUserId: me, toUserId: otherId, status: "pending", conversationId: IsNull() })) {
        throw new AppError("conflict", "A request to this user is already pending");
      }
      const theirs = await m.findOneBy(ContactRequestEntity, { appId, fromUserId: otherId, toUserId: me, status: "pending", conversationId: IsNull() });
      if (theirs) {
        const { events } = await this.answer(m, appId, me, theirs, "accepted");
        return { result: { request: await this.viewOf(m, appId, theirs, me), accepted: true }, events };
      }
      const row: ContactRequestEntity = {
        id: newId("crq"),
        appId,
        fromUserId: me,
        toUserId: otherId,
        status: "pending",
        createdAt: Date.now(),
        respondedAt: null,
        conversationId: null,
      };
      await m.insert(ContactRequestEntity, row);
      const events = await this.eventsFor(m, appId, row, me, otherId, "pending");
      return { result: { request: await this.viewOf(m, appId, row, me), accepted: false }, events };
    });
  }

  /** The recipient accepts or declines; the sender cancels. Anyone else: 404. Answered: 409. */
  async respond(caller: Caller, input: { requestId: string; action: "accepted" | "declined" | "cancelled" }): Promise<ContactRequest> {
    const { appId } = caller;
    const me = userOf(caller);
    const { requestId, action } = input;
    return this.deps.uow.write(appId, async (m) => {
      const side = action === "cancelled" ? { fromUserId: me } : { toUserId: me };
      // Group invitations share the table (conversationId set): they are answered under /conversations.
      const row = canExist(requestId) ? await m.findOneBy(ContactRequestEntity, { appId, id: requestId, conversationId: IsNull(), ...side }) : null;
      if (!row) throw notFound("Contact request");
      if (row.status !== "pending") throw new AppError("conflict", `This request is already ${row.status}`);
      const { events } = await this.answer(m, appId, me, row, action);
      return { result: await this.viewOf(m, appId, row, me), events };
    });
  }

  /** Ends a contact in both directions; the request rows stay as history. */
  async remove(caller: Caller, otherId: string): Promise<void> {
    const { appId } = caller;
    const me = userOf(caller);
    await this.deps.uow.write(appId, async (m) => {
      if (!canExist(otherId) || !(await m.existsBy(ContactEntity, { appId, userId: me, contactId: otherId }))) throw notFound("Contact");
      await this.deleteContacts(m, appId, me, otherId);
      return { result: undefined, events: this.bothSides(me, otherId, null, "removed", "removed") };
    });
  }

  /**
   * Blocks `otherId` (idempotent): drops the contact and cancels pending requests both ways,
   * group invitations between the two included.
   */
  async block(caller: Caller, input: { userId: string }): Promise<void> {
    const { appId } = caller;
    const me = userOf(caller);
    const otherId = input.userId;
    if (otherId === me) throw new AppError("validation_failed", "You cannot block yourself");
    await Promise.all([this.deps.users.get(appId, otherId), this.deps.users.get(appId, me)]);
    await this.deps.uow.write(appId, async (m) => {
      await m.createQueryBuilder().insert().into(BlockEntity).values({ blockerId: me, blockedId: otherId, appId, createdAt: Date.now() }).orIgnore().execute();
      await this.deleteContacts(m, appId, me, otherId);
      await m.update(
        ContactRequestEntity,
        { appId, fromUserId: In([me, otherId]), toUserId: In([me, otherId]), status: "pending" },
        { status: "cancelled", respondedAt: Date.now() },
      );
      return { result: undefined, events: this.bothSides(me, otherId, null, "blocked", "removed") };
    });
  }

  async unblock(caller: Caller, otherId: string): Promise<void> {
    const { appId } = caller;
    const me = userOf(caller);
    await this.deps.uow.write(appId, async (m) => {
      const res = canExist(otherId) ? await m.delete(BlockEntity, { appId, blockerId: me, blockedId: otherId }) : { affected: 0 };
      if (!res.affected) throw notFound("Block");
      // Only the actor hears of it: the blocked user was never told they were blocked.
      const events: NewEvent[] = [{ type: "contact.updated", conversationId: null, userId: me, data: { request: null, userId: otherId, status: "unblocked" } }];
      return { result: undefined, events };
    });
  }

  // -------------------------------------------------------------------------------------------

  /** Either side having blocked the other stops requests (403). */
  private async ensureNotBlocked(m: EntityManager, appId: string, me: string, otherId: string): Promise<void> {
    if (await m.existsBy(BlockEntity, { appId, blockerId: otherId, blockedId: me })) {
      throw new AppError("forbidden", "This user does not accept contact requests from you");
    }
    if (await m.existsBy(BlockEntity, { appId, blockerId: me, blockedId: otherId })) {
      throw new AppError("forbidden", "Unblock this user first");
    }
  }

  /** Marks a pending request answered; accepting makes both contact rows. */
  private async answer(
    m: EntityManager,
    appId: string,
    actor: string,
    row: ContactRequestEntity,
    status: "accepted" | "declined" | "cancelled",
  ): Promise<{ events: NewEvent[] }> {
    const now = Date.now();
    row.status = status;
    row.respondedAt = now;
    await m.update(ContactRequestEntity, { appId, id: row.id }, { status, respondedAt: now });
    if (status === "accepted") {
      await m
        .createQueryBuilder()
        .insert()
        .into(ContactEntity)
        .values([
          { userId: row.fromUserId, contactId: row.toUserId, appId, since: now },
          { userId: row.toUserId, contactId: row.fromUserId, appId, since: now },
        ])
        .orIgnore()
        .execute();
    }
    const other = row.fromUserId === actor ? row.toUserId : row.fromUserId;
    return { events: await this.eventsFor(m, appId, row, actor, other, status) };
  }

  private async deleteContacts(m: EntityManager, appId: string, a: string, b: string): Promise<void> {
    await m.delete(ContactEntity, { appId, userId: a, contactId: b });
    await m.delete(ContactEntity, { appId, userId: b, contactId: a });
  }

  /** One event per party, each with the request as that party sees it. */
  private async eventsFor(m: EntityManager, appId: string, row: ContactRequestEntity, actor: string, other: string, status: EventStatus): Promise<NewEvent[]> {
    const users = await this.usersById(m, appId, [actor, other]);
    const view = (otherParty: string): ContactRequest | null => {
      const u = users.get(otherParty);
      return u ? presentRequest(row, u) : null;
    };
    return [
      { type: "contact.updated", conversationId: null, userId: actor, data: { request: view(other), userId: other, status } },
      { type: "contact.updated", conversationId: null, userId: other, data: { request: view(actor), userId: actor, status } },
    ];
  }

  private bothSides(actor: string, other: string, request: null, actorStatus: EventStatus, otherStatus: EventStatus): NewEvent[] {
    return [
      { type: "contact.updated", conversationId: null, userId: actor, data: { request, userId: other, status: actorStatus } },
      { type: "contact.updated", conversationId: null, userId: other, data: { request, userId: actor, status: otherStatus } },
    ];
  }

  private async viewOf(m: EntityManager, appId: string, row: ContactRequestEntity, viewer: string): Promise<ContactRequest> {
    const otherId = row.fromUserId === viewer ? row.toUserId : row.fromUserId;
    const u = (await this.usersById(m, appId, [otherId])).get(otherId);
    if (!u) throw notFound("User");
    return presentRequest(row, u);
  }

  /** Profiles by id; `relation` decides who of them shows `lastSeenAt` (strangers by default). */
  private async usersById(m: EntityManager, appId: string, ids: string[], relation: (id: string) => Relation = () => "stranger"): Promise<Map<string, User>> {
    if (ids.length === 0) return new Map();
    const rows = await m.find(UserEntity, { where: { appId, id: In(ids) } });
    return new Map(rows.map((u) => [u.id, presentUser(u, relation(u.id))]));
  }
}
