import { z } from "zod";
import type { Draft, DraftUpdatedEvent, Page } from "@parley/sdk/protocol";
import { page, timestamp, type Check, type Same } from "./mirror.js";

/** Drafts that follow the user (issue 55), mirrored as responses.ts explains. */

export const draft = z.strictObject({
  conversationId: z.string(),
  text: z.string(),
  replyTo: z.string().nullable(),
  updatedAt: timestamp,
});
type _Draft = Check<Same<z.infer<typeof draft>, Draft>>;

const pageOfDraft = page(draft);
type _PageOfDraft = Check<Same<z.infer<typeof pageOfDraft>, Page<Draft>>>;

/** `draft.updated` on the socket (ephemeral: no seq). */
export const draftUpdatedEvent = z.strictObject({ conversationId: z.string(), draft: draft.nullable(), origin: z.string().optional() });
type _DraftUpdatedEvent = Check<Same<z.infer<typeof draftUpdatedEvent>, DraftUpdatedEvent>>;

export const draftResponseSchemas = {
  Draft: draft,
  PageOfDraft: pageOfDraft,
} as const;
