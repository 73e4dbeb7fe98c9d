import { TableColumn, type MigrationInterface, type QueryRunner } from "typeorm";

/**
 * An AI agent's user is marked (issue 54): `users.agent`, so clients show "AI" beside it and the
 * widget listens for its streamed replies only in conversations that have one. The agents made
 * before this migration are marked by it.
 */
export class UserAgent1764205000000 implements MigrationInterface {
  name = "UserAgent1764205000000";

  async up(q: QueryRunner): Promise<void> {
    await q.addColumn("users", new TableColumn({ name: "agent", type: "boolean", default: false }));
    await q.query("UPDATE users SET agent = ? WHERE id IN (SELECT userId FROM agents)", [true]);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropColumn("users", "agent");
  }
}
