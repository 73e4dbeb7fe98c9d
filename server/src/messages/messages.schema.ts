import { z } from "zod";
import { MESSAGE_LIMITS } from "@parley/sdk/protocol";
import { messageIdString, pageLimit, ref, storedId } from "../shared/schema.js";
import { canonicalEmoji } from "./reaction-key.js";

export { messageIdString };

/** Text of a new message: trimmed, at most 4000 code points (as zod counts); "" only with attachments (see `hasContent`). */
const sendFields = {
  text: z
    .string()
    .max(MESSAGE_LIMITS.textMaxChars * 4)
    .trim()
    .max(MESSAGE_LIMITS.textMaxChars),
  attachmentIds: z
    .array(storedId)
    .max(MESSAGE_LIMITS.attachmentsMax)
    .refine((ids) => new Set(ids).size === ids.length, { message: "Duplicate attachment id" })
    .optional(),
  replyToId: messageIdString.optional(),
  /** Reply in the thread of this message (threads/). */
  threadId: messageIdString.optional(),
  /** User ids mentioned in the text, members of the conversation (checked with the send). */
  mentions: z
    .array(storedId)
    .max(MESSAGE_LIMITS.mentionsMax)
    .refine((ids) => new Set(ids).size === ids.length, { message: "Duplicate user id" })
    .optional(),
  // No edge whitespace: MariaDB's PAD collations would take "x " for a retry of "x".
  clientMessageId: z
    .string()
    .min(1)
    .max(MESSAGE_LIMITS.clientMessageIdMaxChars)
    .regex(/^\S(?:.*\S)?$/su, "No leading or trailing whitespace")
    .optional(),
};

/** Whitespace-only text without attachments is refused; the stored text of an attachments-only message is "". */
const hasContent: [(b: { text: string; attachmentIds?: string[] | undefined }) => boolean, { message: string; path: string[] }] = [
  (b) => b.text.length > 0 || (b.attachmentIds?.length ?? 0) > 0,
  { message: "A message needs text or at least one attachment", path: ["text"] },
];

/**
 * Send a message: `POST /conversations/:id/messages` (the path's id as `conversationId`) and the
 * socket's `message.send`. An id no conversation can have is a 400 in a body, a 404 in a path
 * (see request/context.ts `parseCommand`); one that matches none of the caller's is a 404.
 */
export const sendMessage = z.object({ conversationId: storedId, ...sendFields }).refine(...hasContent);
export type SendMessage = z.infer<typeof sendMessage>;

/** The body of `POST /conversations/:id/messages` (the `sendMessage` command without its path id). */
export const sendBody = z.object(sendFields).refine(...hasContent);
export type SendInput = z.infer<typeof sendBody>;

/** `PATCH /messages/:id`: an edit cannot empty a message (delete it instead). */
export const editBody = z.object({
  text: z
    .string()
    .max(MESSAGE_LIMITS.textMaxChars * 4)
    .trim()
    .min(1)
    .max(MESSAGE_LIMITS.textMaxChars),
});

/** Edit a message (`PATCH /messages/:id`). */
export const editMessage = editBody.extend({ messageId: ref });
export type EditMessage = z.infer<typeof editMessage>;

/** The body of `POST /conversations/:id/read`. */
export const readBody = z.object({ messageId: messageIdString });

/** Move the caller's read mark: `POST /conversations/:id/read` and the socket's `read`. */
export const markRead = readBody.extend({ conversationId: storedId });
export type MarkRead = z.infer<typeof markRead>;

/** The socket's `typing`: relayed to the conversation's other members, never stored. */
export const typing = z.object({ conversationId: storedId, typing: z.boolean().default(true) });
export type Typing = z.infer<typeof typing>;

/**
 * `GET /conversations/:id/messages?before=&after=&limit=`. See MessagesService.history for the
 * paging rules.
 */
export const historyQuery = z.object({
  before: messageIdString.optional(),
  after: messageIdString.optional(),
  limit: pageLimit(100, 50),
});

/** Read a page of history (`GET /conversations/:id/messages`). */
export const history = historyQuery.extend({ conversationId: storedId });
export type History = z.infer<typeof history>;

/** A short name for a custom reaction (like Slack's `:party_parrot:` without the colons). */
const SHORTCODE = /^[a-z0-9_+-]+$/;

/**
 * A reaction key, as decoded from the URL: one emoji, taken in its fully-qualified form (see
 * reaction-key.ts: "👍" and "👍️" are one key), or a short lower-case name (`[a-z0-9_+-]`), 1..32
 * code points (zod counts code points, as MySQL's varchar(32) does). Anything else — words with
 * spaces or capitals, invisible, tag or bidi characters, look-alike letters, two emoji — is
 * refused, so reactions cannot carry messages of their own or pass for another key. A "%" never
 * fits: the router leaves a malformed percent-escape undecoded.
 */
export const emojiParam = z
  .string()
  .min(1)
  .max(MESSAGE_LIMITS.emojiMaxChars)
  .refine((s) => !/[\uD800-\uDFFF]/u.test(s), { message: "Malformed emoji" })
  .refine((s) => SHORTCODE.test(s) || canonicalEmoji(s) !== null, {
    message: "A reaction is one emoji or a short name of a-z, 0-9, _, + and -",
  })
  .transform((s) => (SHORTCODE.test(s) ? s : canonicalEmoji(s)!));

/** React or take a reaction back: `PUT` / `DELETE /messages/:id/reactions/:emoji`. */
export const react = z.object({ messageId: ref, emoji: emojiParam, add: z.boolean() });
export type React = z.infer<typeof react>;

/** A path id that cannot name a message: answered like any id that does not exist. */
export function parseMessageId(raw: unknown): number | null {
  const r = messageIdString.safeParse(raw);
  return r.success ? Number(r.data) : null;
}
