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
 * Sent to a socket right after it connects: the presence of everyone whose presence it may see
 * (contacts and people it shares a conversation with), so a client that was away (a reconnect,
 * a server restart) is right again without waiting for each of them to change.
 */
export interface PresenceSnapshot {
  users: Presence[];
}
