import { empty, json, type Route } from "../request/route.js";
import type { DataExport } from "@parley/sdk/protocol";
import type { AuthService } from "../auth/auth.service.js";
import { callerOf, type Ctx } from "../request/context.js";
import type { Caller } from "../shared/caller.js";
import { parse } from "../shared/validate.js";
import type { DataRightsService } from "./data-rights.service.js";
import { deleteMeBody, exportQuery } from "./data-rights.schema.js";
import { exportZip } from "./export-zip.js";

export interface DataRightsRoutesDeps {
  dataRights: DataRightsService;
  auth: Pick<AuthService, "confirmDeletion">;
}

/** Answers an export: the JSON, or (`?format=zip`) the zip with the files, never cached. */
export async function answerExport(ctx: Ctx, dataRights: DataRightsService, caller: Caller, userId: string): Promise<void> {
  const { format } = parse(exportQuery, ctx.query);
  const { data, files } = await dataRights.export(caller, userId, { files: format === "zip" });
  ctx.set("Cache-Control", "no-store");
  if (format === "zip") {
    ctx.type = "application/zip";
    ctx.attachment(`parley-export-${userId}.zip`);
    ctx.body = exportZip(data, files);
  } else {
    ctx.body = data satisfies DataExport;
  }
}

/**
 * The signed-in user's data rights (issue 17):
 */
export function dataRightsRoutes({ dataRights, auth }: DataRightsRoutesDeps): Route[] {
  const routes: Route[] = [];

  routes.push({
    method: "get",
    path: "/v1/me/export",
    operationId: "exportMyData",
    tag: "users",
    summary: "Everything of the signed-in user's, as JSON; `?format=zip`: a zip of export.json and the uploaded files (application/zip)",
    auth: "bearer",
    query: exportQuery,
    ok: { 200: json("DataExport", "The export: JSON, or with `?format=zip` a zip of export.json and the files", ["application/zip"]) },
    errors: [404],
    replica: {},
    handle: async (ctx) => {
      const caller = callerOf(ctx);
      await answerExport(ctx, dataRights, caller, caller.user);
    },
  });

  routes.push({
    method: "delete",
    path: "/v1/me",
    operationId: "deleteMe",
    tag: "users",
    summary: "Delete the account: messages become tombstones, files, sessions, contacts and memberships go (a Parley account confirms with its password)",
    auth: "bearer",
    body: { name: "DeleteAccountRequest", schema: deleteMeBody },
    ok: { 204: empty("Deleted") },
    errors: [400, 404, 413, 415],
    handle: async (ctx) => {
      const body = parse(deleteMeBody, ctx.request.body ?? {});
      const caller = callerOf(ctx);
      await auth.confirmDeletion(caller, body.password);
      await dataRights.erase(caller, caller.user);
      ctx.status = 204;
    },
  });

  return routes;
}
