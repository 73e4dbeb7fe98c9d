import type { RateLimiterAbstract } from "rate-limiter-flexible";
import { consoleCallerOf, pathParam, type Ctx } from "../request/context.js";
import { empty, json, type Route } from "../request/route.js";
import { perAddress } from "../http/middleware.js";
import { attempt } from "../shared/rate-limit.js";
import { parse } from "../shared/validate.js";
import { idString } from "../shared/schema.js";
import { clientOf, sameOrigin, setSessionCookie } from "./console.guard.js";
import type { ReplayWebhookResponse, WebhookDeliveriesResponse, WebhookSettings } from "@parley/sdk/protocol";
import { createWebhookBody, deliveriesQuery, deliveryIdParam, endpointIdParam, replayBody, settingsBody } from "../webhooks/webhooks.schema.js";
import { appIdParam, createAppBody, createKeyBody, signInBody, signUpBody, totpCodeBody } from "./console.schema.js";
import type { ConsoleService, Started } from "./console.service.js";

export interface ConsoleRoutesDeps {
  console: ConsoleService;
  limiters: { authPerIp: RateLimiterAbstract; loginPerEmail: RateLimiterAbstract };
}

/**
 * `/v1/console/…`: the console's own API (issue 32). Signed in by an HttpOnly cookie, never a
 * bearer token or a server key; every change carries the same Origin and the CSRF token
 * (console.guard.ts). Sign-in and sign-up check the Origin too (no session yet to hold a token).
 */
