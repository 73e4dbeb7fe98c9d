import { Table, TableIndex, type MigrationInterface, type QueryRunner } from "typeorm";
import { createTable, isMysql, ms, str } from "./helpers.js";

/**
 * Issue 17, threads and mentions: a reply's thread (`threadId`, the root's id) and the root's
 * summary (`replyCount`, `lastReplyAt`) on messages; who follows a thread and how far they read
 * it (thread_follows); who a message mentions (message_mentions).
 */
export class Threads1763950000000 implements MigrationInterface {
  name = "Threads1763950000000";

  async up(q: QueryRunner): Promise<void> {
    // Plain ALTERs: instant on both (TypeORM's addColumn copies the whole table on SQLite).
    if (isMysql(q)) {
      await q.query(
        "ALTER TABLE messages ADD COLUMN threadId BIGINT NULL, ADD COLUMN replyCount INT NOT NULL DEFAULT 0, ADD COLUMN lastReplyAt BIGINT NULL, ADD INDEX ix_messages_thread (threadId, id)",
      );
    } else {
      await q.query("ALTER TABLE messages ADD COLUMN threadId bigint NULL");
      await q.query("ALTER TABLE messages ADD COLUMN replyCount integer NOT NULL DEFAULT 0");
      await q.query("ALTER TABLE messages ADD COLUMN lastReplyAt bigint NULL");
      await q.query("CREATE INDEX ix_messages_thread ON messages (threadId, id)");
    }
    await createTable(
      q,
      new Table({
        name: "thread_follows",
        columns: [
          { name: "rootId", type: "bigint", isPrimary: true },
          { name: "userId", type: "varchar", length: "32", isPrimary: true },
          str("appId", 32),
          str("conversationId", 32),
          { name: "following", type: "boolean" },
          { name: "lastReadMessageId", type: "bigint", default: 0 },
          ms("updatedAt"),
        ],
      }),
    );
    // A user's followed threads per conversation (the list's threadUnreadCount).
    await q.createIndex("thread_follows", new TableIndex({ name: "ix_thread_follows_user", columnNames: ["appId", "userId", "conversationId"] }));
    await createTable(
      q,
      new Table({
        name: "message_mentions",
        columns: [
          { name: "messageId", type: "bigint", isPrimary: true },
          { name: "userId", type: "varchar", length: "32", isPrimary: true },
          str("appId", 32),
          str("conversationId", 32),
          { name: "threadId", type: "bigint", isNullable: true },
        ],
      }),
    );
    // A user's mentions per conversation, newest last (the list's mentionCount).
    await q.createIndex(
      "message_mentions",
      new TableIndex({ name: "ix_message_mentions_user", columnNames: ["appId", "userId", "conversationId", "messageId"] }),
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropTable("message_mentions");
    await q.dropTable("thread_follows");
    await q.query(isMysql(q) ? "ALTER TABLE messages DROP INDEX ix_messages_thread" : "DROP INDEX ix_messages_thread");
    if (isMysql(q)) {
      await q.query("ALTER TABLE messages DROP COLUMN threadId, DROP COLUMN replyCount, DROP COLUMN lastReplyAt");
    } else {
      for (const c of ["threadId", "replyCount", "lastReplyAt"]) await q.query(`ALTER TABLE messages DROP COLUMN ${c}`);
    }
  }
}
