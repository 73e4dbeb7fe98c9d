import Router from "@koa/router";
import type { Middleware } from "koa";
import { appOf, authOf, type RouteDeps, type State } from "../http/context.js";

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
export function messagesRoutes({ services, requireAuth }: RouteDeps): Router<State> {
  const r = new Router<State>();
  const { messages } = services;
  const param = (ctx: { params: Record<string, string | undefined> }, name: string): string => String(ctx.params[name] ?? "");

  r.post("/conversations/:id/messages", requireAuth, async (ctx) => {
    const res = await messages.send(appOf(ctx).id, authOf(ctx).userId, param(ctx, "id"), ctx.request.body as never);
    ctx.status = res.created ? 201 : 200;
    ctx.body = res.message;
  });

  r.get("/conversations/:id/messages", requireAuth, async (ctx) => {
    ctx.body = await messages.history(appOf(ctx).id, authOf(ctx).userId, param(ctx, "id"), ctx.query as never);
  });

  r.post("/conversations/:id/read", requireAuth, async (ctx) => {
    const body = (ctx.request.body ?? {}) as { messageId?: unknown };
    await messages.markRead(appOf(ctx).id, authOf(ctx).userId, param(ctx, "id"), body.messageId as string);
    ctx.status = 204;
  });

  r.get("/messages/:id", requireAuth, async (ctx) => {
    ctx.body = await messages.get(appOf(ctx).id, authOf(ctx).userId, param(ctx, "id"));
  });

  r.patch("/messages/:id", requireAuth, async (ctx) => {
    ctx.body = await messages.edit(appOf(ctx).id, authOf(ctx).userId, param(ctx, "id"), ctx.request.body);
  });

  r.delete("/messages/:id", requireAuth, async (ctx) => {
    await messages.remove(appOf(ctx).id, authOf(ctx).userId, param(ctx, "id"));
    ctx.status = 204;
  });

  const react = (add: boolean): Middleware<State> => async (ctx) => {
    const c = ctx as unknown as { params: Record<string, string | undefined> };
    ctx.body = await messages.react(appOf(ctx).id, authOf(ctx).userId, param(c, "id"), param(c, "emoji"), add);
  };
  r.put("/messages/:id/reactions/:emoji", requireAuth, react(true));
  r.delete("/messages/:id/reactions/:emoji", requireAuth, react(false));

  return r;
}
