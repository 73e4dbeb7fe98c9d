import type { EntityManager } from "typeorm";
import { deferWrite } from "../db/pipeline.js";
import { dialectOf, rowMarks } from "../db/sql.js";
import { chunks } from "../shared/chunks.js";

/*
 * The usage tables' statements, each run on a unit's manager (the caller's transaction). Upserts
 * are written per dialect (MySQL's ON DUPLICATE KEY, SQLite's ON CONFLICT): both add to the
 * stored counters atomically, so nodes writing the same day's row at once lose nothing. Rows are
 * written in key order, so two units locking several rows lock them in the same order.
 */

/** The counters of a usage_daily row. */
export const COUNTERS = [
  "messages",
  "activeUsers",
  "searches",
  "webhooksDelivered",
  "webhooksFailed",
  "calls",
  "callSeconds",
  "emailsSent",
  "emailsFailed",
  "agentReplies",
  "agentPromptTokens",
  "agentCompletionTokens",
] as const;
export type Counter = (typeof COUNTERS)[number];

/** What to add to one app's day. */
export type DailyAdd = { appId: string; day: string } & Partial<Record<Counter, number>>;

const DAY_MS = 86_400_000;
/** `YYYY-MM-DD` (UTC) of an epoch-ms time. */
export const dayOf = (ms: number): string => new Date(ms).toISOString().slice(0, 10);
/** `YYYY-MM` (UTC). */
export const monthOf = (ms: number): string => new Date(ms).toISOString().slice(0, 7);
/** The day `n` days before `day`. */
export const daysBefore = (day: string, n: number): string => dayOf(Date.parse(`${day}T00:00:00Z`) - n * DAY_MS);

const key = (...parts: string[]): string => parts.join("\u0000");

/** Adds to usage_daily counters (rows made at zero when absent): one statement per 100 rows. */
export async function addDaily(m: EntityManager, adds: readonly DailyAdd[]): Promise<void> {
  const merged = new Map<string, DailyAdd>();
  for (const a of adds) {
    const k = key(a.appId, a.day);
    const was = merged.get(k) ?? { appId: a.appId, day: a.day };
    for (const c of COUNTERS) if (a[c]) was[c] = (was[c] ?? 0) + a[c];
    merged.set(k, was);
  }
  const rows = [...merged.entries()]
    .filter(([, a]) => COUNTERS.some((c) => a[c]))
    .sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0))
    .map(([, a]) => [a.appId, a.day, ...COUNTERS.map((c) => a[c] ?? 0)]);
  if (rows.length === 0) return;
  const upsert =
    dialectOf(m) === "mysql"
      ? `ON DUPLICATE KEY UPDATE ${COUNTERS.map((c) => `${c} = ${c} + VALUES(${c})`).join(", ")}`
      : `ON CONFLICT (appId, day) DO UPDATE SET ${COUNTERS.map((c) => `${c} = ${c} + excluded.${c}`).join(", ")}`;
  for (const chunk of chunks(rows, 100))
    await deferWrite(
      m,
      `INSERT INTO usage_daily (appId, day, ${COUNTERS.join(", ")}) VALUES ${rowMarks(chunk.length, 2 + COUNTERS.length)} ${upsert}`,
      chunk.flat(),
    );
}

/** Adds to usage_monthly's active users. */
async function addMonthly(m: EntityManager, adds: readonly { appId: string; month: string; n: number }[]): Promise<void> {
  const rows = adds
    .filter((a) => a.n > 0)
    .sort((x, y) => (key(x.appId, x.month) < key(y.appId, y.month) ? -1 : 1))
    .map((a) => [a.appId, a.month, a.n]);
  if (rows.length === 0) return;
  const upsert =
    dialectOf(m) === "mysql"
      ? "ON DUPLICATE KEY UPDATE activeUsers = activeUsers + VALUES(activeUsers)"
      : "ON CONFLICT (appId, month) DO UPDATE SET activeUsers = activeUsers + excluded.activeUsers";
  for (const chunk of chunks(rows, 100))
    await deferWrite(m, `INSERT INTO usage_monthly (appId, month, activeUsers) VALUES ${rowMarks(chunk.length, 3)} ${upsert}`, chunk.flat());
}

