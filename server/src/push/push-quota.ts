import type { RateLimit } from "../config/limits.js";
import { UserAndAppQuota } from "../shared/rate-limit.js";

/**
 * Subscribe and unsubscribe quotas, per user and per app, keyed on the signed-in caller: each
 * subscribe resolves the endpoint's host and writes, and without a bound one account (or one host
 * page's script) could keep the server resolving names for it.
 */
export class PushQuota extends UserAndAppQuota {
  constructor(limits: { subscribePerUser: RateLimit; subscribePerApp: RateLimit }, redis?: { client: unknown; prefix: string }) {
    super(limits.subscribePerUser, limits.subscribePerApp, { user: "push-sub-user", app: "push-sub-app" }, redis);
  }
}
