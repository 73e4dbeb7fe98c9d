import { empty, json, type Route } from "../request/route.js";
import type { Conversation, GroupInvitation, Page } from "@parley/sdk/protocol";
import { callerOf, type Ctx } from "../request/context.js";
import { decodeCursor, encodeCursor } from "../shared/cursor.js";
import { dataFilters } from "../shared/custom-data.js";
import { parse } from "../shared/validate.js";
import {
  activityCursor,
  addMembersBody,
  createDirectBody,
  createGroupBody,
  idString,
  listQuery,
  nameCursor,
  publicQuery,
  setRoleBody,
  updateConversationBody,
} from "./conversations.schema.js";
import type { ConversationsService } from "./conversations.service.js";

export interface ConversationsRoutesDeps {
  conversations: ConversationsService;
}

/**
 * `/conversations/*`. Single conversations travel as `{ conversation }`; lists as Page<Conversation>.
 * A conversation of another app, or one the caller is not a member of, is a 404 like a missing one.
 */
export function conversationsRoutes({ conversations: convs }: ConversationsRoutesDeps): Route[] {
  const routes: Route[] = [];
  const idOf = (ctx: Ctx, name = "id"): string => parse(idString, ctx.params[name]);

  routes.push({
    method: "post",
    path: "/v1/conversations/direct",
    operationId: "createDirectConversation",
    tag: "conversations",
    summary: "Open the direct conversation with a user (one per pair)",
    auth: "bearer",
    body: { name: "CreateDirectRequest", schema: createDirectBody },
    ok: { 201: json("ConversationEnvelope", "Created"), 200: json("ConversationEnvelope", "It existed already") },
    errors: [404, 429],
    handle: async (ctx) => {
      const caller = callerOf(ctx);
      const body = parse(createDirectBody, ctx.request.body);
      const { conversation, created } = await convs.createDirect(caller, body);
      ctx.status = created ? 201 : 200;
      ctx.body = { conversation };
    },
  });

  routes.push({
    method: "post",
    path: "/v1/conversations",
    operationId: "createGroup",
    tag: "conversations",
    summary: "Create a group; the caller is its owner",
    auth: "bearer",
    body: { name: "CreateGroupRequest", schema: createGroupBody },
    ok: { 201: json("ConversationEnvelope", "Created") },
    errors: [404, 429],
    handle: async (ctx) => {
      const caller = callerOf(ctx);
      const body = parse(createGroupBody, ctx.request.body);
      ctx.status = 201;
      ctx.body = { conversation: await convs.createGroup(caller, body) };
    },
  });

  routes.push({
    method: "get",
    path: "/v1/conversations",
    operationId: "listConversations",
    tag: "conversations",
    summary: "The caller's conversations, by last activity",
    auth: "bearer",
    query: listQuery,
    ok: { 200: json("PageOfConversation", "A page of conversations") },
    replica: {},
    handle: async (ctx) => {
      const caller = callerOf(ctx);
      const q = parse(listQuery, ctx.query);
      // `filter[data.<field>]=<value>`: only the caller's conversations whose custom data matches.
      const filters = dataFilters(ctx.query);
      const { items, last, more } = await convs.list(caller, { limit: q.limit, cursor: decodeCursor(activityCursor, q.cursor), filters });
      ctx.body = { items, nextCursor: more && last ? encodeCursor({ t: last.lastActivityAt, i: last.id }) : null } satisfies Page<Conversation>;
    },
  });

  // Before "/:id", so "public" is not taken for an id.
  routes.push({
    method: "get",
    path: "/v1/conversations/public",
    operationId: "listPublicGroups",
    tag: "conversations",
    summary: "Public groups of the app by name",
    auth: "bearer",
    query: publicQuery,
    ok: { 200: json("PageOfConversation", "A page of groups") },
    replica: {},
    handle: async (ctx) => {
      const caller = callerOf(ctx);
      const q = parse(publicQuery, ctx.query);
      const { items, last, more } = await convs.listPublic(caller, { q: q.q, limit: q.limit, cursor: decodeCursor(nameCursor, q.cursor) });
      ctx.body = { items, nextCursor: more && last ? encodeCursor({ n: last.name ?? "", i: last.id }) : null } satisfies Page<Conversation>;
    },
  });

  // Before "/:id" too. Invitations to groups, for the invitee; answered by invitation id.
  routes.push({
    method: "get",
    path: "/v1/conversations/invitations",
    operationId: "listInvitations",
    tag: "conversations",
    summary: "Invitations to groups, for the invitee",
    auth: "bearer",
    query: listQuery,
    ok: { 200: json("PageOfGroupInvitation", "A page of invitations") },
    handle: async (ctx) => {
      const caller = callerOf(ctx);
      const q = parse(listQuery, ctx.query);
      const { items, last, more } = await convs.listInvitations(caller, { limit: q.limit, cursor: decodeCursor(activityCursor, q.cursor) });
      ctx.body = { items, nextCursor: more && last ? encodeCursor({ t: last.createdAt, i: last.id }) : null } satisfies Page<GroupInvitation>;
    },
  });

  routes.push({
    method: "post",
    path: "/v1/conversations/invitations/:id/accept",
    operationId: "acceptInvitation",
    tag: "conversations",
    summary: "Join the group of an invitation",
    auth: "bearer",
    params: { id: idString },
    ok: { 200: json("ConversationEnvelope", "Joined") },
    errors: [404, 409, 429],
    handle: async (ctx) => {
      const caller = callerOf(ctx);
      ctx.body = { conversation: await convs.acceptInvitation(caller, idOf(ctx)) };
    },
  });

  routes.push({
    method: "post",
    path: "/v1/conversations/invitations/:id/decline",
    operationId: "declineInvitation",
    tag: "conversations",
    summary: "Decline an invitation",
    auth: "bearer",
    params: { id: idString },
    ok: { 204: empty("Declined") },
    errors: [404, 409],
    handle: async (ctx) => {
      const caller = callerOf(ctx);
      await convs.declineInvitation(caller, idOf(ctx));
      ctx.status = 204;
    },
  });

  routes.push({
    method: "get",
    path: "/v1/conversations/:id",
    operationId: "getConversation",
    tag: "conversations",
    summary: "One conversation (members only; a public group's preview for others)",
    auth: "bearer",
    params: { id: idString },
    ok: { 200: json("ConversationEnvelope", "The conversation") },
    errors: [404],
    handle: async (ctx) => {
      const caller = callerOf(ctx);
      ctx.body = { conversation: await convs.get(caller, idOf(ctx)) };
    },
  });

  routes.push({
    method: "patch",
    path: "/v1/conversations/:id",
    operationId: "updateConversation",
    tag: "conversations",
    summary: "Rename a group or change its visibility (owner and admins)",
    auth: "bearer",
    params: { id: idString },
    body: { name: "UpdateConversationRequest", schema: updateConversationBody },
    ok: { 200: json("ConversationEnvelope", "Updated") },
    errors: [404],
    handle: async (ctx) => {
      const caller = callerOf(ctx);
      const id = idOf(ctx);
      const body = parse(updateConversationBody, ctx.request.body);
      ctx.body = { conversation: await convs.update(caller, { id, ...body }) };
    },
  });

  routes.push({
    method: "post",
    path: "/v1/conversations/:id/join",
    operationId: "joinGroup",
    tag: "conversations",
    summary: "Join a public group",
    auth: "bearer",
    params: { id: idString },
    ok: { 200: json("ConversationEnvelope", "Joined") },
    errors: [404, 409, 429],
    handle: async (ctx) => {
      const caller = callerOf(ctx);
      ctx.body = { conversation: await convs.join(caller, idOf(ctx)) };
    },
  });

  for (const muted of [true, false]) {
    routes.push({
      method: muted ? "put" : "delete",
      path: "/v1/conversations/:id/mute",
      operationId: muted ? "muteConversation" : "unmuteConversation",
      tag: "conversations",
      summary: muted
        ? "Mute a conversation for yourself: every device of yours stays quiet about it (idempotent)"
        : "Unmute a conversation for yourself (idempotent)",
      auth: "bearer",
      params: { id: idString },
      ok: { 200: json("ConversationEnvelope", muted ? "Muted" : "Not muted") },
      errors: [404],
      handle: async (ctx) => {
        ctx.body = { conversation: await convs.setMuted(callerOf(ctx), { id: idOf(ctx), muted }) };
      },
    });
  }

  routes.push({
    method: "post",
    path: "/v1/conversations/:id/members",
    operationId: "addMembers",
    tag: "conversations",
    summary: "Add members (contacts) or invite them (others)",
    auth: "bearer",
    params: { id: idString },
    body: { name: "AddMembersRequest", schema: addMembersBody },
    ok: { 200: json("ConversationEnvelope", "Added or invited") },
    errors: [404, 409, 429],
    handle: async (ctx) => {
      const caller = callerOf(ctx);
      const id = idOf(ctx);
      const body = parse(addMembersBody, ctx.request.body);
      ctx.body = { conversation: await convs.addMembers(caller, { id, userIds: body.userIds }) };
    },
  });

  routes.push({
    method: "delete",
    path: "/v1/conversations/:id/members/:userId",
    operationId: "removeMember",
    tag: "conversations",
    summary: "Remove a member, or leave (your own id)",
    auth: "bearer",
    params: { id: idString, userId: idString },
    ok: { 204: empty("Removed") },
    errors: [404],
    handle: async (ctx) => {
      const caller = callerOf(ctx);
      await convs.removeMember(caller, { id: idOf(ctx), userId: idOf(ctx, "userId") });
      ctx.status = 204;
    },
  });

  routes.push({
    method: "put",
    path: "/v1/conversations/:id/members/:userId/role",
    operationId: "setMemberRole",
    tag: "conversations",
    summary: "Make a member an admin or a plain member (owner only)",
    auth: "bearer",
    params: { id: idString, userId: idString },
    body: { name: "SetRoleRequest", schema: setRoleBody },
    ok: { 200: json("MemberEnvelope", "Changed") },
    errors: [404],
    handle: async (ctx) => {
      const caller = callerOf(ctx);
      const id = idOf(ctx);
      const userId = idOf(ctx, "userId");
      const body = parse(setRoleBody, ctx.request.body);
      ctx.body = { member: await convs.setRole(caller, { id, userId, role: body.role }) };
    },
  });

  return routes;
}
