import type { EntityManager } from "typeorm";
import { marks } from "../db/sql.js";
import { chunks } from "../shared/chunks.js";

/**
 * Polls' part in a message's deletion and in account deletion (each inside its own unit): the
 * polls of messages that became tombstones go with their votes.
 */
export async function forgetPolls(m: EntityManager, messageIds: readonly number[]): Promise<void> {
  for (const chunk of chunks([...messageIds], 500)) {
    await m.query(`DELETE FROM poll_votes WHERE messageId IN (${marks(chunk.length)})`, chunk);
    await m.query(`DELETE FROM polls WHERE messageId IN (${marks(chunk.length)})`, chunk);
  }
}

/**
 * A deleted account's votes go (others' polls count one voter fewer; no event: the counts are
 * read fresh with each page, and the next vote's `poll.updated` carries them).
 */
export async function forgetVotesOf(m: EntityManager, appId: string, userId: string): Promise<void> {
  await m.query("DELETE FROM poll_votes WHERE appId = ? AND userId = ?", [appId, userId]);
}
