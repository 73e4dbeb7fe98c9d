import type { EntityManager } from "typeorm";
import { marks } from "../db/sql.js";
import { chunks } from "../shared/chunks.js";

/** A contact request or group invitation the user was a party to, as it was. */
export interface ForgottenRequest {
  id: string;
  fromUserId: string;
  toUserId: string;
  status: string;
  conversationId: string | null;
}

/**
 * Account deletion's part in contacts/ (data-rights/ sequences it, inside its unit): the user's
 * contacts (both directions), contact requests and group invitations (sent and received) and
 * blocks (theirs and of them) go. Answers whom they were contacts of and the requests as they
 * were, for the events.
 */
export async function forgetContactsOf(m: EntityManager, appId: string, userId: string): Promise<{ contactIds: string[]; requests: ForgottenRequest[] }> {
  const contacts: { contactId: string }[] = await m.query("SELECT contactId FROM contacts WHERE userId = ? AND appId = ?", [userId, appId]);
  const contactIds = contacts.map((r) => String(r.contactId));
  await m.query("DELETE FROM contacts WHERE userId = ? AND appId = ?", [userId, appId]);
  for (const chunk of chunks(contactIds, 500)) {
    await m.query(`DELETE FROM contacts WHERE contactId = ? AND appId = ? AND userId IN (${marks(chunk.length)})`, [userId, appId, ...chunk]);
  }
  const requests: ForgottenRequest[] = [
    ...(await m.query("SELECT id, fromUserId, toUserId, status, conversationId FROM contact_requests WHERE appId = ? AND fromUserId = ?", [appId, userId])),
    ...(await m.query("SELECT id, fromUserId, toUserId, status, conversationId FROM contact_requests WHERE appId = ? AND toUserId = ?", [appId, userId])),
  ];
  for (const chunk of chunks(
    requests.map((r) => String(r.id)),
    500,
  )) {
    await m.query(`DELETE FROM contact_requests WHERE appId = ? AND id IN (${marks(chunk.length)})`, [appId, ...chunk]);
  }
  await m.query("DELETE FROM blocks WHERE blockerId = ? AND appId = ?", [userId, appId]);
  await m.query("DELETE FROM blocks WHERE blockedId = ? AND appId = ?", [userId, appId]);
  return { contactIds, requests };
}
