import type { ParameterizedContext } from "koa";
import type { z } from "zod";
import { notFound } from "../shared/errors.js";
import { invalidInput } from "../shared/validate.js";
import { isUserCaller, type Caller, type ServerCaller, type UserCaller } from "../shared/caller.js";
import type { Logger } from "../shared/logger.js";
import type { AppEntity } from "../tenancy/app.entity.js";
import type { ConsoleCaller } from "../console/caller.js";

/** What middleware puts on `ctx.state` for the handlers after it. */
export interface State {
  requestId: string;
  log: Logger;
  /** The app the request is for: from the token when signed in, else from X-Parley-App. */
  app?: AppEntity;
  /** Who the request acts for: built once, by `requireAuth` (access token) or `requireServerKey` (server key). */
  caller?: Caller;
  /** A console account signed in by its session cookie (`requireConsole`). */
  console?: ConsoleCaller;
}

export type Ctx = ParameterizedContext<State>;

/** The app of a request that passed `appFromHeader` or `requireAuth`. */
export function appOf(ctx: Ctx): AppEntity {
  if (!ctx.state.app) throw new Error("route is missing its app middleware");
  return ctx.state.app;
}

/** The caller of a request that passed `requireAuth`: what every service call acts for. */
export function callerOf(ctx: Ctx): UserCaller {
  const c = ctx.state.caller;
  if (!c || !isUserCaller(c)) throw new Error("route is missing requireAuth");
  return c;
}

/** The caller of a request that passed `requireServerKey` (http/middleware.ts). */
export function serverCallerOf(ctx: Ctx): ServerCaller {
  const c = ctx.state.caller;
  if (!c || isUserCaller(c)) throw new Error("route is missing requireServerKey");
  return c;
}

/** The console caller of a request that passed `requireConsole` (console/console.guard.ts). */
export function consoleCallerOf(ctx: Ctx): ConsoleCaller {
  if (!ctx.state.console) throw new Error("route is missing requireConsole");
  return ctx.state.console;
}

/**
 * A command carried by a route: its schema (the same one its socket event uses, if any) applied
 * to the body or query with the path's parameters over it. What is wrong in the body is a 400;
 * a path parameter that fails its rule names nothing, so it is the 404 of `resource` (as a
 * well-formed id that matches nothing is).
 */
export function parseCommand<S extends z.ZodType>(schema: S, body: unknown, params: Record<string, string>, resource: string): z.infer<S> {
  const input = body === undefined || body === null ? { ...params } : typeof body === "object" && !Array.isArray(body) ? { ...body, ...params } : body;
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const inBody = result.error.issues.filter((i) => !(i.path.length > 0 && String(i.path[0]) in params));
  throw inBody.length > 0 ? invalidInput(inBody) : notFound(resource);
}

/** A path parameter (`:name`) of the matched route, as given; "" when the route has none by that name. */
export function pathParam(ctx: Ctx, name: string): string {
  return String((ctx as Ctx & { params?: Record<string, string | undefined> }).params?.[name] ?? "");
}
