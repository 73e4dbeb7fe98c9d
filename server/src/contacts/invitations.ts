import { type EntityManager, In } from "typeorm";
import type { GroupInvitationStatus } from "@parley/sdk/protocol";
import { chunks } from "../shared/chunks.js";
import { newId } from "../shared/ids.js";
import { ContactRequestEntity } from "./contact.entities.js";

/**
 * Group invitations are rows of `contact_requests` (with the group's `conversationId`), so
 * contacts/ writes them. conversations/ decides who is invited and when one counts as answered,
 * and calls these participants inside its own unit of work.
 */

/** A pending invitation to `conversationId` for each of `userIds`, from `inviter`; answers the rows. */
export async function createInvitations(
  m: EntityManager,
  input: { appId: string; inviter: string; conversationId: string; userIds: readonly string[]; now: number },
): Promise<ContactRequestEntity[]> {
  const rows: ContactRequestEntity[] = input.userIds.map((toUserId) => ({
    id: newId("inv"),
    appId: input.appId,
    fromUserId: input.inviter,
    toUserId,
    status: "pending",
    createdAt: input.now,
    respondedAt: null,
    conversationId: input.conversationId,
  }));
  for (const chunk of chunks(rows, 200)) await m.insert(ContactRequestEntity, chunk);
  return rows;
}

/** The pending invitations of `userIds` to `conversationId` count as accepted (they are members now). */
export async function acceptPendingInvitations(
  m: EntityManager,
  appId: string,
  conversationId: string,
  userIds: readonly string[],
  now: number,
): Promise<void> {
  if (userIds.length === 0) return;
  await m.update(ContactRequestEntity, { appId, conversationId, toUserId: In([...userIds]), status: "pending" }, { status: "accepted", respondedAt: now });
}

/** Answers one invitation if it is still pending (of two racing answers one wins): true when this one did. */
export async function answerInvitation(m: EntityManager, appId: string, id: string, status: GroupInvitationStatus, now: number): Promise<boolean> {
  const res = await m.update(ContactRequestEntity, { appId, id, status: "pending" }, { status, respondedAt: now });
  return Boolean(res.affected);
}
