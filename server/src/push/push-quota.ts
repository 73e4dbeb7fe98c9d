import type { RateLimiterAbstract } from "rate-limiter-flexible";
import type { RateLimit } from "../config/limits.js";
import { consume, createLimiter } from "../shared/rate-limit.js";

/**
 * Subscribe and unsubscribe quotas, per user and per app, keyed on the signed-in caller: each
 * subscribe resolves the endpoint's host and writes, and without a bound one account (or one host
 * page's script) could keep the server resolving names for it. In Redis with several nodes, in
 * memory otherwise. Past either: `rate_limited` (429, Retry-After).
 */
export class PushQuota {
  private readonly perUser: RateLimiterAbstract;
  private readonly perApp: RateLimiterAbstract;

  constructor(limits: { subscribePerUser: RateLimit; subscribePerApp: RateLimit }, redis?: { client: unknown; prefix: string }) {
    this.perUser = createLimiter(limits.subscribePerUser, "push-sub-user", redis);
    this.perApp = createLimiter(limits.subscribePerApp, "push-sub-app", redis);
  }

  async take(appId: string, userId: string): Promise<void> {
    await consume(this.perUser, `${appId}:${userId}`);
    await consume(this.perApp, appId);
  }
}
