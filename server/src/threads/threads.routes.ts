import { json, type Route } from "../request/route.js";
import type { Middleware } from "koa";
import { callerOf, parseCommand, type Ctx, type State, pathParam } from "../request/context.js";
import { followThread, readThread, threadQuery } from "./threads.schema.js";
import type { ThreadsService } from "./threads.service.js";

export interface ThreadsRoutesDeps {
  threads: ThreadsService;
}

/**
 * Thread routes (under /v1, signed in). Replies are sent as messages with `threadId`
 * (POST /conversations/:id/messages, the socket's message.send). A root the caller cannot see
 * is a 404, as is a reply's id (threads do not nest).
 */
export function threadsRoutes({ threads }: ThreadsRoutesDeps): Route[] {
  const routes: Route[] = [];
  const rootId = (ctx: Ctx): string => pathParam(ctx, "id");

  routes.push({
    method: "get",
    path: "/v1/messages/:id/thread",
    operationId: "getThread",
    tag: "messages",
    summary: "A thread: its root, a page of replies (newest first), the caller's follow state and unread count",
    auth: "bearer",
    params: { id: threadQuery.shape.rootId },
    query: threadQuery.omit({ rootId: true }),
    ok: { 200: json("ThreadPage", "The root and a page of replies") },
    errors: [404],
    handle: async (ctx) => {
      ctx.body = await threads.page(callerOf(ctx), parseCommand(threadQuery, ctx.query, { rootId: rootId(ctx) }, "Message"));
    },
  });
  const follow =
    (following: boolean): Middleware<State> =>
    async (ctx) => {
      const c = ctx as unknown as Ctx;
      ctx.body = await threads.follow(callerOf(c), parseCommand(followThread, { following }, { rootId: rootId(c) }, "Message"));
    };
  routes.push({
    method: "put",
    path: "/v1/messages/:id/thread/follow",
    operationId: "followThread",
    tag: "messages",
    summary: "Follow a thread (its replies count as unread)",
    auth: "bearer",
    params: { id: followThread.shape.rootId },
    ok: { 200: json("ThreadState", "The caller's state in the thread") },
    errors: [404],
    handle: follow(true),
  });
  routes.push({
    method: "delete",
    path: "/v1/messages/:id/thread/follow",
    operationId: "unfollowThread",
    tag: "messages",
    summary: "Stop following a thread (the read mark stays)",
    auth: "bearer",
    params: { id: followThread.shape.rootId },
    ok: { 200: json("ThreadState", "The caller's state in the thread") },
    errors: [404],
    handle: follow(false),
  });
  routes.push({
    method: "post",
    path: "/v1/messages/:id/thread/read",
    operationId: "readThread",
    tag: "messages",
    summary: "Mark a thread read up to one of its replies",
    auth: "bearer",
    params: { id: readThread.shape.rootId },
    body: { name: "ThreadReadRequest", schema: readThread },
    fromPath: ["rootId"],
    ok: { 200: json("ThreadState", "The caller's state in the thread") },
    errors: [404],
    handle: async (ctx) => {
      ctx.body = await threads.read(callerOf(ctx), parseCommand(readThread, ctx.request.body, { rootId: rootId(ctx) }, "Message"));
    },
  });
  return routes;
}
