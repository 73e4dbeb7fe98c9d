import type { EntityManager } from "typeorm";
import { deferWrite } from "../db/pipeline.js";
import { dialectOf, marks, valuesTable } from "../db/sql.js";

/**
 * First in a send's unit, before it reads or inserts: the conversations' rows locked (MySQL;
 * SQLite has one writer), in id order so that two batches never wait on each other in a circle.
 * A message's id comes from the auto-increment at its INSERT, its event's seq at commit (the app's
 * counter row): without this lock, two nodes' batches of one conversation could commit in the
 * other order than their ids, and every member would hear 231 before 230 while the thread, in
 * id order, says 230 first (send-order-nodes.test.ts). With it, a conversation's batches insert
 * and commit one after the other: its ids, its seqs and what its members hear agree. Taken before
 * any plain read, it also makes the batch's snapshot (REPEATABLE READ starts it at the first plain
 * read) begin after the batch before it committed: slow mode and a retried clientMessageId see it.
 */
export async function lockForNewMessages(m: EntityManager, conversationIds: readonly string[]): Promise<void> {
  if (dialectOf(m) !== "mysql" || conversationIds.length === 0) return;
  const ids = [...new Set(conversationIds)].sort();
  // Its answer is not read: the lock goes out with the batch's first reads (db/pipeline.ts), ahead of them.
  await deferWrite(m, `SELECT id FROM conversations WHERE id IN (${marks(ids.length)}) ORDER BY id FOR UPDATE`, ids);
}

/**
 * Inside a send's unit (messages/send-writer.ts): the conversations' last message and activity
 * time, in one UPDATE; never backwards (another node may have committed a newer one). With
 * `afterInsert` (MySQL), each value is an offset from the first id of the unit's statement just
 * before, the messages' multi-row INSERT (consecutive ids): it goes out in the same round trip,
 * before their ids are known.
 */
export async function touchLastMessages(m: EntityManager, last: Map<string, number>, now: number, afterInsert = false): Promise<void> {
  const dialect = dialectOf(m);
  const v = valuesTable(dialect, ["id", "last"], [...last]);
  if (dialect === "mysql") {
    const id = afterInsert ? "LAST_INSERT_ID() + v.last" : "v.last";
    await deferWrite(
      m,
      `UPDATE conversations c JOIN ${v.sql} ON c.id = v.id SET c.lastMessageId = ${id}, c.lastActivityAt = ?
        WHERE c.lastMessageId IS NULL OR c.lastMessageId < ${id}`,
      [...v.params, now],
    );
  } else {
    if (afterInsert) throw new Error("touchLastMessages: ids after an INSERT are for MySQL");
    await deferWrite(
      m,
      `UPDATE conversations SET lastMessageId = v.last, lastActivityAt = ? FROM ${v.sql}
        WHERE conversations.id = v.id AND (conversations.lastMessageId IS NULL OR conversations.lastMessageId < v.last)`,
      [now, ...v.params],
    );
  }
}