export function consoleRoutes({ console, limiters }: ConsoleRoutesDeps): Route[] {
  // Paths written out in full: routes-table.test.ts reads them from this file.
  const routes: Route[] = [];
  const perIp = perAddress(limiters.authPerIp);
  const started = (ctx: Ctx, s: Started, status: number): void => {
    setSessionCookie(ctx, s.token);
    ctx.status = status;
    ctx.body = s.answer;
  };

  routes.push({
    method: "post",
    path: "/v1/console/signup",
    operationId: "consoleSignUp",
    tag: "console",
    summary: "Make the console account of a sign-up link with its password, and sign in (sets the session cookie)",
    auth: "none",
    body: { name: "ConsoleSignUpRequest", schema: signUpBody },
    ok: { 201: json("ConsoleSessionResponse", "Signed up and signed in; operators and owners enrol TOTP next") },
    errors: [403, 404, 409, 429],
    before: [perIp, sameOrigin],
    handle: async (ctx) => {
      started(ctx, await console.signUp(parse(signUpBody, ctx.request.body), clientOf(ctx)), 201);
    },
  });

  // Brute force is bounded twice, as for chat accounts: per IP, and per account (failed attempts).
  routes.push({
    method: "post",
    path: "/v1/console/session",
    operationId: "consoleSignIn",
    tag: "console",
    summary: "Sign in with e-mail, password and (once enrolled) a TOTP or recovery code; sets a new session cookie",
    auth: "none",
    body: { name: "ConsoleSignInRequest", schema: signInBody },
    ok: { 200: json("ConsoleSessionResponse", "Signed in") },
    errors: [401, 403, 429],
    before: [perIp, sameOrigin],
    handle: async (ctx) => {
      const body = parse(signInBody, ctx.request.body);
      started(ctx, await attempt(limiters.loginPerEmail, `console:${body.email}`, () => console.signIn(body, clientOf(ctx))), 200);
    },
  });

  routes.push({
    method: "delete",
    path: "/v1/console/session",
    operationId: "consoleSignOut",
    tag: "console",
    summary: "Sign out: this session ends on every node, and its cookie is cleared",
    auth: "console",
    ok: { 204: empty("Signed out") },
    handle: async (ctx) => {
      await console.signOut(consoleCallerOf(ctx));
      setSessionCookie(ctx, null);
      ctx.status = 204;
    },
  });

  routes.push({
    method: "get",
    path: "/v1/console/me",
    operationId: "getConsoleMe",
    tag: "console",
    summary: "The signed-in console account, its roles and the session's CSRF token",
    auth: "console",
    ok: { 200: json("ConsoleSessionResponse", "The account") },
    handle: async (ctx) => {
      ctx.body = await console.me(consoleCallerOf(ctx));
    },
  });

  routes.push({
    method: "get",
    path: "/v1/console/sessions",
    operationId: "listConsoleSessions",
    tag: "console",
    summary: "The account's signed-in browsers, newest first",
    auth: "console",
    ok: { 200: json("ConsoleSessionsResponse", "The sessions") },
    handle: async (ctx) => {
      ctx.body = await console.sessions(consoleCallerOf(ctx));
    },
  });

  routes.push({
    method: "delete",
    path: "/v1/console/sessions/:sessionId",
    operationId: "endConsoleSession",
    tag: "console",
    summary: "End one of the account's sessions (another browser, or this one)",
    params: { sessionId: idString },
    auth: "console",
    ok: { 204: empty("Ended") },
    errors: [404],
    handle: async (ctx) => {
      await console.endSession(consoleCallerOf(ctx), pathParam(ctx, "sessionId"));
      ctx.status = 204;
    },
  });

  routes.push({
    method: "post",
    path: "/v1/console/me/totp/setup",
    operationId: "setUpConsoleTotp",
    tag: "console",
    summary: "A new TOTP secret to enrol (and its otpauth:// URI); on with its first code",
    auth: "console",
    ok: { 200: json("ConsoleTotpSetupResponse", "The secret") },
    errors: [409],
    handle: async (ctx) => {
      ctx.body = await console.totpSetup(consoleCallerOf(ctx));
    },
  });

  routes.push({
    method: "post",
    path: "/v1/console/me/totp",
    operationId: "enableConsoleTotp",
    tag: "console",
    summary: "Turn two-factor sign-in on with the set-up secret's first code: ten recovery codes, shown once; other sessions end",
    auth: "console",
    body: { name: "ConsoleTotpCodeRequest", schema: totpCodeBody },
    ok: { 200: json("ConsoleRecoveryCodesResponse", "On") },
    errors: [409],
    handle: async (ctx) => {
      ctx.body = await console.totpEnable(consoleCallerOf(ctx), parse(totpCodeBody, ctx.request.body).code);
    },
  });

  routes.push({
    method: "delete",
    path: "/v1/console/me/totp",
    operationId: "disableConsoleTotp",
    tag: "console",
    summary: "Turn two-factor sign-in off with a current code (not for operators and owners)",
    auth: "console",
    body: { name: "ConsoleTotpCodeRequest", schema: totpCodeBody },
    ok: { 204: empty("Off") },
    // (A DELETE with a body: its body's errors are not implied by the method.)
    errors: [400, 413, 415],
    handle: async (ctx) => {
      await console.totpDisable(consoleCallerOf(ctx), parse(totpCodeBody, ctx.request.body).code);
      ctx.status = 204;
    },
  });

  routes.push({
    method: "get",
    path: "/v1/console/apps",
    operationId: "listConsoleApps",
    tag: "console",
    summary: "Every app (operators), or the apps the account has a role on, with that role",
    auth: "console",
    ok: { 200: json("ConsoleAppsResponse", "The apps") },
    handle: async (ctx) => {
      ctx.body = await console.apps(consoleCallerOf(ctx));
    },
  });

  routes.push({
    method: "post",
    path: "/v1/console/apps",
    operationId: "createConsoleApp",
    tag: "console",
    summary: "Create an app (operators); its secret is shown this once",
    auth: "console",
    body: { name: "ConsoleCreateAppRequest", schema: createAppBody },
    ok: { 201: json("ConsoleAppCreatedResponse", "Created") },
    handle: async (ctx) => {
      ctx.status = 201;
      ctx.body = await console.createApp(consoleCallerOf(ctx), parse(createAppBody, ctx.request.body));
    },
  });

  routes.push({
    method: "get",
    path: "/v1/console/apps/:appId",
    operationId: "getConsoleApp",
    tag: "console",
    summary: "One app, with the caller's role on it (404 without one)",
    params: { appId: appIdParam },
    auth: "console",
    ok: { 200: json("ConsoleApp", "The app") },
    errors: [404],
    handle: async (ctx) => {
      ctx.body = await console.app(consoleCallerOf(ctx), pathParam(ctx, "appId"));
    },
  });

  routes.push({
    method: "get",
    path: "/v1/console/apps/:appId/keys",
    operationId: "listConsoleKeys",
    tag: "console",
    summary: "The app's server keys, never their secrets (viewers, admins, owners)",
    params: { appId: appIdParam },
    auth: "console",
    ok: { 200: json("ConsoleServerKeysResponse", "The keys") },
    errors: [404],
    handle: async (ctx) => {
      ctx.body = await console.keys(consoleCallerOf(ctx), pathParam(ctx, "appId"));
    },
  });

  routes.push({
    method: "post",
    path: "/v1/console/apps/:appId/keys",
    operationId: "createConsoleKey",
    tag: "console",
    summary: "A new server key (admins, owners); its secret is shown this once",
    params: { appId: appIdParam },
    auth: "console",
    body: { name: "ConsoleCreateKeyRequest", schema: createKeyBody },
    ok: { 201: json("ConsoleKeyCreatedResponse", "Created") },
    errors: [404, 409],
    handle: async (ctx) => {
      ctx.status = 201;
      ctx.body = await console.createKey(consoleCallerOf(ctx), pathParam(ctx, "appId"), parse(createKeyBody, ctx.request.body).name);
    },
  });

  routes.push({
    method: "delete",
    path: "/v1/console/apps/:appId/keys/:keyId",
    operationId: "revokeConsoleKey",
    tag: "console",
    summary: "Revoke a server key at once (admins, owners)",
    params: { appId: appIdParam, keyId: idString },
    auth: "console",
    ok: { 204: empty("Revoked") },
    errors: [404],
    handle: async (ctx) => {
      await console.revokeKey(consoleCallerOf(ctx), pathParam(ctx, "appId"), pathParam(ctx, "keyId"));
      ctx.status = 204;
    },
  });

  // Webhooks: the server API's bodies, queries and answers (webhooks.schema.ts), under the console's roles.
  const appParam = { appId: appIdParam };
  const hookParams = { appId: appIdParam, webhookId: endpointIdParam };

  routes.push({
    method: "get",
    path: "/v1/console/apps/:appId/webhooks",
    operationId: "listConsoleWebhooks",
    tag: "console",
    summary: "The app's webhook endpoints and settings (viewers, admins, owners)",
    auth: "console",
    params: appParam,
    ok: { 200: json("ConsoleWebhooksResponse", "The endpoints and settings") },
    errors: [404],
    handle: async (ctx) => {
      ctx.body = await console.webhooks(consoleCallerOf(ctx), pathParam(ctx, "appId"));
    },
  });

  routes.push({
    method: "post",
    path: "/v1/console/apps/:appId/webhooks",
    operationId: "createConsoleWebhook",
    tag: "console",
    summary: "Register a webhook endpoint for some event types (admins, owners; public http(s) URLs; at most 10 per app)",
    auth: "console",
    params: appParam,
    body: { name: "CreateWebhookRequest", schema: createWebhookBody },
    ok: { 201: json("WebhookEndpointResponse", "Registered") },
    errors: [404, 409],
    handle: async (ctx) => {
      ctx.status = 201;
      ctx.body = await console.createWebhook(consoleCallerOf(ctx), pathParam(ctx, "appId"), parse(createWebhookBody, ctx.request.body));
    },
  });

  routes.push({
    method: "put",
    path: "/v1/console/apps/:appId/webhooks/settings",
    operationId: "setConsoleWebhookSettings",
    tag: "console",
    summary: "The app's webhook settings: the notification.unread delay (admins, owners)",
    auth: "console",
    params: appParam,
    body: { name: "WebhookSettingsRequest", schema: settingsBody },
    ok: { 200: json("WebhookSettings", "Saved") },
    errors: [404],
    handle: async (ctx) => {
      ctx.body = (await console.setWebhookSettings(
        consoleCallerOf(ctx),
        pathParam(ctx, "appId"),
        parse(settingsBody, ctx.request.body),
      )) satisfies WebhookSettings;
    },
  });

  routes.push({
    method: "delete",
    path: "/v1/console/apps/:appId/webhooks/:webhookId",
    operationId: "deleteConsoleWebhook",
    tag: "console",
    summary: "Remove a webhook endpoint and its deliveries (admins, owners)",
    auth: "console",
    params: hookParams,
    ok: { 204: empty("Removed") },
    errors: [404],
    handle: async (ctx) => {
      await console.removeWebhook(consoleCallerOf(ctx), pathParam(ctx, "appId"), pathParam(ctx, "webhookId"));
      ctx.status = 204;
    },
  });

  routes.push({
    method: "get",
    path: "/v1/console/apps/:appId/webhooks/:webhookId/deliveries",
    operationId: "listConsoleWebhookDeliveries",
    tag: "console",
    summary: "An endpoint's delivery log, newest first, by status (viewers, admins, owners)",
    auth: "console",
    params: hookParams,
    query: deliveriesQuery,
    ok: { 200: json("WebhookDeliveriesResponse", "A page of deliveries") },
    errors: [404],
    handle: async (ctx) => {
      const q = parse(deliveriesQuery, ctx.query);
      ctx.body = (await console.webhookDeliveries(
        consoleCallerOf(ctx),
        pathParam(ctx, "appId"),
        pathParam(ctx, "webhookId"),
        q,
      )) satisfies WebhookDeliveriesResponse;
    },
  });

  routes.push({
    method: "get",
    path: "/v1/console/apps/:appId/webhooks/:webhookId/deliveries/:deliveryId",
    operationId: "getConsoleWebhookDelivery",
    tag: "console",
    summary: "One delivery: the body it is sent and its last attempt's answer (viewers, admins, owners)",
    auth: "console",
    params: { ...hookParams, deliveryId: deliveryIdParam },
    ok: { 200: json("ConsoleWebhookDeliveryDetail", "The delivery") },
    errors: [404],
    handle: async (ctx) => {
      ctx.body = await console.webhookDelivery(consoleCallerOf(ctx), pathParam(ctx, "appId"), pathParam(ctx, "webhookId"), pathParam(ctx, "deliveryId"));
    },
  });

  routes.push({
    method: "post",
    path: "/v1/console/apps/:appId/webhooks/:webhookId/replay",
    operationId: "replayConsoleWebhook",
    tag: "console",
    summary: "Queue again, in seq order, every subscribed event with seq >= fromSeq (admins, owners)",
    auth: "console",
    params: hookParams,
    body: { name: "ReplayWebhookRequest", schema: replayBody },
    ok: { 200: json("ReplayWebhookResponse", "Queued") },
    errors: [404],
    handle: async (ctx) => {
      const input = parse(replayBody, ctx.request.body);
      ctx.body = (await console.replayWebhook(
        consoleCallerOf(ctx),
        pathParam(ctx, "appId"),
        pathParam(ctx, "webhookId"),
        input,
      )) satisfies ReplayWebhookResponse;
    },
  });

  routes.push({
    method: "post",
    path: "/v1/console/apps/:appId/webhooks/:webhookId/test",
    operationId: "testConsoleWebhook",
    tag: "console",
    summary: "Send a test event: a signed webhook.test delivery to this endpoint, queued at once (admins, owners)",
    auth: "console",
    params: hookParams,
    ok: { 202: json("ConsoleWebhookTestResponse", "Queued; its id is in the delivery log") },
    errors: [404],
    handle: async (ctx) => {
      ctx.status = 202;
      ctx.body = await console.testWebhook(consoleCallerOf(ctx), pathParam(ctx, "appId"), pathParam(ctx, "webhookId"));
    },
  });

  return routes;
}
