import type { ConsoleUserDetail, ConsoleUsersResponse, DataExport } from "@parley/sdk/protocol";
import { consoleCallerOf, pathParam } from "../request/context.js";
import { empty, json, type Route } from "../request/route.js";
import { ref } from "../shared/schema.js";
import { parse } from "../shared/validate.js";
import { confirmBody, usersQuery } from "./console-apps.schema.js";
import type { ConsoleUsers } from "./console-users.service.js";
import { appIdParam } from "./console.schema.js";

export interface ConsoleUsersRoutesDeps {
  users: ConsoleUsers;
}

/**
 * `/v1/console/apps/:appId/users…`: moderators, admins, owners and operators find users and read
 * a profile; admins, owners and operators export and delete an account (console-users.service.ts).
 * No role on the app: 404; a role short of it: 403. Users are named by their Parley id.
 */
export function consoleUsersRoutes({ users }: ConsoleUsersRoutesDeps): Route[] {
  // Paths written out in full, as in console.routes.ts.
  const routes: Route[] = [];
  const appParam = { appId: appIdParam };
  const userParams = { appId: appIdParam, userId: ref };

  routes.push({
    method: "get",
    path: "/v1/console/apps/:appId/users",
    operationId: "listConsoleUsers",
    tag: "console",
    summary:
      "Find the app's users: an exact id, sub or e-mail first, then names (or e-mails, with an @) starting with q, keyset-paged (moderators, admins, owners)",
    auth: "console",
    params: appParam,
    query: usersQuery,
    ok: { 200: json("ConsoleUsersResponse", "A page of users") },
    errors: [404],
    handle: async (ctx) => {
      const q = parse(usersQuery, ctx.query);
      ctx.body = (await users.find(consoleCallerOf(ctx), pathParam(ctx, "appId"), q)) satisfies ConsoleUsersResponse;
    },
  });

  routes.push({
    method: "get",
    path: "/v1/console/apps/:appId/users/:userId",
    operationId: "getConsoleUser",
    tag: "console",
    summary: "One user: profile, counts (messages, conversations, open reports) and ban state (moderators, admins, owners)",
    auth: "console",
    params: userParams,
    ok: { 200: json("ConsoleUserDetail", "The user") },
    errors: [404],
    handle: async (ctx) => {
      ctx.body = (await users.detail(consoleCallerOf(ctx), pathParam(ctx, "appId"), pathParam(ctx, "userId"))) satisfies ConsoleUserDetail;
    },
  });

  routes.push({
    method: "get",
    path: "/v1/console/apps/:appId/users/:userId/export",
    operationId: "exportConsoleUser",
    tag: "console",
    summary: "Everything of a user's, as their own export, downloaded as a JSON file (Content-Disposition: attachment; admins, owners)",
    auth: "console",
    params: userParams,
    ok: { 200: json("DataExport", "The export") },
    errors: [404],
    handle: async (ctx) => {
      const { data, filename } = await users.export(consoleCallerOf(ctx), pathParam(ctx, "appId"), pathParam(ctx, "userId"));
      ctx.set("Cache-Control", "no-store");
      ctx.attachment(filename);
      ctx.body = data satisfies DataExport;
    },
  });

  routes.push({
    method: "delete",
    path: "/v1/console/apps/:appId/users/:userId",
    operationId: "deleteConsoleUser",
    tag: "console",
    summary: "Delete a user's account as their own deletion does; `confirm` is their sub or id (admins, owners)",
    auth: "console",
    params: userParams,
    body: { name: "ConsoleDeleteUserRequest", schema: confirmBody },
    ok: { 204: empty("Deleted") },
    errors: [400, 404, 413, 415],
    handle: async (ctx) => {
      const { confirm } = parse(confirmBody, ctx.request.body ?? {});
      await users.erase(consoleCallerOf(ctx), pathParam(ctx, "appId"), pathParam(ctx, "userId"), confirm);
      ctx.status = 204;
    },
  });

  return routes;
}
