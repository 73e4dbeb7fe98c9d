import type { DataSource, EntityManager } from "typeorm";
import type { UnitOfWork } from "../db/unit-of-work.js";
import type { MessagePresenter } from "../messages/messages.presenter.js";
import type { UsersService } from "../users/users.service.js";
import type { GroupRules } from "./group-policy.js";
import type { MembershipGuard } from "./membership.js";

/**
 * What the conversations domain is built from. Each command and query takes the narrow `Pick<…>`
 * of it that it uses; the facade (conversations.service.ts) holds the whole.
 */
export interface ConversationsDeps {
  db: DataSource;
  uow: UnitOfWork;
  presenter: MessagePresenter;
  membership: MembershipGuard;
  users: UsersService;
  /**
   * Consent, group size and the hourly quotas of user-made group changes (group-policy.ts):
   * the app's `GroupPolicy` for the routes, `TRUSTED_POLICY` only for the server itself (seeding,
   * tools). Server-API commands never use it: they have the server's own settings.
   */
  policy: GroupRules;
  /** Moderation's bans (moderation/gate.ts): a banned user is never let in again. */
  bans?: { assertNotBanned(m: EntityManager, appId: string, conversationId: string, userIds: string[]): Promise<void> } | undefined;
  /** The word filter, for group names when the app filters names (moderation/gate.ts). */
  names?: { filterName(appId: string, name: string, m?: EntityManager): Promise<string> } | undefined;
}
