import { z } from "zod";
import { WEBHOOK_TEST_EVENT } from "../../webhooks/webhooks.schema.js";
import {
  MODERATION_LIMITS,
  REPORT_REASONS,
  WEBHOOK_EVENT_TYPES,
  type AuditEntry,
  type ModeratorsResponse,
  type ReplayWebhookResponse,
  type Report,
  type ReportResponse,
  type SanctionResponse,
  type SlowModeResponse,
  type WebhookDeliveriesResponse,
  type WebhookEndpoint,
  type WebhookEndpointResponse,
  type WebhookEndpointsResponse,
  type WebhookSettings,
  type WordFilter,
} from "@parley/sdk/protocol";
import { timestamp, type Check, type Same } from "./mirror.js";

/** The answers of the host's backend and moderators (webhooks, moderation), mirrored as responses.ts explains. */

// ---------------------------------------------------------------------------------------------
// Webhooks (the host's backend)
// ---------------------------------------------------------------------------------------------

const webhookEventType = z.enum(WEBHOOK_EVENT_TYPES);
const webhookEndpoint = z.strictObject({ id: z.string(), url: z.string(), events: z.array(webhookEventType), createdAt: timestamp });
type _WebhookEndpoint = Check<Same<z.infer<typeof webhookEndpoint>, WebhookEndpoint>>;
export const webhookEndpointResponse = z.strictObject({ endpoint: webhookEndpoint });
type _WebhookEndpointResponse = Check<Same<z.infer<typeof webhookEndpointResponse>, WebhookEndpointResponse>>;
export const webhookEndpointsResponse = z.strictObject({ endpoints: z.array(webhookEndpoint) });
type _WebhookEndpointsResponse = Check<Same<z.infer<typeof webhookEndpointsResponse>, WebhookEndpointsResponse>>;
const webhookDelivery = z.strictObject({
  id: z.string(),
  endpointId: z.string(),
  type: z.enum([...WEBHOOK_EVENT_TYPES, WEBHOOK_TEST_EVENT]),
  seq: z.number().int(),
  status: z.enum(["pending", "delivered", "failed"]),
  attempts: z.number().int(),
  lastError: z.string().nullable(),
  lastStatus: z.number().int().nullable(),
  createdAt: timestamp,
  nextAttemptAt: timestamp.nullable(),
  lastAttemptAt: timestamp.nullable(),
  deliveredAt: timestamp.nullable(),
});
export const webhookDeliveriesResponse = z.strictObject({ items: z.array(webhookDelivery), nextCursor: z.string().nullable() });
type _WebhookDeliveriesResponse = Check<Same<z.infer<typeof webhookDeliveriesResponse>, WebhookDeliveriesResponse>>;
export const replayWebhookResponse = z.strictObject({ queued: z.number().int() });
type _ReplayWebhookResponse = Check<Same<z.infer<typeof replayWebhookResponse>, ReplayWebhookResponse>>;
export const webhookSettings = z.strictObject({ unreadAfterSec: z.number().int() });
type _WebhookSettings = Check<Same<z.infer<typeof webhookSettings>, WebhookSettings>>;

// ---------------------------------------------------------------------------------------------
// Moderation
// ---------------------------------------------------------------------------------------------

export const report = z.strictObject({
  id: z.string(),
  reporterId: z.string(),
  userId: z.string(),
  messageId: z.string().nullable(),
  conversationId: z.string().nullable(),
  messageText: z.string().nullable(),
  reason: z.enum([...REPORT_REASONS, "handoff"]),
  note: z.string().max(MODERATION_LIMITS.reportNoteMaxChars).nullable(),
  status: z.enum(["open", "resolved", "dismissed"]),
  createdAt: timestamp,
  resolvedAt: timestamp.nullable(),
  resolvedBy: z.string().nullable(),
  resolution: z.string().nullable(),
});
type _Report = Check<Same<z.infer<typeof report>, Report>>;
export const reportResponse = z.strictObject({ report });
type _ReportResponse = Check<Same<z.infer<typeof reportResponse>, ReportResponse>>;
const moderationAction = z.enum([
  "moderator.add",
  "moderator.remove",
  "mute",
  "unmute",
  "ban.conversation",
  "unban.conversation",
  "ban.app",
  "unban.app",
  "slow_mode.set",
  "word_filter.set",
  "message.delete",
  "report.resolve",
  "report.dismiss",
  "message.bypass",
]);
export const auditEntry = z.strictObject({
  id: z.string(),
  action: moderationAction,
  actorUserId: z.string().nullable(),
  actorServerKey: z.string().nullable(),
  targetUserId: z.string().nullable(),
  conversationId: z.string().nullable(),
  messageId: z.string().nullable(),
  reportId: z.string().nullable(),
  reason: z.string().nullable(),
  details: z.record(z.string(), z.unknown()).nullable(),
  createdAt: timestamp,
});
type _AuditEntry = Check<Same<z.infer<typeof auditEntry>, AuditEntry>>;
export const sanctionResponse = z.strictObject({
  sanction: z.strictObject({
    kind: z.enum(["mute", "ban"]),
    userId: z.string(),
    conversationId: z.string().nullable(),
    until: timestamp.nullable(),
    reason: z.string().nullable(),
    createdAt: timestamp,
  }),
});
type _SanctionResponse = Check<Same<z.infer<typeof sanctionResponse>, SanctionResponse>>;
export const slowModeResponse = z.strictObject({ conversationId: z.string(), seconds: z.number().int() });
type _SlowModeResponse = Check<Same<z.infer<typeof slowModeResponse>, SlowModeResponse>>;
export const wordFilter = z.strictObject({
  words: z.array(z.strictObject({ word: z.string(), action: z.enum(["block", "mask"]) })),
  names: z.boolean(),
});
type _WordFilter = Check<Same<z.infer<typeof wordFilter>, WordFilter>>;
export const moderatorsResponse = z.strictObject({
  moderators: z.array(z.strictObject({ userId: z.string(), sub: z.string().nullable(), since: timestamp })),
});
type _ModeratorsResponse = Check<Same<z.infer<typeof moderatorsResponse>, ModeratorsResponse>>;
