import { randomUUID } from "node:crypto";
import { BlockList, isIP } from "node:net";
import type { Next } from "koa";
import jwt from "jsonwebtoken";
import { APP_HEADER, APP_QUERY } from "@parley/sdk/protocol";
import type { TokenService } from "../auth/tokens.js";
import type { ServerKeysService } from "../server-api/server-keys.service.js";
import type { TrustProxy } from "../config/proxy.js";
import { databaseErrorCode, fromDatabaseError } from "../db/db-errors.js";
import { appBanned } from "../moderation/gate.js";
import { AppError, fromHttpError } from "../shared/errors.js";
import type { Logger } from "../shared/logger.js";
import { addressKey, consume } from "../shared/rate-limit.js";
import type { RateLimiterAbstract } from "rate-limiter-flexible";
import { isOriginAllowed, type AppsService } from "../tenancy/apps.service.js";
import { callerOf, type Ctx } from "../request/context.js";
import type { ActionQuota } from "../shared/action-quota.js";
import { unmapIpv4 } from "../shared/rate-limit.js";
import type { ReadReplicas } from "../db/read-replicas.js";
import type { ReadRouting } from "../request/route.js";
import { readerOf } from "../shared/caller.js";

/**
 * First in the chain: gives the request an id and a logger, logs the outcome, and turns every
 * thrown error into the one error body. Database outages (see fromDatabaseError) become a retryable
 * 503 with `Retry-After`; other unexpected errors become a 500 with the request id only.
 */
export function errorsAndLogging(logger: Logger) {
  return async (ctx: Ctx, next: Next): Promise<void> => {
    const started = performance.now();
    const incoming = ctx.get("X-Request-Id");
    ctx.state.requestId = /^[\w-]{1,64}$/.test(incoming) ? incoming : randomUUID();
    ctx.state.log = logger.child({ reqId: ctx.state.requestId });
    ctx.set("X-Request-Id", ctx.state.requestId);
    try {
      await next();
      if (ctx.status === 404 && ctx.body === undefined) throw new AppError("not_found", "No such route");
      if ((ctx.status === 405 || ctx.status === 501) && ctx.body === undefined) throw methodError(ctx);
    } catch (err) {
      const unavailable = fromDatabaseError(err);
      const known = fromHttpError(err) ?? methodError(err) ?? unavailable;
      // Logged here, at warn: an outage is not a bug, and the request id ties it to the 503.
      if (unavailable) ctx.state.log.warn({ dbError: databaseErrorCode(err) }, "database unavailable");
      if (known) {
        ctx.status = known.status;
        ctx.body = known.toBody();
        ctx.set(known.headers);
      } else {
        ctx.state.log.error({ err }, "unhandled error");
        ctx.status = 500;
        ctx.body = { error: { code: "internal", message: "Internal server error", requestId: ctx.state.requestId } };
      }
    } finally {
      const ms = Math.round((performance.now() - started) * 10) / 10;
      const line = { method: ctx.method, path: ctx.path, status: ctx.status, ms };
      const level = ctx.status === 503 ? "warn" : ctx.status >= 500 ? "error" : "info";
      ctx.state.log[level](line, "request");
    }
  };
}

/** A 405 or 501 (the router's, with its `Allow` header already set) as the one error body. */
function methodError(err: unknown): AppError | undefined {
  const status = (err as { status?: number } | null)?.status;
  if (status === 405 || status === 501) return new AppError("method_not_allowed", "Method not allowed on this route");
  return undefined;
}

/**
 * CORS per app. A request may name its app three ways: X-Parley-App, `?appId=`, and (unverified,
 * only to pick the origin list) the bearer token; the real checks happen later. Every app it names
 * must allow the origin, so naming a second, permissive app (`?appId=` of the attacker's own app
 * beside a victim's token) wins nothing. A browser from an origin an app does not allow gets 403
 * and no CORS headers. A preflight that names no app is allowed if any app allows the origin; the
 * request that follows is then checked against its own app.
 */
export function cors(apps: AppsService) {
  return async (ctx: Ctx, next: Next): Promise<void> => {
    const origin = ctx.get("Origin");
    if (!origin) return next();
    ctx.vary("Origin");
    const named = new Set([ctx.get(APP_HEADER), queryString(ctx, APP_QUERY), appIdFromBearer(ctx.get("Authorization"))].filter(Boolean));
    const found = (await Promise.all([...named].map((id) => apps.find(id)))).filter((a) => a !== null);
    const allowed = found.length > 0 ? found.every((app) => isOriginAllowed(app, origin)) : ctx.method === "OPTIONS" && (await apps.anyAllows(origin));
    const isPreflight = ctx.method === "OPTIONS" && ctx.get("Access-Control-Request-Method") !== "";
    if (!allowed) {
      // Requests for no app (health, static files) proceed without CORS headers; app requests stop.
      if (found.length > 0 || isPreflight) throw new AppError("origin_not_allowed", "This origin is not allowed for this app");
      return next();
    }
    ctx.set("Access-Control-Allow-Origin", origin);
    ctx.set("Access-Control-Expose-Headers", "Retry-After, X-Request-Id");
    if (isPreflight) {
      ctx.set("Access-Control-Allow-Methods", "GET, POST, PUT, PATCH, DELETE");
      ctx.set("Access-Control-Allow-Headers", `Authorization, Content-Type, ${APP_HEADER}, X-Request-Id`);
      ctx.set("Access-Control-Max-Age", "600");
      ctx.status = 204;
      return;
    }
    return next();
  };
}

