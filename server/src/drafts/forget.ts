import type { EntityManager } from "typeorm";
import { DraftEntity } from "./draft.entity.js";

/**
 * Account deletion's part of drafts/ (issue 55), in the deleting unit: every draft of the user,
 * of conversations they are still in or not. An app's deletion removes its rows by appId
 * (tenancy/app-deletion.ts).
 */
export async function forgetDraftsOf(m: EntityManager, appId: string, userId: string): Promise<void> {
  await m.delete(DraftEntity, { appId, userId });
}
