import { randomBytes } from "node:crypto";
import type {
  ConsoleApp,
  ConsoleAppCreatedResponse,
  ConsoleAppRole,
  ConsoleKeyCreatedResponse,
  ConsoleRecoveryCodesResponse,
  ConsoleServerKey,
  ConsoleSessionResponse,
  ConsoleSessionsResponse,
  ConsoleTotpSetupResponse,
  ConsoleWebhookDeliveryDetail,
  ConsoleWebhooksResponse,
  ConsoleWebhookTestResponse,
  ReplayWebhookRequest,
  WebhookDeliveriesResponse,
  WebhookEndpointResponse,
  WebhookSettings,
} from "@parley/sdk/protocol";
import { type DataSource, type Repository } from "typeorm";
import type { PasswordHasher } from "../auth/passwords.js";
import { sha256 } from "../auth/tokens.js";
import type { ServerKeysService } from "../server-api/server-keys.service.js";
import { AppError, notFound } from "../shared/errors.js";
import { canExist, newId } from "../shared/ids.js";
import type { AppEntity } from "../tenancy/app.entity.js";
import type { AppsService } from "../tenancy/apps.service.js";
import type { CreateWebhookInput, DeliveriesQuery } from "../webhooks/webhooks.schema.js";
import type { WebhooksService } from "../webhooks/webhooks.service.js";
import { roleOn, totpRequired, type ConsoleCaller } from "./caller.js";
import { ConsoleAccountEntity, ConsoleRoleEntity } from "./console.entities.js";
import type { SignInInput, SignUpInput } from "./console.schema.js";
import type { ConsoleAccess } from "./access.js";
import type { ConsoleMembers } from "./console-members.service.js";
import type { Client, ConsoleSessions } from "./sessions.js";
import { newTotpSecret, totpStep } from "./totp.js";

const RECOVERY_CODES = 10;

export interface ConsoleDeps {
  db: DataSource;
  sessions: ConsoleSessions;
  passwords: PasswordHasher;
  apps: AppsService;
  serverKeys: ServerKeysService;
  webhooks: Pick<WebhooksService, "list" | "settingsOf" | "create" | "remove" | "setSettings" | "deliveriesPage" | "delivery" | "replay" | "queueTest">;
  access: ConsoleAccess;
  /** Invitations and roles (console-members.service.ts). */
  members: Pick<ConsoleMembers, "inviteInfo" | "claim" | "grant" | "accept">;
}

/** A session just begun: the cookie's token and what the console is told. */
export interface Started {
  token: string;
  answer: ConsoleSessionResponse;
}

const iso = (ms: number): string => new Date(ms).toISOString();
/** A recovery code's shape (eight hex digits, a hyphen, eight more); anything else is a TOTP code. */
const RECOVERY_CODE = /^[0-9a-f]{8}-[0-9a-f]{8}$/i;

const wrongCode = (): AppError =>
  new AppError("invalid_credentials", "That code is not valid; use the current one from your authenticator app", { reason: "invalid_code" });

/**
 * The console's accounts and what they do (issue 32): sign-up links, sign-in with a second
 * factor, sessions, and the apps, keys and webhooks they manage by role. Writes console_accounts
 * and console_audit; invitations and roles through ConsoleMembers (console-members.service.ts);
 * apps, keys and webhooks through their owners' services. Viewers, admins and owners read an app's keys and webhooks; admins and owners change
 * them; moderators see neither (roles.ts). Moderators, admins and owners work the report queue and
 * mute, ban and delete through the moderation service, acting as `console:<account id>`; they read
 * message text only in a report's context. Every change is one audit row.
 */
export class ConsoleService {
  private readonly accounts: Repository<ConsoleAccountEntity>;
  private readonly roles: Repository<ConsoleRoleEntity>;

  constructor(private readonly deps: ConsoleDeps) {
    this.accounts = deps.db.getRepository(ConsoleAccountEntity);
    this.roles = deps.db.getRepository(ConsoleRoleEntity);
  }

  // --- Signing in ------------------------------------------------------------------------------

