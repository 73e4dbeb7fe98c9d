import { empty, json, type Route } from "../request/route.js";
import type { RateLimiterAbstract } from "rate-limiter-flexible";
import { appOf, callerOf } from "../request/context.js";
import { perAddress } from "../http/middleware.js";
import { attempt } from "../shared/rate-limit.js";
import { parse } from "../shared/validate.js";
import { changePasswordBody, hostTokenBody, loginBody, refreshBody, registerBody } from "./auth.schema.js";
import type { AuthService } from "./auth.service.js";

export interface AuthRoutesDeps {
  auth: AuthService;
  limiters: { authPerIp: RateLimiterAbstract; loginPerEmail: RateLimiterAbstract };
}

/**
 * `/auth/*`: every way in, and the session lifecycle. Calls made before sign-in name their app by
 * header; the password change is the one signed-in call (its app comes from the token).
 */
export function authRoutes({ auth, limiters }: AuthRoutesDeps): Route[] {
  const routes: Route[] = [];
  const perIp = perAddress(limiters.authPerIp);

  const countingFailures = <T>(key: string, fn: () => Promise<T>): Promise<T> => attempt(limiters.loginPerEmail, key, fn);

  routes.push({
    method: "post",
    path: "/v1/auth/register",
    operationId: "register",
    tag: "auth",
    summary: "Create a Parley account and sign in",
    auth: "app",
    body: { name: "RegisterRequest", schema: registerBody },
    ok: { 201: json("AuthResponse", "Registered and signed in") },
    errors: [404, 409, 429],
    before: [perIp],
    handle: async (ctx) => {
      const body = parse(registerBody, ctx.request.body);
      ctx.status = 201;
      ctx.body = await auth.register(appOf(ctx), body);
    },
  });

  // Brute force is bounded twice: per IP (all auth calls) and per account (failed logins). The
  // account key is the normalised email (loginBody), so every spelling of it shares one budget.
  routes.push({
    method: "post",
    path: "/v1/auth/login",
    operationId: "login",
    tag: "auth",
    summary: "Sign in with email and password",
    auth: "app",
    body: { name: "LoginRequest", schema: loginBody },
    ok: { 200: json("AuthResponse", "Signed in") },
    errors: [401, 404, 429],
    before: [perIp],
    handle: async (ctx) => {
      const body = parse(loginBody, ctx.request.body);
      ctx.body = await countingFailures(`${appOf(ctx).id}:${body.email}`, () => auth.login(appOf(ctx), body));
    },
  });

  routes.push({
    method: "post",
    path: "/v1/auth/host-token",
    operationId: "signInWithHostToken",
    tag: "auth",
    summary: "Exchange a token the host site signed with its app secret",
    auth: "app",
    body: { name: "HostTokenRequest", schema: hostTokenBody },
    ok: { 200: json("AuthResponse", "Signed in") },
    errors: [401, 404, 429],
    before: [perIp],
    handle: async (ctx) => {
      const body = parse(hostTokenBody, ctx.request.body);
      ctx.body = await auth.signInWithHostToken(appOf(ctx), body.token);
    },
  });

  routes.push({
    method: "post",
    path: "/v1/auth/refresh",
    operationId: "refresh",
    tag: "auth",
    summary: "Rotate the refresh token for a new session",
    auth: "app",
    body: { name: "RefreshRequest", schema: refreshBody },
    ok: { 200: json("AuthResponse", "A new session") },
    errors: [401, 404],
    handle: async (ctx) => {
      const body = parse(refreshBody, ctx.request.body);
      ctx.body = await auth.refresh(appOf(ctx), body.refreshToken);
    },
  });

  routes.push({
    method: "post",
    path: "/v1/auth/logout",
    operationId: "logout",
    tag: "auth",
    summary: "Revoke a refresh token",
    auth: "app",
    body: { name: "RefreshRequest", schema: refreshBody },
    ok: { 204: empty("Signed out") },
    errors: [404],
    handle: async (ctx) => {
      const body = parse(refreshBody, ctx.request.body);
      await auth.logout(appOf(ctx), body.refreshToken);
      ctx.status = 204;
    },
  });

  // Ends every session of the user (their sockets drop on every node) and answers a new one.
  // A stolen access token is no password oracle: wrong guesses count like failed logins.
  routes.push({
    method: "post",
    path: "/v1/auth/password",
    operationId: "changePassword",
    tag: "auth",
    summary: "Change the password: ends every session, answers a new one",
    auth: "bearer",
    body: { name: "ChangePasswordRequest", schema: changePasswordBody },
    ok: { 200: json("AuthResponse", "Changed; a new session") },
    errors: [429],
    before: [perIp],
    handle: async (ctx) => {
      const body = parse(changePasswordBody, ctx.request.body);
      const caller = callerOf(ctx);
      ctx.body = await countingFailures(`${caller.appId}:${caller.user}`, () => auth.changePassword(caller, body));
    },
  });

  return routes;
}
