import type { RateLimiterAbstract } from "rate-limiter-flexible";
import type { ConsoleInviteInfo, ConsoleInviteResponse, ConsoleMember, ConsoleMembersResponse, ConsoleSessionResponse } from "@parley/sdk/protocol";
import { perAddress } from "../http/middleware.js";
import { consoleCallerOf, pathParam } from "../request/context.js";
import { empty, json, type Route } from "../request/route.js";
import { parse } from "../shared/validate.js";
import type { ConsoleMembers } from "./console-members.service.js";
import { selfOrigin } from "./console.guard.js";
import { appIdParam, inviteBody, inviteTokenParam, memberRoleBody } from "./console.schema.js";
import type { ConsoleService } from "./console.service.js";

export interface ConsoleMembersRoutesDeps {
  members: ConsoleMembers;
  console: Pick<ConsoleService, "acceptInvite">;
  limiters: { authPerIp: RateLimiterAbstract };
}

/**
 * `/v1/console/invites…` and `/v1/console/apps/:appId/members…`: invitations (a link to sign up
 * with, or to accept signed in) and the roles of an app's console accounts, managed by its owners
 * and operators (console-members.service.ts). No role on the app: 404; a role short of owner: 403.
 */
export function consoleMembersRoutes({ members, console, limiters }: ConsoleMembersRoutesDeps): Route[] {
  // Paths written out in full, as in console.routes.ts.
  const routes: Route[] = [];
  const member = { appId: appIdParam, accountId: appIdParam };

  routes.push({
    method: "get",
    path: "/v1/console/invites/:token",
    operationId: "getConsoleInvite",
    tag: "console",
    summary: "What a sign-up link is for: its e-mail, role and app, and whether that e-mail has an account to accept it with (404 once used or expired)",
    auth: "none",
    params: { token: inviteTokenParam },
    ok: { 200: json("ConsoleInviteInfo", "The invitation") },
    errors: [404, 429],
    before: [perAddress(limiters.authPerIp)],
    handle: async (ctx) => {
      ctx.body = (await members.inviteInfo(pathParam(ctx, "token"))) satisfies ConsoleInviteInfo;
    },
  });

  routes.push({
    method: "post",
    path: "/v1/console/invites",
    operationId: "createConsoleInvite",
    tag: "console",
    summary: "A one-time link for a week: operators invite anyone as anything, owners invite to roles on their app",
    auth: "console",
    body: { name: "ConsoleInviteRequest", schema: inviteBody },
    ok: { 201: json("ConsoleInviteResponse", "The link, to hand over") },
    errors: [404],
    handle: async (ctx) => {
      ctx.status = 201;
      ctx.body = (await members.invite(consoleCallerOf(ctx), parse(inviteBody, ctx.request.body), selfOrigin(ctx))) satisfies ConsoleInviteResponse;
    },
  });

  routes.push({
    method: "post",
    path: "/v1/console/invites/:token/accept",
    operationId: "acceptConsoleInvite",
    tag: "console",
    summary: "Take up an invitation to the signed-in account's own e-mail (its role replaces any other it had on the app); the session, with it",
    auth: "console",
    params: { token: inviteTokenParam },
    ok: { 200: json("ConsoleSessionResponse", "Accepted") },
    errors: [404, 409],
    handle: async (ctx) => {
      ctx.body = (await console.acceptInvite(consoleCallerOf(ctx), pathParam(ctx, "token"))) satisfies ConsoleSessionResponse;
    },
  });

  routes.push({
    method: "get",
    path: "/v1/console/apps/:appId/members",
    operationId: "listConsoleMembers",
    tag: "console",
    summary: "The app's console accounts with their roles, and its invitations not yet used (owners)",
    auth: "console",
    params: { appId: appIdParam },
    ok: { 200: json("ConsoleMembersResponse", "The members") },
    errors: [404],
    handle: async (ctx) => {
      ctx.body = (await members.list(consoleCallerOf(ctx), pathParam(ctx, "appId"))) satisfies ConsoleMembersResponse;
    },
  });

  routes.push({
    method: "put",
    path: "/v1/console/apps/:appId/members/:accountId",
    operationId: "setConsoleMemberRole",
    tag: "console",
    summary: "Another role on the app for one of its members; the last owner stays owner (409) (owners)",
    auth: "console",
    params: member,
    body: { name: "ConsoleSetRoleRequest", schema: memberRoleBody },
    ok: { 200: json("ConsoleMember", "Changed") },
    errors: [404, 409],
    handle: async (ctx) => {
      const { role } = parse(memberRoleBody, ctx.request.body);
      const target = { appId: pathParam(ctx, "appId"), accountId: pathParam(ctx, "accountId"), role };
      ctx.body = (await members.setRole(consoleCallerOf(ctx), target)) satisfies ConsoleMember;
    },
  });

  routes.push({
    method: "delete",
    path: "/v1/console/apps/:appId/members/:accountId",
    operationId: "removeConsoleMember",
    tag: "console",
    summary: "Take a console account's role on the app away; the last owner stays (409) (owners)",
    auth: "console",
    params: member,
    ok: { 204: empty("Removed") },
    errors: [404, 409],
    handle: async (ctx) => {
      await members.remove(consoleCallerOf(ctx), pathParam(ctx, "appId"), pathParam(ctx, "accountId"));
      ctx.status = 204;
    },
  });

  routes.push({
    method: "delete",
    path: "/v1/console/apps/:appId/invites/:inviteId",
    operationId: "revokeConsoleInvite",
    tag: "console",
    summary: "Withdraw an invitation to the app not used yet: its link stops working (owners)",
    auth: "console",
    params: { appId: appIdParam, inviteId: appIdParam },
    ok: { 204: empty("Withdrawn") },
    errors: [404],
    handle: async (ctx) => {
      await members.revokeInvite(consoleCallerOf(ctx), pathParam(ctx, "appId"), pathParam(ctx, "inviteId"));
      ctx.status = 204;
    },
  });

  return routes;
}
