import { Table, type MigrationInterface, type QueryRunner } from "typeorm";
import { createTable, isMysql, ms, str } from "./helpers.js";

/**
 * Issue 54, streamed messages: a message's stream state (`messages.stream`: streaming, finished,
 * failed, stopped; NULL for every ordinary message) and why it failed (`streamError`), and the
 * live streams (message_streams), which every node's sweep reads to end those past their time.
 * Both new columns are nullable without a default, so adding them is instant on MariaDB.
 */
export class Streams1764125000000 implements MigrationInterface {
  name = "Streams1764125000000";

  async up(q: QueryRunner): Promise<void> {
    // Plain ALTERs: instant on both (TypeORM's addColumn copies the whole table on SQLite).
    if (isMysql(q)) await q.query("ALTER TABLE messages ADD COLUMN stream VARCHAR(16) NULL, ADD COLUMN streamError VARCHAR(500) NULL");
    else {
      await q.query("ALTER TABLE messages ADD COLUMN stream varchar(16) NULL");
      await q.query("ALTER TABLE messages ADD COLUMN streamError varchar(500) NULL");
    }
    await createTable(
      q,
      new Table({
        name: "message_streams",
        columns: [{ name: "messageId", type: "bigint", isPrimary: true }, str("appId", 32), str("conversationId", 32), ms("startedAt"), ms("lastAppendAt")],
      }),
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropTable("message_streams");
    if (isMysql(q)) await q.query("ALTER TABLE messages DROP COLUMN stream, DROP COLUMN streamError");
    else for (const c of ["stream", "streamError"]) await q.query(`ALTER TABLE messages DROP COLUMN ${c}`);
  }
}
