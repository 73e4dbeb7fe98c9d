import type { EntityManager } from "typeorm";
import { ReminderEntity, ScheduledMessageEntity } from "./scheduled.entities.js";

/**
 * Account deletion's part of scheduled/ (issue 55), in the deleting unit: the user's scheduled
 * messages (sent, failed or still waiting: none is sent after this) and reminders. An app's
 * deletion removes its rows of both tables (each has an appId: tenancy/app-deletion.ts).
 */
export async function forgetScheduledOf(m: EntityManager, appId: string, userId: string): Promise<void> {
  await m.delete(ScheduledMessageEntity, { appId, userId });
  await m.delete(ReminderEntity, { appId, userId });
}
