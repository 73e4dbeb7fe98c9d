import type { MigrationInterface, QueryRunner } from "typeorm";
import { isMysql } from "./helpers.js";

/** Issue 31, per-conversation mute: a member's `muted`, synced to every device of theirs. */
export class Mute1763960000000 implements MigrationInterface {
  name = "Mute1763960000000";

  async up(q: QueryRunner): Promise<void> {
    // A plain ALTER: instant on both (TypeORM's addColumn copies the whole table on SQLite).
    if (isMysql(q)) await q.query("ALTER TABLE members ADD COLUMN muted TINYINT NOT NULL DEFAULT 0");
    else await q.query("ALTER TABLE members ADD COLUMN muted boolean NOT NULL DEFAULT (0)");
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query("ALTER TABLE members DROP COLUMN muted");
  }
}
