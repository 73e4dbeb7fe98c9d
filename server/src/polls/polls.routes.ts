import { callerOf, parseCommand, pathParam, serverCallerOf, type Ctx } from "../request/context.js";
import { json, type Route } from "../request/route.js";
import type { Caller } from "../shared/caller.js";
import { createPoll, pollRef, votePoll } from "./polls.schema.js";
import type { PollsService } from "./polls.service.js";

export interface PollsRoutesDeps {
  polls: PollsService;
}

/**
 * Poll routes: members ask, vote and close (`/v1/…`); the host's backend asks (a system message)
 * and closes (`/v1/server/…`). A poll the caller cannot see is a 404; voting on a closed poll a
 * 409 (`details.reason: poll_closed`).
 */
export function pollsRoutes({ polls }: PollsRoutesDeps): Route[] {
  const routes: Route[] = [];
  const create = (caller: (ctx: Ctx) => Caller) => async (ctx: Ctx) => {
    const res = await polls.create(caller(ctx), parseCommand(createPoll, ctx.request.body, { conversationId: pathParam(ctx, "id") }, "Conversation"));
    ctx.status = res.created ? 201 : 200;
    ctx.body = res.message;
  };
  const close = (caller: (ctx: Ctx) => Caller) => async (ctx: Ctx) => {
    ctx.body = await polls.close(caller(ctx), parseCommand(pollRef, {}, { messageId: pathParam(ctx, "id") }, "Poll"));
  };
  routes.push(
    {
      method: "post",
      path: "/v1/conversations/:id/polls",
      operationId: "createPoll",
      tag: "messages",
      summary: "Ask a poll: a message whose text is the question, with 2–10 options",
      auth: "bearer",
      params: { id: createPoll.shape.conversationId },
      body: { name: "CreatePollRequest", schema: createPoll.omit({ conversationId: true }) },
      fromPath: ["conversationId"],
      ok: { 201: json("Message", "Asked"), 200: json("Message", "A retry: the poll asked before with this clientMessageId") },
      errors: [404, 409, 429],
      handle: create(callerOf),
    },
    {
      method: "put",
      path: "/v1/messages/:id/poll/vote",
      operationId: "votePoll",
      tag: "messages",
      summary: "Vote: the caller's whole choice (one option unless the poll takes several), replacing an earlier one",
      auth: "bearer",
      params: { id: votePoll.shape.messageId },
      body: { name: "PollVoteRequest", schema: votePoll.omit({ messageId: true }) },
      fromPath: ["messageId"],
      ok: { 200: json("Poll", "The poll as the caller sees it") },
      errors: [404, 409],
      handle: async (ctx) => {
        ctx.body = await polls.vote(callerOf(ctx), parseCommand(votePoll, ctx.request.body, { messageId: pathParam(ctx, "id") }, "Poll"));
      },
    },
    {
      method: "delete",
      path: "/v1/messages/:id/poll/vote",
      operationId: "retractPollVote",
      tag: "messages",
      summary: "Take the caller's vote back",
      auth: "bearer",
      params: { id: pollRef.shape.messageId },
      ok: { 200: json("Poll", "The poll as the caller sees it") },
      errors: [404, 409],
      handle: async (ctx) => {
        ctx.body = await polls.retract(callerOf(ctx), parseCommand(pollRef, {}, { messageId: pathParam(ctx, "id") }, "Poll"));
      },
    },
    {
      method: "post",
      path: "/v1/messages/:id/poll/close",
      operationId: "closePoll",
      tag: "messages",
      summary: "Close a poll early: its creator, or a group's owner and admins",
      auth: "bearer",
      params: { id: pollRef.shape.messageId },
      ok: { 200: json("Poll", "The closed poll") },
      errors: [403, 404],
      handle: close(callerOf),
    },
    {
      method: "post",
      path: "/v1/server/conversations/:id/polls",
      operationId: "serverCreatePoll",
      tag: "server",
      summary: "Ask a poll as a system message (senderId null)",
      auth: "server",
      params: { id: createPoll.shape.conversationId },
      body: { name: "CreatePollRequest", schema: createPoll.omit({ conversationId: true }) },
      fromPath: ["conversationId"],
      ok: { 201: json("Message", "Asked"), 200: json("Message", "A retry: the poll asked before with this clientMessageId") },
      errors: [404, 409],
      handle: create(serverCallerOf),
    },
    {
      method: "post",
      path: "/v1/server/messages/:id/poll/close",
      operationId: "serverClosePoll",
      tag: "server",
      summary: "Close any poll of the app",
      auth: "server",
      params: { id: pollRef.shape.messageId },
      ok: { 200: json("Poll", "The closed poll") },
      errors: [404],
      handle: close(serverCallerOf),
    },
  );
  return routes;
}
