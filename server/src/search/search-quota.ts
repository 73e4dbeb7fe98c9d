import type { RateLimit } from "../config/limits.js";
import { UserAndAppQuota } from "../shared/rate-limit.js";

/**
 * Search quotas: per user and per app, keyed on the signed-in caller (never on anything the client
 * sends). A search reads an index and many rows; without a bound one account — or one host site's
 * script — could keep the database busy for everyone (red team round 3, G3).
 */
export class SearchQuota extends UserAndAppQuota {
  constructor(limits: { searchPerUser: RateLimit; searchPerApp: RateLimit }, redis?: { client: unknown; prefix: string }) {
    super(limits.searchPerUser, limits.searchPerApp, { user: "search-user", app: "search-app" }, redis);
  }
}
