import { Table, TableIndex, type MigrationInterface, type QueryRunner } from "typeorm";
import { createTable, ms, str } from "./helpers.js";

/** Issue 55, drafts that follow the user: `drafts`, one row per (app, user, conversation) (see drafts/draft.entity.ts). */
export class Drafts1764185000000 implements MigrationInterface {
  name = "Drafts1764185000000";

  async up(q: QueryRunner): Promise<void> {
    await createTable(
      q,
      new Table({
        name: "drafts",
        columns: [
          { ...str("appId", 32), isPrimary: true },
          { ...str("userId", 32), isPrimary: true },
          { ...str("conversationId", 32), isPrimary: true },
          { name: "text", type: "text" },
          ms("replyToId", true),
          ms("updatedAt"),
        ],
      }),
    );
    await q.createIndex("drafts", new TableIndex({ name: "ix_drafts_user", columnNames: ["appId", "userId", "updatedAt"] }));
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropTable("drafts");
  }
}
