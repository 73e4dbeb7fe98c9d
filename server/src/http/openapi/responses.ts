import { z } from "zod";
import {
  auditEntry,
  moderatorsResponse,
  replayWebhookResponse,
  report,
  reportResponse,
  sanctionResponse,
  slowModeResponse,
  webhookDeliveriesResponse,
  webhookEndpointResponse,
  webhookEndpointsResponse,
  webhookSettings,
  wordFilter,
} from "./host-responses.js";
import { consoleResponseSchemas } from "./console-responses.js";
import { consoleAppsResponseSchemas } from "./console-apps-responses.js";
import { consoleUsageResponseSchemas } from "./console-usage-responses.js";
import { page, timestamp, type Check, type Same } from "./mirror.js";
import {
  ERROR_STATUS,
  type Ack,
  type SendAck,
  type Attachment,
  type AuthResponse,
  type ChatEvent,
  type Contact,
  type ContactRequest,
  type ContactsResponse,
  type Conversation,
  type DataExport,
  type ErrorBody,
  type ErrorCode,
  type EventPayloads,
  type EventType,
  type GroupInvitation,
  type HealthResponse,
  type Me,
  type Member,
  type Message,
  type Page,
  type Presence,
  type PresenceSnapshot,
  type PushKeyResponse,
  type ServerTokenResponse,
  type ServerUser,
  type ServerUserResponse,
  type ReactionSummary,
  type SearchResponse,
  type ThreadPage,
  type ThreadState,
  type Pin,
  type PinsResponse,
  type LinkPreview,
  type Poll,
  type ThreadSummary,
  type SyncResponse,
  type TypingEvent,
  type User,
  type VoiceSettings,
} from "@parley/sdk/protocol";

/**
 * The protocol's DTOs (sdk/src/protocol/, TypeScript only) mirrored as zod schemas, for the API
 * description and nothing else: the OpenAPI and AsyncAPI documents are generated from these and
 * from the request schemas the routes validate with. Each mirror is checked against its protocol
 * type in both directions at compile time (the `Check<...>` lines), so a field added, removed,
 * renamed or retyped on either side fails `tsc` here. Objects are strict (no additional
 * properties), so a server that answers more than the protocol says fails the OpenAPI test.
 */

// ---------------------------------------------------------------------------------------------
// Building blocks
// ---------------------------------------------------------------------------------------------

const role = z.enum(["owner", "admin", "member"]);
const errorCodes = Object.keys(ERROR_STATUS) as [ErrorCode, ...ErrorCode[]];

const errorFields = {
  code: z.enum(errorCodes),
  message: z.string(),
  /** Per-field problems for `validation_failed`; free-form otherwise. */
  details: z.unknown().optional(),
  requestId: z.string().optional(),
};

export const errorBody = z.strictObject({ error: z.strictObject(errorFields) });
type _ErrorBody = Check<Same<z.infer<typeof errorBody>, ErrorBody>>;

/** The error body of one HTTP status: only the codes that travel with it (from ERROR_STATUS). */
export function errorBodyFor(status: number): z.ZodType<ErrorBody> {
  const codes = errorCodes.filter((c) => ERROR_STATUS[c] === status);
  if (codes.length === 0) throw new Error(`No error code answers with status ${status}`);
  return z.strictObject({ error: z.strictObject({ ...errorFields, code: z.enum(codes as [ErrorCode, ...ErrorCode[]]) }) });
}

// ---------------------------------------------------------------------------------------------
// Entities
// ---------------------------------------------------------------------------------------------

const userFields = {
  id: z.string(),
  displayName: z.string(),
  bio: z.string(),
  avatarUrl: z.string().nullable(),
  externalId: z.string().nullable(),
  lastSeenAt: timestamp.nullable(),
  createdAt: timestamp,
  data: z.record(z.string(), z.unknown()).optional(),
  deleted: z.literal(true).optional(),
};
export const user = z.strictObject(userFields);
type _User = Check<Same<z.infer<typeof user>, User>>;

