import type { RateLimiterAbstract } from "rate-limiter-flexible";
import type { RateLimit } from "../config.js";
import { consume, createLimiter } from "../http/rate-limit.js";

/**
 * Message quotas: per user (all their devices, REST and sockets) and per app (all its users), so
 * one flooding account or one noisy host site cannot take a node's write capacity from the
 * others. In Redis when there are several nodes (shared counters), in memory otherwise.
 * Over either: `rate_limited` (429, Retry-After) — retryable, and the socket stays connected.
 */
export class SendQuota {
  private readonly perUser: RateLimiterAbstract;
  private readonly perApp: RateLimiterAbstract;

  constructor(limits: { messagesPerUser: RateLimit; messagesPerApp: RateLimit }, redis?: { client: unknown; prefix: string }) {
    this.perUser = createLimiter(limits.messagesPerUser, "msg-user", redis);
    this.perApp = createLimiter(limits.messagesPerApp, "msg-app", redis);
  }

  /** Takes one message from the user's quota, then from the app's; throws `rate_limited` past either. */
  async take(appId: string, userId: string): Promise<void> {
    await consume(this.perUser, `${appId}:${userId}`);
    await consume(this.perApp, appId);
  }
}
