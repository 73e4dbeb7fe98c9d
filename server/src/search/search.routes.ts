import Router from "@koa/router";
import type { Middleware } from "koa";
import { callerOf, parseCommand, type State } from "../http/context.js";
import { searchQuery } from "./search.schema.js";
import type { SearchService } from "./search.service.js";

export interface SearchRoutesDeps {
  search: SearchService;
  requireAuth: Middleware<State>;
}

/**
 * Search routes (under /v1, signed in).
 *
 *   GET /search?q=&conversationId=&cursor=&limit=   SearchResponse, newest first (400 for a bad
 *                                                    q, cursor or limit; 404 for a conversation
 *                                                    that is not the caller's)
 */
export function searchRoutes({ search, requireAuth }: SearchRoutesDeps): Router<State> {
  const r = new Router<State>();
  r.get("/search", requireAuth, async (ctx) => {
    ctx.body = await search.search(callerOf(ctx), parseCommand(searchQuery, ctx.query, {}, "Conversation"));
  });
  return r;
}
