import { Table, TableIndex, type MigrationInterface, type QueryRunner } from "typeorm";
import { createTable, id, ms, str } from "./helpers.js";

/** Server keys of apps (issue 16): see server-api/server-key.entity.ts. */
export class ServerKeys1763890000000 implements MigrationInterface {
  name = "ServerKeys1763890000000";

  async up(q: QueryRunner): Promise<void> {
    await createTable(
      q,
      new Table({
        name: "server_keys",
        columns: [id(), str("appId", 32), str("secret", 80), str("name", 120, true), ms("createdAt"), ms("revokedAt", true)],
      }),
    );
    await q.createIndex("server_keys", new TableIndex({ name: "ix_server_keys_app", columnNames: ["appId", "createdAt"] }));
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropTable("server_keys");
  }
}
