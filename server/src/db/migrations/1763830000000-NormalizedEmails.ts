import { TableColumn, type MigrationInterface, type QueryRunner } from "typeorm";
import { isMysql } from "./helpers.js";

/** Rows read per round while normalising existing emails. */
const BATCH = 1000;

/**
 * Identity compares exactly, in the database as in the code (issue 15, the takeover chain).
 *
 * 1. On MySQL/MariaDB, `users.email` and `users.externalId` get a binary NO PAD collation. Under
 *    utf8mb4_unicode_ci, `Victim@x`, `vïctim@x` and `vic\u200btim@x` were one row to the unique
 *    index and to a login lookup while the code (and its lockout) saw three addresses; and even
 *    utf8mb4_bin is PAD SPACE, so the host users `a` and `a ` were one Parley user. SQLite
 *    compares bytes already.
 * 2. Every stored email is rewritten to its normalised form (users/email.ts as it was then:
 *    `normalizeEmail` below is a frozen copy), so the unique (appId, email) index holds exactly
 *    what logins look up. Two accounts whose emails normalise to one address are never merged:
 *    the migration stops and names them for an operator.
 * 3. `apps.exactEmailSearch` (default off): the per-app opt-in for finding users by whole email.
 */
export class NormalizedEmails1763830000000 implements MigrationInterface {
  name = "NormalizedEmails1763830000000";

  async up(q: QueryRunner): Promise<void> {
    if (isMysql(q)) {
      const exact = await exactCollation(q);
      await q.query(`ALTER TABLE \`users\` MODIFY \`email\` varchar(254) CHARACTER SET utf8mb4 COLLATE ${exact} NULL`);
      await q.query(`ALTER TABLE \`users\` MODIFY \`externalId\` varchar(191) CHARACTER SET utf8mb4 COLLATE ${exact} NULL`);
    }
    await normalizeStoredEmails(q);
    // Through the query runner, not raw SQL: it caches table shapes, and on SQLite a later
    // migration's addColumn rebuilds the table from that cache.
    if (!(await q.hasColumn("apps", "exactEmailSearch"))) {
      await q.addColumn("apps", new TableColumn({ name: "exactEmailSearch", type: "boolean", default: false }));
    }
  }

  async down(q: QueryRunner): Promise<void> {
    if (await q.hasColumn("apps", "exactEmailSearch")) await q.dropColumn("apps", "exactEmailSearch");
    // The rewritten emails stay normalised: the old code lower-cased and trimmed them too.
    if (!isMysql(q)) return;
    await q.query("ALTER TABLE `users` MODIFY `email` varchar(254) CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci NULL");
    await q.query("ALTER TABLE `users` MODIFY `externalId` varchar(191) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NULL");
  }
}

/**
 * A binary collation that also compares trailing spaces: MariaDB's utf8mb4_nopad_bin, MySQL 8's
 * utf8mb4_0900_bin. Only a server with neither falls back to utf8mb4_bin (PAD SPACE), which still
 * folds no case, accent or ignorable character; emails are trimmed, so only externalId's trailing
 * spaces would then compare equal.
 */
async function exactCollation(q: QueryRunner): Promise<string> {
  const rows: { Collation: string }[] = await q.query("SHOW COLLATION WHERE `Collation` IN ('utf8mb4_nopad_bin', 'utf8mb4_0900_bin')");
  const names = new Set(rows.map((r) => r.Collation));
  return ["utf8mb4_nopad_bin", "utf8mb4_0900_bin"].find((c) => names.has(c)) ?? "utf8mb4_bin";
}

/** Rewrites, in id order and in batches, each email not already in its normalised form. */
async function normalizeStoredEmails(q: QueryRunner): Promise<void> {
  let after = "";
  for (;;) {
    const rows: { id: string; appId: string; email: string }[] = await q.query(
      `SELECT id, appId, email FROM users WHERE email IS NOT NULL AND id > ? ORDER BY id LIMIT ${BATCH}`,
      [after],
    );
    for (const row of rows) {
      const email = normalizeEmail(row.email);
      if (email === row.email) continue;
      const [holder] = (await q.query("SELECT id FROM users WHERE appId = ? AND email = ? AND id <> ?", [row.appId, email, row.id])) as {
        id: string;
      }[];
      if (holder) {
        throw new Error(
          `Cannot normalise the email of user ${row.id}: user ${holder.id} of app ${row.appId} already has ${email}. ` +
            "Two accounts would become one; change or remove one of them by hand, then start again.",
        );
      }
      await q.query("UPDATE users SET email = ? WHERE id = ?", [email, row.id]);
    }
    if (rows.length < BATCH) return;
    after = rows[rows.length - 1]!.id;
  }
}

/** users/email.ts's `normalizeEmail` when this migration shipped (frozen: a migration never imports live code). */
function normalizeEmail(raw: string): string {
  return raw.normalize("NFKC").toLowerCase().normalize("NFKC").trim();
}
