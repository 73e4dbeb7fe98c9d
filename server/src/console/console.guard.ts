import type { Next } from "koa";
import type { Ctx } from "../request/context.js";
import { AppError } from "../shared/errors.js";
import type { ConsoleService } from "./console.service.js";
import type { Client } from "./sessions.js";

/** The console session's cookie: HttpOnly, SameSite=Strict, Secure under HTTPS. */
export const COOKIE = "parley_console";
/** The header every change carries the session's CSRF token in. */
export const CSRF_HEADER = "X-Parley-CSRF";

const SAFE = new Set(["GET", "HEAD", "OPTIONS"]);

export const clientOf = (ctx: Ctx): Client => ({ ip: ctx.ip || "unknown", userAgent: ctx.get("User-Agent") });

/**
 * A change must come from the console's own page: its Origin is this server's. A cross-site form
 * or fetch names its own site (or, stripped by a privacy setting, none): both are refused.
 */
export async function sameOrigin(ctx: Ctx, next: Next): Promise<void> {
  refuseForeign(ctx);
  return next();
}

/** This server's origin as the browser sees it (behind a trusted proxy, its forwarded protocol and host). Koa 3's `ctx.origin` is the Origin header. */
export const selfOrigin = (ctx: Ctx): string => `${ctx.protocol}://${ctx.host}`;

function refuseForeign(ctx: Ctx): void {
  if (!SAFE.has(ctx.method) && ctx.get("Origin") !== selfOrigin(ctx))
    throw new AppError("forbidden", "A console change must come from the console's own page", { reason: "origin" });
}

export function setSessionCookie(ctx: Ctx, token: string | null): void {
  ctx.cookies.set(COOKIE, token ?? "", { httpOnly: true, sameSite: "strict", secure: ctx.secure, path: "/", overwrite: true, ...(token ? {} : { maxAge: 0 }) });
}

/**
 * The console's guard: the session cookie (nothing else: a bearer token or a server key is not a
 * console session), then for a change the same Origin and the CSRF token.
 */
export function requireConsole(console: ConsoleService) {
  return async (ctx: Ctx, next: Next): Promise<void> => {
    const token = ctx.cookies.get(COOKIE) ?? "";
    const caller = token ? await console.callerOf(token, clientOf(ctx)) : null;
    if (!caller) throw new AppError("unauthenticated", "Sign in to the console first");
    refuseForeign(ctx);
    if (!SAFE.has(ctx.method)) {
      if (!console.checkCsrf(caller, ctx.get(CSRF_HEADER)))
        throw new AppError("forbidden", `Send the session's CSRF token in ${CSRF_HEADER}`, { reason: "csrf" });
    }
    ctx.state.console = caller;
    return next();
  };
}
