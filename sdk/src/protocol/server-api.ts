// Server API (/v1/server/…): the host's backend, authenticated with a server key.
//
// `Authorization: Basic base64(<key id>:<secret>)`; a request carrying `Origin` is refused (403).
// Users are named by the host's own id, `sub` (their `externalId`). Every resource of another app
// is a 404. Custom data (`data`) is a JSON object of at most CUSTOM_DATA_MAX_BYTES (413 beyond).

import type { CustomData } from "./common.js";
import type { ConversationKind } from "./conversations.js";
import type { User } from "./users.js";

/** A user as the host's backend sees it: the public {@link User} plus the host's id. */
export interface ServerUser extends User {
  sub: string;
}

/** `POST /v1/server/users`: create (201) or update (200) the user with this `sub`. */
export interface ServerUpsertUserRequest {
  sub: string;
  name: string;
  avatarUrl?: string | null;
  email?: string | null;
  /** Replaces the user's custom data; null clears it. */
  data?: CustomData | null;
}

export interface ServerUserResponse {
  user: ServerUser;
}

/** `POST /v1/server/tokens`: a host token for an existing user (404 for an unknown sub). */
export interface ServerTokenRequest {
  sub: string;
  /** Lifetime in seconds, 10..86400 (default 300). */
  ttlSec?: number;
}

/** A host token (HS256, signed with the calling key's secret, `kid` in its header) to exchange at `POST /v1/auth/host-token`. */
export interface ServerTokenResponse {
  hostToken: string;
  expiresIn: number;
}

/**
 * `POST /v1/server/conversations`: 201 when created, 200 when the `key` (or, for a direct
 * conversation, the pair) already has one. A direct conversation names exactly two users. A group
 * made here has no human owner: its members are plain members and the server API manages it.
 */
export interface ServerCreateConversationRequest {
  kind: ConversationKind;
  /** Members, by `sub`. */
  users: string[];
  name?: string;
  /** The host's idempotency key (an order id, …), unique per app, at most 128 characters. */
  key?: string;
  data?: CustomData;
  isPublic?: boolean;
}

/** `PATCH /v1/server/conversations/:id`: name (groups only) and custom data (null clears it). */
export interface ServerUpdateConversationRequest {
  name?: string;
  data?: CustomData | null;
}

/** `POST /v1/server/conversations/:id/members`. */
export interface ServerAddMembersRequest {
  users: string[];
}

/**
 * `POST /v1/server/conversations/:id/messages`: as the user `from` (a member), or a system message
 * without it. A message `from` a user is moderated as their own send would be: refused when they
 * are banned (app or conversation, 403 `banned`) or muted (403 `muted`) or within slow mode (429
 * `slow_mode`), and passed through the word filter (400 `content_blocked`, masked words stored
 * masked). System messages are not moderated.
 */
export interface ServerSendMessageRequest {
  text: string;
  from?: string;
  /**
   * `"bypass"`: send `from` the user even when moderation would refuse or change it (a relayed
   * message your backend vouches for). Each such send is written to the audit log
   * (`message.bypass`, naming the server key) with the message. Nothing to bypass without `from`.
   */
  moderation?: "bypass";
  data?: CustomData;
  clientMessageId?: string;
  replyToId?: string;
  /** Post as a reply in this message's thread. */
  threadId?: string;
}

/** `PATCH /v1/server/messages/:id`: text and/or custom data (null clears it) of any message of the app. */
export interface ServerEditMessageRequest {
  text?: string;
  data?: CustomData | null;
}
