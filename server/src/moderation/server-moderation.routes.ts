import { ref } from "../shared/schema.js";
import { empty, json, type Route } from "../request/route.js";
import type { Middleware } from "koa";
import type { ModeratorsResponse } from "@parley/sdk/protocol";
import { serverCallerOf, type Ctx, type State, pathParam } from "../request/context.js";
import type { Caller } from "../shared/caller.js";
import { notFound } from "../shared/errors.js";
import { parse } from "../shared/validate.js";
import type { UsersService } from "../users/users.service.js";
import { moderationCommandRoutes } from "./moderation.routes.js";
import { reasonBody } from "./moderation.schema.js";
import type { ModerationService } from "./moderation.service.js";

export interface ServerModerationRoutesDeps {
  moderation: ModerationService;
  users: Pick<UsersService, "findBySub">;
}

/**
 * The host's backend: `/v1/server/moderators/:sub` (who moderates the app) and
 * `/v1/server/moderation/…` (the moderators' commands, see moderation.routes.ts), users named
 * by `sub` (404 for a sub of no user of the app).
 */
export function serverModerationRoutes({ moderation, users }: ServerModerationRoutesDeps): Route[] {
  const routes: Route[] = [];
  const bySub = async (ctx: Ctx, caller: Caller, name = "user"): Promise<string> => {
    const user = await users.findBySub(caller.appId, pathParam(ctx, name));
    if (!user) throw notFound("User");
    return user.id;
  };

  routes.push({
    method: "get",
    path: "/v1/server/moderators",
    operationId: "listModerators",
    tag: "moderation",
    summary: "The app's moderators",
    auth: "server",
    ok: { 200: json("ModeratorsResponse", "The moderators") },
    handle: async (ctx) => {
      ctx.body = { moderators: await moderation.listModerators(serverCallerOf(ctx)) } satisfies ModeratorsResponse;
    },
  });
  const setModerator =
    (on: boolean): Middleware<State> =>
    async (ctx) => {
      const c = ctx as unknown as Ctx;
      const body = parse(reasonBody, c.request.body ?? {});
      const caller = serverCallerOf(c);
      await moderation.setModerator(caller, { userId: await bySub(c, caller, "sub"), moderator: on, ...body });
      ctx.status = 204;
    };
  routes.push({
    method: "put",
    path: "/v1/server/moderators/:sub",
    operationId: "addModerator",
    tag: "moderation",
    summary: "Make a user (by sub) a moderator of the app",
    auth: "server",
    params: { sub: ref },
    ok: { 204: empty("Done") },
    errors: [404, 413, 415],
    handle: setModerator(true),
  });
  routes.push({
    method: "delete",
    path: "/v1/server/moderators/:sub",
    operationId: "removeModerator",
    tag: "moderation",
    summary: "A user (by sub) is no longer a moderator",
    auth: "server",
    params: { sub: ref },
    ok: { 204: empty("Done") },
    errors: [404, 413, 415],
    handle: setModerator(false),
  });

  routes.push(
    ...moderationCommandRoutes(moderation, {
      prefix: "/v1/server/moderation",
      auth: "server",
      operationId: (name) => `server${name[0]!.toUpperCase()}${name.slice(1)}`,
      who: serverCallerOf,
      userParam: (ctx, caller) => bySub(ctx, caller),
    }),
  );
  return routes;
}
