import type { QueryRunner, Table } from "typeorm";
import type { TableColumnOptions } from "typeorm/schema-builder/options/TableColumnOptions.js";

/*
 * What migrations share. A migration imports nothing else of the server (test/shape.test.ts): live
 * code changes, and a released migration must not change with it. So these helpers import no
 * server code either; what they need (the dialect, placeholders) is written out here.
 */

/** Creates a table; on MySQL/MariaDB forces utf8mb4 whatever the database default is. */
export async function createTable(q: QueryRunner, table: Table): Promise<void> {
  await q.createTable(table);
  if (isMysql(q)) {
    await q.query(`ALTER TABLE \`${table.name}\` CONVERT TO CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
  }
}

export const id = (name = "id"): TableColumnOptions => ({ name, type: "varchar", length: "32", isPrimary: true });

export const str = (name: string, length: number, nullable = false): TableColumnOptions => ({
  name,
  type: "varchar",
  length: String(length),
  isNullable: nullable,
});

/** Epoch milliseconds. */
export const ms = (name: string, nullable = false): TableColumnOptions => ({ name, type: "bigint", isNullable: nullable });

export function isMysql(q: QueryRunner): boolean {
  const type = q.dataSource.options.type;
  return type === "mysql" || type === "mariadb";
}

/** `(?, ?), (?, ?)` for `rows` rows of `cols` values. */
export const rowMarks = (rows: number, cols: number): string => {
  const one = `(${Array.from({ length: cols }, () => "?").join(", ")})`;
  return Array.from({ length: rows }, () => one).join(", ");
};
