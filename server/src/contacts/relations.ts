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

/**
 * Which of `blockerIds` blocked which of `blockedIds`, as a test (e.g. whether a batch of sends may
 * notify those it mentions). One query on the blocks' primary key whatever the sizes, none when
 * either list is empty; user ids are unique across apps.
 */
export async function blocksBetween(
  db: DataSource | EntityManager,
  blockerIds: readonly string[],
  blockedIds: readonly string[],
): Promise<(blockerId: string, blockedId: string) => boolean> {
  const blockers = [...new Set(blockerIds)].filter((id) => id && canExist(id));
  const blocked = [...new Set(blockedIds)].filter((id) => id && canExist(id));
  if (blockers.length === 0 || blocked.length === 0) return () => false;
  const rows: { blockerId: string; blockedId: string }[] = await db.query(
    `SELECT blockerId, blockedId FROM blocks WHERE blockerId IN (${marks(blockers.length)}) AND blockedId IN (${marks(blocked.length)})`,
    [...blockers, ...blocked],
  );
  const pairs = new Set(rows.map((r) => `${r.blockerId}\u0000${r.blockedId}`));
  return (blockerId, blockedId) => pairs.has(`${blockerId}\u0000${blockedId}`);
}

/**
 * Who blocked `userId`: they do not see that user typing. One query on ix_blocks_blocked.
 */
export async function blockersOf(db: DataSource | EntityManager, appId: string, userId: string): Promise<string[]> {
  const rows: { blockerId: string }[] = await db.query("SELECT blockerId FROM blocks WHERE blockedId = ? AND appId = ?", [userId, appId]);
  return rows.map((r) => r.blockerId);
}