  /** The caller behind a session cookie's token, or null (no such session, or it ended). */
  async callerOf(token: string, client: Client): Promise<ConsoleCaller | null> {
    const session = await this.deps.sessions.find(token);
    if (!session) return null;
    const account = await this.accounts.findOneBy({ id: session.accountId });
    if (!account) return null;
    return { account, session, roles: await this.rolesOf(account.id), client };
  }

  /** Calls `fn` with the ids of console sessions that end (signed out, ended from the list, replaced). */
  onSessionsEnded(fn: (ids: string[]) => void): () => void {
    return this.deps.sessions.onEnded(fn);
  }

  /** When a session lapses unless used again, or null once it has ended (console-feed.ts closes its sockets then). */
  sessionDeadline(id: string): Promise<number | null> {
    return this.deps.sessions.deadline(id);
  }

  /** What the account may hear in the console feed, read now: its operator flag and roles (console-feed.ts). */
  /** An account's operator flag and roles, and whether it lacks a second factor it must have (every route then answers 403). */
  async standing(accountId: string): Promise<{ operator: boolean; roles: Map<string, ConsoleAppRole>; secondFactorMissing: boolean }> {
    const account = await this.accounts.findOne({ where: { id: accountId }, select: { id: true, operator: true, totpSecret: true } });
    const roles: Map<string, ConsoleAppRole> = account ? await this.rolesOf(accountId) : new Map();
    return { operator: account?.operator ?? false, roles, secondFactorMissing: account ? !account.totpSecret && totpRequired(account, roles) : false };
  }

  checkCsrf(c: ConsoleCaller, given: string): boolean {
    return this.deps.sessions.checkCsrf(c.session, given);
  }

  /** A sign-up link's account is made with its password, and signed in (TOTP enrolment next, where required). */
  async signUp(input: SignUpInput, client: Client): Promise<Started> {
    const taken = () => new AppError("email_taken", "A console account with this e-mail exists: sign in, then accept the invitation");
    const { email } = await this.deps.members.inviteInfo(input.token);
    if (await this.accounts.existsBy({ email })) throw taken();
    // Claimed first (one use, even under a double submit), then the account.
    const { invite, release } = await this.deps.members.claim(input.token);
    const account = this.accounts.create({
      id: newId("cac", 20),
      email: invite.email,
      passwordHash: await this.deps.passwords.hash(input.password),
      operator: invite.role === "operator",
      totpSecret: null,
      totpPending: null,
      totpLastStep: 0,
      recoveryCodes: null,
      createdAt: Date.now(),
    });
    try {
      await this.accounts.insert(account);
    } catch (err) {
      await release();
      if (await this.accounts.existsBy({ email: invite.email })) throw taken();
      throw err;
    }
    try {
      await this.deps.members.grant(account.id, invite);
    } catch (err) {
      // No account without the role it was invited to: both go, and the link works again.
      await this.accounts.delete({ id: account.id });
      await release();
      throw err;
    }
    await this.deps.access.record({ accountId: account.id, ip: client.ip }, "account.signed_up", invite.appId, invite.role);
    return this.begin(account, client);
  }

  /** A signed-in account takes up an invitation to its e-mail (console-members.service.ts); the session, with it. */
  async acceptInvite(c: ConsoleCaller, token: string): Promise<ConsoleSessionResponse> {
    this.deps.access.ready(c);
    await this.deps.members.accept(c, token);
    const account = (await this.accounts.findOneBy({ id: c.account.id })) ?? c.account;
    return this.answer(account, await this.rolesOf(account.id), this.deps.sessions.csrfOf(c.session));
  }

