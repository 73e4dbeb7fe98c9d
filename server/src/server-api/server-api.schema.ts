import { z } from "zod";
import { LIMITS, MESSAGE_LIMITS } from "@parley/sdk/protocol";
import { displayName, email, hostClaims } from "../auth/auth.schema.js";
import { editBody, sendBody } from "../messages/messages.schema.js";
import { assertDataSize, customData } from "../shared/custom-data.js";
import { pageLimit, ref, storedId } from "../shared/schema.js";

/**
 * The commands of the server API (`/v1/server/…`, the host's backend). Users are named by the
 * host's own id, `sub` (the same rule as a host token's `sub`). Custom data is shape-checked here
 * (an object: 400 otherwise) and size-checked by `withinDataLimit` (413).
 */

/** The host's id of a user: 1..191 characters, not blank, well-formed Unicode. */
export const sub = hostClaims.shape.sub;

/** The host's idempotency key of a conversation: 1..128 characters, no edge whitespace (MariaDB's PAD collations). */
export const conversationKey = z
  .string()
  .min(1)
  .max(128)
  .regex(/^\S(?:.*\S)?$/su, "No leading or trailing whitespace");

const groupName = z.string().trim().min(1).max(MESSAGE_LIMITS.groupNameMaxChars);

/** `POST /v1/server/users`. */
export const upsertUserBody = z.object({
  sub,
  name: displayName,
  avatarUrl: z
    .url({ protocol: /^https?$/ })
    .max(1024)
    .nullable()
    .optional(),
  email: email.nullable().optional(),
  data: customData.nullable().optional(),
});

/** `POST /v1/server/tokens`. */
export const tokenBody = z.object({
  sub,
  ttlSec: z.number().int().min(10).max(86_400).optional(),
});

/** `POST /v1/server/conversations`. */
export const createConversationBody = z.object({
  kind: z.enum(["direct", "group"]),
  users: z.array(sub).max(MESSAGE_LIMITS.groupMembersMax),
  name: groupName.optional(),
  key: conversationKey.optional(),
  data: customData.optional(),
  isPublic: z.boolean().optional(),
});

/** `GET /v1/server/conversations` (its `filter[data.<field>]` parameters: shared/custom-data.ts `dataFilters`). */
export const listConversationsQuery = z.object({
  key: conversationKey.optional(),
  cursor: z.string().max(400).optional(),
  limit: pageLimit(LIMITS.pageSizeMax, LIMITS.pageSizeDefault),
});

/** `PATCH /v1/server/conversations/:id`. */
export const updateConversationBody = z
  .object({ name: groupName.optional(), data: customData.nullable().optional() })
  .refine((b) => b.name !== undefined || b.data !== undefined, { message: "Nothing to update" });

/** `POST /v1/server/conversations/:id/members`. */
export const addMembersBody = z.object({ users: z.array(sub).min(1).max(MESSAGE_LIMITS.groupMembersMax) });

/**
 * `POST /v1/server/conversations/:id/messages` (the path's id as `conversationId`): without `from`,
 * a system message; with it, the user's message, moderated as their own send unless `moderation`
 * says `bypass`.
 */
export const serverSendMessage = z.object({
  conversationId: storedId,
  text: editBody.shape.text,
  from: sub.optional(),
  moderation: z
    .literal("bypass")
    .optional()
    .describe(
      "Without it, a message `from` a user is moderated as their own send: refused when they are banned (403 `banned`), muted (403 `muted`) or within slow mode (429 `slow_mode`), and passed through the word filter (400 `content_blocked`; masked words stored masked). `bypass` sends it anyway, unchanged, and writes a `message.bypass` entry naming this server key to the moderation audit log with the message. System messages (no `from`) are never moderated.",
    ),
  data: customData.optional(),
  clientMessageId: sendBody.shape.clientMessageId,
  replyToId: sendBody.shape.replyToId,
  threadId: sendBody.shape.threadId,
});
export type ServerSendMessage = z.infer<typeof serverSendMessage>;

/** `PATCH /v1/server/messages/:id`. */
export const serverEditMessage = z
  .object({ messageId: ref, text: editBody.shape.text.optional(), data: customData.nullable().optional() })
  .refine((b) => b.text !== undefined || b.data !== undefined, { message: "Nothing to update" });

/** The 413 of custom data past its limit, after the schema passed. */
export function withinDataLimit<T extends { data?: Record<string, unknown> | null | undefined }>(input: T): T {
  assertDataSize(input.data);
  return input;
}
