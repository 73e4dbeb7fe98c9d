import type { EntityManager } from "typeorm";

/**
 * Account deletion's part of usage/, in the deleting unit: the marks that name the user (who was
 * active today and this month) go. The counters stay: they are numbers of an app's day, with no
 * one's identity in them, and a count that dropped on deletion would rewrite the app's history.
 */
export async function forgetUsageOf(m: EntityManager, appId: string, userId: string): Promise<void> {
  await m.query("DELETE FROM usage_active_users WHERE appId = ? AND userId = ?", [appId, userId]);
}
