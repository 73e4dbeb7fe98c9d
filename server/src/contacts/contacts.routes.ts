import Router from "@koa/router";
import type { Middleware } from "koa";
import { callerOf, type Ctx, type State } from "../http/context.js";
import { parse } from "../shared/validate.js";
import { idString, userBody } from "./contacts.schema.js";
import type { ContactsService } from "./contacts.service.js";

export interface ContactsRoutesDeps {
  contacts: ContactsService;
  requireAuth: Middleware<State>;
}

/** `/contacts/*` and `/blocks/*`. Requests not addressed to (or sent by) the caller are 404s. */
export function contactsRoutes({ contacts, requireAuth }: ContactsRoutesDeps): Router<State> {
  const r = new Router<State>();
  const param = (ctx: Ctx, name: string): string => parse(idString, ctx.params[name]);

  r.get("/contacts", requireAuth, async (ctx) => {
    ctx.body = await contacts.list(callerOf(ctx));
  });

  r.post("/contacts/requests", requireAuth, async (ctx) => {
    const body = parse(userBody, ctx.request.body);
    const { request, accepted } = await contacts.request(callerOf(ctx), body);
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
      ctx.body = await contacts.respond(callerOf(ctx), { requestId: param(ctx, "id"), action: status });
    });
  }

  r.delete("/contacts/:userId", requireAuth, async (ctx) => {
    await contacts.remove(callerOf(ctx), param(ctx, "userId"));
    ctx.status = 204;
  });

  r.post("/blocks", requireAuth, async (ctx) => {
    const body = parse(userBody, ctx.request.body);
    await contacts.block(callerOf(ctx), body);
    ctx.status = 204;
  });

  r.delete("/blocks/:userId", requireAuth, async (ctx) => {
    await contacts.unblock(callerOf(ctx), param(ctx, "userId"));
    ctx.status = 204;
  });

  return r;
}
