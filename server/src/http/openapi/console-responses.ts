import { z } from "zod";
import type {
  ConsoleAccount,
  ConsoleApp,
  ConsoleAppCreatedResponse,
  ConsoleAppsResponse,
  ConsoleInviteInfo,
  ConsoleMember,
  ConsoleMembersResponse,
  ConsoleAccountSummary,
  ConsoleAccountsResponse,
  ConsoleInviteResponse,
  ConsoleKeyCreatedResponse,
  ConsoleRecoveryCodesResponse,
  ConsoleReportDetail,
  ConsoleSanctionResponse,
  ConsoleSanctionsResponse,
  ConsoleWordFilterTestResponse,
  ConsoleServerKeysResponse,
  ConsoleSessionResponse,
  ConsoleSessionsResponse,
  ConsoleTotpSetupResponse,
  ConsoleWebhookDeliveryDetail,
  ConsoleWebhooksResponse,
  ConsoleWebhookTestResponse,
  Message,
} from "@parley/sdk/protocol";
import { report, sanctionResponse, webhookDeliveriesResponse, webhookEndpointsResponse, webhookSettings } from "./host-responses.js";
import { timestamp, type Check, type Same } from "./mirror.js";

/** The console's answers (issue 32), mirrored as responses.ts explains. */

const appRole = z.enum(["viewer", "moderator", "admin", "owner"]);
const anyRole = z.enum(["viewer", "moderator", "admin", "owner", "operator"]);

const consoleAccount = z.strictObject({
  id: z.string(),
  email: z.string(),
  operator: z.boolean(),
  totpEnabled: z.boolean(),
  totpRequired: z.boolean(),
  roles: z.array(z.strictObject({ appId: z.string(), role: appRole })),
});
type _ConsoleAccount = Check<Same<z.infer<typeof consoleAccount>, ConsoleAccount>>;

const consoleSessionResponse = z.strictObject({ account: consoleAccount, csrfToken: z.string(), totpEnrolmentRequired: z.boolean() });
type _ConsoleSessionResponse = Check<Same<z.infer<typeof consoleSessionResponse>, ConsoleSessionResponse>>;

const consoleInviteInfo = z.strictObject({
  email: z.string(),
  role: anyRole,
  appId: z.string().nullable(),
  appName: z.string().nullable(),
  expiresAt: timestamp,
  accountExists: z.boolean().describe("The e-mail has a console account: it signs in and accepts instead of signing up"),
});
type _ConsoleInviteInfo = Check<Same<z.infer<typeof consoleInviteInfo>, ConsoleInviteInfo>>;

const consoleInviteResponse = z.strictObject({ link: z.string(), expiresAt: timestamp });
type _ConsoleInviteResponse = Check<Same<z.infer<typeof consoleInviteResponse>, ConsoleInviteResponse>>;

const consoleMember = z.strictObject({
  accountId: z.string(),
  email: z.string(),
  role: appRole,
  totpEnabled: z.boolean(),
  you: z.boolean().describe("The account asking"),
});
type _ConsoleMember = Check<Same<z.infer<typeof consoleMember>, ConsoleMember>>;

const consoleMembersResponse = z.strictObject({
  items: z.array(consoleMember),
  invites: z.array(
    z.strictObject({
      id: z.string(),
      email: z.string(),
      role: appRole,
      invitedBy: z.string().nullable().describe("The inviting account's e-mail; null for the CLI or an account since deleted"),
      createdAt: timestamp,
      expiresAt: timestamp,
    }),
  ),
});
type _ConsoleMembersResponse = Check<Same<z.infer<typeof consoleMembersResponse>, ConsoleMembersResponse>>;

const consoleAccountSummary = z.strictObject({
  id: z.string(),
  email: z.string(),
  operator: z.boolean(),
  totpEnabled: z.boolean(),
  createdAt: timestamp,
  roles: z.array(z.strictObject({ appId: z.string(), appName: z.string(), role: appRole })).describe("Its roles on apps, by app name"),
  you: z.boolean().describe("The account asking"),
});
type _ConsoleAccountSummary = Check<Same<z.infer<typeof consoleAccountSummary>, ConsoleAccountSummary>>;

