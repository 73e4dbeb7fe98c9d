import { ref } from "../shared/schema.js";
import { empty, json, type Route } from "../request/route.js";
import type { Middleware } from "koa";
import type { AuditEntry, Page, Report, ReportResponse, SanctionResponse, SlowModeResponse, WordFilter } from "@parley/sdk/protocol";
import { callerOf, type Ctx, type State, pathParam } from "../request/context.js";
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
}

/** A body that may be absent (DELETE with no reason). */
const optionalBody = (ctx: Ctx): unknown => ctx.request.body ?? {};

/** How a router names the target user of `:user`: a user id (moderators) or the host's `sub` (server API). */
type UserParam = (ctx: Ctx, caller: Caller) => Promise<string>;

/**
 * The moderation commands shared by moderators (`/v1/moderation/…`, a moderator's access token)
 * and the host's backend (`/v1/server/moderation/…`, a server key): parse → service → present.
 * The service refuses anyone else (403) and other apps' objects (404).
 */
function moderationHandlers(moderation: ModerationService, who: (ctx: Ctx) => Caller, userParam: UserParam) {
  const handler =
    (fn: (ctx: Ctx) => Promise<void>): Middleware<State> =>
    (ctx) =>
      fn(ctx as unknown as Ctx);
  const target = async (ctx: Ctx) => {
    const caller = who(ctx);
    return { caller, conversationId: pathParam(ctx, "id"), userId: await userParam(ctx, caller) };
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
      ctx.body = { report: await moderation.resolveReport(who(ctx), { id: pathParam(ctx, "id"), ...body }) } satisfies ReportResponse;
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
      ctx.body = (await moderation.setSlowMode(who(ctx), { conversationId: pathParam(ctx, "id"), ...body })) satisfies SlowModeResponse;
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
      await moderation.deleteMessage(who(ctx), { messageId: pathParam(ctx, "id"), ...body });
      ctx.status = 204;
    }),
  };
}

/**
 * A member's side (`POST /v1/reports`, any signed-in user of the app: 201 a new report, 200 their
 * open one of the same message or user) and the moderators' routes
 * (`/v1/moderation/…`, see `moderationCommandRoutes`); users are named by their Parley id.
 */
export function moderationRoutes({ moderation }: ModerationRoutesDeps): Route[] {
  const routes: Route[] = [];
  routes.push({
    method: "post",
    path: "/v1/reports",
    operationId: "createReport",
    tag: "moderation",
    summary:
      "Report a message (its sender) or a user to the app's moderators; a repeat of the reporter's open report answers it; REPORTS_PER_HOUR new reports per user",
    auth: "bearer",
    body: { name: "CreateReportRequest", schema: reportBody },
    ok: {
      201: json("ReportResponse", "Reported"),
      200: json("ReportResponse", "The reporter's open report of the same message (or user), unchanged: nothing new is filed"),
    },
    errors: [404, 429],
    handle: async (ctx) => {
      const body = parse(reportBody, ctx.request.body);
      const { report, created } = await moderation.report(callerOf(ctx), body);
      ctx.status = created ? 201 : 200;
      ctx.body = { report } satisfies ReportResponse;
    },
  });
  routes.push(
    ...moderationCommandRoutes(moderation, {
      prefix: "/v1/moderation",
      auth: "bearer",
      operationId: (name) => name,
      who: callerOf,
      userParam: async (ctx) => pathParam(ctx, "user"),
    }),
  );
  return routes;
}

/** Where a set of the moderation commands is served, and for whom. */
interface CommandsOn {
  /** `/v1/moderation` (moderators, by access token) or `/v1/server/moderation` (the host's backend). */
  prefix: string;
  auth: "bearer" | "server";
  operationId: (name: string) => string;
  who: (ctx: Ctx) => Caller;
  userParam: UserParam;
}

