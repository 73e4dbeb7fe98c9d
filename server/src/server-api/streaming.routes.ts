import { empty, json, type Route } from "../request/route.js";
import { parseCommand, pathParam, serverCallerOf } from "../request/context.js";
import { ref } from "../shared/schema.js";
import { aiState, appendStream, failStream, finishStream, startStream } from "../messages/streaming.schema.js";
import type { StreamingService } from "../messages/streaming.js";
import { withinDataLimit } from "./server-api.schema.js";

export interface StreamingRoutesDeps {
  streams: StreamingService;
}

/**
 * `/v1/server/…` streamed messages (issue 54): the host's backend starts a bot's reply, appends to
 * it by offset, and finishes or fails it; and says what an agent is doing (`ai-state`). Members see
 * the growth live (`message.delta`), the event log and webhooks only the final `message.new`.
 */
export function streamingRoutes({ streams }: StreamingRoutesDeps): Route[] {
  const routes: Route[] = [];

  routes.push({
    method: "post",
    path: "/v1/server/conversations/:id/streams",
    operationId: "serverStartStream",
    tag: "server",
    summary:
      "Start a message from `from` (a member, by sub) in the `streaming` state (`stream.state`), with optional first text; members get it as a `message.delta` carrying the message. Idempotent by clientMessageId. Not moderated; nothing goes to the event log or webhooks until it ends",
    auth: "server",
    params: { id: startStream.shape.conversationId },
    body: { name: "ServerStartStreamRequest", schema: startStream },
    fromPath: ["conversationId"],
    ok: { 201: json("Message", "Started"), 200: json("Message", "A retry: the stream started before with this clientMessageId") },
    errors: [404, 409, 413, 429],
    handle: async (ctx) => {
      const input = withinDataLimit(parseCommand(startStream, ctx.request.body, { conversationId: pathParam(ctx, "id") }, "Conversation"));
      const res = await streams.start(serverCallerOf(ctx), input);
      ctx.status = res.created ? 201 : 200;
      ctx.body = res.message;
    },
  });

  routes.push({
    method: "post",
    path: "/v1/server/messages/:id/stream/append",
    operationId: "serverAppendStream",
    tag: "server",
    summary:
      "Append `text` at `offset` (the text's length as the author holds it; UTF-16 code units). A retry over text already there changes nothing and answers the stream as it is; past the end: 409 `stream_gap`, over different text: 409 `stream_conflict` (both with `details.length`); stopped by a member: 409 `stream_stopped` (stop generating); finished or failed: 409 `stream_ended`",
    auth: "server",
    params: { id: ref },
    body: { name: "ServerAppendStreamRequest", schema: appendStream },
    fromPath: ["messageId"],
    ok: { 200: json("StreamStatus", "Appended (or already there): the length to append at next") },
    errors: [404, 409, 413, 429],
    handle: async (ctx) => {
      ctx.body = await streams.appendText(serverCallerOf(ctx), parseCommand(appendStream, ctx.request.body, { messageId: pathParam(ctx, "id") }, "Stream"));
    },
  });

  routes.push({
    method: "post",
    path: "/v1/server/messages/:id/stream/finish",
    operationId: "serverFinishStream",
    tag: "server",
    summary:
      "End the stream (`stream.state: finished`), optionally with the final text (it replaces what was appended) and custom data: ONE `message.new` carries the final message to members, the event log, webhooks, search and push. A retry answers the finished message; a stopped one: 409 `stream_stopped`",
    auth: "server",
    params: { id: ref },
    body: { name: "ServerFinishStreamRequest", schema: finishStream },
    fromPath: ["messageId"],
    ok: { 200: json("Message", "Finished") },
    errors: [404, 409, 413, 429],
    handle: async (ctx) => {
      const input = withinDataLimit(parseCommand(finishStream, ctx.request.body ?? {}, { messageId: pathParam(ctx, "id") }, "Stream"));
      ctx.body = await streams.finish(serverCallerOf(ctx), input);
    },
  });

  routes.push({
    method: "post",
    path: "/v1/server/messages/:id/stream/fail",
    operationId: "serverFailStream",
    tag: "server",
    summary: "End the stream as failed (`stream.state: failed`, `stream.error`), keeping the text so far; one `message.new`, as for finish",
    auth: "server",
    params: { id: ref },
    body: { name: "ServerFailStreamRequest", schema: failStream },
    fromPath: ["messageId"],
    ok: { 200: json("Message", "Failed") },
    errors: [404, 409, 429],
    handle: async (ctx) => {
      ctx.body = await streams.fail(serverCallerOf(ctx), parseCommand(failStream, ctx.request.body, { messageId: pathParam(ctx, "id") }, "Stream"));
    },
  });

  routes.push({
    method: "put",
    path: "/v1/server/conversations/:id/ai-state",
    operationId: "serverSetAiState",
    tag: "server",
    summary:
      "What `from` (a member, by sub; an agent) is doing: thinking, generating, calling a `tool` (by name) or idle. Sent to the members as an `ai.state` socket event, like typing: never stored",
    auth: "server",
    params: { id: ref },
    body: { name: "ServerAiStateRequest", schema: aiState },
    fromPath: ["conversationId"],
    ok: { 204: empty("Sent") },
    errors: [404, 429],
    handle: async (ctx) => {
      await streams.setAiState(serverCallerOf(ctx), parseCommand(aiState, ctx.request.body, { conversationId: pathParam(ctx, "id") }, "Conversation"));
      ctx.status = 204;
    },
  });

  return routes;
}
