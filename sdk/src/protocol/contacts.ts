// Contacts: requests, contacts and blocks.

import type { Timestamp } from "./common.js";
import type { User } from "./users.js";

export type ContactRequestStatus = "pending" | "accepted" | "declined" | "cancelled";

export interface ContactRequest {
  id: string;
  fromUserId: string;
  toUserId: string;
  status: ContactRequestStatus;
  createdAt: Timestamp;
  respondedAt: Timestamp | null;
  /** The other party's profile. */
  user: User;
}

export interface Contact {
  user: User;
  online: boolean;
  since: Timestamp;
}

export interface ContactsResponse {
  contacts: Contact[];
  incoming: ContactRequest[];
  outgoing: ContactRequest[];
  /** Ids of the users I blocked, absent when none (the widget collapses their messages in groups). */
  blockedUserIds?: string[];
}
