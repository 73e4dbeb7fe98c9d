import type { Contact, ContactRequest, User } from "@parley/sdk/protocol";
import { iso, isoOrNull } from "../shared/time.js";
import type { ContactEntity, ContactRequestEntity } from "./contact.entities.js";

/** A request as `viewerId` sees it: `user` is the other party. */
export function presentRequest(r: ContactRequestEntity, other: User): ContactRequest {
  return {
    id: r.id,
    fromUserId: r.fromUserId,
    toUserId: r.toUserId,
    status: r.status,
    createdAt: iso(r.createdAt),
    respondedAt: isoOrNull(r.respondedAt),
    user: other,
  } satisfies ContactRequest;
}

export function presentContact(c: ContactEntity, user: User, online: boolean): Contact {
  return { user, online, since: iso(c.since) } satisfies Contact;
}
