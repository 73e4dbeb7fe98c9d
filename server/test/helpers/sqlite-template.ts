import { existsSync } from "node:fs";
import { copyFile, mkdtemp, rename, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { openDatabase } from "../../src/db/data-source.js";
import { SCHEMA } from "../../src/schema.js";
import { MIGRATIONS_HASH } from "./mysql-template.js";

/**
 * A test server's SQLite file is a copy of a template migrated once, as MariaDB's database is
 * (mysql-template.ts): the migrations took about 0.5 s a server on two busy cores, in some 250
 * servers of the SQLite pass, and the copy takes a millisecond. The file is byte for byte what the
 * migrations make (they use no clock and no randomness), so the server starts on that schema and
 * finds no migration left to run. What migrations do is still tested where it is the subject:
 * schema-drift.test.ts, the CLI's `migrate` (cli.test.ts) and `npm start` (start.test.ts) migrate
 * files of their own.
 *
 * The template lives in the temporary directory, named by the migrations (MIGRATIONS_HASH), and is
 * kept for the next run (not `parley-test-…`, the prefix of what a run must leave no trace of). Test files run in processes of their own, two at once: each makes the
 * template in a directory of its own and renames it into place, so a reader finds the whole file
 * or none, and two makers put the same file there.
 */
export const SQLITE_TEMPLATE = path.join(tmpdir(), `parley-sqlite-template-${MIGRATIONS_HASH}.sqlite`);

let made: Promise<void> | undefined;

/** Writes a migrated database at `file` (which must not exist yet). */
export async function copySqliteTemplate(file: string): Promise<void> {
  await (made ??= makeTemplate().catch((err: unknown) => {
    made = undefined;
    throw err;
  }));
  await copyFile(SQLITE_TEMPLATE, file);
}

async function makeTemplate(): Promise<void> {
  if (existsSync(SQLITE_TEMPLATE)) return;
  const dir = await mkdtemp(path.join(tmpdir(), "parley-sqlite-template-"));
  try {
    const file = path.join(dir, "parley.sqlite");
    await (await openDatabase({ url: undefined, sqliteFile: file }, SCHEMA)).destroy();
    // The last connection's close checkpoints the WAL into the file and removes it: the file is whole.
    if (existsSync(`${file}-wal`)) throw new Error(`the SQLite template ${file} kept a WAL after its connection closed`);
    await rename(file, SQLITE_TEMPLATE);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
