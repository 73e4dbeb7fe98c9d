import type { MigrationInterface, QueryRunner } from "typeorm";

/** Issue 32, the console's delivery log: the last attempt's HTTP status (a 2xx included), null when none answered. */
export class WebhookStatus1764010000000 implements MigrationInterface {
  name = "WebhookStatus1764010000000";

  async up(q: QueryRunner): Promise<void> {
    // A plain ALTER: instant on both (TypeORM's addColumn copies the whole table on SQLite).
    await q.query("ALTER TABLE webhook_deliveries ADD COLUMN lastStatus smallint NULL");
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query("ALTER TABLE webhook_deliveries DROP COLUMN lastStatus");
  }
}
