import { callerOf, parseCommand, pathParam, serverCallerOf, type Ctx } from "../request/context.js";
import { json, type Route } from "../request/route.js";
import type { Caller } from "../shared/caller.js";
import { callRef, listCalls, listCallsQuery } from "./calls.schema.js";
import type { CallsService } from "./calls.service.js";

export interface CallsRoutesDeps {
  calls: CallsService;
}

/**
 * Call routes. Signalling itself is on the socket (calls.socket.ts); over HTTP a member gets the
 * ICE servers for their peer connection, the calls they are rung for or in, and a conversation's
 * calls; the host's backend lists a conversation's calls and ends a call.
 */
export function callsRoutes({ calls }: CallsRoutesDeps): Route[] {
  const list = (caller: (ctx: Ctx) => Caller) => async (ctx: Ctx) => {
    ctx.body = await calls.list(caller(ctx), parseCommand(listCalls, ctx.query, { conversationId: pathParam(ctx, "id") }, "Conversation"));
  };
  return [
    {
      method: "get",
      path: "/v1/calls/ice-servers",
      operationId: "getIceServers",
      tag: "calls",
      summary:
        "STUN and TURN servers for the caller's RTCPeerConnection; TURN credentials are the caller's own and expire after ttlSec (ask again for each call)",
      auth: "bearer",
      ok: { 200: json("IceServersResponse", "The ICE servers (empty when none is configured)") },
      handle: (ctx) => {
        ctx.body = calls.iceServers(callerOf(ctx));
      },
    },
    {
      method: "get",
      path: "/v1/calls/live",
      operationId: "listLiveCalls",
      tag: "calls",
      summary: "The live calls (ringing or active) the caller is rung for or in: what a page that loads while a call rings shows",
      auth: "bearer",
      ok: { 200: json("LiveCallsResponse", "The live calls") },
      handle: async (ctx) => {
        ctx.body = await calls.live(callerOf(ctx));
      },
    },
    {
      method: "get",
      path: "/v1/conversations/:id/calls",
      operationId: "listCalls",
      tag: "calls",
      summary: "A conversation's calls, newest first",
      auth: "bearer",
      params: { id: listCalls.shape.conversationId },
      query: listCallsQuery,
      ok: { 200: json("PageOfCall", "A page of calls") },
      errors: [404],
      handle: list(callerOf),
    },
    {
      method: "get",
      path: "/v1/server/conversations/:id/calls",
      operationId: "serverListCalls",
      tag: "server",
      summary: "A conversation's calls, newest first",
      auth: "server",
      params: { id: listCalls.shape.conversationId },
      query: listCallsQuery,
      ok: { 200: json("PageOfCall", "A page of calls") },
      errors: [404],
      handle: list(serverCallerOf),
    },
    {
      method: "post",
      path: "/v1/server/calls/:id/end",
      operationId: "serverEndCall",
      tag: "server",
      summary: "End a call for everyone in it (ringing: cancelled; active: completed); an ended call is answered as it is",
      auth: "server",
      params: { id: callRef.shape.callId },
      ok: { 200: json("Call", "The call, ended") },
      errors: [404],
      handle: async (ctx) => {
        ctx.body = await calls.end(serverCallerOf(ctx), parseCommand(callRef, {}, { callId: pathParam(ctx, "id") }, "Call"));
      },
    },
  ];
}
