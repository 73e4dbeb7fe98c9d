import { IsNull, type EntityManager } from "typeorm";
import type { Report } from "@parley/sdk/protocol";
import { dialectOf } from "../../db/sql.js";
import type { Caller, UserCaller } from "../../shared/caller.js";
import { AppError, notFound } from "../../shared/errors.js";
import { canExist, newId } from "../../shared/ids.js";
import { consume } from "../../shared/rate-limit.js";
import type { ModerationDeps } from "../deps.js";
import { ReportEntity } from "../moderation.entities.js";
import { presentReport } from "../moderation.presenter.js";
import type { ReportInput, ResolveInput } from "../moderation.schema.js";
import { actorName, requireModerator } from "../policy.js";
import { audit } from "./common.js";

/** What makes two reports the same: reporter, and message (or, for a user report, the user). */
interface SameReport {
  appId: string;
  reporterId: string;
  userId: string;
  messageId: number | null;
}

/**
 * Any member reports a message they can see (its sender is the reported user) or a user of the
 * app (not themselves). The report and its `report.created` webhook deliveries commit together.
 * A repeat of the reporter's open report of the same message (of the same user, for a user
 * report) answers that report, unchanged (`created: false`): no second row, no second webhook.
 * A new report takes one from the reporter's hourly quota (429 past it); repeats take none.
 */
export async function fileReport(
  deps: Pick<ModerationDeps, "db" | "uow" | "users" | "messages" | "webhooks" | "reportQuota">,
  caller: UserCaller,
  input: ReportInput,
): Promise<{ report: Report; created: boolean }> {
  const { appId } = caller;
  let target: { userId: string; messageId: number | null; conversationId: string | null; text: string | null };
  if (input.messageId !== undefined) {
    const message = await deps.messages.get(caller, input.messageId);
    if (!message.senderId) throw new AppError("validation_failed", "A system message has no sender to report");
    target = { userId: message.senderId, messageId: Number(message.id), conversationId: message.conversationId, text: message.text };
  } else {
    const user = await deps.users.get(appId, input.userId!);
    target = { userId: user.id, messageId: null, conversationId: null, text: null };
  }
  if (target.userId === caller.user) throw new AppError("validation_failed", "You cannot report yourself");
  const same: SameReport = { appId, reporterId: caller.user, userId: target.userId, messageId: target.messageId };
  const known = await openReport(deps.db.manager, same);
  if (known) return { report: presentReport(known), created: false };
  // Keyed by the caller's own app and user id (from their token): a client cannot pick another budget.
  await consume(deps.reportQuota, `${appId}:${caller.user}`);
  const row: ReportEntity = {
    id: newId("rep"),
    appId,
    reporterId: caller.user,
    userId: target.userId,
    messageId: target.messageId,
    conversationId: target.conversationId,
    messageText: target.text,
    reason: input.reason,
    note: input.note || null,
    status: "open",
    createdAt: Date.now(),
    resolvedAt: null,
    resolvedBy: null,
    resolution: null,
  };
  const report = presentReport(row);
  return deps.uow.run(async ({ m }) => {
    // A repeat racing this one: asked again under the reporter's lock (see openReport).
    const raced = await openReport(m, same, { lock: true });
    if (raced) return { report: presentReport(raced), created: false };
    await m.insert(ReportEntity, row);
    const head: { lastSeq: string | number }[] = await m.query("SELECT lastSeq FROM apps WHERE id = ?", [appId]);
    await deps.webhooks.enqueue(m, appId, { type: "report.created", seq: Number(head[0]?.lastSeq ?? 0), at: row.createdAt, data: report });
    return { report, created: true };
  });
}

/**
 * The reporter's open report of the same message, or (a user report) of the same user. With
 * `lock`, inside the reporting unit: on SQLite units run one at a time, and on MySQL the
 * reporter's user row is locked first and the reports read with a locking read (the newest
 * committed rows, not the snapshot), so two repeats racing (two writers, two nodes) file one report.
 */
async function openReport(m: EntityManager, k: SameReport, opts: { lock?: boolean } = {}): Promise<ReportEntity | null> {
  const mysql = opts.lock === true && dialectOf(m) === "mysql";
  if (mysql) await m.query("SELECT id FROM users WHERE id = ? FOR UPDATE", [k.reporterId]);
  return m.findOne(ReportEntity, {
    where: {
      appId: k.appId,
      reporterId: k.reporterId,
      status: "open",
      ...(k.messageId !== null ? { messageId: k.messageId } : { userId: k.userId, messageId: IsNull() }),
    },
    order: { createdAt: "ASC", id: "ASC" },
    // FOR UPDATE: TypeORM writes a shared lock as FOR SHARE, which MariaDB does not parse.
    ...(mysql ? { lock: { mode: "pessimistic_write" as const } } : {}),
  });
}

/** A moderator resolves or dismisses an open report (409 when it is settled already, or meanwhile). */
export async function resolveReport(deps: Pick<ModerationDeps, "uow" | "gate">, caller: Caller, input: { id: string } & ResolveInput): Promise<Report> {
  await requireModerator(deps, caller);
  const { appId } = caller;
  return deps.uow.run(async ({ m }) => {
    const row = canExist(input.id) ? await m.findOneBy(ReportEntity, { appId, id: input.id }) : null;
    if (!row || row.id !== input.id) throw notFound("Report");
    if (row.status !== "open") throw new AppError("conflict", `This report is already ${row.status}`);
    row.status = input.status;
    row.resolvedAt = Date.now();
    row.resolvedBy = actorName(caller);
    row.resolution = input.note || null;
    const changed = await m.update(
      ReportEntity,
      { appId, id: row.id, status: "open" },
      { status: row.status, resolvedAt: row.resolvedAt, resolvedBy: row.resolvedBy, resolution: row.resolution },
    );
    if (!changed.affected) throw new AppError("conflict", "This report was resolved meanwhile");
    await audit(m, caller, {
      action: input.status === "resolved" ? "report.resolve" : "report.dismiss",
      targetUserId: row.userId,
      conversationId: row.conversationId,
      messageId: row.messageId,
      reportId: row.id,
      reason: input.note,
    });
    return presentReport(row);
  });
}

/**
 * A conversation handed to people by an AI agent (issue 54), put in the queue: a report with
 * reason `handoff`, filed by who asked (the member, or the agent's user when the model did), about
 * the agent's user, in that conversation; with its `report.created` webhook, in the caller's unit.
 */
export async function queueHandoff(
  deps: Pick<ModerationDeps, "webhooks">,
  m: EntityManager,
  appId: string,
  input: { conversationId: string; requestedBy: string; agentUserId: string; note: string | null },
): Promise<Report> {
  const row: ReportEntity = {
    id: newId("rep"),
    appId,
    reporterId: input.requestedBy,
    userId: input.agentUserId,
    messageId: null,
    conversationId: input.conversationId,
    messageText: null,
    reason: "handoff",
    note: input.note?.slice(0, 1000) || null,
    status: "open",
    createdAt: Date.now(),
    resolvedAt: null,
    resolvedBy: null,
    resolution: null,
  };
  await m.insert(ReportEntity, row);
  const report = presentReport(row);
  const head: { lastSeq: string | number }[] = await m.query("SELECT lastSeq FROM apps WHERE id = ?", [appId]);
  await deps.webhooks.enqueue(m, appId, { type: "report.created", seq: Number(head[0]?.lastSeq ?? 0), at: row.createdAt, data: report });
  return report;
}
