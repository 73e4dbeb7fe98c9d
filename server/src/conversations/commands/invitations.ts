import { In, type EntityManager } from "typeorm";
import type { Conversation, GroupInvitation, GroupInvitationStatus } from "@parley/sdk/protocol";
import { ContactRequestEntity } from "../../contacts/contact.entities.js";
import { acceptPendingInvitations, answerInvitation, createInvitations } from "../../contacts/invitations.js";
import { insertIgnoring } from "../../db/insert-ignoring.js";
import { keysetAfter } from "../../db/keyset.js";
import type { NewEvent } from "../../events/event-log.js";
import type { UserCaller } from "../../shared/caller.js";
import { AppError, notFound } from "../../shared/errors.js";
import { canExist } from "../../shared/ids.js";
import { UserEntity } from "../../users/user.entity.js";
import { presentUser } from "../../users/users.presenter.js";
import { ConversationEntity } from "../conversation.entity.js";
import { presentInvitation, presentMember } from "../conversations.presenter.js";
import type { ConversationsDeps } from "../deps.js";
import type { GroupSettings } from "../group-policy.js";
import { MemberEntity } from "../member.entity.js";
import { groupFits } from "../policy.js";
import { presentById } from "../present-many.js";
import { memberRow } from "./common.js";

/**
 * Invitations: consent to be added to a group by a non-contact. They are rows of
 * `contact_requests`, written by their owner (contacts/invitations.ts); this file decides who is
 * invited, when an invitation counts as answered, and who hears of it (`invitation.updated`).
 */

export interface InvitationListOptions {
  limit: number;
  cursor?: { t: number; i: string } | undefined;
}

/** What letting someone in needs: bans, and their profile for `member.added`. */
type EnterDeps = Pick<ConversationsDeps, "bans" | "users">;

/** The caller's pending group invitations, newest first, keyset on (createdAt, id). */
export async function listInvitations(
  deps: Pick<ConversationsDeps, "db">,
  caller: UserCaller,
  opts: InvitationListOptions,
): Promise<{ items: GroupInvitation[]; last: ContactRequestEntity | undefined; more: boolean }> {
  const { appId, user: me } = caller;
  const qb = deps.db
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
  const items = (await presentInvitations(deps.db.manager, appId, page)).filter((x): x is GroupInvitation => x !== undefined);
  return { items, last: page[page.length - 1], more: rows.length > opts.limit };
}

/** The invitee joins the group (member.added to everyone); 404 unless the invitation is theirs and pending. */
export async function acceptInvitation(
  deps: Pick<ConversationsDeps, "db" | "uow" | "presenter" | "policy"> & EnterDeps,
  caller: UserCaller,
  invitationId: string,
): Promise<Conversation> {
  const { appId, user: me } = caller;
  const settings = await deps.policy.settings(deps.db, appId);
  const conversationId = await deps.uow.write(appId, async (m) => {
    const row = await pendingInvitation(m, appId, me, invitationId);
    return { result: row.conversationId!, events: await enter(deps, m, appId, me, row.conversationId!, settings, row) };
  });
  return presentById(deps.presenter, deps.db.manager, appId, me, conversationId);
}

/** The invitee says no; whoever invited them hears of it. */
export async function declineInvitation(deps: Pick<ConversationsDeps, "uow">, caller: UserCaller, invitationId: string): Promise<void> {
  const { appId, user: me } = caller;
  await deps.uow.write(appId, async (m) => {
    const row = await pendingInvitation(m, appId, me, invitationId);
    return { result: undefined, events: await answer(m, appId, row, "declined", [me, row.fromUserId]) };
  });
}

/** Invites users to a group: a pending request each, and an `invitation.updated` to each invitee. */
export async function invite(m: EntityManager, appId: string, inviter: string, conversationId: string, userIds: string[], now: number): Promise<NewEvent[]> {
  if (userIds.length === 0) return [];
  const rows = await createInvitations(m, { appId, inviter, conversationId, userIds, now });
  const invitations = await presentInvitations(m, appId, rows);
  return rows.flatMap((r, i) => (invitations[i] ? [invitationEvent(r.toUserId, invitations[i], "pending")] : []));
}

/**
 * Makes the caller a member (a public join, or an accepted invitation) if the group has room;
 * the invitation, and any other pending one to this group, counts as accepted.
 */
export async function enter(
  deps: EnterDeps,
  m: EntityManager,
  appId: string,
  me: string,
  id: string,
  settings: GroupSettings,
  invitation: ContactRequestEntity | null,
): Promise<NewEvent[]> {
  const events: NewEvent[] = [];
  if (!(await m.existsBy(MemberEntity, { appId, conversationId: id, userId: me }))) {
    await deps.bans?.assertNotBanned(m, appId, id, [me]);
    const count = await m.countBy(MemberEntity, { conversationId: id });
    if (!groupFits(settings, count + 1)) throw new AppError("conflict", "This group is full");
    const row = memberRow(appId, id, me, "member", Date.now());
    if ((await insertIgnoring(m, MemberEntity, [row])) > 0) {
      const user = presentUser(await deps.users.get(appId, me));
      events.push({ type: "member.added", conversationId: id, userId: me, data: { conversationId: id, members: [presentMember(row)], users: [user] } });
    }
  }
  if (invitation) events.push(...(await answer(m, appId, invitation, "accepted", [me])));
  await acceptPendingInvitations(m, appId, id, [me], Date.now());
  return events;
}

/** The invitation with this id addressed to the caller: 404 otherwise, 409 once answered. */
async function pendingInvitation(m: EntityManager, appId: string, me: string, invitationId: string): Promise<ContactRequestEntity> {
  const row = canExist(invitationId) ? await m.findOneBy(ContactRequestEntity, { appId, id: invitationId, toUserId: me }) : null;
  if (!row || row.conversationId === null || row.id !== invitationId) throw notFound("Invitation");
  if (row.status !== "pending") throw new AppError("conflict", `This invitation is already ${row.status}`);
  return row;
}

/** Answers a pending invitation (conditionally: of two racing answers one wins, the other is a 409); `audience` hears of it. */
export async function answer(
  m: EntityManager,
  appId: string,
  row: ContactRequestEntity,
  status: GroupInvitationStatus,
  audience: string[],
): Promise<NewEvent[]> {
  const now = Date.now();
  if (!(await answerInvitation(m, appId, row.id, status, now))) throw new AppError("conflict", "This invitation was already answered");
  Object.assign(row, { status, respondedAt: now });
  const [invitation] = await presentInvitations(m, appId, [row]);
  return invitation ? [...new Set(audience)].map((userId) => invitationEvent(userId, invitation, status)) : [];
}

/** Invitations with their group's name and size and the inviter's profile: three queries for any number. */
async function presentInvitations(m: EntityManager, appId: string, rows: ContactRequestEntity[]): Promise<(GroupInvitation | undefined)[]> {
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

function invitationEvent(userId: string, invitation: GroupInvitation, status: GroupInvitationStatus): NewEvent<"invitation.updated"> {
  return { type: "invitation.updated", conversationId: null, userId, data: { invitation, status } };
}
