import { FairQueue } from "./fair-queue.js";
import { createHash } from "node:crypto";
import type { DataSource, EntityManager } from "typeorm";
import type { RateLimiterAbstract } from "rate-limiter-flexible";
import type { ChatEvent, Message } from "@parley/sdk/protocol";
import type { PreviewsConfig } from "../config/outbound.js";
import type { MembershipGuard } from "../conversations/membership.js";
import { dialectOf } from "../db/sql.js";
import type { UnitOfWork } from "../db/unit-of-work.js";
import type { EventLog } from "../events/event-log.js";
import { MessageEntity } from "../messages/message.entity.js";
import { MessagePresenter } from "../messages/messages.presenter.js";
import { parseMessageId } from "../messages/messages.schema.js";
import type { UserCaller } from "../shared/caller.js";
import { AppError, notFound } from "../shared/errors.js";
import type { Logger } from "../shared/logger.js";
import type { AppsService } from "../tenancy/apps.service.js";
import { expireLinkPreviews, unreferenced } from "./forget.js";
import { type DomainRules, domainAllowed, firstLink } from "./links.js";
import { unfurlWithImage } from "./preview.js";
import type { PreviewFiles } from "./preview-files.js";
import { LINK_PREVIEW_TTL, LinkPreviewCacheEntity, MessagePreviewEntity } from "./previews.entities.js";

/** What the previews service is built from. */
export interface PreviewsDeps {
  db: DataSource;
  uow: UnitOfWork;
  events: Pick<EventLog, "rewriteMessage">;
  /** The app's settings (linkPreviews, previewAllow, previewDeny), from its cache: app-watch drops a changed app within seconds. */
  apps: Pick<AppsService, "findAny">;
  membership: Pick<MembershipGuard, "require">;
  files: PreviewFiles;
  logger: Logger;
  /** Fetches per app per minute (shared in Redis with several nodes), keyed on the app id. */
  perApp: Pick<RateLimiterAbstract, "consume">;
}

/** One link to preview: a message's first link after its send or edit committed. */
interface Job {
  appId: string;
  conversationId: string;
  messageId: number;
  url: string;
}

/** What the cache holds for a URL: a preview (its image optional), or none. */
interface Cached {
  preview: {
    title: string;
    description: string | null;
    siteName: string | null;
    imageWidth: number | null;
    imageHeight: number | null;
    /** Every host the fetch went through (redirect hops, the image's): another app's lists judge them on a cache hit. */
    hosts?: string[];
  } | null;
  imageKey: string | null;
}

/** Events carry one Message for every member: presented with no viewer, as messages/ does. */
const NO_VIEWER = "";

export const urlHash = (url: string): string => createHash("sha256").update(url).digest("hex");

/**
 * Link previews (issue 33), off the send path. The unit of work's commit hook (`onCommit`, on the
 * node that committed the send or edit, after it is published) only queues the message's first
 * http(s) link; a worker pool of `concurrency` fetches per node works the queue later, so a send's
 * ack never waits for a remote site. The queue is fair between apps and bounded (fair-queue.ts:
 * past `queueMax` the oldest link of the app with the most waiting is dropped, with a log line), a URL already being fetched is not fetched twice (the second
 * job waits for the first fetch), and each app may cause `fetchesPerAppPerMinute` fetches (cache
 * misses) a minute, so one app cannot fill the queue for all.
 *
 * Each job: the app's settings (off: nothing; a host its lists refuse: nothing, every redirect hop
 * asked too), the per-URL cache (link_previews: a preview for a day, no preview for an hour), else
 * the fetch (unfurl.ts: guarded address by address, a deadline, a byte cap; the image re-encoded
 * as WebP and stored under its content hash). A page without a title gives no preview. Then one
 * unit writes the message's preview, rewrites its stored events (a later sync shows it) and sends
 * `message.updated` to the conversation — unless the message went, its first link changed
 * meanwhile, or its sender dismissed the preview.
 *
 * Previews are at most once: a node that stops drops what it had queued (the message stays
 * without a card).
 */
export class PreviewsService {
  private readonly queue: FairQueue<Job>;
  private running = 0;
  /** Fetches under way by URL hash: a second job for the URL waits for the first one's answer. */
  private readonly fetching = new Map<string, Promise<Cached | null>>();
  private readonly work = new Set<Promise<void>>();
  private idlers: (() => void)[] = [];
  private stopped = false;
  private scheduled: NodeJS.Immediate | undefined;
  private readonly shutdown = new AbortController();

  constructor(
    private readonly deps: PreviewsDeps,
    private readonly config: PreviewsConfig,
  ) {
    this.queue = new FairQueue<Job>(config.queueMax);
  }

