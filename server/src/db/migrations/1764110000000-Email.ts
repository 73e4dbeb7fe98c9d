import { Table, TableColumn, TableIndex, type MigrationInterface, type QueryRunner } from "typeorm";
import { createTable, id, ms, str } from "./helpers.js";

/**
 * Issue 55, e-mail for unread messages: each app's SMTP settings, users' addresses and wishes, the
 * outbox (see email/email.entities.ts), and `usage_daily.emailsSent` / `emailsFailed`.
 */
export class Email1764110000000 implements MigrationInterface {
  name = "Email1764110000000";

  async up(q: QueryRunner): Promise<void> {
    await createTable(
      q,
      new Table({
        name: "email_settings",
        columns: [
          id("appId"),
          { name: "enabled", type: "boolean", default: true },
          str("host", 253, true),
          { name: "port", type: "int", isNullable: true },
          { name: "secure", type: "boolean", default: false },
          str("username", 254, true),
          str("password", 254, true),
          str("fromAddress", 254, true),
          { name: "includeText", type: "boolean", default: false },
          str("link", 1024, true),
          { name: "waitMinutes", type: "int", isNullable: true },
          ms("updatedAt"),
        ],
      }),
    );
    await createTable(
      q,
      new Table({
        name: "email_recipients",
        columns: [
          id("appId"),
          id("userId"),
          str("address", 254, true),
          { name: "preference", type: "varchar", length: "8", default: "'every'" },
          str("locale", 8, true),
          ms("updatedAt"),
        ],
      }),
    );
    await createTable(
      q,
      new Table({
        name: "email_outbox",
        columns: [
          id(),
          str("appId", 32),
          str("userId", 32),
          str("periodKey", 40),
          str("status", 8),
          { name: "attempts", type: "int", default: 0 },
          ms("dueAt", true),
          str("toAddress", 254),
          str("subject", 300),
          { name: "textBody", type: "text" },
          { name: "htmlBody", type: "text" },
          str("unsubscribeUrl", 1024),
          str("lastError", 500, true),
          ms("createdAt"),
          ms("sentAt", true),
        ],
      }),
    );
    await q.createIndex("email_outbox", new TableIndex({ name: "uq_email_outbox_period", columnNames: ["appId", "userId", "periodKey"], isUnique: true }));
    await q.createIndex("email_outbox", new TableIndex({ name: "ix_email_outbox_due", columnNames: ["dueAt"] }));
    await q.addColumn("usage_daily", new TableColumn({ name: "emailsSent", type: "int", default: 0 }));
    await q.addColumn("usage_daily", new TableColumn({ name: "emailsFailed", type: "int", default: 0 }));
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropColumn("usage_daily", "emailsFailed");
    await q.dropColumn("usage_daily", "emailsSent");
    for (const t of ["email_outbox", "email_recipients", "email_settings"]) await q.dropTable(t);
  }
}
