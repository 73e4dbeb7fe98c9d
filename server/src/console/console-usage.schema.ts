import { z } from "zod";
import type { ConsoleUsageDays } from "@parley/sdk/protocol";
import { pageLimit } from "../shared/schema.js";

/** `?days=7|30|90` (30 when absent): every usage read is bounded to at most 90 rows a series. */
export const usageQuery = z.object({
  days: z
    .enum(["7", "30", "90"], { error: "Choose 7, 30 or 90 days" })
    .default("30")
    .transform((d) => Number(d) as ConsoleUsageDays),
});

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})$/;

/** A real calendar date (2025-02-30 is not one), or an ISO time with its zone. */
const moment = z
  .string()
  .max(40)
  .refine((s) => (DATE.test(s) ? new Date(`${s}T00:00:00Z`).toISOString().startsWith(s) : TIME.test(s) && !Number.isNaN(Date.parse(s))), {
    message: "Enter a date (YYYY-MM-DD) or an ISO time with its zone",
  });

/** The start of `from`, in epoch ms (a date: its UTC midnight). */
export const startOf = (s: string): number => Date.parse(DATE.test(s) ? `${s}T00:00:00Z` : s);
/** Just after `to` (a date: the next UTC midnight, so the whole day is in). */
export const endAfter = (s: string): number => (DATE.test(s) ? Date.parse(`${s}T00:00:00Z`) + 86_400_000 : Date.parse(s) + 1);

const auditFilters = {
  /** An action name, exactly (`app.create`, `moderation.ban`, …). */
  action: z.string().trim().min(1, "Name an action, or leave it out").max(48),
  /** An account's e-mail, or its id. */
  account: z.string().trim().min(1, "Name an account, or leave it out").max(254),
  from: moment,
  to: moment,
};

const inOrder = (q: { from?: string | undefined; to?: string | undefined }): boolean =>
  q.from === undefined || q.to === undefined || startOf(q.from) < endAfter(q.to);
const order = { message: "The end is before the start", path: ["to"] };

/** `GET /v1/console/apps/:appId/audit`: filters and a keyset page, newest first. */
export const appAuditQuery = z
  .object({
    action: auditFilters.action.optional(),
    account: auditFilters.account.optional(),
    from: auditFilters.from.optional(),
    to: auditFilters.to.optional(),
    cursor: z.string().max(400).optional(),
    limit: pageLimit(100, 50),
  })
  .refine(inOrder, order);

/** `GET /v1/console/audit` (operators): the same, across apps, or of one (`app`). */
export const auditQuery = z
  .object({
    action: auditFilters.action.optional(),
    account: auditFilters.account.optional(),
    /** One app's entries (not `appId`: that query parameter names a chat client's app, and its origins, everywhere). */
    app: z.string().min(1).max(32).optional(),
    from: auditFilters.from.optional(),
    to: auditFilters.to.optional(),
    cursor: z.string().max(400).optional(),
    limit: pageLimit(100, 50),
  })
  .refine(inOrder, order);

export type AuditQuery = z.infer<typeof auditQuery>;
