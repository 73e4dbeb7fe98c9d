import type { ConsoleAccountSummary, ConsoleAccountsResponse } from "@parley/sdk/protocol";
import { consoleCallerOf, pathParam } from "../request/context.js";
import { empty, json, type Route } from "../request/route.js";
import { parse } from "../shared/validate.js";
import { confirmBody } from "./console-apps.schema.js";
import type { ConsoleAccounts } from "./console-accounts.service.js";
import { accountsQuery, appIdParam, operatorBody } from "./console.schema.js";

export interface ConsoleAccountsRoutesDeps {
  accounts: ConsoleAccounts;
}

/**
 * `/v1/console/accounts…`: every console account, for operators (console-accounts.service.ts):
 * listed, made operator or not, deleted. Anyone else: 403.
 */
export function consoleAccountsRoutes({ accounts }: ConsoleAccountsRoutesDeps): Route[] {
  // Paths written out in full, as in console.routes.ts.
  const routes: Route[] = [];
  const account = { accountId: appIdParam };

  routes.push({
    method: "get",
    path: "/v1/console/accounts",
    operationId: "listConsoleAccounts",
    tag: "console",
    summary: "Every console account by e-mail (those starting with q), with its roles on apps, keyset-paged (operators)",
    auth: "console",
    query: accountsQuery,
    ok: { 200: json("ConsoleAccountsResponse", "A page of accounts") },
    errors: [],
    handle: async (ctx) => {
      ctx.body = (await accounts.list(consoleCallerOf(ctx), parse(accountsQuery, ctx.query))) satisfies ConsoleAccountsResponse;
    },
  });

  routes.push({
    method: "put",
    path: "/v1/console/accounts/:accountId/operator",
    operationId: "setConsoleOperator",
    tag: "console",
    summary: "Make a console account an operator, or an operator no more; the server keeps one (409 last_operator) (operators)",
    auth: "console",
    params: account,
    body: { name: "ConsoleSetOperatorRequest", schema: operatorBody },
    ok: { 200: json("ConsoleAccountSummary", "Changed") },
    errors: [404, 409],
    handle: async (ctx) => {
      const { operator } = parse(operatorBody, ctx.request.body);
      ctx.body = (await accounts.setOperator(consoleCallerOf(ctx), pathParam(ctx, "accountId"), operator)) satisfies ConsoleAccountSummary;
    },
  });

  routes.push({
    method: "delete",
    path: "/v1/console/accounts/:accountId",
    operationId: "deleteConsoleAccount",
    tag: "console",
    summary:
      "Delete another console account, `confirm` its e-mail: its roles, its pending invitations and its sessions go; not the last operator nor an app's last owner (409) (operators)",
    auth: "console",
    params: account,
    body: { name: "ConsoleDeleteAccountRequest", schema: confirmBody },
    ok: { 204: empty("Deleted") },
    errors: [404, 409],
    handle: async (ctx) => {
      const { confirm } = parse(confirmBody, ctx.request.body);
      await accounts.remove(consoleCallerOf(ctx), pathParam(ctx, "accountId"), confirm);
      ctx.status = 204;
    },
  });

  return routes;
}
