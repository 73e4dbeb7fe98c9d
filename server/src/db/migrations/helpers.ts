import type { QueryRunner, Table } from "typeorm";
import { dialectOf } from "../sql.js";
import type { TableColumnOptions } from "typeorm/schema-builder/options/TableColumnOptions.js";

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
  return dialectOf(q.connection) === "mysql";
}
