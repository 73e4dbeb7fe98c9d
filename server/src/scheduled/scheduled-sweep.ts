import type { DataSource } from "typeorm";
import type { ScheduledConfig } from "../config/scheduled.js";
import type { MembershipGuard } from "../conversations/membership.js";
import type { UnitOfWork } from "../db/unit-of-work.js";
import type { EmailService } from "../email/email.service.js";
import { queueReminderEmail } from "../email/reminder-email.js";
import type { NewEvent } from "../events/event-log.js";
import { MessageEntity } from "../messages/message.entity.js";
import { MessagePresenter } from "../messages/messages.presenter.js";
import type { MessagesService } from "../messages/messages.service.js";
import { AppError } from "../shared/errors.js";
import type { Logger } from "../shared/logger.js";
import { ReminderEntity, ScheduledMessageEntity } from "./scheduled.entities.js";
import { presentReminder, presentScheduled } from "./scheduled.presenter.js";

/** Rows taken per pass, of each table. */
const BATCH = 50;

export interface ScheduledSweepDeps {
  db: DataSource;
  uow: UnitOfWork;
  messages: Pick<MessagesService, "send">;
  membership: Pick<MembershipGuard, "require">;
  email: Pick<EmailService, "effective" | "unsubscribeUrl">;
  /** The e-mail sender, asked for a pass once reminders' e-mails were queued: they go out now, not at its next EMAIL_SWEEP_SEC. */
  mailer?: { run(): Promise<void> };
  logger: Logger;
}

/** The send's idempotency key: one per scheduled message, so a retry after a crash finds the message sent before. */
export const clientMessageIdOf = (scheduledId: string): string => `scheduled:${scheduledId}`;

/**
 * Scheduled sends and reminders (issue 55), off every request's path: every node, every
 * SCHEDULED_SWEEP_SEC (and once at start), sends the scheduled messages and fires the reminders
 * whose time has come.
 *
 * One sender across nodes: a node takes a row by moving its `dueAt` from the value it read to now
 * + SCHEDULED_LEASE_SEC (one UPDATE … WHERE dueAt = read: one node wins). A node that dies holding
 * it leaves the lease to run out, and the next node to look takes it again. A scheduled message is
 * sent through the messages service as its author, as if just written (membership, bans, mutes,
 * blocks, the word filter checked now), with a clientMessageId derived from its id: a second
 * attempt after a crash gets the message the first one stored, never a second one. A refusal (a
 * 4xx but 429) marks it `failed` with the code; anything else (the database, a quota) is tried
 * again SCHEDULED_RETRY_BASE_SEC later, doubling.
 *
 * A reminder fires in one unit that removes its row (only if this node's lease still holds it),
 * appends `reminder.due` for its user and queues its e-mail (email/reminder-email.ts): all of it
 * or none; the e-mail sender is asked for a pass at once. Its web push follows the commit
 * (push/notifier.ts takes `reminder.due`). A message deleted meanwhile, or one its user may no
 * longer read, drops the reminder (`reminder.removed`).
 */
export class ScheduledSweep {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;

  constructor(
    private readonly deps: ScheduledSweepDeps,
    private readonly config: ScheduledConfig,
  ) {}

  start(): void {
    if (this.timer) return;
    const tick = (): void => {
      if (!this.timer) return;
      if (!this.deps.db.isInitialized) return void this.stop();
      void this.run().catch((err: unknown) => this.deps.db.isInitialized && this.deps.logger.warn({ err }, "scheduled pass failed"));
    };
    this.timer = setInterval(tick, this.config.sweepMs);
    this.timer.unref();
    setImmediate(tick);
  }

  /** No more passes; resolves once one under way is done. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await (this.running ?? Promise.resolve()).catch(() => undefined);
  }

  /** One pass (one at a time on this node). */
  run(): Promise<void> {
    this.running ??= this.pass().finally(() => (this.running = undefined));
    return this.running;
  }

  private async pass(): Promise<void> {
    const now = Date.now();
    for (const d of await this.due("scheduled_messages", now)) {
      if (!this.deps.db.isInitialized) return;
      const lease = await this.claim(ScheduledMessageEntity, d, now);
      if (lease === undefined) continue;
      const row = await this.deps.db.getRepository(ScheduledMessageEntity).findOneBy({ id: d.id });
      if (row?.status === "pending") await this.send(row, lease);
    }
    let mailed = false;
    for (const d of await this.due("reminders", now)) {
      if (!this.deps.db.isInitialized) return;
      const lease = await this.claim(ReminderEntity, d, now);
      if (lease !== undefined && (await this.fire(d.id, lease))) mailed = true;
    }
    if (mailed) void this.deps.mailer?.run().catch((err: unknown) => this.deps.logger.warn({ err }, "e-mail pass after reminders failed"));
  }

