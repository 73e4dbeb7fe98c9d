import type { PushKeyResponse } from "@parley/sdk/protocol";
import { callerOf } from "../request/context.js";
import { empty, json, type Route } from "../request/route.js";
import { parse } from "../shared/validate.js";
import { subscribeBody, unsubscribeBody } from "./push.schema.js";
import type { PushService } from "./push.service.js";

export interface PushRoutesDeps {
  push: PushService;
}

/** `/v1/push/…`: the app's VAPID key, and the signed-in user's push subscriptions (one per device). */
export function pushRoutes({ push }: PushRoutesDeps): Route[] {
  // Paths written out in full: routes-table.test.ts reads them from this file.
  const routes: Route[] = [];

  routes.push({
    method: "get",
    path: "/v1/push/key",
    operationId: "getPushKey",
    tag: "push",
    summary: "The app's VAPID public key: the applicationServerKey to subscribe with (made on first request)",
    auth: "bearer",
    ok: { 200: json("PushKeyResponse", "The key") },
    handle: async (ctx) => {
      ctx.body = { publicKey: await push.key(callerOf(ctx)) } satisfies PushKeyResponse;
    },
  });

  routes.push({
    method: "post",
    path: "/v1/push/subscriptions",
    operationId: "subscribePush",
    tag: "push",
    summary:
      "Subscribe this device to web push (subscription.toJSON()); idempotent by endpoint, which moves to the caller if another user had it; tied to the session, removed when it ends; at most 10 per user (the oldest goes)",
    auth: "bearer",
    body: { name: "PushSubscribeRequest", schema: subscribeBody },
    ok: { 201: json("PushKeyResponse", "Subscribed; the app's current key (a subscription made with another one gets no pushes: subscribe again)") },
    errors: [429],
    handle: async (ctx) => {
      const caller = callerOf(ctx);
      await push.subscribe(caller, parse(subscribeBody, ctx.request.body));
      ctx.status = 201;
      ctx.body = { publicKey: await push.key(caller) } satisfies PushKeyResponse;
    },
  });

  routes.push({
    method: "delete",
    path: "/v1/push/subscriptions",
    operationId: "unsubscribePush",
    tag: "push",
    summary: "Unsubscribe one of the caller's devices by its endpoint (204 whether or not it was subscribed)",
    auth: "bearer",
    body: { name: "PushUnsubscribeRequest", schema: unsubscribeBody },
    ok: { 204: empty("Unsubscribed") },
    errors: [400, 413, 415, 429],
    handle: async (ctx) => {
      await push.unsubscribe(callerOf(ctx), parse(unsubscribeBody, ctx.request.body));
      ctx.status = 204;
    },
  });
  return routes;
}