/** A user as the server API (`/v1/server/…`) answers: the public user plus the host's `sub`. */
export const serverUser = z.strictObject({ ...userFields, sub: z.string() });
type _ServerUser = Check<Same<z.infer<typeof serverUser>, ServerUser>>;
export const serverUserEnvelope = z.strictObject({ user: serverUser });
type _ServerUserResponse = Check<Same<z.infer<typeof serverUserEnvelope>, ServerUserResponse>>;
export const serverTokenResponse = z.strictObject({ hostToken: z.string(), expiresIn: z.number().int() });
type _ServerTokenResponse = Check<Same<z.infer<typeof serverTokenResponse>, ServerTokenResponse>>;

export const me = z.strictObject({
  ...userFields,
  email: z.string().nullable(),
  appId: z.string(),
  showLastSeen: z.boolean().optional(),
  moderator: z.literal(true).optional(),
});
type _Me = Check<Same<z.infer<typeof me>, Me>>;

export const authResponse = z.strictObject({ user: me, accessToken: z.string(), expiresIn: z.number(), refreshToken: z.string() });
type _AuthResponse = Check<Same<z.infer<typeof authResponse>, AuthResponse>>;

/** `GET /v1/healthz`: HealthResponse plus the operator fields app.ts adds. */
export const health = z.strictObject({
  status: z.enum(["ok", "degraded"]),
  db: z.enum(["ok", "down"]),
  dbWrites: z.literal("failing").optional(),
  redis: z.enum(["ok", "down"]).optional(),
  version: z.string(),
});
type _Health = Check<Same<z.infer<typeof health>, HealthResponse & { dbWrites?: "failing"; redis?: "ok" | "down" }>>;

const check = z.enum(["ok", "down", "full", "pending"]);
/** `GET /readyz` (ops/health.ts). */
export const readiness = z.strictObject({
  status: z.enum(["ready", "not_ready"]),
  checks: z.strictObject({ db: check, migrations: check, redis: check.optional() }),
  reasons: z.array(z.string()).optional(),
});
/** Why a check failed (`reasons`) is in words for an operator: no secrets, no stack. */
export type Readiness = z.infer<typeof readiness>;

/** `GET /livez`. */
export const liveness = z.strictObject({ status: z.literal("ok") });

export const member = z.strictObject({ userId: z.string(), role, joinedAt: timestamp, lastReadMessageId: z.string() });
type _Member = Check<Same<z.infer<typeof member>, Member>>;

export const attachment = z.strictObject({
  id: z.string(),
  name: z.string(),
  mime: z.string(),
  size: z.number().int(),
  width: z.number().int().nullable(),
  height: z.number().int().nullable(),
  url: z.string(),
  voice: z.strictObject({ durationMs: z.number().int(), peaks: z.array(z.number().int().min(0).max(255)) }).optional(),
});
type _Attachment = Check<Same<z.infer<typeof attachment>, Attachment>>;

/** `GET /uploads/voice/settings`. */
export const voiceSettings = z.strictObject({ maxDurationMs: z.number().int(), peaks: z.number().int() });
type _VoiceSettings = Check<Same<z.infer<typeof voiceSettings>, VoiceSettings>>;

export const reactionSummary = z.strictObject({ emoji: z.string(), count: z.number().int(), mine: z.boolean() });
type _ReactionSummary = Check<Same<z.infer<typeof reactionSummary>, ReactionSummary>>;

export const threadSummary = z.strictObject({ replyCount: z.number().int(), lastReplyAt: timestamp });
type _ThreadSummary = Check<Same<z.infer<typeof threadSummary>, ThreadSummary>>;

export const poll = z.strictObject({
  options: z.array(z.strictObject({ id: z.string(), text: z.string(), votes: z.number().int(), voters: z.array(z.string()).optional() })),
  multiple: z.boolean(),
  anonymous: z.boolean(),
  voterCount: z.number().int(),
  mine: z.array(z.string()),
  closesAt: timestamp.nullable(),
  closedAt: timestamp.nullable(),
  createdBy: z.string().nullable(),
});
type _Poll = Check<Same<z.infer<typeof poll>, Poll>>;

