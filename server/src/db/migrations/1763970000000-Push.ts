import { Table, TableIndex, type MigrationInterface, type QueryRunner } from "typeorm";
import { createTable, id, ms, str } from "./helpers.js";

/** Issue 31, web push: each app's VAPID keys and text opt-in, and devices' subscriptions (see push/push.entities.ts). */
export class Push1763970000000 implements MigrationInterface {
  name = "Push1763970000000";

  async up(q: QueryRunner): Promise<void> {
    await createTable(
      q,
      new Table({
        name: "push_settings",
        columns: [
          id("appId"),
          str("publicKey", 100),
          str("privateKey", 64),
          { name: "includeText", type: "boolean", default: false },
          ms("createdAt"),
          ms("rotatedAt", true),
        ],
      }),
    );
    await createTable(
      q,
      new Table({
        name: "push_subscriptions",
        columns: [
          id(),
          str("appId", 32),
          str("userId", 32),
          str("sessionId", 32, true),
          str("endpoint", 1024),
          str("endpointHash", 64),
          str("p256dh", 100),
          str("auth", 40),
          ms("createdAt"),
        ],
      }),
    );
    await q.createIndex(
      "push_subscriptions",
      new TableIndex({ name: "uq_push_subscriptions_endpoint", columnNames: ["appId", "endpointHash"], isUnique: true }),
    );
    await q.createIndex("push_subscriptions", new TableIndex({ name: "ix_push_subscriptions_user", columnNames: ["appId", "userId", "createdAt"] }));
    await q.createIndex("push_subscriptions", new TableIndex({ name: "ix_push_subscriptions_session", columnNames: ["sessionId"] }));
  }

  async down(q: QueryRunner): Promise<void> {
    for (const t of ["push_subscriptions", "push_settings"]) await q.dropTable(t);
  }
}
