import { createHash } from "node:crypto";
import type { DataSource } from "typeorm";
import webpush from "web-push";
import { RateLimiterRes, type RateLimiterAbstract } from "rate-limiter-flexible";
import type { Call, ChatEvent, Message, PushPayload, ReminderDue } from "@parley/sdk/protocol";
import type { PushConfig } from "../config/outbound.js";
import type { PresenceService } from "../presence/presence.service.js";
import type { Logger } from "../shared/logger.js";
import type { PushSettingsEntity } from "./push.entities.js";
import { PUSH_TEXT_MAX_CHARS } from "./push.schema.js";
import type { PushService } from "./push.service.js";
import { marks } from "../db/sql.js";
import { chunks } from "../shared/chunks.js";
import { postPush, type PushOutcome } from "./sender.js";
import { CALL_PUSH_TTL_SEC, callPayloadOf, ringTargets, stillInvited } from "./call-push.js";
import { reminderPush } from "./reminder-push.js";

/** Messages waiting for their pushes on one node; past it new ones are dropped (and logged). */
const QUEUE_MAX = 10_000;
/** Messages worked on at once, and pushes in flight at once, per node. */
const JOBS_AT_ONCE = 4;
const SENDS_AT_ONCE = 16;
/** Messages of one app looked up together. */
const ROUND_MAX = 100;
/** One try and at most two retries. */
const MAX_ATTEMPTS = 3;
/** After the presence grace, how much longer a recipient who was counted online is waited for (the grace's own timers and its announcement across nodes). */
const GRACE_MARGIN_MS = 500;

export interface PushNotifierDeps {
  db: DataSource;
  push: Pick<PushService, "settingsOf" | "drop" | "mayHavePush">;
  /** Online anywhere: a socket on any node, or within the presence grace after the last one closed. */
  presence: Pick<PresenceService, "isOnline">;
  /** PRESENCE_GRACE_MS: how long a user counts as online after their last socket closed. */
  presenceGraceMs: number;
  logger: Logger;
  /** Pushes per user per minute (shared in Redis with several nodes). */
  perUser: RateLimiterAbstract;
}

interface Job {
  appId: string;
  message: Message;
}

/** A subscription to push to, as the recipients query reads it. */
interface Target {
  id: string;
  userId: string;
  endpoint: string;
  p256dh: string;
  auth: string;
}

/**
 * Sends web pushes for new messages (issue 31), off the write path: the unit of work's commit hook
 * (`onCommit`, after the message is committed and published, on the node that wrote it) only queues
 * the message; the work happens later, so a send's answer never waits for it, and its failures are
 * only logged.
 *
 * For each message of a conversation's timeline (not a thread reply): the members other than the
 * sender who have not muted the conversation, with their subscriptions and whether each one's session
 * is still live. Queued messages of one app are looked up together (a round of up to 100: one
 * query, then the memberships and the app's settings only when someone has a live subscription),
 * so with nobody to push to the cost is per round, not per message; a message with offline
 * recipients to push to still reads its conversation and sender. Recipients online anywhere
 * (presence) are asked again once the presence grace has passed (their last tab may have just
 * closed) and pushed then if they are offline and have not read the message; recipients who
 * blocked the sender get nothing; and a user past PUSH_PER_USER_PER_MIN this minute gets nothing. Each remaining subscription gets
 * one push (web-push's RFC 8291 aes128gcm encryption and VAPID headers, sent by sender.ts), with a
 * TTL, an urgency (high for a direct conversation) and a Topic per conversation (a push service
 * keeps only the newest undelivered push of a topic). Answers: 2xx done; 404/410 the subscription is
 * gone (deleted); 429, 5xx or no answer tried again after PUSH_RETRY_BASE_MS, then twice that (at
 * most three attempts); any other 4xx is logged and dropped. Pushes are at most once: a node that
 * stops drops what it had queued.
 *
 * A call that rings (issue 53, `call.started`) gets one push per device of each invitee with no
 * socket (call-push.ts): at once for those offline, after the presence grace for those counted
 * online who still have no device ringing for it (a device that rings says so: `ringing`).
 */
export class PushNotifier {
  private readonly queue: Job[] = [];
  private jobs = 0;
  private sends = 0;
  private readonly slots: (() => void)[] = [];
  /** Retries and grace checks waiting for their time: each timer and what ends its wait early (stop). */
  private readonly retries = new Map<NodeJS.Timeout, () => void>();
  private readonly work = new Set<Promise<void>>();
  private idlers: (() => void)[] = [];
  private stopped = false;
  private scheduled: NodeJS.Immediate | undefined;