/** A message's link preview: plain text, its image served by Parley (`/v1/previews/<key>`). */
export const linkPreview = z.strictObject({
  url: z.string(),
  title: z.string().nullable(),
  description: z.string().nullable(),
  siteName: z.string().nullable(),
  image: z.strictObject({ url: z.string(), width: z.number().int(), height: z.number().int() }).nullable(),
});
type _LinkPreview = Check<Same<z.infer<typeof linkPreview>, LinkPreview>>;

export const message = z.strictObject({
  id: z.string(),
  conversationId: z.string(),
  senderId: z.string().nullable(),
  text: z.string().nullable(),
  attachments: z.array(attachment),
  replyToId: z.string().nullable(),
  clientMessageId: z.string().nullable(),
  reactions: z.array(reactionSummary),
  createdAt: timestamp,
  editedAt: timestamp.nullable(),
  deletedAt: timestamp.nullable(),
  data: z.record(z.string(), z.unknown()).optional(),
  threadId: z.string().optional(),
  thread: threadSummary.optional(),
  mentions: z.array(z.string()).optional(),
  pinned: z.strictObject({ by: z.string().nullable(), at: timestamp }).optional(),
  poll: poll.optional(),
  preview: linkPreview.optional(),
});
type _Message = Check<Same<z.infer<typeof message>, Message>>;

export const pin = z.strictObject({ by: z.string().nullable(), at: timestamp, conversationId: z.string(), message });
type _Pin = Check<Same<z.infer<typeof pin>, Pin>>;
export const pinsResponse = z.strictObject({ pins: z.array(pin) });
type _PinsResponse = Check<Same<z.infer<typeof pinsResponse>, PinsResponse>>;

export const conversation = z.strictObject({
  id: z.string(),
  kind: z.enum(["direct", "group"]),
  name: z.string().nullable(),
  isPublic: z.boolean(),
  createdAt: timestamp,
  lastActivityAt: timestamp,
  members: z.array(member),
  users: z.array(user),
  lastMessage: message.nullable(),
  unreadCount: z.number().int(),
  mentionCount: z.number().int().optional(),
  threadUnreadCount: z.number().int().optional(),
  myRole: role.nullable(),
  muted: z.literal(true).optional(),
  invitedUserIds: z.array(z.string()).optional(),
  key: z.string().optional(),
  data: z.record(z.string(), z.unknown()).optional(),
});
type _Conversation = Check<Same<z.infer<typeof conversation>, Conversation>>;

const invitationStatus = z.enum(["pending", "accepted", "declined", "cancelled"]);
export const groupInvitation = z.strictObject({
  id: z.string(),
  conversationId: z.string(),
  name: z.string().nullable(),
  memberCount: z.number().int(),
  invitedBy: user,
  status: invitationStatus,
  createdAt: timestamp,
});
type _GroupInvitation = Check<Same<z.infer<typeof groupInvitation>, GroupInvitation>>;

const contactRequestStatus = z.enum(["pending", "accepted", "declined", "cancelled"]);
export const contactRequest = z.strictObject({
  id: z.string(),
  fromUserId: z.string(),
  toUserId: z.string(),
  status: contactRequestStatus,
  createdAt: timestamp,
  respondedAt: timestamp.nullable(),
  user,
});
type _ContactRequest = Check<Same<z.infer<typeof contactRequest>, ContactRequest>>;

export const contact = z.strictObject({ user, online: z.boolean(), since: timestamp });
type _Contact = Check<Same<z.infer<typeof contact>, Contact>>;

export const contactsResponse = z.strictObject({
  contacts: z.array(contact),
  incoming: z.array(contactRequest),
  outgoing: z.array(contactRequest),
  blockedUserIds: z.array(z.string()).optional(),
});
type _ContactsResponse = Check<Same<z.infer<typeof contactsResponse>, ContactsResponse>>;

export const presence = z.strictObject({ userId: z.string(), online: z.boolean(), lastSeenAt: timestamp.nullable(), version: z.number().optional() });
type _Presence = Check<Same<z.infer<typeof presence>, Presence>>;

