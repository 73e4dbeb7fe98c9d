import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import path from "node:path";
import Router from "@koa/router";
import type { State } from "../http/context.js";
import { notFound } from "../shared/errors.js";

const TYPES: Record<string, string> = {
  ".js": "application/javascript; charset=utf-8",
  ".map": "application/json; charset=utf-8",
};

export interface AssetDirs {
  /** widget/dist: widget.js for the script tag. */
  widget: string;
  /** sdk/dist: the self-contained browser build of the SDK. */
  sdk: string;
}

/**
 * The files host pages load: `GET /widget.js` (the script-tag embed) and `GET /sdk.js` (the SDK
 * as one ES module). Cached for a few minutes and revalidated by ETag, so a new release reaches
 * every host page quickly without re-downloading unchanged bytes.
 */
export function assetsRoutes(dirs: AssetDirs): Router<State> {
  const files: Record<string, string> = {
    "/widget.js": path.join(dirs.widget, "widget.js"),
    "/widget.js.map": path.join(dirs.widget, "widget.js.map"),
    "/sdk.js": path.join(dirs.sdk, "parley-sdk.browser.js"),
    "/sdk.js.map": path.join(dirs.sdk, "parley-sdk.browser.js.map"),
  };
  const r = new Router<State>();
  for (const [route, file] of Object.entries(files)) {
    r.get(route, async (ctx) => {
      const info = await stat(file).catch(() => null);
      if (!info) throw notFound("Bundle (run `npm run build`)");
      ctx.set("ETag", `"${info.size.toString(36)}-${Math.floor(info.mtimeMs).toString(36)}"`);
      ctx.set("Cache-Control", "public, max-age=300, stale-while-revalidate=86400");
      ctx.set("X-Content-Type-Options", "nosniff");
      ctx.set("Access-Control-Allow-Origin", "*");
      ctx.type = TYPES[path.extname(route)] ?? "application/octet-stream";
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
