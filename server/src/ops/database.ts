import { statfs } from "node:fs/promises";
import path from "node:path";
import { MigrationExecutor, type DataSource } from "typeorm";
import { MigrationError, openDatabase, type DatabaseOptions, type Schema } from "../db/data-source.js";

export { MigrationError };

/**
 * openDatabase (db/data-source.ts) with migrations off unless asked: MIGRATE_ON_START=0 and
 * `migrate:status` open the database as it is. A failed migration is thrown as a MigrationError,
 * so callers tell it from an unreachable database.
 */
export function openDatabaseAsIs(opts: DatabaseOptions, schema: Schema, { migrate: apply = false } = {}): Promise<DataSource> {
  return openDatabase(opts, schema, { migrate: apply });
}

/** Each migration the server knows, in order, and whether this database has it. */
export interface MigrationState {
  name: string;
  applied: boolean;
}

export async function migrationStates(db: DataSource): Promise<MigrationState[]> {
  const executor = new MigrationExecutor(db);
  const applied = new Set((await executor.getExecutedMigrations()).map((m) => m.name));
  // TypeORM names a migration by its `name` or else its class name (as MigrationExecutor does).
  return db.migrations.map((m) => m.name ?? m.constructor.name).map((name) => ({ name, applied: applied.has(name) }));
}

/** Applies pending migrations, each in its own transaction; answers the names applied. */
export async function migrate(db: DataSource): Promise<string[]> {
  return (await db.runMigrations({ transaction: "each" })).map((m) => m.name);
}

/** Pages SQLite may still use: the free pages in the file plus the room left under max_page_count. */
export async function sqliteHeadroom(db: DataSource): Promise<{ pages: number; pageSize: number; diskBytes: number }> {
  const one = async (pragma: string): Promise<number> => Number(Object.values(((await db.query(`PRAGMA ${pragma}`)) as Record<string, unknown>[])[0] ?? {})[0]);
  const [pageCount, maxPages, freePages, pageSize] = [
    await one("page_count"),
    await one("max_page_count"),
    await one("freelist_count"),
    await one("page_size"),
  ];
  const file = (db.options as { database?: string }).database ?? "";
  const fs = file && file !== ":memory:" ? await statfs(path.dirname(file)) : null;
  return { pages: maxPages - pageCount + freePages, pageSize, diskBytes: fs ? fs.bavail * fs.bsize : Number.MAX_SAFE_INTEGER };
}
