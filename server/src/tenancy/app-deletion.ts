import type { DataSource } from "typeorm";
import { forgetPreviewsOfApp } from "../previews/forget.js";
import { PreviewFiles } from "../previews/preview-files.js";
import { AVATARS_FOLDER } from "../uploads/avatars.js";
import { DiskStorage } from "../uploads/storage.js";
import { FILES_FOLDER } from "../uploads/uploads.service.js";
import { AppEntity } from "./app.entity.js";
import type { AppsService } from "./apps.service.js";

/** What `app:delete` removed. */
export interface DeletedApp {
  rows: Record<string, number>;
  files: number;
}

/**
 * Deletes an app and everything that belongs to it: the rows of every table with an `appId`
 * column (found from the entity metadata, so a new domain's table is included without a change
 * here), its uploaded files and its users' avatar files.
 *
 * The app is disabled first, so no request or socket adds data while its rows go (running nodes
 * notice within seconds: ops/app-watch.ts). Each table is emptied in its own statement, not in one
 * huge transaction; if the command is interrupted, the app is still there, disabled, and running
 * it again finishes the job. Files go after their rows, so no row ever points at a missing file.
 */
export async function deleteAppWithData(db: DataSource, apps: AppsService, storage: DiskStorage, appId: string): Promise<DeletedApp> {
  await apps.setDisabled(appId, true);
  const uploads: { storedName: string }[] = await db.query("SELECT storedName FROM uploads WHERE appId = ?", [appId]);
  const users: { id: string; avatarUrl: string | null }[] = await db.query("SELECT id, avatarUrl FROM users WHERE appId = ? AND avatarUrl IS NOT NULL", [
    appId,
  ]);
  const files = [
    ...uploads.map((u) => storage.pathOf(FILES_FOLDER, u.storedName)),
    // Only avatar files named after their own user: a URL may point anywhere (another app's file).
    ...users.flatMap((u) => {
      const name = u.avatarUrl!.split("/").pop() ?? "";
      return DiskStorage.ownedBy(name, u.id) ? [storage.pathOf(AVATARS_FOLDER, name)] : [];
    }),
  ];
  // Link preview images only this app's messages used (the cache's rows stay until they expire).
  const previewImages = await forgetPreviewsOfApp(db.manager, appId);
  const rows: Record<string, number> = {};
  const tables = db.entityMetadatas.filter((m) => m.target !== AppEntity && m.columns.some((c) => c.propertyName === "appId"));
  for (const m of tables) {
    const result = await db.createQueryBuilder().delete().from(m.target).where("appId = :appId", { appId }).execute();
    rows[m.tableName] = result.affected ?? 0;
  }
  for (const f of files) await storage.discard(f);
  await new PreviewFiles(storage).discard(previewImages);
  await db.getRepository(AppEntity).delete({ id: appId });
  apps.forget(appId);
  rows["apps"] = 1;
  return { rows, files: files.length };
}