/** Inserts (appId, period, userId) rows that are not there yet; answers how many went in. */
async function insertNew(m: EntityManager, appId: string, period: string, userIds: readonly string[]): Promise<number> {
  if (!m.queryRunner) throw new Error("usage writes need a unit's manager");
  let added = 0;
  for (const chunk of chunks([...userIds].sort(), 200)) {
    const values = rowMarks(chunk.length, 3);
    const params = chunk.flatMap((u) => [appId, period, u]);
    const sql =
      dialectOf(m) === "mysql"
        ? `INSERT IGNORE INTO usage_active_users (appId, period, userId) VALUES ${values}`
        : `INSERT INTO usage_active_users (appId, period, userId) VALUES ${values} ON CONFLICT DO NOTHING`;
    added += (await m.queryRunner.query(sql, params, true)).affected ?? 0;
  }
  return added;
}

/** A user active at a time (a send, a live connection). */
export interface Activity {
  appId: string;
  userId: string;
  at: number;
}

/**
 * Counts users active on their day and month, each once: the users not yet marked for the
 * period are marked (usage_active_users), and as many are added to the day's and the month's
 * counters. Two statements per app and day in the usual case (one app, one day), whatever the
 * number of users; `extra` (a send's messages) rides on the same usage_daily statement.
 */
export async function markActive(m: EntityManager, activity: readonly Activity[], extra: readonly DailyAdd[] = []): Promise<void> {
  const byDay = new Map<string, { appId: string; day: string; month: string; users: Set<string> }>();
  for (const a of activity) {
    const day = dayOf(a.at);
    const k = key(a.appId, day);
    const g = byDay.get(k) ?? { appId: a.appId, day, month: day.slice(0, 7), users: new Set<string>() };
    g.users.add(a.userId);
    byDay.set(k, g);
  }
  const daily: DailyAdd[] = [...extra];
  const monthly = new Map<string, { appId: string; month: string; users: Set<string> }>();
  for (const g of [...byDay.values()].sort((x, y) => (key(x.appId, x.day) < key(y.appId, y.day) ? -1 : 1))) {
    const fresh = await insertNew(m, g.appId, g.day, [...g.users]);
    if (fresh === 0) continue;
    daily.push({ appId: g.appId, day: g.day, activeUsers: fresh });
    // Only a user new today can be new this month.
    const mk = key(g.appId, g.month);
    const mg = monthly.get(mk) ?? { appId: g.appId, month: g.month, users: new Set<string>() };
    for (const u of g.users) mg.users.add(u);
    monthly.set(mk, mg);
  }
  const months: { appId: string; month: string; n: number }[] = [];
  for (const g of monthly.values()) months.push({ appId: g.appId, month: g.month, n: await insertNew(m, g.appId, g.month, [...g.users]) });
  await addDaily(m, daily);
  await addMonthly(m, months);
}

/** Raises this node's socket peaks (never lowers one). */
export async function raisePeaks(m: EntityManager, node: string, peaks: readonly { appId: string; day: string; peak: number }[]): Promise<void> {
  const rows = [...peaks].sort((x, y) => (key(x.appId, x.day) < key(y.appId, y.day) ? -1 : 1)).map((p) => [p.appId, p.day, node, p.peak]);
  if (rows.length === 0) return;
  const upsert =
    dialectOf(m) === "mysql"
      ? "ON DUPLICATE KEY UPDATE peak = GREATEST(peak, VALUES(peak))"
      : "ON CONFLICT (appId, day, node) DO UPDATE SET peak = MAX(peak, excluded.peak)";
  for (const chunk of chunks(rows, 100))
    await m.query(`INSERT INTO usage_sockets (appId, day, node, peak) VALUES ${rowMarks(chunk.length, 4)} ${upsert}`, chunk.flat());
}

/**
 * Forgets marks no longer needed: day marks before yesterday and month marks before last month
 * (the counters keep their figures), and socket peaks older than any chart (SOCKET_DAYS_KEPT).
 */
export async function prune(m: EntityManager, now: number): Promise<void> {
  const yesterday = dayOf(now - DAY_MS);
  const today = new Date(now);
  const lastMonth = monthOf(Date.UTC(today.getUTCFullYear(), today.getUTCMonth() - 1, 1));
  // Periods sort as text: every mark of a month before last (days and months alike) sorts below
  // `lastMonth`; the days from then to yesterday are the day marks (10 characters) in between.
  await m.query("DELETE FROM usage_active_users WHERE period < ?", [lastMonth]);
  await m.query("DELETE FROM usage_active_users WHERE period >= ? AND period < ? AND LENGTH(period) = 10", [lastMonth, yesterday]);
  await m.query("DELETE FROM usage_sockets WHERE day < ?", [daysBefore(dayOf(now), SOCKET_DAYS_KEPT)]);
}

/** Socket peaks are kept this many days (the longest chart is 90). */
export const SOCKET_DAYS_KEPT = 100;
