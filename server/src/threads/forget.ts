import type { EntityManager } from "typeorm";
import { marks } from "../db/sql.js";
import { chunks } from "../shared/chunks.js";

/**
 * Account deletion's part in threads/ (data-rights/ sequences it, inside its unit): the user's
 * follows and the mentions of them go (the text keeps its "@name"), and so do the mentions in
 * their own messages, which are tombstones now.
 */
export async function forgetThreadsOf(m: EntityManager, appId: string, userId: string): Promise<void> {
  await m.query("DELETE FROM thread_follows WHERE appId = ? AND userId = ?", [appId, userId]);
  await m.query("DELETE FROM message_mentions WHERE appId = ? AND userId = ?", [appId, userId]);
}

export async function forgetMentionsIn(m: EntityManager, messageIds: readonly number[]): Promise<void> {
  for (const chunk of chunks([...messageIds], 500)) await m.query(`DELETE FROM message_mentions WHERE messageId IN (${marks(chunk.length)})`, chunk);
}
