import { auditQuery, muteBody, reportsQuery, resolveReportBody, slowModeBody, wordFilterBody } from "./moderation.schema.js";
import { ref } from "../shared/schema.js";
import { empty, json, type Route } from "../request/route.js";
import type { Middleware } from "koa";
import type { ModeratorsResponse } from "@parley/sdk/protocol";
import { serverCallerOf, type Ctx, type State } from "../request/context.js";
import type { Caller } from "../shared/caller.js";
import { notFound } from "../shared/errors.js";
import { parse } from "../shared/validate.js";
import type { UsersService } from "../users/users.service.js";
import { moderationHandlers } from "./moderation.routes.js";
import { reasonBody } from "./moderation.schema.js";
import type { ModerationService } from "./moderation.service.js";

export interface ServerModerationRoutesDeps {
  moderation: ModerationService;
  users: Pick<UsersService, "findBySub">;
}

const param = (ctx: Ctx, name: string): string => String((ctx.params as Record<string, string | undefined>)[name] ?? "");

/**
 * The host's backend: `/v1/server/moderators/:sub` (who moderates the app) and
 * `/v1/server/moderation/…` (the moderators' commands, see moderation.routes.ts), users named
 * by `sub` (404 for a sub of no user of the app).
 */
export function serverModerationRoutes({ moderation, users }: ServerModerationRoutesDeps): Route[] {
  const routes: Route[] = [];
  const bySub = async (ctx: Ctx, caller: Caller, name = "user"): Promise<string> => {
    const user = await users.findBySub(caller.appId, param(ctx, name));
    if (!user) throw notFound("User");
    return user.id;
  };

  routes.push({
    method: "get",
    path: "/v1/server/moderators",
    operationId: "listModerators",
    tag: "moderation",
    summary: "The app's moderators",
    auth: "server",
    ok: { 200: json("ModeratorsResponse", "The moderators") },
    handle: async (ctx) => {
      ctx.body = { moderators: await moderation.listModerators(serverCallerOf(ctx)) } satisfies ModeratorsResponse;
    },
  });
  const setModerator =
    (on: boolean): Middleware<State> =>
    async (ctx) => {
      const c = ctx as unknown as Ctx;
      const body = parse(reasonBody, c.request.body ?? {});
      const caller = serverCallerOf(c);
      await moderation.setModerator(caller, { userId: await bySub(c, caller, "sub"), moderator: on, ...body });
      ctx.status = 204;
    };
  routes.push({
    method: "put",
    path: "/v1/server/moderators/:sub",
    operationId: "addModerator",
    tag: "moderation",
    summary: "Make a user (by sub) a moderator of the app",
    auth: "server",
    params: { sub: ref },
    ok: { 204: empty("Done") },
    errors: [404, 413, 415],
    handle: setModerator(true),
  });
  routes.push({
    method: "delete",
    path: "/v1/server/moderators/:sub",
    operationId: "removeModerator",
    tag: "moderation",
    summary: "A user (by sub) is no longer a moderator",
    auth: "server",
    params: { sub: ref },
    ok: { 204: empty("Done") },
    errors: [404, 413, 415],
    handle: setModerator(false),
  });

  const h = moderationHandlers(moderation, serverCallerOf, (ctx, caller) => bySub(ctx, caller));
  routes.push({
    method: "get",
    path: "/v1/server/moderation/audit",
    operationId: "serverModerationAudit",
    tag: "moderation",
    summary: "The moderation audit log, newest first: who did what to whom, when and why",
    auth: "server",
    query: auditQuery,
    ok: { 200: json("PageOfAuditEntry", "A page of audit entries") },
    handle: h.audit,
  });
  routes.push({
    method: "get",
    path: "/v1/server/moderation/reports",
    operationId: "serverListReports",
    tag: "moderation",
    summary: "The report queue, newest first (?status=open by default)",
    auth: "server",
    query: reportsQuery,
    ok: { 200: json("PageOfReport", "A page of reports") },
    handle: h.reports,
  });
  routes.push({
    method: "post",
    path: "/v1/server/moderation/reports/:id/resolve",
    operationId: "serverResolveReport",
    tag: "moderation",
    summary: "Resolve or dismiss an open report (409 once it is not open)",
    auth: "server",
    params: { id: ref },
    body: { name: "ResolveReportRequest", schema: resolveReportBody },
    ok: { 200: json("ReportResponse", "The report, resolved") },
    errors: [404, 409],
    handle: h.resolve,
  });
  routes.push({
    method: "put",
    path: "/v1/server/moderation/conversations/:id/mutes/:user",
    operationId: "serverMuteMember",
    tag: "moderation",
    summary: "Mute a member of a conversation until a time (their sends and edits answer muted)",
    auth: "server",
    params: { id: ref, user: ref },
    body: { name: "MuteRequest", schema: muteBody },
    ok: { 200: json("SanctionResponse", "The mute") },
    errors: [404],
    handle: h.mute,
  });
  routes.push({
    method: "delete",
    path: "/v1/server/moderation/conversations/:id/mutes/:user",
    operationId: "serverUnmuteMember",
    tag: "moderation",
    summary: "Lift a mute",
    auth: "server",
    params: { id: ref, user: ref },
    ok: { 204: empty("Lifted") },
    errors: [404, 413, 415],
    handle: h.unmute,
  });
  routes.push({
    method: "put",
    path: "/v1/server/moderation/conversations/:id/bans/:user",
    operationId: "serverBanFromConversation",
    tag: "moderation",
    summary: "Ban a user from a group: removed now, cannot join or be added again",
    auth: "server",
    params: { id: ref, user: ref },
    body: { name: "ModerationReasonRequest", schema: reasonBody },
    ok: { 200: json("SanctionResponse", "The ban") },
    errors: [404],
    handle: h.ban,
  });
  routes.push({
    method: "delete",
    path: "/v1/server/moderation/conversations/:id/bans/:user",
    operationId: "serverUnbanFromConversation",
    tag: "moderation",
    summary: "Lift a conversation ban",
    auth: "server",
    params: { id: ref, user: ref },
    ok: { 204: empty("Lifted") },
    errors: [404, 413, 415],
    handle: h.unban,
  });
  routes.push({
    method: "put",
    path: "/v1/server/moderation/bans/:user",
    operationId: "serverBanFromApp",
    tag: "moderation",
    summary: "Ban a user from the whole app: every session ends, sockets close, sign-in is refused",
    auth: "server",
    params: { user: ref },
    body: { name: "ModerationReasonRequest", schema: reasonBody },
    ok: { 200: json("SanctionResponse", "The ban") },
    errors: [404],
    handle: h.banApp,
  });
  routes.push({
    method: "delete",
    path: "/v1/server/moderation/bans/:user",
    operationId: "serverUnbanFromApp",
    tag: "moderation",
    summary: "Lift an app ban",
    auth: "server",
    params: { user: ref },
    ok: { 204: empty("Lifted") },
    errors: [404, 413, 415],
    handle: h.unbanApp,
  });
  routes.push({
    method: "put",
    path: "/v1/server/moderation/conversations/:id/slow-mode",
    operationId: "serverSetSlowMode",
    tag: "moderation",
    summary: "Slow mode: one message per N seconds per member (0 turns it off)",
    auth: "server",
    params: { id: ref },
    body: { name: "SlowModeRequest", schema: slowModeBody },
    ok: { 200: json("SlowModeResponse", "Saved") },
    errors: [404],
    handle: h.slowMode,
  });
  routes.push({
    method: "get",
    path: "/v1/server/moderation/word-filter",
    operationId: "serverGetWordFilter",
    tag: "moderation",
    summary: "The app's word filter",
    auth: "server",
    ok: { 200: json("WordFilter", "The words") },
    handle: h.wordFilter,
  });
  routes.push({
    method: "put",
    path: "/v1/server/moderation/word-filter",
    operationId: "serverSetWordFilter",
    tag: "moderation",
    summary: "Replace the app's word filter (literal words, block or mask)",
    auth: "server",
    body: { name: "WordFilterRequest", schema: wordFilterBody },
    ok: { 200: json("WordFilter", "Saved") },
    handle: h.setWordFilter,
  });
  routes.push({
    method: "delete",
    path: "/v1/server/moderation/messages/:id",
    operationId: "serverModeratorDeleteMessage",
    tag: "moderation",
    summary: "Delete any message of the app (a tombstone stays)",
    auth: "server",
    params: { id: ref },
    ok: { 204: empty("Deleted") },
    errors: [404, 413, 415],
    handle: h.deleteMessage,
  });
  return routes;
}
