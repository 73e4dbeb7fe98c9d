import { json, type Route } from "../request/route.js";
import { callerOf } from "../request/context.js";
import { parse } from "../shared/validate.js";
import type { EventLog } from "./event-log.js";
import { syncQuery } from "./sync.schema.js";

export { syncQuery };

export interface SyncRoutesDeps {
  events: EventLog;
}

/** `GET /sync?since=&limit=`: every event the caller may see after `since`, in seq order. */
export function syncRoutes({ events }: SyncRoutesDeps): Route[] {
  const routes: Route[] = [];
  // Where the log stands now: a client takes this before loading its snapshot, then syncs from it.
  routes.push({
    method: "get",
    path: "/v1/sync/head",
    operationId: "getSyncHead",
    tag: "sync",
    summary: "Where the event log stands now (take it before loading a snapshot)",
    auth: "bearer",
    ok: { 200: json("SyncHead", "The log's last seq") },
    handle: async (ctx) => {
      ctx.body = { lastSeq: await events.head(callerOf(ctx)) };
    },
  });

  routes.push({
    method: "get",
    path: "/v1/sync",
    operationId: "sync",
    tag: "sync",
    summary: "Every event the caller may see after `since`, in order",
    auth: "bearer",
    query: syncQuery,
    ok: { 200: json("SyncResponse", "Events") },
    errors: [410],
    handle: async (ctx) => {
      ctx.body = await events.since(callerOf(ctx), parse(syncQuery, ctx.query));
    },
  });
  return routes;
}
