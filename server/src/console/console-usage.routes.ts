import type { ConsoleAuditPage, ConsoleHealthResponse, ConsoleUsageResponse } from "@parley/sdk/protocol";
import { consoleCallerOf, pathParam } from "../request/context.js";
import { json, type Route } from "../request/route.js";
import { parse } from "../shared/validate.js";
import { appAuditQuery, auditQuery, usageQuery } from "./console-usage.schema.js";
import type { ConsoleUsage } from "./console-usage.service.js";
import { appIdParam } from "./console.schema.js";

/**
 * `/v1/console/…/usage`, `/v1/console/health`, `/v1/console/…/audit` (issue 32): an app's usage
 * and audit log (viewers, admins, owners), every app's and the server's health (operators).
 */
export function consoleUsageRoutes({ usage }: { usage: ConsoleUsage }): Route[] {
  // Paths written out in full, as in console.routes.ts.
  const routes: Route[] = [];
  const appParam = { appId: appIdParam };

  routes.push({
    method: "get",
    path: "/v1/console/apps/:appId/usage",
    operationId: "getConsoleAppUsage",
    tag: "console",
    summary: "An app's use per UTC day over the last 7, 30 or 90 days (messages, active users, peak sockets, webhooks, searches) and its monthly active users",
    auth: "console",
    params: appParam,
    query: usageQuery,
    ok: { 200: json("ConsoleUsageResponse", "Every day of the window, oldest first") },
    errors: [404],
    replica: {},
    handle: async (ctx) => {
      const { days } = parse(usageQuery, ctx.query);
      ctx.body = (await usage.appUsage(consoleCallerOf(ctx), pathParam(ctx, "appId"), days)) satisfies ConsoleUsageResponse;
    },
  });

  routes.push({
    method: "get",
    path: "/v1/console/usage",
    operationId: "getConsoleUsage",
    tag: "console",
    summary: "Every app's use together, per UTC day over the last 7, 30 or 90 days (operators)",
    auth: "console",
    query: usageQuery,
    ok: { 200: json("ConsoleUsageResponse", "Every day of the window, oldest first") },
    replica: {},
    handle: async (ctx) => {
      const { days } = parse(usageQuery, ctx.query);
      ctx.body = (await usage.allUsage(consoleCallerOf(ctx), days)) satisfies ConsoleUsageResponse;
    },
  });

  routes.push({
    method: "get",
    path: "/v1/console/health",
    operationId: "getConsoleHealth",
    tag: "console",
    summary: "Readiness, database and Redis, pending migrations, the webhook backlog and the nodes seen lately (operators)",
    auth: "console",
    ok: { 200: json("ConsoleHealthResponse", "The server's health, as the node that answers sees it") },
    handle: async (ctx) => {
      ctx.set("Cache-Control", "no-store");
      ctx.body = (await usage.health(consoleCallerOf(ctx))) satisfies ConsoleHealthResponse;
    },
  });

  routes.push({
    method: "get",
    path: "/v1/console/apps/:appId/audit",
    operationId: "listConsoleAppAudit",
    tag: "console",
    summary: "The console audit log of an app, newest first, filtered by action, account (e-mail or id) and time",
    auth: "console",
    params: appParam,
    query: appAuditQuery,
    ok: { 200: json("PageOfConsoleAuditEntry", "A page of audit entries") },
    errors: [404],
    handle: async (ctx) => {
      const q = parse(appAuditQuery, ctx.query);
      ctx.body = (await usage.appAudit(consoleCallerOf(ctx), pathParam(ctx, "appId"), q)) satisfies ConsoleAuditPage;
    },
  });

  routes.push({
    method: "get",
    path: "/v1/console/audit",
    operationId: "listConsoleAudit",
    tag: "console",
    summary: "The console audit log of every app and account, newest first, filtered by action, account, app and time (operators)",
    auth: "console",
    query: auditQuery,
    ok: { 200: json("PageOfConsoleAuditEntry", "A page of audit entries") },
    handle: async (ctx) => {
      const q = parse(auditQuery, ctx.query);
      ctx.body = (await usage.allAudit(consoleCallerOf(ctx), q)) satisfies ConsoleAuditPage;
    },
  });

  return routes;
}
