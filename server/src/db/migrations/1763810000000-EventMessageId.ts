import { TableColumn, TableIndex, type MigrationInterface, type QueryRunner } from "typeorm";

/** Lets an edit or delete find (and rewrite) the earlier events that carried the old text. */
export class EventMessageId1763810000000 implements MigrationInterface {
  name = "EventMessageId1763810000000";

  async up(q: QueryRunner): Promise<void> {
    await q.addColumn("events", new TableColumn({ name: "messageId", type: "bigint", isNullable: true }));
    await q.createIndex("events", new TableIndex({ name: "ix_events_message", columnNames: ["appId", "messageId"] }));
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropIndex("events", "ix_events_message");
    await q.dropColumn("events", "messageId");
  }
}
