import nodemailer, { type Transporter } from "nodemailer";
import type { DataSource } from "typeorm";
import type { EmailConfig, SmtpTarget } from "../config/email.js";
import type { UnitOfWork } from "../db/unit-of-work.js";
import type { PresenceService } from "../presence/presence.service.js";
import type { Logger } from "../shared/logger.js";
import type { UsageService } from "../usage/usage.service.js";
import { decideEmails } from "./email-decide.js";
import { EmailOutboxEntity } from "./email.entities.js";
import type { EmailService } from "./email.service.js";

/** Outbox rows taken per pass. */
const SEND_BATCH = 50;
/**
 * One attempt's whole time, in EMAIL_SMTP_TIMEOUT_SEC: each answer may take that long, the whole
 * exchange this many times it. The socket's timeout counts silence only, so a server that
 * trickles an answer that never ends (a tarpit) would otherwise hold this node's sending forever.
 */
export const ATTEMPT_TIMEOUTS = 4;
/** A lease outlasts the attempt's bound by this much: time to record how it went. */
const LEASE_MARGIN_MS = 10_000;

export interface EmailNotifierDeps {
  db: DataSource;
  uow: UnitOfWork;
  email: EmailService;
  presence: Pick<PresenceService, "isOnline">;
  usage: Pick<UsageService, "emailOutcome">;
  logger: Logger;
  /** Each e-mail's end: sent, or given up (the metrics' counters). */
  observe?: (outcome: "sent" | "failed") => void;
}

/**
 * E-mail for unread messages (issue 55), off every request's path: every node, every EMAIL_SWEEP_SEC
 * (and once at start), decides who is due an e-mail (email-decide.ts, written to email_outbox) and
 * sends what the outbox holds that is due.
 *
 * Sending, exactly once across nodes: a node takes a row by moving its `dueAt` from the value it
 * read to a lease (one UPDATE … WHERE dueAt = read: one node wins) that outlasts the attempt's
 * bound from the moment it is taken, then talks SMTP. Accepted (2xx): `sent`, counted. A 5xx answer
 * is final: `failed`, counted, at once. A 4xx, no connection, a connection closed mid-message, an
 * answer not within EMAIL_SMTP_TIMEOUT_SEC or an attempt past its bound (ATTEMPT_TIMEOUTS): tried
 * again EMAIL_RETRY_BASE_SEC later, doubling (with jitter), until EMAIL_MAX_ATTEMPTS, then
 * `failed`. A node that dies mid-attempt leaves its lease to run out, and another node tries
 * again: an e-mail may then come twice, never never (its Message-ID is the row's, so mail clients
 * show it once).
 */
export class EmailNotifier {
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private running: Promise<void> | undefined;
  private readonly transports = new Map<string, Transporter>();

  constructor(
    private readonly deps: EmailNotifierDeps,
    private readonly config: Pick<EmailConfig, "waitMs" | "sweepMs" | "retryBaseMs" | "maxAttempts" | "smtpTimeoutMs">,
  ) {}

  start(): void {
    if (this.timer) return;
    this.stopped = false;
    const tick = (): void => {
      if (!this.timer) return;
      if (!this.deps.db.isInitialized) return void this.stop();
      void this.run().catch((err: unknown) => this.deps.db.isInitialized && this.deps.logger.warn({ err }, "e-mail pass failed"));
    };
    this.timer = setInterval(tick, this.config.sweepMs);
    this.timer.unref();
    setImmediate(tick);
  }

