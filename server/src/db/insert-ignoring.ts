import type { EntityManager, EntityTarget, ObjectLiteral } from "typeorm";
import type { QueryDeepPartialEntity } from "typeorm/query-builder/QueryPartialEntity.js";

/**
 * INSERT OR IGNORE (MySQL: INSERT IGNORE) of `rows`; returns how many rows went in. The count
 * comes from the driver's affected rows, which TypeORM's InsertResult does not carry on SQLite.
 */
export async function insertIgnoring<E extends ObjectLiteral>(m: EntityManager, target: EntityTarget<E>, rows: QueryDeepPartialEntity<E>[]): Promise<number> {
  if (rows.length === 0) return 0;
  if (!m.queryRunner) throw new Error("insertIgnoring needs a transaction's manager");
  const [sql, params] = m.createQueryBuilder().insert().into(target).values(rows).orIgnore().getQueryAndParameters();
  const res = await m.queryRunner.query(sql, params, true);
  return res.affected ?? 0;
}
