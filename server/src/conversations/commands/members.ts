import type { EntityManager } from "typeorm";
import type { Conversation, Member } from "@parley/sdk/protocol";
import { ContactRequestEntity } from "../../contacts/contact.entities.js";
import type { NewEvent } from "../../events/event-log.js";
import type { UserCaller } from "../../shared/caller.js";
import { chunks } from "../../shared/chunks.js";
import { notFound } from "../../shared/errors.js";
import { canExist } from "../../shared/ids.js";
import { ConversationEntity } from "../conversation.entity.js";
import { presentMember } from "../conversations.presenter.js";
import type { ConversationsDeps } from "../deps.js";
import { appointHeir } from "../heir.js";
import { MemberEntity } from "../member.entity.js";
import {
  assertGroupSize,
  assertMayChangeRoles,
  assertMayRemoveOthers,
  assertRemovable,
  assertRoleChangeable,
  directForbidden,
  ensureNoBlocks,
  requireGroupAdmin,
  requireMember,
  splitByConsent,
} from "../policy.js";
import { presentById } from "../present-many.js";
import { insertMembers, memberAddedEvents, memberRow, requireUsers } from "./common.js";
import { answer, enter, invite } from "./invitations.js";

/**
 * Joins a public group; joining again changes nothing. Non-public or unknown: 404.
 * Joins racing on several nodes insert with OR IGNORE: only the one whose row went in sends
 * member.added, the others answer 200 like a repeated join.
 */
export async function join(
  deps: Pick<ConversationsDeps, "db" | "uow" | "presenter" | "policy" | "bans" | "users">,
  caller: UserCaller,
  id: string,
): Promise<Conversation> {
  const { appId, user: me } = caller;
  const settings = await deps.policy.settings(deps.db, appId);
  await requireUsers(deps.db.manager, appId, [me]);
  await deps.uow.write(appId, async (m) => {
    const conv = canExist(id) ? await m.findOneBy(ConversationEntity, { appId, id }) : null;
    if (conv?.kind !== "group" || !conv.isPublic) throw notFound("Conversation");
    const none = { result: undefined, events: [] as NewEvent[] };
    if (await m.existsBy(MemberEntity, { appId, conversationId: id, userId: me })) return none;
    const pending = await m.findOneBy(ContactRequestEntity, { appId, conversationId: id, toUserId: me, status: "pending" });
    return { result: undefined, events: await enter(deps, m, appId, me, id, settings, pending) };
  });
  // Presented after the commit: on MySQL a join that lost the race would not see the
  // winner's row in its own transaction's snapshot.
  return presentById(deps.presenter, deps.db.manager, appId, me, id);
}

/**
 * Adds users of the same app; those already in (or already invited) are skipped, also when
 * another node adds them at the same moment (one member.added per row this call inserted).
 * Owner/admin only. Contacts of the caller are added; anyone else is invited (see createGroup).
 */
export async function addMembers(
  deps: Pick<ConversationsDeps, "db" | "uow" | "presenter" | "membership" | "policy" | "bans">,
  caller: UserCaller,
  input: { id: string; userIds: string[] },
): Promise<Conversation> {
  const { appId, user: me } = caller;
  const { id, userIds } = input;
  const settings = await deps.policy.settings(deps.db, appId);
  const wanted = [...new Set(userIds)];
  await deps.policy.takeAdds(appId, me, wanted.length);
  await deps.uow.write(appId, async (m) => {
    await requireGroupAdmin(deps.membership, m, appId, id, me);
    const users = await requireUsers(m, appId, wanted);
    const present = await m.find(MemberEntity, { select: { userId: true }, where: { conversationId: id } });
    const invited = await m.find(ContactRequestEntity, { select: { toUserId: true }, where: { conversationId: id, status: "pending" } });
    const have = new Set([...present.map((r) => r.userId), ...invited.map((r) => r.toUserId)]);
    const fresh = wanted.filter((u) => !have.has(u));
    assertGroupSize(settings, present.length + invited.length + fresh.length);
    await ensureNoBlocks(m, appId, me, fresh);
    await deps.bans?.assertNotBanned(m, appId, id, fresh);
    const { direct, invite: invitees } = await splitByConsent(m, appId, me, fresh, settings);
    const now = Date.now();
    const rows = direct.map((u) => memberRow(appId, id, u, "member", now));
    const inserted: MemberEntity[] = [];
    for (const chunk of chunks(rows, 200)) inserted.push(...(await insertMembers(m, chunk)));
    const events = memberAddedEvents(id, inserted, users);
    events.push(...(await invite(m, appId, me, id, invitees, now)));
    return { result: undefined, events };
  });
  // After the commit, so rows another node added meanwhile are listed too (MySQL snapshot).
  return presentById(deps.presenter, deps.db.manager, appId, me, id);
}

