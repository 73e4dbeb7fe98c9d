import type { RateLimiterAbstract } from "rate-limiter-flexible";
import { perAddress } from "../http/middleware.js";
import type { EmailRecipient, EmailSettings, EmailUnsubscribeResponse } from "@parley/sdk/protocol";
import { callerOf, serverCallerOf } from "../request/context.js";
import { empty, json, type Route } from "../request/route.js";
import { parse } from "../shared/validate.js";
import { preferenceBody, recipientBody, settingsBody, unsubscribeQuery } from "./email.schema.js";
import type { EmailService } from "./email.service.js";

export interface EmailRoutesDeps {
  email: EmailService;
  /** The unsubscribe link is limited per client address, as sign-ins are (no session to key it on). */
  limiters: { authPerIp: RateLimiterAbstract };
}

/**
 * E-mail for unread messages (issue 55): the app's SMTP settings and users' addresses (the host's
 * backend, `/v1/server/email/…`), the user's own preference (`/v1/me/email`), and the one-click
 * unsubscribe of RFC 8058 (`/v1/email/unsubscribe?token=`, no session: the token is the proof).
 */
export function emailRoutes({ email, limiters }: EmailRoutesDeps): Route[] {
  const byAddress = perAddress(limiters.authPerIp);
  // Paths written out in full: routes-table.test.ts reads them from this file.
  const routes: Route[] = [];

  routes.push({
    method: "get",
    path: "/v1/server/email/settings",
    operationId: "getEmailSettings",
    tag: "email",
    summary: "The app's e-mail settings (the SMTP password is never answered: `password.set` says whether one is stored)",
    auth: "server",
    ok: { 200: json("EmailSettings", "The settings") },
    handle: async (ctx) => {
      ctx.body = (await email.settings(serverCallerOf(ctx))) satisfies EmailSettings;
    },
  });

  routes.push({
    method: "put",
    path: "/v1/server/email/settings",
    operationId: "putEmailSettings",
    tag: "email",
    summary:
      "Change the app's e-mail settings: fields left out keep their value; `smtp: null` uses the deployment's SMTP server; a `smtp` without `password` keeps the stored one (same host and port)",
    auth: "server",
    body: { name: "EmailSettingsRequest", schema: settingsBody },
    ok: { 200: json("EmailSettings", "The settings now") },
    handle: async (ctx) => {
      ctx.body = (await email.putSettings(serverCallerOf(ctx), parse(settingsBody, ctx.request.body))) satisfies EmailSettings;
    },
  });

  routes.push({
    method: "delete",
    path: "/v1/server/email/settings",
    operationId: "deleteEmailSettings",
    tag: "email",
    summary: "Forget the app's e-mail settings: the deployment's (SMTP_URL, SMTP_FROM), if any, apply again",
    auth: "server",
    ok: { 204: empty("Forgotten") },
    handle: async (ctx) => {
      await email.deleteSettings(serverCallerOf(ctx));
      ctx.status = 204;
    },
  });

  routes.push({
    method: "put",
    path: "/v1/server/email/recipients",
    operationId: "putEmailRecipient",
    tag: "email",
    summary: "Set the e-mail address (null removes it), preference or language of the user the host knows as `sub`",
    auth: "server",
    body: { name: "EmailRecipientRequest", schema: recipientBody },
    ok: { 200: json("EmailRecipient", "The user's e-mail wishes now") },
    errors: [404],
    handle: async (ctx) => {
      ctx.body = (await email.putRecipient(serverCallerOf(ctx), parse(recipientBody, ctx.request.body))) satisfies EmailRecipient;
    },
  });

  routes.push({
    method: "get",
    path: "/v1/me/email",
    operationId: "getMyEmailPreference",
    tag: "email",
    summary: "The caller's e-mail address (as e-mails use it), preference and language",
    auth: "bearer",
    ok: { 200: json("EmailRecipient", "The caller's e-mail wishes") },
    handle: async (ctx) => {
      ctx.body = (await email.preferenceOf(callerOf(ctx))) satisfies EmailRecipient;
    },
  });

  routes.push({
    method: "put",
    path: "/v1/me/email",
    operationId: "putMyEmailPreference",
    tag: "email",
    summary: "Set how often the caller gets e-mail about unread messages (every time, a daily digest, never) and in which language",
    auth: "bearer",
    body: { name: "EmailPreferenceRequest", schema: preferenceBody },
    ok: { 200: json("EmailRecipient", "The caller's e-mail wishes now") },
    handle: async (ctx) => {
      ctx.body = (await email.setPreference(callerOf(ctx), parse(preferenceBody, ctx.request.body))) satisfies EmailRecipient;
    },
  });

  routes.push({
    method: "post",
    path: "/v1/email/unsubscribe",
    operationId: "unsubscribeEmail",
    tag: "email",
    summary:
      "The one-click unsubscribe of an e-mail's List-Unsubscribe header (RFC 8058; any body, a form's too, is ignored): no session, the signed token sets its user's preference to never",
    auth: "none",
    query: unsubscribeQuery,
    ok: { 200: json("EmailUnsubscribeResponse", "Unsubscribed") },
    errors: [403, 404, 429],
    before: [byAddress],
    handle: async (ctx) => {
      await email.unsubscribe(parse(unsubscribeQuery, ctx.query).token);
      ctx.body = { unsubscribed: true } satisfies EmailUnsubscribeResponse;
    },
  });

  routes.push({
    method: "get",
    path: "/v1/email/unsubscribe",
    operationId: "confirmUnsubscribeEmail",
    tag: "email",
    summary:
      "The unsubscribe link opened in a browser: the token checked and whether its user is unsubscribed (a GET changes nothing: link scanners fetch links; the POST unsubscribes)",
    auth: "none",
    query: unsubscribeQuery,
    ok: { 200: json("EmailUnsubscribeResponse", "Whether the link's user gets no more e-mail") },
    errors: [403, 404, 429],
    before: [byAddress],
    handle: async (ctx) => {
      ctx.body = { unsubscribed: await email.isUnsubscribed(parse(unsubscribeQuery, ctx.query).token) } satisfies EmailUnsubscribeResponse;
    },
  });
  return routes;
}