function queryString(ctx: Ctx, key: string): string {
  const v = ctx.query[key];
  return typeof v === "string" ? v : "";
}

function appIdFromBearer(header: string): string {
  const m = /^Bearer (\S+)$/.exec(header);
  if (!m) return "";
  let decoded: ReturnType<typeof jwt.decode>;
  try {
    decoded = jwt.decode(m[1]!);
  } catch {
    return ""; // jws throws on a `typ: JWT` header over a non-JSON payload
  }
  return decoded && typeof decoded === "object" && typeof decoded["app"] === "string" ? decoded["app"] : "";
}

/** For calls made before sign-in: the app comes from X-Parley-App (or `?appId=`). */
export function appFromHeader(apps: AppsService) {
  return async (ctx: Ctx, next: Next): Promise<void> => {
    const appId = ctx.get(APP_HEADER) || queryString(ctx, APP_QUERY);
    if (!appId) throw new AppError("validation_failed", `The ${APP_HEADER} header is required`);
    ctx.state.app = await apps.get(appId);
    return next();
  };
}

/**
 * `Authorization: Bearer <access token>`; the token's app becomes the request's app. With
 * `banned`, a user banned from the app is refused at once, even with an access token issued
 * before the ban, with the ban's reason (one indexed read per request; see ModerationGate.appBanOf).
 */
export function requireAuth(apps: AppsService, tokens: TokenService, banOf?: (appId: string, userId: string) => Promise<{ reason: string | null } | null>) {
  return async (ctx: Ctx, next: Next): Promise<void> => {
    const m = /^Bearer (\S+)$/.exec(ctx.get("Authorization"));
    if (!m) throw new AppError("unauthenticated", "Sign in first: Authorization: Bearer <access token>");
    const claims = tokens.verifyAccess(m[1]!);
    // The token's app decides; a request that also names another one (header or query) is refused.
    for (const named of [ctx.get(APP_HEADER), queryString(ctx, APP_QUERY)]) {
      if (named && named !== claims.appId) throw new AppError("invalid_token", "This token belongs to another app");
    }
    const app = await apps.find(claims.appId);
    if (!app) throw new AppError("invalid_token", "Invalid access token");
    const ban = banOf ? await banOf(app.id, claims.userId) : null;
    if (ban) throw appBanned(ban.reason);
    ctx.state.app = app;
    ctx.state.caller = { appId: app.id, user: claims.userId, session: claims.sessionId };
    return next();
  };
}

const BASIC = /^Basic ([A-Za-z0-9+/=]{1,400})$/;

/**
 * Authenticates `/v1/server/…` with a server key: `Authorization: Basic base64(<kid>:<secret>)`.
 * A request carrying `Origin` came from a browser, where a server key must never be: it is refused
 * (403) before the key is even read, so a key pasted into a page fails loudly in development.
 * Sets the app and a server caller `{ appId, server: kid }`; the key decides the app.
 */
export function requireServerKey(apps: AppsService, keys: ServerKeysService) {
  return async (ctx: Ctx, next: Next): Promise<void> => {
    if (ctx.get("Origin")) {
      throw new AppError("forbidden", "Server keys are for your backend: a request from a browser (it carries an Origin) is refused", {
        reason: "browser_origin",
      });
    }
    const m = BASIC.exec(ctx.get("Authorization"));
    const decoded = m ? Buffer.from(m[1]!, "base64").toString("utf8") : "";
    const colon = decoded.indexOf(":");
    if (colon <= 0) throw new AppError("unauthenticated", "Authenticate with a server key: Authorization: Basic base64(<key id>:<secret>)");
    const key = await keys.verify(decoded.slice(0, colon), decoded.slice(colon + 1));
    if (!key) throw new AppError("invalid_token", "Unknown or revoked server key");
    const app = await apps.find(key.appId);
    if (!app) throw new AppError("invalid_token", "Unknown or revoked server key");
    ctx.state.app = app;
    ctx.state.caller = { appId: app.id, server: key.id };
    return next();
  };
}

/** Paths a mail client POSTs a form to (RFC 8058's one-click unsubscribe): the body is not read there. */
const FORM_PATHS: ReadonlySet<string> = new Set(["/v1/email/unsubscribe"]);

