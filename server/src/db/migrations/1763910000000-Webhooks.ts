import type { MigrationInterface, QueryRunner } from "typeorm";

/** Issue 16: webhook endpoints and the delivery outbox. */
export class Webhooks1763910000000 implements MigrationInterface {
  name = "Webhooks1763910000000";

  async up(_q: QueryRunner): Promise<void> {}

  async down(_q: QueryRunner): Promise<void> {}
}
