import type { Page, Reminder, ScheduledMessage } from "@parley/sdk/protocol";
import { callerOf, parseCommand, pathParam, serverCallerOf } from "../request/context.js";
import { empty, json, type Route } from "../request/route.js";
import type { RemindersService } from "./reminders.service.js";
import {
  createReminder,
  editScheduled,
  listReminders,
  listScheduled,
  reminderRef,
  scheduledRef,
  scheduleMessage,
  serverListScheduled,
} from "./scheduled.schema.js";
import type { ScheduledService } from "./scheduled.service.js";

export interface ScheduledRoutesDeps {
  scheduled: ScheduledService;
  reminders: RemindersService;
}

/**
 * Scheduled sends and reminders (issue 55), the signed-in user's own (`/v1/…`, bearer: each write
 * takes a point of the actions quota, per user and per app) and the host's backend's view of a
 * user's scheduled messages (`/v1/server/…`). Another user's or another app's id is a 404; a
 * scheduled message already taken for sending is a 409 (`details.reason: sending`), one sent or
 * failed a 409 too (`sent`, `failed`); past the pending limit a 409 (`limit`).
 */
export function scheduledRoutes({ scheduled, reminders }: ScheduledRoutesDeps): Route[] {
  // Paths written out in full: routes-table.test.ts reads them from this file.
  return [
    {
      method: "post",
      path: "/v1/conversations/:id/scheduled",
      operationId: "scheduleMessage",
      tag: "messages",
      summary:
        "Schedule a message: sent at `sendAt` as if written then (membership, bans, mutes and the word filter checked then). At most 100 wait at once per user",
      auth: "bearer",
      params: { id: scheduleMessage.shape.conversationId },
      body: { name: "ScheduleMessageRequest", schema: scheduleMessage },
      fromPath: ["conversationId"],
      ok: { 201: json("ScheduledMessage", "Scheduled") },
      errors: [404, 409],
      handle: async (ctx) => {
        const input = parseCommand(scheduleMessage, ctx.request.body, { conversationId: pathParam(ctx, "id") }, "Conversation");
        ctx.status = 201;
        ctx.body = (await scheduled.schedule(callerOf(ctx), input)) satisfies ScheduledMessage;
      },
    },
    {
      method: "get",
      path: "/v1/scheduled",
      operationId: "listScheduledMessages",
      tag: "messages",
      summary: "The caller's scheduled messages (waiting, sent, failed), soonest first; `conversationId` for one conversation's",
      auth: "bearer",
      query: listScheduled,
      ok: { 200: json("PageOfScheduledMessage", "A page") },
      handle: async (ctx) => {
        ctx.body = (await scheduled.list(callerOf(ctx), parseCommand(listScheduled, ctx.query, {}, "Scheduled message"))) satisfies Page<ScheduledMessage>;
      },
    },
    {
      method: "patch",
      path: "/v1/scheduled/:id",
      operationId: "editScheduledMessage",
      tag: "messages",
      summary: "Change a waiting scheduled message's text or time (not once it is being sent: 409 `sending`)",
      auth: "bearer",
      params: { id: scheduledRef.shape.id },
      body: { name: "EditScheduledRequest", schema: editScheduled },
      fromPath: ["id"],
      ok: { 200: json("ScheduledMessage", "Changed") },
      errors: [404, 409],
      handle: async (ctx) => {
        ctx.body = (await scheduled.edit(
          callerOf(ctx),
          parseCommand(editScheduled, ctx.request.body, { id: pathParam(ctx, "id") }, "Scheduled message"),
        )) satisfies ScheduledMessage;
      },
    },
    {
      method: "delete",
      path: "/v1/scheduled/:id",
      operationId: "cancelScheduledMessage",
      tag: "messages",
      summary: "Cancel a waiting scheduled message (not once it is being sent: 409 `sending`), or forget a sent or failed one",
      auth: "bearer",
      params: { id: scheduledRef.shape.id },
      ok: { 204: empty("Cancelled") },
      errors: [404, 409],
      handle: async (ctx) => {
        await scheduled.cancel(callerOf(ctx), parseCommand(scheduledRef, {}, { id: pathParam(ctx, "id") }, "Scheduled message"));
        ctx.status = 204;
      },
    },
    {
      method: "post",
      path: "/v1/scheduled/:id/send",
      operationId: "sendScheduledMessageNow",
      tag: "messages",
      summary: "Send a waiting scheduled message now: answered `sent` with its `messageId`, or `failed` with the refusal's `failureCode`",
      auth: "bearer",
      params: { id: scheduledRef.shape.id },
      ok: { 200: json("ScheduledMessage", "Sent, or refused") },
      errors: [404, 409],
      handle: async (ctx) => {
        ctx.body = (await scheduled.sendNow(
          callerOf(ctx),
          parseCommand(scheduledRef, {}, { id: pathParam(ctx, "id") }, "Scheduled message"),
        )) satisfies ScheduledMessage;
      },
    },
    {
      method: "get",
      path: "/v1/server/users/:sub/scheduled",
      operationId: "serverListScheduledMessages",
      tag: "server",
      summary: "A user's scheduled messages (waiting, sent, failed), soonest first",
      auth: "server",
      params: { sub: serverListScheduled.shape.sub },
      query: serverListScheduled,
      fromPath: ["sub"],
      ok: { 200: json("PageOfScheduledMessage", "A page") },
      errors: [404],
      handle: async (ctx) => {
        ctx.body = (await scheduled.listOf(
          serverCallerOf(ctx),
          parseCommand(serverListScheduled, ctx.query, { sub: pathParam(ctx, "sub") }, "User"),
        )) satisfies Page<ScheduledMessage>;
      },
    },
    {
      method: "delete",
      path: "/v1/server/scheduled/:id",
      operationId: "serverCancelScheduledMessage",
      tag: "server",
      summary: "Cancel a user's waiting scheduled message (409 `sending` once it is being sent), or forget a sent or failed one",
      auth: "server",
      params: { id: scheduledRef.shape.id },
      ok: { 204: empty("Cancelled") },
      errors: [404, 409],
      handle: async (ctx) => {
        await scheduled.cancelAny(serverCallerOf(ctx), parseCommand(scheduledRef, {}, { id: pathParam(ctx, "id") }, "Scheduled message"));
        ctx.status = 204;
      },
    },
    {
      method: "post",
      path: "/v1/messages/:id/reminders",
      operationId: "createReminder",
      tag: "messages",
      summary:
        "Remind me of a message at `remindAt`: then a `reminder.due` event, a web push and (per the e-mail preference) an e-mail. At most 100 wait at once per user",
      auth: "bearer",
      params: { id: createReminder.shape.messageId },
      body: { name: "CreateReminderRequest", schema: createReminder },
      fromPath: ["messageId"],
      ok: { 201: json("Reminder", "Set") },
      errors: [404, 409],
      handle: async (ctx) => {
        const input = parseCommand(createReminder, ctx.request.body, { messageId: pathParam(ctx, "id") }, "Message");
        ctx.status = 201;
        ctx.body = (await reminders.create(callerOf(ctx), input)) satisfies Reminder;
      },
    },
    {
      method: "get",
      path: "/v1/reminders",
      operationId: "listReminders",
      tag: "messages",
      summary: "The caller's reminders still to come, soonest first",
      auth: "bearer",
      query: listReminders,
      ok: { 200: json("PageOfReminder", "A page") },
      handle: async (ctx) => {
        ctx.body = (await reminders.list(callerOf(ctx), parseCommand(listReminders, ctx.query, {}, "Reminder"))) satisfies Page<Reminder>;
      },
    },
    {
      method: "delete",
      path: "/v1/reminders/:id",
      operationId: "deleteReminder",
      tag: "messages",
      summary: "Delete a reminder",
      auth: "bearer",
      params: { id: reminderRef.shape.id },
      ok: { 204: empty("Deleted") },
      errors: [404],
      handle: async (ctx) => {
        await reminders.delete(callerOf(ctx), parseCommand(reminderRef, {}, { id: pathParam(ctx, "id") }, "Reminder"));
        ctx.status = 204;
      },
    },
  ];
}
