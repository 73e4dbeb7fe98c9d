import { ref } from "../shared/schema.js";
import { empty, json, type Route } from "../request/route.js";
import type { Conversation, Page, ServerUserResponse } from "@parley/sdk/protocol";
import { activityCursor } from "../conversations/conversations.schema.js";
import { parseCommand, serverCallerOf, pathParam } from "../request/context.js";
import { decodeCursor, encodeCursor } from "../shared/cursor.js";
import { history } from "../messages/messages.schema.js";
import { dataFilters } from "../shared/custom-data.js";
import { parse } from "../shared/validate.js";
import { presentServerUser } from "./server-api.presenter.js";
import {
  addMembersBody,
  createConversationBody,
  listConversationsQuery,
  serverEditMessage,
  serverSendMessage,
  tokenBody,
  updateConversationBody,
  upsertUserBody,
  withinDataLimit,
} from "./server-api.schema.js";
import type { ServerApiService } from "./server-api.service.js";

export interface ServerApiRoutesDeps {
  server: ServerApiService;
}

/**
 * `/v1/server/…`: the host's backend, with a server key. Users are named by `sub`; anything of
 * another app is a 404 like a missing one. Single resources travel as `{ user }` / `{ conversation }`,
 * messages bare (as on the user routes), lists as Page<T>.
 */
