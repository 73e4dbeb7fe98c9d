import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import path from "node:path";
import Router from "@koa/router";
import type { State } from "../http/context.js";
import { notFound } from "../shared/errors.js";

/** The files the server hands to host pages: the widget bundle (and its source map). */
const FILES: Record<string, string> = {
  "/widget.js": "application/javascript; charset=utf-8",
  "/widget.js.map": "application/json; charset=utf-8",
};

/**
 * `GET /widget.js`: what the script-tag embed loads. Cached for a few minutes and revalidated by
 * ETag, so a new release reaches every host page quickly without re-downloading unchanged bytes.
 */
export function assetsRoutes(widgetDir: string): Router<State> {
  const r = new Router<State>();
  for (const [route, type] of Object.entries(FILES)) {
    r.get(route, async (ctx) => {
      const file = path.join(widgetDir, route.slice(1));
      const info = await stat(file).catch(() => null);
      if (!info) throw notFound("Widget bundle (run `npm run build`)");
      ctx.set("ETag", `"${info.size.toString(36)}-${Math.floor(info.mtimeMs).toString(36)}"`);
      ctx.set("Cache-Control", "public, max-age=300, stale-while-revalidate=86400");
      ctx.set("X-Content-Type-Options", "nosniff");
      ctx.set("Access-Control-Allow-Origin", "*");
      ctx.type = type;
      ctx.status = 200;
      if (ctx.fresh) {
        ctx.status = 304;
        return;
      }
      ctx.body = createReadStream(file);
    });
  }
  return r;
}
