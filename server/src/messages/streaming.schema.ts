import { z } from "zod";
import { MESSAGE_LIMITS } from "@parley/sdk/protocol";
import { customData } from "../shared/custom-data.js";
import { ref, storedId } from "../shared/schema.js";
import { sendBody } from "./messages.schema.js";

/**
 * The commands of streamed messages (streaming.ts): the server API's (`/v1/server/…`, the host's
 * backend) and the members' socket command `message.stop`. Texts are not trimmed: a chunk's edge
 * whitespace is part of the reply. Lengths count UTF-16 code units, as offsets do.
 */

const hostSub = z.string().min(1).max(191);
/** A piece of a reply: at most a message's length (the whole text is bounded by the same limit). */
const chunk = z.string().max(MESSAGE_LIMITS.textMaxChars);

/** `POST /v1/server/conversations/:id/streams` (the path's id as `conversationId`). */
export const startStream = z.object({
  conversationId: storedId,
  from: hostSub,
  text: chunk.optional(),
  replyToId: sendBody.shape.replyToId,
  clientMessageId: sendBody.shape.clientMessageId,
  data: customData.optional(),
});
export type StartStream = z.infer<typeof startStream>;

/** `POST /v1/server/messages/:id/stream/append`: `text` at `offset`, the length of the text the author holds. */
export const appendStream = z.object({
  messageId: ref,
  offset: z.number().int().min(0).max(MESSAGE_LIMITS.textMaxChars),
  text: chunk.min(1),
});
export type AppendStream = z.infer<typeof appendStream>;

/** `POST /v1/server/messages/:id/stream/finish`: the final text replaces what was appended, when given. */
export const finishStream = z.object({ messageId: ref, text: chunk.optional(), data: customData.optional() });
export type FinishStream = z.infer<typeof finishStream>;

/** `POST /v1/server/messages/:id/stream/fail`: why, in words for the members. */
export const failStream = z.object({ messageId: ref, error: z.string().trim().min(1).max(500) });
export type FailStream = z.infer<typeof failStream>;

/** `PUT /v1/server/conversations/:id/ai-state`: what `from` is doing (a tool's name with `tool`). */
export const aiState = z
  .object({
    conversationId: storedId,
    from: hostSub,
    state: z.enum(["thinking", "generating", "tool", "idle"]),
    tool: z.string().trim().min(1).max(64).optional(),
  })
  .refine((b) => b.state === "tool" || b.tool === undefined, { message: "`tool` goes with state `tool` only", path: ["tool"] });
export type AiState = z.infer<typeof aiState>;

/** Socket `message.stop`: a member stops a streaming message. */
export const stopStream = z.object({ messageId: z.string().min(1).max(32) });
export type StopStream = z.infer<typeof stopStream>;