export function serverApiRoutes({ server }: ServerApiRoutesDeps): Route[] {
  const routes: Route[] = [];

  routes.push({
    method: "post",
    path: "/v1/server/users",
    operationId: "serverUpsertUser",
    tag: "server",
    summary: "Create or update the user the host knows as `sub`",
    auth: "server",
    body: { name: "ServerUpsertUserRequest", schema: upsertUserBody },
    ok: { 201: json("ServerUserEnvelope", "Created"), 200: json("ServerUserEnvelope", "Updated") },
    errors: [409],
    handle: async (ctx) => {
      const body = withinDataLimit(parse(upsertUserBody, ctx.request.body));
      const { user, created } = await server.upsertUser(serverCallerOf(ctx), body);
      ctx.status = created ? 201 : 200;
      ctx.body = { user: presentServerUser(user) } satisfies ServerUserResponse;
    },
  });

  routes.push({
    method: "post",
    path: "/v1/server/tokens",
    operationId: "serverIssueHostToken",
    tag: "server",
    summary: "A host token for a user (signed with this key, `kid` in its header), to exchange at /v1/auth/host-token",
    auth: "server",
    body: { name: "ServerTokenRequest", schema: tokenBody },
    ok: { 201: json("ServerTokenResponse", "Issued") },
    errors: [404],
    handle: async (ctx) => {
      const body = parse(tokenBody, ctx.request.body);
      ctx.status = 201;
      ctx.body = await server.issueHostToken(serverCallerOf(ctx), body);
    },
  });

  routes.push({
    method: "post",
    path: "/v1/server/conversations",
    operationId: "serverCreateConversation",
    tag: "server",
    summary: "Create a direct conversation or group, idempotently by `key` (and, for a direct one, by its pair); app-banned users are refused (403 `banned`)",
    auth: "server",
    body: { name: "ServerCreateConversationRequest", schema: createConversationBody },
    ok: { 201: json("ConversationEnvelope", "Created"), 200: json("ConversationEnvelope", "It existed already (same key, or the pair's direct conversation)") },
    errors: [404],
    handle: async (ctx) => {
      const body = withinDataLimit(parse(createConversationBody, ctx.request.body));
      const { conversation, created } = await server.createConversation(serverCallerOf(ctx), body);
      ctx.status = created ? 201 : 200;
      ctx.body = { conversation };
    },
  });

  routes.push({
    method: "get",
    path: "/v1/server/conversations",
    operationId: "serverListConversations",
    tag: "server",
    summary: "Conversations of the app by last activity; `key=` and `filter[data.<field>]=<value>` (top-level scalars of custom data) narrow it",
    auth: "server",
    query: listConversationsQuery,
    ok: { 200: json("PageOfConversation", "A page of conversations") },
    handle: async (ctx) => {
      const q = parse(listConversationsQuery, ctx.query);
      const filters = dataFilters(ctx.query);
      const { items, last, more } = await server.listConversations(serverCallerOf(ctx), {
        limit: q.limit,
        cursor: decodeCursor(activityCursor, q.cursor),
        filters,
        key: q.key,
      });
      ctx.body = { items, nextCursor: more && last ? encodeCursor({ t: last.lastActivityAt, i: last.id }) : null } satisfies Page<Conversation>;
    },
  });

  routes.push({
    method: "get",
    path: "/v1/server/conversations/:id",
    operationId: "serverGetConversation",
    tag: "server",
    summary: "One conversation of the app",
    auth: "server",
    params: { id: ref },
    ok: { 200: json("ConversationEnvelope", "The conversation") },
    errors: [404],
    handle: async (ctx) => {
      ctx.body = { conversation: await server.getConversation(serverCallerOf(ctx), pathParam(ctx, "id")) };
    },
  });

  routes.push({
    method: "patch",
    path: "/v1/server/conversations/:id",
    operationId: "serverUpdateConversation",
    tag: "server",
    summary: "Rename a group; set or clear (null) custom data",
    auth: "server",
    params: { id: ref },
    body: { name: "ServerUpdateConversationRequest", schema: updateConversationBody },
    ok: { 200: json("ConversationEnvelope", "Updated") },
    errors: [404],
    handle: async (ctx) => {
      const body = withinDataLimit(parse(updateConversationBody, ctx.request.body));
      ctx.body = { conversation: await server.updateConversation(serverCallerOf(ctx), { id: pathParam(ctx, "id"), ...body }) };
    },
  });

  routes.push({
    method: "post",
    path: "/v1/server/conversations/:id/members",
    operationId: "serverAddMembers",
    tag: "server",
    summary: "Add users (by sub) to a group at once",
    auth: "server",
    params: { id: ref },
    body: { name: "ServerAddMembersRequest", schema: addMembersBody },
    ok: { 200: json("ConversationEnvelope", "Added") },
    errors: [404],
    handle: async (ctx) => {
      const body = parse(addMembersBody, ctx.request.body);
      ctx.body = { conversation: await server.addMembers(serverCallerOf(ctx), { id: pathParam(ctx, "id"), users: body.users }) };
    },
  });

  routes.push({
    method: "delete",
    path: "/v1/server/conversations/:id/members/:sub",
    operationId: "serverRemoveMember",
    tag: "server",
    summary: "Remove a member (by sub) from a group",
    auth: "server",
    params: { id: ref, sub: ref },
    ok: { 204: empty("Removed") },
    errors: [404],
    handle: async (ctx) => {
      await server.removeMember(serverCallerOf(ctx), { id: pathParam(ctx, "id"), sub: pathParam(ctx, "sub") });
      ctx.status = 204;
    },
  });

  routes.push({
    method: "post",
    path: "/v1/server/conversations/:id/messages",
    operationId: "serverSendMessage",
    tag: "server",
    summary:
      'Send as a member (`from`, a sub; moderated as their own send unless `moderation: "bypass"`, which is audited) or, without it, a system message (senderId null)',
    auth: "server",
    params: { id: serverSendMessage.shape.conversationId },
    body: { name: "ServerSendMessageRequest", schema: serverSendMessage },
    fromPath: ["conversationId"],
    ok: { 201: json("Message", "Sent"), 200: json("Message", "A retry: the message sent before with this clientMessageId") },
    errors: [404, 409, 429],
    handle: async (ctx) => {
      const input = withinDataLimit(parseCommand(serverSendMessage, ctx.request.body, { conversationId: pathParam(ctx, "id") }, "Conversation"));
      const res = await server.send(serverCallerOf(ctx), input);
      ctx.status = res.created ? 201 : 200;
      ctx.body = res.message;
    },
  });

  routes.push({
    method: "get",
    path: "/v1/server/conversations/:id/messages",
    operationId: "serverListMessages",
    tag: "server",
    summary: "A conversation's messages, newest first (keyset on the message id)",
    auth: "server",
    params: { id: history.shape.conversationId },
    query: history,
    fromPath: ["conversationId"],
    ok: { 200: json("PageOfMessage", "A page of messages") },
    errors: [404],
    handle: async (ctx) => {
      ctx.body = await server.history(serverCallerOf(ctx), parseCommand(history, ctx.query, { conversationId: pathParam(ctx, "id") }, "Conversation"));
    },
  });

  routes.push({
    method: "patch",
    path: "/v1/server/messages/:id",
    operationId: "serverEditMessage",
    tag: "server",
    summary: "Edit any message of the app: text and/or custom data (null clears it)",
    auth: "server",
    params: { id: ref },
    body: { name: "ServerEditMessageRequest", schema: serverEditMessage },
    fromPath: ["messageId"],
    ok: { 200: json("Message", "Edited") },
    errors: [404],
    handle: async (ctx) => {
      const input = withinDataLimit(parseCommand(serverEditMessage, ctx.request.body, { messageId: pathParam(ctx, "id") }, "Message"));
      ctx.body = await server.editMessage(serverCallerOf(ctx), input);
    },
  });

  routes.push({
    method: "delete",
    path: "/v1/server/messages/:id",
    operationId: "serverDeleteMessage",
    tag: "server",
    summary: "Delete any message of the app (a tombstone stays)",
    auth: "server",
    params: { id: ref },
    ok: { 204: empty("Deleted") },
    errors: [404],
    handle: async (ctx) => {
      await server.deleteMessage(serverCallerOf(ctx), pathParam(ctx, "id"));
      ctx.status = 204;
    },
  });

  return routes;
}
