import type { DataSource } from "typeorm";
import type { ConsoleAuditEntry, ConsoleAuditPage, ConsoleHealthResponse, ConsoleUsageDays, ConsoleUsageResponse } from "@parley/sdk/protocol";
import { timeCursor } from "../moderation/moderation.schema.js";
import { decodeCursor, encodeCursor } from "../shared/cursor.js";
import { normalizeEmail } from "../users/email.js";
import type { UsageService } from "../usage/usage.service.js";
import type { ConsoleAccess } from "./access.js";
import type { ConsoleCaller } from "./caller.js";
import { endAfter, startOf, type AuditQuery } from "./console-usage.schema.js";

/** The server's health as an operator sees it (ops/console-health.ts, plugged in by the composition root). */
export interface HealthSource {
  report(): Promise<ConsoleHealthResponse>;
}

export interface ConsoleUsageDeps {
  db: DataSource;
  access: ConsoleAccess;
  usage: Pick<UsageService, "report">;
  health: HealthSource;
}

type Row = Record<string, unknown>;

/**
 * The console's usage charts, the server's health and the console audit log (issue 32).
 * Usage and the audit log of an app: anyone who may read it (viewers, admins, owners,
 * operators); of every app together, and health: operators. Each read is a fixed number of
 * bounded queries: the usage rollup's rows of at most 90 days, one keyset page of the audit log.
 */
export class ConsoleUsage {
  constructor(private readonly deps: ConsoleUsageDeps) {}

  async appUsage(c: ConsoleCaller, appId: string, days: ConsoleUsageDays): Promise<ConsoleUsageResponse> {
    const app = await this.deps.access.appFor(c, appId, "read");
    return this.deps.usage.report(app.id, days);
  }

  async allUsage(c: ConsoleCaller, days: ConsoleUsageDays): Promise<ConsoleUsageResponse> {
    this.deps.access.operator(c);
    return this.deps.usage.report(null, days);
  }

  async health(c: ConsoleCaller): Promise<ConsoleHealthResponse> {
    this.deps.access.operator(c);
    return this.deps.health.report();
  }

  async appAudit(c: ConsoleCaller, appId: string, q: Omit<AuditQuery, "app">): Promise<ConsoleAuditPage> {
    const app = await this.deps.access.appFor(c, appId, "read");
    return this.audit({ ...q, app: app.id });
  }

  async allAudit(c: ConsoleCaller, q: AuditQuery): Promise<ConsoleAuditPage> {
    this.deps.access.operator(c);
    return this.audit(q);
  }

  /**
   * A page of console_audit, newest first (at, then id), keyset-paged: one query along one of its
   * (…, at, id) indexes (by app, account, action, or all), and one more to find an account named
   * by its e-mail.
   */
  private async audit(q: AuditQuery): Promise<ConsoleAuditPage> {
    const after = decodeCursor(timeCursor, q.cursor);
    const where: string[] = [];
    const params: unknown[] = [];
    const add = (sql: string, ...values: unknown[]): void => {
      where.push(sql);
      params.push(...values);
    };
    if (q.app !== undefined) add("a.appId = ?", q.app);
    if (q.account !== undefined) {
      const accountId = q.account.includes("@") ? await this.accountByEmail(q.account) : q.account;
      if (accountId === null) return { items: [], nextCursor: null };
      add("a.accountId = ?", accountId);
    }
    if (q.action !== undefined) add("a.action = ?", q.action);
    if (q.from !== undefined) add("a.at >= ?", startOf(q.from));
    if (q.to !== undefined) add("a.at < ?", endAfter(q.to));
    if (after) add("(a.at < ? OR (a.at = ? AND a.id < ?))", after.t, after.t, after.i);
    const rows: Row[] = await this.deps.db.query(
      `SELECT a.id, a.at, a.accountId, ac.email AS accountEmail, a.action, a.appId, a.target, a.ip
         FROM console_audit a LEFT JOIN console_accounts ac ON ac.id = a.accountId
        ${where.length ? `WHERE ${where.join(" AND ")}` : ""}
        ORDER BY a.at DESC, a.id DESC LIMIT ?`,
      [...params, q.limit + 1],
    );
    const items = rows.slice(0, q.limit).map(
      (r): ConsoleAuditEntry => ({
        id: String(r["id"]),
        at: new Date(Number(r["at"])).toISOString(),
        accountId: String(r["accountId"]),
        accountEmail: r["accountEmail"] == null ? null : String(r["accountEmail"]),
        action: String(r["action"]),
        appId: r["appId"] == null ? null : String(r["appId"]),
        target: r["target"] == null ? null : String(r["target"]),
        ip: String(r["ip"]),
      }),
    );
    const last = items[items.length - 1];
    return { items, nextCursor: rows.length > q.limit && last ? encodeCursor({ t: Date.parse(last.at), i: last.id }) : null };
  }

  private async accountByEmail(email: string): Promise<string | null> {
    const rows: { id: string }[] = await this.deps.db.query("SELECT id FROM console_accounts WHERE email = ?", [normalizeEmail(email)]);
    return rows[0]?.id ?? null;
  }
}
