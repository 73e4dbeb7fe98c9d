import Router from "@koa/router";
import { z } from "zod";
import { appOf, authOf, type RouteDeps, type State } from "../http/context.js";
import { parse } from "../http/validate.js";

const syncQuery = z.object({
  since: z.coerce.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
  limit: z.coerce.number().int().min(1).max(1000).default(500),
});

/** `GET /sync?since=&limit=`: every event the caller may see after `since`, in seq order. */
export function syncRoutes({ services, requireAuth }: RouteDeps): Router<State> {
  const r = new Router<State>();
  // Where the log stands now: a client takes this before loading its snapshot, then syncs from it.
  r.get("/sync/head", requireAuth, async (ctx) => {
    ctx.body = { lastSeq: await services.events.head(appOf(ctx).id) };
  });

  r.get("/sync", requireAuth, async (ctx) => {
    const q = parse(syncQuery, ctx.query);
    ctx.body = await services.events.since(appOf(ctx).id, authOf(ctx).userId, q.since, q.limit);
  });
  return r;
}
