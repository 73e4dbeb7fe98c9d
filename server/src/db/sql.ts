import type { DataSource, EntityManager } from "typeorm";
import { chunks } from "../shared/chunks.js";

/**
 * Small helpers for the hot paths that bypass TypeORM's query builder (sends, event appends):
 * there, building SQL per statement cost more CPU than running it. Every value still travels as
 * a bound parameter; only placeholders and column lists are generated.
 */

export type Dialect = "mysql" | "sqlite";

export function dialectOf(db: DataSource | EntityManager): Dialect {
  const type = ("dataSource" in db ? db.dataSource : db).options.type;
  return type === "mysql" || type === "mariadb" ? "mysql" : "sqlite";
}

/** `?, ?, ?` */
export const marks = (n: number): string => Array.from({ length: n }, () => "?").join(", ");

/** `(?, ?), (?, ?)` for `rows` rows of `cols` values. */
export const rowMarks = (rows: number, cols: number): string => {
  const one = `(${marks(cols)})`;
  return Array.from({ length: rows }, () => one).join(", ");
};

/**
 * The ids a multi-row INSERT of `count` rows was given. mysql2 reports the first id, SQLite the
 * last; both are consecutive here: SQLite holds the write lock for the statement, and InnoDB
 * hands a "simple insert" a consecutive block when innodb_autoinc_lock_mode <= 1 and the
 * increment is 1 (checked by `consecutiveInsertIds` before a multi-row insert is used).
 */
export function insertedIds(dialect: Dialect, raw: unknown, count: number): number[] {
  const base = dialect === "mysql" ? Number((raw as { insertId?: number | string }).insertId) : Number(raw as number | bigint) - count + 1;
  if (!Number.isSafeInteger(base) || base <= 0) throw new Error("insert returned no id");
  return Array.from({ length: count }, (_, i) => base + i);
}

/**
 * Whether a multi-row INSERT gets consecutive auto-increment ids. Always on SQLite; on MySQL /
 * MariaDB only with `innodb_autoinc_lock_mode` 0 or 1 (MariaDB's default; MySQL 8 defaults to 2,
 * "interleaved") and `auto_increment_increment = 1`. Otherwise rows are inserted one by one.
 */
export async function consecutiveInsertIds(db: DataSource): Promise<boolean> {
  if (dialectOf(db) === "sqlite") return true;
  const rows: { mode: number | string; inc: number | string }[] = await db.query(
    "SELECT @@innodb_autoinc_lock_mode AS mode, @@auto_increment_increment AS inc",
  );
  const r = rows[0];
  return r !== undefined && Number(r.mode) <= 1 && Number(r.inc) === 1;
}

/**
 * A derived table `v` of literal rows (bound parameters), to join an UPDATE against: one
 * primary-key lookup per row instead of a CASE with a branch per row. MySQL / MariaDB take
 * `SELECT … UNION ALL SELECT …`; SQLite takes a VALUES list (no compound-select limit).
 */
export function valuesTable(dialect: Dialect, columns: string[], rows: unknown[][]): { sql: string; params: unknown[] } {
  const params = rows.flat();
  if (dialect === "mysql") {
    const first = `SELECT ${columns.map((c) => `? AS ${c}`).join(", ")}`;
    const rest = rows.slice(1).map(() => `SELECT ${marks(columns.length)}`);
    return { sql: `(${[first, ...rest].join(" UNION ALL ")}) AS v`, params };
  }
  const names = columns.map((c, i) => `column${i + 1} AS ${c}`).join(", ");
  return { sql: `(SELECT ${names} FROM (VALUES ${rowMarks(rows.length, columns.length)})) AS v`, params };
}

/**
 * Sets `column` of many rows of one app to a value each, 100 rows a statement:
 * `UPDATE t SET column = CASE key WHEN ? THEN ? … END WHERE appId = ? AND key IN (…)`.
 * Runs on a unit's manager (the caller's transaction).
 */
export async function replaceColumn(
  m: EntityManager,
  table: string,
  column: string,
  key: string,
  rows: readonly { key: string | number; value: string | null }[],
  appId: string,
): Promise<void> {
  for (const chunk of chunks(rows, 100)) {
    await m.query(
      `UPDATE ${table} SET ${column} = CASE ${key} ${chunk.map(() => "WHEN ? THEN ?").join(" ")} END WHERE appId = ? AND ${key} IN (${marks(chunk.length)})`,
      [...chunk.flatMap((r) => [r.key, r.value]), appId, ...chunk.map((r) => r.key)],
    );
  }
}

/** A LIKE pattern's literal text: `!` escapes its wildcards (write `LIKE … ESCAPE '!'`). */
export const escapeLike = (s: string): string => s.replace(/[!%_]/g, (c) => `!${c}`);
