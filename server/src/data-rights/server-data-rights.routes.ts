import Router from "@koa/router";
import type { Middleware } from "koa";
import { serverCallerOf, type Ctx, type State } from "../http/context.js";
import { sub } from "../server-api/server-api.schema.js";
import { notFound } from "../shared/errors.js";
import { parse } from "../shared/validate.js";
import { answerExport } from "./data-rights.routes.js";
import type { DataRightsService } from "./data-rights.service.js";
import { serverDeleteBody } from "./data-rights.schema.js";

export interface ServerDataRightsRoutesDeps {
  dataRights: DataRightsService;
  /** `requireServerKey` (http/middleware.ts). */
  serverKey: Middleware<State>;
}

/**
 * The host's backend, for a user it names by `sub` (404 for an unknown or deleted one):
 *
 *   GET    /server/users/:sub/export[?format=zip]
 *   DELETE /server/users/:sub        204
 */
export function serverDataRightsRoutes({ dataRights, serverKey }: ServerDataRightsRoutesDeps): Router<State> {
  const r = new Router<State>({ prefix: "/server" });
  r.use(serverKey);
  const subOf = (ctx: Ctx): string => {
    const parsed = sub.safeParse(ctx.params["sub"]);
    if (!parsed.success) throw notFound("User");
    return parsed.data;
  };

  r.get("/users/:sub/export", async (ctx) => {
    const caller = serverCallerOf(ctx);
    await answerExport(ctx, dataRights, caller, await dataRights.userBySub(caller, subOf(ctx)));
  });

  r.delete("/users/:sub", async (ctx) => {
    const caller = serverCallerOf(ctx);
    parse(serverDeleteBody, ctx.request.body ?? {});
    await dataRights.erase(caller, await dataRights.userBySub(caller, subOf(ctx)));
    ctx.status = 204;
  });

  return r;
}
