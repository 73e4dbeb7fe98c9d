/**
 * The Parley wire contract: every shape that crosses between a client and the server.
 *
 * This file is the single source of truth for both sides: the server imports it (as
 * `@parley/sdk/protocol`) and the SDK re-exports it. It has no runtime dependencies; the only
 * values here are tables that both sides need at run time (error code -> HTTP status, limits).
 */

// ---------------------------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------------------------

/** Every error code the server can answer with, and the HTTP status it travels with. */
export const ERROR_STATUS = {
  validation_failed: 400,
  invalid_json: 400,
  unauthenticated: 401,
  invalid_credentials: 401,
  token_expired: 401,
  invalid_token: 401,
  forbidden: 403,
  origin_not_allowed: 403,
  not_found: 404,
  method_not_allowed: 405,
  conflict: 409,
  email_taken: 409,
  /** `GET /sync` from a cursor older than the event log keeps (retention): reload from `/sync/head`. */
  sync_expired: 410,
  payload_too_large: 413,
  unsupported_media_type: 415,
  rate_limited: 429,
  internal: 500,
  service_unavailable: 503,
} as const satisfies Record<string, number>;

export type ErrorCode = keyof typeof ERROR_STATUS;

/** Codes a client may retry as they are (after a delay); everything else needs a change first. */
export const RETRYABLE_CODES: readonly ErrorCode[] = ["rate_limited", "internal", "service_unavailable"];

/** The body of every error answer, REST and socket ack alike. */
export interface ErrorBody {
  error: {
    code: ErrorCode;
    message: string;
    /** Per-field problems for `validation_failed`; free-form otherwise. */
    details?: unknown;
    /** Present on 500s so a report can be matched to the server log. */
    requestId?: string;
  };
}

// ---------------------------------------------------------------------------------------------
// Limits shared by validation on both sides
// ---------------------------------------------------------------------------------------------

export const LIMITS = {
  /** bcrypt ignores bytes past 72, so longer passwords are refused rather than truncated. */
  passwordMinChars: 8,
  passwordMaxBytes: 72,
  emailMaxChars: 254,
  displayNameMaxChars: 80,
  bioMaxChars: 500,
  avatarMaxBytes: 5 * 1024 * 1024,
  jsonBodyMaxBytes: 1024 * 1024,
  pageSizeDefault: 20,
  pageSizeMax: 100,
} as const;

// ---------------------------------------------------------------------------------------------
// Headers
// ---------------------------------------------------------------------------------------------

/** Names the app on calls made before there is a token (register, login, host-token, refresh). */
export const APP_HEADER = "X-Parley-App";
/** The same, as a query parameter, for requests that cannot carry headers (CORS preflights, img). */
export const APP_QUERY = "appId";

// ---------------------------------------------------------------------------------------------
// Entities
// ---------------------------------------------------------------------------------------------

/** ISO-8601 timestamp in UTC, e.g. `2026-11-22T10:00:00.000Z`. */
export type Timestamp = string;

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
}

/** What a page of any list looks like: the items and the cursor for the next page, if any. */
export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

// ---------------------------------------------------------------------------------------------
// REST: auth
// ---------------------------------------------------------------------------------------------

export interface RegisterRequest {
  email: string;
  password: string;
  displayName: string;
}

export interface LoginRequest {
  email: string;
  password: string;
}

/** The host site's backend signs `{ sub, name, email?, avatarUrl?, exp }` with its app secret. */
export interface HostTokenRequest {
  token: string;
}

/** Claims the host site puts into the token it signs (HS256, with its app secret). */
export interface HostTokenClaims {
  sub: string;
  name: string;
  email?: string;
  avatarUrl?: string;
  exp: number;
}

export interface RefreshRequest {
  refreshToken: string;
}

export interface LogoutRequest {
  refreshToken: string;
}

/** `POST /auth/password` (signed in, Parley accounts only): ends every session, answers a new one. */
export interface ChangePasswordRequest {
  currentPassword: string;
  newPassword: string;
}

