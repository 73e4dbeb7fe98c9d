import { z } from "zod";
import { ERROR_STATUS, type ErrorCode, type Page, type Reminder, type ReminderDue, type ScheduledMessage } from "@parley/sdk/protocol";
import { message } from "./message-responses.js";
import { page, timestamp, type Check, type Same } from "./mirror.js";

/** Scheduled sends and reminders (issue 55), mirrored as responses.ts explains. */

export const scheduledMessage = z.strictObject({
  id: z.string(),
  conversationId: z.string(),
  text: z.string(),
  replyToId: z.string().nullable(),
  sendAt: timestamp,
  status: z.enum(["pending", "sent", "failed"]),
  messageId: z.string().nullable(),
  failureCode: z.enum(Object.keys(ERROR_STATUS) as [ErrorCode, ...ErrorCode[]]).nullable(),
  createdAt: timestamp,
  updatedAt: timestamp,
});
type _ScheduledMessage = Check<Same<z.infer<typeof scheduledMessage>, ScheduledMessage>>;

export const reminder = z.strictObject({
  id: z.string(),
  conversationId: z.string(),
  messageId: z.string(),
  remindAt: timestamp,
  createdAt: timestamp,
});
type _Reminder = Check<Same<z.infer<typeof reminder>, Reminder>>;

export const reminderDue = z.strictObject({ reminder, message });
type _ReminderDue = Check<Same<z.infer<typeof reminderDue>, ReminderDue>>;

const pageOfScheduled = page(scheduledMessage);
type _PageOfScheduled = Check<Same<z.infer<typeof pageOfScheduled>, Page<ScheduledMessage>>>;
const pageOfReminder = page(reminder);
type _PageOfReminder = Check<Same<z.infer<typeof pageOfReminder>, Page<Reminder>>>;

export const scheduledResponseSchemas = {
  ScheduledMessage: scheduledMessage,
  PageOfScheduledMessage: pageOfScheduled,
  Reminder: reminder,
  PageOfReminder: pageOfReminder,
} as const;
