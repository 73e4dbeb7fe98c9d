import type { DataSource, Repository } from "typeorm";
import type { ServerCaller } from "../shared/caller.js";
import { AppError, notFound } from "../shared/errors.js";
import { canExist, newId } from "../shared/ids.js";
import type { AppEntity } from "../tenancy/app.entity.js";
import type { AppsService } from "../tenancy/apps.service.js";
import { roleOn, totpRequired, type ConsoleCaller } from "./caller.js";
import { ConsoleAuditEntity } from "./console.entities.js";
import { allow, type Capability } from "./roles.js";

/**
 * What every console service checks and records: the caller's role on an app, the second factor
 * where one is required, and the audit row of each change. The console's services (accounts and
 * apps, moderation, usage, users, …) each take one of these, so none of them repeats the rules.
 */
export class ConsoleAccess {
  private readonly audit: Repository<ConsoleAuditEntity>;

  constructor(private readonly deps: { db: DataSource; apps: Pick<AppsService, "findAny"> }) {
    this.audit = deps.db.getRepository(ConsoleAuditEntity);
  }

  /** Everything but the enrolment waits for a second factor where one is required. */
  ready(c: ConsoleCaller): void {
    if (!c.account.totpSecret && totpRequired(c.account, c.roles))
      throw new AppError("forbidden", "Turn on two-factor sign-in first", { reason: "totp_enrolment_required" });
  }

  /**
   * The app, if the caller's role on it allows `what` (else the 404 of a missing app, or a 403).
   * `anyRole`: any role on the app will do (reading the app itself).
   */
  async appFor(c: ConsoleCaller, appId: string, what: Capability, anyRole = false): Promise<AppEntity> {
    this.ready(c);
    const role = canExist(appId) ? roleOn(c, appId) : null;
    if (!anyRole || role === null) allow(role, what);
    const app = await this.deps.apps.findAny(appId);
    if (!app) throw notFound("App");
    return app;
  }

  /** Operators only (every app, the server's health, console accounts). */
  operator(c: ConsoleCaller): void {
    this.ready(c);
    if (!c.account.operator) throw new AppError("forbidden", "Only operators may do this", { reason: "role" });
  }

  /**
   * The webhooks and moderation services act for a server caller: the app, and in place of a key
   * id the console account (webhooks read only `appId`; moderation stores it as who acted).
   */
  actingAs(c: ConsoleCaller, app: AppEntity): ServerCaller {
    return { appId: app.id, server: `console:${c.account.id}` };
  }

  /** One audit row: who (the caller), what, on which app and target, when, from where. */
  async record(c: ConsoleCaller | { accountId: string; ip: string }, action: string, appId: string | null, target: string | null): Promise<void> {
    const [accountId, ip] = "account" in c ? [c.account.id, c.client.ip] : [c.accountId, c.ip];
    await this.audit.insert({ id: newId("cau", 20), accountId, action, appId, target, at: Date.now(), ip: ip.slice(0, 64) });
  }
}

/** An audit row's target: the id, and why (cut to the column). */
export const auditTarget = (id: string, why: string | undefined): string => (why ? `${id} ${why}` : id).slice(0, 128);
