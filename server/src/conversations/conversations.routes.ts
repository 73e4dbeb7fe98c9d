import Router from "@koa/router";
import type { Conversation, GroupInvitation, Page } from "@parley/sdk/protocol";
import type { Middleware } from "koa";
import { callerOf, type Ctx, type State } from "../http/context.js";
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
import type { GroupPolicy } from "./group-policy.js";

export interface ConversationsRoutesDeps {
  conversations: ConversationsService;
  /** Consent, group size and the hourly quotas of user-made group changes. */
  policy: GroupPolicy;
  requireAuth: Middleware<State>;
}

/**
 * `/conversations/*`. Single conversations travel as `{ conversation }`; lists as Page<Conversation>.
 * A conversation of another app, or one the caller is not a member of, is a 404 like a missing one.
 */
export function conversationsRoutes({ conversations: convs, policy, requireAuth }: ConversationsRoutesDeps): Router<State> {
  const r = new Router<State>();
  const idOf = (ctx: Ctx, name = "id"): string => parse(idString, ctx.params[name]);

  r.post("/conversations/direct", requireAuth, async (ctx) => {
    const caller = callerOf(ctx);
    const body = parse(createDirectBody, ctx.request.body);
    const { conversation, created } = await convs.createDirect(caller, body);
    ctx.status = created ? 201 : 200;
    ctx.body = { conversation };
  });

  r.post("/conversations", requireAuth, async (ctx) => {
    const caller = callerOf(ctx);
    const body = parse(createGroupBody, ctx.request.body);
    ctx.status = 201;
    ctx.body = { conversation: await convs.createGroup(caller, body, policy) };
  });

  r.get("/conversations", requireAuth, async (ctx) => {
    const caller = callerOf(ctx);
    const q = parse(listQuery, ctx.query);
    // `filter[data.<field>]=<value>`: only the caller's conversations whose custom data matches.
    const filters = dataFilters(ctx.query);
    const { items, last, more } = await convs.list(caller, { limit: q.limit, cursor: decodeCursor(activityCursor, q.cursor), filters });
    ctx.body = { items, nextCursor: more && last ? encodeCursor({ t: last.lastActivityAt, i: last.id }) : null } satisfies Page<Conversation>;
  });

  // Before "/:id", so "public" is not taken for an id.
  r.get("/conversations/public", requireAuth, async (ctx) => {
    const caller = callerOf(ctx);
    const q = parse(publicQuery, ctx.query);
    const { items, last, more } = await convs.listPublic(caller, { q: q.q, limit: q.limit, cursor: decodeCursor(nameCursor, q.cursor) });
    ctx.body = { items, nextCursor: more && last ? encodeCursor({ n: last.name ?? "", i: last.id }) : null } satisfies Page<Conversation>;
  });

  // Before "/:id" too. Invitations to groups, for the invitee; answered by invitation id.
  r.get("/conversations/invitations", requireAuth, async (ctx) => {
    const caller = callerOf(ctx);
    const q = parse(listQuery, ctx.query);
    const { items, last, more } = await convs.listInvitations(caller, { limit: q.limit, cursor: decodeCursor(activityCursor, q.cursor) });
    ctx.body = { items, nextCursor: more && last ? encodeCursor({ t: last.createdAt, i: last.id }) : null } satisfies Page<GroupInvitation>;
  });

  r.post("/conversations/invitations/:id/accept", requireAuth, async (ctx) => {
    const caller = callerOf(ctx);
    ctx.body = { conversation: await convs.acceptInvitation(caller, idOf(ctx), policy) };
  });

  r.post("/conversations/invitations/:id/decline", requireAuth, async (ctx) => {
    const caller = callerOf(ctx);
    await convs.declineInvitation(caller, idOf(ctx));
    ctx.status = 204;
  });

  r.get("/conversations/:id", requireAuth, async (ctx) => {
    const caller = callerOf(ctx);
    ctx.body = { conversation: await convs.get(caller, idOf(ctx)) };
  });

  r.patch("/conversations/:id", requireAuth, async (ctx) => {
    const caller = callerOf(ctx);
    const id = idOf(ctx);
    const body = parse(updateConversationBody, ctx.request.body);
    ctx.body = { conversation: await convs.update(caller, { id, ...body }) };
  });

  r.post("/conversations/:id/join", requireAuth, async (ctx) => {
    const caller = callerOf(ctx);
    ctx.body = { conversation: await convs.join(caller, idOf(ctx), policy) };
  });

  r.post("/conversations/:id/members", requireAuth, async (ctx) => {
    const caller = callerOf(ctx);
    const id = idOf(ctx);
    const body = parse(addMembersBody, ctx.request.body);
    ctx.body = { conversation: await convs.addMembers(caller, { id, userIds: body.userIds }, policy) };
  });

  r.delete("/conversations/:id/members/:userId", requireAuth, async (ctx) => {
    const caller = callerOf(ctx);
    await convs.removeMember(caller, { id: idOf(ctx), userId: idOf(ctx, "userId") });
    ctx.status = 204;
  });

  r.put("/conversations/:id/members/:userId/role", requireAuth, async (ctx) => {
    const caller = callerOf(ctx);
    const id = idOf(ctx);
    const userId = idOf(ctx, "userId");
    const body = parse(setRoleBody, ctx.request.body);
    ctx.body = { member: await convs.setRole(caller, { id, userId, role: body.role }) };
  });

  return r;
}
