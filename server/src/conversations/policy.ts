import { In, type EntityManager } from "typeorm";
import { ContactEntity } from "../contacts/contact.entities.js";
import { marks } from "../db/sql.js";
import { chunks } from "../shared/chunks.js";
import { AppError, notFound } from "../shared/errors.js";
import { ConversationEntity } from "./conversation.entity.js";
import type { GroupSettings } from "./group-policy.js";
import type { MemberEntity } from "./member.entity.js";
import type { MembershipGuard } from "./membership.js";

/**
 * Who may do what to a conversation, as functions of the caller and the target. Members see it;
 * owners and admins manage a group (rename, visibility, add, remove plain members and admins);
 * only the owner changes roles, and no one else removes the owner or changes their role. A
 * non-member gets 404 before any of these 403s. The host's backend (server API) manages any
 * conversation of its app: only the direct-conversation rule and the group size apply to it.
 */

/**
 * Rule for direct conversations (one place, applied everywhere): they have exactly their two
 * members for life, so renaming, adding, removing, leaving and role changes answer
 * 403 `forbidden` (after the membership check, so a non-member still gets 404). Joining
 * answers 404 like any non-public conversation, since a DM is never public.
 */
export const directForbidden = (): AppError => new AppError("forbidden", "Direct conversations cannot be changed this way");

// ---------------------------------------------------------------------------------------------
// Group size: members and pending invitations together, at most the app's `maxMembers`
// ---------------------------------------------------------------------------------------------

/** Whether a group of `total` (members and pending invitations) fits the app's size limit. */
export function groupFits(settings: GroupSettings, total: number): boolean {
  return total <= settings.maxMembers;
}

/** A group made or grown to `total` members and invitations: 400 past the app's limit. */
export function assertGroupSize(settings: GroupSettings, total: number): void {
  if (!groupFits(settings, total)) throw new AppError("validation_failed", `A group has at most ${settings.maxMembers} members`);
}

// ---------------------------------------------------------------------------------------------
// Managing a conversation
// ---------------------------------------------------------------------------------------------

/** The caller's membership and the conversation: 404 unless they are a member. */
export async function requireMember(
  membership: Pick<MembershipGuard, "require">,
  m: EntityManager,
  appId: string,
  id: string,
  me: string,
): Promise<{ conv: ConversationEntity; actor: MemberEntity }> {
  const actor = await membership.require(appId, id, me, m);
  const conv = await m.findOneBy(ConversationEntity, { appId, id });
  if (!conv) throw notFound("Conversation");
  return { conv, actor };
}

/** Who may manage a group (rename, visibility, add, remove others): its owner and admins. */
export async function requireGroupAdmin(
  membership: Pick<MembershipGuard, "require">,
  m: EntityManager,
  appId: string,
  id: string,
  me: string,
): Promise<{ conv: ConversationEntity; actor: MemberEntity }> {
  const got = await requireMember(membership, m, appId, id, me);
  if (got.conv.kind === "direct") throw directForbidden();
  if (got.actor.role === "member") throw new AppError("forbidden", "Only the group's owner or admins may do this");
  return got;
}

/** Renaming or changing visibility: never of a direct conversation. */
export function assertMayRename(conv: ConversationEntity, patch: { name?: string | undefined; isPublic?: boolean | undefined }): void {
  if (conv.kind === "direct" && (patch.name !== undefined || patch.isPublic !== undefined)) throw directForbidden();
}

/** Removing someone else: owners and admins only (anyone may remove themselves, i.e. leave). */
export function assertMayRemoveOthers(actor: MemberEntity): void {
  if (actor.role === "member") throw new AppError("forbidden", "Only the group's owner or admins may remove members");
}

/** The owner is never removed by someone else: they leave, and an heir follows (heir.ts). */
export function assertRemovable(target: MemberEntity): void {
  if (target.role === "owner") throw new AppError("forbidden", "The owner cannot be removed");
}

/** Role changes: in a group, by its owner only. */
export function assertMayChangeRoles(conv: ConversationEntity, actor: MemberEntity): void {
  if (conv.kind === "direct") throw directForbidden();
  if (actor.role !== "owner") throw new AppError("forbidden", "Only the group's owner may change roles");
}

/** The owner's own role is not changed here. */
export function assertRoleChangeable(target: MemberEntity): void {
  if (target.role === "owner") throw new AppError("forbidden", "The owner's role cannot be changed");
}

// ---------------------------------------------------------------------------------------------
// Consent and blocks (user-made group changes)
// ---------------------------------------------------------------------------------------------

/** Consent: the caller's contacts may be added at once; others are invited, unless the app allows direct adds. */
export async function splitByConsent(
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

/** A block between the caller and any of `ids`, either way, refuses the whole change (403). */
export async function ensureNoBlocks(m: EntityManager, appId: string, me: string, ids: string[]): Promise<void> {
  for (const chunk of chunks(ids, 500)) {
    const rows: { blockerId: string }[] = await m.query(
      `SELECT blockerId FROM blocks WHERE appId = ? AND ((blockerId = ? AND blockedId IN (${marks(chunk.length)})) OR (blockedId = ? AND blockerId IN (${marks(chunk.length)})))`,
      [appId, me, ...chunk, me, ...chunk],
    );
    if (rows.some((r) => r.blockerId === me)) throw new AppError("forbidden", "Unblock this user first");
    if (rows.length > 0) throw new AppError("forbidden", "This user does not accept this from you");
  }
}
