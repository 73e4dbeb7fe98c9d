import type { EntityManager } from "typeorm";
import { marks } from "../db/sql.js";

/**
 * For the conversation list: per conversation of `ids`, the caller's unread mentions (in the
 * timeline after their read mark, in a thread after that thread's; not those by someone they
 * blocked, see thread-writes.ts) and unread replies in the threads they follow. One query (two
 * GROUP BYs) whatever the number of conversations; each walks the caller's own rows
 * (ix_message_mentions_user, ix_thread_follows_user), never the app's.
 */
export async function threadCounts(
  m: EntityManager,
  appId: string,
  me: string,
  ids: string[],
): Promise<{ mentions: Map<string, number>; threadUnread: Map<string, number> }> {
  if (ids.length === 0 || !me) return { mentions: new Map(), threadUnread: new Map() };
  // One round trip: both counts, told apart by `k`.
  const rows: { k: string; conversationId: string; n: number | string }[] = await m.query(
    `SELECT 'm' AS k, mm.conversationId AS conversationId, COUNT(*) AS n FROM message_mentions mm
       JOIN members mem ON mem.conversationId = mm.conversationId AND mem.userId = mm.userId
       JOIN messages msg ON msg.id = mm.messageId
       LEFT JOIN thread_follows tf ON tf.rootId = mm.threadId AND tf.userId = mm.userId
      WHERE mm.appId = ? AND mm.userId = ? AND mm.conversationId IN (${marks(ids.length)})
        AND msg.deletedAt IS NULL AND msg.senderId <> mm.userId
        AND NOT EXISTS (SELECT 1 FROM blocks b WHERE b.blockerId = mm.userId AND b.blockedId = msg.senderId)
        AND ((mm.threadId IS NULL AND mm.messageId > mem.lastReadMessageId)
          OR (mm.threadId IS NOT NULL AND mm.messageId > COALESCE(tf.lastReadMessageId, 0)))
      GROUP BY mm.conversationId
     UNION ALL
     SELECT 't' AS k, tf.conversationId AS conversationId, COUNT(*) AS n FROM thread_follows tf
       JOIN messages msg ON msg.threadId = tf.rootId AND msg.id > tf.lastReadMessageId
      WHERE tf.appId = ? AND tf.userId = ? AND tf.conversationId IN (${marks(ids.length)}) AND tf.following = 1
        AND msg.senderId <> tf.userId AND msg.deletedAt IS NULL
      GROUP BY tf.conversationId`,
    [appId, me, ...ids, appId, me, ...ids],
  );
  const toMap = (k: string): Map<string, number> => new Map(rows.filter((r) => r.k === k).map((r) => [r.conversationId, Number(r.n)]));
  return { mentions: toMap("m"), threadUnread: toMap("t") };
}
