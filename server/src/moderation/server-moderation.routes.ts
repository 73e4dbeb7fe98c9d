import Router from "@koa/router";
import type { Middleware } from "koa";
import type { ModeratorsResponse } from "@parley/sdk/protocol";
import { serverCallerOf, type Ctx, type State } from "../http/context.js";
import type { Caller } from "../shared/caller.js";
import { notFound } from "../shared/errors.js";
import { parse } from "../shared/validate.js";
import type { UsersService } from "../users/users.service.js";
import { moderationHandlers } from "./moderation.routes.js";
import { reasonBody } from "./moderation.schema.js";
import type { ModerationService } from "./moderation.service.js";

export interface ServerModerationRoutesDeps {
  moderation: ModerationService;
  users: Pick<UsersService, "findBySub">;
  /** `requireServerKey` (http/middleware.ts). */
  serverKey: Middleware<State>;
}

const param = (ctx: Ctx, name: string): string => String((ctx.params as Record<string, string | undefined>)[name] ?? "");

/**
 * The host's backend: `/v1/server/moderators/:sub` (who moderates the app) and
 * `/v1/server/moderation/…` (the moderators' commands, see moderation.routes.ts), users named
 * by `sub` (404 for a sub of no user of the app).
 */
export function serverModerationRoutes({ moderation, users, serverKey }: ServerModerationRoutesDeps): Router<State> {
  const r = new Router<State>({ prefix: "/server" });
  r.use(serverKey);
  const bySub = async (ctx: Ctx, caller: Caller, name = "user"): Promise<string> => {
    const user = await users.findBySub(caller.appId, param(ctx, name));
    if (!user) throw notFound("User");
    return user.id;
  };

  r.get("/moderators", async (ctx) => {
    ctx.body = { moderators: await moderation.listModerators(serverCallerOf(ctx)) } satisfies ModeratorsResponse;
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
  r.put("/moderators/:sub", setModerator(true));
  r.delete("/moderators/:sub", setModerator(false));

  const h = moderationHandlers(moderation, serverCallerOf, (ctx, caller) => bySub(ctx, caller));
  r.get("/moderation/audit", h.audit);
  r.get("/moderation/reports", h.reports);
  r.post("/moderation/reports/:id/resolve", h.resolve);
  r.put("/moderation/conversations/:id/mutes/:user", h.mute);
  r.delete("/moderation/conversations/:id/mutes/:user", h.unmute);
  r.put("/moderation/conversations/:id/bans/:user", h.ban);
  r.delete("/moderation/conversations/:id/bans/:user", h.unban);
  r.put("/moderation/bans/:user", h.banApp);
  r.delete("/moderation/bans/:user", h.unbanApp);
  r.put("/moderation/conversations/:id/slow-mode", h.slowMode);
  r.get("/moderation/word-filter", h.wordFilter);
  r.put("/moderation/word-filter", h.setWordFilter);
  r.delete("/moderation/messages/:id", h.deleteMessage);
  return r;
}
