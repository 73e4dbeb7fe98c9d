import { z } from "zod";
import { WEBHOOK_EVENT_TYPES, type WebhookTestEvent } from "@parley/sdk/protocol";
import { urlShapeProblem } from "./url-guard.js";

/** At most this many endpoints per app. */
export const MAX_ENDPOINTS_PER_APP = 10;

const webhookUrl = z.string().superRefine((v, ctx) => {
  const problem = urlShapeProblem(v);
  if (problem) ctx.addIssue({ code: "custom", message: problem });
});

/** `POST /v1/server/webhooks`. */
export const createWebhookBody = z.object({
  url: webhookUrl,
  events: z.array(z.enum(WEBHOOK_EVENT_TYPES)).min(1).max(WEBHOOK_EVENT_TYPES.length),
});
export type CreateWebhookInput = z.infer<typeof createWebhookBody>;

/** An endpoint id in a path: any string; one that names nothing is a 404. */
export const endpointIdParam = z.string().min(1).max(64);

/** A delivery id in a path, likewise. */
export const deliveryIdParam = z.string().min(1).max(64);

/** `GET /v1/server/webhooks/:id/deliveries?status=&cursor=&limit=`. */
export const deliveriesQuery = z.object({
  status: z.enum(["pending", "delivered", "failed"]).optional(),
  cursor: z.string().max(200).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(50),
});
export type DeliveriesQuery = z.infer<typeof deliveriesQuery>;

/** The keyset of the deliveries list (newest first): createdAt, then id. */
export const deliveryCursor = z.object({ c: z.number().int(), i: z.string().max(40) });
export type DeliveryCursor = z.infer<typeof deliveryCursor>;

/** `POST /v1/server/webhooks/:id/replay`. */
export const replayBody = z.object({
  fromSeq: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
});

/** `PUT /v1/server/webhooks/settings`. */
export const settingsBody = z.object({
  unreadAfterSec: z
    .number()
    .int()
    .min(0)
    .max(7 * 86_400),
});

export const DEFAULT_UNREAD_AFTER_SEC = 300;

/** The test event's type (`POST /v1/console/apps/:appId/webhooks/:id/test`): a delivery type, never subscribable. */
export const WEBHOOK_TEST_EVENT: WebhookTestEvent = "webhook.test";
