import Router from "@koa/router";
import type { Conversation, Page, ServerUserResponse } from "@parley/sdk/protocol";
import type { Middleware } from "koa";
import { activityCursor } from "../conversations/conversations.schema.js";
import { parseCommand, serverCallerOf, type Ctx, type State } from "../http/context.js";
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
  /** `requireServerKey` (http/middleware.ts): a server key, never from a browser. */
  serverKey: Middleware<State>;
}

/**
 * `/v1/server/…`: the host's backend, with a server key. Users are named by `sub`; anything of
 * another app is a 404 like a missing one. Single resources travel as `{ user }` / `{ conversation }`,
 * messages bare (as on the user routes), lists as Page<T>.
 */
export function serverApiRoutes({ server, serverKey }: ServerApiRoutesDeps): Router<State> {
  const r = new Router<State>({ prefix: "/server" });
  r.use(serverKey);
  const param = (ctx: Ctx, name: string): string => ctx.params[name] ?? "";

  r.post("/users", async (ctx) => {
    const body = withinDataLimit(parse(upsertUserBody, ctx.request.body));
    const { user, created } = await server.upsertUser(serverCallerOf(ctx), body);
    ctx.status = created ? 201 : 200;
    ctx.body = { user: presentServerUser(user) } satisfies ServerUserResponse;
  });

  r.post("/tokens", async (ctx) => {
    const body = parse(tokenBody, ctx.request.body);
    ctx.status = 201;
    ctx.body = await server.issueHostToken(serverCallerOf(ctx), body);
  });

  r.post("/conversations", async (ctx) => {
    const body = withinDataLimit(parse(createConversationBody, ctx.request.body));
    const { conversation, created } = await server.createConversation(serverCallerOf(ctx), body);
    ctx.status = created ? 201 : 200;
    ctx.body = { conversation };
  });

  r.get("/conversations", async (ctx) => {
    const q = parse(listConversationsQuery, ctx.query);
    const filters = dataFilters(ctx.query);
    const { items, last, more } = await server.listConversations(serverCallerOf(ctx), {
      limit: q.limit,
      cursor: decodeCursor(activityCursor, q.cursor),
      filters,
      key: q.key,
    });
    ctx.body = { items, nextCursor: more && last ? encodeCursor({ t: last.lastActivityAt, i: last.id }) : null } satisfies Page<Conversation>;
  });

  r.get("/conversations/:id", async (ctx) => {
    ctx.body = { conversation: await server.getConversation(serverCallerOf(ctx), param(ctx, "id")) };
  });

  r.patch("/conversations/:id", async (ctx) => {
    const body = withinDataLimit(parse(updateConversationBody, ctx.request.body));
    ctx.body = { conversation: await server.updateConversation(serverCallerOf(ctx), { id: param(ctx, "id"), ...body }) };
  });

  r.post("/conversations/:id/members", async (ctx) => {
    const body = parse(addMembersBody, ctx.request.body);
    ctx.body = { conversation: await server.addMembers(serverCallerOf(ctx), { id: param(ctx, "id"), users: body.users }) };
  });

  r.delete("/conversations/:id/members/:sub", async (ctx) => {
    await server.removeMember(serverCallerOf(ctx), { id: param(ctx, "id"), sub: param(ctx, "sub") });
    ctx.status = 204;
  });

  r.post("/conversations/:id/messages", async (ctx) => {
    const input = withinDataLimit(parseCommand(serverSendMessage, ctx.request.body, { conversationId: param(ctx, "id") }, "Conversation"));
    const res = await server.send(serverCallerOf(ctx), input);
    ctx.status = res.created ? 201 : 200;
    ctx.body = res.message;
  });

  r.get("/conversations/:id/messages", async (ctx) => {
    ctx.body = await server.history(serverCallerOf(ctx), parseCommand(history, ctx.query, { conversationId: param(ctx, "id") }, "Conversation"));
  });

  r.patch("/messages/:id", async (ctx) => {
    const input = withinDataLimit(parseCommand(serverEditMessage, ctx.request.body, { messageId: param(ctx, "id") }, "Message"));
    ctx.body = await server.editMessage(serverCallerOf(ctx), input);
  });

  r.delete("/messages/:id", async (ctx) => {
    await server.deleteMessage(serverCallerOf(ctx), param(ctx, "id"));
    ctx.status = 204;
  });

  return r;
}