export const presenceSnapshot = z.strictObject({ users: z.array(presence) });
type _PresenceSnapshot = Check<Same<z.infer<typeof presenceSnapshot>, PresenceSnapshot>>;

export const typingEvent = z.strictObject({ conversationId: z.string(), userId: z.string(), typing: z.boolean() });
type _TypingEvent = Check<Same<z.infer<typeof typingEvent>, TypingEvent>>;

// ---------------------------------------------------------------------------------------------
// Data rights (issue 17)
// ---------------------------------------------------------------------------------------------

const person = z.strictObject({ id: z.string(), displayName: z.string() });
/** `GET /v1/me/export` and `GET /v1/server/users/:sub/export` (the JSON form). */
export const dataExport = z.strictObject({
  format: z.literal("parley-export/1"),
  exportedAt: timestamp,
  profile: me.extend({ sub: z.string().nullable() }),
  messages: z.array(
    z.strictObject({
      id: z.string(),
      conversationId: z.string(),
      conversationName: z.string().nullable(),
      text: z.string().nullable(),
      attachmentIds: z.array(z.string()),
      replyToId: z.string().nullable(),
      threadId: z.string().optional(),
      createdAt: timestamp,
      editedAt: timestamp.nullable(),
      data: z.record(z.string(), z.unknown()).optional(),
    }),
  ),
  reactions: z.array(z.strictObject({ messageId: z.string(), conversationId: z.string(), emoji: z.string(), createdAt: timestamp })),
  uploads: z.array(
    z.strictObject({
      id: z.string(),
      name: z.string(),
      type: z.string(),
      size: z.number().int(),
      conversationId: z.string().nullable(),
      messageId: z.string().nullable(),
      createdAt: timestamp,
      file: z.string().optional(),
    }),
  ),
  conversations: z.array(
    z.strictObject({
      id: z.string(),
      kind: z.enum(["direct", "group"]),
      name: z.string().nullable(),
      role,
      joinedAt: timestamp,
      lastReadMessageId: z.string(),
      with: person.optional(),
    }),
  ),
  contacts: z.array(z.strictObject({ user: person, since: timestamp })),
  requests: z.array(
    z.strictObject({
      id: z.string(),
      direction: z.enum(["sent", "received"]),
      user: person,
      status: contactRequestStatus,
      conversationId: z.string().nullable(),
      createdAt: timestamp,
      respondedAt: timestamp.nullable(),
    }),
  ),
  blocks: z.array(z.strictObject({ user: person, since: timestamp })),
});
type _DataExport = Check<Same<z.infer<typeof dataExport>, DataExport>>;

/** `GET /v1/search`: matching messages with a snippet, and each of their conversations once. */
export const searchHit = z.strictObject({
  message,
  snippet: z.string(),
  highlights: z.array(z.tuple([z.number().int(), z.number().int()])),
});
export const searchResponse = z.strictObject({ items: z.array(searchHit), nextCursor: z.string().nullable(), conversations: z.array(conversation) });
type _SearchResponse = Check<Same<z.infer<typeof searchResponse>, SearchResponse>>;

// ---------------------------------------------------------------------------------------------
// Events (persisted: live over the socket and from GET /v1/sync)
// ---------------------------------------------------------------------------------------------

/** The `data` of each persisted event type. */
export const threadState = z.strictObject({ conversationId: z.string(), rootId: z.string(), following: z.boolean(), lastReadMessageId: z.string() });
type _ThreadState = Check<Same<z.infer<typeof threadState>, ThreadState>>;

export const threadPage = z.strictObject({
  root: message,
  items: z.array(message),
  nextCursor: z.string().nullable(),
  following: z.boolean(),
  unreadCount: z.number().int(),
  lastReadMessageId: z.string(),
});
type _ThreadPage = Check<Same<z.infer<typeof threadPage>, ThreadPage>>;

