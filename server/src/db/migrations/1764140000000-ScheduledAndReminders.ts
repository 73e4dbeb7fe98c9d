import { Table, TableIndex, type MigrationInterface, type QueryRunner } from "typeorm";
import { createTable, id, ms, str } from "./helpers.js";

/** Issue 55, scheduled sends and reminders: `scheduled_messages` and `reminders` (see scheduled/scheduled.entities.ts). */
export class ScheduledAndReminders1764140000000 implements MigrationInterface {
  name = "ScheduledAndReminders1764140000000";

  async up(q: QueryRunner): Promise<void> {
    await createTable(
      q,
      new Table({
        name: "scheduled_messages",
        columns: [
          id(),
          str("appId", 32),
          str("userId", 32),
          str("conversationId", 32),
          { name: "text", type: "text" },
          ms("replyToId", true),
          ms("sendAt"),
          ms("dueAt", true),
          { name: "attempts", type: "int", default: 0 },
          str("status", 8),
          ms("messageId", true),
          str("failureCode", 40, true),
          ms("createdAt"),
          ms("updatedAt"),
        ],
      }),
    );
    await q.createIndex("scheduled_messages", new TableIndex({ name: "ix_scheduled_messages_due", columnNames: ["dueAt"] }));
    await q.createIndex("scheduled_messages", new TableIndex({ name: "ix_scheduled_messages_user", columnNames: ["appId", "userId", "sendAt", "id"] }));
    await createTable(
      q,
      new Table({
        name: "reminders",
        columns: [
          id(),
          str("appId", 32),
          str("userId", 32),
          ms("messageId"),
          str("conversationId", 32),
          ms("remindAt"),
          ms("dueAt", true),
          str("status", 8),
          ms("createdAt"),
        ],
      }),
    );
    await q.createIndex("reminders", new TableIndex({ name: "ix_reminders_due", columnNames: ["dueAt"] }));
    await q.createIndex("reminders", new TableIndex({ name: "ix_reminders_user", columnNames: ["appId", "userId", "remindAt", "id"] }));
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropTable("reminders");
    await q.dropTable("scheduled_messages");
  }
}
