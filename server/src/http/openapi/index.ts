import type { Operation, Route } from "../../request/route.js";
import { asyncApiDocument } from "./asyncapi.js";
import { openApiDocument } from "./openapi.js";

export { asyncApiDocument, openApiDocument };

/**
 * `GET /v1/openapi.json` (OpenAPI 3.1, the REST API) and `GET /v1/asyncapi.json` (AsyncAPI 3.0,
 * the Socket.IO events), built once, at start: the first from every other declared route
 * (`routes`) and these two, the second from the socket event schemas.
 */
export function apiDescriptionRoutes(version: string, routes: readonly Operation[]): Route[] {
  const bodies: Record<string, string> = {};
  const own = [
    { name: "openapi", operationId: "getOpenApi", summary: "This document (OpenAPI 3.1)", description: "The OpenAPI document" },
    { name: "asyncapi", operationId: "getAsyncApi", summary: "The Socket.IO events (AsyncAPI 3.0)", description: "The AsyncAPI document" },
  ].map(
    (d): Route => ({
      method: "get",
      path: `/v1/${d.name}.json`,
      operationId: d.operationId,
      tag: "ops",
      summary: d.summary,
      auth: "none",
      ok: { 200: { media: "application/json", description: d.description } },
      handle: (ctx) => {
        ctx.set("Cache-Control", "public, max-age=300");
        ctx.set("Access-Control-Allow-Origin", "*");
        ctx.type = "application/json; charset=utf-8";
        ctx.body = bodies[d.name];
      },
    }),
  );
  bodies["openapi"] = JSON.stringify(openApiDocument(version, [...routes, ...own]));
  bodies["asyncapi"] = JSON.stringify(asyncApiDocument(version));
  return own;
}
