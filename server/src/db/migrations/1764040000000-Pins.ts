import { Table, TableIndex, type MigrationInterface, type QueryRunner } from "typeorm";
import { createTable, ms, str } from "./helpers.js";

/** Issue 33, pins: a conversation's pinned messages (pins/), newest first from its header. */
export class Pins1764040000000 implements MigrationInterface {
  name = "Pins1764040000000";

  async up(q: QueryRunner): Promise<void> {
    await createTable(
      q,
      new Table({
        name: "message_pins",
        columns: [
          { name: "messageId", type: "bigint", isPrimary: true },
          str("appId", 32),
          str("conversationId", 32),
          str("pinnedBy", 32, true),
          ms("pinnedAt"),
        ],
      }),
    );
    await q.createIndex("message_pins", new TableIndex({ name: "ix_message_pins_conversation", columnNames: ["conversationId", "pinnedAt"] }));
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropTable("message_pins");
  }
}
