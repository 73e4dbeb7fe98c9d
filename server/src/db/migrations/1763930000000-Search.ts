import type { MigrationInterface, QueryRunner } from "typeorm";
import { isMysql, rowMarks } from "./helpers.js";
import { documentText } from "./search-terms-1763930000000.js";

const BACKFILL_BATCH = 2000;

/**
 * Issue 17, message search (search/): `message_search (messageId, appId, terms)` holds each live
 * message's encoded terms (search/terms.ts). MariaDB indexes `terms` with an InnoDB FULLTEXT index
 * (BOOLEAN MODE; the encoding keeps every term >= 3 characters and off the stopword list); SQLite
 * with an FTS5 table whose content is `message_search` (external content, rowid = messageId,
 * `detail=none`: only which rows hold a term, no positions, as no query asks for phrases), kept in
 * step by triggers. Existing messages are indexed here, in batches by id, with the terms as they
 * were when this migration shipped (search-terms-1763930000000.ts, a frozen copy).
 */
export class Search1763930000000 implements MigrationInterface {
  name = "Search1763930000000";

  async up(q: QueryRunner): Promise<void> {
    if (isMysql(q)) {
      await q.query(
        "CREATE TABLE message_search (messageId BIGINT NOT NULL PRIMARY KEY, appId VARCHAR(32) NOT NULL, terms TEXT NOT NULL, FULLTEXT KEY ft_message_search_terms (terms)) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci",
      );
    } else {
      // INTEGER PRIMARY KEY: messageId is the rowid the FTS5 table points at.
      await q.query("CREATE TABLE message_search (messageId INTEGER PRIMARY KEY NOT NULL, appId VARCHAR(32) NOT NULL, terms TEXT NOT NULL)");
      await q.query(
        "CREATE VIRTUAL TABLE message_search_fts USING fts5(terms, content='message_search', content_rowid='messageId', tokenize='ascii', detail='none')",
      );
      await q.query(
        "CREATE TRIGGER message_search_ai AFTER INSERT ON message_search BEGIN INSERT INTO message_search_fts(rowid, terms) VALUES (new.messageId, new.terms); END",
      );
      await q.query(
        "CREATE TRIGGER message_search_ad AFTER DELETE ON message_search BEGIN INSERT INTO message_search_fts(message_search_fts, rowid, terms) VALUES ('delete', old.messageId, old.terms); END",
      );
      await q.query(
        "CREATE TRIGGER message_search_au AFTER UPDATE ON message_search BEGIN INSERT INTO message_search_fts(message_search_fts, rowid, terms) VALUES ('delete', old.messageId, old.terms); INSERT INTO message_search_fts(rowid, terms) VALUES (new.messageId, new.terms); END",
      );
    }
    await q.query("CREATE INDEX ix_message_search_app ON message_search (appId)");
    let after = 0;
    for (;;) {
      const rows: { id: number | string; appId: string; conversationId: string; text: string }[] = await q.query(
        "SELECT id, appId, conversationId, text FROM messages WHERE id > ? AND deletedAt IS NULL AND text IS NOT NULL AND text <> '' ORDER BY id LIMIT ?",
        [after, BACKFILL_BATCH],
      );
      if (rows.length === 0) break;
      await q.query(
        `INSERT INTO message_search (messageId, appId, terms) VALUES ${rowMarks(rows.length, 3)}`,
        rows.flatMap((r) => [Number(r.id), r.appId, documentText(r.conversationId, r.text)]),
      );
      after = Number(rows[rows.length - 1]!.id);
      if (rows.length < BACKFILL_BATCH) break;
    }
  }

  async down(q: QueryRunner): Promise<void> {
    if (!isMysql(q)) {
      for (const t of ["message_search_ai", "message_search_ad", "message_search_au"]) await q.query(`DROP TRIGGER IF EXISTS ${t}`);
      await q.query("DROP TABLE IF EXISTS message_search_fts");
    }
    await q.query("DROP TABLE IF EXISTS message_search");
  }
}
