import type { ServerUser } from "@parley/sdk/protocol";
import type { UserEntity } from "../users/user.entity.js";
import { presentUser } from "../users/users.presenter.js";

/** A user as the host's backend sees it: the public view plus the host's own id. */
export function presentServerUser(u: UserEntity): ServerUser {
  return { ...presentUser(u), sub: u.externalId ?? "" } satisfies ServerUser;
}
