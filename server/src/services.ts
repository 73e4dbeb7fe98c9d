import type { RateLimiterAbstract } from "rate-limiter-flexible";
import type { DataSource } from "typeorm";
import { AuthService } from "./auth/auth.service.js";
import { PasswordHasher } from "./auth/passwords.js";
import { TokenService } from "./auth/tokens.js";
import { assertSecret, type Config } from "./config.js";
import { createLimiter } from "./http/rate-limit.js";
import type { Logger } from "./shared/logger.js";
import { AppsService } from "./tenancy/apps.service.js";
import { DiskStorage } from "./uploads/storage.js";
import { UsersService } from "./users/users.service.js";
import { ContactsService } from "./contacts/contacts.service.js";
import { ConversationsService } from "./conversations/conversations.service.js";
import { MembershipGuard } from "./conversations/membership.js";
import { Transactor } from "./db/transaction.js";
import { EventLog } from "./events/event-log.js";
import { EventRetention } from "./events/event-retention.js";
import { MessagePresenter } from "./messages/messages.presenter.js";
import { MessagesService } from "./messages/messages.service.js";
import { SendQuota } from "./messages/send-quota.js";
import { PresenceService } from "./presence/presence.service.js";
import { UploadsService } from "./uploads/uploads.service.js";
import { RedisPresenceService } from "./scale/redis-presence.js";
import { RedisConnections } from "./scale/redis.js";

/** Everything the transports (HTTP, sockets) need, built once per process (or per test). */
export interface Services {
  config: Readonly<Config>;
  version: string;
  logger: Logger;
  db: DataSource;
  apps: AppsService;
  users: UsersService;
  tokens: TokenService;
  auth: AuthService;
  storage: DiskStorage;
  tx: Transactor;
  events: EventLog;
  /** Prunes events past the retention window (a timer, stopped at shutdown). */
  retention: EventRetention;
  membership: MembershipGuard;
  presence: PresenceService;
  presenter: MessagePresenter;
  conversations: ConversationsService;
  contacts: ContactsService;
  messages: MessagesService;
  uploads: UploadsService;
  limiters: { authPerIp: RateLimiterAbstract; loginPerEmail: RateLimiterAbstract };
  /** Present when REDIS_URL is set (several nodes); `undefined` keeps everything in-process. */
  redis?: RedisConnections;
}

export const VERSION = "0.1.0";

/** The composition of services on an open database. */
export async function createServices(config: Readonly<Config>, db: DataSource, logger: Logger): Promise<Services> {
  assertSecret(config.jwtSecret);
  const storage = new DiskStorage(config.uploadDir);
  await storage.init();
  const apps = new AppsService(db);
  const users = new UsersService(db);
  const tokens = new TokenService(config.jwtSecret, config.accessTokenTtlSec);
  const auth = new AuthService({
    db,
    tokens,
    users,
    passwords: new PasswordHasher(config.bcryptCost),
    refreshTtlSec: config.refreshTokenTtlSec,
    refreshGraceSec: config.refreshGraceSec,
  });
  let redis: RedisConnections | undefined;
  let presence: PresenceService;
  if (config.redisUrl) {
    redis = new RedisConnections(config.redisUrl, logger);
    await redis.connect();
    const shared = new RedisPresenceService(db, { graceMs: config.presenceGraceMs }, redis, logger, config.redisPrefix);
    await shared.start();
    presence = shared;
  } else {
    presence = new PresenceService(db, { graceMs: config.presenceGraceMs });
  }
  const limiterStore = redis ? { client: redis.ops, prefix: config.redisPrefix } : undefined;
  const domain = {
    db,
    tx: new Transactor(db),
    events: new EventLog(db),
    presenter: new MessagePresenter(db),
    membership: new MembershipGuard(db),
    users,
    storage,
    presence,
  };
  // Quotas apply to every upload; unsent uploads are swept on a timer that stops with the
  // database (or on uploads.stop(), at shutdown).
  const uploads = new UploadsService(domain);
  uploads.configure(config.uploads);
  uploads.startSweeper((err) => logger.warn({ err }, "upload sweep failed"));
  const retention = new EventRetention(domain, config.events);
  retention.start((err) => logger.warn({ err }, "event prune failed"));
  return {
    ...domain,
    conversations: new ConversationsService(domain),
    contacts: new ContactsService(domain),
    messages: new MessagesService(domain, new SendQuota(config.rateLimits, limiterStore)),
    uploads,
    retention,
    config,
    version: VERSION,
    logger,
    apps,
    tokens,
    auth,
    limiters: {
      authPerIp: createLimiter(config.rateLimits.authPerIp, "auth-ip", limiterStore),
      loginPerEmail: createLimiter(config.rateLimits.loginPerEmail, "login-email", limiterStore),
    },
    ...(redis ? { redis } : {}),
  };
}