/** Bodies are JSON (or multipart for uploads); anything else is a 415, not a silent `{}`. */
export async function requireJsonBody(ctx: Ctx, next: Next): Promise<void> {
  const hasBody = Number(ctx.get("Content-Length") || 0) > 0 || ctx.get("Transfer-Encoding") !== "";
  const form = FORM_PATHS.has(ctx.path) && ctx.is("application/x-www-form-urlencoded") !== false;
  if (["POST", "PUT", "PATCH", "DELETE"].includes(ctx.method) && hasBody && !form && !ctx.is("application/json", "multipart/form-data")) {
    throw new AppError("unsupported_media_type", "Send JSON with Content-Type: application/json");
  }
  return next();
}

/**
 * Puts the client's address in `ctx.ip`: the socket's peer, or, behind trusted proxies, the
 * right-most X-Forwarded-For entry no trusted proxy vouches for. Entries to the left of that one
 * were written by the client itself and are never believed (Koa's own `ctx.ip` takes the left-most).
 */
export function clientAddress(trust: TrustProxy) {
  const resolve = clientIpResolver(trust);
  return async (ctx: Ctx, next: Next): Promise<void> => {
    ctx.request.ip = resolve(ctx.req.socket.remoteAddress ?? "", ctx.get("X-Forwarded-For"));
    return next();
  };
}

/**
 * `(peer address, X-Forwarded-For) -> client address`, walking from the peer leftwards through
 * the header while each hop is trusted: by position (`hops`) or by address (`addresses`), as
 * Express's `trust proxy` does. When every hop is trusted the left-most entry is the answer.
 */
export function clientIpResolver(trust: TrustProxy): (peer: string, forwardedFor: string) => string {
  if (trust.mode === "off") return (peer) => unmapIpv4(peer);
  let trusted: (ip: string, position: number) => boolean;
  if (trust.mode === "hops") {
    trusted = (_ip, position) => position < trust.hops;
  } else {
    const proxies = new BlockList();
    for (const range of trust.addresses) {
      const [ip, bits] = range.split("/") as [string, string];
      proxies.addSubnet(ip, Number(bits), isIP(ip) === 6 ? "ipv6" : "ipv4");
    }
    trusted = (ip) => {
      const family = isIP(ip);
      return family !== 0 && proxies.check(ip, family === 6 ? "ipv6" : "ipv4");
    };
  }
  return (peer, forwardedFor) => {
    const hops = forwardedFor
      .split(",")
      .map((x) => x.trim())
      .filter(Boolean)
      .reverse();
    const chain = [peer, ...hops].map(unmapIpv4);
    for (let i = 0; i < chain.length - 1; i++) if (!trusted(chain[i]!, i)) return chain[i]!;
    return chain[chain.length - 1]!;
  };
}

/** The client's address as `clientAddress` resolved it. */
export const clientIp = (ctx: Ctx): string => ctx.ip || "unknown";

/** A route's `before` step: one point from `limiter` per client address (sign-in and sign-up forms, chat and console alike). */
/** After `requireAuth` on a user's write: one point of the actions quota (shared/action-quota.ts), or 429. */
export function actionQuotaGuard(quota: Pick<ActionQuota, "take">) {
  return async (ctx: Ctx, next: Next): Promise<void> => {
    const caller = callerOf(ctx);
    await quota.take(caller.appId, caller.user);
    return next();
  };
}

export const perAddress =
  (limiter: RateLimiterAbstract) =>
  async (ctx: Ctx, next: Next): Promise<void> => {
    await consume(limiter, addressKey(clientIp(ctx)));
    return next();
  };

/** Who a request reads and writes for, as read replicas track it: a user, an app's backend, a console account. */
function readerOfRequest(ctx: Ctx): string | undefined {
  if (ctx.state.caller) return readerOf(ctx.state.caller);
  if (ctx.state.console) return `console/${ctx.state.console.account.id}`;
  // A sign-in (register, host token) writes the user it answers with: their profile as given.
  const user = (ctx.body as { user?: { id?: unknown } } | undefined)?.user?.id;
  if (ctx.state.app && typeof user === "string") return readerOf({ appId: ctx.state.app.id, user });
  return undefined;
}

/** Routes declared `replica` read through `replicas.read` (db/read-replicas.ts), for their caller. */
export function replicaReads(replicas: ReadReplicas): ReadRouting {
  return (replica) => async (ctx, next) => {
    const reader = readerOfRequest(ctx);
    if (!reader || (replica.when && !replica.when(ctx))) return next();
    await replicas.read(reader, next);
  };
}

/**
 * A request that may have written (any method but GET, HEAD and OPTIONS) marks its caller before it
 * is answered: their next reads, on any node, go to the primary until a replica has the write.
 */
export function marksWrites(replicas: ReadReplicas) {
  return async (ctx: Ctx, next: Next): Promise<void> => {
    try {
      await next();
    } finally {
      const reader = ctx.method === "GET" || ctx.method === "HEAD" || ctx.method === "OPTIONS" ? undefined : readerOfRequest(ctx);
      if (reader) await replicas.wrote(reader);
    }
  };
}
