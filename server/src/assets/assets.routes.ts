import { readFile, readdir, stat } from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";
import { brotliCompress, constants as zlib, gzip } from "node:zlib";
import Router from "@koa/router";
import type { State } from "../request/context.js";
import { notFound } from "../shared/errors.js";

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "application/javascript; charset=utf-8",
  ".map": "application/json; charset=utf-8",
};

export interface AssetDirs {
  /** widget/dist: widget.js (the script-tag loader) and the content-hashed UI module it imports. */
  widget: string;
  /** sdk/dist: the self-contained browser build of the SDK. */
  sdk: string;
  /** console/dist: the console's index.html and its content-hashed modules. */
  console: string;
}

/** `name-<hash>.js` as rollup names the widget's UI module and chunks: the name changes with the content. */
const HASHED = /^[a-zA-Z][a-zA-Z0-9-]*(\.strings)?-[A-Za-z0-9_-]{8}\.js(\.map)?$/;

/** Short-lived for stable URLs (a release reaches host pages in minutes), forever for hashed ones. */
const STABLE_CACHE = "public, max-age=300, stale-while-revalidate=86400";
const IMMUTABLE_CACHE = "public, max-age=31536000, immutable";
/** The console's page: always revalidated, so a release reaches every open console at its next load. */
const PAGE_CACHE = "no-cache";

/**
 * The console's page may run only its own scripts, talk only to its own origin, and never be framed
 * (clickjacking a signed-in operator); styles inline because Lit may fall back to <style> elements.
 */
const CONSOLE_HEADERS: Record<string, string> = {
  "Content-Security-Policy":
    "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
  "X-Frame-Options": "DENY",
  "Referrer-Policy": "no-referrer",
};

interface Encoded {
  identity: Buffer;
  br: Buffer;
  gzip: Buffer;
  etag: string;
}

const compressBr = promisify(brotliCompress);
const compressGzip = promisify(gzip);

/**
 * Each file compressed once per version (size and mtime) and kept in memory: brotli at its best
 * quality and gzip at level 9 cost a few hundred milliseconds once, then every response is a copy.
 */
class Precompressed {
  private readonly cache = new Map<string, Promise<Encoded>>();

  async get(file: string): Promise<Encoded | null> {
    const info = await stat(file).catch(() => null);
    if (!info?.isFile()) return null;
    const version = `${info.size.toString(36)}-${Math.floor(info.mtimeMs).toString(36)}`;
    const key = `${file}\0${version}`;
    let entry = this.cache.get(key);
    if (!entry) {
      for (const k of this.cache.keys()) if (k.startsWith(`${file}\0`)) this.cache.delete(k);
      entry = (async () => {
        const identity = await readFile(file);
        const [br, gz] = await Promise.all([
          compressBr(identity, { params: { [zlib.BROTLI_PARAM_QUALITY]: zlib.BROTLI_MAX_QUALITY, [zlib.BROTLI_PARAM_SIZE_HINT]: identity.length } }),
          compressGzip(identity, { level: 9 }),
        ]);
        return { identity, br, gzip: gz, etag: version };
      })();
      entry.catch(() => this.cache.delete(key));
      this.cache.set(key, entry);
    }
    return entry;
  }
}

/**
 * The files host pages load: `GET /widget.js` (the script-tag loader), the content-hashed widget
 * UI it imports (`/widget-ui-<hash>.js`), `GET /sdk.js` (the SDK as one ES module) and `GET
 * /parley-sw.js` (the service worker part a host's own service worker imports for web push). Stable
 * URLs are cached for a few minutes and revalidated by ETag; hashed ones are immutable. Every one
 * is sent brotli- or gzip-compressed when the client accepts it (`Vary: Accept-Encoding`).
 */
export function assetsRoutes(dirs: AssetDirs): Router<State> {
  const stable: Record<string, string> = {
    "/widget.js": path.join(dirs.widget, "widget.js"),
    "/widget.js.map": path.join(dirs.widget, "widget.js.map"),
    "/sdk.js": path.join(dirs.sdk, "parley-sdk.browser.js"),
    "/sdk.js.map": path.join(dirs.sdk, "parley-sdk.browser.js.map"),
    // Web push: what a host's one-line service worker imports (importScripts), see widget/src/sw/.
    "/parley-sw.js": path.join(dirs.widget, "parley-sw.js"),
    "/parley-sw.js.map": path.join(dirs.widget, "parley-sw.js.map"),
  };
  const files = new Precompressed();
  const r = new Router<State>();

  const serve = async (ctx: Parameters<Parameters<Router<State>["get"]>[1]>[0], file: string, cache: string, crossOrigin = true): Promise<void> => {
    const f = await files.get(file);
    if (!f) throw notFound("Bundle (run `npm run build`)");
    const encoding = ctx.acceptsEncodings("br", "gzip", "identity");
    const body = encoding === "br" ? f.br : encoding === "gzip" ? f.gzip : f.identity;
    ctx.vary("Accept-Encoding");
    ctx.set("ETag", `"${f.etag}${encoding === "br" || encoding === "gzip" ? `-${encoding}` : ""}"`);
    ctx.set("Cache-Control", cache);
    ctx.set("X-Content-Type-Options", "nosniff");
    // The UI is imported as a module from the host's origin: a CORS request. (Not the console's files.)
    if (crossOrigin) ctx.set("Access-Control-Allow-Origin", "*");
    ctx.type = TYPES[path.extname(file)] ?? "application/octet-stream";
    ctx.status = 200;
    if (ctx.fresh) {
      ctx.status = 304;
      return;
    }
    if (encoding === "br" || encoding === "gzip") ctx.set("Content-Encoding", encoding);
    ctx.body = body;
  };

  for (const [route, file] of Object.entries(stable)) r.get(route, (ctx) => serve(ctx, file, STABLE_CACHE));
  // The console: one page (its routes are in the URL's hash) and its hashed modules.
  // (The route matches /console and /console/ alike: the page's relative URLs need the slash.)
  r.get("/console", async (ctx) => {
    if (!ctx.path.endsWith("/")) return ctx.redirect("/console/");
    ctx.set(CONSOLE_HEADERS);
    await serve(ctx, path.join(dirs.console, "index.html"), PAGE_CACHE, false);
  });
  r.get("/console/:file", async (ctx, next) => {
    const name = ctx.params["file"] ?? "";
    if (!HASHED.test(name) || !(await readdir(dirs.console).catch(() => [] as string[])).includes(name)) return next();
    await serve(ctx, path.join(dirs.console, name), IMMUTABLE_CACHE, false);
  });
  r.get("/:file", async (ctx, next) => {
    const name = ctx.params["file"] ?? "";
    if (!HASHED.test(name) || !(await readdir(dirs.widget).catch(() => [] as string[])).includes(name)) return next();
    await serve(ctx, path.join(dirs.widget, name), IMMUTABLE_CACHE);
  });
  return r;
}
