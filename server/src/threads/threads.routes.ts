import Router from "@koa/router";
import type { Middleware } from "koa";
import { callerOf, parseCommand, type Ctx, type State } from "../http/context.js";
import { followThread, readThread, threadQuery } from "./threads.schema.js";
import type { ThreadsService } from "./threads.service.js";

export interface ThreadsRoutesDeps {
  threads: ThreadsService;
  requireAuth: Middleware<State>;
}

/**
 * Thread routes (under /v1, signed in). Replies are sent as messages with `threadId`
 * (POST /conversations/:id/messages, the socket's message.send). A root the caller cannot see
 * is a 404, as is a reply's id (threads do not nest).
 *
 *   GET    /messages/:id/thread          ThreadPage: root, replies newest first (?before=&after=&limit=)
 *   PUT    /messages/:id/thread/follow   ThreadState (following)
 *   DELETE /messages/:id/thread/follow   ThreadState (not following; the read mark stays)
 *   POST   /messages/:id/thread/read     ThreadState ({ messageId }: a reply of this thread)
 */
export function threadsRoutes({ threads, requireAuth }: ThreadsRoutesDeps): Router<State> {
  const r = new Router<State>();
  const rootId = (ctx: Ctx): string => String((ctx.params as Record<string, string | undefined>)["id"] ?? "");

  r.get("/messages/:id/thread", requireAuth, async (ctx) => {
    ctx.body = await threads.page(callerOf(ctx), parseCommand(threadQuery, ctx.query, { rootId: rootId(ctx) }, "Message"));
  });
  const follow =
    (following: boolean): Middleware<State> =>
    async (ctx) => {
      const c = ctx as unknown as Ctx;
      ctx.body = await threads.follow(callerOf(c), parseCommand(followThread, { following }, { rootId: rootId(c) }, "Message"));
    };
  r.put("/messages/:id/thread/follow", requireAuth, follow(true));
  r.delete("/messages/:id/thread/follow", requireAuth, follow(false));
  r.post("/messages/:id/thread/read", requireAuth, async (ctx) => {
    ctx.body = await threads.read(callerOf(ctx), parseCommand(readThread, ctx.request.body, { rootId: rootId(ctx) }, "Message"));
  });
  return r;
}
