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
  /** Moderation: the sender is muted in this conversation until `details.until` (ISO). */
  muted: 403,
  /** Moderation: the user is banned from this conversation, or from the whole app. */
  banned: 403,
  /** Moderation: the conversation's slow mode; `details.retryAfterSec` (also `Retry-After`). */
  slow_mode: 429,
  /** Moderation: the text has a word the app's word filter blocks (`details.words`). */
  content_blocked: 400,
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
  /** The host's custom data (set through the server API); absent when none is set. */
  data?: CustomData;
  /**
   * Present (true) only on a deleted account's tombstone: shown as "Deleted user", with no
   * profile. Its messages stay as tombstones (issue 17, see `DELETE /v1/me`).
   */
  deleted?: true;
}

/**
 * Custom data of a user, conversation or message: a JSON object the host sets through the server
 * API, at most `CUSTOM_DATA_MAX_BYTES` serialized (UTF-8). Returned by every read as `data`,
 * absent when none is set.
 */
export type CustomData = Record<string, unknown>;

/** The largest custom data object, in bytes of its JSON (UTF-8): beyond it a write is a 413. */
export const CUSTOM_DATA_MAX_BYTES = 4096;

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
  /** Users one message may mention. */
  mentionsMax: 50,
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
  /** Null for a system message (posted by the host's backend without a sender). */
  senderId: string | null;
  /** Null once deleted: a tombstone keeps the id and time, never the content. */
  text: string | null;
  attachments: Attachment[];
  replyToId: string | null;
  clientMessageId: string | null;
  reactions: ReactionSummary[];
  createdAt: Timestamp;
  editedAt: Timestamp | null;
  deletedAt: Timestamp | null;
  /** The host's custom data; absent when none is set. */
  data?: CustomData;
  /**
   * A thread reply: the id of the thread's root message (a message of the same conversation).
   * Replies are not part of the conversation's history, last message or unread count; they
   * are read with `GET /v1/messages/:rootId/thread`. Absent on messages of the main timeline.
   */
  threadId?: string;
  /** On a thread's root, once it has replies: how many (deleted ones included) and the last one's time. */
  thread?: ThreadSummary;
  /** Users mentioned (`@name` in the text), as ids: members of the conversation when sent. Absent when none. */
  mentions?: string[];
}

export interface ThreadSummary {
  replyCount: number;
  lastReplyAt: Timestamp;
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
  /**
   * Messages mentioning the caller that they have not read yet (in the timeline after their
   * read mark, in threads after the thread's read mark). Absent when 0.
   */
  mentionCount?: number;
  /** Unread replies in the threads the caller follows here. Absent when 0. */
  threadUnreadCount?: number;
  /** The caller's role; null when the caller is not a member (public group preview). */
  myRole: MemberRole | null;
  /**
   * Groups, shown to members: users invited (they are not contacts of whoever added them) who
   * have not answered yet. Absent when there are none.
   */
  invitedUserIds?: string[];
  /** The host's idempotency key (server API `POST /v1/server/conversations { key }`), when set. */
  key?: string;
  /** The host's custom data; absent when none is set. */
  data?: CustomData;
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
  /** Send as a reply in the thread of this message (a live timeline message of the same conversation). */
  threadId?: string;
  /** User ids mentioned in `text`; each must be a member of the conversation (else 400 on `mentions`). */
  mentions?: string[];
}

/**
 * `GET /v1/messages/:id/thread?before=&after=&limit=`: a thread's root and a page of its replies,
 * newest first (paged like history), with the caller's follow state and unread count there.
 */
export interface ThreadPage extends Page<Message> {
  root: Message;
  following: boolean;
  /** Replies by others after the caller's thread read mark (counted whether following or not). */
  unreadCount: number;
  lastReadMessageId: string;
}

/** The caller's state in one thread: `PUT`/`DELETE /v1/messages/:id/thread/follow` answer it; the `thread.state` event carries it. */
export interface ThreadState {
  conversationId: string;
  rootId: string;
  following: boolean;
  lastReadMessageId: string;
}

/** `POST /v1/messages/:id/thread/read`: the caller read the thread up to `messageId` (a reply of it). */
export type ThreadReadRequest = ReadRequest;

export interface EditMessageRequest {
  text: string;
}

export interface ReadRequest {
  messageId: string;
}

// ---------------------------------------------------------------------------------------------
// REST: search (`GET /v1/search?q=&conversationId=&cursor=&limit=`)
// ---------------------------------------------------------------------------------------------

/**
 * One matching message. Only messages the caller can read now match: conversations they are a
 * member of, in their app; deleted messages and text edited away never do.
 */
