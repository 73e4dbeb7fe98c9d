import type { ParameterizedContext } from "koa";
import type { AccessClaims } from "../auth/tokens.js";
import type { Logger } from "../shared/logger.js";
import type { AppEntity } from "../tenancy/app.entity.js";

/** What middleware puts on `ctx.state` for the handlers after it. */
export interface State {
  requestId: string;
  log: Logger;
  /** The app the request is for: from the token when signed in, else from X-Parley-App. */
  app?: AppEntity;
  auth?: AccessClaims;
}

export type Ctx = ParameterizedContext<State>;

/** The app of a request that passed `appFromHeader` or `requireAuth`. */
export function appOf(ctx: Ctx): AppEntity {
  if (!ctx.state.app) throw new Error("route is missing its app middleware");
  return ctx.state.app;
}

/** The signed-in caller of a request that passed `requireAuth`. */
export function authOf(ctx: Ctx): AccessClaims {
  if (!ctx.state.auth) throw new Error("route is missing requireAuth");
  return ctx.state.auth;
}

/** What each domain's router factory gets. */
export interface RouteDeps {
  services: import("../services.js").Services;
  requireAuth: import("koa").Middleware<State>;
}