export const eventPayloads = {
  "message.new": z.strictObject({ message }),
  "message.updated": z.strictObject({ message }),
  "message.deleted": z.strictObject({ message }),
  "reaction.updated": z.strictObject({
    messageId: z.string(),
    conversationId: z.string(),
    userId: z.string(),
    emoji: z.string(),
    added: z.boolean(),
    count: z.number().int(),
    threadId: z.string().optional(),
  }),
  "read.updated": z.strictObject({ conversationId: z.string(), userId: z.string(), lastReadMessageId: z.string() }),
  "conversation.created": z.strictObject({ conversation }),
  "conversation.updated": z.strictObject({ conversation }),
  "member.added": z.strictObject({ conversationId: z.string(), members: z.array(member), users: z.array(user) }),
  "member.removed": z.strictObject({ conversationId: z.string(), userId: z.string() }),
  "member.updated": z.strictObject({ conversationId: z.string(), member }),
  "contact.updated": z.strictObject({
    request: contactRequest.nullable(),
    userId: z.string(),
    status: z.enum([...contactRequestStatus.options, "removed", "blocked", "unblocked"]),
  }),
  "invitation.updated": z.strictObject({ invitation: groupInvitation, status: invitationStatus }),
  "user.created": z.strictObject({ user }),
  "user.deleted": z.strictObject({ userId: z.string(), user }),
  "thread.updated": z.strictObject({ conversationId: z.string(), rootId: z.string(), thread: threadSummary }),
  "thread.state": threadState,
  mention: z.strictObject({ conversationId: z.string(), messageId: z.string(), threadId: z.string().nullable(), senderId: z.string().nullable() }),
  "conversation.muted": z.strictObject({ conversationId: z.string(), muted: z.boolean() }),
  "pin.updated": z.strictObject({ conversationId: z.string(), messageId: z.string(), pin: pin.nullable() }),
  "poll.updated": z.strictObject({ conversationId: z.string(), messageId: z.string(), poll }),
} satisfies Record<EventType, z.ZodType>;
type _EventTypes = Check<Same<keyof typeof eventPayloads, EventType>>;
type _EventPayloads = Check<Same<{ [K in EventType]: z.infer<(typeof eventPayloads)[K]> }, EventPayloads>>;

/** One event-log entry of type `type`. */
function eventOf<K extends EventType>(type: K) {
  return z.strictObject({
    seq: z.number().int(),
    type: z.literal(type),
    conversationId: z.string().nullable(),
    userId: z.string().nullable(),
    at: timestamp,
    data: eventPayloads[type],
  });
}

/** Each persisted event, by type (also the payload of the socket event of that name). */
export const events = {
  "message.new": eventOf("message.new"),
  "message.updated": eventOf("message.updated"),
  "message.deleted": eventOf("message.deleted"),
  "reaction.updated": eventOf("reaction.updated"),
  "read.updated": eventOf("read.updated"),
  "conversation.created": eventOf("conversation.created"),
  "conversation.updated": eventOf("conversation.updated"),
  "member.added": eventOf("member.added"),
  "member.removed": eventOf("member.removed"),
  "member.updated": eventOf("member.updated"),
  "contact.updated": eventOf("contact.updated"),
  "invitation.updated": eventOf("invitation.updated"),
  "user.created": eventOf("user.created"),
  "user.deleted": eventOf("user.deleted"),
  "thread.updated": eventOf("thread.updated"),
  "thread.state": eventOf("thread.state"),
  mention: eventOf("mention"),
  "conversation.muted": eventOf("conversation.muted"),
  "pin.updated": eventOf("pin.updated"),
  "poll.updated": eventOf("poll.updated"),
} satisfies { [K in EventType]: z.ZodType };

/** `message.new` -> `MessageNewEvent`: the component name of each event's schema. */
export const eventSchemaName = (type: string): string => `${type.replace(/(^|[.\-_])(\w)/g, (_, _sep: string, c: string) => c.toUpperCase())}Event`;

/** The events by component name, for the documents. */
export const eventSchemas: Record<string, z.ZodType> = Object.fromEntries(Object.entries(events).map(([type, schema]) => [eventSchemaName(type), schema]));

export const chatEvent = z.discriminatedUnion("type", Object.values(events) as [(typeof events)[EventType], ...(typeof events)[EventType][]]);
type _ChatEvent = Check<Same<z.infer<typeof chatEvent>, ChatEvent>>;

