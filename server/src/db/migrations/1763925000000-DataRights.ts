import { TableColumn, TableIndex, type MigrationInterface, type QueryRunner } from "typeorm";
import { ms } from "./helpers.js";

/**
 * Issue 17, data rights (export and account deletion), both read per user:
 *
 * - `users.deletedAt`: set when the account is deleted; the row stays as an anonymised tombstone
 *   ("Deleted user") so the `senderId` of its tombstoned messages still names someone.
 * - `ix_messages_sender (appId, senderId, id)`: a user's own messages, keyset-paged by id (export,
 *   deletion), without reading anyone else's.
 * - `ix_reactions_user (appId, userId, messageId)`: a user's own reactions (the primary key starts
 *   with the message).
 * - `ix_refresh_tokens_user (appId, userId)`: ending every session of a user (deletion, and the
 *   password change that did it by a scan until now).
 */
export class DataRights1763925000000 implements MigrationInterface {
  name = "DataRights1763925000000";

  async up(q: QueryRunner): Promise<void> {
    await q.addColumn("users", new TableColumn(ms("deletedAt", true)));
    await q.createIndex("messages", new TableIndex({ name: "ix_messages_sender", columnNames: ["appId", "senderId", "id"] }));
    await q.createIndex("reactions", new TableIndex({ name: "ix_reactions_user", columnNames: ["appId", "userId", "messageId"] }));
    await q.createIndex("refresh_tokens", new TableIndex({ name: "ix_refresh_tokens_user", columnNames: ["appId", "userId"] }));
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropIndex("refresh_tokens", "ix_refresh_tokens_user");
    await q.dropIndex("reactions", "ix_reactions_user");
    await q.dropIndex("messages", "ix_messages_sender");
    await q.dropColumn("users", "deletedAt");
  }
}
