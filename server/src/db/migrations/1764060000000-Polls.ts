import { Table, TableIndex, type MigrationInterface, type QueryRunner } from "typeorm";
import { createTable, ms, str } from "./helpers.js";

/**
 * Issue 33, polls: a poll beside its message (polls), and each voter's chosen options
 * (poll_votes), keyed so that a voter counts once per option, and once in all in a single-choice poll.
 */
export class Polls1764060000000 implements MigrationInterface {
  name = "Polls1764060000000";

  async up(q: QueryRunner): Promise<void> {
    await createTable(
      q,
      new Table({
        name: "polls",
        columns: [
          { name: "messageId", type: "bigint", isPrimary: true },
          str("appId", 32),
          str("conversationId", 32),
          str("createdBy", 32, true),
          { name: "options", type: "text" },
          { name: "multiple", type: "boolean" },
          { name: "anonymous", type: "boolean" },
          ms("closesAt", true),
          ms("closedAt", true),
        ],
      }),
    );
    await createTable(
      q,
      new Table({
        name: "poll_votes",
        columns: [
          { name: "messageId", type: "bigint", isPrimary: true },
          { name: "userId", type: "varchar", length: "32", isPrimary: true },
          { name: "slot", type: "int", isPrimary: true },
          { name: "choice", type: "int" },
          str("appId", 32),
          ms("createdAt"),
        ],
      }),
    );
    await q.createIndex("poll_votes", new TableIndex({ name: "ix_poll_votes_user", columnNames: ["appId", "userId"] }));
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropTable("poll_votes");
    await q.dropTable("polls");
  }
}
