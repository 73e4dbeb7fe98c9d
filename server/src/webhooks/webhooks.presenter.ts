import type { WebhookDelivery, WebhookEndpoint, WebhookEventType } from "@parley/sdk/protocol";
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
    type: d.type as WebhookEventType,
    seq: d.seq,
    status: d.status,
    attempts: d.attempts,
    lastError: d.lastError,
    createdAt: iso(d.createdAt),
    nextAttemptAt: isoOrNull(d.nextAttemptAt),
    lastAttemptAt: isoOrNull(d.lastAttemptAt),
    deliveredAt: isoOrNull(d.deliveredAt),
  };
}
