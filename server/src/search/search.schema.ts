import { z } from "zod";
import { pageLimit, ref } from "../shared/schema.js";

/** The longest query, in characters after trimming. */
export const SEARCH_QUERY_MAX = 200;

/**
 * `GET /search?q=&conversationId=&cursor=&limit=`: `q` 1..200 characters once trimmed; a
 * `conversationId` that is not one of the caller's is a 404 (the service decides); the cursor is
 * the opaque one of the previous page.
 */
export const searchQuery = z.object({
  q: z
    .string()
    .max(SEARCH_QUERY_MAX * 4)
    .trim()
    .min(1)
    .max(SEARCH_QUERY_MAX),
  conversationId: ref.optional(),
  cursor: z.string().max(200).optional(),
  limit: pageLimit(50, 20),
});
export type SearchInput = z.infer<typeof searchQuery>;

/** The search's page cursor, opaque to clients: `i`, the message id the next page continues below. */
export const searchCursor = z.strictObject({ i: z.number().int().positive().max(Number.MAX_SAFE_INTEGER) });
