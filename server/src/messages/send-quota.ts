import type { RateLimiterAbstract } from "rate-limiter-flexible";
import type { RateLimit } from "../config/limits.js";
import { consume, createLimiter } from "../shared/rate-limit.js";
import { AppError } from "../shared/errors.js";

/** Users held at once on one node; past it the earliest-ending holds go first (they are nearly over). */
const HOLDS_MAX = 50_000;

/**
 * Message quotas: per user (all their devices, REST and sockets) and per app (all its users), so
 * one flooding account or one noisy host site cannot take a node's write capacity from the
 * others. In Redis when there are several nodes (shared counters), in memory otherwise.
 * Over either: `rate_limited` (429, Retry-After) — retryable, and the socket stays connected.
 *
 * Order under refusal: a client pipelines its sends, and resends a refused one. Were the window to
 * end while the rest of its burst is still arriving, those would be stored before the refused one.
 * So a refusal holds: the user's later sends are refused too until its Retry-After has passed
 * (what the client was told to wait anyway), and a user's quota answers are taken one after the
 * other, in call order, so a send never overtakes the refusal of the one before it. With the
 * server's per-socket order, a client that resends from the refused one keeps its order.
 */
export class SendQuota {
  private readonly perUser: RateLimiterAbstract;
  private readonly perApp: RateLimiterAbstract;
  /** `app:user` -> when its hold ends (ms). */
  private readonly holds = new Map<string, number>();
  /** `app:user` -> its latest take: the next one starts after it settles. */
  private readonly lanes = new Map<string, Promise<void>>();

  constructor(limits: { messagesPerUser: RateLimit; messagesPerApp: RateLimit }, redis?: { client: unknown; prefix: string }) {
    this.perUser = createLimiter(limits.messagesPerUser, "msg-user", redis);
    this.perApp = createLimiter(limits.messagesPerApp, "msg-app", redis);
  }

  /**
   * Takes one message from the user's quota, then from the app's; throws `rate_limited` (with
   * `retryAfterSec`) past either, or while an earlier refusal of this user holds.
   */
  take(appId: string, userId: string): Promise<void> {
    const key = `${appId}:${userId}`;
    const before = this.lanes.get(key);
    const mine = before
      ? before.then(
          () => this.takeNow(key, appId),
          () => this.takeNow(key, appId),
        )
      : this.takeNow(key, appId);
    this.lanes.set(key, mine);
    const forget = (): void => {
      if (this.lanes.get(key) === mine) this.lanes.delete(key);
    };
    mine.then(forget, forget);
    return mine;
  }

  private async takeNow(key: string, appId: string): Promise<void> {
    const until = this.holds.get(key);
    if (until !== undefined) {
      const left = until - Date.now();
      if (left > 0) throw held(Math.ceil(left / 1000));
      this.holds.delete(key);
    }
    try {
      await consume(this.perUser, key);
      await consume(this.perApp, appId);
    } catch (err) {
      if (err instanceof AppError && err.code === "rate_limited") this.hold(key, retryAfterSec(err));
      throw err;
    }
  }

  private hold(key: string, seconds: number): void {
    if (this.holds.size >= HOLDS_MAX) {
      const now = Date.now();
      for (const [k, until] of this.holds) if (until <= now) this.holds.delete(k);
      // Still full: drop the oldest holds (set first, so ending first).
      for (const k of this.holds.keys()) {
        if (this.holds.size < HOLDS_MAX) break;
        this.holds.delete(k);
      }
    }
    this.holds.delete(key);
    this.holds.set(key, Date.now() + seconds * 1000);
  }
}

function retryAfterSec(err: AppError): number {
  const v = (err.details as { retryAfterSec?: unknown } | undefined)?.retryAfterSec;
  return typeof v === "number" && v > 0 ? v : 1;
}

function held(seconds: number): AppError {
  return new AppError("rate_limited", "Too many messages; try again later", { retryAfterSec: seconds }, { "Retry-After": String(seconds) });
}
