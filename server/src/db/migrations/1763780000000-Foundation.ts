import { Table, TableIndex, type MigrationInterface, type QueryRunner } from "typeorm";
import { createTable, id, ms, str } from "./helpers.js";

/** Apps, users and refresh tokens. */
export class Foundation1763780000000 implements MigrationInterface {
  name = "Foundation1763780000000";

  async up(q: QueryRunner): Promise<void> {
    await createTable(
      q,
      new Table({
        name: "apps",
        columns: [id(), str("name", 120), str("secret", 80), { name: "allowedOrigins", type: "text" }, ms("createdAt")],
      }),
    );
    await createTable(
      q,
      new Table({
        name: "users",
        columns: [
          id(),
          str("appId", 32),
          str("email", 254, true),
          str("passwordHash", 80, true),
          str("externalId", 191, true),
          str("displayName", 80),
          { name: "bio", type: "varchar", length: "500", default: "''" },
          str("avatarUrl", 1024, true),
          ms("lastSeenAt", true),
          ms("createdAt"),
          ms("updatedAt"),
        ],
        indices: [
          new TableIndex({ name: "uq_users_app_email", columnNames: ["appId", "email"], isUnique: true }),
          new TableIndex({ name: "uq_users_app_external", columnNames: ["appId", "externalId"], isUnique: true }),
          new TableIndex({ name: "ix_users_app_name", columnNames: ["appId", "displayName", "id"] }),
        ],
      }),
    );
    await createTable(
      q,
      new Table({
        name: "refresh_tokens",
        columns: [
          id(),
          str("appId", 32),
          str("userId", 32),
          str("familyId", 32),
          str("tokenHash", 64),
          ms("createdAt"),
          ms("expiresAt"),
          ms("rotatedAt", true),
          ms("revokedAt", true),
        ],
        indices: [
          new TableIndex({ name: "uq_refresh_tokens_hash", columnNames: ["tokenHash"], isUnique: true }),
          new TableIndex({ name: "ix_refresh_tokens_family", columnNames: ["familyId"] }),
        ],
      }),
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropTable("refresh_tokens");
    await q.dropTable("users");
    await q.dropTable("apps");
  }
}