  constructor(
    private readonly deps: PushNotifierDeps,
    private readonly config: Pick<PushConfig, "allowPrivate" | "vapidSubject" | "retryBaseMs" | "ttlSec">,
  ) {}

  /** The unit of work's commit hook: queues each new timeline message. */
  readonly onCommit = (appId: string, events: ChatEvent[]): void => {
    if (this.stopped) return;
    for (const e of events) {
      if (e.type === "call.started") {
        const call = e.data.call;
        // After this turn, as messages' pushes (the start's answer first).
        const later = new Promise<void>((resolve) => setImmediate(resolve));
        this.track(
          later.then(() => this.ring(appId, call)).catch((err: unknown) => this.deps.logger.warn({ err, appId, callId: call.id }, "web push of a ring failed")),
        );
        continue;
      }
      if (e.type === "reminder.due" && e.userId) {
        this.track(this.remind(appId, e.userId, e.data).catch((err: unknown) => this.deps.logger.warn({ err, appId }, "web push of a reminder failed")));
        continue;
      }
      if (e.type !== "message.new" || e.conversationId === null) continue;
      const message = e.data.message;
      if (message.threadId !== undefined || message.deletedAt !== null) continue;
      if (this.queue.length >= QUEUE_MAX) {
        this.deps.logger.warn({ appId, messageId: message.id }, "web push queue full: push dropped");
        continue;
      }
      this.queue.push({ appId, message });
    }
    // Not now: the send's answers are given in this turn of the event loop (SQLite even runs a
    // statement synchronously), and the pushes start only after them.
    if (this.queue.length > 0 && !this.scheduled) {
      this.scheduled = setImmediate(() => {
        this.scheduled = undefined;
        this.pump();
      });
    }
  };

  /** Resolves once nothing is queued, being sent or waiting for a retry (tests, shutdown). */
  idle(): Promise<void> {
    if (this.isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.idlers.push(resolve));
  }

  /** Stops taking messages, drops queued ones and pending retries, and waits for the pushes in flight. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.queue.length = 0;
    clearImmediate(this.scheduled);
    this.scheduled = undefined;
    for (const [t, wake] of this.retries) {
      clearTimeout(t);
      wake();
    }
    this.retries.clear();
    await Promise.allSettled([...this.work]);
    this.settle();
  }

  private pump(): void {
    while (this.jobs < JOBS_AT_ONCE && this.queue.length > 0) {
      const round = this.takeRound();
      this.jobs++;
      this.track(
        this.notify(round)
          .catch((err: unknown) => this.deps.logger.warn({ err, appId: round[0]!.appId, messages: round.length }, "web push failed"))
          .finally(() => {
            this.jobs--;
            this.pump();
          }),
      );
    }
    this.settle();
  }

  /** The next queued messages of one app (up to ROUND_MAX), looked up together. */
  private takeRound(): Job[] {
    const appId = this.queue[0]!.appId;
    let n = 0;
    while (n < this.queue.length && n < ROUND_MAX && this.queue[n]!.appId === appId) n++;
    return this.queue.splice(0, n);
  }

