import Router from "@koa/router";
import type { Middleware } from "koa";
import { callerOf, type State } from "../http/context.js";
import { parse } from "../shared/validate.js";
import type { EventLog } from "./event-log.js";
import { syncQuery } from "./sync.schema.js";

export { syncQuery };

export interface SyncRoutesDeps {
  events: EventLog;
  requireAuth: Middleware<State>;
}

/** `GET /sync?since=&limit=`: every event the caller may see after `since`, in seq order. */
export function syncRoutes({ events, requireAuth }: SyncRoutesDeps): Router<State> {
  const r = new Router<State>();
  // Where the log stands now: a client takes this before loading its snapshot, then syncs from it.
  r.get("/sync/head", requireAuth, async (ctx) => {
    ctx.body = { lastSeq: await events.head(callerOf(ctx)) };
  });

  r.get("/sync", requireAuth, async (ctx) => {
    ctx.body = await events.since(callerOf(ctx), parse(syncQuery, ctx.query));
  });
  return r;
}
