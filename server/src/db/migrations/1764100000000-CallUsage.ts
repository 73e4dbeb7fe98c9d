import { TableColumn, type MigrationInterface, type QueryRunner } from "typeorm";

/**
 * Calls in the usage rollup (issue 53): `usage_daily.calls`, the calls that ended that day (any
 * reason), and `usage_daily.callSeconds`, how long the answered ones lasted, together.
 */
export class CallUsage1764100000000 implements MigrationInterface {
  name = "CallUsage1764100000000";

  async up(q: QueryRunner): Promise<void> {
    await q.addColumn("usage_daily", new TableColumn({ name: "calls", type: "int", default: 0 }));
    await q.addColumn("usage_daily", new TableColumn({ name: "callSeconds", type: "int", default: 0 }));
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropColumn("usage_daily", "callSeconds");
    await q.dropColumn("usage_daily", "calls");
  }
}
