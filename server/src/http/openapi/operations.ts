import { z } from "zod";
import type * as P from "@parley/sdk/protocol";
import { changePasswordBody, hostTokenBody, loginBody, refreshBody, registerBody } from "../../auth/auth.schema.js";
import { userBody, idString as contactIdString } from "../../contacts/contacts.schema.js";
import {
  addMembersBody,
  createDirectBody,
  createGroupBody,
  idString,
  listQuery,
  publicQuery,
  setRoleBody,
  updateConversationBody,
} from "../../conversations/conversations.schema.js";
import { syncQuery } from "../../events/sync.schema.js";
import { editMessage, history, markRead, react, sendMessage, typing } from "../../messages/messages.schema.js";
import { ref } from "../../shared/schema.js";
import { createWebhookBody, deliveriesQuery, endpointIdParam, replayBody, settingsBody } from "../../webhooks/webhooks.schema.js";
import { idParam, searchQuery, updateMeBody } from "../../users/users.schema.js";
import * as S from "../../server-api/server-api.schema.js";
import type { Check, responseSchemas, Same } from "./responses.js";

/**
 * The route table of the API description: every HTTP route the server answers (bar static files),
 * with the request schemas the route validates with (imported, never restated) and the responses
 * it gives. openapi.test.ts fails when the server's routers and this table disagree, and when a
 * real response does not match what is written here.
 */

// What the SDK sends (the protocol's request types) is what the routes accept, field for field.
type _Requests = [
  Check<Same<z.input<typeof registerBody>, P.RegisterRequest>>,
  Check<Same<z.input<typeof loginBody>, P.LoginRequest>>,
  Check<Same<z.input<typeof hostTokenBody>, P.HostTokenRequest>>,
  Check<Same<z.input<typeof refreshBody>, P.RefreshRequest>>,
  Check<Same<z.input<typeof refreshBody>, P.LogoutRequest>>,
  Check<Same<z.input<typeof changePasswordBody>, P.ChangePasswordRequest>>,
  Check<Same<z.input<typeof updateMeBody>, P.UpdateMeRequest>>,
  Check<Same<z.input<typeof createDirectBody>, P.CreateDirectRequest>>,
  Check<Same<z.input<typeof createGroupBody>, P.CreateGroupRequest>>,
  Check<Same<z.input<typeof updateConversationBody>, P.UpdateConversationRequest>>,
  Check<Same<z.input<typeof addMembersBody>, P.AddMembersRequest>>,
  Check<Same<z.input<typeof setRoleBody>, P.SetRoleRequest>>,
  // Commands that take an id from the path: the body is the rest.
  Check<Same<Omit<z.input<typeof sendMessage>, "conversationId">, P.SendMessageRequest>>,
  Check<Same<Omit<z.input<typeof editMessage>, "messageId">, P.EditMessageRequest>>,
  Check<Same<Omit<z.input<typeof markRead>, "conversationId">, P.ReadRequest>>,
  // The same commands over the socket.
  Check<Same<z.input<typeof sendMessage>, Parameters<P.ClientToServerEvents["message.send"]>[0]>>,
  Check<Same<z.input<typeof typing>, Parameters<P.ClientToServerEvents["typing"]>[0]>>,
  Check<Same<z.input<typeof markRead>, Parameters<P.ClientToServerEvents["read"]>[0]>>,
  // The server API (/v1/server/…).
  Check<Same<z.input<typeof S.upsertUserBody>, P.ServerUpsertUserRequest>>,
  Check<Same<z.input<typeof S.tokenBody>, P.ServerTokenRequest>>,
  Check<Same<z.input<typeof S.createConversationBody>, P.ServerCreateConversationRequest>>,
  Check<Same<z.input<typeof S.updateConversationBody>, P.ServerUpdateConversationRequest>>,
  Check<Same<z.input<typeof S.addMembersBody>, P.ServerAddMembersRequest>>,
  Check<Same<Omit<z.input<typeof S.serverSendMessage>, "conversationId">, P.ServerSendMessageRequest>>,
  Check<Same<Omit<z.input<typeof S.serverEditMessage>, "messageId">, P.ServerEditMessageRequest>>,
  Check<Same<z.input<typeof createWebhookBody>, P.CreateWebhookRequest>>,
  Check<Same<z.input<typeof replayBody>, P.ReplayWebhookRequest>>,
  Check<Same<z.input<typeof settingsBody>, P.WebhookSettings>>,
];

