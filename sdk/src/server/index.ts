/**
 * @parley/sdk/server: the host's backend's side of Parley (Node >= 20). The server API as
 * methods, with a server key, and the webhook signature check.
 *
 * ```ts
 * import { ParleyServer, verifyWebhook } from "@parley/sdk/server";
 * const parley = new ParleyServer({ server: "https://chat.example", keyId, secret });
 * ```
 */
export { ParleyServer, type ParleyServerOptions } from "./client.js";
export { ParleyServerError, isParleyServerError } from "./errors.js";
export {
  DEFAULT_WEBHOOK_TOLERANCE_SEC,
  SIGNATURE_HEADER,
  WebhookVerificationError,
  verifyWebhook,
  type HeadersLike,
  type VerifyWebhookOptions,
  type WebhookEvent,
  type WebhookRequest,
  type WebhookVerificationReason,
} from "./webhooks.js";
export type * from "./types.js";
