import { z } from "zod";

/** `GET /sync?since=&limit=`: events after `since`, at most `limit` of them. */
export const syncQuery = z.object({
  since: z.coerce.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
  limit: z.coerce.number().int().min(1).max(1000).default(500),
});
export type SyncQuery = z.infer<typeof syncQuery>;
