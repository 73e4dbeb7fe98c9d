import { z } from "zod";
import type {
  ConsoleAccount,
  ConsoleApp,
  ConsoleAppCreatedResponse,
  ConsoleAppsResponse,
  ConsoleInviteInfo,
  ConsoleInviteResponse,
  ConsoleKeyCreatedResponse,
  ConsoleRecoveryCodesResponse,
  ConsoleServerKeysResponse,
  ConsoleSessionResponse,
  ConsoleSessionsResponse,
  ConsoleTotpSetupResponse,
  ConsoleWebhookDeliveryDetail,
  ConsoleWebhooksResponse,
  ConsoleWebhookTestResponse,
} from "@parley/sdk/protocol";
import { webhookDeliveriesResponse, webhookEndpointsResponse, webhookSettings } from "./host-responses.js";
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
});
type _ConsoleInviteInfo = Check<Same<z.infer<typeof consoleInviteInfo>, ConsoleInviteInfo>>;

const consoleInviteResponse = z.strictObject({ link: z.string(), expiresAt: timestamp });
type _ConsoleInviteResponse = Check<Same<z.infer<typeof consoleInviteResponse>, ConsoleInviteResponse>>;

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

/** The console's response components, by name (spread into responses.ts's registry). */
export const consoleResponseSchemas = {
  ConsoleSessionResponse: consoleSessionResponse,
  ConsoleInviteInfo: consoleInviteInfo,
  ConsoleInviteResponse: consoleInviteResponse,
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
} as const;