  /** Pushes for a round of one app's messages: one look-up for all of them (none per message when nobody has a subscription). */
  private async notify(round: Job[]): Promise<void> {
    if (!this.deps.db.isInitialized) return;
    const appId = round[0]!.appId;
    if (!(await this.deps.push.mayHavePush(appId))) return;
    const now = Date.now();
    const conversationIds = [...new Set(round.map((j) => j.message.conversationId))];
    // The subscriptions of the members who have not muted these conversations, and whether each
    // one's session is still live. The member lists drive it (an IN list probing (appId, userId)),
    // never the app's subscriptions, whatever the statistics say.
    const subs: (Target & { live: number | string })[] = await this.deps.db.query(
      `SELECT s.id, s.userId, s.endpoint, s.p256dh, s.auth,
         CASE WHEN s.sessionId IS NULL OR EXISTS (
           SELECT 1 FROM refresh_tokens t WHERE t.familyId = s.sessionId AND t.revokedAt IS NULL AND t.expiresAt > ?) THEN 1 ELSE 0 END AS live
       FROM push_subscriptions s
       WHERE s.appId = ? AND s.userId IN (SELECT mb.userId FROM members mb WHERE mb.conversationId IN (${marks(conversationIds.length)}) AND mb.muted = 0)`,
      [now, appId, ...conversationIds],
    );
    if (subs.length === 0) return;
    // A session that ended without telling us (expired, or a node stopped before its clean-up):
    // its devices are done. Its own failure loses no push.
    await this.deps.push
      .drop(
        appId,
        subs.filter((r) => Number(r.live) !== 1).map((r) => r.id),
      )
      .catch((err: unknown) => this.deps.logger.warn({ err, appId }, "web push: dropping ended sessions' subscriptions failed"));
    const live = subs.filter((r) => Number(r.live) === 1);
    if (live.length === 0) return;
    // Which of these users gets which conversation's messages (not muted there), 500 users a statement.
    const users = [...new Set(live.map((r) => r.userId))];
    const inConversation = new Set<string>();
    for (const chunk of chunks(users, 500)) {
      const memberships: { conversationId: string; userId: string }[] = await this.deps.db.query(
        `SELECT conversationId, userId FROM members WHERE conversationId IN (${marks(conversationIds.length)}) AND userId IN (${marks(chunk.length)}) AND muted = 0`,
        [...conversationIds, ...chunk],
      );
      for (const r of memberships) inConversation.add(`${r.conversationId}\u0000${r.userId}`);
    }
    // Who of these users blocked which sender: a blocked user's messages are never pushed to them
    // (red team 4: a group message of someone you blocked arrived with their name and text).
    const senders = [...new Set(round.map((j) => senderOf(j.message)).filter((id) => id !== ""))];
    const blocked = new Set<string>();
    for (const chunk of senders.length > 0 ? chunks(users, 500) : []) {
      const blocks: { blockerId: string; blockedId: string }[] = await this.deps.db.query(
        `SELECT blockerId, blockedId FROM blocks WHERE appId = ? AND blockedId IN (${marks(senders.length)}) AND blockerId IN (${marks(chunk.length)})`,
        [appId, ...senders, ...chunk],
      );
      for (const b of blocks) blocked.add(`${b.blockerId}\u0000${b.blockedId}`);
    }
    const settings = await this.deps.push.settingsOf(appId);
    if (!settings) return;
    // In order, one message after the other: a conversation's pushes share a Topic (the service
    // keeps the newest undelivered one), and each message's pushes are concurrent already.
    for (const { message } of round) {
      const sender = senderOf(message);
      const rows = live.filter(
        (r) => r.userId !== sender && inConversation.has(`${message.conversationId}\u0000${r.userId}`) && !blocked.has(`${r.userId}\u0000${sender}`),
      );
      await this.notifyOne(appId, message, rows, settings).catch((err: unknown) =>
        this.deps.logger.warn({ err, appId, messageId: message.id }, "web push failed"),
      );
    }
  }

  /**
   * One message's pushes, to the live subscriptions of its recipients who are offline. A recipient
   * counted online may only be in the presence grace, their last tab closed a moment ago (red team
   * 4: such a push was lost): they are asked again once the grace has passed, and pushed then if
   * they are offline and have not read the message.
   */
  private async notifyOne(appId: string, message: Message, rows: Target[], settings: PushSettingsEntity): Promise<void> {
    if (rows.length === 0) return;
    const online = rows.filter((r) => this.deps.presence.isOnline(r.userId));
    if (online.length > 0) {
      this.track(
        this.afterGrace(appId, message, online, settings).catch((err: unknown) =>
          this.deps.logger.warn({ err, appId, messageId: message.id }, "web push after the presence grace failed"),
        ),
      );
    }
    await this.push(
      appId,
      message,
      rows.filter((r) => !online.includes(r)),
      settings,
    );
  }

  /** The recipients counted online when `message` came, once the grace is over: those offline who have not read it get their push. */
  private async afterGrace(appId: string, message: Message, rows: Target[], settings: PushSettingsEntity): Promise<void> {
    await this.wait(this.deps.presenceGraceMs + GRACE_MARGIN_MS);
    if (this.stopped || !this.deps.db.isInitialized) return;
    const away = rows.filter((r) => !this.deps.presence.isOnline(r.userId));
    if (away.length === 0) return;
    const users = [...new Set(away.map((r) => r.userId))];
    const unread: { userId: string }[] = await this.deps.db.query(
      `SELECT userId FROM members WHERE conversationId = ? AND userId IN (${marks(users.length)}) AND muted = 0 AND lastReadMessageId < ?`,
      [message.conversationId, ...users, Number(message.id)],
    );
    const still = new Set(unread.map((u) => u.userId));
    await this.push(
      appId,
      message,
      away.filter((r) => still.has(r.userId)),
      settings,
    );
  }

