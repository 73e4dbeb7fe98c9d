import type { EntityManager } from "typeorm";

/**
 * Account deletion's part in moderation/ (data-rights/ sequences it, inside its unit): the reports
 * stay (who reported whom, why, and what was decided) but none of the user's words — the reported
 * message's copy in a report about them, their notes in theirs. Bans, mutes and the audit log stay:
 * they name the user by id only.
 */
export async function forgetReportWords(m: EntityManager, appId: string, userId: string): Promise<void> {
  await m.query("UPDATE moderation_reports SET messageText = NULL WHERE appId = ? AND userId = ?", [appId, userId]);
  await m.query("UPDATE moderation_reports SET note = NULL WHERE appId = ? AND reporterId = ?", [appId, userId]);
}