  /**
   * Password, then (once enrolled) the TOTP code or a recovery code. Every failure is the same
   * `invalid_credentials`; a missing code says so (`details.reason: totp_required`) only after the
   * password was right.
   */
  async signIn(input: SignInInput, client: Client): Promise<Started> {
    const account = await this.accounts.findOneBy({ email: input.email });
    const ok = await this.deps.passwords.verify(input.password, account?.passwordHash ?? null);
    if (!account) throw new AppError("invalid_credentials", "Wrong e-mail or password");
    const who = { accountId: account.id, ip: client.ip };
    // A known account's failed attempts are audited with what failed (an unknown e-mail has no
    // account to file them under; the per-IP and per-e-mail limits bound those).
    if (!ok) {
      await this.deps.access.record(who, "session.sign_in_failed", null, "password");
      throw new AppError("invalid_credentials", "Wrong e-mail or password");
    }
    if (account.totpSecret) {
      // The first step of a two-step sign-in: asked for the code, not a failure.
      if (!input.code) throw new AppError("invalid_credentials", "Enter the code from your authenticator app", { reason: "totp_required" });
      if (!(await this.passSecondFactor(account, input.code))) {
        await this.deps.access.record(who, "session.sign_in_failed", null, RECOVERY_CODE.test(input.code) ? "recovery_code" : "code");
        throw wrongCode();
      }
    }
    await this.deps.access.record(who, "session.signed_in", null, null);
    return this.begin(account, client);
  }

  async me(c: ConsoleCaller): Promise<ConsoleSessionResponse> {
    return this.answer(c.account, c.roles, this.deps.sessions.csrfOf(c.session));
  }

  async signOut(c: ConsoleCaller): Promise<void> {
    await this.deps.sessions.end(c.account.id, c.session.id);
    await this.deps.access.record(c, "session.signed_out", null, null);
  }

  async sessions(c: ConsoleCaller): Promise<ConsoleSessionsResponse> {
    const rows = await this.deps.sessions.list(c.account.id);
    return {
      items: rows.map((s) => ({
        id: s.id,
        createdAt: iso(s.createdAt),
        lastSeenAt: iso(s.lastSeenAt),
        expiresAt: iso(s.expiresAt),
        ip: s.ip,
        userAgent: s.userAgent,
        current: s.id === c.session.id,
      })),
    };
  }

  async endSession(c: ConsoleCaller, id: string): Promise<void> {
    if (!canExist(id) || !(await this.deps.sessions.end(c.account.id, id))) throw notFound("Session");
    await this.deps.access.record(c, "session.ended", null, id);
  }

  // --- Second factor ---------------------------------------------------------------------------

  /** A new secret to enrol; it replaces any earlier offer, and takes effect with its first code. */
  async totpSetup(c: ConsoleCaller): Promise<ConsoleTotpSetupResponse> {
    if (c.account.totpSecret) throw new AppError("conflict", "Two-factor sign-in is already on: turn it off first to enrol another device");
    const offer = newTotpSecret(c.account.email);
    await this.accounts.update({ id: c.account.id }, { totpPending: offer.secret });
    return offer;
  }

  /** The offered secret's first code turns TOTP on: ten recovery codes, shown once; the account's other sessions end. */
  async totpEnable(c: ConsoleCaller, code: string): Promise<ConsoleRecoveryCodesResponse> {
    const account = c.account;
    if (account.totpSecret) throw new AppError("conflict", "Two-factor sign-in is already on");
    if (!account.totpPending) throw new AppError("conflict", "Start the set-up first (POST /v1/console/me/totp/setup)");
    const step = totpStep(account.totpPending, code);
    if (step === null) throw wrongCode();
    const recoveryCodes = Array.from({ length: RECOVERY_CODES }, () => {
      const s = randomBytes(8).toString("hex");
      return `${s.slice(0, 8)}-${s.slice(8)}`;
    });
    await this.accounts.update(
      { id: account.id },
      { totpSecret: account.totpPending, totpPending: null, totpLastStep: step, recoveryCodes: JSON.stringify(recoveryCodes.map(sha256)) },
    );
    await this.deps.sessions.endOthers(account.id, c.session.id);
    await this.deps.access.record(c, "totp.enabled", null, null);
    return { recoveryCodes };
  }

  /** Off, with a current code; refused to operators and owners, who must keep it. */
  async totpDisable(c: ConsoleCaller, code: string): Promise<void> {
    if (totpRequired(c.account, c.roles)) throw new AppError("forbidden", "Operators and owners must keep two-factor sign-in on", { reason: "totp_required" });
    if (!c.account.totpSecret) return;
    if (!(await this.passSecondFactor(c.account, code))) throw wrongCode();
    await this.accounts.update({ id: c.account.id }, { totpSecret: null, totpPending: null, recoveryCodes: null });
    await this.deps.access.record(c, "totp.disabled", null, null);
  }