  /** The pushes of `message` to `targets` (offline recipients' live subscriptions), each user within their minute's cap. */
  private async push(appId: string, message: Message, targets: Target[], settings: PushSettingsEntity): Promise<void> {
    if (targets.length === 0) return;
    const sender = senderOf(message);
    const info: { kind: string; name: string | null; senderName: string | null }[] = await this.deps.db.query(
      "SELECT c.kind, c.name, (SELECT u.displayName FROM users u WHERE u.id = ? AND u.appId = c.appId) AS senderName FROM conversations c WHERE c.id = ? AND c.appId = ?",
      [sender, message.conversationId, appId],
    );
    const c = info[0];
    if (!c) return;
    const body = JSON.stringify(payloadOf(appId, message, { ...c, includeText: Boolean(settings.includeText) }));
    await this.deliver(appId, targets, body, this.optionsFor(settings, message.conversationId, c.kind === "direct" ? "high" : "normal"));
  }

  /**
   * A call rings: each invitee with no socket gets one push per device, now when offline, or once
   * the presence grace has passed when counted online and still no device of theirs rings for it.
   */
  private async ring(appId: string, call: Call): Promise<void> {
    if (!this.deps.db.isInitialized) return;
    const subs = await ringTargets(this.deps.db, appId, call, Date.now());
    if (subs.length === 0) return;
    await this.deps.push.drop(
      appId,
      subs.filter((r) => Number(r.live) !== 1).map((r) => r.id),
    );
    const live = subs.filter((r) => Number(r.live) === 1);
    const settings = live.length > 0 ? await this.deps.push.settingsOf(appId) : null;
    if (!settings) return;
    const payload = await callPayloadOf(this.deps.db, appId, call);
    if (!payload) return;
    const body = JSON.stringify(payload);
    // Its own topic (a newer ring of the conversation is another call), urgent, and short-lived.
    const options = { ...this.optionsFor(settings, call.id, "high"), TTL: CALL_PUSH_TTL_SEC };
    const online = live.filter((r) => this.deps.presence.isOnline(r.userId));
    await this.deliver(
      appId,
      live.filter((r) => !online.includes(r)),
      body,
      options,
    );
    if (online.length === 0) return;
    await this.wait(this.deps.presenceGraceMs + GRACE_MARGIN_MS);
    if (this.stopped || !this.deps.db.isInitialized) return;
    const away = online.filter((r) => !this.deps.presence.isOnline(r.userId));
    const still = await stillInvited(this.deps.db, call.id, [...new Set(away.map((r) => r.userId))]);
    await this.deliver(
      appId,
      away.filter((r) => still.has(r.userId)),
      body,
      options,
    );
  }

  /** A reminder came due (issue 55): one push to each of the user's devices (reminder-push.ts). */
  private async remind(appId: string, userId: string, due: ReminderDue): Promise<void> {
    const r = this.deps.db.isInitialized ? await reminderPush(this.deps.db, this.deps.push, appId, userId, due) : null;
    if (r) await this.deliver(appId, r.targets, r.body, this.optionsFor(r.settings, `reminder:${due.reminder.id}`, "high"));
  }

  /** One push of `body` to each of `targets`, each user within their minute's cap. */
  private async deliver(appId: string, targets: Target[], body: string, options: webpush.RequestOptions): Promise<void> {
    if (targets.length === 0) return;
    const byUser = new Map<string, Target[]>();
    for (const t of targets) byUser.set(t.userId, [...(byUser.get(t.userId) ?? []), t]);
    await Promise.all(
      [...byUser].map(async ([userId, subs]) => {
        if (!(await this.allowed(appId, userId))) return;
        await Promise.all(subs.map((sub) => this.send(appId, sub, body, options, 1)));
      }),
    );
  }

  /** One attempt at one subscription, and what its answer means. */
  private async send(appId: string, sub: Target, body: string, options: webpush.RequestOptions, attempt: number): Promise<void> {
    if (this.stopped) return;
    const outcome = await this.slot(async (): Promise<PushOutcome> => {
      const req = webpush.generateRequestDetails({ endpoint: sub.endpoint, keys: { p256dh: sub.p256dh, auth: sub.auth } }, body, options);
      return postPush(req.endpoint, req.headers as Record<string, string | number>, req.body, this.config.allowPrivate);
    });
    const host = hostOf(sub.endpoint);
    if ("status" in outcome && outcome.status >= 200 && outcome.status < 300) return;
    if ("status" in outcome && (outcome.status === 404 || outcome.status === 410)) {
      if (this.deps.db.isInitialized) await this.deps.push.drop(appId, [sub.id]);
      this.deps.logger.info({ appId, host, status: outcome.status }, "web push subscription expired: removed");
      return;
    }
    const why = "status" in outcome ? `HTTP ${outcome.status}` : outcome.error;
    const retryable = !("status" in outcome) || outcome.status === 429 || outcome.status >= 500;
    if (!retryable || attempt >= MAX_ATTEMPTS || this.stopped) {
      this.deps.logger.warn({ appId, host, attempt, why }, "web push failed");
      return;
    }
    const base = this.config.retryBaseMs * 2 ** (attempt - 1);
    await this.wait(
      Math.max(Math.round(base * (0.5 + Math.random() / 2)), "retryAfterSec" in outcome && outcome.retryAfterSec ? outcome.retryAfterSec * 1000 : 0),
    );
    await this.send(appId, sub, body, options, attempt + 1);
  }

