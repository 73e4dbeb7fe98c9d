import { z } from "zod";
import { LIMITS, MESSAGE_LIMITS } from "@parley/sdk/protocol";

/** Ids travel as strings; anything longer than a stored id simply matches nothing (-> 404). */
export const idString = z.string().min(1).max(64);

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

const limit = z.coerce.number().int().min(1).max(LIMITS.pageSizeMax).default(LIMITS.pageSizeDefault);

export const listQuery = z.object({ cursor: z.string().max(400).optional(), limit });

export const publicQuery = z.object({
  q: z.string().trim().max(MESSAGE_LIMITS.groupNameMaxChars).default(""),
  cursor: z.string().max(600).optional(),
  limit,
});

/** Keyset cursors: (lastActivityAt, id) for the list, (name, id) for the public directory. */
export const activityCursor = z.object({ t: z.number().int().min(0), i: z.string().max(64) });
export const nameCursor = z.object({ n: z.string().max(MESSAGE_LIMITS.groupNameMaxChars), i: z.string().max(64) });
