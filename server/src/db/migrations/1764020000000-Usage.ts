import { Table, TableIndex, type MigrationInterface, type QueryRunner } from "typeorm";
import { createTable, str } from "./helpers.js";

const key = (name: string, length: number) => ({ ...str(name, length), isPrimary: true });
const counter = (name: string) => ({ name, type: "int", default: 0 });

/**
 * Issue 32, the console's usage charts and audit log: the usage rollup (see usage/usage.entities.ts)
 * and console_audit's indexes in time order, for its keyset pages newest first (by app, by
 * account, by action, or all), in place of the (…, id) ones whose random ids had no order.
 */
export class Usage1764020000000 implements MigrationInterface {
  name = "Usage1764020000000";

  async up(q: QueryRunner): Promise<void> {
    await createTable(
      q,
      new Table({
        name: "usage_daily",
        columns: [
          key("appId", 32),
          key("day", 10),
          counter("messages"),
          counter("activeUsers"),
          counter("searches"),
          counter("webhooksDelivered"),
          counter("webhooksFailed"),
        ],
      }),
    );
    await q.createIndex("usage_daily", new TableIndex({ name: "ix_usage_daily_day", columnNames: ["day"] }));
    await createTable(q, new Table({ name: "usage_monthly", columns: [key("appId", 32), key("month", 7), counter("activeUsers")] }));
    await createTable(q, new Table({ name: "usage_active_users", columns: [key("appId", 32), key("period", 10), key("userId", 32)] }));
    await q.createIndex("usage_active_users", new TableIndex({ name: "ix_usage_active_users_period", columnNames: ["period"] }));
    await q.createIndex("usage_active_users", new TableIndex({ name: "ix_usage_active_users_user", columnNames: ["appId", "userId"] }));
    await createTable(q, new Table({ name: "usage_sockets", columns: [key("appId", 32), key("day", 10), key("node", 100), counter("peak")] }));
    await q.createIndex("usage_sockets", new TableIndex({ name: "ix_usage_sockets_day", columnNames: ["day"] }));

    await q.dropIndex("console_audit", "ix_console_audit_app");
    await q.dropIndex("console_audit", "ix_console_audit_account");
    for (const [name, columnNames] of AUDIT_INDEXES) await q.createIndex("console_audit", new TableIndex({ name, columnNames }));
  }

  async down(q: QueryRunner): Promise<void> {
    for (const [name] of AUDIT_INDEXES) await q.dropIndex("console_audit", name);
    await q.createIndex("console_audit", new TableIndex({ name: "ix_console_audit_app", columnNames: ["appId", "id"] }));
    await q.createIndex("console_audit", new TableIndex({ name: "ix_console_audit_account", columnNames: ["accountId", "id"] }));
    for (const t of ["usage_sockets", "usage_active_users", "usage_monthly", "usage_daily"]) await q.dropTable(t);
  }
}

const AUDIT_INDEXES: [string, string[]][] = [
  ["ix_console_audit_app_at", ["appId", "at", "id"]],
  ["ix_console_audit_account_at", ["accountId", "at", "id"]],
  ["ix_console_audit_action_at", ["action", "at", "id"]],
  ["ix_console_audit_at", ["at", "id"]],
];
