import { z } from "zod";
import { MESSAGE_LIMITS } from "@parley/sdk/protocol";
import { messageIdString, pageLimit, ref } from "../shared/schema.js";

/** The saving client's opaque id, echoed in `draft.updated` so it can ignore its own. */
const origin = z
  .string()
  .regex(/^[A-Za-z0-9_-]{1,64}$/, "1..64 letters, digits, _ or -")
  .optional()
  .describe("The saving client's id, sent back in the `draft.updated` it causes");

/**
 * `PUT /v1/conversations/:id/draft`. The text as typed (not trimmed: a draft keeps its line
 * breaks), at most a message's length. Blank with no `replyTo`: the draft is deleted.
 */
export const saveDraft = z.object({
  conversationId: ref,
  text: z.string().max(MESSAGE_LIMITS.textMaxChars),
  replyTo: messageIdString.nullable().optional(),
  origin,
});
export type SaveDraft = z.infer<typeof saveDraft>;

/** `DELETE /v1/conversations/:id/draft?origin=`. */
export const deleteDraft = z.object({ conversationId: ref, origin });
export type DeleteDraft = z.infer<typeof deleteDraft>;

/** `GET /v1/drafts`: the caller's, newest first. */
export const listDrafts = z.object({
  cursor: z
    .string()
    .regex(/^\d{1,16}\.[A-Za-z0-9_]{1,32}$/, "A nextCursor of this list")
    .optional()
    .describe("`nextCursor` of the page before"),
  limit: pageLimit(100, 50),
});
export type ListDrafts = z.infer<typeof listDrafts>;