  /** The unit of work's commit hook: queues the first link of each new or edited message that has no preview of it yet. */
  readonly onCommit = (appId: string, events: ChatEvent[]): void => {
    if (this.stopped) return;
    for (const e of events) {
      if ((e.type !== "message.new" && e.type !== "message.updated") || e.conversationId === null) continue;
      const message: Message = e.data.message;
      if (message.deletedAt !== null || message.text === null) continue;
      const url = firstLink(message.text);
      // No link, or the preview of this link is shown already (our own message.updated, a pin's).
      if (url === null || message.preview?.url === url) continue;
      this.enqueue({ appId, conversationId: e.conversationId, messageId: Number(message.id), url });
    }
    // Not now: the send's answers are given in this turn of the event loop.
    if (this.queue.size > 0 && !this.scheduled) {
      this.scheduled = setImmediate(() => {
        this.scheduled = undefined;
        this.pump();
      });
    }
  };

  /** Resolves once nothing is queued or under way (tests, shutdown). */
  idle(): Promise<void> {
    if (this.isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.idlers.push(resolve));
  }

  /** Stops taking links, drops the queued ones, aborts the fetches under way and waits for them. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.queue.clear();
    clearImmediate(this.scheduled);
    this.scheduled = undefined;
    this.shutdown.abort();
    await Promise.allSettled([...this.work]);
    this.settle();
  }

  /**
   * The sender removes their message's preview, for good: an edit keeps it away (the row stays,
   * marked removed). 404 for a message the caller cannot see, 403 for anyone but its sender;
   * idempotent. Members hear `message.updated` when a preview was showing.
   */
  async remove(caller: UserCaller, messageId: string): Promise<void> {
    const { appId } = caller;
    const id = parseMessageId(messageId);
    const discard = await this.deps.uow.run(async ({ m, emit }) => {
      const row = id === null ? null : await m.getRepository(MessageEntity).findOneBy({ id, appId });
      if (!row || row.deletedAt !== null) throw notFound("Message");
      await this.deps.membership.require(appId, row.conversationId, caller.user, m);
      if (row.senderId !== caller.user) throw new AppError("forbidden", "Only the sender may remove a message's preview");
      const previews = m.getRepository(MessagePreviewEntity);
      const existing = await previews.findOneBy({ messageId: row.id });
      if (existing?.removed) return [];
      const cleared = { removed: true, title: null, description: null, siteName: null, imageKey: null, imageWidth: null, imageHeight: null };
      if (!existing) {
        // Before its job stored one: the mark keeps it from ever being stored.
        const url = (row.text && firstLink(row.text)) ?? "";
        await previews.insert({ messageId: row.id, appId, conversationId: row.conversationId, url, urlHash: urlHash(url), createdAt: Date.now(), ...cleared });
        return [];
      }
      await previews.update({ messageId: row.id }, cleared);
      const message = await this.present(m, row);
      await this.deps.events.rewriteMessage(m, appId, message);
      emit(appId, [{ type: "message.updated", conversationId: row.conversationId, data: { message } }]);
      return existing.imageKey ? unreferenced(m, [existing.imageKey]) : [];
    });
    await this.deps.files.discard(discard);
  }

  /** The cache's sweep (run with the event retention job): expired rows go, and their images nothing else uses. */
  async expire(now: number = Date.now()): Promise<number> {
    const keys = await this.deps.uow.run(({ m }) => expireLinkPreviews(m, now));
    await this.deps.files.discard(keys);
    return keys.length;
  }

  private enqueue(job: Job): void {
    // A newer job for the same message replaces the waiting one (an edit right after the send).
    const dropped = this.queue.push(job, (j) => j.messageId === job.messageId);
    if (dropped) {
      this.deps.logger.warn(
        { appId: dropped.appId, messageId: dropped.messageId, queueMax: this.config.queueMax },
        "link preview queue full: the oldest link of the app with the most waiting dropped",
      );
    }
  }

  private pump(): void {
    while (!this.stopped && this.running < this.config.concurrency && this.queue.size > 0) {
      const job = this.queue.take()!;
      this.running++;
      const run = this.preview(job)
        .catch((err: unknown) => {
          if (this.deps.db.isInitialized) this.deps.logger.warn({ err, appId: job.appId, messageId: job.messageId }, "link preview failed");
        })
        .finally(() => {
          this.queue.done(job);
          this.running--;
          this.work.delete(run);
          this.pump();
        });
      this.work.add(run);
    }
    this.settle();
  }

  private async preview(job: Job): Promise<void> {
    const app = await this.deps.apps.findAny(job.appId);
    if (!app || app.disabledAt !== null || app.linkPreviews === false) return;
    const rules: DomainRules = { allow: app.previewAllow ?? [], deny: app.previewDeny ?? [] };
    if (!domainAllowed(new URL(job.url).hostname, rules)) return;
    const hash = urlHash(job.url);
    const cached = (await this.cached(hash)) ?? (await this.fetchOnce(job, hash, rules));
    if (!cached?.preview || this.stopped) return;
    // The answer may have been fetched for another app: a host its redirects or image went through
    // that this app's lists refuse means no card here either.
    if (cached.preview.hosts?.some((h) => !domainAllowed(h, rules))) return;
    await this.store(job, hash, cached);
  }

  /** The cache's answer for a URL, while fresh. */
  private async cached(hash: string): Promise<Cached | null> {
    const row = await this.deps.db.getRepository(LinkPreviewCacheEntity).findOneBy({ urlHash: hash });
    if (!row || row.expiresAt <= Date.now()) return null;
    return { preview: row.preview === null ? null : (JSON.parse(row.preview) as Cached["preview"]), imageKey: row.imageKey };
  }

