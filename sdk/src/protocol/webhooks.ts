// Webhooks: what Parley POSTs to the host's endpoints, and their registration.
//
// Each delivery is `POST <url>` with `Content-Type: application/json`, the body a WebhookPayload,
// and the headers in WEBHOOK_HEADERS. `Parley-Signature: t=<unix seconds>,kid=<key id>,v1=<hex>`
// where v1 = hex(HMAC-SHA256(<that server key's secret>, `${t}.${raw body}`)). A 2xx answer within
// 10 s is delivered; anything else is retried with exponential backoff for at least 24 h.

import type { EventPayloads } from "./events.js";
import type { AgentToolCall } from "./agents.js";
import type { Report } from "./moderation.js";

/** Event types an endpoint may subscribe to. */
export const WEBHOOK_EVENT_TYPES = [
  "message.new",
  "message.updated",
  "message.deleted",
  "conversation.created",
  "member.added",
  "member.removed",
  "user.created",
  "notification.unread",
  "report.created",
  "pin.updated",
  "poll.updated",
  "call.started",
  "call.ended",
  "agent.tool_call",
] as const;

export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

/**
 * The test event: sent on demand from the console ("send a test event") to one endpoint, whatever
 * it subscribes to, signed and retried like any delivery. Its `seq` is 0 and it is in no app's
 * event log, so a replay never sends it again. Not subscribable: answer it 2xx and ignore it.
 */
export type WebhookTestEvent = "webhook.test";

/**
 * Every type a delivery may have: the subscribable event types and the test event. (Types only:
 * every constant here ships in every SDK build; the server declares WEBHOOK_TEST_EVENT.)
 */
export type WebhookDeliveryType = WebhookEventType | WebhookTestEvent;

/** `webhook.test`'s data: when the test was asked for. */
export interface WebhookTestData {
  test: true;
  at: string;
}

/** The headers of a delivery (names as sent; HTTP header names are case-insensitive). */
export const WEBHOOK_HEADERS = {
  signature: "Parley-Signature",
  delivery: "Parley-Delivery",
  event: "Parley-Event",
  seq: "Parley-Seq",
} as const;

/** `notification.unread`: a user has had unread messages for the app's delay while offline. */
export interface UnreadNotification {
  userId: string;
  /** The host's id of the user (`sub`), when the user came from the host. */
  sub: string | null;
  conversations: { conversationId: string; unreadCount: number }[];
}

/**
 * The body of a delivery. `seq` is the event's seq in the app's log (for `notification.unread` and
 * `report.created`: the log's head when it was raised; for `webhook.test`: 0).
 */
export type WebhookPayload = {
  [K in WebhookDeliveryType]: {
    /** The delivery's id (also `Parley-Delivery`): the same on every retry, so receivers deduplicate by it. */
    id: string;
    type: K;
    seq: number;
    appId: string;
    at: string;
    data: K extends keyof EventPayloads
      ? EventPayloads[K]
      : K extends "report.created"
        ? Report
        : K extends WebhookTestEvent
          ? WebhookTestData
          : K extends "agent.tool_call"
            ? AgentToolCall
            : UnreadNotification;
  };
}[WebhookDeliveryType];

/** A registered endpoint. */
export interface WebhookEndpoint {
  id: string;
  url: string;
  events: WebhookEventType[];
  createdAt: string;
}

/** `POST /v1/server/webhooks`. */
export interface CreateWebhookRequest {
  url: string;
  events: WebhookEventType[];
}

export interface WebhookEndpointResponse {
  endpoint: WebhookEndpoint;
}

export interface WebhookEndpointsResponse {
  endpoints: WebhookEndpoint[];
}

export type WebhookDeliveryStatus = "pending" | "delivered" | "failed";

/** One delivery of one event to one endpoint, as recorded. */
export interface WebhookDelivery {
  id: string;
  endpointId: string;
  type: WebhookDeliveryType;
  seq: number;
  status: WebhookDeliveryStatus;
  attempts: number;
  lastError: string | null;
  /** The last attempt's HTTP status, 2xx included; null before any answer, or when none came (a timeout). */
  lastStatus: number | null;
  createdAt: string;
  nextAttemptAt: string | null;
  lastAttemptAt: string | null;
  deliveredAt: string | null;
}

/** `GET /v1/server/webhooks/:id/deliveries`: newest first, keyset-paged by `nextCursor`. */
export interface WebhookDeliveriesResponse {
  items: WebhookDelivery[];
  nextCursor: string | null;
}

/** `POST /v1/server/webhooks/:id/replay`: queue again every subscribed event with seq ≥ fromSeq, in order. */
export interface ReplayWebhookRequest {
  fromSeq: number;
}

export interface ReplayWebhookResponse {
  queued: number;
}

/** `PUT /v1/server/webhooks/settings`. */
export interface WebhookSettings {
  /** Seconds of unread-while-offline before `notification.unread` (default 300). */
  unreadAfterSec: number;
}
