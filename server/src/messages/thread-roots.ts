import type { EntityManager } from "typeorm";
import { marks } from "../db/sql.js";

/** A thread's root after replies were counted on it. */
export interface ThreadRoot {
  id: number;
  appId: string;
  conversationId: string;
  senderId: string;
  replyCount: number;
}

/**
 * The messages side of a batch of thread replies, inside the send's unit of work (threads/
 * thread-writes.ts calls it; messages/ owns the table): each root's reply count goes up by its
 * replies in the batch and its last reply time becomes `now`. Two statements whatever the batch;
 * answers the roots as they are now.
 */
export async function countReplies(m: EntityManager, rootIds: readonly number[], now: number): Promise<ThreadRoot[]> {
  if (rootIds.length === 0) return [];
  const added = new Map<number, number>();
  for (const id of rootIds) added.set(id, (added.get(id) ?? 0) + 1);
  const roots = [...added.keys()];
  await m.query(
    `UPDATE messages SET replyCount = replyCount + CASE id ${roots.map(() => "WHEN ? THEN ?").join(" ")} END, lastReplyAt = ? WHERE id IN (${marks(roots.length)})`,
    [...roots.flatMap((id) => [id, added.get(id)!]), now, ...roots],
  );
  const rows: { id: number | string; appId: string; conversationId: string; senderId: string; replyCount: number | string }[] = await m.query(
    `SELECT id, appId, conversationId, senderId, replyCount FROM messages WHERE id IN (${marks(roots.length)})`,
    roots,
  );
  return rows.map((r) => ({ id: Number(r.id), appId: r.appId, conversationId: r.conversationId, senderId: r.senderId, replyCount: Number(r.replyCount) }));
}
