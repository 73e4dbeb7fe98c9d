import { Table, TableIndex, type MigrationInterface, type QueryRunner } from "typeorm";
import { createTable, ms, str } from "./helpers.js";

/** Hand-off to people (issue 54): an app's agent settings (whether, and to whom), and the conversations handed off. */
export class AgentHandoff1764176000000 implements MigrationInterface {
  name = "AgentHandoff1764176000000";

  async up(q: QueryRunner): Promise<void> {
    await createTable(
      q,
      new Table({
        name: "agent_settings",
        columns: [{ ...str("appId", 32), isPrimary: true }, str("handoffTo", 16), { name: "handoffUserIds", type: "text", isNullable: true }, ms("updatedAt")],
      }),
    );
    await createTable(
      q,
      new Table({
        name: "agent_handoffs",
        columns: [
          { ...str("conversationId", 32), isPrimary: true },
          str("appId", 32),
          str("agentUserId", 32),
          str("requestedBy", 32, true),
          str("groupId", 32, true),
          ms("createdAt"),
        ],
      }),
    );
    await q.createIndex("agent_handoffs", new TableIndex({ name: "ix_agent_handoffs_requester", columnNames: ["appId", "requestedBy"] }));
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropTable("agent_handoffs");
    await q.dropTable("agent_settings");
  }
}
