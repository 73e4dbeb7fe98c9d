import { TableColumn, TableIndex, type MigrationInterface, type QueryRunner } from "typeorm";
import { isMysql } from "./helpers.js";

/**
 * `/sync` proportional to the user (issue 14), and event retention:
 * - `ix_events_conversation (appId, conversationId, seq)` and `ix_events_user (appId, userId, seq)`
 *   come back (1763820000000 dropped them when /sync walked the primary key): a catch-up now reads
 *   one seq range per conversation of the caller and one of events about them, never the app's
 *   whole log. On SQLite the user index is partial (`userId IS NOT NULL`: membership, contact and
 *   invitation events only), so a message insert pays one index, not two; MariaDB has no partial
 *   indexes, there its entries for message events are NULL-keyed appends.
 * - `apps.prunedSeq`: the retention job deleted the app's events up to this seq (0: none yet), so
 *   a `since` below it answers 410 `sync_expired`. The lowest retained seq is `prunedSeq + 1`.
 * - MariaDB/MySQL: `events.data` becomes MEDIUMTEXT. A conversation-level event carries the
 *   conversation with its members (stored once per conversation, not per member), and for a
 *   1,000-member group that is ~300 KB: past TEXT's 64 KB the insert failed ("Data too long"),
 *   so creating or renaming a group of more than ~200 members answered 500. SQLite's TEXT has no
 *   such limit.
 */
export class SyncRetention1763880000000 implements MigrationInterface {
  name = "SyncRetention1763880000000";

  async up(q: QueryRunner): Promise<void> {
    // The column first: on SQLite adding one rebuilds the table from its cached shape.
    await q.addColumn("apps", new TableColumn({ name: "prunedSeq", type: "bigint", default: 0 }));
    if (isMysql(q)) await q.query("ALTER TABLE `events` MODIFY `data` MEDIUMTEXT NOT NULL");
    await q.createIndex("events", new TableIndex({ name: "ix_events_conversation", columnNames: ["appId", "conversationId", "seq"] }));
    await q.createIndex(
      "events",
      new TableIndex({ name: "ix_events_user", columnNames: ["appId", "userId", "seq"], ...(isMysql(q) ? {} : { where: "userId IS NOT NULL" }) }),
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropIndex("events", "ix_events_user");
    await q.dropIndex("events", "ix_events_conversation");
    if (isMysql(q)) await q.query("ALTER TABLE `events` MODIFY `data` TEXT NOT NULL");
    await q.dropColumn("apps", "prunedSeq");
  }
}