  // --- Apps and keys ---------------------------------------------------------------------------

  /** Every app for an operator; the apps the caller has a role on otherwise. */
  async apps(c: ConsoleCaller): Promise<{ items: ConsoleApp[] }> {
    this.deps.access.ready(c);
    const apps = await this.deps.apps.list();
    return { items: apps.flatMap((a) => (roleOn(c, a.id) ? [this.present(c, a)] : [])) };
  }

  async app(c: ConsoleCaller, appId: string): Promise<ConsoleApp> {
    return this.present(c, await this.deps.access.appFor(c, appId, "read", true));
  }

  async createApp(c: ConsoleCaller, input: { name: string; allowedOrigins: string[] }): Promise<ConsoleAppCreatedResponse> {
    this.deps.access.ready(c);
    if (!c.account.operator) throw new AppError("forbidden", "Only operators create apps", { reason: "role" });
    const app = await this.deps.apps.create(input);
    await this.deps.access.record(c, "app.created", app.id, app.name.slice(0, 128));
    return { app: this.present(c, app), secret: app.secret };
  }

  async keys(c: ConsoleCaller, appId: string): Promise<{ items: ConsoleServerKey[] }> {
    const app = await this.deps.access.appFor(c, appId, "read");
    return { items: (await this.deps.serverKeys.list(app.id)).map(presentKey) };
  }

  async createKey(c: ConsoleCaller, appId: string, name: string | undefined): Promise<ConsoleKeyCreatedResponse> {
    const app = await this.deps.access.appFor(c, appId, "configure");
    const key = await this.deps.serverKeys.create(app.id, name ?? null);
    await this.deps.access.record(c, "key.created", app.id, key.id);
    return { key: presentKey(key), secret: key.secret };
  }

  async revokeKey(c: ConsoleCaller, appId: string, keyId: string): Promise<void> {
    const app = await this.deps.access.appFor(c, appId, "configure");
    if (!(await this.deps.serverKeys.revoke(app.id, keyId))) throw notFound("Key");
    await this.deps.access.record(c, "key.revoked", app.id, keyId);
  }

  // --- Webhooks --------------------------------------------------------------------------------

  async webhooks(c: ConsoleCaller, appId: string): Promise<ConsoleWebhooksResponse> {
    const hooks = this.deps.access.actingAs(c, await this.deps.access.appFor(c, appId, "read"));
    const [endpoints, settings] = await Promise.all([this.deps.webhooks.list(hooks), this.deps.webhooks.settingsOf(hooks)]);
    return { endpoints, settings };
  }

  async createWebhook(c: ConsoleCaller, appId: string, input: CreateWebhookInput): Promise<WebhookEndpointResponse> {
    const app = await this.deps.access.appFor(c, appId, "configure");
    const endpoint = await this.deps.webhooks.create(this.deps.access.actingAs(c, app), input);
    await this.deps.access.record(c, "webhook.created", app.id, endpoint.id);
    return { endpoint };
  }

  async removeWebhook(c: ConsoleCaller, appId: string, webhookId: string): Promise<void> {
    const app = await this.deps.access.appFor(c, appId, "configure");
    await this.deps.webhooks.remove(this.deps.access.actingAs(c, app), webhookId);
    await this.deps.access.record(c, "webhook.removed", app.id, webhookId);
  }

  async setWebhookSettings(c: ConsoleCaller, appId: string, input: WebhookSettings): Promise<WebhookSettings> {
    const app = await this.deps.access.appFor(c, appId, "configure");
    const saved = await this.deps.webhooks.setSettings(this.deps.access.actingAs(c, app), input);
    await this.deps.access.record(c, "webhook.settings", app.id, `unreadAfterSec=${saved.unreadAfterSec}`);
    return saved;
  }

  async webhookDeliveries(c: ConsoleCaller, appId: string, webhookId: string, q: DeliveriesQuery): Promise<WebhookDeliveriesResponse> {
    const app = await this.deps.access.appFor(c, appId, "read");
    return this.deps.webhooks.deliveriesPage(this.deps.access.actingAs(c, app), webhookId, q);
  }

