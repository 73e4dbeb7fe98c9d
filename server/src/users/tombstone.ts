import type { User } from "@parley/sdk/protocol";

/** The display name of a deleted account's tombstone. */
export const DELETED_USER_NAME = "Deleted user";

/** A deleted user's public profile: their id and nothing else of theirs. */
export function tombstoneUser(id: string, createdAt: string): User {
  return { id, displayName: DELETED_USER_NAME, bio: "", avatarUrl: null, externalId: null, lastSeenAt: null, createdAt, deleted: true } satisfies User;
}
