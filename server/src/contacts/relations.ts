import type { DataSource, EntityManager } from "typeorm";
import { marks } from "../db/sql.js";
import { canExist } from "../shared/ids.js";

/**
 * Which of `ids` the viewer is related to: a contact, or someone they share a conversation with
 * (and themselves), minus anyone with a block between the two in either direction. What decides
 * who sees a user's `lastSeenAt`. Three indexed queries whatever the number of ids.
 */
export async function relatedUsers(db: DataSource | EntityManager, appId: string, viewerId: string, ids: readonly string[]): Promise<Set<string>> {
  const wanted = [...new Set(ids)].filter((id) => id !== viewerId && canExist(id));
  const out = new Set<string>(ids.includes(viewerId) ? [viewerId] : []);
  if (wanted.length === 0) return out;
  const [contacts, partners, blocks] = (await Promise.all([
    db.query(`SELECT contactId AS id FROM contacts WHERE userId = ? AND appId = ? AND contactId IN (${marks(wanted.length)})`, [viewerId, appId, ...wanted]),
    db.query(
      `SELECT DISTINCT other.userId AS id FROM members mine JOIN members other ON other.conversationId = mine.conversationId
        WHERE mine.appId = ? AND mine.userId = ? AND other.userId IN (${marks(wanted.length)})`,
      [appId, viewerId, ...wanted],
    ),
    db.query(
      `SELECT blockerId, blockedId FROM blocks
        WHERE appId = ? AND ((blockerId = ? AND blockedId IN (${marks(wanted.length)})) OR (blockedId = ? AND blockerId IN (${marks(wanted.length)})))`,
      [appId, viewerId, ...wanted, viewerId, ...wanted],
    ),
  ])) as [{ id: string }[], { id: string }[], { blockerId: string; blockedId: string }[]];
  for (const r of [...contacts, ...partners]) out.add(r.id);
  for (const b of blocks) out.delete(b.blockerId === viewerId ? b.blockedId : b.blockerId);
  return out;
}
