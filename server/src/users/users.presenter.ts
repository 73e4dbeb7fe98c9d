import type { Me, User } from "@parley/sdk/protocol";
import { dataField } from "../shared/custom-data.js";
import { iso, isoOrNull } from "../shared/time.js";
import type { UserEntity } from "./user.entity.js";

/**
 * How the viewer relates to the user shown: `related` (a contact, or someone they share a
 * conversation with) sees `lastSeenAt` unless the user hid it; a `stranger` never does.
 */
export type Relation = "related" | "stranger";

/** True unless the user turned it off (rows made before the column default to on). */
export const showsLastSeen = (u: Pick<UserEntity, "showLastSeen">): boolean => Boolean(u.showLastSeen ?? true);

/** The public view of a user: what anyone in the same app may see, `lastSeenAt` only to those related. */
export function presentUser(u: UserEntity, relation: Relation = "stranger"): User {
  return {
    id: u.id,
    displayName: u.displayName,
    bio: u.bio,
    avatarUrl: u.avatarUrl,
    externalId: u.externalId,
    lastSeenAt: relation === "related" && showsLastSeen(u) ? isoOrNull(u.lastSeenAt) : null,
    createdAt: iso(u.createdAt),
    ...dataField(u.data),
    ...(u.agent ? { agent: true as const } : {}),
    ...(u.deletedAt !== null && u.deletedAt !== undefined ? { deleted: true as const } : {}),
  } satisfies User;
}

/** The owner's view: adds the private fields and their own `lastSeenAt`. Never includes hashes. */
export function presentMe(u: UserEntity): Me {
  return { ...presentUser(u, "related"), lastSeenAt: isoOrNull(u.lastSeenAt), email: u.email, appId: u.appId, showLastSeen: showsLastSeen(u) } satisfies Me;
}
