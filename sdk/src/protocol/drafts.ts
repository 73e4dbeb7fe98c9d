// Drafts that follow the user (issue 55): each conversation's unsent text, and the message it
// replies to, kept on the server so the user's other devices (and a reload) find it. A draft is the
// user's own: nobody else sees it, and it never enters the event log (/sync), search, webhooks or
// push. A change reaches the user's sockets (every device, every node) as `draft.updated`.

import type { Timestamp } from "./common.js";

/** One conversation's unsent text (`PUT /v1/conversations/:id/draft`). */
export interface Draft {
  conversationId: string;
  /** As typed (not trimmed), up to MESSAGE_LIMITS.textMaxChars characters; may be "" with a `replyTo`. */
  text: string;
  /** The message the reply being written answers, or null. */
  replyTo: string | null;
  updatedAt: Timestamp;
}

/**
 * `PUT /v1/conversations/:id/draft`. A text empty or only blanks with no `replyTo` deletes the
 * draft (answered 204, as `DELETE`).
 */
export interface SaveDraftRequest {
  text: string;
  replyTo?: string | null;
  /**
   * An opaque id of the saving client (up to 64 letters, digits, `_` or `-`), sent back in the
   * `draft.updated` it causes, so that client can ignore its own echo.
   */
  origin?: string;
}

/**
 * Socket only (ephemeral: no seq, never in /sync): a draft of the user's was saved (`draft`) or
 * deleted (`draft: null`), from any of their devices. `origin`: what the saving client sent.
 */
export interface DraftUpdatedEvent {
  conversationId: string;
  draft: Draft | null;
  origin?: string;
}
