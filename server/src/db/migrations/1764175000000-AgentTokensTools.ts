import { TableColumn, type MigrationInterface, type QueryRunner } from "typeorm";

/** AI agents, continued (issue 54): their replies and tokens in the usage rollup; the tools an agent declares. */
export class AgentTokensTools1764175000000 implements MigrationInterface {
  name = "AgentTokensTools1764175000000";

  async up(q: QueryRunner): Promise<void> {
    for (const name of ["agentReplies", "agentPromptTokens", "agentCompletionTokens"])
      await q.addColumn("usage_daily", new TableColumn({ name, type: "bigint", default: 0 }));
    await q.addColumn("agents", new TableColumn({ name: "tools", type: "text", isNullable: true }));
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropColumn("agents", "tools");
    for (const name of ["agentCompletionTokens", "agentPromptTokens", "agentReplies"]) await q.dropColumn("usage_daily", name);
  }
}
