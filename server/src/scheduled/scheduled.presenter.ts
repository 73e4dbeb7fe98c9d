import type { ErrorCode, Page, Reminder, ScheduledMessage } from "@parley/sdk/protocol";
import { iso } from "../shared/time.js";
import type { ReminderEntity, ScheduledMessageEntity } from "./scheduled.entities.js";

/** A scheduled_messages row as the protocol's ScheduledMessage. */
export function presentScheduled(r: ScheduledMessageEntity): ScheduledMessage {
  return {
    id: r.id,
    conversationId: r.conversationId,
    text: r.text,
    replyToId: r.replyToId === null ? null : String(r.replyToId),
    sendAt: iso(Number(r.sendAt)),
    status: r.status,
    messageId: r.messageId === null ? null : String(r.messageId),
    failureCode: (r.failureCode as ErrorCode | null) ?? null,
    createdAt: iso(Number(r.createdAt)),
    updatedAt: iso(Number(r.updatedAt)),
  } satisfies ScheduledMessage;
}

/** A reminders row as the protocol's Reminder. */
export function presentReminder(r: ReminderEntity): Reminder {
  return {
    id: r.id,
    conversationId: r.conversationId,
    messageId: String(r.messageId),
    remindAt: iso(Number(r.remindAt)),
    createdAt: iso(Number(r.createdAt)),
  } satisfies Reminder;
}

/** Keyset cursors of both lists: `<time>.<id>` of the page's last row. */
export const cursorOf = (at: number, id: string): string => `${at}.${id}`;

/** A cursor back as (time, id) (the schemas let only well-formed ones through). */
export function parseCursor(cursor: string | undefined): { at: number; id: string } | undefined {
  const m = cursor ? /^(\d{1,16})\.([A-Za-z0-9_]{1,32})$/.exec(cursor) : null;
  return m ? { at: Number(m[1]), id: m[2]! } : undefined;
}

/** One page from `limit + 1` rows read. */
export function pageOf<R, T>(rows: R[], limit: number, present: (r: R) => T, cursor: (r: R) => string): Page<T> {
  const page = rows.slice(0, limit);
  const last = page[page.length - 1];
  return { items: page.map(present), nextCursor: rows.length > limit && last ? cursor(last) : null };
}
