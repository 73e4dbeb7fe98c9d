import { Table, TableIndex, type MigrationInterface, type QueryRunner } from "typeorm";
import { createTable, id, ms, str } from "./helpers.js";

/**
 * Issue 53, calls: a call in a conversation (calls), with one live call per conversation held by a
 * unique index on `liveKey` (the conversation while live, NULL once ended), and the people rung for
 * it (call_participants), each with the socket that carries the call for them.
 */
export class Calls1764090000000 implements MigrationInterface {
  name = "Calls1764090000000";

  async up(q: QueryRunner): Promise<void> {
    await createTable(
      q,
      new Table({
        name: "calls",
        columns: [
          id(),
          str("appId", 32),
          str("conversationId", 32),
          str("kind", 8),
          str("mode", 8),
          str("state", 8),
          str("startedBy", 32),
          ms("createdAt"),
          ms("answeredAt", true),
          ms("endedAt", true),
          str("endReason", 16, true),
          str("liveKey", 32, true),
          { name: "messageId", type: "bigint", isNullable: true },
        ],
      }),
    );
    await q.createIndex("calls", new TableIndex({ name: "uq_calls_live", columnNames: ["liveKey"], isUnique: true }));
    await q.createIndex("calls", new TableIndex({ name: "ix_calls_conversation", columnNames: ["conversationId", "createdAt", "id"] }));
    await q.createIndex("calls", new TableIndex({ name: "ix_calls_entry", columnNames: ["messageId", "endedAt"] }));
    await createTable(
      q,
      new Table({
        name: "call_participants",
        columns: [
          { name: "callId", type: "varchar", length: "32", isPrimary: true },
          { name: "userId", type: "varchar", length: "32", isPrimary: true },
          str("appId", 32),
          str("state", 8),
          ms("joinedAt", true),
          ms("leftAt", true),
          str("socketId", 64, true),
        ],
      }),
    );
    await q.createIndex("call_participants", new TableIndex({ name: "ix_call_participants_user", columnNames: ["appId", "userId", "state"] }));
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropTable("call_participants");
    await q.dropTable("calls");
  }
}
