import type { RateLimit } from "../config/limits.js";
import { UserAndAppQuota } from "./rate-limit.js";

/**
 * The budget of every write a signed-in user can repeat that has no quota of its own (messages,
 * searches, reports and groups have theirs): reactions, pins, votes, edits, read marks and the
 * rest (red team round 4: 300 reaction toggles a second were all written and sent to every member,
 * and slowed another user's sends from 10 ms to 250). Taken by the router before the handler, for
 * every call (request/route.ts): a refused or failed write costs the server too.
 */
export class ActionQuota extends UserAndAppQuota {
  constructor(limits: { actionsPerUser: RateLimit; actionsPerApp: RateLimit }, redis?: { client: unknown; prefix: string }) {
    super(limits.actionsPerUser, limits.actionsPerApp, { user: "action-user", app: "action-app" }, redis);
  }
}
