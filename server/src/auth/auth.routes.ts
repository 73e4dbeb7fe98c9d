import Router from "@koa/router";
import type { Next } from "koa";
import type { RateLimiterAbstract } from "rate-limiter-flexible";
import { appOf, callerOf, type Ctx, type State } from "../http/context.js";
import { appFromHeader, clientIp, requireAuth } from "../http/middleware.js";
import { addressKey, consume } from "../shared/rate-limit.js";
import { parse } from "../shared/validate.js";
import { AppError } from "../shared/errors.js";
import type { AppsService } from "../tenancy/apps.service.js";
import { changePasswordBody, hostTokenBody, loginBody, refreshBody, registerBody } from "./auth.schema.js";
import type { AuthService } from "./auth.service.js";

export interface AuthRoutesDeps {
  apps: AppsService;
  auth: AuthService;
  limiters: { authPerIp: RateLimiterAbstract; loginPerEmail: RateLimiterAbstract };
}

/**
 * `/auth/*`: every way in, and the session lifecycle. Calls made before sign-in name their app by
 * header; the password change is the one signed-in call (its app comes from the token).
 */
export function authRoutes({ apps, auth, limiters }: AuthRoutesDeps): Router<State> {
  const r = new Router<State>({ prefix: "/auth" });
  const byHeader = appFromHeader(apps);
  const bearer = requireAuth(apps, auth.tokens);
  const perIp = async (ctx: Ctx, next: Next): Promise<void> => {
    await consume(limiters.authPerIp, addressKey(clientIp(ctx)));
    return next();
  };

  /**
   * Runs `fn` as one attempt against `key` (an account): the attempt is taken from the budget
   * before the password is checked, so a burst of parallel guesses cannot all pass a check made
   * before any of them failed. A wrong password keeps it spent; a success clears the budget;
   * any other failure (the database, a bug) gives it back.
   */
  const countingFailures = async <T>(key: string, fn: () => Promise<T>): Promise<T> => {
    await consume(limiters.loginPerEmail, key);
    let res: T;
    try {
      res = await fn();
    } catch (err) {
      if (!(err instanceof AppError && err.code === "invalid_credentials")) await limiters.loginPerEmail.reward(key).catch(() => undefined);
      throw err;
    }
    await limiters.loginPerEmail.delete(key);
    return res;
  };

  r.post("/register", byHeader, perIp, async (ctx) => {
    const body = parse(registerBody, ctx.request.body);
    ctx.status = 201;
    ctx.body = await auth.register(appOf(ctx), body);
  });

  // Brute force is bounded twice: per IP (all auth calls) and per account (failed logins). The
  // account key is the normalised email (loginBody), so every spelling of it shares one budget.
  r.post("/login", byHeader, perIp, async (ctx) => {
    const body = parse(loginBody, ctx.request.body);
    ctx.body = await countingFailures(`${appOf(ctx).id}:${body.email}`, () => auth.login(appOf(ctx), body));
  });

  r.post("/host-token", byHeader, perIp, async (ctx) => {
    const body = parse(hostTokenBody, ctx.request.body);
    ctx.body = await auth.signInWithHostToken(appOf(ctx), body.token);
  });

  r.post("/refresh", byHeader, async (ctx) => {
    const body = parse(refreshBody, ctx.request.body);
    ctx.body = await auth.refresh(appOf(ctx), body.refreshToken);
  });

  r.post("/logout", byHeader, async (ctx) => {
    const body = parse(refreshBody, ctx.request.body);
    await auth.logout(appOf(ctx), body.refreshToken);
    ctx.status = 204;
  });

  // Ends every session of the user (their sockets drop on every node) and answers a new one.
  // A stolen access token is no password oracle: wrong guesses count like failed logins.
  r.post("/password", perIp, bearer, async (ctx) => {
    const body = parse(changePasswordBody, ctx.request.body);
    const caller = callerOf(ctx);
    ctx.body = await countingFailures(`${caller.appId}:${caller.user}`, () => auth.changePassword(caller, body));
  });

  return r;
}