export const syncResponse = z.strictObject({ events: z.array(chatEvent), lastSeq: z.number().int(), hasMore: z.boolean() });
type _SyncResponse = Check<Same<z.infer<typeof syncResponse>, SyncResponse>>;

export const syncHead = z.strictObject({ lastSeq: z.number().int() });

// ---------------------------------------------------------------------------------------------
// Envelopes and acks
// ---------------------------------------------------------------------------------------------

export const conversationEnvelope = z.strictObject({ conversation });
export const memberEnvelope = z.strictObject({ member });

/** A socket command's acknowledgement (`Ack<T>` of the protocol). */
export function ack<T extends z.ZodType>(data: T) {
  return z.discriminatedUnion("ok", [
    z.strictObject({ ok: z.literal(true), data }),
    z.strictObject({ ok: z.literal(false), error: z.strictObject(errorFields) }),
  ]);
}
const pushKeyResponse = z.strictObject({ publicKey: z.string() });
type _PushKeyResponse = Check<Same<z.infer<typeof pushKeyResponse>, PushKeyResponse>>;

/** `message.send`'s ack (`SendAck`): the message, and its event for a socket that asked for no echo. */
export const messageAck = z.discriminatedUnion("ok", [
  z.strictObject({ ok: z.literal(true), data: message, event: events["message.new"].optional() }),
  z.strictObject({ ok: z.literal(false), error: z.strictObject(errorFields) }),
]);
export const emptyAck = ack(z.null());
type _MessageAck = Check<Same<z.infer<typeof messageAck>, SendAck>>;
type _EmptyAck = Check<Same<z.infer<typeof emptyAck>, Ack<null>>>;
type _Page = Check<Same<z.infer<ReturnType<typeof page<typeof user>>>, Page<User>>>;

/** Names each reusable schema in the documents' `components.schemas`. */
export const responseSchemas = {
  ErrorBody: errorBody,
  User: user,
  Me: me,
  AuthResponse: authResponse,
  HealthResponse: health,
  Readiness: readiness,
  Liveness: liveness,
  Member: member,
  Attachment: attachment,
  VoiceSettings: voiceSettings,
  ReactionSummary: reactionSummary,
  Message: message,
  Conversation: conversation,
  GroupInvitation: groupInvitation,
  ContactRequest: contactRequest,
  Contact: contact,
  ContactsResponse: contactsResponse,
  Presence: presence,
  PresenceSnapshot: presenceSnapshot,
  TypingEvent: typingEvent,
  ChatEvent: chatEvent,
  SyncResponse: syncResponse,
  SyncHead: syncHead,
  ConversationEnvelope: conversationEnvelope,
  MemberEnvelope: memberEnvelope,
  PageOfUser: page(user),
  PageOfConversation: page(conversation),
  PageOfGroupInvitation: page(groupInvitation),
  PageOfMessage: page(message),
  MessageAck: messageAck,
  EmptyAck: emptyAck,
  ServerUser: serverUser,
  ServerUserEnvelope: serverUserEnvelope,
  ServerTokenResponse: serverTokenResponse,
  WebhookEndpointResponse: webhookEndpointResponse,
  WebhookEndpointsResponse: webhookEndpointsResponse,
  WebhookDeliveriesResponse: webhookDeliveriesResponse,
  ReplayWebhookResponse: replayWebhookResponse,
  WebhookSettings: webhookSettings,
  DataExport: dataExport,
  ReportResponse: reportResponse,
  PageOfReport: page(report),
  PageOfAuditEntry: page(auditEntry),
  SanctionResponse: sanctionResponse,
  SlowModeResponse: slowModeResponse,
  WordFilter: wordFilter,
  ModeratorsResponse: moderatorsResponse,
  SearchResponse: searchResponse,
  ThreadPage: threadPage,
  ThreadState: threadState,
  Pin: pin,
  PinsResponse: pinsResponse,
  Poll: poll,
  LinkPreview: linkPreview,
  PushKeyResponse: pushKeyResponse,
  ...consoleResponseSchemas,
  ...consoleAppsResponseSchemas,
  ...consoleUsageResponseSchemas,
} as const;
