import { json, type Route } from "../request/route.js";
import { callerOf, parseCommand } from "../request/context.js";
import { searchQuery } from "./search.schema.js";
import type { SearchService } from "./search.service.js";

export interface SearchRoutesDeps {
  search: SearchService;
}

/**
 * Search routes (under /v1, signed in).
 */
export function searchRoutes({ search }: SearchRoutesDeps): Route[] {
  const routes: Route[] = [];
  routes.push({
    method: "get",
    path: "/v1/search",
    operationId: "searchMessages",
    tag: "messages",
    summary:
      "Full-text search of the messages the caller can read (their conversations), newest first; limited per user and per app (RATE_LIMIT_SEARCH_*), and a search past its budget (SEARCH_BUDGET_MS) answers the hits found so far with a nextCursor to continue",
    auth: "bearer",
    query: searchQuery,
    ok: { 200: json("SearchResponse", "Matching messages with snippets, and their conversations") },
    errors: [404, 429],
    replica: {},
    handle: async (ctx) => {
      ctx.body = await search.search(callerOf(ctx), parseCommand(searchQuery, ctx.query, {}, "Conversation"));
    },
  });
  return routes;
}
