import { z } from "zod";
import { LIMITS, MESSAGE_LIMITS } from "@parley/sdk/protocol";
import { idString, pageLimit } from "../shared/schema.js";

/** Ids travel as strings (shared/schema.ts). */
export { idString };

const groupName = z.string().trim().min(1).max(MESSAGE_LIMITS.groupNameMaxChars);

export const createDirectBody = z.object({ userId: idString });

export const createGroupBody = z.object({
  name: groupName,
  memberIds: z.array(idString).max(MESSAGE_LIMITS.groupMembersMax),
  isPublic: z.boolean().optional(),
});

export const updateConversationBody = z
  .object({ name: groupName.optional(), isPublic: z.boolean().optional() })
  .refine((b) => b.name !== undefined || b.isPublic !== undefined, { message: "Nothing to update" });

export const addMembersBody = z.object({ userIds: z.array(idString).min(1).max(MESSAGE_LIMITS.groupMembersMax) });

export const setRoleBody = z.object({ role: z.enum(["admin", "member"]) });

const limit = pageLimit(LIMITS.pageSizeMax, LIMITS.pageSizeDefault);

export const listQuery = z.object({ cursor: z.string().max(400).optional(), limit });

export const publicQuery = z.object({
  q: z.string().trim().max(MESSAGE_LIMITS.groupNameMaxChars).default(""),
  cursor: z.string().max(600).optional(),
  limit,
});

/** Keyset cursors: (lastActivityAt, id) for the list, (name, id) for the public directory. */
export const activityCursor = z.object({ t: z.number().int().min(0), i: z.string().max(64) });
export const nameCursor = z.object({ n: z.string().max(MESSAGE_LIMITS.groupNameMaxChars), i: z.string().max(64) });
