import type { EntityManager } from "typeorm";
import type { NewEvent } from "../events/event-log.js";
import { appointHeir } from "./heir.js";

/**
 * Account deletion's part in conversations/ (data-rights/ sequences it, inside its unit): the user
 * leaves every conversation, and each group they owned gets an heir if they were its last owner
 * (heir.ts, the rule leaving uses too). Answers the conversations they were in, and the heirs'
 * `member.updated` events.
 */
export async function leaveAllConversations(m: EntityManager, appId: string, userId: string): Promise<{ conversationIds: string[]; heirs: NewEvent[] }> {
  const rows: { conversationId: string; role: string }[] = await m.query("SELECT conversationId, role FROM members WHERE appId = ? AND userId = ?", [
    appId,
    userId,
  ]);
  if (rows.length === 0) return { conversationIds: [], heirs: [] };
  await m.query("DELETE FROM members WHERE appId = ? AND userId = ?", [appId, userId]);
  const heirs: NewEvent[] = [];
  // One group at a time: a user owns few groups, and each needs its own oldest member.
  for (const r of rows) if (r.role === "owner") heirs.push(...(await appointHeir(m, String(r.conversationId))));
  return { conversationIds: rows.map((r) => String(r.conversationId)), heirs };
}