/**
 * Removes `userId`. Anyone may remove themselves (leave); owners and admins may remove others,
 * but admins never the owner. When the last owner leaves, the oldest admin (else the oldest
 * member) becomes owner. A group left by everyone stays, with no members.
 */
export async function removeMember(
  deps: Pick<ConversationsDeps, "uow" | "membership">,
  caller: UserCaller,
  input: { id: string; userId: string },
): Promise<void> {
  const { appId, user: me } = caller;
  const { id, userId } = input;
  await deps.uow.write(appId, async (m) => {
    const { conv, actor } = await requireMember(deps.membership, m, appId, id, me);
    if (conv.kind === "direct") throw directForbidden();
    let target = actor;
    if (userId !== me) {
      assertMayRemoveOthers(actor);
      const found = canExist(userId) ? await m.findOneBy(MemberEntity, { appId, conversationId: id, userId }) : null;
      if (!found) {
        // Not a member but invited: removing them withdraws the invitation.
        const invited = canExist(userId) ? await m.findOneBy(ContactRequestEntity, { appId, conversationId: id, toUserId: userId, status: "pending" }) : null;
        if (!invited) throw notFound("Member");
        return { result: undefined, events: await answer(m, appId, invited, "cancelled", [userId]) };
      }
      assertRemovable(found);
      target = found;
    }
    return { result: undefined, events: await removeRow(m, id, target) };
  });
}

/** Owner only: makes a member an admin or back. The owner's own role is not changed here. */
export async function setRole(
  deps: Pick<ConversationsDeps, "uow" | "membership">,
  caller: UserCaller,
  input: { id: string; userId: string; role: "admin" | "member" },
): Promise<Member> {
  const { appId, user: me } = caller;
  const { id, userId, role } = input;
  return deps.uow.write(appId, async (m) => {
    const { conv, actor } = await requireMember(deps.membership, m, appId, id, me);
    assertMayChangeRoles(conv, actor);
    const target = canExist(userId) ? await m.findOneBy(MemberEntity, { appId, conversationId: id, userId }) : null;
    if (!target) throw notFound("Member");
    assertRoleChangeable(target);
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
 * Moderation (a ban from a group), inside the moderation unit: the user's membership goes (the
 * owner's too, with an heir as when they leave), or their pending invitation is withdrawn.
 * Answers the events to emit; none when they were neither member nor invited.
 */
export async function expel(m: EntityManager, appId: string, id: string, userId: string): Promise<NewEvent[]> {
  const found = await m.findOneBy(MemberEntity, { appId, conversationId: id, userId });
  if (found && found.userId === userId) return removeRow(m, id, found);
  const invited = await m.findOneBy(ContactRequestEntity, { appId, conversationId: id, toUserId: userId, status: "pending" });
  return invited ? answer(m, appId, invited, "cancelled", [userId]) : [];
}

/** Deletes a member row; when the last owner goes, the oldest admin (else member) becomes owner (heir.ts). */
async function removeRow(m: EntityManager, id: string, target: MemberEntity): Promise<NewEvent[]> {
  await m.delete(MemberEntity, { conversationId: id, userId: target.userId });
  const events: NewEvent[] = [{ type: "member.removed", conversationId: id, userId: target.userId, data: { conversationId: id, userId: target.userId } }];
  if (target.role === "owner") events.push(...(await appointHeir(m, id)));
  return events;
}
