import { Table, TableIndex, type MigrationInterface, type QueryRunner } from "typeorm";
import { createTable, id, ms, str } from "./helpers.js";

/** AI agents (issue 54): an app's agents, each a user of the app with a model connection (agents/agent.entity.ts). */
export class Agents1764150000000 implements MigrationInterface {
  name = "Agents1764150000000";

  async up(q: QueryRunner): Promise<void> {
    await createTable(
      q,
      new Table({
        name: "agents",
        columns: [
          id(),
          str("appId", 32),
          str("userId", 32),
          str("endpoint", 1024),
          str("model", 200),
          str("apiKey", 512, true),
          { name: "systemPrompt", type: "text" },
          { name: "contextMessages", type: "int" },
          { name: "temperature", type: "int" },
          { name: "maxTokens", type: "int" },
          { name: "enabled", type: "boolean", default: true },
          ms("createdAt"),
          ms("updatedAt"),
        ],
      }),
    );
    await q.createIndex("agents", new TableIndex({ name: "uq_agents_user", columnNames: ["appId", "userId"], isUnique: true }));
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropTable("agents");
  }
}
