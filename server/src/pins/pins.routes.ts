import { callerOf, parseCommand, pathParam, serverCallerOf, type Ctx } from "../request/context.js";
import { empty, json, type Route } from "../request/route.js";
import { listPins, pinMessage } from "./pins.schema.js";
import type { PinsService } from "./pins.service.js";

export interface PinsRoutesDeps {
  pins: PinsService;
}

/**
 * Pin routes, for members (`/v1/…`, bearer) and the host's backend (`/v1/server/…`), through the
 * same service: a message the caller cannot see is a 404, a pin they may not make a 403, past
 * the limit or on a thread reply a 409 (`details.reason`: pin_limit, thread_reply).
 */
export function pinsRoutes({ pins }: PinsRoutesDeps): Route[] {
  const routes: Route[] = [];
  for (const on of [
    { prefix: "/v1", auth: "bearer" as const, tag: "messages" as const, op: "", caller: callerOf },
    { prefix: "/v1/server", auth: "server" as const, tag: "server" as const, op: "server", caller: serverCallerOf },
  ]) {
    const name = (verb: string, noun: string): string => (on.op ? `${on.op}${verb[0]!.toUpperCase()}${verb.slice(1)}${noun}` : `${verb}${noun}`);
    const set = (pinned: boolean) => async (ctx: Ctx) => {
      const pin = await pins.set(on.caller(ctx), parseCommand(pinMessage, { pinned }, { messageId: pathParam(ctx, "id") }, "Message"));
      if (pin) ctx.body = pin;
      else ctx.status = 204;
    };
    routes.push(
      {
        method: "get",
        path: `${on.prefix}/conversations/:id/pins`,
        operationId: name("list", "Pins"),
        tag: on.tag,
        summary: "A conversation's pinned messages, newest pin first (all of them: at most 25)",
        auth: on.auth,
        params: { id: listPins.shape.conversationId },
        ok: { 200: json("PinsResponse", "The pins") },
        errors: [404],
        handle: async (ctx) => {
          ctx.body = await pins.list(on.caller(ctx), parseCommand(listPins, {}, { conversationId: pathParam(ctx, "id") }, "Conversation"));
        },
      },
      {
        method: "put",
        path: `${on.prefix}/messages/:id/pin`,
        operationId: name("pin", "Message"),
        tag: on.tag,
        summary: "Pin a message (idempotent): a group's owner, admins and moderators, either member of a direct conversation",
        auth: on.auth,
        params: { id: pinMessage.shape.messageId },
        ok: { 200: json("Pin", "Pinned") },
        errors: [403, 404, 409],
        handle: set(true),
      },
      {
        method: "delete",
        path: `${on.prefix}/messages/:id/pin`,
        operationId: name("unpin", "Message"),
        tag: on.tag,
        summary: "Unpin a message (idempotent); who may is who may pin",
        auth: on.auth,
        params: { id: pinMessage.shape.messageId },
        ok: { 204: empty("Unpinned") },
        errors: [403, 404],
        handle: set(false),
      },
    );
  }
  return routes;
}