/** Every way in ends in the same session answer. */
export interface AuthResponse {
  user: Me;
  accessToken: string;
  /** Seconds until the access token expires. */
  expiresIn: number;
  refreshToken: string;
}

// ---------------------------------------------------------------------------------------------
// REST: users
// ---------------------------------------------------------------------------------------------

export interface UpdateMeRequest {
  displayName?: string;
  bio?: string;
  /** False hides `lastSeenAt` from everyone else (presence events carry null then). */
  showLastSeen?: boolean;
}

export interface HealthResponse {
  status: "ok" | "degraded";
  db: "ok" | "down";
  version: string;
}

// ---------------------------------------------------------------------------------------------
// Conversations, messages, contacts
// ---------------------------------------------------------------------------------------------

export const MESSAGE_LIMITS = {
  textMaxChars: 4000,
  attachmentsMax: 10,
  clientMessageIdMaxChars: 64,
  emojiMaxChars: 32,
  groupNameMaxChars: 100,
  groupMembersMax: 1000,
  uploadMaxBytes: 25 * 1024 * 1024,
  /** Typing indicators expire on the client this long after the last `typing` event. */
  typingTtlMs: 5000,
  /** Distinct reaction keys one message may carry; a new key past it is a 409 `conflict`. */
  reactionsPerMessageMax: 20,
} as const;

export type ConversationKind = "direct" | "group";
export type MemberRole = "owner" | "admin" | "member";

export interface Member {
  userId: string;
  role: MemberRole;
  joinedAt: Timestamp;
  /** Id of the last message this member has read ("0" when none). */
  lastReadMessageId: string;
}

export interface Attachment {
  id: string;
  name: string;
  mime: string;
  size: number;
  width: number | null;
  height: number | null;
  /** Relative to the server: `/v1/uploads/<id>`; needs the bearer token or `?access_token=`. */
  url: string;
}

export interface ReactionSummary {
  emoji: string;
  count: number;
  /** True when the caller is among those who reacted. */
  mine: boolean;
}

/** A message. Ids are decimal strings that sort by value (compare as BigInt or by length+text). */
export interface Message {
  id: string;
  conversationId: string;
  senderId: string;
  /** Null once deleted: a tombstone keeps the id and time, never the content. */
  text: string | null;
  attachments: Attachment[];
  replyToId: string | null;
  clientMessageId: string | null;
  reactions: ReactionSummary[];
  createdAt: Timestamp;
  editedAt: Timestamp | null;
  deletedAt: Timestamp | null;
}

export interface Conversation {
  id: string;
  kind: ConversationKind;
  /** Null for direct conversations: show the other member's name. */
  name: string | null;
  isPublic: boolean;
  createdAt: Timestamp;
  lastActivityAt: Timestamp;
  members: Member[];
  /** The member users' public profiles, so a list renders without further calls. */
  users: User[];
  lastMessage: Message | null;
  unreadCount: number;
  /** The caller's role; null when the caller is not a member (public group preview). */
  myRole: MemberRole | null;
  /**
   * Groups, shown to members: users invited (they are not contacts of whoever added them) who
   * have not answered yet. Absent when there are none.
   */
  invitedUserIds?: string[];
}

/**
 * An invitation to a group, as its invitee sees it (`GET /conversations/invitations`). Adding
 * someone who is not your contact invites them instead (unless the app allows direct adds);
 * they join with `POST /conversations/invitations/:id/accept` or drop it with `/decline`.
 */
export interface GroupInvitation {
  id: string;
  conversationId: string;
  /** The group's name; its messages stay hidden until the invitation is accepted. */
  name: string | null;
  memberCount: number;
  /** Who invited (their public profile). */
  invitedBy: User;
  status: GroupInvitationStatus;
  createdAt: Timestamp;
}

export type GroupInvitationStatus = "pending" | "accepted" | "declined" | "cancelled";

export interface CreateDirectRequest {
  userId: string;
}

export interface CreateGroupRequest {
  name: string;
  memberIds: string[];
  isPublic?: boolean;
}

