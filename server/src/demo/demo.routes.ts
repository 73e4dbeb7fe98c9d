import { readFile, stat } from "node:fs/promises";
import path from "node:path";
import Router from "@koa/router";
import type { State } from "../http/context.js";
import { notFound } from "../shared/errors.js";

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "application/javascript; charset=utf-8",
  ".mjs": "application/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".png": "image/png",
  ".md": "text/plain; charset=utf-8",
};

/**
 * Serves examples/ at /examples/ for the demo. In HTML pages `{{PARLEY_SERVER}}` and
 * `{{PARLEY_APP_ID}}` become this server and the demo app, so the pages are the same
 * one-line embed a host site writes.
 */
export function demoRoutes(examplesDir: string, appId: string): Router<State> {
  const r = new Router<State>();
  r.get("/", (ctx) => ctx.redirect("/examples/"));
  r.get(/^\/examples(\/.*)?$/, async (ctx) => {
    let rel = decodeURIComponent(ctx.path.slice("/examples".length)) || "/";
    if (rel.endsWith("/")) rel += "index.html";
    const file = path.resolve(examplesDir, "." + rel);
    if (!file.startsWith(examplesDir + path.sep) || file.includes(`${path.sep}node_modules${path.sep}`)) throw notFound("Page");
    const info = await stat(file).catch(() => null);
    if (!info?.isFile()) {
      if (info?.isDirectory()) return ctx.redirect(ctx.path + "/");
      throw notFound("Page");
    }
    const ext = path.extname(file);
    const type = TYPES[ext];
    if (!type) throw notFound("Page");
    ctx.type = type;
    ctx.set("Cache-Control", "no-cache");
    const body = await readFile(file);
    ctx.body = ext === ".html" ? body.toString("utf8").replaceAll("{{PARLEY_SERVER}}", `${ctx.protocol}://${ctx.host}`).replaceAll("{{PARLEY_APP_ID}}", appId) : body;
  });
  return r;
}
