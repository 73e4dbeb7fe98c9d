import { z } from "zod";
import { messageIdString, pageLimit, ref } from "../shared/schema.js";

/** `GET /messages/:id/thread?before=&after=&limit=`: paged as history is (messages.schema.ts). */
export const threadQuery = z.object({
  rootId: ref,
  before: messageIdString.optional(),
  after: messageIdString.optional(),
  limit: pageLimit(100, 50),
});
export type ThreadQuery = z.infer<typeof threadQuery>;

/** `PUT` / `DELETE /messages/:id/thread/follow`. */
export const followThread = z.object({ rootId: ref, following: z.boolean() });
export type FollowThread = z.infer<typeof followThread>;

/** `POST /messages/:id/thread/read { messageId }`: a reply of that thread. */
export const readThread = z.object({ rootId: ref, messageId: messageIdString });
export type ReadThread = z.infer<typeof readThread>;
