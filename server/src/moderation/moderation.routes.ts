import Router from "@koa/router";
import type { Middleware } from "koa";
import type { AuditEntry, Page, Report, ReportResponse, SanctionResponse, SlowModeResponse, WordFilter } from "@parley/sdk/protocol";
import { callerOf, type Ctx, type State } from "../http/context.js";
import { decodeCursor, encodeCursor } from "../shared/cursor.js";
import type { Caller } from "../shared/caller.js";
import { parse } from "../shared/validate.js";
import {
  auditQuery,
  muteBody,
  reasonBody,
  reportBody,
  reportsQuery,
  resolveReportBody,
  slowModeBody,
  timeCursor,
  wordFilterBody,
} from "./moderation.schema.js";
import type { ModerationService } from "./moderation.service.js";

export interface ModerationRoutesDeps {
  moderation: ModerationService;
  requireAuth: Middleware<State>;
}

const param = (ctx: Ctx, name: string): string => String((ctx.params as Record<string, string | undefined>)[name] ?? "");
/** A body that may be absent (DELETE with no reason). */
const optionalBody = (ctx: Ctx): unknown => ctx.request.body ?? {};

/** How a router names the target user of `:user`: a user id (moderators) or the host's `sub` (server API). */
type UserParam = (ctx: Ctx, caller: Caller) => Promise<string>;

/**
 * The moderation commands shared by moderators (`/v1/moderation/…`, a moderator's access token)
 * and the host's backend (`/v1/server/moderation/…`, a server key): parse → service → present.
 * The service refuses anyone else (403) and other apps' objects (404).
 *
 *   GET    …/audit?cursor=&limit=                        Page<AuditEntry>, newest first
 *   GET    …/reports?status=open|resolved|dismissed|all  Page<Report>, newest first
 *   POST   …/reports/:id/resolve {status, note}          ReportResponse
 *   PUT    …/conversations/:id/mutes/:user {until|durationSec, reason}    SanctionResponse
 *   DELETE …/conversations/:id/mutes/:user {reason}      204
 *   PUT    …/conversations/:id/bans/:user {reason}       SanctionResponse (the user leaves the group)
 *   DELETE …/conversations/:id/bans/:user {reason}       204
 *   PUT    …/bans/:user {reason}                         SanctionResponse (app-wide: sessions end)
 *   DELETE …/bans/:user {reason}                         204
 *   PUT    …/conversations/:id/slow-mode {seconds}       SlowModeResponse
 *   GET    …/word-filter                                 WordFilter
 *   PUT    …/word-filter {words, reason}                 WordFilter
 *   DELETE …/messages/:id {reason}                       204
 */