export type Method = "get" | "post" | "put" | "patch" | "delete";
/**
 * `bearer`: `Authorization: Bearer <access token>`. `app`: no token; the app named by the
 * `X-Parley-App` header (or `?appId=`). `metrics`: the METRICS_TOKEN bearer when one is set.
 * `server`: a server key, `Authorization: Basic base64(<key id>:<secret>)` (the host's backend).
 */
export type Auth = "none" | "app" | "bearer" | "metrics" | "server";
export type SchemaName = keyof typeof responseSchemas;

/** A success answer: a JSON schema by component name, no body, or a non-JSON body of a media type. */
export type Answer = { json: SchemaName; description: string } | { empty: true; description: string } | { media: string; description: string };

export interface Operation {
  method: Method;
  /** Koa's form, with the `/v1` prefix: `/v1/conversations/:id`. */
  path: string;
  operationId: string;
  tag: Tag;
  summary: string;
  auth: Auth;
  /** Path parameters, by name, with the schema the route (or its service) parses them with. */
  params?: Record<string, z.ZodType>;
  /** The query schema (an object; each property is one parameter). */
  query?: z.ZodObject;
  /** The JSON body schema and its component name, or a multipart file upload. */
  body?: { name: string; schema: z.ZodObject } | { multipart: string };
  /** Keys of a command schema (the body's or the query's) that the route fills from the path. */
  fromPath?: string[];
  /** Success answers by status. */
  ok: Partial<Record<number, Answer>>;
  /** Error statuses beyond those every operation of its kind may answer (see `errorStatuses`). */
  errors?: number[];
}

export const TAGS = {
  auth: "Sign-in and sessions",
  users: "The signed-in user and other users",
  conversations: "Direct and group conversations, members, invitations",
  messages: "Messages, reactions, read receipts",
  contacts: "Contact requests and blocks",
  uploads: "Attachments",
  sync: "Catch-up from the event log",
  server: "The host's backend (server key): users, tokens, conversations, messages",
  webhooks: "The host's backend (server key): webhook endpoints, deliveries, replay",
  ops: "Health, readiness, metrics and this description",
} as const;
export type Tag = keyof typeof TAGS;

const json = (name: SchemaName, description: string): Answer => ({ json: name, description });
const empty = (description: string): Answer => ({ empty: true, description });

