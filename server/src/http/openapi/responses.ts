import { z } from "zod";
import type { HealthResponse, PushKeyResponse } from "@parley/sdk/protocol";
import { emailResponseSchemas } from "./email-responses.js";
import { agentResponseSchemas } from "./agent-responses.js";
import { scheduledResponseSchemas } from "./scheduled-responses.js";
import { draftResponseSchemas } from "./draft-responses.js";
import { call, iceServersResponse, liveCallsResponse, pageOfCall } from "./call-responses.js";
import { consoleAppsResponseSchemas } from "./console-apps-responses.js";
import { consoleResponseSchemas } from "./console-responses.js";
import { consoleUsageResponseSchemas } from "./console-usage-responses.js";
import {
  contact,
  contactRequest,
  contactsResponse,
  conversation,
  conversationEnvelope,
  groupInvitation,
  member,
  memberEnvelope,
  searchResponse,
  typingEvent,
} from "./conversation-responses.js";
import { dataExport } from "./data-export-responses.js";
import { errorBody } from "./error-responses.js";
import { chatEvent, emptyAck, messageAck, syncHead, syncResponse } from "./event-responses.js";
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
import {
  attachment,
  linkPreview,
  message,
  pin,
  pinsResponse,
  poll,
  reactionSummary,
  streamStatus,
  threadPage,
  threadState,
  voiceSettings,
} from "./message-responses.js";
import { page, type Check, type Same } from "./mirror.js";
import { authResponse, me, presence, presenceSnapshot, serverTokenResponse, serverUser, serverUserEnvelope, user } from "./user-responses.js";

/**
 * The protocol's DTOs (sdk/src/protocol/, TypeScript only) mirrored as zod schemas, for the API
 * description and nothing else: the OpenAPI and AsyncAPI documents are generated from these and
 * from the request schemas the routes validate with. Each mirror is checked against its protocol
 * type in both directions at compile time (the `Check<...>` lines), so a field added, removed,
 * renamed or retyped on either side fails `tsc` at the mirror. Objects are strict (no additional
 * properties), so a server that answers more than the protocol says fails the OpenAPI test.
 *
 * The mirrors live by area: errors and acks (error-responses.ts), users and presence
 * (user-responses.ts), messages (message-responses.ts), conversations and contacts
 * (conversation-responses.ts), events (event-responses.ts), the data export
 * (data-export-responses.ts), the host's backend and moderators (host-responses.ts), the console
 * (console-*-responses.ts). This file holds the operator's probes and names them all for the documents.
 */

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

const pushKeyResponse = z.strictObject({ publicKey: z.string() });
type _PushKeyResponse = Check<Same<z.infer<typeof pushKeyResponse>, PushKeyResponse>>;

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
  StreamStatus: streamStatus,
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
  Call: call,
  PageOfCall: pageOfCall,
  IceServersResponse: iceServersResponse,
  LiveCallsResponse: liveCallsResponse,
  ...consoleResponseSchemas,
  ...consoleAppsResponseSchemas,
  ...consoleUsageResponseSchemas,
  ...emailResponseSchemas,
  ...agentResponseSchemas,
  ...scheduledResponseSchemas,
  ...draftResponseSchemas,
} as const;
