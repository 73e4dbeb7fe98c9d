import { TableIndex, type MigrationInterface, type QueryRunner } from "typeorm";

/**
 * Issue 32, an app's console members: the invitations to an app still pending are listed on its
 * members tab, by app and expiry (console-members.service.ts).
 */
export class ConsoleInvitesByApp1764030000000 implements MigrationInterface {
  name = "ConsoleInvitesByApp1764030000000";

  async up(q: QueryRunner): Promise<void> {
    await q.createIndex("console_invites", new TableIndex({ name: "ix_console_invites_app", columnNames: ["appId", "expiresAt"] }));
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropIndex("console_invites", "ix_console_invites_app");
  }
}
