import type {
  ConsoleWebhookDeliveryDetail,
  WebhookDelivery,
  WebhookDeliveryType,
  WebhookEndpoint,
  WebhookEventType,
  WebhookPayload,
} from "@parley/sdk/protocol";
import { iso, isoOrNull } from "../shared/time.js";
import type { WebhookDeliveryEntity, WebhookEndpointEntity } from "./webhook.entities.js";

/** An endpoint as the API answers it. */
export function presentEndpoint(e: WebhookEndpointEntity): WebhookEndpoint {
  return { id: e.id, url: e.url, events: e.events.split(",") as WebhookEventType[], createdAt: iso(e.createdAt) };
}

/** A delivery record as the API answers it (never its payload). */
export function presentDelivery(d: WebhookDeliveryEntity): WebhookDelivery {
  return {
    id: d.id,
    endpointId: d.endpointId,
    type: d.type as WebhookDeliveryType,
    seq: d.seq,
    status: d.status,
    attempts: d.attempts,
    lastError: d.lastError,
    lastStatus: d.lastStatus,
    createdAt: iso(d.createdAt),
    nextAttemptAt: isoOrNull(d.nextAttemptAt),
    lastAttemptAt: isoOrNull(d.lastAttemptAt),
    deliveredAt: isoOrNull(d.deliveredAt),
  };
}

/** A delivery row's fields the payload is made of (as the entity has them, or raw from a query). */
export interface PayloadRow {
  id: string;
  appId: string;
  type: string;
  seq: number | string;
  at: number | string;
  /** The event's data, JSON. */
  data: string;
}

/** The body a delivery is POSTed with (its JSON is what is signed): the same on every attempt. */
export function deliveryPayload(d: PayloadRow): WebhookPayload {
  return { id: d.id, type: d.type, seq: Number(d.seq), appId: d.appId, at: iso(Number(d.at)), data: JSON.parse(d.data) as unknown } as WebhookPayload;
}

/** One delivery with what is sent and the last attempt's outcome. */
export function presentDeliveryDetail(endpoint: WebhookEndpointEntity, d: WebhookDeliveryEntity): ConsoleWebhookDeliveryDetail {
  return {
    delivery: presentDelivery(d),
    request: { url: endpoint.url, body: deliveryPayload(d) },
    response: { status: d.lastStatus, error: d.lastError, at: isoOrNull(d.lastAttemptAt) },
  };
}
