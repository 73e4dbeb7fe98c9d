import { empty, json, type Route } from "../request/route.js";
import { callerOf, type Ctx } from "../request/context.js";
import { parse } from "../shared/validate.js";
import { idString, userBody } from "./contacts.schema.js";
import type { ContactsService } from "./contacts.service.js";

export interface ContactsRoutesDeps {
  contacts: ContactsService;
}

/** `/contacts/*` and `/blocks/*`. Requests not addressed to (or sent by) the caller are 404s. */
export function contactsRoutes({ contacts }: ContactsRoutesDeps): Route[] {
  const routes: Route[] = [];
  const param = (ctx: Ctx, name: string): string => parse(idString, ctx.params[name]);

  routes.push({
    method: "get",
    path: "/v1/contacts",
    operationId: "listContacts",
    tag: "contacts",
    summary: "Contacts and pending requests both ways",
    auth: "bearer",
    ok: { 200: json("ContactsResponse", "Contacts and requests") },
    handle: async (ctx) => {
      ctx.body = await contacts.list(callerOf(ctx));
    },
  });

  routes.push({
    method: "post",
    path: "/v1/contacts/requests",
    operationId: "requestContact",
    tag: "contacts",
    summary: "Ask a user to be a contact (accepts theirs when one is pending)",
    auth: "bearer",
    body: { name: "UserIdRequest", schema: userBody },
    ok: { 201: json("ContactRequest", "Requested"), 200: json("ContactRequest", "Their pending request, accepted") },
    errors: [404, 409],
    handle: async (ctx) => {
      const body = parse(userBody, ctx.request.body);
      const { request, accepted } = await contacts.request(callerOf(ctx), body);
      // Their request to me was pending: it is accepted instead, and that is not a new resource.
      ctx.status = accepted ? 200 : 201;
      ctx.body = request;
    },
  });

  for (const [action, status] of [
    ["accept", "accepted"],
    ["decline", "declined"],
    ["cancel", "cancelled"],
  ] as const) {
    routes.push({
      method: "post",
      path: `/v1/contacts/requests/:id/${action}`,
      operationId: `${action}ContactRequest`,
      tag: "contacts",
      summary: action === "cancel" ? "Withdraw a request you sent" : `${action === "accept" ? "Accept" : "Decline"} a request sent to you`,
      auth: "bearer",
      params: { id: idString },
      ok: { 200: json("ContactRequest", "Answered") },
      errors: [404, 409],
      handle: async (ctx) => {
        ctx.body = await contacts.respond(callerOf(ctx), { requestId: param(ctx, "id"), action: status });
      },
    });
  }

  routes.push({
    method: "delete",
    path: "/v1/contacts/:userId",
    operationId: "removeContact",
    tag: "contacts",
    summary: "End a contact",
    auth: "bearer",
    params: { userId: idString },
    ok: { 204: empty("Removed") },
    errors: [404],
    handle: async (ctx) => {
      await contacts.remove(callerOf(ctx), param(ctx, "userId"));
      ctx.status = 204;
    },
  });

  routes.push({
    method: "post",
    path: "/v1/blocks",
    operationId: "blockUser",
    tag: "contacts",
    summary: "Block a user",
    auth: "bearer",
    body: { name: "UserIdRequest", schema: userBody },
    ok: { 204: empty("Blocked") },
    errors: [404],
    handle: async (ctx) => {
      const body = parse(userBody, ctx.request.body);
      await contacts.block(callerOf(ctx), body);
      ctx.status = 204;
    },
  });

  routes.push({
    method: "delete",
    path: "/v1/blocks/:userId",
    operationId: "unblockUser",
    tag: "contacts",
    summary: "Unblock a user",
    auth: "bearer",
    params: { userId: idString },
    ok: { 204: empty("Unblocked") },
    errors: [404],
    handle: async (ctx) => {
      await contacts.unblock(callerOf(ctx), param(ctx, "userId"));
      ctx.status = 204;
    },
  });

  return routes;
}
