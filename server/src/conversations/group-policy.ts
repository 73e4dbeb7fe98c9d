import { RateLimiterRes, type RateLimiterAbstract } from "rate-limiter-flexible";
import type { DataSource, EntityManager } from "typeorm";
import { MESSAGE_LIMITS } from "@parley/sdk/protocol";
import type { GroupLimits } from "../config/limits.js";
import { createLimiter } from "../shared/rate-limit.js";
import { AppError } from "../shared/errors.js";

/** What one app allows for groups: its own row's overrides, else the server's settings. */
export interface GroupSettings {
  /** Non-contacts are added at once instead of invited. */
  directAdd: boolean;
  /** Members and pending invitations together. */
  maxMembers: number;
}

/**
 * The anti-spam rules of group writes made by users (issue 15): per-user hourly quotas on groups
 * created and on users added or invited (in Redis with several nodes, in memory otherwise), and
 * the app's settings. Quotas are taken before the write, so failed attempts count too.
 */
export class GroupPolicy {
  private readonly created: RateLimiterAbstract;
  private readonly added: RateLimiterAbstract;

  constructor(
    private readonly limits: GroupLimits,
    redis?: { client: unknown; prefix: string },
  ) {
    this.created = createLimiter(limits.createdPerUser, "groups-created", redis);
    this.added = createLimiter(limits.addedPerUser, "group-adds", redis);
  }

  /** The app's settings: `apps.groupDirectAdd` / `apps.groupMaxMembers` when set, else the server's. */
  async settings(db: DataSource | EntityManager, appId: string): Promise<GroupSettings> {
    const rows: { groupDirectAdd: number | boolean | null; groupMaxMembers: number | string | null }[] = await db.query(
      "SELECT groupDirectAdd, groupMaxMembers FROM apps WHERE id = ?",
      [appId],
    );
    const row = rows[0];
    return {
      directAdd: row?.groupDirectAdd === null || row?.groupDirectAdd === undefined ? this.limits.directAdd : Boolean(Number(row.groupDirectAdd)),
      maxMembers: row?.groupMaxMembers === null || row?.groupMaxMembers === undefined ? this.limits.maxMembers : Number(row.groupMaxMembers),
    };
  }

  /** One group from the user's hourly quota; 429 past it. */
  takeGroup(appId: string, userId: string): Promise<void> {
    return take(this.created, `${appId}:${userId}`, 1);
  }

  /** `n` users added or invited from the user's hourly quota; 429 past it. */
  takeAdds(appId: string, userId: string, n: number): Promise<void> {
    return n > 0 ? take(this.added, `${appId}:${userId}`, n) : Promise.resolve();
  }
}

/** The server itself (seeding, tools): non-contacts are added directly, no quotas. Routes never use it. */
export const TRUSTED_SETTINGS: GroupSettings = { directAdd: true, maxMembers: MESSAGE_LIMITS.groupMembersMax };

/** What conversations/ asks of a group policy (it is built with one: ConversationsDeps.policy). */
export type GroupRules = Pick<GroupPolicy, "settings" | "takeGroup" | "takeAdds">;

/** The server itself (seeding, tools): TRUSTED_SETTINGS and no quotas. Routes never use it. */
export const TRUSTED_POLICY: GroupRules = {
  settings: () => Promise.resolve(TRUSTED_SETTINGS),
  takeGroup: () => Promise.resolve(),
  takeAdds: () => Promise.resolve(),
};

async function take(limiter: RateLimiterAbstract, key: string, points: number): Promise<void> {
  try {
    await limiter.consume(key, points);
  } catch (res) {
    if (!(res instanceof RateLimiterRes)) throw res;
    const retryAfterSec = Math.max(1, Math.ceil(res.msBeforeNext / 1000));
    throw new AppError("rate_limited", "Too many group changes; try again later", { retryAfterSec }, { "Retry-After": String(retryAfterSec) });
  }
}
