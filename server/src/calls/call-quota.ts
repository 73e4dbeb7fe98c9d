import type { CallsConfig } from "../config/calls.js";
import { UserAndAppQuota } from "../shared/rate-limit.js";

/**
 * Call invites: a start rings people's devices, so each costs a point of the caller's budget and
 * of the app's (RATE_LIMIT_CALLS_PER_USER, _PER_APP a minute), refused or not: a refused start
 * costs the server too. Past either: `rate_limited` (429, `details.retryAfterSec`).
 */
export class CallInviteQuota extends UserAndAppQuota {
  constructor(limits: Pick<CallsConfig, "invitesPerUser" | "invitesPerApp">, redis?: { client: unknown; prefix: string }) {
    super(limits.invitesPerUser, limits.invitesPerApp, { user: "call-user", app: "call-app" }, redis);
  }
}
