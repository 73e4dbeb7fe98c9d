import { z } from "zod";
import { LIMITS } from "@parley/sdk/protocol";
import { displayName } from "../auth/auth.schema.js";
import { idString } from "../shared/schema.js";

export const updateMeBody = z
  .object({
    displayName: displayName.optional(),
    bio: z.string().trim().max(LIMITS.bioMaxChars).optional(),
    showLastSeen: z.boolean().optional(),
  })
  .refine((b) => b.displayName !== undefined || b.bio !== undefined || b.showLastSeen !== undefined, { message: "Nothing to update" });

export const searchQuery = z.object({
  q: z.string().trim().max(100).default(""),
  cursor: z.string().max(1024).optional(),
  limit: z.coerce.number().int().min(1).max(LIMITS.pageSizeMax).default(LIMITS.pageSizeDefault),
});

/** A user id in a path (`/users/:id`). */
export const idParam = idString;

/** The keyset cursor of `GET /users`: (displayName, id) of the last user of the page. */
export const userCursor = z.object({ n: z.string(), i: z.string() });