export function moderationHandlers(moderation: ModerationService, who: (ctx: Ctx) => Caller, userParam: UserParam) {
  const handler =
    (fn: (ctx: Ctx) => Promise<void>): Middleware<State> =>
    (ctx) =>
      fn(ctx as unknown as Ctx);
  const target = async (ctx: Ctx) => {
    const caller = who(ctx);
    return { caller, conversationId: param(ctx, "id"), userId: await userParam(ctx, caller) };
  };
  return {
    audit: handler(async (ctx) => {
      const q = parse(auditQuery, ctx.query);
      const { items, next } = await moderation.auditLog(who(ctx), { limit: q.limit, cursor: decodeCursor(timeCursor, q.cursor) });
      ctx.body = { items, nextCursor: next ? encodeCursor(next) : null } satisfies Page<AuditEntry>;
    }),
    reports: handler(async (ctx) => {
      const q = parse(reportsQuery, ctx.query);
      const { items, next } = await moderation.reports(who(ctx), { status: q.status, limit: q.limit, cursor: decodeCursor(timeCursor, q.cursor) });
      ctx.body = { items, nextCursor: next ? encodeCursor(next) : null } satisfies Page<Report>;
    }),
    resolve: handler(async (ctx) => {
      const body = parse(resolveReportBody, ctx.request.body);
      ctx.body = { report: await moderation.resolveReport(who(ctx), { id: param(ctx, "id"), ...body }) } satisfies ReportResponse;
    }),
    mute: handler(async (ctx) => {
      const body = parse(muteBody, ctx.request.body);
      const { caller, ...t } = await target(ctx);
      ctx.body = { sanction: await moderation.mute(caller, { ...t, ...body }) } satisfies SanctionResponse;
    }),
    unmute: handler(async (ctx) => {
      const body = parse(reasonBody, optionalBody(ctx));
      const { caller, ...t } = await target(ctx);
      await moderation.unmute(caller, { ...t, ...body });
      ctx.status = 204;
    }),
    ban: handler(async (ctx) => {
      const body = parse(reasonBody, optionalBody(ctx));
      const { caller, ...t } = await target(ctx);
      ctx.body = { sanction: await moderation.banFromConversation(caller, { ...t, ...body }) } satisfies SanctionResponse;
    }),
    unban: handler(async (ctx) => {
      const body = parse(reasonBody, optionalBody(ctx));
      const { caller, ...t } = await target(ctx);
      await moderation.unbanFromConversation(caller, { ...t, ...body });
      ctx.status = 204;
    }),
    banApp: handler(async (ctx) => {
      const body = parse(reasonBody, optionalBody(ctx));
      const { caller, userId } = await target(ctx);
      ctx.body = { sanction: await moderation.banFromApp(caller, { userId, ...body }) } satisfies SanctionResponse;
    }),
    unbanApp: handler(async (ctx) => {
      const body = parse(reasonBody, optionalBody(ctx));
      const { caller, userId } = await target(ctx);
      await moderation.unbanFromApp(caller, { userId, ...body });
      ctx.status = 204;
    }),
    slowMode: handler(async (ctx) => {
      const body = parse(slowModeBody, ctx.request.body);
      ctx.body = (await moderation.setSlowMode(who(ctx), { conversationId: param(ctx, "id"), ...body })) satisfies SlowModeResponse;
    }),
    wordFilter: handler(async (ctx) => {
      ctx.body = (await moderation.wordFilter(who(ctx))) satisfies WordFilter;
    }),
    setWordFilter: handler(async (ctx) => {
      const body = parse(wordFilterBody, ctx.request.body);
      ctx.body = (await moderation.setWordFilter(who(ctx), body)) satisfies WordFilter;
    }),
    deleteMessage: handler(async (ctx) => {
      const body = parse(reasonBody, optionalBody(ctx));
      await moderation.deleteMessage(who(ctx), { messageId: param(ctx, "id"), ...body });
      ctx.status = 204;
    }),
  };
}

/**
 * A member's side (`POST /v1/reports`, any signed-in user of the app: 201 a new report, 200 their
 * open one of the same message or user) and the moderators' routes
 * (`/v1/moderation/…`, see `moderationHandlers`); users are named by their Parley id.
 */
export function moderationRoutes({ moderation, requireAuth }: ModerationRoutesDeps): Router<State> {
  const r = new Router<State>();
  r.post("/reports", requireAuth, async (ctx) => {
    const body = parse(reportBody, ctx.request.body);
    const { report, created } = await moderation.report(callerOf(ctx), body);
    ctx.status = created ? 201 : 200;
    ctx.body = { report } satisfies ReportResponse;
  });
  const h = moderationHandlers(moderation, callerOf, async (ctx) => param(ctx, "user"));
  r.get("/moderation/audit", requireAuth, h.audit);
  r.get("/moderation/reports", requireAuth, h.reports);
  r.post("/moderation/reports/:id/resolve", requireAuth, h.resolve);
  r.put("/moderation/conversations/:id/mutes/:user", requireAuth, h.mute);
  r.delete("/moderation/conversations/:id/mutes/:user", requireAuth, h.unmute);
  r.put("/moderation/conversations/:id/bans/:user", requireAuth, h.ban);
  r.delete("/moderation/conversations/:id/bans/:user", requireAuth, h.unban);
  r.put("/moderation/bans/:user", requireAuth, h.banApp);
  r.delete("/moderation/bans/:user", requireAuth, h.unbanApp);
  r.put("/moderation/conversations/:id/slow-mode", requireAuth, h.slowMode);
  r.get("/moderation/word-filter", requireAuth, h.wordFilter);
  r.put("/moderation/word-filter", requireAuth, h.setWordFilter);
  r.delete("/moderation/messages/:id", requireAuth, h.deleteMessage);
  return r;
}