  /** Waits `ms` (a retry's back-off, a grace), or less when the notifier stops. */
  private wait(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const t = setTimeout(() => {
        this.retries.delete(t);
        resolve();
      }, ms);
      t.unref();
      this.retries.set(t, resolve);
    });
  }

  /** Takes one push from the user's minute; false past it (a limiter that cannot answer lets it through). */
  private async allowed(appId: string, userId: string): Promise<boolean> {
    try {
      await this.deps.perUser.consume(`${appId}:${userId}`);
      return true;
    } catch (err) {
      if (err instanceof RateLimiterRes) return false;
      this.deps.logger.warn({ err }, "web push rate limiter failed");
      return true;
    }
  }

  private optionsFor(settings: PushSettingsEntity, conversationId: string, urgency: webpush.Urgency): webpush.RequestOptions {
    return {
      vapidDetails: { subject: this.config.vapidSubject, publicKey: settings.publicKey, privateKey: settings.privateKey },
      TTL: this.config.ttlSec,
      urgency,
      // At most 32 characters of the URL-safe alphabet: one topic per conversation.
      topic: createHash("sha256").update(conversationId).digest("base64url").slice(0, 32),
      contentEncoding: "aes128gcm",
    };
  }

  /** Runs `fn` when fewer than SENDS_AT_ONCE pushes are in flight. */
  private async slot<T>(fn: () => Promise<T>): Promise<T> {
    while (this.sends >= SENDS_AT_ONCE) await new Promise<void>((resolve) => this.slots.push(resolve));
    this.sends++;
    try {
      return await fn();
    } finally {
      this.sends--;
      this.slots.shift()?.();
    }
  }

  private track(p: Promise<void>): void {
    this.work.add(p);
    void p.finally(() => {
      this.work.delete(p);
      this.settle();
    });
  }

  private isIdle(): boolean {
    return this.queue.length === 0 && this.jobs === 0 && this.work.size === 0 && this.scheduled === undefined;
  }

  private settle(): void {
    if (!this.isIdle()) return;
    for (const resolve of this.idlers.splice(0)) resolve();
  }
}

/**
 * Who a message is from, for its pushes: a finished call's entry (a system message) counts as its
 * caller's, so that it never reaches them, nor anyone who blocked them, and names them.
 */
const senderOf = (m: Message): string => m.senderId ?? m.call?.startedBy ?? "";

/**
 * The push's JSON: a title naming the sender (direct) or the group, and the text only with the
 * app's opt-in. A call nobody answered: "Missed video call from Ada" (it replaces the ring's
 * notification: both are tagged with the conversation).
 */
export function payloadOf(
  appId: string,
  message: Message,
  c: { kind: string; name: string | null; senderName: string | null; includeText: boolean },
): PushPayload {
  const missed = message.call?.endReason === "missed" || message.call?.endReason === "cancelled";
  const title = missed
    ? `Missed ${message.call!.kind === "video" ? "video" : "voice"} call${c.senderName !== null ? ` from ${c.senderName}` : ""}`
    : c.kind === "group"
      ? `New message in ${c.name ?? "a group"}`
      : c.senderName !== null
        ? `New message from ${c.senderName}`
        : "New message";
  const text = !missed && c.includeText && message.text ? clip(message.text, PUSH_TEXT_MAX_CHARS) : "";
  const body = text && c.kind === "group" && c.senderName !== null ? `${c.senderName}: ${text}` : text;
  return { title, ...(body ? { body } : {}), conversationId: message.conversationId, messageId: message.id, appId };
}

/** At most `max` characters (code points, so no emoji is cut in half), with an ellipsis when cut. */
function clip(text: string, max: number): string {
  const chars = [...text];
  return chars.length <= max ? text : `${chars.slice(0, max - 1).join("")}…`;
}

function hostOf(endpoint: string): string {
  try {
    return new URL(endpoint).host;
  } catch {
    return "?";
  }
}
