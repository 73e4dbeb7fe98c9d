import Router from "@koa/router";
import type { State } from "../context.js";
import { asyncApiDocument } from "./asyncapi.js";
import { openApiDocument } from "./openapi.js";

export { asyncApiDocument, openApiDocument };

/**
 * `GET <prefix>/openapi.json` (OpenAPI 3.1, the REST API) and `GET <prefix>/asyncapi.json`
 * (AsyncAPI 3.0, the Socket.IO events). Both are built once, at start, from the schemas.
 */
export function apiDescriptionRoutes({ prefix, version }: { prefix: string; version: string }): Router<State> {
  const docs = { "/openapi.json": JSON.stringify(openApiDocument(version)), "/asyncapi.json": JSON.stringify(asyncApiDocument(version)) };
  const r = new Router<State>({ prefix });
  for (const [path, body] of Object.entries(docs)) {
    r.get(path, (ctx) => {
      ctx.set("Cache-Control", "public, max-age=300");
      ctx.set("Access-Control-Allow-Origin", "*");
      ctx.type = "application/json; charset=utf-8";
      ctx.body = body;
    });
  }
  return r;
}
