import Router from "@koa/router";
import type { Middleware } from "koa";
import { callerOf, parseCommand, type Ctx, type State } from "../http/context.js";
import { editMessage, history, markRead, react, sendMessage } from "./messages.schema.js";
import type { MessagesService } from "./messages.service.js";

export interface MessagesRoutesDeps {
  messages: MessagesService;
  requireAuth: Middleware<State>;
}

/**
 * Message routes (under /v1, all signed in). A conversation or message the caller cannot see —
 * not a member, another app's, malformed id, or deleted — is the same 404 as one that does not
 * exist.
 *
 *   POST   /conversations/:id/messages        201 Message (200 for a clientMessageId retry)
 *   GET    /conversations/:id/messages        Page<Message>, newest first (?before=&after=&limit=)
 *   POST   /conversations/:id/read            204
 *   GET    /messages/:id                      Message
 *   PATCH  /messages/:id                      Message (sender only, else 403)
 *   DELETE /messages/:id                      204 (sender, or a group owner/admin); again: 404
 *   PUT    /messages/:id/reactions/:emoji     Message (idempotent)
 *   DELETE /messages/:id/reactions/:emoji     Message (idempotent)
 */
export function messagesRoutes({ messages, requireAuth }: MessagesRoutesDeps): Router<State> {
  const r = new Router<State>();
  const param = (ctx: Ctx, name: string): string => String((ctx.params as Record<string, string | undefined>)[name] ?? "");

  r.post("/conversations/:id/messages", requireAuth, async (ctx) => {
    const input = parseCommand(sendMessage, ctx.request.body, { conversationId: param(ctx, "id") }, "Conversation");
    const res = await messages.send(callerOf(ctx), input);
    ctx.status = res.created ? 201 : 200;
    ctx.body = res.message;
  });

  r.get("/conversations/:id/messages", requireAuth, async (ctx) => {
    ctx.body = await messages.history(callerOf(ctx), parseCommand(history, ctx.query, { conversationId: param(ctx, "id") }, "Conversation"));
  });

  r.post("/conversations/:id/read", requireAuth, async (ctx) => {
    await messages.markRead(callerOf(ctx), parseCommand(markRead, ctx.request.body, { conversationId: param(ctx, "id") }, "Conversation"));
    ctx.status = 204;
  });

  r.get("/messages/:id", requireAuth, async (ctx) => {
    ctx.body = await messages.get(callerOf(ctx), param(ctx, "id"));
  });

  r.patch("/messages/:id", requireAuth, async (ctx) => {
    ctx.body = await messages.edit(callerOf(ctx), parseCommand(editMessage, ctx.request.body, { messageId: param(ctx, "id") }, "Message"));
  });

  r.delete("/messages/:id", requireAuth, async (ctx) => {
    await messages.remove(callerOf(ctx), param(ctx, "id"));
    ctx.status = 204;
  });

  const reaction =
    (add: boolean): Middleware<State> =>
    async (ctx) => {
      const c = ctx as unknown as Ctx;
      ctx.body = await messages.react(callerOf(c), parseCommand(react, { emoji: param(c, "emoji"), add }, { messageId: param(c, "id") }, "Message"));
    };
  r.put("/messages/:id/reactions/:emoji", requireAuth, reaction(true));
  r.delete("/messages/:id/reactions/:emoji", requireAuth, reaction(false));

  return r;
}
