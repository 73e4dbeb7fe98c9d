import type { SelectQueryBuilder } from "typeorm";
import type { AuditEntry, Report, Sanction, WordFilter } from "@parley/sdk/protocol";
import { keysetAfter } from "../db/keyset.js";
import type { Caller } from "../shared/caller.js";
import { notFound } from "../shared/errors.js";
import { canExist } from "../shared/ids.js";
import type { ModerationDeps } from "./deps.js";
import { AuditEntity, ReportEntity, SanctionEntity } from "./moderation.entities.js";
import { presentAudit, presentReport, presentSanction } from "./moderation.presenter.js";
import { requireModerator } from "./policy.js";

/** A keyset position in the audit log or the report queue. */
export interface TimeCursor {
  t: number;
  i: string;
}

/** A ban or mute as the console lists it: the server API's Sanction, its id, and who set it (`createdBy`). */
export type ListedSanction = Sanction & { id: string; by: string };
const presentListed = (s: SanctionEntity): ListedSanction => ({ ...presentSanction(s), id: s.id, by: s.createdBy });

/** The app's moderators, oldest first (a few per app: one query, no paging needed past 1,000). */
export async function listModerators(
  deps: Pick<ModerationDeps, "db" | "gate">,
  caller: Caller,
): Promise<{ userId: string; sub: string | null; since: string }[]> {
  await requireModerator(deps, caller);
  const rows: { userId: string; externalId: string | null; createdAt: number | string }[] = await deps.db.query(
    `SELECT mo.userId AS userId, u.externalId AS externalId, mo.createdAt AS createdAt FROM app_moderators mo
       JOIN users u ON u.id = mo.userId AND u.appId = mo.appId
      WHERE mo.appId = ? ORDER BY mo.createdAt, mo.userId LIMIT 1000`,
    [caller.appId],
  );
  return rows.map((r) => ({
    userId: String(r.userId),
    sub: r.externalId === null ? null : String(r.externalId),
    since: new Date(Number(r.createdAt)).toISOString(),
  }));
}

export async function wordFilter(deps: Pick<ModerationDeps, "gate">, caller: Caller): Promise<WordFilter> {
  await requireModerator(deps, caller);
  return deps.gate.wordFilterOf(caller.appId);
}

/** The report queue, newest first, keyset on (createdAt, id). */
export async function reports(
  deps: Pick<ModerationDeps, "db" | "gate">,
  caller: Caller,
  q: { status: Report["status"] | "all"; cursor?: TimeCursor | undefined; limit: number },
): Promise<{ items: Report[]; next: TimeCursor | null }> {
  await requireModerator(deps, caller);
  const qb = deps.db.getRepository(ReportEntity).createQueryBuilder("r").where("r.appId = :appId", { appId: caller.appId });
  if (q.status !== "all") qb.andWhere("r.status = :status", { status: q.status });
  const rows = await keyset(qb, q.cursor, q.limit);
  return page(rows, q.limit, presentReport);
}

/** One report of the app (moderators and the host's backend; 404 for another app's). */
export async function reportById(deps: Pick<ModerationDeps, "db" | "gate">, caller: Caller, id: string): Promise<Report> {
  await requireModerator(deps, caller);
  const row = canExist(id) ? await deps.db.getRepository(ReportEntity).findOneBy({ appId: caller.appId, id }) : null;
  if (!row || row.id !== id) throw notFound("Report");
  return presentReport(row);
}

/** The app's bans, or its mutes still running, newest first, keyset on (createdAt, id); each with its id and who set it. */
export async function sanctions(
  deps: Pick<ModerationDeps, "db" | "gate">,
  caller: Caller,
  q: { kind: "mute" | "ban"; cursor?: TimeCursor | undefined; limit: number },
): Promise<{ items: ListedSanction[]; next: TimeCursor | null }> {
  await requireModerator(deps, caller);
  const qb = deps.db.getRepository(SanctionEntity).createQueryBuilder("r").where("r.appId = :appId AND r.kind = :kind", { appId: caller.appId, kind: q.kind });
  if (q.kind === "mute") qb.andWhere("(r.until IS NULL OR r.until > :now)", { now: Date.now() });
  const rows = await keyset(qb, q.cursor, q.limit);
  return page(rows, q.limit, presentListed);
}

/** One ban or mute of the app by its id (404 otherwise, and for another kind). */
export async function sanctionById(deps: Pick<ModerationDeps, "db" | "gate">, caller: Caller, kind: "mute" | "ban", id: string): Promise<ListedSanction> {
  await requireModerator(deps, caller);
  const row = canExist(id) ? await deps.db.getRepository(SanctionEntity).findOneBy({ appId: caller.appId, kind, id }) : null;
  if (!row || row.id !== id) throw notFound(kind === "ban" ? "Ban" : "Mute");
  return presentListed(row);
}

/** The audit log, newest first, keyset on (createdAt, id). */
export async function auditLog(
  deps: Pick<ModerationDeps, "db" | "gate">,
  caller: Caller,
  q: { cursor?: TimeCursor | undefined; limit: number },
): Promise<{ items: AuditEntry[]; next: TimeCursor | null }> {
  await requireModerator(deps, caller);
  const qb = deps.db.getRepository(AuditEntity).createQueryBuilder("r").where("r.appId = :appId", { appId: caller.appId });
  const rows = await keyset(qb, q.cursor, q.limit);
  return page(rows, q.limit, presentAudit);
}

type TimeKeyed = { createdAt: number; id: string };

/** Newest first, after the cursor, one more than the page to know whether there is a next one. */
async function keyset<T extends TimeKeyed>(qb: SelectQueryBuilder<T>, cursor: TimeCursor | undefined, limit: number): Promise<T[]> {
  if (cursor) keysetAfter(qb, "desc", ["r.createdAt", "r.id"], [cursor.t, cursor.i]);
  return qb
    .orderBy("r.createdAt", "DESC")
    .addOrderBy("r.id", "DESC")
    .limit(limit + 1)
    .getMany();
}

function page<T extends TimeKeyed, D>(rows: T[], limit: number, present: (row: T) => D): { items: D[]; next: TimeCursor | null } {
  const items = rows.slice(0, limit);
  const last = items[items.length - 1];
  return { items: items.map(present), next: rows.length > limit && last ? { t: last.createdAt, i: last.id } : null };
}