  /** Fetches the URL (once, whatever the number of jobs waiting for it) and caches the answer; null when the app's budget is spent. */
  private fetchOnce(job: Job, hash: string, rules: DomainRules): Promise<Cached | null> {
    const under = this.fetching.get(hash);
    if (under) return under;
    const fetched = this.fetch(job, hash, rules).finally(() => this.fetching.delete(hash));
    this.fetching.set(hash, fetched);
    return fetched;
  }

  private async fetch(job: Job, hash: string, rules: DomainRules): Promise<Cached | null> {
    try {
      await this.deps.perApp.consume(job.appId);
    } catch {
      this.deps.logger.warn({ appId: job.appId, messageId: job.messageId }, "link previews: the app's fetches this minute are spent; link skipped");
      return null;
    }
    const hosts = new Set<string>();
    const got = await unfurlWithImage(job.url, {
      allowPrivate: this.config.allowPrivate,
      timeoutMs: this.config.timeoutMs,
      allowHost: (host) => (hosts.add(host), domainAllowed(host, rules)),
      signal: this.shutdown.signal,
      image: { timeoutMs: this.config.timeoutMs },
    });
    // A shutdown's abort is no answer about the page: nothing cached.
    if (got.reason === "aborted" || this.stopped) return null;
    // A host the app denies (after a redirect) is this app's answer, not the URL's: not cached.
    if (got.reason === "denied_host") return null;
    if (got.reason !== null) this.deps.logger.debug({ appId: job.appId, reason: got.reason, detail: got.detail }, "link preview: none");
    if (got.imageReason) this.deps.logger.debug({ appId: job.appId, reason: got.imageReason, detail: got.detail }, "link preview: text only");
    const imageKey = got.image ? await this.deps.files.put(got.image.bytes) : null;
    const now = Date.now();
    const cached: Cached = {
      preview: got.preview?.title
        ? {
            title: got.preview.title,
            description: got.preview.description,
            siteName: got.preview.siteName,
            imageWidth: got.image?.width ?? null,
            imageHeight: got.image?.height ?? null,
            hosts: [...hosts],
          }
        : null,
      imageKey,
    };
    await this.deps.uow.run(async ({ m }) => {
      const cache = m.getRepository(LinkPreviewCacheEntity);
      await cache.delete({ urlHash: hash });
      await cache.insert({
        urlHash: hash,
        preview: cached.preview ? JSON.stringify(cached.preview) : null,
        reason: cached.preview ? null : (got.reason ?? "nothing_found"),
        imageKey,
        fetchedAt: now,
        expiresAt: now + (cached.preview ? LINK_PREVIEW_TTL.foundMs : LINK_PREVIEW_TTL.noneMs),
      });
    });
    return cached;
  }

  /** The message's preview, its events rewritten and `message.updated`, in one unit; nothing when the message moved on. */
  private async store(job: Job, hash: string, cached: Cached): Promise<void> {
    const p = cached.preview!;
    await this.deps.uow.run(async ({ m, emit }) => {
      // MySQL: the message row locked, so an edit on another node waits for this unit (or this one sees it).
      const lock = dialectOf(m) === "mysql" ? " FOR UPDATE" : "";
      const found: { id: unknown }[] = await m.query(`SELECT id FROM messages WHERE id = ? AND appId = ?${lock}`, [job.messageId, job.appId]);
      if (found.length === 0) return;
      const row = await m.getRepository(MessageEntity).findOneBy({ id: job.messageId, appId: job.appId });
      if (!row || row.deletedAt !== null || row.text === null || firstLink(row.text) !== job.url) return;
      const previews = m.getRepository(MessagePreviewEntity);
      const existing = await previews.findOneBy({ messageId: row.id });
      if (existing && (existing.removed || existing.url === job.url)) return;
      if (existing) await previews.delete({ messageId: row.id });
      const image = cached.imageKey && p.imageWidth && p.imageHeight;
      await previews.insert({
        messageId: row.id,
        appId: job.appId,
        conversationId: row.conversationId,
        url: job.url,
        urlHash: hash,
        title: p.title,
        description: p.description,
        siteName: p.siteName,
        imageKey: image ? cached.imageKey : null,
        imageWidth: image ? p.imageWidth : null,
        imageHeight: image ? p.imageHeight : null,
        removed: false,
        createdAt: Date.now(),
      });
      const message = await this.present(m, row);
      await this.deps.events.rewriteMessage(m, job.appId, message);
      emit(job.appId, [{ type: "message.updated", conversationId: row.conversationId, data: { message } }]);
    });
  }

  private present(m: EntityManager, row: MessageEntity): Promise<Message> {
    return new MessagePresenter(m as unknown as DataSource).presentOne(row, NO_VIEWER);
  }

  private isIdle(): boolean {
    return this.queue.size === 0 && this.running === 0 && !this.scheduled;
  }

  private settle(): void {
    if (!this.isIdle()) return;
    const idlers = this.idlers;
    this.idlers = [];
    for (const resolve of idlers) resolve();
  }
}