const consoleAccountsResponse = z.strictObject({ items: z.array(consoleAccountSummary), nextCursor: z.string().nullable() });
type _ConsoleAccountsResponse = Check<Same<z.infer<typeof consoleAccountsResponse>, ConsoleAccountsResponse>>;

const consoleTotpSetupResponse = z.strictObject({ secret: z.string(), uri: z.string() });
type _ConsoleTotpSetupResponse = Check<Same<z.infer<typeof consoleTotpSetupResponse>, ConsoleTotpSetupResponse>>;

const consoleRecoveryCodesResponse = z.strictObject({ recoveryCodes: z.array(z.string()) });
type _ConsoleRecoveryCodesResponse = Check<Same<z.infer<typeof consoleRecoveryCodesResponse>, ConsoleRecoveryCodesResponse>>;

const consoleSessionsResponse = z.strictObject({
  items: z.array(
    z.strictObject({
      id: z.string(),
      createdAt: timestamp,
      lastSeenAt: timestamp,
      expiresAt: timestamp,
      ip: z.string(),
      userAgent: z.string(),
      current: z.boolean(),
    }),
  ),
});
type _ConsoleSessionsResponse = Check<Same<z.infer<typeof consoleSessionsResponse>, ConsoleSessionsResponse>>;

const consoleApp = z.strictObject({
  id: z.string(),
  name: z.string(),
  allowedOrigins: z.array(z.string()),
  disabled: z.boolean(),
  createdAt: timestamp,
  role: anyRole,
});
type _ConsoleApp = Check<Same<z.infer<typeof consoleApp>, ConsoleApp>>;

const consoleAppsResponse = z.strictObject({ items: z.array(consoleApp) });
type _ConsoleAppsResponse = Check<Same<z.infer<typeof consoleAppsResponse>, ConsoleAppsResponse>>;

const consoleAppCreatedResponse = z.strictObject({ app: consoleApp, secret: z.string() });
type _ConsoleAppCreatedResponse = Check<Same<z.infer<typeof consoleAppCreatedResponse>, ConsoleAppCreatedResponse>>;

const consoleServerKey = z.strictObject({ id: z.string(), name: z.string().nullable(), createdAt: timestamp, revokedAt: timestamp.nullable() });
const consoleServerKeysResponse = z.strictObject({ items: z.array(consoleServerKey) });
type _ConsoleServerKeysResponse = Check<Same<z.infer<typeof consoleServerKeysResponse>, ConsoleServerKeysResponse>>;

const consoleKeyCreatedResponse = z.strictObject({ key: consoleServerKey, secret: z.string() });
type _ConsoleKeyCreatedResponse = Check<Same<z.infer<typeof consoleKeyCreatedResponse>, ConsoleKeyCreatedResponse>>;

// Webhooks: the server API's shapes (host-responses.ts), gathered for the console's pages.
const consoleWebhooksResponse = z.strictObject({ endpoints: webhookEndpointsResponse.shape.endpoints, settings: webhookSettings });
type _ConsoleWebhooksResponse = Check<Same<z.infer<typeof consoleWebhooksResponse>, ConsoleWebhooksResponse>>;

const consoleWebhookDeliveryDetail = z.strictObject({
  delivery: webhookDeliveriesResponse.shape.items.element,
  request: z.strictObject({ url: z.string(), body: z.unknown() }),
  response: z.strictObject({ status: z.number().int().nullable(), error: z.string().nullable(), at: timestamp.nullable() }),
});
type _ConsoleWebhookDeliveryDetail = Check<Same<z.infer<typeof consoleWebhookDeliveryDetail>, ConsoleWebhookDeliveryDetail>>;

const consoleWebhookTestResponse = z.strictObject({ deliveryId: z.string() });
type _ConsoleWebhookTestResponse = Check<Same<z.infer<typeof consoleWebhookTestResponse>, ConsoleWebhookTestResponse>>;

