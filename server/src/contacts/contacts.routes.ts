import Router from "@koa/router";
import { appOf, authOf, type Ctx, type RouteDeps, type State } from "../http/context.js";
import { parse } from "../http/validate.js";
import { idString, userBody } from "./contacts.schema.js";

/** `/contacts/*` and `/blocks/*`. Requests not addressed to (or sent by) the caller are 404s. */
export function contactsRoutes({ services, requireAuth }: RouteDeps): Router<State> {
  const r = new Router<State>();
  const contacts = services.contacts;
  const who = (ctx: Ctx) => ({ appId: appOf(ctx).id, me: authOf(ctx).userId });
  const param = (ctx: Ctx, name: string): string => parse(idString, ctx.params[name]);

  r.get("/contacts", requireAuth, async (ctx) => {
    const { appId, me } = who(ctx);
    ctx.body = await contacts.list(appId, me);
  });

  r.post("/contacts/requests", requireAuth, async (ctx) => {
    const { appId, me } = who(ctx);
    const body = parse(userBody, ctx.request.body);
    const { request, accepted } = await contacts.request(appId, me, body.userId);
    // Their request to me was pending: it is accepted instead, and that is not a new resource.
    ctx.status = accepted ? 200 : 201;
    ctx.body = request;
  });

  for (const [action, status] of [
    ["accept", "accepted"],
    ["decline", "declined"],
    ["cancel", "cancelled"],
  ] as const) {
    r.post(`/contacts/requests/:id/${action}`, requireAuth, async (ctx) => {
      const { appId, me } = who(ctx);
      ctx.body = await contacts.respond(appId, me, param(ctx, "id"), status);
    });
  }

  r.delete("/contacts/:userId", requireAuth, async (ctx) => {
    const { appId, me } = who(ctx);
    await contacts.remove(appId, me, param(ctx, "userId"));
    ctx.status = 204;
  });

  r.post("/blocks", requireAuth, async (ctx) => {
    const { appId, me } = who(ctx);
    const body = parse(userBody, ctx.request.body);
    await contacts.block(appId, me, body.userId);
    ctx.status = 204;
  });

  r.delete("/blocks/:userId", requireAuth, async (ctx) => {
    const { appId, me } = who(ctx);
    await contacts.unblock(appId, me, param(ctx, "userId"));
    ctx.status = 204;
  });

  return r;
}
