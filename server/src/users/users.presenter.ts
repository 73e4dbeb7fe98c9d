import type { Me, User } from "@parley/sdk/protocol";
import { iso, isoOrNull } from "../shared/time.js";
import type { UserEntity } from "./user.entity.js";

/** The public view of a user: what anyone in the same app may see. */
export function presentUser(u: UserEntity): User {
  return {
    id: u.id,
    displayName: u.displayName,
    bio: u.bio,
    avatarUrl: u.avatarUrl,
    externalId: u.externalId,
    lastSeenAt: isoOrNull(u.lastSeenAt),
    createdAt: iso(u.createdAt),
  } satisfies User;
}

/** The owner's view: adds the private fields. Never includes hashes. */
export function presentMe(u: UserEntity): Me {
  return { ...presentUser(u), email: u.email, appId: u.appId } satisfies Me;
}
