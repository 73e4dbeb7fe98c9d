import Router from "@koa/router";
import type { RouteDeps } from "../http/context.js";
import type { State } from "../http/context.js";

/** TODO(helper): uploads routes. */
export function uploadsRoutes({ services, requireAuth }: RouteDeps): Router<State> {
  const r = new Router<State>();
  void services;
  void requireAuth;
  return r;
}
