import { z } from "zod";
import type { ConsoleAuditPage, ConsoleHealthResponse, ConsoleUsageResponse } from "@parley/sdk/protocol";
import { page, timestamp, type Check, type Same } from "./mirror.js";

/** The console's usage, health and audit answers (issue 32), mirrored as responses.ts explains. */

const day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/);
const count = z.number().int().min(0);

const consoleUsageResponse = z.strictObject({
  appId: z.string().nullable(),
  days: z.union([z.literal(7), z.literal(30), z.literal(90)]),
  from: day,
  to: day,
  series: z.array(
    z.strictObject({
      day,
      messages: count,
      activeUsers: count,
      peakSockets: count,
      webhooksDelivered: count,
      webhooksFailed: count,
      searches: count,
      calls: count,
      callSeconds: count,
      agentReplies: count,
      agentPromptTokens: count,
      agentCompletionTokens: count,
    }),
  ),
  months: z.array(z.strictObject({ month: z.string().regex(/^\d{4}-\d{2}$/), activeUsers: count })),
});
type _ConsoleUsageResponse = Check<Same<z.infer<typeof consoleUsageResponse>, ConsoleUsageResponse>>;

const check = z.enum(["ok", "down", "full", "pending"]);
const consoleHealthResponse = z.strictObject({
  version: z.string(),
  node: z.string(),
  checkedAt: timestamp,
  readiness: z.strictObject({
    status: z.enum(["ready", "not_ready"]),
    checks: z.strictObject({ db: check, migrations: check, redis: check.optional() }),
    reasons: z.array(z.string()).optional(),
  }),
  database: z.strictObject({
    dialect: z.enum(["sqlite", "mysql"]),
    state: z.enum(["ok", "down"]),
    latencyMs: z.number().nullable(),
    writesFailingSince: timestamp.nullable(),
  }),
  redis: z.strictObject({ state: z.enum(["ok", "down", "off"]), latencyMs: z.number().nullable() }),
  migrations: z.strictObject({ applied: count, pending: z.array(z.string()) }),
  webhooks: z.strictObject({ pending: count, pendingCapped: z.boolean(), oldestPendingAt: timestamp.nullable() }),
  nodes: z.array(z.strictObject({ node: z.string(), lastSeenAt: timestamp, self: z.boolean() })),
});
type _ConsoleHealthResponse = Check<Same<z.infer<typeof consoleHealthResponse>, ConsoleHealthResponse>>;

const consoleAuditEntry = z.strictObject({
  id: z.string(),
  at: timestamp,
  accountId: z.string(),
  accountEmail: z.string().nullable(),
  action: z.string(),
  appId: z.string().nullable(),
  target: z.string().nullable(),
  ip: z.string(),
});
const pageOfConsoleAuditEntry = page(consoleAuditEntry);
type _ConsoleAuditPage = Check<Same<z.infer<typeof pageOfConsoleAuditEntry>, ConsoleAuditPage>>;

/** Spread into responses.ts's registry. */
export const consoleUsageResponseSchemas = {
  ConsoleUsageResponse: consoleUsageResponse,
  ConsoleHealthResponse: consoleHealthResponse,
  PageOfConsoleAuditEntry: pageOfConsoleAuditEntry,
} as const;
