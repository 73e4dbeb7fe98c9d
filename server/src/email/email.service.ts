import { createHmac, timingSafeEqual } from "node:crypto";
import type { DataSource, EntityManager } from "typeorm";
import type { EmailConfig, SmtpTarget } from "../config/email.js";
import type { UnitOfWork } from "../db/unit-of-work.js";
import type { ServerCaller, UserCaller } from "../shared/caller.js";
import { AppError, notFound } from "../shared/errors.js";
import { EmailRecipientEntity, EmailSettingsEntity } from "./email.entities.js";
import type { EmailPreference, PreferenceInput, RecipientInput, SettingsInput } from "./email.schema.js";

/** What `GET /v1/server/email/settings` answers: never the password, only whether one is set. */
export interface EmailSettingsView {
  /** Whose SMTP server is used: the app's own, the deployment's (SMTP_URL), or none (no e-mail is sent). */
  source: "app" | "environment" | "none";
  enabled: boolean;
  smtp: { host: string; port: number; secure: boolean; user: string | null; password: { set: boolean } } | null;
  from: string | null;
  includeText: boolean;
  link: string | null;
  waitMinutes: number | null;
}

/** A user's e-mail wishes as answered to them or to the host. */
export interface EmailRecipientView {
  /** The address e-mails go to (the one the host set, else the account's), or null: none are sent. */
  email: string | null;
  preference: EmailPreference;
  locale: string | null;
  /** Whether the app sends these e-mails at all (on, with an SMTP server and a From address): a profile offers the choice only then. */
  sending: boolean;
  quietHours: { from: string; to: string } | null;
  timeZone: string | null;
}

/** `HH:MM` as minutes after midnight, and back. */
const minutesOf = (clock: string): number => Number(clock.slice(0, 2)) * 60 + Number(clock.slice(3, 5));
const clockOf = (minutes: number): string => `${String(Math.floor(minutes / 60)).padStart(2, "0")}:${String(minutes % 60).padStart(2, "0")}`;

/** The quiet hours and time zone of an input, as the row's columns (only what the input names). */
function quietChange(input: { quietHours?: { from: string; to: string } | null | undefined; timeZone?: string | null | undefined }) {
  return {
    ...(input.quietHours !== undefined
      ? { quietFrom: input.quietHours ? minutesOf(input.quietHours.from) : null, quietTo: input.quietHours ? minutesOf(input.quietHours.to) : null }
      : {}),
    ...(input.timeZone !== undefined ? { timeZone: input.timeZone } : {}),
  };
}

/**
 * Whether `at` falls in a user's quiet hours (`from`/`to` minutes after midnight in `timeZone`,
 * UTC when null; `from > to` spans midnight). A zone the runtime no longer knows counts as UTC.
 */
export function inQuietHours(at: number, from: number | null, to: number | null, timeZone: string | null): boolean {
  if (from === null || to === null || from === to) return false;
  let zone = timeZone ?? "UTC";
  try {
    new Intl.DateTimeFormat("en", { timeZone: zone });
  } catch {
    zone = "UTC";
  }
  const parts = new Intl.DateTimeFormat("en-GB", { timeZone: zone, hour: "2-digit", minute: "2-digit", hourCycle: "h23" }).formatToParts(at);
  const local = Number(parts.find((p) => p.type === "hour")?.value ?? 0) * 60 + Number(parts.find((p) => p.type === "minute")?.value ?? 0);
  return from < to ? local >= from && local < to : local >= from || local < to;
}

/** What one app sends with, resolved from its row and the environment; undefined: it sends nothing. */
export interface EffectiveSettings {
  smtp: SmtpTarget;
  from: string;
  includeText: boolean;
  link: string | null;
  waitMs: number;
}

/**
 * E-mail settings (issue 55): the owner of email_settings and email_recipients. An app's settings
 * override the deployment's (SMTP_URL, SMTP_FROM, EMAIL_WAIT_MINUTES) field by field; a user's
 * address is the one the host set, else their account's. Unsubscribe links carry a token signed
 * with a key derived from JWT_SECRET (HMAC-SHA256 of app and user): whoever holds the e-mail may
 * turn its e-mails off, without signing in, and nobody can forge one for another user.
 */
export class EmailService {
  private readonly tokenKey: Buffer;

  constructor(
    private readonly deps: { db: DataSource; uow: UnitOfWork },
    private readonly config: EmailConfig,
    jwtSecret: string,
  ) {
    this.tokenKey = createHmac("sha256", jwtSecret).update("parley email unsubscribe v1").digest();
  }

