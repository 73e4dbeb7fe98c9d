import { Table, TableIndex, type MigrationInterface, type QueryRunner } from "typeorm";
import { createTable, id, ms, str } from "./helpers.js";

/**
 * Issue 17, moderation: app moderators, sanctions (mutes and bans), slow mode, the word filter,
 * reports and the audit log (see moderation/moderation.entities.ts).
 */
export class Moderation1763940000000 implements MigrationInterface {
  name = "Moderation1763940000000";

  async up(q: QueryRunner): Promise<void> {
    await createTable(q, new Table({ name: "app_moderators", columns: [id("appId"), id("userId"), ms("createdAt"), str("createdBy", 64, true)] }));
    await createTable(
      q,
      new Table({
        name: "moderation_sanctions",
        columns: [
          id(),
          str("appId", 32),
          str("kind", 8),
          str("userId", 32),
          // "" for an app-wide ban: a NOT NULL column keeps the unique index exact on both databases.
          { name: "conversationId", type: "varchar", length: "32", default: "''" },
          ms("until", true),
          str("reason", 500, true),
          str("createdBy", 64),
          ms("createdAt"),
        ],
      }),
    );
    await q.createIndex(
      "moderation_sanctions",
      new TableIndex({ name: "uq_moderation_sanctions", columnNames: ["appId", "userId", "kind", "conversationId"], isUnique: true }),
    );
    await createTable(q, new Table({ name: "moderation_slow_mode", columns: [id("conversationId"), str("appId", 32), { name: "seconds", type: "int" }] }));
    await createTable(q, new Table({ name: "moderation_word_filters", columns: [id("appId"), { name: "words", type: "text" }, ms("updatedAt")] }));
    await createTable(
      q,
      new Table({
        name: "moderation_reports",
        columns: [
          id(),
          str("appId", 32),
          str("reporterId", 32),
          str("userId", 32),
          { name: "messageId", type: "bigint", isNullable: true },
          str("conversationId", 32, true),
          { name: "messageText", type: "text", isNullable: true },
          str("reason", 20),
          str("note", 1000, true),
          str("status", 10),
          ms("createdAt"),
          ms("resolvedAt", true),
          str("resolvedBy", 64, true),
          str("resolution", 500, true),
        ],
      }),
    );
    await q.createIndex("moderation_reports", new TableIndex({ name: "ix_moderation_reports_queue", columnNames: ["appId", "status", "createdAt", "id"] }));
    await q.createIndex("moderation_reports", new TableIndex({ name: "ix_moderation_reports_all", columnNames: ["appId", "createdAt", "id"] }));
    // Account deletion (data rights) clears the user's words from reports about them and by them.
    await q.createIndex("moderation_reports", new TableIndex({ name: "ix_moderation_reports_user", columnNames: ["appId", "userId"] }));
    await q.createIndex("moderation_reports", new TableIndex({ name: "ix_moderation_reports_reporter", columnNames: ["appId", "reporterId"] }));
    await createTable(
      q,
      new Table({
        name: "moderation_audit",
        columns: [
          id(),
          str("appId", 32),
          str("action", 40),
          str("actorUserId", 32, true),
          str("actorServerKey", 64, true),
          str("targetUserId", 32, true),
          str("conversationId", 32, true),
          { name: "messageId", type: "bigint", isNullable: true },
          str("reportId", 32, true),
          str("reason", 500, true),
          { name: "details", type: "text", isNullable: true },
          ms("createdAt"),
        ],
      }),
    );
    await q.createIndex("moderation_audit", new TableIndex({ name: "ix_moderation_audit_app", columnNames: ["appId", "createdAt", "id"] }));
  }

  async down(q: QueryRunner): Promise<void> {
    for (const t of ["moderation_audit", "moderation_reports", "moderation_word_filters", "moderation_slow_mode", "moderation_sanctions", "app_moderators"])
      await q.dropTable(t);
  }
}
