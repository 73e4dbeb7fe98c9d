// Users: as anyone in the same app sees them, and the signed-in user's own view (`/v1/me`).

import type { CustomData, Timestamp } from "./common.js";

/** A user as anyone in the same app sees them. Never carries a password or token hash. */
export interface User {
  id: string;
  displayName: string;
  bio: string;
  avatarUrl: string | null;
  /** The host site's own id for this user, when they came in through a host-signed token. */
  externalId: string | null;
  lastSeenAt: Timestamp | null;
  createdAt: Timestamp;
  /** The host's custom data (set through the server API); absent when none is set. */
  data?: CustomData;
  /**
   * Present (true) only on a deleted account's tombstone: shown as "Deleted user", with no
   * profile. Its messages stay as tombstones (issue 17, see `DELETE /v1/me`).
   */
  deleted?: true;
  /** Present (true) on an AI agent's user (issue 54): its replies are written by a model and streamed. */
  agent?: true;
}

/** The signed-in user's own view of themselves: a {@link User} plus private fields. */
export interface Me extends User {
  email: string | null;
  appId: string;
  /**
   * Whether contacts and conversation partners see this user's `lastSeenAt` (strangers never
   * do). Set with `PATCH /me { showLastSeen }`; true unless the user turned it off.
   */
  showLastSeen?: boolean;
  /** Present (true) when the user is one of the app's moderators (see the moderation section). */
  moderator?: true;
  /**
   * The model's helpers the app turned on (issue 54; `AgentSettings.translateAgentId`,
   * `summarizeAgentId`): present only when one is, so a client offers "Translate" and "Summarize"
   * only then (`POST /v1/messages/:id/translate`, `POST /v1/conversations/:id/summary`).
   */
  ai?: { translate?: true; summarize?: true };
}

export interface UpdateMeRequest {
  displayName?: string;
  bio?: string;
  /** False hides `lastSeenAt` from everyone else (presence events carry null then). */
  showLastSeen?: boolean;
}
