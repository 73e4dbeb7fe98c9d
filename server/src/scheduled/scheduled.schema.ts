import { z } from "zod";
import { MESSAGE_LIMITS } from "@parley/sdk/protocol";
import { messageIdString, pageLimit, ref } from "../shared/schema.js";

/** What one user may keep: beyond it a new one is a 409 (`details.reason: limit`). */
export const SCHEDULED_LIMITS = {
  /** Pending scheduled messages per user. */
  pendingPerUser: 100,
  /** Pending reminders per user. */
  remindersPerUser: 100,
  /** How far ahead a send or a reminder may be set. */
  maxAheadDays: 366,
} as const;

/** A time this far in the past is still "now" (a client's clock a little behind, a menu's "in 0 minutes"). */
const PAST_SLACK_MS = 60_000;
const MAX_AHEAD_MS = SCHEDULED_LIMITS.maxAheadDays * 86_400_000;

/** An ISO time from about now to a year ahead, as epoch milliseconds. */
const laterTime = (what: string) =>
  z.iso
    .datetime({ offset: true })
    .transform((v) => Date.parse(v))
    .refine((t) => t >= Date.now() - PAST_SLACK_MS, { message: `${what} is in the past` })
    .refine((t) => t <= Date.now() + MAX_AHEAD_MS, { message: `${what} is more than ${SCHEDULED_LIMITS.maxAheadDays} days ahead` })
    .describe(`ISO time, from now to ${SCHEDULED_LIMITS.maxAheadDays} days ahead`);

/** A message's text, as a send takes it: trimmed, 1..4000 code points. */
const text = z
  .string()
  .max(MESSAGE_LIMITS.textMaxChars * 4)
  .trim()
  .min(1)
  .max(MESSAGE_LIMITS.textMaxChars);

/** `POST /v1/conversations/:id/scheduled`. */
export const scheduleMessage = z.object({
  conversationId: ref,
  text,
  replyToId: messageIdString.optional(),
  sendAt: laterTime("sendAt"),
});
export type ScheduleMessage = z.infer<typeof scheduleMessage>;

/** `PATCH /v1/scheduled/:id`: text, time or both, while it is pending. */
export const editScheduled = z
  .object({ id: ref, text: text.optional(), sendAt: laterTime("sendAt").optional() })
  .refine((b) => b.text !== undefined || b.sendAt !== undefined, { message: "Give text, sendAt or both", path: ["text"] });
export type EditScheduled = z.infer<typeof editScheduled>;

/** `GET /v1/scheduled`: the caller's, newest first, optionally of one conversation. */
export const listScheduled = z.object({
  conversationId: z.string().min(1).max(64).optional().describe("Only this conversation's"),
  cursor: z
    .string()
    .regex(/^\d{1,16}\.[A-Za-z0-9_]{1,32}$/, "A nextCursor of this list")
    .optional()
    .describe("`nextCursor` of the page before"),
  limit: pageLimit(100, 50),
});
export type ListScheduled = z.infer<typeof listScheduled>;

/** `DELETE /v1/scheduled/:id`, `POST /v1/scheduled/:id/send`. */
export const scheduledRef = z.object({ id: ref });
export type ScheduledRef = z.infer<typeof scheduledRef>;

/** `GET /v1/server/users/:sub/scheduled`. */
export const serverListScheduled = listScheduled.extend({ sub: z.string().min(1).max(255) });
export type ServerListScheduled = z.infer<typeof serverListScheduled>;

/** `POST /v1/messages/:id/reminders`. */
export const createReminder = z.object({ messageId: ref, remindAt: laterTime("remindAt") });
export type CreateReminder = z.infer<typeof createReminder>;

/** `GET /v1/reminders`: the caller's, soonest first. */
export const listReminders = z.object({
  cursor: z
    .string()
    .regex(/^\d{1,16}\.[A-Za-z0-9_]{1,32}$/, "A nextCursor of this list")
    .optional()
    .describe("`nextCursor` of the page before"),
  limit: pageLimit(100, 50),
});
export type ListReminders = z.infer<typeof listReminders>;

/** `DELETE /v1/reminders/:id`. */
export const reminderRef = z.object({ id: ref });
export type ReminderRef = z.infer<typeof reminderRef>;
