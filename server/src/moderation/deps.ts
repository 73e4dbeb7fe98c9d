import type { RateLimiterAbstract } from "rate-limiter-flexible";
import type { DataSource } from "typeorm";
import type { ConversationsService } from "../conversations/conversations.service.js";
import type { UnitOfWork } from "../db/unit-of-work.js";
import type { MessagesService } from "../messages/messages.service.js";
import type { UsersService } from "../users/users.service.js";
import type { WebhooksService } from "../webhooks/webhooks.service.js";
import type { ModerationGate } from "./gate.js";

/**
 * What the moderation service is built from. Each command and query takes the narrow `Pick<…>` of
 * it that it uses; the facade (moderation.service.ts) holds the whole.
 */
export interface ModerationDeps {
  db: DataSource;
  uow: UnitOfWork;
  gate: ModerationGate;
  users: Pick<UsersService, "get">;
  conversations: Pick<ConversationsService, "requireInApp" | "expel">;
  messages: Pick<MessagesService, "get" | "remove">;
  /** Ends every session of an app-banned user (their sockets drop on every node). */
  sessions: { endAllSessions(appId: string, userId: string): Promise<void> };
  webhooks: Pick<WebhooksService, "enqueue">;
  /** New reports one user may file (REPORTS_PER_HOUR), keyed by app and reporter; shared counters with Redis. */
  reportQuota: Pick<RateLimiterAbstract, "consume">;
}
