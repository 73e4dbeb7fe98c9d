import { callerOf, parseCommand, pathParam } from "../request/context.js";
import { empty, json, type Route } from "../request/route.js";
import { ref } from "../shared/schema.js";
import { editMessage, history, markRead, react, sendMessage } from "./messages.schema.js";
import type { MessagesService } from "./messages.service.js";

export interface MessagesRoutesDeps {
  messages: MessagesService;
}

/**
 * Message routes (signed in). A conversation or message the caller cannot see — not a member,
 * another app's, malformed id, or deleted — is the same 404 as one that does not exist.
 */
export function messagesRoutes({ messages }: MessagesRoutesDeps): Route[] {
  return [
    {
      method: "get",
      path: "/v1/conversations/:id/messages",
      operationId: "listMessages",
      tag: "messages",
      summary: "Messages, newest first (keyset on the message id)",
      auth: "bearer",
      params: { id: history.shape.conversationId },
      query: history,
      fromPath: ["conversationId"],
      ok: { 200: json("PageOfMessage", "A page of messages") },
      errors: [404],
      replica: { when: (ctx) => ctx.query["before"] !== undefined },
      handle: async (ctx) => {
        ctx.body = await messages.history(callerOf(ctx), parseCommand(history, ctx.query, { conversationId: pathParam(ctx, "id") }, "Conversation"));
      },
    },
    {
      method: "post",
      path: "/v1/conversations/:id/messages",
      operationId: "sendMessage",
      tag: "messages",
      summary: "Send a message; the same clientMessageId again answers the original",
      auth: "bearer",
      params: { id: sendMessage.shape.conversationId },
      body: { name: "SendMessageRequest", schema: sendMessage },
      fromPath: ["conversationId"],
      ok: { 201: json("Message", "Sent"), 200: json("Message", "A retry: the message sent before with this clientMessageId") },
      errors: [404, 409, 429],
      ownQuota: "messages",
      handle: async (ctx) => {
        const input = parseCommand(sendMessage, ctx.request.body, { conversationId: pathParam(ctx, "id") }, "Conversation");
        const res = await messages.send(callerOf(ctx), input);
        ctx.status = res.created ? 201 : 200;
        ctx.body = res.message;
      },
    },
    {
      method: "post",
      path: "/v1/conversations/:id/read",
      operationId: "markRead",
      tag: "messages",
      summary: "Mark the conversation read up to a message",
      auth: "bearer",
      params: { id: markRead.shape.conversationId },
      body: { name: "ReadRequest", schema: markRead },
      fromPath: ["conversationId"],
      ok: { 204: empty("Marked") },
      errors: [404],
      handle: async (ctx) => {
        await messages.markRead(callerOf(ctx), parseCommand(markRead, ctx.request.body, { conversationId: pathParam(ctx, "id") }, "Conversation"));
        ctx.status = 204;
      },
    },
    {
      method: "get",
      path: "/v1/messages/:id",
      operationId: "getMessage",
      tag: "messages",
      summary: "One message",
      auth: "bearer",
      params: { id: ref },
      ok: { 200: json("Message", "The message") },
      errors: [404],
      handle: async (ctx) => {
        ctx.body = await messages.get(callerOf(ctx), pathParam(ctx, "id"));
      },
    },
    {
      method: "patch",
      path: "/v1/messages/:id",
      operationId: "editMessage",
      tag: "messages",
      summary: "Edit a message (sender only)",
      auth: "bearer",
      params: { id: editMessage.shape.messageId },
      body: { name: "EditMessageRequest", schema: editMessage },
      fromPath: ["messageId"],
      ok: { 200: json("Message", "Edited") },
      errors: [404],
      handle: async (ctx) => {
        ctx.body = await messages.edit(callerOf(ctx), parseCommand(editMessage, ctx.request.body, { messageId: pathParam(ctx, "id") }, "Message"));
      },
    },
    {
      method: "delete",
      path: "/v1/messages/:id",
      operationId: "deleteMessage",
      tag: "messages",
      summary: "Delete a message (sender, or a group's owner or admins); a tombstone stays",
      auth: "bearer",
      params: { id: ref },
      ok: { 204: empty("Deleted") },
      errors: [404],
      handle: async (ctx) => {
        await messages.remove(callerOf(ctx), pathParam(ctx, "id"));
        ctx.status = 204;
      },
    },
    {
      method: "put",
      path: "/v1/messages/:id/reactions/:emoji",
      operationId: "addReaction",
      tag: "messages",
      summary: "React (idempotent)",
      auth: "bearer",
      params: { id: react.shape.messageId, emoji: react.shape.emoji },
      ok: { 200: json("Message", "The message with its reactions") },
      errors: [404, 409],
      handle: async (ctx) => {
        ctx.body = await messages.react(
          callerOf(ctx),
          parseCommand(react, { emoji: pathParam(ctx, "emoji"), add: true }, { messageId: pathParam(ctx, "id") }, "Message"),
        );
      },
    },
    {
      method: "delete",
      path: "/v1/messages/:id/reactions/:emoji",
      operationId: "removeReaction",
      tag: "messages",
      summary: "Take a reaction back (idempotent)",
      auth: "bearer",
      params: { id: react.shape.messageId, emoji: react.shape.emoji },
      ok: { 200: json("Message", "The message with its reactions") },
      errors: [404],
      handle: async (ctx) => {
        ctx.body = await messages.react(
          callerOf(ctx),
          parseCommand(react, { emoji: pathParam(ctx, "emoji"), add: false }, { messageId: pathParam(ctx, "id") }, "Message"),
        );
      },
    },
  ];
}