  private async due(table: "scheduled_messages" | "reminders", now: number): Promise<{ id: string; dueAt: number }[]> {
    const rows: { id: string; dueAt: number | string }[] = await this.deps.db.query(
      `SELECT id, dueAt FROM ${table} WHERE dueAt <= ? ORDER BY dueAt LIMIT ${BATCH}`,
      [now],
    );
    return rows.map((r) => ({ id: r.id, dueAt: Number(r.dueAt) }));
  }

  /** Takes a row for this node: its new `dueAt` (the lease), or undefined when another node (or an edit) moved it first. */
  async claim(target: typeof ScheduledMessageEntity | typeof ReminderEntity, d: { id: string; dueAt: number }, now: number): Promise<number | undefined> {
    const lease = now + this.config.leaseMs;
    const res = await this.deps.uow.run(({ m }) =>
      m.createQueryBuilder().update(target).set({ dueAt: lease }).where("id = :id AND dueAt = :dueAt", { id: d.id, dueAt: d.dueAt }).execute(),
    );
    return res.affected === 1 ? lease : undefined;
  }

  /** Sends a scheduled message this node holds (`lease`); answers the row as it ends (unchanged when the lease was lost). */
  async send(row: ScheduledMessageEntity, lease: number): Promise<ScheduledMessageEntity> {
    const caller = { appId: row.appId, user: row.userId };
    let change: Partial<ScheduledMessageEntity>;
    try {
      const out = await this.deps.messages.send(caller, {
        conversationId: row.conversationId,
        text: row.text,
        ...(row.replyToId !== null ? { replyToId: String(row.replyToId) } : {}),
        clientMessageId: clientMessageIdOf(row.id),
      });
      change = { status: "sent", messageId: Number(out.message.id), failureCode: null, dueAt: null };
    } catch (err) {
      if (err instanceof AppError && err.status < 500 && err.status !== 429) {
        change = { status: "failed", failureCode: err.code, dueAt: null };
      } else {
        // The database, a quota, a node going down: the same send later (its clientMessageId keeps it once).
        const base = this.config.retryBaseMs * 2 ** Math.min(row.attempts, 10);
        change = { attempts: row.attempts + 1, dueAt: Date.now() + Math.round(base * (0.75 + Math.random() / 2)) };
        this.deps.logger.info({ err, appId: row.appId, scheduledId: row.id }, "scheduled send failed: tried again later");
      }
    }
    const next: ScheduledMessageEntity = { ...row, ...change, updatedAt: Date.now() };
    await this.deps.uow.run(async ({ m, emit }) => {
      const res = await m
        .createQueryBuilder()
        .update(ScheduledMessageEntity)
        .set({ ...change, updatedAt: next.updatedAt })
        .where("id = :id AND dueAt = :lease", { id: row.id, lease })
        .execute();
      // Lost (the lease ran out and another node took it, or the row went with its author): theirs to tell.
      if (res.affected === 1 && change.status)
        emit(row.appId, [{ type: "scheduled.updated", conversationId: null, userId: row.userId, data: { scheduled: presentScheduled(next) } }]);
    });
    return next;
  }

  /** Fires a reminder this node holds (`lease`): all in one unit, or nothing. Answers whether it queued an e-mail. */
  private async fire(id: string, lease: number): Promise<boolean> {
    return this.deps.uow.run(async ({ m, emit }) => {
      const r = await m.findOneBy(ReminderEntity, { id });
      if (!r || Number(r.dueAt) !== lease) return false;
      const removed = await m.createQueryBuilder().delete().from(ReminderEntity).where("id = :id AND dueAt = :lease", { id, lease }).execute();
      if (removed.affected !== 1) return false;
      const message = await m.findOneBy(MessageEntity, { id: r.messageId, appId: r.appId });
      const member = await this.deps.membership.require(r.appId, r.conversationId, r.userId, m).then(
        () => true,
        (err: unknown) => {
          if (err instanceof AppError) return false;
          throw err;
        },
      );
      const readable = message !== null && message.deletedAt === null && member;
      const events: NewEvent[] = [];
      let mailed = false;
      if (!readable) {
        events.push({ type: "reminder.removed", conversationId: null, userId: r.userId, data: { id: r.id, conversationId: r.conversationId } });
      } else {
        const presented = await new MessagePresenter(m as unknown as DataSource).presentOne(message, r.userId);
        events.push({ type: "reminder.due", conversationId: null, userId: r.userId, data: { reminder: presentReminder(r), message: presented } });
        mailed = await queueReminderEmail(m, this.deps.email, { appId: r.appId, userId: r.userId, reminderId: r.id, message }, Date.now());
      }
      emit(r.appId, events);
      return mailed;
    });
  }
}