  /** No more passes or attempts; resolves once the attempt under way is done (the rest stays due). */
  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    this.timer = undefined;
    await (this.running ?? Promise.resolve()).catch(() => undefined);
    for (const t of this.transports.values()) t.close();
    this.transports.clear();
  }

  /** One pass (one at a time on this node): decide, then send what is due. */
  run(now = Date.now()): Promise<void> {
    this.running ??= this.pass(now).finally(() => (this.running = undefined));
    return this.running;
  }

  private async pass(now: number): Promise<void> {
    await decideEmails(this.deps, now, this.config.waitMs);
    await this.deliver(Date.now());
  }

  private async deliver(now: number): Promise<void> {
    const due: { id: string; dueAt: number | string }[] = await this.deps.db.query(
      `SELECT id, dueAt FROM email_outbox WHERE dueAt <= ? ORDER BY dueAt LIMIT ${SEND_BATCH}`,
      [now],
    );
    for (const d of due) {
      if (this.stopped || !this.deps.db.isInitialized) return;
      // From now, not from the pass's start: the attempts before this one may have been slow.
      const lease = Date.now() + this.attemptMs + LEASE_MARGIN_MS;
      const claimed = await this.deps.uow.run(({ m }) =>
        m
          .createQueryBuilder()
          .update(EmailOutboxEntity)
          .set({ dueAt: lease })
          .where("id = :id AND dueAt = :dueAt", { id: d.id, dueAt: Number(d.dueAt) })
          .execute(),
      );
      if (claimed.affected !== 1) continue;
      const row = await this.deps.db.getRepository(EmailOutboxEntity).findOneBy({ id: d.id });
      if (row?.status !== "pending") continue;
      await this.attempt(row);
    }
  }

  private async attempt(row: EmailOutboxEntity): Promise<void> {
    const { logger } = this.deps;
    const settings = await this.deps.email.effective(this.deps.db, row.appId);
    const attempts = row.attempts + 1;
    let error: { message: string; final: boolean } | undefined;
    if (!settings) error = { message: "e-mail is off for this app", final: true };
    else {
      try {
        await this.transportFor(settings.smtp).sendMail({
          signal: AbortSignal.timeout(this.attemptMs),
          from: settings.from,
          to: row.toAddress,
          subject: row.subject,
          text: row.textBody,
          html: row.htmlBody,
          messageId: `<${row.id}@parley.invalid>`,
          headers: {
            "List-Unsubscribe": `<${row.unsubscribeUrl}>`,
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            "Auto-Submitted": "auto-generated",
          },
        });
      } catch (err) {
        const { responseCode: code, code: kind } = err as { responseCode?: unknown; code?: unknown };
        const message = kind === "EABORT" ? `no end within ${this.attemptMs} ms` : err instanceof Error ? err.message : String(err);
        error = { message, final: typeof code === "number" && code >= 500 };
      }
    }
    const now = Date.now();
    const giveUp = error !== undefined && (error.final || attempts >= this.config.maxAttempts);
    await this.deps.uow.run(async ({ m }) => {
      if (!error) {
        await m.update(EmailOutboxEntity, { id: row.id }, { status: "sent", attempts, dueAt: null, sentAt: now, lastError: null });
        await this.deps.usage.emailOutcome(m, row.appId, true, now);
      } else if (giveUp) {
        await m.update(EmailOutboxEntity, { id: row.id }, { status: "failed", attempts, dueAt: null, lastError: error.message.slice(0, 500) });
        await this.deps.usage.emailOutcome(m, row.appId, false, now);
      } else {
        const base = this.config.retryBaseMs * 2 ** (attempts - 1);
        const next = now + Math.round(base * (0.75 + Math.random() / 2));
        await m.update(EmailOutboxEntity, { id: row.id }, { attempts, dueAt: next, lastError: error.message.slice(0, 500) });
      }
    });
    if (!error) this.deps.observe?.("sent");
    else if (giveUp) {
      this.deps.observe?.("failed");
      logger.warn({ appId: row.appId, outboxId: row.id, attempts, why: error.message }, "e-mail given up");
    } else logger.info({ appId: row.appId, outboxId: row.id, attempts, why: error.message }, "e-mail attempt failed: retried later");
  }

  private get attemptMs(): number {
    return this.config.smtpTimeoutMs * ATTEMPT_TIMEOUTS;
  }

  /** One pooled-less transport per SMTP server (and account), reused between passes. */
  private transportFor(smtp: SmtpTarget): Transporter {
    const key = JSON.stringify([smtp.host, smtp.port, smtp.secure, smtp.user, smtp.password]);
    let t = this.transports.get(key);
    if (!t) {
      t = nodemailer.createTransport({
        host: smtp.host,
        port: smtp.port,
        secure: smtp.secure,
        ...(smtp.user ? { auth: { user: smtp.user, pass: smtp.password ?? "" } } : {}),
        connectionTimeout: this.config.smtpTimeoutMs,
        greetingTimeout: this.config.smtpTimeoutMs,
        socketTimeout: this.config.smtpTimeoutMs,
      });
      if (this.transports.size > 100) this.transports.clear();
      this.transports.set(key, t);
    }
    return t;
  }
}
