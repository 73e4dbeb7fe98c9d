import type { ConsoleApp, ConsoleAppSettings, ConsoleRotateSecretResponse } from "@parley/sdk/protocol";
import { consoleCallerOf, pathParam } from "../request/context.js";
import { empty, json, type Route } from "../request/route.js";
import { parse } from "../shared/validate.js";
import { confirmBody, rotateSecretBody, updateSettingsBody } from "./console-apps.schema.js";
import type { ConsoleApps } from "./console-apps.service.js";
import { appIdParam } from "./console.schema.js";

export interface ConsoleAppsRoutesDeps {
  apps: ConsoleApps;
}

/**
 * `/v1/console/apps/:appId/settings`, `…/disable`, `…/enable`, `…/secret` and `DELETE
 * /v1/console/apps/:appId`: an app's settings and lifecycle (console-apps.service.ts says who may
 * do what). No role on the app: 404 for every one of them; a role short of it: 403.
 */
export function consoleAppsRoutes({ apps }: ConsoleAppsRoutesDeps): Route[] {
  // Paths written out in full, as in console.routes.ts.
  const routes: Route[] = [];
  const appParam = { appId: appIdParam };

  routes.push({
    method: "get",
    path: "/v1/console/apps/:appId/settings",
    operationId: "getConsoleAppSettings",
    tag: "console",
    summary:
      "The app's settings: name, allowed origins, group policy and size, e-mail search, name filtering, the old secret's grace (viewers, admins, owners)",
    auth: "console",
    params: appParam,
    ok: { 200: json("ConsoleAppSettings", "The settings") },
    errors: [404],
    handle: async (ctx) => {
      ctx.body = (await apps.settings(consoleCallerOf(ctx), pathParam(ctx, "appId"))) satisfies ConsoleAppSettings;
    },
  });

  routes.push({
    method: "put",
    path: "/v1/console/apps/:appId/settings",
    operationId: "updateConsoleAppSettings",
    tag: "console",
    summary: "Change any of the app's settings; a field left out stays as it is (admins, owners)",
    auth: "console",
    params: appParam,
    body: { name: "ConsoleUpdateAppSettingsRequest", schema: updateSettingsBody },
    ok: { 200: json("ConsoleAppSettings", "Saved") },
    errors: [404],
    handle: async (ctx) => {
      const input = parse(updateSettingsBody, ctx.request.body);
      ctx.body = (await apps.update(consoleCallerOf(ctx), pathParam(ctx, "appId"), input)) satisfies ConsoleAppSettings;
    },
  });

  for (const [action, disabled] of [
    ["disable", true],
    ["enable", false],
  ] as const) {
    routes.push({
      method: "post",
      path: disabled ? "/v1/console/apps/:appId/disable" : "/v1/console/apps/:appId/enable",
      operationId: disabled ? "disableConsoleApp" : "enableConsoleApp",
      tag: "console",
      summary: disabled
        ? "Disable the app: its requests and sockets are refused (403 app_disabled) within seconds; its data stays (admins, owners)"
        : "Enable a disabled app again (admins, owners)",
      auth: "console",
      params: appParam,
      ok: { 200: json("ConsoleApp", `The app, ${action}d`) },
      errors: [404],
      handle: async (ctx) => {
        ctx.body = (await apps.setDisabled(consoleCallerOf(ctx), pathParam(ctx, "appId"), disabled)) satisfies ConsoleApp;
      },
    });
  }

  routes.push({
    method: "post",
    path: "/v1/console/apps/:appId/secret",
    operationId: "rotateConsoleAppSecret",
    tag: "console",
    summary: "A new app secret, shown this once; host tokens signed with the old one verify for graceSec more (0 to 30 days; admins, owners)",
    auth: "console",
    params: appParam,
    body: { name: "ConsoleRotateSecretRequest", schema: rotateSecretBody },
    ok: { 200: json("ConsoleRotateSecretResponse", "The new secret") },
    errors: [404],
    handle: async (ctx) => {
      const { graceSec } = parse(rotateSecretBody, ctx.request.body);
      ctx.body = (await apps.rotateSecret(consoleCallerOf(ctx), pathParam(ctx, "appId"), graceSec)) satisfies ConsoleRotateSecretResponse;
    },
  });

  routes.push({
    method: "delete",
    path: "/v1/console/apps/:appId",
    operationId: "deleteConsoleApp",
    tag: "console",
    summary: "Delete the app with all its users, messages and files, for good; `confirm` is the app's name (owners, operators)",
    auth: "console",
    params: appParam,
    body: { name: "ConsoleDeleteAppRequest", schema: confirmBody },
    ok: { 204: empty("Deleted") },
    errors: [400, 404, 413, 415],
    handle: async (ctx) => {
      const { confirm } = parse(confirmBody, ctx.request.body ?? {});
      await apps.remove(consoleCallerOf(ctx), pathParam(ctx, "appId"), confirm);
      ctx.status = 204;
    },
  });

  return routes;
}