  async settings(caller: ServerCaller): Promise<EmailSettingsView> {
    return this.view(await this.deps.db.getRepository(EmailSettingsEntity).findOneBy({ appId: caller.appId }));
  }

  async putSettings(caller: ServerCaller, input: SettingsInput): Promise<EmailSettingsView> {
    const row = await this.deps.uow.run(async ({ m }) => {
      const had = await m.findOneBy(EmailSettingsEntity, { appId: caller.appId });
      const next: EmailSettingsEntity = had ?? {
        appId: caller.appId,
        enabled: true,
        host: null,
        port: null,
        secure: false,
        username: null,
        password: null,
        fromAddress: null,
        includeText: false,
        link: null,
        waitMinutes: null,
        updatedAt: 0,
      };
      if (input.enabled !== undefined) next.enabled = input.enabled;
      if (input.smtp === null) Object.assign(next, { host: null, port: null, secure: false, username: null, password: null });
      else if (input.smtp) {
        const sameServer = next.host === input.smtp.host && next.port === input.smtp.port;
        next.host = input.smtp.host;
        next.port = input.smtp.port;
        next.secure = input.smtp.secure ?? false;
        if (input.smtp.user !== undefined) next.username = input.smtp.user;
        if (input.smtp.password !== undefined) next.password = input.smtp.password;
        else if (!sameServer) next.password = null;
      }
      if (input.from !== undefined) next.fromAddress = input.from;
      if (input.includeText !== undefined) next.includeText = input.includeText;
      if (input.link !== undefined) next.link = input.link;
      if (input.waitMinutes !== undefined) next.waitMinutes = input.waitMinutes;
      next.updatedAt = Date.now();
      await m.save(EmailSettingsEntity, next);
      return next;
    });
    return this.view(row);
  }

  async deleteSettings(caller: ServerCaller): Promise<void> {
    await this.deps.uow.run(({ m }) => m.delete(EmailSettingsEntity, { appId: caller.appId }));
  }

  /** The host sets a user's address, preference or language (404: no user of the app has this sub). */
  async putRecipient(caller: ServerCaller, input: RecipientInput): Promise<EmailRecipientView> {
    const users: { id: string }[] = await this.deps.db.query("SELECT id FROM users WHERE appId = ? AND externalId = ? AND deletedAt IS NULL", [
      caller.appId,
      input.sub,
    ]);
    const user = users[0];
    if (!user) throw new AppError("not_found", "No user of this app has this sub", { subs: [input.sub] });
    await this.write(caller.appId, user.id, {
      ...(input.email !== undefined ? { address: input.email } : {}),
      ...(input.preference !== undefined ? { preference: input.preference } : {}),
      ...(input.locale !== undefined ? { locale: input.locale } : {}),
      ...quietChange(input),
    });
    return this.recipient(caller.appId, user.id);
  }

  async preferenceOf(caller: UserCaller): Promise<EmailRecipientView> {
    return this.recipient(caller.appId, caller.user);
  }

  async setPreference(caller: UserCaller, input: PreferenceInput): Promise<EmailRecipientView> {
    await this.write(caller.appId, caller.user, {
      ...(input.preference !== undefined ? { preference: input.preference } : {}),
      ...(input.locale !== undefined ? { locale: input.locale } : {}),
      ...quietChange(input),
    });
    return this.recipient(caller.appId, caller.user);
  }

  /** The one-click unsubscribe (RFC 8058): a valid token sets its user's preference to never. */
  async unsubscribe(token: string): Promise<void> {
    const who = await this.holderOf(token);
    await this.write(who.appId, who.userId, { preference: "never" });
  }

  /** Whether the token's user gets no more e-mail (the link opened in a browser: nothing changes). */
  async isUnsubscribed(token: string): Promise<boolean> {
    const who = await this.holderOf(token);
    return (await this.recipient(who.appId, who.userId)).preference === "never";
  }

  /** The token's user: 403 for a token this server did not sign, 404 once the account is gone. */
  private async holderOf(token: string): Promise<{ appId: string; userId: string }> {
    const who = this.verify(token);
    if (!who) throw new AppError("forbidden", "This unsubscribe link is not valid");
    const alive: unknown[] = await this.deps.db.query("SELECT id FROM users WHERE id = ? AND appId = ? AND deletedAt IS NULL", [who.userId, who.appId]);
    if (alive.length === 0) throw notFound("User");
    return who;
  }

