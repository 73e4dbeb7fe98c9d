import { Table, TableIndex, type MigrationInterface, type QueryRunner } from "typeorm";
import { createTable, id, ms, str } from "./helpers.js";

/** Issue 32, the console: its accounts, their roles on apps, sign-up links, sessions and audit log (see console/console.entities.ts). */
export class Console1764000000000 implements MigrationInterface {
  name = "Console1764000000000";

  async up(q: QueryRunner): Promise<void> {
    await createTable(
      q,
      new Table({
        name: "console_accounts",
        columns: [
          id(),
          str("email", 254),
          str("passwordHash", 100),
          { name: "operator", type: "boolean", default: false },
          str("totpSecret", 64, true),
          str("totpPending", 64, true),
          { name: "totpLastStep", type: "bigint", default: 0 },
          { name: "recoveryCodes", type: "text", isNullable: true },
          ms("createdAt"),
        ],
      }),
    );
    await q.createIndex("console_accounts", new TableIndex({ name: "uq_console_accounts_email", columnNames: ["email"], isUnique: true }));
    await createTable(
      q,
      new Table({
        name: "console_roles",
        columns: [id("accountId"), id("appId"), str("role", 16)],
      }),
    );
    await q.createIndex("console_roles", new TableIndex({ name: "ix_console_roles_app", columnNames: ["appId"] }));
    await createTable(
      q,
      new Table({
        name: "console_invites",
        columns: [
          id(),
          str("tokenHash", 64),
          str("email", 254),
          str("role", 16),
          str("appId", 32, true),
          str("invitedBy", 32, true),
          ms("createdAt"),
          ms("expiresAt"),
          ms("usedAt", true),
        ],
      }),
    );
    await q.createIndex("console_invites", new TableIndex({ name: "uq_console_invites_token", columnNames: ["tokenHash"], isUnique: true }));
    await createTable(
      q,
      new Table({
        name: "console_sessions",
        columns: [id(), str("tokenHash", 64), str("accountId", 32), ms("createdAt"), ms("lastSeenAt"), ms("expiresAt"), str("ip", 64), str("userAgent", 200)],
      }),
    );
    await q.createIndex("console_sessions", new TableIndex({ name: "uq_console_sessions_token", columnNames: ["tokenHash"], isUnique: true }));
    await q.createIndex("console_sessions", new TableIndex({ name: "ix_console_sessions_account", columnNames: ["accountId", "createdAt"] }));
    await createTable(
      q,
      new Table({
        name: "console_audit",
        columns: [id(), str("accountId", 32), str("action", 48), str("appId", 32, true), str("target", 128, true), ms("at"), str("ip", 64)],
      }),
    );
    await q.createIndex("console_audit", new TableIndex({ name: "ix_console_audit_app", columnNames: ["appId", "id"] }));
    await q.createIndex("console_audit", new TableIndex({ name: "ix_console_audit_account", columnNames: ["accountId", "id"] }));
  }

  async down(q: QueryRunner): Promise<void> {
    for (const t of ["console_audit", "console_sessions", "console_invites", "console_roles", "console_accounts"]) await q.dropTable(t);
  }
}
