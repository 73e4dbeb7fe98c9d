import Router from "@koa/router";
import type { Middleware } from "koa";
import type {
  ReplayWebhookResponse,
  WebhookDeliveriesResponse,
  WebhookEndpointResponse,
  WebhookEndpointsResponse,
  WebhookSettings,
} from "@parley/sdk/protocol";
import { serverCallerOf, type State } from "../http/context.js";
import { decodeCursor, encodeCursor } from "../shared/cursor.js";
import { parse } from "../shared/validate.js";
import type { WebhooksService } from "./webhooks.service.js";
import { createWebhookBody, deliveriesQuery, deliveryCursor, replayBody, settingsBody } from "./webhooks.schema.js";

export interface WebhooksRoutesDeps {
  webhooks: WebhooksService;
  requireServerKey: Middleware<State>;
}

/** `/v1/server/webhooks…`: the host's backend registers endpoints, reads deliveries, replays. */
export function webhooksRoutes({ webhooks, requireServerKey }: WebhooksRoutesDeps): Router<State> {
  // Paths written out in full: routes-table.test.ts reads them from this file.
  const r = new Router<State>();

  r.post("/server/webhooks", requireServerKey, async (ctx) => {
    const endpoint = await webhooks.create(serverCallerOf(ctx), parse(createWebhookBody, ctx.request.body));
    ctx.status = 201;
    ctx.body = { endpoint } satisfies WebhookEndpointResponse;
  });

  r.get("/server/webhooks", requireServerKey, async (ctx) => {
    ctx.body = { endpoints: await webhooks.list(serverCallerOf(ctx)) } satisfies WebhookEndpointsResponse;
  });

  r.put("/server/webhooks/settings", requireServerKey, async (ctx) => {
    ctx.body = (await webhooks.setSettings(serverCallerOf(ctx), parse(settingsBody, ctx.request.body))) satisfies WebhookSettings;
  });

  r.delete("/server/webhooks/:id", requireServerKey, async (ctx) => {
    await webhooks.remove(serverCallerOf(ctx), ctx.params["id"] ?? "");
    ctx.status = 204;
  });

  r.get("/server/webhooks/:id/deliveries", requireServerKey, async (ctx) => {
    const q = parse(deliveriesQuery, ctx.query);
    const { items, last, more } = await webhooks.deliveries(serverCallerOf(ctx), ctx.params["id"] ?? "", {
      status: q.status,
      limit: q.limit,
      after: decodeCursor(deliveryCursor, q.cursor),
    });
    ctx.body = { items, nextCursor: more && last ? encodeCursor(last) : null } satisfies WebhookDeliveriesResponse;
  });

  r.post("/server/webhooks/:id/replay", requireServerKey, async (ctx) => {
    const { fromSeq } = parse(replayBody, ctx.request.body);
    ctx.body = { queued: await webhooks.replay(serverCallerOf(ctx), ctx.params["id"] ?? "", fromSeq) } satisfies ReplayWebhookResponse;
  });
  return r;
}
