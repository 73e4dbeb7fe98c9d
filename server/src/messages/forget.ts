import type { EntityManager } from "typeorm";
import { marks } from "../db/sql.js";
import { chunks } from "../shared/chunks.js";

/** Rows a statement may name at once. */
const CHUNK = 500;

/**
 * Account deletion's part in messages/ (data-rights/ sequences it, inside its unit): the user's
 * messages become tombstones, as a deleted message is (no text, no data, deletedAt kept if set),
 * and the reactions to them go.
 */
export async function tombstoneMessages(m: EntityManager, appId: string, ids: readonly number[], now: number): Promise<void> {
  for (const chunk of chunks([...ids], CHUNK)) {
    await m.query(`UPDATE messages SET text = NULL, data = NULL, deletedAt = COALESCE(deletedAt, ?) WHERE appId = ? AND id IN (${marks(chunk.length)})`, [
      now,
      appId,
      ...chunk,
    ]);
    await m.query(`DELETE FROM reactions WHERE messageId IN (${marks(chunk.length)})`, chunk);
    // A stream of theirs still growing ends with the tombstone (its later appends answer 404).
    await m.query(`DELETE FROM message_streams WHERE messageId IN (${marks(chunk.length)})`, chunk);
  }
}

/**
 * The user's reactions among `messageIds` go; answers how many went (undefined where the driver
 * does not say) and the counts left per `messageId emoji`, for the `reaction.updated` events.
 */
export async function removeReactionsBy(
  m: EntityManager,
  appId: string,
  userId: string,
  messageIds: readonly number[],
): Promise<{ removed: number | undefined; left: Map<string, number> }> {
  const res = (await m.query(`DELETE FROM reactions WHERE appId = ? AND userId = ? AND messageId IN (${marks(messageIds.length)})`, [
    appId,
    userId,
    ...messageIds,
  ])) as { affectedRows?: number } | null;
  const counts: { messageId: number | string; emoji: string; n: number | string }[] = await m.query(
    `SELECT messageId, emoji, COUNT(*) AS n FROM reactions WHERE messageId IN (${marks(messageIds.length)}) GROUP BY messageId, emoji`,
    [...messageIds],
  );
  return {
    removed: typeof res?.affectedRows === "number" ? res.affectedRows : undefined,
    left: new Map(counts.map((c) => [`${Number(c.messageId)} ${String(c.emoji)}`, Number(c.n)])),
  };
}
