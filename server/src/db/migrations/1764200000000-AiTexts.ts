import { Table, TableColumn, TableIndex, type MigrationInterface, type QueryRunner } from "typeorm";
import { createTable, ms, str } from "./helpers.js";

/**
 * Translation and summaries (issue 54): the agents an app names to translate and to summarize
 * (two nullable columns of agent_settings: null is off), and the texts their models wrote, kept so
 * the same question never reaches a model twice (ai_texts, its id a hash of what was asked).
 */
export class AiTexts1764200000000 implements MigrationInterface {
  name = "AiTexts1764200000000";

  async up(q: QueryRunner): Promise<void> {
    await q.addColumns("agent_settings", [
      new TableColumn({ name: "translateAgentId", type: "varchar", length: "32", isNullable: true }),
      new TableColumn({ name: "summarizeAgentId", type: "varchar", length: "32", isNullable: true }),
    ]);
    await createTable(
      q,
      new Table({
        name: "ai_texts",
        columns: [
          { ...str("id", 64), isPrimary: true },
          str("appId", 32),
          str("conversationId", 32),
          { name: "messageId", type: "bigint", isNullable: true },
          str("kind", 16),
          str("language", 16),
          { name: "text", type: "text" },
          ms("createdAt"),
        ],
      }),
    );
    await q.createIndex("ai_texts", new TableIndex({ name: "ix_ai_texts_message", columnNames: ["appId", "messageId"] }));
    await q.createIndex("ai_texts", new TableIndex({ name: "ix_ai_texts_conversation", columnNames: ["appId", "conversationId"] }));
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropTable("ai_texts");
    await q.dropColumn("agent_settings", "summarizeAgentId");
    await q.dropColumn("agent_settings", "translateAgentId");
  }
}