export interface UpdateConversationRequest {
  name?: string;
  isPublic?: boolean;
}

export interface AddMembersRequest {
  userIds: string[];
}

export interface SetRoleRequest {
  role: "admin" | "member";
}

export interface SendMessageRequest {
  text: string;
  attachmentIds?: string[];
  replyToId?: string;
  clientMessageId?: string;
}

export interface EditMessageRequest {
  text: string;
}

export interface ReadRequest {
  messageId: string;
}

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
}

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

// ---------------------------------------------------------------------------------------------
// Events: the same shapes arrive live over the socket and from GET /v1/sync
// ---------------------------------------------------------------------------------------------

/** Persisted events (they have a `seq`), keyed by `type`. */
export interface EventPayloads {
  "message.new": { message: Message };
  "message.updated": { message: Message };
  "message.deleted": { message: Message };
  "reaction.updated": { messageId: string; conversationId: string; userId: string; emoji: string; added: boolean; count: number };
  "read.updated": { conversationId: string; userId: string; lastReadMessageId: string };
  "conversation.created": { conversation: Conversation };
  "conversation.updated": { conversation: Conversation };
  "member.added": { conversationId: string; members: Member[]; users: User[] };
  "member.removed": { conversationId: string; userId: string };
  "member.updated": { conversationId: string; member: Member };
  "contact.updated": { request: ContactRequest | null; userId: string; status: ContactRequestStatus | "removed" | "blocked" | "unblocked" };
  /** To the invitee (and, when they answer, to whoever invited them): an invitation was made or answered. */
  "invitation.updated": { invitation: GroupInvitation; status: GroupInvitationStatus };
}

export type EventType = keyof EventPayloads;

/** One entry of the event log. `seq` grows by one per app, in commit order. */
export type ChatEvent = {
  [K in EventType]: {
    seq: number;
    type: K;
    conversationId: string | null;
    /** The user the event is about when it must reach them outside the conversation (membership, contacts). */
    userId: string | null;
    at: Timestamp;
    data: EventPayloads[K];
  };
}[EventType];

export interface SyncResponse {
  events: ChatEvent[];
  /**
   * Pass as `since` next time: the last event's seq; with no event for the caller, the log's head
   * (the cursor moves on although nothing concerned the caller), or the `since` sent.
   */
  lastSeq: number;
  hasMore: boolean;
}

/** Ephemeral events: never stored, no `seq`. */
export interface TypingEvent {
  conversationId: string;
  userId: string;
  /** False when the user stopped (sent, cleared the box). */
  typing: boolean;
}

/** The event of one type. */
export type EventOf<K extends EventType> = Extract<ChatEvent, { type: K }>;

/** Socket.IO: server -> client. Each persisted event travels under its own type as event name. */
export type ServerToClientEvents = { [K in EventType]: (e: EventOf<K>) => void } & {
  typing: (e: TypingEvent) => void;
  presence: (e: Presence) => void;
  "presence.snapshot": (e: PresenceSnapshot) => void;
};

/** Every acknowledgement: a discriminated union on `ok`. */
export type Ack<T> = { ok: true; data: T } | { ok: false; error: ErrorBody["error"] };

/** Socket.IO: client -> server. Commands, each with an ack. */
export interface ClientToServerEvents {
  "message.send": (req: SendMessageRequest & { conversationId: string }, ack: (res: Ack<Message>) => void) => void;
  typing: (req: { conversationId: string; typing?: boolean }, ack?: (res: Ack<null>) => void) => void;
  read: (req: ReadRequest & { conversationId: string }, ack?: (res: Ack<null>) => void) => void;
}

/** The handshake's `auth` object. */
export interface SocketAuth {
  token: string;
}

// ---------------------------------------------------------------------------------------------
// Server API (/v1/server/…): the host's backend, authenticated with a server key
// ---------------------------------------------------------------------------------------------

// ---------------------------------------------------------------------------------------------
// Webhooks: what Parley POSTs to the host's endpoints, and their registration
// ---------------------------------------------------------------------------------------------