/** The moderation commands, declared once for both their audiences. */
export function moderationCommandRoutes(moderation: ModerationService, on: CommandsOn): Route[] {
  const h = moderationHandlers(moderation, on.who, on.userParam);
  return [
    {
      method: "get",
      path: `${on.prefix}/audit`,
      operationId: on.operationId("moderationAudit"),
      tag: "moderation",
      summary: "The moderation audit log, newest first: who did what to whom, when and why",
      auth: on.auth,
      query: auditQuery,
      ok: { 200: json("PageOfAuditEntry", "A page of audit entries") },
      handle: h.audit,
    },
    {
      method: "get",
      path: `${on.prefix}/reports`,
      operationId: on.operationId("listReports"),
      tag: "moderation",
      summary: "The report queue, newest first (?status=open by default)",
      auth: on.auth,
      query: reportsQuery,
      ok: { 200: json("PageOfReport", "A page of reports") },
      handle: h.reports,
    },
    {
      method: "post",
      path: `${on.prefix}/reports/:id/resolve`,
      operationId: on.operationId("resolveReport"),
      tag: "moderation",
      summary: "Resolve or dismiss an open report (409 once it is not open)",
      auth: on.auth,
      params: { id: ref },
      body: { name: "ResolveReportRequest", schema: resolveReportBody },
      ok: { 200: json("ReportResponse", "The report, resolved") },
      errors: [404, 409],
      handle: h.resolve,
    },
    {
      method: "put",
      path: `${on.prefix}/conversations/:id/mutes/:user`,
      operationId: on.operationId("muteMember"),
      tag: "moderation",
      summary: "Mute a member of a conversation until a time (their sends and edits answer muted)",
      auth: on.auth,
      params: { id: ref, user: ref },
      body: { name: "MuteRequest", schema: muteBody },
      ok: { 200: json("SanctionResponse", "The mute") },
      errors: [404],
      handle: h.mute,
    },
    {
      method: "delete",
      path: `${on.prefix}/conversations/:id/mutes/:user`,
      operationId: on.operationId("unmuteMember"),
      tag: "moderation",
      summary: "Lift a mute",
      auth: on.auth,
      params: { id: ref, user: ref },
      ok: { 204: empty("Lifted") },
      errors: [404, 413, 415],
      handle: h.unmute,
    },
    {
      method: "put",
      path: `${on.prefix}/conversations/:id/bans/:user`,
      operationId: on.operationId("banFromConversation"),
      tag: "moderation",
      summary: "Ban a user from a group: removed now, cannot join or be added again",
      auth: on.auth,
      params: { id: ref, user: ref },
      body: { name: "ModerationReasonRequest", schema: reasonBody },
      ok: { 200: json("SanctionResponse", "The ban") },
      errors: [404],
      handle: h.ban,
    },
    {
      method: "delete",
      path: `${on.prefix}/conversations/:id/bans/:user`,
      operationId: on.operationId("unbanFromConversation"),
      tag: "moderation",
      summary: "Lift a conversation ban",
      auth: on.auth,
      params: { id: ref, user: ref },
      ok: { 204: empty("Lifted") },
      errors: [404, 413, 415],
      handle: h.unban,
    },
    {
      method: "put",
      path: `${on.prefix}/bans/:user`,
      operationId: on.operationId("banFromApp"),
      tag: "moderation",
      summary: "Ban a user from the whole app: every session ends, sockets close, sign-in is refused",
      auth: on.auth,
      params: { user: ref },
      body: { name: "ModerationReasonRequest", schema: reasonBody },
      ok: { 200: json("SanctionResponse", "The ban") },
      errors: [404],
      handle: h.banApp,
    },
    {
      method: "delete",
      path: `${on.prefix}/bans/:user`,
      operationId: on.operationId("unbanFromApp"),
      tag: "moderation",
      summary: "Lift an app ban",
      auth: on.auth,
      params: { user: ref },
      ok: { 204: empty("Lifted") },
      errors: [404, 413, 415],
      handle: h.unbanApp,
    },
    {
      method: "put",
      path: `${on.prefix}/conversations/:id/slow-mode`,
      operationId: on.operationId("setSlowMode"),
      tag: "moderation",
      summary: "Slow mode: one message per N seconds per member (0 turns it off)",
      auth: on.auth,
      params: { id: ref },
      body: { name: "SlowModeRequest", schema: slowModeBody },
      ok: { 200: json("SlowModeResponse", "Saved") },
      errors: [404],
      handle: h.slowMode,
    },
    {
      method: "get",
      path: `${on.prefix}/word-filter`,
      operationId: on.operationId("getWordFilter"),
      tag: "moderation",
      summary: "The app's word filter",
      auth: on.auth,
      ok: { 200: json("WordFilter", "The words") },
      handle: h.wordFilter,
    },
    {
      method: "put",
      path: `${on.prefix}/word-filter`,
      operationId: on.operationId("setWordFilter"),
      tag: "moderation",
      summary: "Replace the app's word filter (literal words, block or mask)",
      auth: on.auth,
      body: { name: "WordFilterRequest", schema: wordFilterBody },
      ok: { 200: json("WordFilter", "Saved") },
      handle: h.setWordFilter,
    },
    {
      method: "delete",
      path: `${on.prefix}/messages/:id`,
      operationId: on.operationId("moderatorDeleteMessage"),
      tag: "moderation",
      summary: "Delete any message of the app (a tombstone stays)",
      auth: on.auth,
      params: { id: ref },
      ok: { 204: empty("Deleted") },
      errors: [404, 413, 415],
      handle: h.deleteMessage,
    },
  ];
}
