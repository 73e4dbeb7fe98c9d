import type { EntityManager } from "typeorm";

/** A row of a sender's messages, as stored (the export's columns, and what a deletion pages by). */
export interface SenderRow {
  id: number | string;
  clientMessageId: string | null;
  conversationId: string;
  text: string | null;
  replyToId: number | string | null;
  threadId: number | string | null;
  createdAt: number | string;
  editedAt: number | string | null;
  data: string | null;
  deletedAt: number | string | null;
}

const SELECT =
  "SELECT id, clientMessageId, conversationId, text, replyToId, threadId, createdAt, editedAt, data, deletedAt FROM messages WHERE appId = ? AND senderId = ? AND";

/**
 * A sender's messages, deleted ones included, a page at a time, each page one range of
 * `uq_messages_client_id` (appId, senderId, clientMessageId): there is no index by sender and id
 * (issue 56: one index fewer for every send to write). The order is that index's: first the
 * messages without a client id (system sends, server API sends without one), by id; then the others
 * by client id. Not the order they were sent in: a caller that needs that sorts by id.
 *
 * The next page is read when the caller asks for it, by keyset, so a caller that changes the rows
 * it was given (a deletion tombstones them) still gets each row once.
 */
export async function* pagesOfSender(db: Pick<EntityManager, "query">, appId: string, senderId: string, page: number): AsyncGenerator<SenderRow[]> {
  let afterId = 0;
  for (;;) {
    const rows = (await db.query(`${SELECT} clientMessageId IS NULL AND id > ? ORDER BY id LIMIT ?`, [appId, senderId, afterId, page])) as SenderRow[];
    if (rows.length > 0) yield rows;
    if (rows.length < page) break;
    afterId = Number(rows[rows.length - 1]!.id);
  }
  let afterClientId: string | undefined;
  for (;;) {
    const rows = (await (afterClientId === undefined
      ? db.query(`${SELECT} clientMessageId IS NOT NULL ORDER BY clientMessageId LIMIT ?`, [appId, senderId, page])
      : db.query(`${SELECT} clientMessageId > ? ORDER BY clientMessageId LIMIT ?`, [appId, senderId, afterClientId, page]))) as SenderRow[];
    if (rows.length > 0) yield rows;
    if (rows.length < page) break;
    afterClientId = String(rows[rows.length - 1]!.clientMessageId);
  }
}
