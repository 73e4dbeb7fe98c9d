import { z } from "zod";
import type { ConsoleAppSettings, ConsoleRotateSecretResponse, ConsoleUserDetail, ConsoleUsersResponse } from "@parley/sdk/protocol";
import { consoleResponseSchemas } from "./console-responses.js";
import { timestamp, type Check, type Same } from "./mirror.js";

/** The console's app settings and users (sdk/src/protocol/console-apps.ts), mirrored as responses.ts explains. */

const consoleApp = consoleResponseSchemas.ConsoleApp;

const consoleAppSettings = z.strictObject({
  app: consoleApp,
  groupDirectAdd: z.boolean().nullable(),
  groupMaxMembers: z.number().int().nullable(),
  presenceGroupMax: z.number().int().nullable(),
  exactEmailSearch: z.boolean(),
  voiceMaxSeconds: z.number().int().nullable(),
  filterNames: z.boolean(),
  filterWords: z.number().int(),
  linkPreviews: z.boolean(),
  previewAllow: z.array(z.string()),
  previewDeny: z.array(z.string()),
  defaults: z.strictObject({
    groupDirectAdd: z.boolean(),
    groupMaxMembers: z.number().int(),
    voiceMaxSeconds: z.number().int(),
    presenceGroupMax: z.number().int(),
  }),
  previousSecretValidUntil: timestamp.nullable(),
});
type _ConsoleAppSettings = Check<Same<z.infer<typeof consoleAppSettings>, ConsoleAppSettings>>;

const consoleRotateSecretResponse = z.strictObject({ app: consoleApp, secret: z.string(), previousSecretValidUntil: timestamp.nullable() });
type _ConsoleRotateSecretResponse = Check<Same<z.infer<typeof consoleRotateSecretResponse>, ConsoleRotateSecretResponse>>;

const consoleUserSummary = z.strictObject({
  id: z.string(),
  sub: z.string().nullable(),
  displayName: z.string(),
  email: z.string().nullable(),
  avatarUrl: z.string().nullable(),
  createdAt: timestamp,
  lastSeenAt: timestamp.nullable(),
  banned: z.boolean(),
});

const consoleUsersResponse = z.strictObject({ items: z.array(consoleUserSummary), nextCursor: z.string().nullable() });
type _ConsoleUsersResponse = Check<Same<z.infer<typeof consoleUsersResponse>, ConsoleUsersResponse>>;

const count = z.number().int().min(0);
const consoleUserDetail = z.strictObject({
  user: consoleUserSummary.extend({ bio: z.string() }),
  counts: z.strictObject({ messages: count, conversations: count, openReports: count }),
  moderation: z.strictObject({
    appBan: z.strictObject({ reason: z.string().nullable(), since: timestamp, by: z.string() }).nullable(),
    conversationBans: count,
    activeMutes: count,
  }),
});
type _ConsoleUserDetail = Check<Same<z.infer<typeof consoleUserDetail>, ConsoleUserDetail>>;

/** The components, by name (spread into responses.ts's registry). */
export const consoleAppsResponseSchemas = {
  ConsoleAppSettings: consoleAppSettings,
  ConsoleRotateSecretResponse: consoleRotateSecretResponse,
  ConsoleUsersResponse: consoleUsersResponse,
  ConsoleUserDetail: consoleUserDetail,
} as const;
