// Messages that reach people later (issue 55): scheduled sends and reminders. Both are the
// signed-in user's own: nobody else sees them, and each change reaches that user's other devices as
// a user-only event (`scheduled.updated`, `scheduled.removed`, `reminder.updated`,
// `reminder.removed`, `reminder.due`), live and from /sync. A user keeps at most 100 of each waiting
// (a 409 with `details.reason: limit` past it), set at most 366 days ahead (the server's
// scheduled.schema.ts; no table here: the core SDK's budget carries no value it does not use).

import type { ErrorCode } from "./errors.js";
import type { Timestamp } from "./common.js";
import type { Message } from "./messages.js";

/** Where a scheduled message is: waiting for its time, sent (`messageId`), or refused when its time came (`failureCode`). */
export type ScheduledStatus = "pending" | "sent" | "failed";

/** A message its author scheduled (`POST /v1/conversations/:id/scheduled`). */
export interface ScheduledMessage {
  id: string;
  conversationId: string;
  text: string;
  replyToId: string | null;
  /** When it is (or was) sent. */
  sendAt: Timestamp;
  status: ScheduledStatus;
  /** The message it became, once sent. */
  messageId: string | null;
  /**
   * Why it was not sent: the code the send was refused with when its time came (`not_found`: the
   * author is no member any more; `banned`, `muted`, `content_blocked`: moderation; …).
   */
  failureCode: ErrorCode | null;
  createdAt: Timestamp;
  updatedAt: Timestamp;
}

/** `POST /v1/conversations/:id/scheduled`. */
export interface ScheduleMessageRequest {
  text: string;
  replyToId?: string;
  /** ISO time, from now to 366 days ahead. */
  sendAt: Timestamp;
}

/** `PATCH /v1/scheduled/:id`: while it is pending. */
export interface EditScheduledRequest {
  text?: string;
  sendAt?: Timestamp;
}

/** A reminder on a message (`POST /v1/messages/:id/reminders`). */
export interface Reminder {
  id: string;
  conversationId: string;
  messageId: string;
  remindAt: Timestamp;
  createdAt: Timestamp;
}

/** `POST /v1/messages/:id/reminders`. */
export interface CreateReminderRequest {
  /** ISO time, from now to 366 days ahead. */
  remindAt: Timestamp;
}

/** `reminder.due`: the reminder's time came; the message as the user may read it now. */
export interface ReminderDue {
  reminder: Reminder;
  message: Message;
}
