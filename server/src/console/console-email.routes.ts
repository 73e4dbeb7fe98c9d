import type { EmailSettings } from "@parley/sdk/protocol";
import type { EmailService } from "../email/email.service.js";
import { settingsBody } from "../email/email.schema.js";
import { consoleCallerOf, pathParam } from "../request/context.js";
import { empty, json, type Route } from "../request/route.js";
import { parse } from "../shared/validate.js";
import type { ConsoleAccess } from "./access.js";
import { appIdParam } from "./console.schema.js";

export interface ConsoleEmailDeps {
  access: ConsoleAccess;
  email: Pick<EmailService, "settings" | "putSettings" | "deleteSettings">;
}

/**
 * `/v1/console/apps/:appId/email/settings` (issue 55): the app's e-mail settings from the console,
 * the server API's body and answer (email.schema.ts) under the console's roles: viewers read,
 * admins and owners change and forget them. The SMTP password is write-only here as there: the
 * answer says only whether one is stored. Each change is in the console's audit log.
 */
export function consoleEmailRoutes({ access, email }: ConsoleEmailDeps): Route[] {
  // Paths written out in full, as in console.routes.ts.
  const routes: Route[] = [];
  const appParam = { appId: appIdParam };

  routes.push({
    method: "get",
    path: "/v1/console/apps/:appId/email/settings",
    operationId: "getConsoleEmailSettings",
    tag: "console",
    summary: "The app's e-mail settings (viewers, admins, owners; the SMTP password is never answered)",
    auth: "console",
    params: appParam,
    ok: { 200: json("EmailSettings", "The settings") },
    errors: [404],
    handle: async (ctx) => {
      const c = consoleCallerOf(ctx);
      const app = await access.appFor(c, pathParam(ctx, "appId"), "read");
      ctx.body = (await email.settings(access.actingAs(c, app))) satisfies EmailSettings;
    },
  });

  routes.push({
    method: "put",
    path: "/v1/console/apps/:appId/email/settings",
    operationId: "putConsoleEmailSettings",
    tag: "console",
    summary: "Change the app's e-mail settings (admins, owners): fields left out keep their value; a `smtp` without `password` keeps the stored one",
    auth: "console",
    params: appParam,
    body: { name: "EmailSettingsRequest", schema: settingsBody },
    ok: { 200: json("EmailSettings", "The settings now") },
    errors: [404],
    handle: async (ctx) => {
      const c = consoleCallerOf(ctx);
      const app = await access.appFor(c, pathParam(ctx, "appId"), "configure");
      const saved = await email.putSettings(access.actingAs(c, app), parse(settingsBody, ctx.request.body));
      await access.record(c, "email.settings", app.id, saved.smtp ? `${saved.smtp.host}:${saved.smtp.port}` : saved.source);
      ctx.body = saved satisfies EmailSettings;
    },
  });

  routes.push({
    method: "delete",
    path: "/v1/console/apps/:appId/email/settings",
    operationId: "deleteConsoleEmailSettings",
    tag: "console",
    summary: "Forget the app's e-mail settings (admins, owners): the deployment's SMTP_URL and SMTP_FROM, if any, apply again",
    auth: "console",
    params: appParam,
    ok: { 204: empty("Forgotten") },
    errors: [404],
    handle: async (ctx) => {
      const c = consoleCallerOf(ctx);
      const app = await access.appFor(c, pathParam(ctx, "appId"), "configure");
      await email.deleteSettings(access.actingAs(c, app));
      await access.record(c, "email.settings.forgotten", app.id, null);
      ctx.status = 204;
    },
  });

  return routes;
}
