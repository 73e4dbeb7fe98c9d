// Issue 36: the entities describe exactly the tables the shipped migrations make. A fresh
// database is migrated, then TypeORM is asked what it would change to match the entities.
// A column, an index or a type an entity misdescribes shows up here (e.g. without the entity's
// `apps.groupDirectAdd` TypeORM would drop that column; without the MEDIUMTEXT of `events.data`
// it would rebuild it as TEXT).
import "reflect-metadata";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { test } from "node:test";
import mysql from "mysql2/promise";
import { DataSource } from "typeorm";
import type { MysqlDataSourceOptions } from "typeorm/driver/mysql/MysqlDataSourceOptions.js";
import { createDataSource, declareDialectTypes, openDatabase } from "../src/db/data-source.js";
import { DIALECT_TYPES, SCHEMA } from "../src/schema.js";
import { MYSQL_ADMIN_URL, startServer, TEST_DB } from "./helpers/harness.js";

/** TypeORM's pending schema changes against the entities, as SQL. */
async function pendingChanges(db: DataSource): Promise<string[]> {
  return (await db.driver.createSchemaBuilder().log()).upQueries.map((q) => q.query);
}

test("MariaDB: after the migrations TypeORM has no schema change pending against the entities", { skip: TEST_DB !== "mysql" }, async () => {
  const name = `parley_t_${randomBytes(6).toString("hex")}`;
  const admin = await mysql.createConnection({ uri: MYSQL_ADMIN_URL });
  await admin.query(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
  const url = `${MYSQL_ADMIN_URL}/${name}`;
  try {
    await (await openDatabase({ url, sqliteFile: "" }, SCHEMA)).destroy();
    // Read the schema back with the dialect TypeORM knows this server as: as "mysql", TypeORM
    // reads a MariaDB nullable column's default (the string NULL) as a literal default and
    // reports every nullable column as changed.
    const [[{ v }]] = (await admin.query("SELECT VERSION() AS v")) as unknown as [[{ v: string }]];
    const base = createDataSource({ url, sqliteFile: "" }, SCHEMA);
    const db = /mariadb/i.test(v) ? new DataSource({ ...(base.options as MysqlDataSourceOptions), type: "mariadb" }) : base;
    await db.initialize();
    try {
      declareDialectTypes(db, DIALECT_TYPES);
      assert.deepEqual(await pendingChanges(db), []);
    } finally {
      await db.destroy();
    }
  } finally {
    await admin.query(`DROP DATABASE IF EXISTS \`${name}\``);
    await admin.end();
  }
});

test("MariaDB: a test server's database, copied from the run's template, is the schema and rows the migrations make", {
  skip: TEST_DB !== "mysql",
}, async () => {
  // The harness copies each test database from a template migrated once a run (helpers/mysql-template.ts):
  // every suite on MariaDB tests that copy, so it must be what the migrations make, to the byte.
  const migrated = `parley_t_${randomBytes(6).toString("hex")}`;
  const admin = await mysql.createConnection({ uri: MYSQL_ADMIN_URL });
  const server = await startServer();
  const copied = new URL(server.databaseUrl!).pathname.slice(1);
  try {
    await admin.query(`CREATE DATABASE \`${migrated}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
    await (await openDatabase({ url: `${MYSQL_ADMIN_URL}/${migrated}`, sqliteFile: "" }, SCHEMA)).destroy();
    const describe = async (db: string): Promise<Record<string, { create: string; rows: unknown[] }>> => {
      const [tables] = (await admin.query("SELECT table_name AS name FROM information_schema.tables WHERE table_schema = ? ORDER BY table_name", [
        db,
      ])) as unknown as [{ name: string }[]];
      const out: Record<string, { create: string; rows: unknown[] }> = {};
      for (const { name } of tables) {
        const [[shown]] = (await admin.query(`SHOW CREATE TABLE \`${db}\`.\`${name}\``)) as unknown as [[Record<string, string>]];
        // The counter's next value is the rows', compared below; the server's own start may have written rows.
        const [rows] = (await admin.query(`SELECT * FROM \`${db}\`.\`${name}\` ORDER BY 1`)) as unknown as [unknown[]];
        out[name] = { create: shown["Create Table"]!.replace(/ AUTO_INCREMENT=\d+/, ""), rows: name === "migrations" ? rows : [] };
      }
      return out;
    };
    const [want, got] = [await describe(migrated), await describe(copied)];
    assert.ok(Object.keys(want).length > 40, "the migrated database has its tables");
    assert.deepEqual(got, want);
  } finally {
    await server.close();
    await admin.query(`DROP DATABASE IF EXISTS \`${migrated}\``);
    await admin.end();
  }
});

