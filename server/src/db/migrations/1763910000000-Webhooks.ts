import { Table, TableIndex, type MigrationInterface, type QueryRunner } from "typeorm";
import { createTable, id, ms, str } from "./helpers.js";

/** Issue 16: webhook endpoints and the delivery outbox (see webhooks/webhook.entities.ts). */
export class Webhooks1763910000000 implements MigrationInterface {
  name = "Webhooks1763910000000";

  async up(q: QueryRunner): Promise<void> {
    await createTable(
      q,
      new Table({
        name: "webhook_endpoints",
        columns: [
          id(),
          str("appId", 32),
          str("url", 2048),
          str("events", 400),
          ms("createdAt"),
          str("leaseOwner", 32, true),
          { name: "leaseUntil", type: "bigint", default: 0 },
        ],
      }),
    );
    await q.createIndex("webhook_endpoints", new TableIndex({ name: "ix_webhook_endpoints_app", columnNames: ["appId", "createdAt"] }));
    await createTable(
      q,
      new Table({
        name: "webhook_deliveries",
        columns: [
          id(),
          str("appId", 32),
          str("endpointId", 32),
          str("type", 40),
          ms("seq"),
          ms("at"),
          { name: "data", type: "text" },
          str("status", 10),
          { name: "attempts", type: "int", default: 0 },
          str("lastError", 500, true),
          ms("createdAt"),
          ms("nextAttemptAt", true),
          ms("lastAttemptAt", true),
          ms("deliveredAt", true),
        ],
      }),
    );
    await q.createIndex("webhook_deliveries", new TableIndex({ name: "ix_webhook_deliveries_due", columnNames: ["status", "nextAttemptAt"] }));
    await q.createIndex(
      "webhook_deliveries",
      new TableIndex({ name: "ix_webhook_deliveries_endpoint", columnNames: ["endpointId", "status", "nextAttemptAt", "seq"] }),
    );
    await q.createIndex("webhook_deliveries", new TableIndex({ name: "ix_webhook_deliveries_list", columnNames: ["endpointId", "createdAt", "id"] }));
    await createTable(q, new Table({ name: "webhook_settings", columns: [id("appId"), { name: "unreadAfterSec", type: "int" }] }));
    await createTable(
      q,
      new Table({
        name: "webhook_unread",
        columns: [id("appId"), id("userId"), ms("dueAt", true), ms("notifiedAt", true)],
      }),
    );
    await q.createIndex("webhook_unread", new TableIndex({ name: "ix_webhook_unread_due", columnNames: ["dueAt"] }));
    await q.createIndex("webhook_unread", new TableIndex({ name: "ix_webhook_unread_notified", columnNames: ["notifiedAt"] }));
  }

  async down(q: QueryRunner): Promise<void> {
    for (const t of ["webhook_unread", "webhook_settings", "webhook_deliveries", "webhook_endpoints"]) await q.dropTable(t);
  }
}
