import type { DataSource } from "typeorm";
import type { UnreadNotification } from "@parley/sdk/protocol";
import type { UnitOfWork } from "../db/unit-of-work.js";
import type { PresenceService } from "../presence/presence.service.js";
import type { Logger } from "../shared/logger.js";
import { WebhookUnreadEntity } from "./webhook.entities.js";
import type { WebhooksService } from "./webhooks.service.js";

/** Quiet periods looked at per run. */
const DUE_BATCH = 200;

/**
 * `notification.unread`: a periodic job over the quiet periods that are due (webhook_unread, by its
 * `dueAt` index: the work follows what is due, never the app's size). A period is opened by the
 * first message a member receives with none open (WebhooksService.onAppend, apps subscribed to the
 * event only) and is due the app's `unreadAfterSec` later. When due:
 * - the user is online now: the period ends (deleted), no event;
 * - nothing is unread any more (not their own, after their read mark): it ends, no event;
 * - else one `notification.unread` is queued and the period is marked notified (`dueAt` NULL), in one
 *   unit, claimed by `dueAt` so with several nodes one of them wins.
 * A notified period ends when the user reads (a read.updated, in onAppend) or comes online (the
 * presence listener); the next message then opens a new one. So: one event per quiet period.
 */
export class UnreadNotifier {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private unsubscribe: (() => void) | undefined;

  constructor(
    private readonly deps: { db: DataSource; uow: UnitOfWork; webhooks: WebhooksService; presence: PresenceService; logger: Logger },
    private readonly opts: { pollMs: number },
  ) {}

  start(): void {
    if (this.timer) return;
    this.unsubscribe = this.deps.presence.onChange((appId, p) => {
      if (p.online && this.deps.db.isInitialized)
        void this.endPeriod(appId, p.userId).catch((err: unknown) => this.deps.logger.warn({ err }, "unread period close failed"));
    });
    this.timer = setInterval(() => {
      if (!this.deps.db.isInitialized) return this.stop();
      if (!this.running)
        this.running = this.run()
          .then(
            () => undefined,
            (err: unknown) => this.deps.logger.warn({ err }, "unread notification run failed"),
          )
          .finally(() => (this.running = undefined));
    }, this.opts.pollMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    await this.running;
  }

  /** One pass over the periods due now. */
  async run(now: number = Date.now()): Promise<number> {
    const due: { appId: string; userId: string; dueAt: string | number }[] = await this.deps.db.query(
      "SELECT appId, userId, dueAt FROM webhook_unread WHERE dueAt <= ? ORDER BY dueAt LIMIT ?",
      [now, DUE_BATCH],
    );
    let sent = 0;
    for (const p of due) {
      if (!this.deps.db.isInitialized) break;
      const dueAt = Number(p.dueAt);
      if (this.deps.presence.isOnline(p.userId)) {
        await this.deps.uow.run(({ m }) => m.delete(WebhookUnreadEntity, { appId: p.appId, userId: p.userId, dueAt }));
        continue;
      }
      const counts: { conversationId: string; n: string | number }[] = await this.deps.db.query(
        // `+x.threadId`: never by ix_messages_thread (see present-many.ts, the unread counts). A
        // sender the user blocked is never counted: their messages alone notify nothing (red team 4).
        `SELECT mb.conversationId, COUNT(x.id) AS n FROM members mb
           JOIN messages x ON x.conversationId = mb.conversationId AND x.id > mb.lastReadMessageId AND x.senderId <> mb.userId AND x.deletedAt IS NULL AND +x.threadId IS NULL
         WHERE mb.appId = ? AND mb.userId = ?
           AND NOT EXISTS (SELECT 1 FROM blocks b WHERE b.blockerId = mb.userId AND b.blockedId = x.senderId)
         GROUP BY mb.conversationId ORDER BY mb.conversationId`,
        [p.appId, p.userId],
      );
      const conversations = counts.filter((c) => Number(c.n) > 0).map((c) => ({ conversationId: c.conversationId, unreadCount: Number(c.n) }));
      const user: { externalId: string | null }[] = await this.deps.db.query("SELECT externalId FROM users WHERE id = ? AND appId = ?", [p.userId, p.appId]);
      await this.deps.uow.run(async ({ m }) => {
        if (conversations.length === 0) {
          await m.delete(WebhookUnreadEntity, { appId: p.appId, userId: p.userId, dueAt });
          return;
        }
        const claimed = await m
          .createQueryBuilder()
          .update(WebhookUnreadEntity)
          .set({ dueAt: null, notifiedAt: now })
          .where("appId = :appId AND userId = :userId AND dueAt = :dueAt", { appId: p.appId, userId: p.userId, dueAt })
          .execute();
        if (claimed.affected !== 1) return;
        const head: { lastSeq: string | number }[] = await m.query("SELECT lastSeq FROM apps WHERE id = ?", [p.appId]);
        const data: UnreadNotification = { userId: p.userId, sub: user[0]?.externalId ?? null, conversations };
        sent += await this.deps.webhooks.enqueue(m, p.appId, { type: "notification.unread", seq: Number(head[0]?.lastSeq ?? 0), at: now, data });
      });
    }
    return sent;
  }

  /** The user came online: their quiet period, open or notified, is over. */
  private async endPeriod(appId: string, userId: string): Promise<void> {
    const hooks = await this.deps.webhooks.hooksOf(appId);
    if (!hooks.endpoints.some((e) => e.events.has("notification.unread"))) return;
    await this.deps.uow.run(({ m }) => m.delete(WebhookUnreadEntity, { appId, userId }));
  }
}
