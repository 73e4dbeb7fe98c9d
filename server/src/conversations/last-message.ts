import type { EntityManager } from "typeorm";
import { dialectOf, valuesTable } from "../db/sql.js";

/**
 * Inside a send's unit (messages/send-writer.ts): the conversations' last message and activity
 * time, in one UPDATE; never backwards (another node may have committed a newer one).
 */
export async function touchLastMessages(m: EntityManager, last: Map<string, number>, now: number): Promise<void> {
  const dialect = dialectOf(m);
  const v = valuesTable(dialect, ["id", "last"], [...last]);
  if (dialect === "mysql") {
    await m.query(
      `UPDATE conversations c JOIN ${v.sql} ON c.id = v.id SET c.lastMessageId = v.last, c.lastActivityAt = ?
        WHERE c.lastMessageId IS NULL OR c.lastMessageId < v.last`,
      [...v.params, now],
    );
  } else {
    await m.query(
      `UPDATE conversations SET lastMessageId = v.last, lastActivityAt = ? FROM ${v.sql}
        WHERE conversations.id = v.id AND (conversations.lastMessageId IS NULL OR conversations.lastMessageId < v.last)`,
      [now, ...v.params],
    );
  }
}
