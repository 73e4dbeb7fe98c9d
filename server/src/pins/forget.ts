import type { EntityManager } from "typeorm";
import { marks } from "../db/sql.js";
import { chunks } from "../shared/chunks.js";

/**
 * The pins of messages that became tombstones go (a message's deletion, and account deletion's
 * tombstones, each inside its own unit); answers the ids of the messages that were pinned. Pins a
 * deleted user made on others' messages stay: `by` names their tombstone profile, as a
 * message's sender does.
 */
export async function unpinMessages(m: EntityManager, messageIds: readonly number[]): Promise<number[]> {
  const pinned: number[] = [];
  for (const chunk of chunks([...messageIds], 500)) {
    const rows: { messageId: number | string }[] = await m.query(`SELECT messageId FROM message_pins WHERE messageId IN (${marks(chunk.length)})`, chunk);
    if (rows.length === 0) continue;
    const ids = rows.map((r) => Number(r.messageId));
    await m.query(`DELETE FROM message_pins WHERE messageId IN (${marks(ids.length)})`, ids);
    pinned.push(...ids);
  }
  return pinned;
}