  /** The unsubscribe URL of a user's e-mails. */
  unsubscribeUrl(appId: string, userId: string): string {
    const payload = Buffer.from(`${appId}.${userId}`).toString("base64url");
    return `${this.config.publicUrl}/v1/email/unsubscribe?token=${payload}.${this.sign(payload)}`;
  }

  /** What `appId` sends with now; undefined when it sends nothing (off, or no SMTP server anywhere). */
  async effective(m: EntityManager | DataSource, appId: string): Promise<EffectiveSettings | undefined> {
    const row = await m.getRepository(EmailSettingsEntity).findOneBy({ appId });
    if (row && !row.enabled) return undefined;
    const own: SmtpTarget | undefined =
      row?.host && row.port ? { host: row.host, port: row.port, secure: row.secure, user: row.username, password: row.password } : undefined;
    const smtp = own ?? this.config.smtp;
    const from = row?.fromAddress ?? this.config.from;
    if (!smtp || !from) return undefined;
    return {
      smtp,
      from,
      includeText: row?.includeText ?? false,
      link: row?.link ?? null,
      waitMs: row?.waitMinutes ? row.waitMinutes * 60_000 : this.config.waitMs,
    };
  }

  private verify(token: string): { appId: string; userId: string } | undefined {
    const [payload, sig, extra] = token.split(".");
    if (!payload || !sig || extra !== undefined) return undefined;
    const want = Buffer.from(this.sign(payload));
    const got = Buffer.from(sig);
    if (want.length !== got.length || !timingSafeEqual(want, got)) return undefined;
    const [appId, userId] = Buffer.from(payload, "base64url").toString("utf8").split(".");
    return appId && userId ? { appId, userId } : undefined;
  }

  private sign(payload: string): string {
    return createHmac("sha256", this.tokenKey).update(payload).digest("base64url");
  }

  private async write(
    appId: string,
    userId: string,
    change: Partial<Pick<EmailRecipientEntity, "address" | "preference" | "locale" | "timeZone" | "quietFrom" | "quietTo">>,
  ): Promise<void> {
    await this.deps.uow.run(async ({ m }) => {
      const had = await m.findOneBy(EmailRecipientEntity, { appId, userId });
      const now = Date.now();
      if (had) await m.update(EmailRecipientEntity, { appId, userId }, { ...change, updatedAt: now });
      else
        await m.insert(EmailRecipientEntity, {
          appId,
          userId,
          address: null,
          preference: "every",
          locale: null,
          timeZone: null,
          quietFrom: null,
          quietTo: null,
          ...change,
          updatedAt: now,
        });
    });
  }

  private async recipient(appId: string, userId: string): Promise<EmailRecipientView> {
    const rows: {
      address: string | null;
      preference: EmailPreference | null;
      locale: string | null;
      email: string | null;
      timeZone: string | null;
      quietFrom: number | string | null;
      quietTo: number | string | null;
    }[] = await this.deps.db.query(
      `SELECT r.address, r.preference, r.locale, r.timeZone, r.quietFrom, r.quietTo, u.email FROM users u
         LEFT JOIN email_recipients r ON r.appId = u.appId AND r.userId = u.id
       WHERE u.id = ? AND u.appId = ?`,
      [userId, appId],
    );
    const r = rows[0];
    if (!r) throw notFound("User");
    const sending = (await this.effective(this.deps.db, appId)) !== undefined;
    const quietHours = r.quietFrom === null || r.quietTo === null ? null : { from: clockOf(Number(r.quietFrom)), to: clockOf(Number(r.quietTo)) };
    return { email: r.address ?? r.email, preference: r.preference ?? "every", locale: r.locale, sending, quietHours, timeZone: r.timeZone ?? null };
  }

  private view(row: EmailSettingsEntity | null): EmailSettingsView {
    const own = Boolean(row?.host && row.port);
    const source = own ? "app" : this.config.smtp ? "environment" : "none";
    return {
      source,
      enabled: row?.enabled ?? true,
      smtp: own && row ? { host: row.host!, port: row.port!, secure: Boolean(row.secure), user: row.username, password: { set: row.password !== null } } : null,
      from: row?.fromAddress ?? null,
      includeText: Boolean(row?.includeText),
      link: row?.link ?? null,
      waitMinutes: row?.waitMinutes ?? null,
    };
  }
}