// Moderation: the server API's report and sanction (host-responses.ts). The message is the chat
// API's Message, written out again here: its schema lives in responses.ts, which imports this file
// (a cycle otherwise); the Check keeps the two equal.
const contextMessage = z.strictObject({
  id: z.string(),
  conversationId: z.string(),
  senderId: z.string().nullable(),
  text: z.string().nullable(),
  attachments: z.array(
    z.strictObject({
      id: z.string(),
      name: z.string(),
      mime: z.string(),
      size: z.number().int(),
      width: z.number().int().nullable(),
      height: z.number().int().nullable(),
      url: z.string(),
    }),
  ),
  replyToId: z.string().nullable(),
  clientMessageId: z.string().nullable(),
  reactions: z.array(z.strictObject({ emoji: z.string(), count: z.number().int(), mine: z.boolean() })),
  createdAt: timestamp,
  editedAt: timestamp.nullable(),
  deletedAt: timestamp.nullable(),
  data: z.record(z.string(), z.unknown()).optional(),
  threadId: z.string().optional(),
  thread: z.strictObject({ replyCount: z.number().int(), lastReplyAt: timestamp }).optional(),
  mentions: z.array(z.string()).optional(),
});
type _ContextMessage = Check<Same<z.infer<typeof contextMessage>, Message>>;

const consoleReportDetail = z.strictObject({
  report,
  message: contextMessage.nullable(),
  before: z.array(contextMessage),
  after: z.array(contextMessage),
});
type _ConsoleReportDetail = Check<Same<z.infer<typeof consoleReportDetail>, ConsoleReportDetail>>;

const sanction = sanctionResponse.shape.sanction;
const consoleSanctionResponse = z.strictObject({ sanction, report: report.nullable() });
type _ConsoleSanctionResponse = Check<Same<z.infer<typeof consoleSanctionResponse>, ConsoleSanctionResponse>>;

const consoleSanctionsResponse = z.strictObject({
  items: z.array(sanction.extend({ id: z.string(), by: z.string() })),
  nextCursor: z.string().nullable(),
});
type _ConsoleSanctionsResponse = Check<Same<z.infer<typeof consoleSanctionsResponse>, ConsoleSanctionsResponse>>;

const consoleWordFilterTestResponse = z.strictObject({
  blocked: z.array(z.string()).describe("The blocked words found (lower-cased): a send would be refused"),
  text: z.string().describe("The text as it would be stored: masked words as asterisks"),
});
type _ConsoleWordFilterTestResponse = Check<Same<z.infer<typeof consoleWordFilterTestResponse>, ConsoleWordFilterTestResponse>>;

/** The console's response components, by name (spread into responses.ts's registry). */
export const consoleResponseSchemas = {
  ConsoleSessionResponse: consoleSessionResponse,
  ConsoleInviteInfo: consoleInviteInfo,
  ConsoleInviteResponse: consoleInviteResponse,
  ConsoleMember: consoleMember,
  ConsoleMembersResponse: consoleMembersResponse,
  ConsoleAccountSummary: consoleAccountSummary,
  ConsoleAccountsResponse: consoleAccountsResponse,
  ConsoleTotpSetupResponse: consoleTotpSetupResponse,
  ConsoleRecoveryCodesResponse: consoleRecoveryCodesResponse,
  ConsoleSessionsResponse: consoleSessionsResponse,
  ConsoleApp: consoleApp,
  ConsoleAppsResponse: consoleAppsResponse,
  ConsoleAppCreatedResponse: consoleAppCreatedResponse,
  ConsoleServerKeysResponse: consoleServerKeysResponse,
  ConsoleKeyCreatedResponse: consoleKeyCreatedResponse,
  ConsoleWebhooksResponse: consoleWebhooksResponse,
  ConsoleWebhookDeliveryDetail: consoleWebhookDeliveryDetail,
  ConsoleWebhookTestResponse: consoleWebhookTestResponse,
  ConsoleReportDetail: consoleReportDetail,
  ConsoleSanctionResponse: consoleSanctionResponse,
  ConsoleSanctionsResponse: consoleSanctionsResponse,
  ConsoleWordFilterTestResponse: consoleWordFilterTestResponse,
} as const;
