import type { RateLimiterAbstract } from "rate-limiter-flexible";
import type { RateLimit } from "../config/limits.js";
import { consume, createLimiter } from "../shared/rate-limit.js";

/**
 * Search quotas: per user and per app, keyed on the signed-in caller (never on anything the client
 * sends). A search reads an index and many rows; without a bound one account — or one host site's
 * script — could keep the database busy for everyone (red team round 3, G3). In Redis with several
 * nodes, in memory otherwise. Past either: `rate_limited` (429, Retry-After).
 */
export class SearchQuota {
  private readonly perUser: RateLimiterAbstract;
  private readonly perApp: RateLimiterAbstract;

  constructor(limits: { searchPerUser: RateLimit; searchPerApp: RateLimit }, redis?: { client: unknown; prefix: string }) {
    this.perUser = createLimiter(limits.searchPerUser, "search-user", redis);
    this.perApp = createLimiter(limits.searchPerApp, "search-app", redis);
  }

  async take(appId: string, userId: string): Promise<void> {
    await consume(this.perUser, `${appId}:${userId}`);
    await consume(this.perApp, appId);
  }
}
