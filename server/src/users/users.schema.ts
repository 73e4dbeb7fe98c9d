import { z } from "zod";
import { LIMITS } from "@parley/sdk/protocol";
import { displayName } from "../auth/auth.schema.js";

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

export const idParam = z.string().min(1).max(64);
