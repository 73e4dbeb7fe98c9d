import { endpointIdParam } from "./webhooks.schema.js";
import { empty, json, type Route } from "../request/route.js";
import type {
  ReplayWebhookResponse,
  WebhookDeliveriesResponse,
  WebhookEndpointResponse,
  WebhookEndpointsResponse,
  WebhookSettings,
} from "@parley/sdk/protocol";
import { serverCallerOf } from "../request/context.js";
import { parse } from "../shared/validate.js";
import type { WebhooksService } from "./webhooks.service.js";
import { createWebhookBody, deliveriesQuery, replayBody, settingsBody } from "./webhooks.schema.js";

export interface WebhooksRoutesDeps {
  webhooks: WebhooksService;
}

/** `/v1/server/webhooks…`: the host's backend registers endpoints, reads deliveries, replays. */
export function webhooksRoutes({ webhooks }: WebhooksRoutesDeps): Route[] {
  // Paths written out in full: routes-table.test.ts reads them from this file.
  const routes: Route[] = [];

  routes.push({
    method: "post",
    path: "/v1/server/webhooks",
    operationId: "createWebhook",
    tag: "webhooks",
    summary: "Register an endpoint for some event types (public http(s) URLs; at most 10 per app)",
    auth: "server",
    body: { name: "CreateWebhookRequest", schema: createWebhookBody },
    ok: { 201: json("WebhookEndpointResponse", "Registered") },
    errors: [409],
    handle: async (ctx) => {
      const endpoint = await webhooks.create(serverCallerOf(ctx), parse(createWebhookBody, ctx.request.body));
      ctx.status = 201;
      ctx.body = { endpoint } satisfies WebhookEndpointResponse;
    },
  });

  routes.push({
    method: "get",
    path: "/v1/server/webhooks",
    operationId: "listWebhooks",
    tag: "webhooks",
    summary: "The app's endpoints",
    auth: "server",
    ok: { 200: json("WebhookEndpointsResponse", "The endpoints") },
    handle: async (ctx) => {
      ctx.body = { endpoints: await webhooks.list(serverCallerOf(ctx)) } satisfies WebhookEndpointsResponse;
    },
  });

  routes.push({
    method: "put",
    path: "/v1/server/webhooks/settings",
    operationId: "setWebhookSettings",
    tag: "webhooks",
    summary: "Per-app settings: the notification.unread delay",
    auth: "server",
    body: { name: "WebhookSettingsRequest", schema: settingsBody },
    ok: { 200: json("WebhookSettings", "Saved") },
    handle: async (ctx) => {
      ctx.body = (await webhooks.setSettings(serverCallerOf(ctx), parse(settingsBody, ctx.request.body))) satisfies WebhookSettings;
    },
  });

  routes.push({
    method: "delete",
    path: "/v1/server/webhooks/:id",
    operationId: "deleteWebhook",
    tag: "webhooks",
    summary: "Remove an endpoint and its deliveries",
    auth: "server",
    params: { id: endpointIdParam },
    ok: { 204: empty("Removed") },
    errors: [404],
    handle: async (ctx) => {
      await webhooks.remove(serverCallerOf(ctx), ctx.params["id"] ?? "");
      ctx.status = 204;
    },
  });

  routes.push({
    method: "get",
    path: "/v1/server/webhooks/:id/deliveries",
    operationId: "listWebhookDeliveries",
    tag: "webhooks",
    summary: "An endpoint's deliveries, newest first, by status",
    auth: "server",
    params: { id: endpointIdParam },
    query: deliveriesQuery,
    ok: { 200: json("WebhookDeliveriesResponse", "A page of deliveries") },
    errors: [404],
    handle: async (ctx) => {
      ctx.body = (await webhooks.deliveriesPage(
        serverCallerOf(ctx),
        ctx.params["id"] ?? "",
        parse(deliveriesQuery, ctx.query),
      )) satisfies WebhookDeliveriesResponse;
    },
  });

  routes.push({
    method: "post",
    path: "/v1/server/webhooks/:id/replay",
    operationId: "replayWebhook",
    tag: "webhooks",
    summary: "Queue again, in seq order, every subscribed event with seq >= fromSeq",
    auth: "server",
    params: { id: endpointIdParam },
    body: { name: "ReplayWebhookRequest", schema: replayBody },
    ok: { 200: json("ReplayWebhookResponse", "Queued") },
    errors: [404],
    handle: async (ctx) => {
      const { fromSeq } = parse(replayBody, ctx.request.body);
      ctx.body = { queued: await webhooks.replay(serverCallerOf(ctx), ctx.params["id"] ?? "", fromSeq) } satisfies ReplayWebhookResponse;
    },
  });
  return routes;
}
