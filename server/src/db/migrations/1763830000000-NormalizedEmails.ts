import type { MigrationInterface, QueryRunner } from "typeorm";

/** Placeholder for: normalised-email identity (issue 15, takeover chain). Filled in by the change that needs it. */
export class NormalizedEmails1763830000000 implements MigrationInterface {
  name = "NormalizedEmails1763830000000";

  async up(_q: QueryRunner): Promise<void> {}

  async down(_q: QueryRunner): Promise<void> {}
}
