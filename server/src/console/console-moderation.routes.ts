import type {
  ConsoleReportDetail,
  ConsoleSanctionResponse,
  ConsoleSanctionsResponse,
  ModeratorsResponse,
  Page,
  Report,
  ReportResponse,
  SlowModeResponse,
  WordFilter,
} from "@parley/sdk/protocol";
import { reportsQuery } from "../moderation/moderation.schema.js";
import { consoleCallerOf, pathParam, type Ctx } from "../request/context.js";
import { empty, json, type Route } from "../request/route.js";
import { ref } from "../shared/schema.js";
import { parse } from "../shared/validate.js";
import type { ConsoleModeration } from "./console-moderation.service.js";
import { wordFilterBody } from "../moderation/moderation.schema.js";
import {
  appIdParam,
  banUserBody,
  deleteMessageBody,
  liftBody,
  moderatorBody,
  muteUserBody,
  resolveBody,
  sanctionsQuery,
  slowModeConsoleBody,
  wordFilterTestBody,
} from "./console.schema.js";

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
  // The app's rules: the word filter (with its test box), slow mode, the chat's moderators.
  routes.push({
    method: "get",
    path: "/v1/console/apps/:appId/moderation/word-filter",
    operationId: "getConsoleWordFilter",
    tag: "console",
    summary: "The app's word filter: its words (block or mask) and whether names pass it",
    auth: "console",
    params: appParam,
    ok: { 200: json("WordFilter", "The word filter") },
    errors: [404],
    handle: async (ctx) => {
      ctx.body = (await moderation.wordFilter(consoleCallerOf(ctx), pathParam(ctx, "appId"))) satisfies WordFilter;
    },
  });

  routes.push({
    method: "put",
    path: "/v1/console/apps/:appId/moderation/word-filter",
    operationId: "setConsoleWordFilter",
    tag: "console",
    summary: "Replace the app's word list (and whether names pass it)",
    auth: "console",
    params: appParam,
    body: { name: "WordFilterRequest", schema: wordFilterBody },
    ok: { 200: json("WordFilter", "The word filter saved") },
    errors: [404],
    handle: async (ctx) => {
      const input = parse(wordFilterBody, ctx.request.body);
      ctx.body = (await moderation.setWordFilter(consoleCallerOf(ctx), pathParam(ctx, "appId"), input)) satisfies WordFilter;
    },
  });

  routes.push({
    method: "post",
    path: "/v1/console/apps/:appId/moderation/word-filter/test",
    operationId: "testConsoleWordFilter",
    tag: "console",
    summary: "What a word list (as edited, not saved) makes of a text: the blocked words, or the text with masked words as asterisks",
    auth: "console",
    params: appParam,
    body: { name: "ConsoleWordFilterTestRequest", schema: wordFilterTestBody },
    ok: { 200: json("ConsoleWordFilterTestResponse", "The blocked words and the text as it would be stored") },
    errors: [404],
    handle: async (ctx) => {
      const input = parse(wordFilterTestBody, ctx.request.body);
      ctx.body = await moderation.testWordFilter(consoleCallerOf(ctx), pathParam(ctx, "appId"), input);
    },
  });

  routes.push({
    method: "put",
    path: "/v1/console/apps/:appId/moderation/conversations/:conversationId/slow-mode",
    operationId: "setConsoleSlowMode",
    tag: "console",
    summary: "Slow mode of a conversation: seconds between a member's messages (0 turns it off)",
    auth: "console",
    params: { appId: appIdParam, conversationId: ref },
    body: { name: "ConsoleSlowModeRequest", schema: slowModeConsoleBody },
    ok: { 200: json("SlowModeResponse", "The conversation's slow mode") },
    errors: [404],
    handle: async (ctx) => {
      const input = parse(slowModeConsoleBody, ctx.request.body);
      ctx.body = (await moderation.setSlowMode(
        consoleCallerOf(ctx),
        pathParam(ctx, "appId"),
        pathParam(ctx, "conversationId"),
        input,
      )) satisfies SlowModeResponse;
    },
  });

  routes.push({
    method: "get",
    path: "/v1/console/apps/:appId/moderation/moderators",
    operationId: "listConsoleChatModerators",
    tag: "console",
    summary: "The app's moderators among its chat users (they moderate from the widget)",
    auth: "console",
    params: appParam,
    ok: { 200: json("ModeratorsResponse", "The moderators") },
    errors: [404],
    handle: async (ctx) => {
      ctx.body = (await moderation.moderators(consoleCallerOf(ctx), pathParam(ctx, "appId"))) satisfies ModeratorsResponse;
    },
  });

  routes.push({
    method: "put",
    path: "/v1/console/apps/:appId/moderation/moderators/:userId",
    operationId: "setConsoleChatModerator",
    tag: "console",
    summary: "Make a chat user a moderator of the app, or not (admins, owners, operators)",
    auth: "console",
    params: userParams,
    body: { name: "ConsoleModeratorRequest", schema: moderatorBody },
    ok: { 204: empty("Set") },
    errors: [404],
    handle: async (ctx) => {
      const { moderator } = parse(moderatorBody, ctx.request.body);
      await moderation.setModerator(consoleCallerOf(ctx), pathParam(ctx, "appId"), pathParam(ctx, "userId"), moderator);
      ctx.status = 204;
    },
  });

  return routes;
}
