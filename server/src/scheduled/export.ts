import type { EntityManager } from "typeorm";
import type { Reminder, ScheduledMessage } from "@parley/sdk/protocol";
import { ReminderEntity, ScheduledMessageEntity } from "./scheduled.entities.js";
import { presentReminder, presentScheduled } from "./scheduled.presenter.js";

/**
 * Scheduled/'s part of a user's data export (data-rights/export.ts): their scheduled messages and
 * reminders, soonest first. One query each: a user keeps at most a few hundred of them
 * (SCHEDULED_LIMITS pending, and the sent and failed ones until they delete them).
 */
export async function exportScheduledOf(
  m: Pick<EntityManager, "find">,
  appId: string,
  userId: string,
): Promise<{ scheduled: ScheduledMessage[]; reminders: Reminder[] }> {
  const [scheduled, reminders] = await Promise.all([
    m.find(ScheduledMessageEntity, { where: { appId, userId }, order: { sendAt: "ASC", id: "ASC" } }),
    m.find(ReminderEntity, { where: { appId, userId }, order: { remindAt: "ASC", id: "ASC" } }),
  ]);
  return { scheduled: scheduled.map(presentScheduled), reminders: reminders.map(presentReminder) };
}
