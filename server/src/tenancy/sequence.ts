import type { EntityManager } from "typeorm";
import { deferWrite } from "../db/pipeline.js";
import { dialectOf, marks } from "../db/sql.js";

/**
 * The app's event counters, in its `apps` row: `lastSeq` (the newest event's seq) and `prunedSeq`
 * (events up to it were pruned). tenancy/ owns the table; the event log (events/) moves the
 * counters through these two, inside its unit of work.
 */

/**
 * Adds `n` to the app's seq counter and returns the new value (NaN for no such app), in one
 * statement: MySQL hands the value back through LAST_INSERT_ID(expr), SQLite through RETURNING.
 */
export async function reserveSeqs(m: EntityManager, appId: string, n: number): Promise<number> {
  if (dialectOf(m) === "mysql") {
    const res: { insertId?: number | string; affectedRows?: number } = await m.query("UPDATE apps SET lastSeq = LAST_INSERT_ID(lastSeq + ?) WHERE id = ?", [
      n,
      appId,
    ]);
    return res.affectedRows === 1 ? Number(res.insertId) : NaN;
  }
  const rows: { lastSeq: number | string }[] = await m.query("UPDATE apps SET lastSeq = lastSeq + ? WHERE id = ? RETURNING lastSeq", [n, appId]);
  return Number(rows[0]?.lastSeq);
}

/**
 * Locks the apps' counter rows (in id order) until the commit, before the unit inserts what it
 * will take seqs for: with several transactions at once (DATABASE_WRITERS), auto-increment ids
 * and seqs are then handed out in the same order within an app. MySQL only (SQLite has one writer).
 */
export async function holdSeqs(m: EntityManager, appIds: readonly string[]): Promise<void> {
  if (dialectOf(m) !== "mysql" || appIds.length === 0) return;
  const ids = [...new Set(appIds)].sort();
  await deferWrite(m, `SELECT id FROM apps WHERE id IN (${marks(ids.length)}) ORDER BY id FOR UPDATE`, ids);
}

/** Raises the app's pruned floor to `upTo` (never lowers it: another node may have pruned further). */
export async function raisePrunedSeq(m: EntityManager, appId: string, upTo: number): Promise<void> {
  await m.query("UPDATE apps SET prunedSeq = ? WHERE id = ? AND prunedSeq < ?", [upTo, appId, upTo]);
}