/**
 * SQLite's own account of a schema: per table its columns (type affinity, NOT NULL, default,
 * primary key), its indexes (unique, columns) and triggers. Affinity, not the declared type name:
 * `int` and `integer` are the same column to SQLite.
 */
async function describeSqlite(db: DataSource): Promise<unknown> {
  const q = (sql: string): Promise<Record<string, unknown>[]> => db.query(sql);
  const affinity = (type: string): string => {
    const t = type.toUpperCase();
    if (t.includes("INT")) return "INTEGER";
    if (/CHAR|CLOB|TEXT/.test(t)) return "TEXT";
    if (t === "" || t.includes("BLOB")) return "BLOB";
    if (/REAL|FLOA|DOUB/.test(t)) return "REAL";
    return "NUMERIC";
  };
  const dflt = (d: unknown): unknown => {
    if (d === null) return null;
    const s = String(d)
      .replace(/^\((.*)\)$/, "$1")
      .toLowerCase();
    return s === "false" ? "0" : s === "true" ? "1" : s;
  };
  const out: Record<string, unknown> = {};
  for (const { name, type, sql } of await q("SELECT name, type, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' ORDER BY name")) {
    if (type === "table") {
      out[`table ${name}`] = (await q(`PRAGMA table_xinfo("${name}")`)).map((c) => ({
        name: c["name"],
        affinity: affinity(String(c["type"])),
        notnull: c["notnull"],
        default: dflt(c["dflt_value"]),
        pk: c["pk"],
      }));
    } else if (type === "index") {
      const list = (await q(`PRAGMA index_list("${(await q(`SELECT tbl_name FROM sqlite_master WHERE name = '${name}'`))[0]!["tbl_name"]}")`)).find(
        (i) => i["name"] === name,
      );
      out[`index ${name}`] = { unique: list?.["unique"], columns: (await q(`PRAGMA index_info("${name}")`)).map((c) => c["name"]) };
    } else if (type === "trigger") {
      out[`trigger ${name}`] = sql;
    }
  }
  return out;
}

test("SQLite: TypeORM's pending changes against the entities leave the migrated schema as it is", { skip: TEST_DB !== "sqlite" }, async () => {
  const dir = await mkdtemp(path.join(tmpdir(), "parley-drift-"));
  const db = await openDatabase({ url: undefined, sqliteFile: path.join(dir, "parley.sqlite") }, SCHEMA);
  try {
    const before = await describeSqlite(db);
    // TypeORM's SQLite comparer reads an `int` column back as `int` but normalizes the entity's
    // to `integer`, and a boolean default `false` as the text "false": it rebuilds such tables
    // with the same columns. Whatever it would do, applied, must leave SQLite's account of every
    // table, index and trigger unchanged: nothing added, dropped, retyped or re-keyed.
    const changes = await pendingChanges(db);
    assert.equal(changes.filter((sql) => /ADD COLUMN|DROP COLUMN/i.test(sql)).length, 0, `no column added or dropped:\n${changes.join("\n")}`);
    const qr = db.createQueryRunner();
    await qr.startTransaction();
    try {
      for (const sql of changes) await qr.query(sql);
      assert.deepEqual(await describeSqlite(db), before);
    } finally {
      await qr.rollbackTransaction();
      await qr.release();
    }
  } finally {
    await db.destroy();
    await rm(dir, { recursive: true, force: true });
  }
});

test("SQLite: a test server's file, copied from the template, is the schema and rows the migrations make", { skip: TEST_DB !== "sqlite" }, async () => {
  // The harness copies each test server's SQLite file from a template migrated once (helpers/sqlite-template.ts):
  // every suite on SQLite tests that copy, so it must be what the migrations make.
  const dir = await mkdtemp(path.join(tmpdir(), "parley-drift-"));
  const server = await startServer({}, { keepData: true });
  await server.close();
  const describeFile = async (file: string): Promise<unknown> => {
    const db = await openDatabase({ url: undefined, sqliteFile: file }, SCHEMA, { migrate: false });
    try {
      return {
        objects: await db.query("SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY type, name"),
        migrations: await db.query("SELECT * FROM migrations ORDER BY id"),
        journal: await db.query("PRAGMA journal_mode"),
      };
    } finally {
      await db.destroy();
    }
  };
  try {
    await (await openDatabase({ url: undefined, sqliteFile: path.join(dir, "parley.sqlite") }, SCHEMA)).destroy();
    const [want, got] = [await describeFile(path.join(dir, "parley.sqlite")), await describeFile(path.join(server.dataDir, "parley.sqlite"))];
    assert.ok((want as { objects: unknown[] }).objects.length > 80, "the migrated file has its tables and indexes");
    assert.deepEqual(got, want);
  } finally {
    await server.dropData();
    await rm(dir, { recursive: true, force: true });
  }
});
