import { z } from "zod";
import type { Ack, ChatEvent, EventPayloads, EventType, SendAck, SyncResponse } from "@parley/sdk/protocol";
import { contactRequest, contactRequestStatus, conversation, groupInvitation, invitationStatus, member } from "./conversation-responses.js";
import { call } from "./call-responses.js";
import { ack, errorFields } from "./error-responses.js";
import { message, pin, poll, threadState, threadSummary } from "./message-responses.js";
import { timestamp, type Check, type Same } from "./mirror.js";
import { user } from "./user-responses.js";
import { reminder, reminderDue, scheduledMessage } from "./scheduled-responses.js";

/**
 * The persisted events (live over the socket and from GET /v1/sync) and the socket commands'
 * acks, mirrored as responses.ts explains.
 */

/** The `data` of each persisted event type. */
export const eventPayloads = {
  "message.new": z.strictObject({ message }),
  "message.updated": z.strictObject({ message }),
  "message.deleted": z.strictObject({ message }),
  "reaction.updated": z.strictObject({
    messageId: z.string(),
    conversationId: z.string(),
    userId: z.string(),
    emoji: z.string(),
    added: z.boolean(),
    count: z.number().int(),
    threadId: z.string().optional(),
  }),
  "read.updated": z.strictObject({ conversationId: z.string(), userId: z.string(), lastReadMessageId: z.string() }),
  "conversation.created": z.strictObject({ conversation }),
  "conversation.updated": z.strictObject({ conversation }),
  "member.added": z.strictObject({ conversationId: z.string(), members: z.array(member), users: z.array(user) }),
  "member.removed": z.strictObject({ conversationId: z.string(), userId: z.string() }),
  "member.updated": z.strictObject({ conversationId: z.string(), member }),
  "contact.updated": z.strictObject({
    request: contactRequest.nullable(),
    userId: z.string(),
    status: z.enum([...contactRequestStatus.options, "removed", "blocked", "unblocked"]),
  }),
  "invitation.updated": z.strictObject({ invitation: groupInvitation, status: invitationStatus }),
  "user.created": z.strictObject({ user }),
  "user.deleted": z.strictObject({ userId: z.string(), user }),
  "thread.updated": z.strictObject({ conversationId: z.string(), rootId: z.string(), thread: threadSummary }),
  "thread.state": threadState,
  mention: z.strictObject({ conversationId: z.string(), messageId: z.string(), threadId: z.string().nullable(), senderId: z.string().nullable() }),
  "conversation.muted": z.strictObject({ conversationId: z.string(), muted: z.boolean() }),
  "pin.updated": z.strictObject({ conversationId: z.string(), messageId: z.string(), pin: pin.nullable() }),
  "poll.updated": z.strictObject({ conversationId: z.string(), messageId: z.string(), poll }),
  "call.started": z.strictObject({ call }),
  "call.updated": z.strictObject({ call }),
  "call.ended": z.strictObject({ call }),
  "scheduled.updated": z.strictObject({ scheduled: scheduledMessage }),
  "scheduled.removed": z.strictObject({ id: z.string(), conversationId: z.string() }),
  "reminder.updated": z.strictObject({ reminder }),
  "reminder.removed": z.strictObject({ id: z.string(), conversationId: z.string() }),
  "reminder.due": reminderDue,
} satisfies Record<EventType, z.ZodType>;
type _EventTypes = Check<Same<keyof typeof eventPayloads, EventType>>;
type _EventPayloads = Check<Same<{ [K in EventType]: z.infer<(typeof eventPayloads)[K]> }, EventPayloads>>;

/** One event-log entry of type `type`. */
function eventOf<K extends EventType>(type: K) {
  return z.strictObject({
    seq: z.number().int(),
    type: z.literal(type),
    conversationId: z.string().nullable(),
    userId: z.string().nullable(),
    at: timestamp,
    data: eventPayloads[type],
  });
}

/** Each persisted event, by type (also the payload of the socket event of that name). */
export const events = {
  "message.new": eventOf("message.new"),
  "message.updated": eventOf("message.updated"),
  "message.deleted": eventOf("message.deleted"),
  "reaction.updated": eventOf("reaction.updated"),
  "read.updated": eventOf("read.updated"),
  "conversation.created": eventOf("conversation.created"),
  "conversation.updated": eventOf("conversation.updated"),
  "member.added": eventOf("member.added"),
  "member.removed": eventOf("member.removed"),
  "member.updated": eventOf("member.updated"),
  "contact.updated": eventOf("contact.updated"),
  "invitation.updated": eventOf("invitation.updated"),
  "user.created": eventOf("user.created"),
  "user.deleted": eventOf("user.deleted"),
  "thread.updated": eventOf("thread.updated"),
  "thread.state": eventOf("thread.state"),
  mention: eventOf("mention"),
  "conversation.muted": eventOf("conversation.muted"),
  "pin.updated": eventOf("pin.updated"),
  "poll.updated": eventOf("poll.updated"),
  "call.started": eventOf("call.started"),
  "call.updated": eventOf("call.updated"),
  "call.ended": eventOf("call.ended"),
  "scheduled.updated": eventOf("scheduled.updated"),
  "scheduled.removed": eventOf("scheduled.removed"),
  "reminder.updated": eventOf("reminder.updated"),
  "reminder.removed": eventOf("reminder.removed"),
  "reminder.due": eventOf("reminder.due"),
} satisfies { [K in EventType]: z.ZodType };

/** `message.new` -> `MessageNewEvent`: the component name of each event's schema. */
export const eventSchemaName = (type: string): string => `${type.replace(/(^|[.\-_])(\w)/g, (_, _sep: string, c: string) => c.toUpperCase())}Event`;

/** The events by component name, for the documents. */
export const eventSchemas: Record<string, z.ZodType> = Object.fromEntries(Object.entries(events).map(([type, schema]) => [eventSchemaName(type), schema]));

export const chatEvent = z.discriminatedUnion("type", Object.values(events) as [(typeof events)[EventType], ...(typeof events)[EventType][]]);
type _ChatEvent = Check<Same<z.infer<typeof chatEvent>, ChatEvent>>;

export const syncResponse = z.strictObject({ events: z.array(chatEvent), lastSeq: z.number().int(), hasMore: z.boolean() });
type _SyncResponse = Check<Same<z.infer<typeof syncResponse>, SyncResponse>>;

export const syncHead = z.strictObject({ lastSeq: z.number().int() });

// ---------------------------------------------------------------------------------------------
// Acks
// ---------------------------------------------------------------------------------------------

/** `message.send`'s ack (`SendAck`): the message, and its event for a socket that asked for no echo. */
export const messageAck = z.discriminatedUnion("ok", [
  z.strictObject({ ok: z.literal(true), data: message, event: events["message.new"].optional() }),
  z.strictObject({ ok: z.literal(false), error: z.strictObject(errorFields) }),
]);
export const emptyAck = ack(z.null());
type _MessageAck = Check<Same<z.infer<typeof messageAck>, SendAck>>;
type _EmptyAck = Check<Same<z.infer<typeof emptyAck>, Ack<null>>>;
