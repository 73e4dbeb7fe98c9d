import { Table, TableColumn, type MigrationInterface, type QueryRunner } from "typeorm";
import { createTable, ms, str } from "./helpers.js";

/**
 * What operators do to apps after creating them (issue 19), and the readiness probe's row:
 * - `apps.disabledAt`: set by `app:disable`; requests and socket handshakes of the app are refused.
 * - `apps.previousSecret`, `apps.previousSecretUntil`: after `app:rotate-secret`, host tokens signed
 *   with the old secret keep verifying until then (the host site's backends switch meanwhile).
 * - `apps.updatedAt`: bumped by every CLI change, so running nodes notice it within seconds
 *   (see ops/app-watch.ts) instead of when their app cache expires.
 * - `ops_probes`: one row per node, rewritten by `/readyz` to prove the database takes a commit.
 */
export class AppLifecycle1763870000000 implements MigrationInterface {
  name = "AppLifecycle1763870000000";

  async up(q: QueryRunner): Promise<void> {
    // Through the query runner, not raw SQL: on SQLite it rebuilds the table from its cached shape.
    await q.addColumns("apps", [
      new TableColumn(ms("disabledAt", true)),
      new TableColumn(str("previousSecret", 80, true)),
      new TableColumn(ms("previousSecretUntil", true)),
      new TableColumn({ name: "updatedAt", type: "bigint", default: 0 }),
    ]);
    await createTable(q, new Table({ name: "ops_probes", columns: [{ ...str("node", 100), isPrimary: true }, ms("at")] }));
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropTable("ops_probes");
    for (const c of ["updatedAt", "previousSecretUntil", "previousSecret", "disabledAt"]) await q.dropColumn("apps", c);
  }
}
