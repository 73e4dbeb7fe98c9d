import type { ConsoleReportDetail, ConsoleSanctionResponse, ConsoleSanctionsResponse, Page, Report, ReportResponse } from "@parley/sdk/protocol";
import { reportsQuery } from "../moderation/moderation.schema.js";
import { consoleCallerOf, pathParam, type Ctx } from "../request/context.js";
import { empty, json, type Route } from "../request/route.js";
import { ref } from "../shared/schema.js";
import { parse } from "../shared/validate.js";
import type { ConsoleModeration } from "./console-moderation.service.js";
import { appIdParam, banUserBody, deleteMessageBody, liftBody, muteUserBody, resolveBody, sanctionsQuery } from "./console.schema.js";

/**
 * `/v1/console/apps/:appId/moderation/…` (moderators, admins, owners): the server API's queue,
 * answers and reasons (moderation.schema.ts), users by their Parley id; actions may name the
 * report they settle.
 */
export function consoleModerationRoutes({ moderation }: { moderation: ConsoleModeration }): Route[] {
  // Paths written out in full, as in console.routes.ts.
  const routes: Route[] = [];
  const appParam = { appId: appIdParam };
  const reportParams = { appId: appIdParam, reportId: ref };
  const userParams = { appId: appIdParam, userId: ref };
  /** A body that may be absent (DELETE with no reason). */
  const optionalBody = (ctx: Ctx): unknown => ctx.request.body ?? {};

  routes.push({
    method: "get",
    path: "/v1/console/apps/:appId/moderation/reports",
    operationId: "listConsoleReports",
    tag: "console",
    summary: "The report queue, newest first (?status=open by default; moderators, admins, owners)",
    auth: "console",
    params: appParam,
    query: reportsQuery,
    ok: { 200: json("PageOfReport", "A page of reports") },
    errors: [404],
    handle: async (ctx) => {
      const q = parse(reportsQuery, ctx.query);
      ctx.body = (await moderation.reports(consoleCallerOf(ctx), pathParam(ctx, "appId"), q)) satisfies Page<Report>;
    },
  });

  routes.push({
    method: "get",
    path: "/v1/console/apps/:appId/moderation/reports/:reportId",
    operationId: "getConsoleReport",
    tag: "console",
    summary: "One report, its message as it is now and the five messages before and after it in its conversation",
    auth: "console",
    params: reportParams,
    ok: { 200: json("ConsoleReportDetail", "The report in context") },
    errors: [404],
    handle: async (ctx) => {
      ctx.body = (await moderation.report(consoleCallerOf(ctx), pathParam(ctx, "appId"), pathParam(ctx, "reportId"))) satisfies ConsoleReportDetail;
    },
  });

  for (const [action, status, path] of [
    ["resolve", "resolved", "/v1/console/apps/:appId/moderation/reports/:reportId/resolve"],
    ["dismiss", "dismissed", "/v1/console/apps/:appId/moderation/reports/:reportId/dismiss"],
  ] as const) {
    routes.push({
      method: "post",
      path,
      operationId: action === "resolve" ? "resolveConsoleReport" : "dismissConsoleReport",
      tag: "console",
      summary: `${action === "resolve" ? "Resolve" : "Dismiss"} an open report, with an optional note (409 once it is not open)`,
      auth: "console",
      params: reportParams,
      body: { name: "ConsoleResolveReportRequest", schema: resolveBody },
      ok: { 200: json("ReportResponse", `The report, ${status}`) },
      errors: [404, 409],
      handle: async (ctx) => {
        const { note } = parse(resolveBody, optionalBody(ctx));
        const report = await moderation.resolveReport(consoleCallerOf(ctx), pathParam(ctx, "appId"), pathParam(ctx, "reportId"), status, note);
        ctx.body = { report } satisfies ReportResponse;
      },
    });
  }

  routes.push({
    method: "delete",
    path: "/v1/console/apps/:appId/moderation/messages/:messageId",
    operationId: "deleteConsoleMessage",
    tag: "console",
    summary: "Delete a message of the app (a tombstone stays); a reportId of it is resolved with it",
    auth: "console",
    params: { appId: appIdParam, messageId: ref },
    body: { name: "ConsoleDeleteMessageRequest", schema: deleteMessageBody },
    ok: { 204: empty("Deleted") },
    errors: [400, 404, 409, 413, 415],
    handle: async (ctx) => {
      const input = parse(deleteMessageBody, optionalBody(ctx));
      await moderation.deleteMessage(consoleCallerOf(ctx), pathParam(ctx, "appId"), pathParam(ctx, "messageId"), input);
      ctx.status = 204;
    },
  });

  routes.push({
    method: "post",
    path: "/v1/console/apps/:appId/moderation/users/:userId/mute",
    operationId: "muteConsoleUser",
    tag: "console",
    summary: "Mute a member of a conversation for 10, 60 or 1440 minutes; a reportId of them is resolved with it",
    auth: "console",
    params: userParams,
    body: { name: "ConsoleMuteRequest", schema: muteUserBody },
    ok: { 200: json("ConsoleSanctionResponse", "The mute, and the report it resolved") },
    errors: [404, 409],
    handle: async (ctx) => {
      const input = parse(muteUserBody, ctx.request.body);
      ctx.body = (await moderation.mute(consoleCallerOf(ctx), pathParam(ctx, "appId"), pathParam(ctx, "userId"), input)) satisfies ConsoleSanctionResponse;
    },
  });

  routes.push({
    method: "post",
    path: "/v1/console/apps/:appId/moderation/users/:userId/ban",
    operationId: "banConsoleUser",
    tag: "console",
    summary: "Ban a user from the app (every session ends) or from a group, with a reason; a reportId of them is resolved with it",
    auth: "console",
    params: userParams,
    body: { name: "ConsoleBanRequest", schema: banUserBody },
    ok: { 200: json("ConsoleSanctionResponse", "The ban, and the report it resolved") },
    errors: [404, 409],
    handle: async (ctx) => {
      const input = parse(banUserBody, ctx.request.body);
      ctx.body = (await moderation.ban(consoleCallerOf(ctx), pathParam(ctx, "appId"), pathParam(ctx, "userId"), input)) satisfies ConsoleSanctionResponse;
    },
  });

  for (const [kind, list, one] of [
    ["ban", "/v1/console/apps/:appId/moderation/bans", "/v1/console/apps/:appId/moderation/bans/:banId"],
    ["mute", "/v1/console/apps/:appId/moderation/mutes", "/v1/console/apps/:appId/moderation/mutes/:muteId"],
  ] as const) {
    const plural = `${kind}s` as const;
    const Kind = kind === "ban" ? "Ban" : "Mute";
    routes.push({
      method: "get",
      path: list,
      operationId: `listConsole${Kind}s`,
      tag: "console",
      summary: kind === "ban" ? "The app's bans (app and group), newest first" : "The app's running mutes, newest first",
      auth: "console",
      params: appParam,
      query: sanctionsQuery,
      ok: { 200: json("ConsoleSanctionsResponse", `A page of ${plural}`) },
      errors: [404],
      handle: async (ctx) => {
        const q = parse(sanctionsQuery, ctx.query);
        ctx.body = (await moderation.sanctions(consoleCallerOf(ctx), pathParam(ctx, "appId"), kind, q)) satisfies ConsoleSanctionsResponse;
      },
    });
    routes.push({
      method: "delete",
      path: one,
      operationId: `liftConsole${Kind}`,
      tag: "console",
      summary: `Lift a ${kind} by its id (body optional: a reason)`,
      auth: "console",
      params: { appId: appIdParam, [`${kind}Id`]: ref },
      body: { name: "ConsoleLiftRequest", schema: liftBody },
      ok: { 204: empty("Lifted") },
      errors: [400, 404, 413, 415],
      handle: async (ctx) => {
        const { reason } = parse(liftBody, optionalBody(ctx));
        await moderation.lift(consoleCallerOf(ctx), pathParam(ctx, "appId"), kind, pathParam(ctx, `${kind}Id`), reason);
        ctx.status = 204;
      },
    });
  }
  return routes;
}
