import { TableIndex, type MigrationInterface, type QueryRunner } from "typeorm";

/**
 * Every send writes an event row, and each secondary index is one more B-tree insert per write.
 * No query reads events by (appId, conversationId, seq) or (appId, userId, seq): /sync walks the
 * primary key (appId, seq) — EXPLAIN in server/test/query-plans.test.ts — and edits find a
 * message's events through ix_events_message. Both go.
 */
export class LeanEventIndexes1763820000000 implements MigrationInterface {
  name = "LeanEventIndexes1763820000000";

  async up(q: QueryRunner): Promise<void> {
    await q.dropIndex("events", "ix_events_conversation");
    await q.dropIndex("events", "ix_events_user");
  }

  async down(q: QueryRunner): Promise<void> {
    await q.createIndex("events", new TableIndex({ name: "ix_events_conversation", columnNames: ["appId", "conversationId", "seq"] }));
    await q.createIndex("events", new TableIndex({ name: "ix_events_user", columnNames: ["appId", "userId", "seq"] }));
  }
}
