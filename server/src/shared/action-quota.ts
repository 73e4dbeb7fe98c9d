import type { RateLimiterAbstract } from "rate-limiter-flexible";
import type { RateLimit } from "../config/limits.js";
import { consume, createLimiter } from "./rate-limit.js";

/**
 * The budget of every write a signed-in user can repeat that has no quota of its own (messages,
 * searches, reports and groups have theirs): reactions, pins, votes, edits, read marks and the
 * rest (red team round 4: 300 reaction toggles a second were all written and sent to every member,
 * and slowed another user's sends from 10 ms to 250). Per user (all their devices) and per app
 * (all its users), in Redis with several nodes. Taken before the route's handler, for every call:
 * a refused or failed write costs the server too. Past either: `rate_limited` (429, Retry-After).
 */
export class ActionQuota {
  private readonly perUser: RateLimiterAbstract;
  private readonly perApp: RateLimiterAbstract;

  constructor(limits: { actionsPerUser: RateLimit; actionsPerApp: RateLimit }, redis?: { client: unknown; prefix: string }) {
    this.perUser = createLimiter(limits.actionsPerUser, "action-user", redis);
    this.perApp = createLimiter(limits.actionsPerApp, "action-app", redis);
  }

  async take(appId: string, userId: string): Promise<void> {
    await consume(this.perUser, `${appId}:${userId}`);
    await consume(this.perApp, appId);
  }
}