export const OPERATIONS: Operation[] = [
  // ---- ops
  { method: "get", path: "/v1/healthz", operationId: "getHealth", tag: "ops", summary: "Database and Redis state (kept for compatibility; prefer /readyz)", auth: "none", ok: { 200: json("HealthResponse", "Healthy"), 503: json("HealthResponse", "The database is down or failing writes") } },
  { method: "get", path: "/v1/openapi.json", operationId: "getOpenApi", tag: "ops", summary: "This document (OpenAPI 3.1)", auth: "none", ok: { 200: { media: "application/json", description: "The OpenAPI document" } } },
  { method: "get", path: "/v1/asyncapi.json", operationId: "getAsyncApi", tag: "ops", summary: "The Socket.IO events (AsyncAPI 3.0)", auth: "none", ok: { 200: { media: "application/json", description: "The AsyncAPI document" } } },
  { method: "get", path: "/livez", operationId: "getLiveness", tag: "ops", summary: "The process runs", auth: "none", ok: { 200: json("Liveness", "Alive") } },
  { method: "get", path: "/readyz", operationId: "getReadiness", tag: "ops", summary: "This node can serve: database writable, migrations applied, Redis reachable when configured", auth: "none", ok: { 200: json("Readiness", "Ready"), 503: json("Readiness", "Not ready; `reasons` says why") } },
  { method: "get", path: "/metrics", operationId: "getMetrics", tag: "ops", summary: "Prometheus metrics (only when METRICS_TOKEN or METRICS_PUBLIC=1 is set)", auth: "metrics", ok: { 200: { media: "text/plain", description: "Prometheus text exposition format" } }, errors: [401] },

  // ---- auth
  { method: "post", path: "/v1/auth/register", operationId: "register", tag: "auth", summary: "Create a Parley account and sign in", auth: "app", body: { name: "RegisterRequest", schema: registerBody }, ok: { 201: json("AuthResponse", "Registered and signed in") }, errors: [404, 409, 429] },
  { method: "post", path: "/v1/auth/login", operationId: "login", tag: "auth", summary: "Sign in with email and password", auth: "app", body: { name: "LoginRequest", schema: loginBody }, ok: { 200: json("AuthResponse", "Signed in") }, errors: [401, 404, 429] },
  { method: "post", path: "/v1/auth/host-token", operationId: "signInWithHostToken", tag: "auth", summary: "Exchange a token the host site signed with its app secret", auth: "app", body: { name: "HostTokenRequest", schema: hostTokenBody }, ok: { 200: json("AuthResponse", "Signed in") }, errors: [401, 404, 429] },
  { method: "post", path: "/v1/auth/refresh", operationId: "refresh", tag: "auth", summary: "Rotate the refresh token for a new session", auth: "app", body: { name: "RefreshRequest", schema: refreshBody }, ok: { 200: json("AuthResponse", "A new session") }, errors: [401, 404] },
  { method: "post", path: "/v1/auth/logout", operationId: "logout", tag: "auth", summary: "Revoke a refresh token", auth: "app", body: { name: "RefreshRequest", schema: refreshBody }, ok: { 204: empty("Signed out") }, errors: [404] },
  { method: "post", path: "/v1/auth/password", operationId: "changePassword", tag: "auth", summary: "Change the password: ends every session, answers a new one", auth: "bearer", body: { name: "ChangePasswordRequest", schema: changePasswordBody }, ok: { 200: json("AuthResponse", "Changed; a new session") }, errors: [429] },

  // ---- users
  { method: "get", path: "/v1/me", operationId: "getMe", tag: "users", summary: "The signed-in user", auth: "bearer", ok: { 200: json("Me", "The signed-in user") }, errors: [404] },
  { method: "patch", path: "/v1/me", operationId: "updateMe", tag: "users", summary: "Change display name, bio or last-seen visibility", auth: "bearer", body: { name: "UpdateMeRequest", schema: updateMeBody }, ok: { 200: json("Me", "Updated") }, errors: [404] },
  { method: "put", path: "/v1/me/avatar", operationId: "setAvatar", tag: "users", summary: "Set the avatar (PNG, JPEG, GIF or WebP)", auth: "bearer", body: { multipart: "The image, in the field `file`" }, ok: { 200: json("Me", "Updated") }, errors: [404] },
  { method: "get", path: "/v1/users", operationId: "searchUsers", tag: "users", summary: "Users of the app by name", auth: "bearer", query: searchQuery, ok: { 200: json("PageOfUser", "A page of users") } },
  { method: "get", path: "/v1/users/:id", operationId: "getUser", tag: "users", summary: "One user", auth: "bearer", params: { id: idParam }, ok: { 200: json("User", "The user") }, errors: [404] },
  { method: "get", path: "/v1/avatars/:name", operationId: "getAvatar", tag: "users", summary: "An avatar image (public by unguessable name)", auth: "none", params: { name: ref }, ok: { 200: { media: "image/*", description: "The image" } }, errors: [404] },

  // ---- conversations
  { method: "get", path: "/v1/conversations", operationId: "listConversations", tag: "conversations", summary: "The caller's conversations, by last activity", auth: "bearer", query: listQuery, ok: { 200: json("PageOfConversation", "A page of conversations") } },
  { method: "post", path: "/v1/conversations/direct", operationId: "createDirectConversation", tag: "conversations", summary: "Open the direct conversation with a user (one per pair)", auth: "bearer", body: { name: "CreateDirectRequest", schema: createDirectBody }, ok: { 201: json("ConversationEnvelope", "Created"), 200: json("ConversationEnvelope", "It existed already") }, errors: [404, 429] },
  { method: "post", path: "/v1/conversations", operationId: "createGroup", tag: "conversations", summary: "Create a group; the caller is its owner", auth: "bearer", body: { name: "CreateGroupRequest", schema: createGroupBody }, ok: { 201: json("ConversationEnvelope", "Created") }, errors: [404, 429] },
  { method: "get", path: "/v1/conversations/public", operationId: "listPublicGroups", tag: "conversations", summary: "Public groups of the app by name", auth: "bearer", query: publicQuery, ok: { 200: json("PageOfConversation", "A page of groups") } },
  { method: "get", path: "/v1/conversations/invitations", operationId: "listInvitations", tag: "conversations", summary: "Invitations to groups, for the invitee", auth: "bearer", query: listQuery, ok: { 200: json("PageOfGroupInvitation", "A page of invitations") } },
  { method: "post", path: "/v1/conversations/invitations/:id/accept", operationId: "acceptInvitation", tag: "conversations", summary: "Join the group of an invitation", auth: "bearer", params: { id: idString }, ok: { 200: json("ConversationEnvelope", "Joined") }, errors: [404, 409, 429] },
  { method: "post", path: "/v1/conversations/invitations/:id/decline", operationId: "declineInvitation", tag: "conversations", summary: "Decline an invitation", auth: "bearer", params: { id: idString }, ok: { 204: empty("Declined") }, errors: [404, 409] },
  { method: "get", path: "/v1/conversations/:id", operationId: "getConversation", tag: "conversations", summary: "One conversation (members only; a public group's preview for others)", auth: "bearer", params: { id: idString }, ok: { 200: json("ConversationEnvelope", "The conversation") }, errors: [404] },
  { method: "patch", path: "/v1/conversations/:id", operationId: "updateConversation", tag: "conversations", summary: "Rename a group or change its visibility (owner and admins)", auth: "bearer", params: { id: idString }, body: { name: "UpdateConversationRequest", schema: updateConversationBody }, ok: { 200: json("ConversationEnvelope", "Updated") }, errors: [404] },
  { method: "post", path: "/v1/conversations/:id/join", operationId: "joinGroup", tag: "conversations", summary: "Join a public group", auth: "bearer", params: { id: idString }, ok: { 200: json("ConversationEnvelope", "Joined") }, errors: [404, 409, 429] },
  { method: "post", path: "/v1/conversations/:id/members", operationId: "addMembers", tag: "conversations", summary: "Add members (contacts) or invite them (others)", auth: "bearer", params: { id: idString }, body: { name: "AddMembersRequest", schema: addMembersBody }, ok: { 200: json("ConversationEnvelope", "Added or invited") }, errors: [404, 409, 429] },
  { method: "delete", path: "/v1/conversations/:id/members/:userId", operationId: "removeMember", tag: "conversations", summary: "Remove a member, or leave (your own id)", auth: "bearer", params: { id: idString, userId: idString }, ok: { 204: empty("Removed") }, errors: [404] },
  { method: "put", path: "/v1/conversations/:id/members/:userId/role", operationId: "setMemberRole", tag: "conversations", summary: "Make a member an admin or a plain member (owner only)", auth: "bearer", params: { id: idString, userId: idString }, body: { name: "SetRoleRequest", schema: setRoleBody }, ok: { 200: json("MemberEnvelope", "Changed") }, errors: [404] },

  // ---- messages
  { method: "get", path: "/v1/conversations/:id/messages", operationId: "listMessages", tag: "messages", summary: "Messages, newest first (keyset on the message id)", auth: "bearer", params: { id: history.shape.conversationId }, query: history, fromPath: ["conversationId"], ok: { 200: json("PageOfMessage", "A page of messages") }, errors: [404] },
  { method: "post", path: "/v1/conversations/:id/messages", operationId: "sendMessage", tag: "messages", summary: "Send a message; the same clientMessageId again answers the original", auth: "bearer", params: { id: sendMessage.shape.conversationId }, body: { name: "SendMessageRequest", schema: sendMessage }, fromPath: ["conversationId"], ok: { 201: json("Message", "Sent"), 200: json("Message", "A retry: the message sent before with this clientMessageId") }, errors: [404, 409, 429] },
  { method: "post", path: "/v1/conversations/:id/read", operationId: "markRead", tag: "messages", summary: "Mark the conversation read up to a message", auth: "bearer", params: { id: markRead.shape.conversationId }, body: { name: "ReadRequest", schema: markRead }, fromPath: ["conversationId"], ok: { 204: empty("Marked") }, errors: [404] },
  { method: "get", path: "/v1/messages/:id", operationId: "getMessage", tag: "messages", summary: "One message", auth: "bearer", params: { id: ref }, ok: { 200: json("Message", "The message") }, errors: [404] },
  { method: "patch", path: "/v1/messages/:id", operationId: "editMessage", tag: "messages", summary: "Edit a message (sender only)", auth: "bearer", params: { id: editMessage.shape.messageId }, body: { name: "EditMessageRequest", schema: editMessage }, fromPath: ["messageId"], ok: { 200: json("Message", "Edited") }, errors: [404] },
  { method: "delete", path: "/v1/messages/:id", operationId: "deleteMessage", tag: "messages", summary: "Delete a message (sender, or a group's owner or admins); a tombstone stays", auth: "bearer", params: { id: ref }, ok: { 204: empty("Deleted") }, errors: [404] },
  { method: "put", path: "/v1/messages/:id/reactions/:emoji", operationId: "addReaction", tag: "messages", summary: "React (idempotent)", auth: "bearer", params: { id: react.shape.messageId, emoji: react.shape.emoji }, ok: { 200: json("Message", "The message with its reactions") }, errors: [404, 409] },
  { method: "delete", path: "/v1/messages/:id/reactions/:emoji", operationId: "removeReaction", tag: "messages", summary: "Take a reaction back (idempotent)", auth: "bearer", params: { id: react.shape.messageId, emoji: react.shape.emoji }, ok: { 200: json("Message", "The message with its reactions") }, errors: [404] },

  // ---- contacts
  { method: "get", path: "/v1/contacts", operationId: "listContacts", tag: "contacts", summary: "Contacts and pending requests both ways", auth: "bearer", ok: { 200: json("ContactsResponse", "Contacts and requests") } },
  { method: "post", path: "/v1/contacts/requests", operationId: "requestContact", tag: "contacts", summary: "Ask a user to be a contact (accepts theirs when one is pending)", auth: "bearer", body: { name: "UserIdRequest", schema: userBody }, ok: { 201: json("ContactRequest", "Requested"), 200: json("ContactRequest", "Their pending request, accepted") }, errors: [404, 409] },
  ...(["accept", "decline", "cancel"] as const).map(
    (action): Operation => ({
      method: "post",
      path: `/v1/contacts/requests/:id/${action}`,
      operationId: `${action}ContactRequest`,
      tag: "contacts",
      summary: action === "cancel" ? "Withdraw a request you sent" : `${action === "accept" ? "Accept" : "Decline"} a request sent to you`,
      auth: "bearer",
      params: { id: contactIdString },
      ok: { 200: json("ContactRequest", "Answered") },
      errors: [404, 409],
    }),
  ),
  { method: "delete", path: "/v1/contacts/:userId", operationId: "removeContact", tag: "contacts", summary: "End a contact", auth: "bearer", params: { userId: contactIdString }, ok: { 204: empty("Removed") }, errors: [404] },
  { method: "post", path: "/v1/blocks", operationId: "blockUser", tag: "contacts", summary: "Block a user", auth: "bearer", body: { name: "UserIdRequest", schema: userBody }, ok: { 204: empty("Blocked") }, errors: [404] },
  { method: "delete", path: "/v1/blocks/:userId", operationId: "unblockUser", tag: "contacts", summary: "Unblock a user", auth: "bearer", params: { userId: contactIdString }, ok: { 204: empty("Unblocked") }, errors: [404] },

  // ---- uploads
  { method: "post", path: "/v1/uploads", operationId: "upload", tag: "uploads", summary: "Upload a file, to be attached to a message", auth: "bearer", body: { multipart: "The file, in the field `file`" }, ok: { 201: json("Attachment", "Stored, not yet attached") }, errors: [429] },
  { method: "get", path: "/v1/uploads/:id", operationId: "getUpload", tag: "uploads", summary: "An uploaded file (its uploader and the members of the conversation holding it)", auth: "bearer", params: { id: ref }, ok: { 200: { media: "*/*", description: "The file" } }, errors: [404] },

  // ---- sync
  { method: "get", path: "/v1/sync/head", operationId: "getSyncHead", tag: "sync", summary: "Where the event log stands now (take it before loading a snapshot)", auth: "bearer", ok: { 200: json("SyncHead", "The log's last seq") } },
  { method: "get", path: "/v1/sync", operationId: "sync", tag: "sync", summary: "Every event the caller may see after `since`, in order", auth: "bearer", query: syncQuery, ok: { 200: json("SyncResponse", "Events") }, errors: [410] },

  // ---- server API (the host's backend, with a server key; users named by `sub`)
  { method: "post", path: "/v1/server/users", operationId: "serverUpsertUser", tag: "server", summary: "Create or update the user the host knows as `sub`", auth: "server", body: { name: "ServerUpsertUserRequest", schema: S.upsertUserBody }, ok: { 201: json("ServerUserEnvelope", "Created"), 200: json("ServerUserEnvelope", "Updated") }, errors: [409] },
  { method: "post", path: "/v1/server/tokens", operationId: "serverIssueHostToken", tag: "server", summary: "A host token for a user (signed with this key, `kid` in its header), to exchange at /v1/auth/host-token", auth: "server", body: { name: "ServerTokenRequest", schema: S.tokenBody }, ok: { 201: json("ServerTokenResponse", "Issued") }, errors: [404] },
  { method: "post", path: "/v1/server/conversations", operationId: "serverCreateConversation", tag: "server", summary: "Create a direct conversation or group, idempotently by `key` (and, for a direct one, by its pair)", auth: "server", body: { name: "ServerCreateConversationRequest", schema: S.createConversationBody }, ok: { 201: json("ConversationEnvelope", "Created"), 200: json("ConversationEnvelope", "It existed already (same key, or the pair's direct conversation)") }, errors: [404] },
  { method: "get", path: "/v1/server/conversations", operationId: "serverListConversations", tag: "server", summary: "Conversations of the app by last activity; `key=` and `filter[data.<field>]=<value>` (top-level scalars of custom data) narrow it", auth: "server", query: S.listConversationsQuery, ok: { 200: json("PageOfConversation", "A page of conversations") } },
  { method: "get", path: "/v1/server/conversations/:id", operationId: "serverGetConversation", tag: "server", summary: "One conversation of the app", auth: "server", params: { id: ref }, ok: { 200: json("ConversationEnvelope", "The conversation") }, errors: [404] },
  { method: "patch", path: "/v1/server/conversations/:id", operationId: "serverUpdateConversation", tag: "server", summary: "Rename a group; set or clear (null) custom data", auth: "server", params: { id: ref }, body: { name: "ServerUpdateConversationRequest", schema: S.updateConversationBody }, ok: { 200: json("ConversationEnvelope", "Updated") }, errors: [404] },
  { method: "post", path: "/v1/server/conversations/:id/members", operationId: "serverAddMembers", tag: "server", summary: "Add users (by sub) to a group at once", auth: "server", params: { id: ref }, body: { name: "ServerAddMembersRequest", schema: S.addMembersBody }, ok: { 200: json("ConversationEnvelope", "Added") }, errors: [404] },
  { method: "delete", path: "/v1/server/conversations/:id/members/:sub", operationId: "serverRemoveMember", tag: "server", summary: "Remove a member (by sub) from a group", auth: "server", params: { id: ref, sub: ref }, ok: { 204: empty("Removed") }, errors: [404] },
  { method: "post", path: "/v1/server/conversations/:id/messages", operationId: "serverSendMessage", tag: "server", summary: "Send as a member (`from`, a sub) or, without it, a system message (senderId null)", auth: "server", params: { id: S.serverSendMessage.shape.conversationId }, body: { name: "ServerSendMessageRequest", schema: S.serverSendMessage }, fromPath: ["conversationId"], ok: { 201: json("Message", "Sent"), 200: json("Message", "A retry: the message sent before with this clientMessageId") }, errors: [404, 409] },
  { method: "get", path: "/v1/server/conversations/:id/messages", operationId: "serverListMessages", tag: "server", summary: "A conversation's messages, newest first (keyset on the message id)", auth: "server", params: { id: history.shape.conversationId }, query: history, fromPath: ["conversationId"], ok: { 200: json("PageOfMessage", "A page of messages") }, errors: [404] },
  { method: "patch", path: "/v1/server/messages/:id", operationId: "serverEditMessage", tag: "server", summary: "Edit any message of the app: text and/or custom data (null clears it)", auth: "server", params: { id: ref }, body: { name: "ServerEditMessageRequest", schema: S.serverEditMessage }, fromPath: ["messageId"], ok: { 200: json("Message", "Edited") }, errors: [404] },
  { method: "delete", path: "/v1/server/messages/:id", operationId: "serverDeleteMessage", tag: "server", summary: "Delete any message of the app (a tombstone stays)", auth: "server", params: { id: ref }, ok: { 204: empty("Deleted") }, errors: [404] },

  // ---- webhooks (the host's backend, server key)
  { method: "post", path: "/v1/server/webhooks", operationId: "createWebhook", tag: "webhooks", summary: "Register an endpoint for some event types (public http(s) URLs; at most 10 per app)", auth: "server", body: { name: "CreateWebhookRequest", schema: createWebhookBody }, ok: { 201: json("WebhookEndpointResponse", "Registered") }, errors: [409] },
  { method: "get", path: "/v1/server/webhooks", operationId: "listWebhooks", tag: "webhooks", summary: "The app's endpoints", auth: "server", ok: { 200: json("WebhookEndpointsResponse", "The endpoints") } },
  { method: "put", path: "/v1/server/webhooks/settings", operationId: "setWebhookSettings", tag: "webhooks", summary: "Per-app settings: the notification.unread delay", auth: "server", body: { name: "WebhookSettingsRequest", schema: settingsBody }, ok: { 200: json("WebhookSettings", "Saved") } },
  { method: "delete", path: "/v1/server/webhooks/:id", operationId: "deleteWebhook", tag: "webhooks", summary: "Remove an endpoint and its deliveries", auth: "server", params: { id: endpointIdParam }, ok: { 204: empty("Removed") }, errors: [404] },
  { method: "get", path: "/v1/server/webhooks/:id/deliveries", operationId: "listWebhookDeliveries", tag: "webhooks", summary: "An endpoint's deliveries, newest first, by status", auth: "server", params: { id: endpointIdParam }, query: deliveriesQuery, ok: { 200: json("WebhookDeliveriesResponse", "A page of deliveries") }, errors: [404] },
  { method: "post", path: "/v1/server/webhooks/:id/replay", operationId: "replayWebhook", tag: "webhooks", summary: "Queue again, in seq order, every subscribed event with seq >= fromSeq", auth: "server", params: { id: endpointIdParam }, body: { name: "ReplayWebhookRequest", schema: replayBody }, ok: { 200: json("ReplayWebhookResponse", "Queued") }, errors: [404] },
];

/** Every error status an operation may answer: what its kind implies, plus its own. */
export function errorStatuses(op: Operation): number[] {
  const s = new Set<number>([500, 503, ...(op.errors ?? [])]);
  // A browser origin the named app does not allow; a disabled app; a caller not allowed to act.
  // A server key from a browser (an Origin header) is refused with 403 too.
  if (op.auth === "app" || op.auth === "bearer" || op.auth === "server") s.add(403);
  if (op.auth === "bearer" || op.auth === "server") s.add(401);
  // A missing X-Parley-App; a token for another app.
  if (op.auth === "app") s.add(400);
  if (op.params || op.query) s.add(400);
  // Any request body: malformed JSON (400), too large (413), not JSON (415).
  if (op.method === "post" || op.method === "put" || op.method === "patch") [400, 413, 415].forEach((x) => s.add(x));
  return [...s].sort((a, b) => a - b);
}
