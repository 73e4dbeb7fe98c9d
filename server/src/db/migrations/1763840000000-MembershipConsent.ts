import type { MigrationInterface, QueryRunner } from "typeorm";

/** Placeholder for: group invitations, caps and visibility settings (issue 15). Filled in by the change that needs it. */
export class MembershipConsent1763840000000 implements MigrationInterface {
  name = "MembershipConsent1763840000000";

  async up(_q: QueryRunner): Promise<void> {}

  async down(_q: QueryRunner): Promise<void> {}
}
