// Presence: who is online, live over the socket (`presence`, `presence.snapshot`).

import type { Timestamp } from "./common.js";

export interface Presence {
  userId: string;
  online: boolean;
  lastSeenAt: Timestamp | null;
  /**
   * Orders one user's presence: a change carries a higher version than every earlier one. Keep
   * the highest seen per user and ignore anything older (with several server nodes, changes and
   * snapshots may arrive out of order). Absent: apply, it orders nothing.
   */
  version?: number;
}

/**
 * Sent to a socket right after it connects: the presence of everyone whose presence is pushed to
 * it (contacts, and people it shares a conversation with up to the app's presence group size), so
 * a client that was away (a reconnect, a server restart) is right again without waiting for each
 * of them to change. Also the answer to `presence.watch`.
 */
export interface PresenceSnapshot {
  users: Presence[];
}

/**
 * `presence.watch`: the people whose presence a socket is told on request, replacing what it
 * watched before ([] stops). Presence is pushed between contacts and between the members of
 * conversations up to the app's presence group size (100 unless the app sets another); in a bigger
 * group a client watches whom it shows (a member list, the senders on screen). At most 100
 * people, each a contact or someone sharing a conversation with the user (others are left out of
 * the answer, as are blocks either way). Their changes then arrive as `presence` events.
 */
export interface PresenceWatchRequest {
  userIds: string[];
}
