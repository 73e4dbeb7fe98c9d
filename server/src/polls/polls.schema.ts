import { z } from "zod";
import { MESSAGE_LIMITS } from "@parley/sdk/protocol";
import { sendBody } from "../messages/messages.schema.js";
import { ref, storedId } from "../shared/schema.js";

/** What a poll allows. */
export const POLL_LIMITS = { optionsMin: 2, optionsMax: 10, optionMaxChars: 100, questionMaxChars: 300, closesWithinDays: 90 } as const;

const option = z
  .string()
  .max(POLL_LIMITS.optionMaxChars * 4)
  .trim()
  .min(1, "An option needs text")
  .max(POLL_LIMITS.optionMaxChars);

const pollFields = {
  question: z
    .string()
    .max(POLL_LIMITS.questionMaxChars * 4)
    .trim()
    .min(1, "A poll needs a question")
    .max(Math.min(POLL_LIMITS.questionMaxChars, MESSAGE_LIMITS.textMaxChars)),
  options: z
    .array(option)
    .min(POLL_LIMITS.optionsMin, `A poll has ${POLL_LIMITS.optionsMin} to ${POLL_LIMITS.optionsMax} options`)
    .max(POLL_LIMITS.optionsMax, `A poll has ${POLL_LIMITS.optionsMin} to ${POLL_LIMITS.optionsMax} options`)
    .refine((xs) => new Set(xs.map((x) => x.toLocaleLowerCase())).size === xs.length, { message: "Two options are the same" }),
  multiple: z.boolean().optional(),
  anonymous: z.boolean().optional(),
  closesAt: z.iso
    .datetime({ offset: true })
    .transform((s) => Date.parse(s))
    .refine((t) => t > Date.now(), { message: "closesAt must be in the future" })
    .refine((t) => t <= Date.now() + POLL_LIMITS.closesWithinDays * 86_400_000, { message: `closesAt must be within ${POLL_LIMITS.closesWithinDays} days` })
    .optional(),
  clientMessageId: sendBody.shape.clientMessageId,
};

/** `POST /conversations/:id/polls` (and the server API's, a system message). */
export const createPoll = z.object({ conversationId: storedId, ...pollFields });
export type CreatePoll = z.infer<typeof createPoll>;
export const createPollBody = z.object(pollFields);

/** `PUT /messages/:id/poll/vote`: option ids ("0", "1", …), no repeats. */
export const votePoll = z.object({
  messageId: ref,
  options: z
    .array(z.string().regex(/^\d{1,2}$/, "An option id"))
    .min(1, "Choose at least one option (DELETE the vote to retract it)")
    .max(POLL_LIMITS.optionsMax)
    .refine((xs) => new Set(xs).size === xs.length, { message: "An option is named twice" }),
});
export type VotePoll = z.infer<typeof votePoll>;
export const voteBody = votePoll.omit({ messageId: true });

/** `DELETE /messages/:id/poll/vote`, `POST /messages/:id/poll/close`. */
export const pollRef = z.object({ messageId: ref });
export type PollRef = z.infer<typeof pollRef>;
