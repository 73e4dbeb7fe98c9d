import Router from "@koa/router";
import type { Middleware } from "koa";
import type { DataExport } from "@parley/sdk/protocol";
import type { AuthService } from "../auth/auth.service.js";
import { callerOf, type Ctx, type State } from "../http/context.js";
import type { Caller } from "../shared/caller.js";
import { parse } from "../shared/validate.js";
import type { DataRightsService } from "./data-rights.service.js";
import { deleteMeBody, exportQuery } from "./data-rights.schema.js";
import { exportZip } from "./export-zip.js";

export interface DataRightsRoutesDeps {
  dataRights: DataRightsService;
  auth: Pick<AuthService, "confirmDeletion">;
  requireAuth: Middleware<State>;
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
 *
 *   GET    /me/export[?format=zip]   DataExport (JSON), or a zip: export.json + the uploaded files
 *   DELETE /me { password? }         204; the account is deleted (see DataRightsService)
 */
export function dataRightsRoutes({ dataRights, auth, requireAuth }: DataRightsRoutesDeps): Router<State> {
  const r = new Router<State>();

  r.get("/me/export", requireAuth, async (ctx) => {
    const caller = callerOf(ctx);
    await answerExport(ctx, dataRights, caller, caller.user);
  });

  r.delete("/me", requireAuth, async (ctx) => {
    const body = parse(deleteMeBody, ctx.request.body ?? {});
    const caller = callerOf(ctx);
    await auth.confirmDeletion(caller, body.password);
    await dataRights.erase(caller, caller.user);
    ctx.status = 204;
  });

  return r;
}