  async webhookDelivery(c: ConsoleCaller, appId: string, webhookId: string, deliveryId: string): Promise<ConsoleWebhookDeliveryDetail> {
    const app = await this.deps.access.appFor(c, appId, "read");
    return this.deps.webhooks.delivery(this.deps.access.actingAs(c, app), webhookId, deliveryId);
  }

  /** Queues again every subscribed event from `fromSeq` on (as the server API's replay). */
  async replayWebhook(c: ConsoleCaller, appId: string, webhookId: string, input: ReplayWebhookRequest): Promise<{ queued: number }> {
    const app = await this.deps.access.appFor(c, appId, "configure");
    const queued = await this.deps.webhooks.replay(this.deps.access.actingAs(c, app), webhookId, input.fromSeq);
    await this.deps.access.record(c, "webhook.replayed", app.id, `${webhookId} from ${input.fromSeq}`.slice(0, 128));
    return { queued };
  }

  /** "Send a test event": a `webhook.test` delivery to this endpoint. */
  async testWebhook(c: ConsoleCaller, appId: string, webhookId: string): Promise<ConsoleWebhookTestResponse> {
    const app = await this.deps.access.appFor(c, appId, "configure");
    const deliveryId = await this.deps.webhooks.queueTest(this.deps.access.actingAs(c, app), webhookId);
    await this.deps.access.record(c, "webhook.tested", app.id, webhookId);
    return { deliveryId };
  }

  // --- Parts -----------------------------------------------------------------------------------

  private present(c: ConsoleCaller, a: AppEntity): ConsoleApp {
    return {
      id: a.id,
      name: a.name,
      allowedOrigins: a.allowedOrigins,
      disabled: a.disabledAt != null,
      createdAt: iso(a.createdAt),
      role: roleOn(c, a.id)!,
    };
  }

  private async passSecondFactor(account: ConsoleAccountEntity, code: string): Promise<boolean> {
    if (RECOVERY_CODE.test(code)) {
      const left: string[] = JSON.parse(account.recoveryCodes ?? "[]");
      const hash = sha256(code.toLowerCase());
      if (!left.includes(hash)) return false;
      // Used once: the update only succeeds against the list it read.
      const r = await this.accounts.update(
        { id: account.id, recoveryCodes: account.recoveryCodes! },
        { recoveryCodes: JSON.stringify(left.filter((h) => h !== hash)) },
      );
      return (r.affected ?? 0) > 0;
    }
    const step = totpStep(account.totpSecret!, code);
    // A step is accepted once, and the marker only moves forward: a replayed code, a second sign-in
    // with the same one, or an older step's code (which must not rewind the marker and so let a used
    // code in again) is refused without a write.
    if (step === null || step <= account.totpLastStep) return false;
    const r = await this.accounts.update({ id: account.id, totpLastStep: account.totpLastStep }, { totpLastStep: step });
    return (r.affected ?? 0) > 0;
  }

  private async begin(account: ConsoleAccountEntity, client: Client): Promise<Started> {
    const { token, session } = await this.deps.sessions.start(account.id, client);
    return { token, answer: await this.answer(account, await this.rolesOf(account.id), this.deps.sessions.csrfOf(session)) };
  }

  private async answer(account: ConsoleAccountEntity, roles: ReadonlyMap<string, ConsoleAppRole>, csrfToken: string): Promise<ConsoleSessionResponse> {
    const required = totpRequired(account, roles);
    return {
      account: {
        id: account.id,
        email: account.email,
        operator: account.operator,
        totpEnabled: !!account.totpSecret,
        totpRequired: required,
        roles: [...roles].map(([appId, role]) => ({ appId, role })),
      },
      csrfToken,
      totpEnrolmentRequired: required && !account.totpSecret,
    };
  }

  private async rolesOf(accountId: string): Promise<Map<string, ConsoleAppRole>> {
    const rows = await this.roles.findBy({ accountId });
    return new Map(rows.map((r) => [r.appId, r.role]));
  }
}

const presentKey = (k: { id: string; name: string | null; createdAt: number; revokedAt: number | null }): ConsoleServerKey => ({
  id: k.id,
  name: k.name,
  createdAt: iso(k.createdAt),
  revokedAt: k.revokedAt === null ? null : iso(k.revokedAt),
});
