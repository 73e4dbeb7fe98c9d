import type { EntityManager } from "typeorm";
import type { Draft } from "@parley/sdk/protocol";
import { DraftEntity } from "./draft.entity.js";
import { presentDraft } from "./drafts.presenter.js";

/**
 * Drafts/' part of a user's data export (data-rights/export.ts): every draft the server keeps of
 * theirs, newest first, those of conversations they have left too (it is their data until they
 * delete it or the account). One query: a user has at most one a conversation.
 */
export async function exportDraftsOf(m: Pick<EntityManager, "find">, appId: string, userId: string): Promise<Draft[]> {
  const rows = await m.find(DraftEntity, { where: { appId, userId }, order: { updatedAt: "DESC", conversationId: "DESC" } });
  return rows.map(presentDraft);
}
