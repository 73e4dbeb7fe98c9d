import type { WhereExpressionBuilder } from "typeorm";

/**
 * Keyset paging: keeps the rows that come after the cursor `(first, second)` in the order
 * `ORDER BY <first> dir, <second> dir` (a unique `second`, the id, breaks ties), as
 * `(first < :first OR (first = :first AND second < :second))` for "desc" and with `>` for "asc".
 * The caller orders the query the same way; the index on (…, first, second) answers both.
 */
export function keysetAfter<Q extends WhereExpressionBuilder>(
  qb: Q,
  order: "asc" | "desc",
  columns: readonly [first: string, second: string],
  cursor: readonly [first: unknown, second: unknown],
): Q {
  const [a, b] = columns;
  const op = order === "desc" ? "<" : ">";
  qb.andWhere(`(${a} ${op} :keysetFirst OR (${a} = :keysetFirst AND ${b} ${op} :keysetSecond))`, {
    keysetFirst: cursor[0],
    keysetSecond: cursor[1],
  });
  return qb;
}
