import type { MigrationInterface, QueryRunner } from "typeorm";
import { isMysql } from "./helpers.js";

/**
 * On MySQL/MariaDB, ids that come from clients must compare byte for byte: under unicode_ci
 * the host users `abc` and `ABC` (or `Jose` and `José`) would be one Parley user, and two
 * distinct clientMessageIds could collide. SQLite compares them exactly already.
 */
export class ExactIds1763800000000 implements MigrationInterface {
  name = "ExactIds1763800000000";

  async up(q: QueryRunner): Promise<void> {
    if (!isMysql(q)) return;
    await q.query("ALTER TABLE `users` MODIFY `externalId` varchar(191) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NULL");
    await q.query("ALTER TABLE `messages` MODIFY `clientMessageId` varchar(64) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NULL");
  }

  async down(q: QueryRunner): Promise<void> {
    if (!isMysql(q)) return;
    await q.query("ALTER TABLE `users` MODIFY `externalId` varchar(191) CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci NULL");
    await q.query("ALTER TABLE `messages` MODIFY `clientMessageId` varchar(64) CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci NULL");
  }
}
