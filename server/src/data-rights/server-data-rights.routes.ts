import { exportQuery } from "./data-rights.schema.js";
import { ref } from "../shared/schema.js";
import { empty, json, type Route } from "../request/route.js";
import { serverCallerOf, type Ctx } from "../request/context.js";
import { sub } from "../server-api/server-api.schema.js";
import { notFound } from "../shared/errors.js";
import { parse } from "../shared/validate.js";
import { answerExport } from "./data-rights.routes.js";
import type { DataRightsService } from "./data-rights.service.js";
import { serverDeleteBody } from "./data-rights.schema.js";

export interface ServerDataRightsRoutesDeps {
  dataRights: DataRightsService;
}

/**
 * The host's backend, for a user it names by `sub` (404 for an unknown or deleted one):
 */
export function serverDataRightsRoutes({ dataRights }: ServerDataRightsRoutesDeps): Route[] {
  const routes: Route[] = [];
  const subOf = (ctx: Ctx): string => {
    const parsed = sub.safeParse(ctx.params["sub"]);
    if (!parsed.success) throw notFound("User");
    return parsed.data;
  };

  routes.push({
    method: "get",
    path: "/v1/server/users/:sub/export",
    operationId: "serverExportUser",
    tag: "server",
    summary: "Everything of a user's (by sub), as JSON; `?format=zip`: a zip of export.json and the uploaded files",
    auth: "server",
    params: { sub: ref },
    query: exportQuery,
    ok: { 200: json("DataExport", "The export: JSON, or with `?format=zip` a zip of export.json and the files", ["application/zip"]) },
    errors: [404],
    replica: {},
    handle: async (ctx) => {
      const caller = serverCallerOf(ctx);
      await answerExport(ctx, dataRights, caller, await dataRights.userBySub(caller, subOf(ctx)));
    },
  });

  routes.push({
    method: "delete",
    path: "/v1/server/users/:sub",
    operationId: "serverDeleteUser",
    tag: "server",
    summary: "Delete a user's account (by sub), as DELETE /v1/me does",
    auth: "server",
    params: { sub: ref },
    body: { name: "ServerDeleteUserRequest", schema: serverDeleteBody },
    ok: { 204: empty("Deleted") },
    errors: [400, 404, 413, 415],
    handle: async (ctx) => {
      const caller = serverCallerOf(ctx);
      parse(serverDeleteBody, ctx.request.body ?? {});
      await dataRights.erase(caller, await dataRights.userBySub(caller, subOf(ctx)));
      ctx.status = 204;
    },
  });

  return routes;
}