export interface SearchHit {
  message: Message;
  /** The message text around the first match (at most ~160 characters, "…" where cut). */
  snippet: string;
  /** Matched terms in `snippet` as [start, end) UTF-16 offsets, in order, not overlapping. */
  highlights: Array<[number, number]>;
}

/** Newest first. `conversations` holds each conversation of `items` once, as the list shows it. */
export interface SearchResponse extends Page<SearchHit> {
  conversations: Conversation[];
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
  /** `threadId`: the message is a reply in that thread. */
  "reaction.updated": { messageId: string; conversationId: string; userId: string; emoji: string; added: boolean; count: number; threadId?: string };
  "read.updated": { conversationId: string; userId: string; lastReadMessageId: string };
  "conversation.created": { conversation: Conversation };
  "conversation.updated": { conversation: Conversation };
  "member.added": { conversationId: string; members: Member[]; users: User[] };
  "member.removed": { conversationId: string; userId: string };
  "member.updated": { conversationId: string; member: Member };
  "contact.updated": { request: ContactRequest | null; userId: string; status: ContactRequestStatus | "removed" | "blocked" | "unblocked" };
  /** To the invitee (and, when they answer, to whoever invited them): an invitation was made or answered. */
  "invitation.updated": { invitation: GroupInvitation; status: GroupInvitationStatus };
  /**
   * A user was created (registration, first host-token sign-in, server API upsert); `userId` is
   * theirs. For webhooks: clients ignore event types they do not know.
   */
  "user.created": { user: User };
  /**
   * A user deleted their account (or the host's backend deleted it): to each conversation they
   * were in (`conversationId`) and to each of their contacts (`userId`). Their messages there are
   * tombstones now (text and attachments gone), `user` is their tombstone profile; a
   * `member.removed` for each conversation comes with it.
   */
  "user.deleted": { userId: string; user: User };
  /** A thread's root gained replies: its new summary (absolute, so applying it twice is harmless). */
  "thread.updated": { conversationId: string; rootId: string; thread: ThreadSummary };
  /**
   * To one user (`userId`, no `conversationId`): their follow or read mark in a thread changed
   * (another device, or following on reply, on being mentioned, on a reply to their message).
   */
  "thread.state": ThreadState;
  /**
   * To the mentioned user only (`userId`, no `conversationId`): `messageId` (in the conversation,
   * or in thread `threadId`) mentions them. The message itself arrives as `message.new`.
   */
  mention: { conversationId: string; messageId: string; threadId: string | null; senderId: string | null };
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
// Data rights: export (`GET /v1/me/export`, `GET /v1/server/users/:sub/export`) and deletion
// ---------------------------------------------------------------------------------------------

/**
 * Everything Parley holds of one user, as JSON (`?format=zip`: `export.json` plus the files, each
 * named by its upload's `file`). Other people appear only as ids and display names (conversation
 * partners, contacts); their messages never do.
 */
export interface DataExport {
  /** The version of this shape. */
  format: "parley-export/1";
  exportedAt: Timestamp;
  /** The user's own profile, with the private fields and the host's id (`sub`, when they came from the host). */
  profile: Me & { sub: string | null };
  /** Their live messages (deleted ones have no content left), oldest first. */
  messages: ExportedMessage[];
  /** Their reactions, to anyone's messages (by id). */
  reactions: { messageId: string; conversationId: string; emoji: string; createdAt: Timestamp }[];
  /** The files they uploaded. */
  uploads: ExportedUpload[];
  /** The conversations they are a member of; a direct one names the other member. */
  conversations: ExportedConversation[];
  contacts: { user: ExportedPerson; since: Timestamp }[];
  /** Contact requests and group invitations they sent or received. */
  requests: {
    id: string;
    direction: "sent" | "received";
    user: ExportedPerson;
    status: ContactRequestStatus;
    /** The group an invitation is to; null for a contact request. */
    conversationId: string | null;
    createdAt: Timestamp;
    respondedAt: Timestamp | null;
  }[];
  blocks: { user: ExportedPerson; since: Timestamp }[];
}

/** Someone else, as an export names them: an id and a display name only. */
export interface ExportedPerson {
  id: string;
  displayName: string;
}

export interface ExportedMessage {
  id: string;
  conversationId: string;
  /** The group's name; null for a direct conversation. */
  conversationName: string | null;
  text: string | null;
  /** Ids of their uploads attached to it. */
  attachmentIds: string[];
  replyToId: string | null;
  /** A reply in a thread: the root's id. */
  threadId?: string;
  createdAt: Timestamp;
  editedAt: Timestamp | null;
  data?: CustomData;
}

export interface ExportedUpload {
  id: string;
  name: string;
  type: string;
  size: number;
  conversationId: string | null;
  messageId: string | null;
  createdAt: Timestamp;
  /** Its path inside the zip form (`uploads/<id>-<name>`); absent in the JSON form. */
  file?: string;
}

export interface ExportedConversation {
  id: string;
  kind: ConversationKind;
  name: string | null;
  role: MemberRole;
  joinedAt: Timestamp;
  lastReadMessageId: string;
  /** For a direct conversation: the other member. */
  with?: ExportedPerson;
}

/** `DELETE /v1/me`: a Parley account confirms with its password; a host-signed user sends none. */
export interface DeleteAccountRequest {
  password?: string;
}

// ---------------------------------------------------------------------------------------------
// Server API (/v1/server/…): the host's backend, authenticated with a server key
// ---------------------------------------------------------------------------------------------
//
// `Authorization: Basic base64(<key id>:<secret>)`; a request carrying `Origin` is refused (403).
// Users are named by the host's own id, `sub` (their `externalId`). Every resource of another app
// is a 404. Custom data (`data`) is a JSON object of at most CUSTOM_DATA_MAX_BYTES (413 beyond).

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

/** `POST /v1/server/conversations/:id/messages`: as the user `from` (a member), or a system message without it. */
export interface ServerSendMessageRequest {
  text: string;
  from?: string;
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

// ---------------------------------------------------------------------------------------------
// Webhooks: what Parley POSTs to the host's endpoints, and their registration
// ---------------------------------------------------------------------------------------------
//
// Each delivery is `POST <url>` with `Content-Type: application/json`, the body a WebhookPayload,
// and the headers in WEBHOOK_HEADERS. `Parley-Signature: t=<unix seconds>,kid=<key id>,v1=<hex>`
// where v1 = hex(HMAC-SHA256(<that server key's secret>, `${t}.${raw body}`)). A 2xx answer within
// 10 s is delivered; anything else is retried with exponential backoff for at least 24 h.

/** Event types an endpoint may subscribe to. */
export const WEBHOOK_EVENT_TYPES = [
  "message.new",
  "message.updated",
  "message.deleted",
  "conversation.created",
  "member.added",
  "member.removed",
  "user.created",
  "notification.unread",
  "report.created",
] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

/** The headers of a delivery (names as sent; HTTP header names are case-insensitive). */
export const WEBHOOK_HEADERS = {
  signature: "Parley-Signature",
  delivery: "Parley-Delivery",
  event: "Parley-Event",
  seq: "Parley-Seq",
} as const;

/** `notification.unread`: a user has had unread messages for the app's delay while offline. */
export interface UnreadNotification {
  userId: string;
  /** The host's id of the user (`sub`), when the user came from the host. */
  sub: string | null;
  conversations: { conversationId: string; unreadCount: number }[];
}

/** The body of a delivery. `seq` is the event's seq in the app's log (for `notification.unread`: the log's head when it was raised). */
export type WebhookPayload = {
  [K in WebhookEventType]: {
    /** The delivery's id (also `Parley-Delivery`): the same on every retry, so receivers deduplicate by it. */
    id: string;
    type: K;
    seq: number;
    appId: string;
    at: string;
    data: K extends keyof EventPayloads ? EventPayloads[K] : K extends "report.created" ? Report : UnreadNotification;
  };
}[WebhookEventType];

/** A registered endpoint. */
export interface WebhookEndpoint {
  id: string;
  url: string;
  events: WebhookEventType[];
  createdAt: string;
}

/** `POST /v1/server/webhooks`. */
export interface CreateWebhookRequest {
  url: string;
  events: WebhookEventType[];
}

export interface WebhookEndpointResponse {
  endpoint: WebhookEndpoint;
}

export interface WebhookEndpointsResponse {
  endpoints: WebhookEndpoint[];
}

export type WebhookDeliveryStatus = "pending" | "delivered" | "failed";

/** One delivery of one event to one endpoint, as recorded. */
export interface WebhookDelivery {
  id: string;
  endpointId: string;
  type: WebhookEventType;
  seq: number;
  status: WebhookDeliveryStatus;
  attempts: number;
  lastError: string | null;
  createdAt: string;
  nextAttemptAt: string | null;
  lastAttemptAt: string | null;
  deliveredAt: string | null;
}

/** `GET /v1/server/webhooks/:id/deliveries`: newest first, keyset-paged by `nextCursor`. */
export interface WebhookDeliveriesResponse {
  items: WebhookDelivery[];
  nextCursor: string | null;
}

/** `POST /v1/server/webhooks/:id/replay`: queue again every subscribed event with seq ≥ fromSeq, in order. */
export interface ReplayWebhookRequest {
  fromSeq: number;
}

export interface ReplayWebhookResponse {
  queued: number;
}

/** `PUT /v1/server/webhooks/settings`. */
export interface WebhookSettings {
  /** Seconds of unread-while-offline before `notification.unread` (default 300). */
  unreadAfterSec: number;
}

// ---------------------------------------------------------------------------------------------
// Moderation (issue 17): app moderators, mutes, bans, slow mode, word filter, reports, audit log
// ---------------------------------------------------------------------------------------------
//
// Moderator routes live under `/v1/moderation/…` (a moderator's access token; anyone else: 403)
// and, for the host's backend, `/v1/server/moderation/…` (a server key; users named by `sub`).
// Owners and admins of a group may also mute, ban and set slow mode in their own group.
// Refusals: `muted` (403, details.until), `banned` (403), `slow_mode` (429, details.retryAfterSec),
// `content_blocked` (400, details.words). Every action is written to the audit log with its reason.

/** The fixed reasons a report may give. */
export const REPORT_REASONS = ["spam", "harassment", "hate", "sexual", "violence", "self_harm", "illegal", "other"] as const;
export type ReportReason = (typeof REPORT_REASONS)[number];

/** Caps of moderation inputs. */
export const MODERATION_LIMITS = {
  reasonMaxChars: 500,
  reportNoteMaxChars: 1000,
  filterWordsMax: 500,
  filterWordMaxChars: 64,
  slowModeMaxSec: 3600,
  /** The longest mute: a year (longer is a ban). */
  muteMaxSec: 365 * 24 * 3600,
} as const;

/** `POST /v1/reports`: a message (its sender is the reported user) or a user. */
export interface CreateReportRequest {
  messageId?: string;
  userId?: string;
  reason: ReportReason;
  note?: string;
}

export type ReportStatus = "open" | "resolved" | "dismissed";

export interface Report {
  id: string;
  reporterId: string;
  /** The reported user (a message's sender). */
  userId: string;
  messageId: string | null;
  conversationId: string | null;
  /** The reported message's text when reported (null for a user report or a deleted message). */
  messageText: string | null;
  reason: ReportReason;
  note: string | null;
  status: ReportStatus;
  createdAt: string;
  resolvedAt: string | null;
  /** Who resolved it: a moderator's user id, or `server:<key id>`. */
  resolvedBy: string | null;
  resolution: string | null;
}

export interface ReportResponse {
  report: Report;
}

/** `POST /v1/moderation/reports/:id/resolve`. */
export interface ResolveReportRequest {
  status: "resolved" | "dismissed";
  note?: string;
}

export type ModerationAction =
  | "moderator.add"
  | "moderator.remove"
  | "mute"
  | "unmute"
  | "ban.conversation"
  | "unban.conversation"
  | "ban.app"
  | "unban.app"
  | "slow_mode.set"
  | "word_filter.set"
  | "message.delete"
  | "report.resolve"
  | "report.dismiss";

/** One audit log entry: who did what to whom, when and why. */
export interface AuditEntry {
  id: string;
  action: ModerationAction;
  /** The acting moderator's user id, or null when the host's backend acted (`actorServerKey`). */
  actorUserId: string | null;
  /** The server key id (or `cli`) when the host's backend or an operator acted. */
  actorServerKey: string | null;
  targetUserId: string | null;
  conversationId: string | null;
  messageId: string | null;
  reportId: string | null;
  reason: string | null;
  /** Action-specific facts (a mute's `until`, slow mode `seconds`, filter word count). */
  details: Record<string, unknown> | null;
  createdAt: string;
}

/** `PUT …/conversations/:id/mutes/:userId`: until a time, or for a duration. */
export interface MuteRequest {
  until?: string;
  durationSec?: number;
  reason?: string;
}

/** Bans and un-doings carry a reason. */
export interface ModerationReasonRequest {
  reason?: string;
}

export interface Sanction {
  kind: "mute" | "ban";
  userId: string;
  /** Null for an app-wide ban. */
  conversationId: string | null;
  /** Null: until lifted. */
  until: string | null;
  reason: string | null;
  createdAt: string;
}

export interface SanctionResponse {
  sanction: Sanction;
}

/** `PUT …/conversations/:id/slow-mode`: 0 turns it off. */
export interface SlowModeRequest {
  seconds: number;
  reason?: string;
}

export interface SlowModeResponse {
  conversationId: string;
  seconds: number;
}

export type FilterAction = "block" | "mask";

/** A literal word or phrase, matched case-insensitively as a whole word (no regular expressions). */
export interface FilterWord {
  word: string;
  action: FilterAction;
}

/** `PUT /v1/moderation/word-filter`: replaces the app's list. */
export interface WordFilter {
  words: FilterWord[];
}

export interface WordFilterRequest extends WordFilter {
  reason?: string;
}

/** `GET /v1/server/moderators`. */
export interface ModeratorsResponse {
  /** User ids, with the host's `sub` where the user came from the host. */
  moderators: { userId: string; sub: string | null; since: string }[];
}
