import { readFile, stat } from "node:fs/promises";
import path from "node:path";
import Router from "@koa/router";
import type { Ctx, State } from "../request/context.js";
import { AppError, notFound } from "../shared/errors.js";

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "application/javascript; charset=utf-8",
  ".mjs": "application/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".png": "image/png",
  ".md": "text/plain; charset=utf-8",
};

/** A host name or address with an optional port: all a Host (or X-Forwarded-Host) header may be here. */
const HOST = /^(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?)*|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?$/;

const HTML_ESCAPES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;", "`": "&#96;" };

/** Escapes a value for HTML text and quoted attributes. */
export const escapeHtml = (s: string): string => s.replace(/[&<>"'`]/g, (c) => HTML_ESCAPES[c]!);

/**
 * Serves examples/ at /examples/ for the demo. In HTML pages `{{PARLEY_SERVER}}` and
 * `{{PARLEY_APP_ID}}` become this server and the demo app, so the pages are the same
 * one-line embed a host site writes.
 *
 * The server's address comes from the request's Host header, which the client writes: it must be
 * a plain host[:port] (else 400), and is escaped too. The placeholders also sit inside script
 * string literals, where HTML escapes are not decoded, so the strict shape is what keeps them safe
 * there; the escaping covers attributes and text.
 */
export function demoRoutes(examplesDir: string, appId: string): Router<State> {
  const r = new Router<State>();
  r.get("/", (ctx) => ctx.redirect("/examples/"));
  r.get(/^\/examples(\/.*)?$/, async (ctx) => {
    let rel = decodePath(ctx.path.slice("/examples".length)) || "/";
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
    if (ext !== ".html") {
      ctx.body = body;
      return;
    }
    ctx.body = body
      .toString("utf8")
      .replaceAll("{{PARLEY_SERVER}}", escapeHtml(serverOrigin(ctx)))
      .replaceAll("{{PARLEY_APP_ID}}", escapeHtml(appId));
  });
  return r;
}

/** A percent-decoded path; malformed escapes (`%E0%A4%A`) are the client's mistake: 400, not 500. */
function decodePath(raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    throw new AppError("validation_failed", "Malformed percent-encoding in the path");
  }
}

/** `http(s)://host[:port]` of this request, refusing a Host header that is anything else. */
function serverOrigin(ctx: Ctx): string {
  const host = ctx.host;
  if (!HOST.test(host)) throw new AppError("validation_failed", "Invalid Host header");
  return `${ctx.protocol === "https" ? "https" : "http"}://${host}`;
}
