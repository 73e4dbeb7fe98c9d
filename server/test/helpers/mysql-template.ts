import { createHash } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import type mysql from "mysql2/promise";
import { openDatabase } from "../../src/db/data-source.js";
import { SCHEMA } from "../../src/schema.js";

/**
 * A test server's MariaDB database is made from a template migrated once per test run, not by
 * running every migration again: the migrations took 2-4 s a server on two busy cores (more than
 * 200 servers in a pass), the copy about 0.15 s. The copy is the template's tables as MariaDB
 * itself states them (`SHOW CREATE TABLE`: columns, indexes, foreign keys, options) and their rows
 * (the migrations table, what migrations seed), so the server starts on the schema the migrations
 * make and finds no migration left to run. What migrations do is still tested where it is the
 * subject: schema-drift.test.ts and the CLI's `migrate` (cli.test.ts) migrate databases of their
 * own, and `npm start` (start.test.ts) its own.
 */

const MIGRATIONS_DIR = path.resolve(import.meta.dirname, "../../src/db/migrations");

/**
 * The migrations' sources and TypeORM's version (which makes the migrations table), hashed: a
 * template is named by it, so a changed migration or runner gets a new one. SQLite's template
 * (sqlite-template.ts) is named by it too.
 */
export const MIGRATIONS_HASH = (() => {
  const hash = createHash("sha256");
  hash.update(readFileSync(path.resolve(import.meta.dirname, "../../../node_modules/typeorm/package.json")));
  for (const file of readdirSync(MIGRATIONS_DIR).sort()) hash.update(file).update(readFileSync(path.join(MIGRATIONS_DIR, file)));
  return hash.digest("hex").slice(0, 12);
})();

/** The template's database. `parley_t_` like every test database, so .ci/run drops it with an interrupted run's leftovers. */
export const TEMPLATE_DATABASE = `parley_t_template_${MIGRATIONS_HASH}`;

interface Template {
  /** Each table's `CREATE TABLE`, as the template states it. */
  creates: string[];
  /** The tables that hold rows in the template. */
  seeded: string[];
}

let template: Promise<Template> | undefined;

/** Creates `name` as a copy of the template's tables and rows, in one round trip. */
export async function createFromTemplate(admin: mysql.Connection, adminUrl: string, name: string): Promise<void> {
  const { creates, seeded } = await (template ??= readTemplate(admin, adminUrl).catch((err: unknown) => {
    template = undefined;
    throw err;
  }));
  await admin.query(
    [
      `CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`,
      `USE \`${name}\``,
      // The tables are created in name order, before the ones their foreign keys name.
      "SET SESSION foreign_key_checks = 0",
      ...creates,
      ...seeded.map((t) => `INSERT INTO \`${name}\`.\`${t}\` SELECT * FROM \`${TEMPLATE_DATABASE}\`.\`${t}\``),
      "SET SESSION foreign_key_checks = 1",
    ].join(";\n"),
  );
}

/**
 * The template's tables, migrating it first when this run has not. Test files run in processes
 * of their own (and the two passes' files at once): a named lock makes one of them migrate it
 * while the others wait. A template is complete when every migration is recorded in it; one left
 * half-made by an interrupted run is made again.
 */
async function readTemplate(admin: mysql.Connection, adminUrl: string): Promise<Template> {
  const [[locked]] = (await admin.query("SELECT GET_LOCK(?, 120) AS ok", [TEMPLATE_DATABASE])) as [{ ok: number }[], unknown];
  if (locked?.ok !== 1) throw new Error(`the test database template's lock (${TEMPLATE_DATABASE}) was not granted within 120 s`);
  try {
    if (!(await isComplete(admin))) {
      await admin.query(`DROP DATABASE IF EXISTS \`${TEMPLATE_DATABASE}\``);
      await admin.query(`CREATE DATABASE \`${TEMPLATE_DATABASE}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
      const ds = await openDatabase({ url: `${adminUrl}/${TEMPLATE_DATABASE}`, sqliteFile: "" /* unused: a url */ }, SCHEMA);
      await ds.destroy();
    }
    const [objects] = (await admin.query(
      "SELECT (SELECT COUNT(*) FROM information_schema.triggers WHERE trigger_schema = ?) + (SELECT COUNT(*) FROM information_schema.routines WHERE routine_schema = ?) + (SELECT COUNT(*) FROM information_schema.views WHERE table_schema = ?) AS n",
      [TEMPLATE_DATABASE, TEMPLATE_DATABASE, TEMPLATE_DATABASE],
    )) as [{ n: number }[], unknown];
    // A migration that adds a trigger, routine or view needs it copied too (here): fail loudly, never test a schema without it.
    if (Number(objects[0]?.n) !== 0) throw new Error(`${TEMPLATE_DATABASE} has triggers, routines or views, which createFromTemplate does not copy`);
    const [tables] = (await admin.query(
      "SELECT table_name AS name FROM information_schema.tables WHERE table_schema = ? AND table_type = 'BASE TABLE' ORDER BY table_name",
      [TEMPLATE_DATABASE],
    )) as [{ name: string }[], unknown];
    const creates: string[] = [];
    const seeded: string[] = [];
    for (const { name } of tables) {
      const [[shown]] = (await admin.query(`SHOW CREATE TABLE \`${TEMPLATE_DATABASE}\`.\`${name}\``)) as [Record<string, string>[], unknown];
      creates.push(shown!["Create Table"]!);
      const [[row]] = (await admin.query(`SELECT EXISTS (SELECT 1 FROM \`${TEMPLATE_DATABASE}\`.\`${name}\`) AS hasRows`)) as [{ hasRows: number }[], unknown];
      if (Number(row?.hasRows) === 1) seeded.push(name);
    }
    return { creates, seeded };
  } finally {
    await admin.query("SELECT RELEASE_LOCK(?)", [TEMPLATE_DATABASE]);
  }
}

/** Whether the template exists with every migration of the schema recorded. */
async function isComplete(admin: mysql.Connection): Promise<boolean> {
  const [found] = (await admin.query("SELECT 1 FROM information_schema.tables WHERE table_schema = ? AND table_name = 'migrations'", [TEMPLATE_DATABASE])) as [
    unknown[],
    unknown,
  ];
  if (found.length === 0) return false;
  const [[row]] = (await admin.query(`SELECT COUNT(*) AS n FROM \`${TEMPLATE_DATABASE}\`.migrations`)) as [{ n: number }[], unknown];
  return Number(row?.n) === SCHEMA.migrations.length;
}
