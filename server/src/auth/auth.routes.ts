import Router from "@koa/router";
import type { RateLimiterAbstract } from "rate-limiter-flexible";
import { appOf, type State } from "../http/context.js";
import { appFromHeader, clientIp } from "../http/middleware.js";
import { consume, ensureNotBlocked } from "../http/rate-limit.js";
import { parse } from "../http/validate.js";
import { AppError } from "../shared/errors.js";
import type { AppsService } from "../tenancy/apps.service.js";
import { hostTokenBody, loginBody, refreshBody, registerBody } from "./auth.schema.js";
import type { AuthService } from "./auth.service.js";

export interface AuthRoutesDeps {
  apps: AppsService;
  auth: AuthService;
  limiters: { authPerIp: RateLimiterAbstract; loginPerEmail: RateLimiterAbstract };
}

/** `/auth/*`: every way in, and the session lifecycle. All name their app by header. */
export function authRoutes({ apps, auth, limiters }: AuthRoutesDeps): Router<State> {
  const r = new Router<State>({ prefix: "/auth" });
  r.use(appFromHeader(apps));

  r.post("/register", async (ctx) => {
    await consume(limiters.authPerIp, clientIp(ctx));
    const body = parse(registerBody, ctx.request.body);
    ctx.status = 201;
    ctx.body = await auth.register(appOf(ctx), body);
  });

  // Brute force is bounded twice: per IP (all auth calls) and per account (failed logins).
  r.post("/login", async (ctx) => {
    await consume(limiters.authPerIp, clientIp(ctx));
    const body = parse(loginBody, ctx.request.body);
    const accountKey = `${appOf(ctx).id}:${body.email}`;
    await ensureNotBlocked(limiters.loginPerEmail, accountKey);
    try {
      ctx.body = await auth.login(appOf(ctx), body);
    } catch (err) {
      if (err instanceof AppError && err.code === "invalid_credentials") await limiters.loginPerEmail.penalty(accountKey);
      throw err;
    }
    await limiters.loginPerEmail.delete(accountKey);
  });

  r.post("/host-token", async (ctx) => {
    await consume(limiters.authPerIp, clientIp(ctx));
    const body = parse(hostTokenBody, ctx.request.body);
    ctx.body = await auth.signInWithHostToken(appOf(ctx), body.token);
  });

  r.post("/refresh", async (ctx) => {
    const body = parse(refreshBody, ctx.request.body);
    ctx.body = await auth.refresh(appOf(ctx), body.refreshToken);
  });

  r.post("/logout", async (ctx) => {
    const body = parse(refreshBody, ctx.request.body);
    await auth.logout(appOf(ctx), body.refreshToken);
    ctx.status = 204;
  });

  return r;
}
