import { Table, TableColumn, TableIndex, type MigrationInterface, type QueryRunner } from "typeorm";
import type { TableColumnOptions } from "typeorm/schema-builder/options/TableColumnOptions.js";
import { createTable, isMysql, str } from "./helpers.js";

/**
 * Issue 16: custom data on users, conversations and messages; idempotent conversation keys; the
 * filter index of conversations' custom data. System messages need no column: their `senderId`
 * is "" (see messages/message.entity.ts), so the (appId, senderId, clientMessageId) unique index
 * keeps their retries idempotent too (a NULL sender would make every retry distinct).
 *
 * - `users.data`, `conversations.data`, `messages.data`: JSON text (at most 4,096 bytes), NULL when unset.
 * - `conversations.externalKey`: the host's idempotency key (`key` on the wire), unique per app.
 * - `conversation_data_index (appId, field, value, conversationId)`: one row per top-level scalar
 *   of a conversation's data, written with it; `filter[data.<field>]=<value>` is a primary-key range.
 *
 * Keys and indexed values compare byte for byte (utf8mb4_bin on MariaDB, SQLite's BINARY): an
 * order id "A-1" is not "a-1". Index widths stay under MariaDB's 3,072-byte key limit (utf8mb4: 4 bytes a character).
 */
export class CustomData1763900000000 implements MigrationInterface {
  name = "CustomData1763900000000";

  async up(q: QueryRunner): Promise<void> {
    const exact = (c: TableColumnOptions): TableColumnOptions => (isMysql(q) ? { ...c, charset: "utf8mb4", collation: "utf8mb4_bin" } : c);
    const data = (): TableColumn => new TableColumn({ name: "data", type: "text", isNullable: true });
    // Through the query runner, not raw SQL: on SQLite it rebuilds the table from its cached shape.
    await q.addColumns("users", [data()]);
    await q.addColumns("conversations", [data(), new TableColumn(exact(str("externalKey", 128, true)))]);
    await q.addColumns("messages", [data()]);
    await q.createIndex("conversations", new TableIndex({ name: "uq_conversations_key", columnNames: ["appId", "externalKey"], isUnique: true }));
    await createTable(
      q,
      new Table({
        name: "conversation_data_index",
        columns: [
          { ...str("appId", 32), isPrimary: true },
          { ...exact(str("field", 64)), isPrimary: true },
          { ...exact(str("value", 191)), isPrimary: true },
          { ...str("conversationId", 32), isPrimary: true },
        ],
      }),
    );
    if (isMysql(q)) {
      // createTable converts the whole table to unicode_ci: put the exact columns back.
      await q.query(
        "ALTER TABLE `conversation_data_index` MODIFY `field` varchar(64) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL, MODIFY `value` varchar(191) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL",
      );
    }
    await q.createIndex("conversation_data_index", new TableIndex({ name: "ix_conversation_data_conversation", columnNames: ["conversationId"] }));
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropTable("conversation_data_index");
    await q.dropIndex("conversations", "uq_conversations_key");
    await q.dropColumn("messages", "data");
    await q.dropColumn("conversations", "externalKey");
    await q.dropColumn("conversations", "data");
    await q.dropColumn("users", "data");
  }
}
