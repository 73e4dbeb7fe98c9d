import { z } from "zod";
import { MESSAGE_LIMITS } from "@parley/sdk/protocol";

/** Message ids travel as decimal strings; they are auto-increment BIGINTs kept below 2^53. */
export const messageIdString = z.string().regex(/^[1-9][0-9]{0,14}$/, "Expected a message id");

/**
 * `POST /conversations/:id/messages` (and the socket's `message.send`).
 * Text is trimmed and limited to 4000 characters (Unicode code points, as zod counts). It may be empty only when the message
 * carries at least one attachment (an attachments-only message); whitespace-only text without
 * attachments is refused. The stored text of an attachments-only message is "".
 */
export const sendBody = z
  .object({
    text: z.string().max(MESSAGE_LIMITS.textMaxChars * 4).trim().max(MESSAGE_LIMITS.textMaxChars),
    attachmentIds: z
      .array(z.string().min(1).max(32))
      .max(MESSAGE_LIMITS.attachmentsMax)
      .refine((ids) => new Set(ids).size === ids.length, { message: "Duplicate attachment id" })
      .optional(),
    replyToId: messageIdString.optional(),
    // No edge whitespace: MariaDB's PAD collations would take "x " for a retry of "x".
    clientMessageId: z
      .string()
      .min(1)
      .max(MESSAGE_LIMITS.clientMessageIdMaxChars)
      .regex(/^\S(?:.*\S)?$/su, "No leading or trailing whitespace")
      .optional(),
  })
  .refine((b) => b.text.length > 0 || (b.attachmentIds?.length ?? 0) > 0, {
    message: "A message needs text or at least one attachment",
    path: ["text"],
  });
export type SendInput = z.infer<typeof sendBody>;

/** `PATCH /messages/:id`: an edit cannot empty a message (delete it instead). */
export const editBody = z.object({
  text: z.string().max(MESSAGE_LIMITS.textMaxChars * 4).trim().min(1).max(MESSAGE_LIMITS.textMaxChars),
});

/** `POST /conversations/:id/read`. */
export const readBody = z.object({ messageId: messageIdString });

/**
 * `GET /conversations/:id/messages?before=&after=&limit=`. See MessagesService.history for the
 * paging rules.
 */
export const historyQuery = z.object({
  before: messageIdString.optional(),
  after: messageIdString.optional(),
  limit: z.coerce.number().int().min(1).max(100).default(50),
});

/** An emoji: pictographs and their components (ZWJ, VS16, skin tones, keycaps, flags' regional indicators and tags). */
const EMOJI_SEQUENCE = /^(?:\p{Extended_Pictographic}|\p{Emoji_Component}|\u20E3)+$/u;
/** What makes a sequence an emoji rather than bare components such as digits or `#`. */
const EMOJI_CORE = /\p{Extended_Pictographic}|\p{Regional_Indicator}|\u20E3/u;
/** A short name for a custom reaction (like Slack's `:party_parrot:` without the colons). */
const SHORTCODE = /^[a-z0-9_+-]+$/;

/**
 * A reaction key, as decoded from the URL: an emoji (sequence), or a short lower-case name
 * (`[a-z0-9_+-]`), 1..32 code points (zod counts code points, as MySQL's varchar(32) does).
 * Anything else — words with spaces or capitals, invisible or bidi characters, look-alike
 * letters — is refused, so reactions cannot carry messages of their own. A "%" never fits: the
 * router leaves a malformed percent-escape undecoded.
 */
export const emojiParam = z
  .string()
  .min(1)
  .max(MESSAGE_LIMITS.emojiMaxChars)
  .refine((s) => !/[\uD800-\uDFFF]/u.test(s), { message: "Malformed emoji" })
  .refine((s) => SHORTCODE.test(s) || (EMOJI_SEQUENCE.test(s) && EMOJI_CORE.test(s)), {
    message: "A reaction is an emoji or a short name of a-z, 0-9, _, + and -",
  });

/** A path id that cannot name a message: answered like any id that does not exist. */
export function parseMessageId(raw: unknown): number | null {
  const r = messageIdString.safeParse(raw);
  return r.success ? Number(r.data) : null;
}
