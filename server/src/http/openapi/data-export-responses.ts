import { z } from "zod";
import type { DataExport } from "@parley/sdk/protocol";
import { contactRequestStatus, role } from "./conversation-responses.js";
import { timestamp, type Check, type Same } from "./mirror.js";
import { me } from "./user-responses.js";
import { reminder, scheduledMessage } from "./scheduled-responses.js";
import { draft } from "./draft-responses.js";

/** A user's data export (issue 17), mirrored as responses.ts explains. */

const person = z.strictObject({ id: z.string(), displayName: z.string() });
/** `GET /v1/me/export` and `GET /v1/server/users/:sub/export` (the JSON form). */
export const dataExport = z.strictObject({
  format: z.literal("parley-export/1"),
  exportedAt: timestamp,
  profile: me.extend({ sub: z.string().nullable() }),
  messages: z.array(
    z.strictObject({
      id: z.string(),
      conversationId: z.string(),
      conversationName: z.string().nullable(),
      text: z.string().nullable(),
      attachmentIds: z.array(z.string()),
      replyToId: z.string().nullable(),
      threadId: z.string().optional(),
      createdAt: timestamp,
      editedAt: timestamp.nullable(),
      data: z.record(z.string(), z.unknown()).optional(),
    }),
  ),
  reactions: z.array(z.strictObject({ messageId: z.string(), conversationId: z.string(), emoji: z.string(), createdAt: timestamp })),
  uploads: z.array(
    z.strictObject({
      id: z.string(),
      name: z.string(),
      type: z.string(),
      size: z.number().int(),
      conversationId: z.string().nullable(),
      messageId: z.string().nullable(),
      createdAt: timestamp,
      file: z.string().optional(),
    }),
  ),
  conversations: z.array(
    z.strictObject({
      id: z.string(),
      kind: z.enum(["direct", "group"]),
      name: z.string().nullable(),
      role,
      joinedAt: timestamp,
      lastReadMessageId: z.string(),
      with: person.optional(),
    }),
  ),
  contacts: z.array(z.strictObject({ user: person, since: timestamp })),
  requests: z.array(
    z.strictObject({
      id: z.string(),
      direction: z.enum(["sent", "received"]),
      user: person,
      status: contactRequestStatus,
      conversationId: z.string().nullable(),
      createdAt: timestamp,
      respondedAt: timestamp.nullable(),
    }),
  ),
  blocks: z.array(z.strictObject({ user: person, since: timestamp })),
  calls: z.array(
    z.strictObject({
      id: z.string(),
      conversationId: z.string(),
      kind: z.enum(["audio", "video"]),
      startedBy: z.string(),
      state: z.enum(["invited", "ringing", "joined", "left", "declined"]),
      joinedAt: timestamp.nullable(),
      leftAt: timestamp.nullable(),
      createdAt: timestamp,
      endedAt: timestamp.nullable(),
      endReason: z.enum(["completed", "missed", "declined", "cancelled", "failed", "connection_lost", "dropped", "sfu_lost"]).nullable(),
    }),
  ),
  scheduled: z.array(scheduledMessage),
  reminders: z.array(reminder),
  drafts: z.array(draft),
});
type _DataExport = Check<Same<z.infer<typeof dataExport>, DataExport>>;
