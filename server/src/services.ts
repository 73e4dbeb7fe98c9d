import type { RateLimiterAbstract } from "rate-limiter-flexible";
import type { DataSource } from "typeorm";
import { AuthService } from "./auth/auth.service.js";
import { PasswordHasher } from "./auth/passwords.js";
import { TokenService } from "./auth/tokens.js";
import type { Config } from "./config.js";
import { assertSecret } from "./config/secret.js";
import { ContactsService } from "./contacts/contacts.service.js";
import { ConversationsService } from "./conversations/conversations.service.js";
import { GroupPolicy } from "./conversations/group-policy.js";
import { MembershipGuard } from "./conversations/membership.js";
import { UnitOfWork } from "./db/unit-of-work.js";
import { EventLog } from "./events/event-log.js";
import { EventRetention } from "./events/event-retention.js";
import { MessagePresenter } from "./messages/messages.presenter.js";
import { MessagesService } from "./messages/messages.service.js";
import { SendQuota } from "./messages/send-quota.js";
import { StreamingService } from "./messages/streaming.js";
import { AgentsService } from "./agents/agents.service.js";
import { AgentRunner } from "./agents/agent-runner.js";
import { HandoffService } from "./agents/handoff.js";
import { AiTextsService } from "./agents/ai-texts.js";
import { agentLimiters } from "./agents/agent-limits.js";
import { measuredSendBatch, observeAgentReply, observeAgentTokens, observeEmail } from "./ops/hooks.js";
import { callWebhook } from "./webhooks/webhook-call.js";
import { EmailService } from "./email/email.service.js";
import { EmailNotifier } from "./email/email-notifier.js";
import { ScheduledService } from "./scheduled/scheduled.service.js";
import { RemindersService } from "./scheduled/reminders.service.js";
import { ScheduledSweep } from "./scheduled/scheduled-sweep.js";
import { DraftsService } from "./drafts/drafts.service.js";
import { PresenceService } from "./presence/presence.service.js";
import { RedisPresenceService } from "./scale/redis-presence.js";
import { RedisConnections } from "./scale/redis.js";
import type { Logger } from "./shared/logger.js";
import { ServerApiService } from "./server-api/server-api.service.js";
import { ServerKeysService } from "./server-api/server-keys.service.js";
import { createLimiter } from "./shared/rate-limit.js";
import { AppsService } from "./tenancy/apps.service.js";
import { DiskStorage } from "./uploads/storage.js";
import { UploadsService } from "./uploads/uploads.service.js";
import { UsersService } from "./users/users.service.js";
import { WebhookDispatcher } from "./webhooks/dispatcher.js";
import { UnreadNotifier } from "./webhooks/unread-notifier.js";
import { WebhooksService } from "./webhooks/webhooks.service.js";
import { DataRightsService } from "./data-rights/data-rights.service.js";
import { ModerationGate } from "./moderation/gate.js";
import { ModerationService } from "./moderation/moderation.service.js";
import { indexMessages } from "./search/search.index.js";
import { SearchQuota } from "./search/search-quota.js";
import { ActionQuota } from "./shared/action-quota.js";
import { SearchService } from "./search/search.service.js";
import { ThreadsService } from "./threads/threads.service.js";
import { PushNotifier } from "./push/notifier.js";
import { PushQuota } from "./push/push-quota.js";
import { PushService } from "./push/push.service.js";
import { ConsoleAccess } from "./console/access.js";
import { ConsoleModeration } from "./console/console-moderation.service.js";
import { ConsoleApps } from "./console/console-apps.service.js";
import { ConsoleUsers } from "./console/console-users.service.js";
import { ConsoleUsage } from "./console/console-usage.service.js";
import { ConsoleHealthReport } from "./ops/console-health.js";
import { UsageService } from "./usage/usage.service.js";
import { ConsoleAccounts } from "./console/console-accounts.service.js";
import { ConsoleMembers } from "./console/console-members.service.js";
import { ConsoleService } from "./console/console.service.js";
import { ConsoleSessions } from "./console/sessions.js";
import { PinsService } from "./pins/pins.service.js";
import { PollsService } from "./polls/polls.service.js";
import { CallsService } from "./calls/calls.service.js";
import { CallInviteQuota } from "./calls/call-quota.js";
import { PreviewFiles } from "./previews/preview-files.js";
import { PreviewsService } from "./previews/previews.service.js";
import { ReadReplicas } from "./db/read-replicas.js";
import { PROBE_NODE, probeSeenOn, writeProbe } from "./ops/health.js";
import { redisReaderMarks } from "./scale/reader-marks.js";

/** Everything the transports (HTTP, sockets) need, built once per process (or per test). */
export interface Services {
  config: Readonly<Config>;
  version: string;
  logger: Logger;
  db: DataSource;
  apps: AppsService;
  /** Server keys of apps: the host's backend on /v1/server/…, host tokens with a `kid`, webhook signatures. */
  serverKeys: ServerKeysService;
  users: UsersService;
  tokens: TokenService;
  auth: AuthService;
  storage: DiskStorage;
  /** The one write path: transactions, event appends, publishing after commit. */
  uow: UnitOfWork;
  /** Whether writes are failing (health): the unit of work's view of its transactions. */
  tx: Pick<UnitOfWork, "writesFailing">;
  events: EventLog;
  /** Prunes events past the retention window (a timer, stopped at shutdown). */
  retention: EventRetention;
  membership: MembershipGuard;
  presence: PresenceService;
  presenter: MessagePresenter;
  conversations: ConversationsService;
  contacts: ContactsService;
  messages: MessagesService;
  /** The host's backend on /v1/server/…: users by `sub`, conversations, messages, host tokens. */
  serverApi: ServerApiService;
  /** Streamed messages (issue 54): started, appended, ended through the server API; its sweep fails stalled ones (stop() at shutdown). */
  streams: StreamingService;
  /** AI agents (issue 54): managed through the server API; their replies written by the runner after each commit (stop() at shutdown). */
  agents: AgentsService;
  agentRunner: AgentRunner;
  /** Hand-off to people (the model's `handoff` tool, a member's "Talk to a person"). */
  handoff: HandoffService;
  /** A member's translations and summaries, written by the app's named agents' models and kept (agents/ai-texts.ts). */
  aiTexts: AiTextsService;
  uploads: UploadsService;
  limiters: { authPerIp: RateLimiterAbstract; loginPerEmail: RateLimiterAbstract };
  /** Every other write a signed-in user can repeat: taken by the router before the handler (request/route.ts). */
  actionQuota: ActionQuota;
  /** Webhook endpoints and the delivery outbox (queued by the unit of work's append hook). */
  webhooks: WebhooksService;
  /** Delivers the outbox (a timer on every node, stopped at shutdown). */
  webhookDispatcher: WebhookDispatcher;
  /** Raises notification.unread (a timer, stopped at shutdown). */
  unreadNotifier: UnreadNotifier;
  /** Data rights (issue 17): a user's export and the deletion of their account. */
  dataRights: DataRightsService;
  /** Message search (issue 17); its index is kept by an append hook of the unit of work. */
  search: SearchService;
  /** Moderation (issue 17): moderators, mutes, bans, slow mode, word filter, reports, audit log. */
  moderation: ModerationService;
  /** Moderation's checks that other domains ask before writing (bans, mutes, slow mode, word filter). */
  moderationGate: ModerationGate;
  /** Threads (issue 17): reading them, follows and read marks; replies go through messages. */
  threads: ThreadsService;
  /** Pins (issue 33): a conversation's pinned messages. */
  pins: PinsService;
  /** Polls (issue 33): asked as messages, voted under a lock per poll. */
  polls: PollsService;
  /** Calls (issue 53): signalling on the socket, decided here; its sweep runs on a timer (stop() at shutdown). */
  calls: CallsService;
  /** Link previews (issue 33): fetched after a send's commit (the unit of work's commit hook); stopped at shutdown. */
  previews: PreviewsService;
  /** Link preview images on the storage, by content hash. */
  previewFiles: PreviewFiles;
  /** Web push (issue 31): VAPID keys, devices' subscriptions (removed when their session ends). */
  push: PushService;
  /** The console (issue 32): its accounts, sessions, and the apps, keys and webhooks they manage. */
  console: ConsoleService;
  consoleModeration: ConsoleModeration;
  /** Invitations, and who has which role on an app (console-members.service.ts). */
  consoleMembers: ConsoleMembers;
  /** Every console account, for operators (console-accounts.service.ts). */
  consoleAccounts: ConsoleAccounts;
  /** An app's settings, lifecycle and secret; its chat users (console-apps.service.ts, console-users.service.ts). */
  consoleApps: ConsoleApps;
  consoleUsers: ConsoleUsers;
  /** Usage charts, the server's health and the audit log (console-usage.service.ts). */
  consoleUsage: ConsoleUsage;
  consoleAccess: ConsoleAccess;
  /** The usage rollup (issue 32): counted as events are written; a node's in-memory counts flushed on a timer (stop() at shutdown). */
  usage: UsageService;
  /** Sends web pushes for new messages (the unit of work's commit hook); stopped at shutdown. */
  pushNotifier: PushNotifier;
  /** E-mail for unread messages (issue 55): settings, addresses, preferences, unsubscribe tokens. */
  email: EmailService;
  /** Decides and sends those e-mails (a sweep on every node, stop() at shutdown). */
  emailNotifier: EmailNotifier;
  /** Scheduled sends (issue 55): a user's messages to send later. */
  scheduled: ScheduledService;
  /** Reminders (issue 55): "remind me" on a message. */
  reminders: RemindersService;
  /** Sends the scheduled messages and fires the reminders that are due (a sweep on every node, stop() at shutdown). */
  scheduledSweep: ScheduledSweep;
  /** Drafts that follow the user (issue 55): each conversation's unsent text, told to the user's devices. */
  drafts: DraftsService;
  /** Present when DATABASE_REPLICA_URLS is set: where the routes marked `replica` read (stop() at shutdown). */
  replicas?: ReadReplicas;
  /** Present when REDIS_URL or REDIS_CLUSTER_NODES is set (several nodes); `undefined` keeps everything in-process. */
  redis?: RedisConnections;
}

export const VERSION = "0.1.0";

/**
 * The composition of services on an open database: each built with exactly what it uses. The
 * composition root (main.ts) calls it; tests build their own through it too.
 */
export async function createServices(config: Readonly<Config>, db: DataSource, logger: Logger): Promise<Services> {
  assertSecret(config.jwtSecret);
  const storage = new DiskStorage(config.uploadDir);
  await storage.init();
  const events = new EventLog(db);
  const uow = new UnitOfWork(db, events, config.databaseWriters);
  const apps = new AppsService(db);
  const serverKeys = new ServerKeysService(db);
  let redis: RedisConnections | undefined;
  if (config.redisUrl || config.redisClusterNodes) {
    redis = new RedisConnections(config.redisClusterNodes ? { clusterNodes: config.redisClusterNodes } : { url: config.redisUrl! }, logger);
    await redis.connect();
  }
  const moderationGate = new ModerationGate(db, redis ? { client: redis.ops, prefix: config.redisPrefix } : undefined);
  const users = new UsersService({ db, uow, apps, names: moderationGate });
  let presence: PresenceService;
  if (redis) {
    const shared = new RedisPresenceService(users, { graceMs: config.presenceGraceMs }, redis, logger, config.redisPrefix);
    await shared.start();
    presence = shared;
  } else {
    presence = new PresenceService(users, { graceMs: config.presenceGraceMs });
  }
  const limiterStore = redis ? { client: redis.ops, prefix: config.redisPrefix } : undefined;

  const tokens = new TokenService(config.jwtSecret, config.accessTokenTtlSec);
  const passwords = new PasswordHasher(config.bcryptCost);
  const auth = new AuthService({
    db,
    uow,
    tokens,
    users,
    passwords,
    refreshTtlSec: config.refreshTokenTtlSec,
    refreshGraceSec: config.refreshGraceSec,
    serverKeys,
    bans: moderationGate,
  });
  const presenter = new MessagePresenter(db);
  const previewFiles = new PreviewFiles(storage);
  const membership = new MembershipGuard(db);
  // Quotas apply to every upload; unsent uploads are swept on a timer that stops with the database or uploads.stop().
  const uploads = new UploadsService({ db, uow, storage }, config.uploads);
  uploads.startSweeper((err) => logger.warn({ err }, "upload sweep failed"));
  const retention = new EventRetention({ db, uow }, config.events);
  retention.start((err) => logger.warn({ err }, "event prune failed"));
  // Consent, group size and hourly quotas of user-made group changes (shared counters with Redis).
  const groupPolicy = new GroupPolicy(config.groups, limiterStore);
  const conversations = new ConversationsService({ db, uow, presenter, membership, users, policy: groupPolicy, bans: moderationGate, names: moderationGate });
  const messages = new MessagesService({
    db,
    conversations,
    uow,
    events,
    presenter,
    membership,
    uploads,
    quota: new SendQuota(config.rateLimits, limiterStore),
    gate: moderationGate,
    previewFiles,
    // Batch size, commit time and stored messages, for a server's metrics (ops/): measured here, not by messages/.
    measureBatch: (write) => measuredSendBatch(db, write),
  });
  // Streamed messages: a separate path from sends (the batcher never sees them); a sweep on every
  // node fails the streams past their idle or total time (stops with the database or stop()).
  const streams = new StreamingService(
    {
      db,
      uow,
      presenter,
      membership,
      conversations,
      users,
      perApp: createLimiter(config.streams.writesPerApp, "stream-app", limiterStore),
      logger,
    },
    config.streams,
  );
  streams.startSweep();
  // AI agents: a new message that asks one (a DM with it, a mention) starts its reply after the commit.
  const agents = new AgentsService({ db, uow, users, allowPrivate: config.agents.allowPrivate });
  // Moderation is made further down (it needs the webhooks): the hand-off reaches it when called.
  const handoff = new HandoffService({
    db,
    uow,
    agents,
    membership,
    conversations,
    messages,
    streams,
    moderation: { queueHandoff: (...args) => moderation.queueHandoff(...args) },
    perUser: createLimiter(config.agents.handoffsPerUser, "agent-handoff-user", limiterStore),
  });
  const agentLimits = agentLimiters(config.agents, limiterStore);
  const filter = (appId: string, text: string) => moderationGate.filterText(appId, text);
  const agentTokens = (appId: string, tokens: { prompt: number; completion: number }) => (observeAgentTokens(db, tokens), usage.agentReply(appId, tokens));
  const aiTexts = new AiTextsService(
    { db, uow, agents, settings: handoff, messages, membership, ...agentLimits, allowPrivate: config.agents.allowPrivate, filter, tokens: agentTokens },
    config.agents,
  );
  const agentRunner = new AgentRunner(
    {
      db,
      agents,
      streams,
      ...agentLimits,
      logger,
      allowPrivate: config.agents.allowPrivate,
      filter,
      observe: (outcome) => observeAgentReply(db, outcome),
      tokens: agentTokens,
      // A tool call is a synchronous, signed webhook (webhooks/webhook-call.ts): the model waits for it.
      callTool: (appId, call, limits) => callWebhook({ db, serverKeys, allowPrivate: config.webhooks.allowPrivate }, appId, "agent.tool_call", call, limits),
      handoffEnabled: (appId) => handoff.enabled(appId),
      handoff: (appId, input) => handoff.byModel(appId, input),
      handedOff: (appId, ids) => handoff.handedOff(appId, ids),
    },
    config.agents,
  );
  uow.onCommit(agentRunner.onCommit);
  // Webhooks: delivery rows are written by the append hook, in each unit's transaction.
  const webhooks = new WebhooksService({ db, uow }, config.webhooks);
  uow.onAppend(webhooks.onAppend);
  // The search index follows message events in their own transaction (search/search.index.ts).
  uow.onAppend(indexMessages);
  // Usage (issue 32): messages and active senders counted in the sending unit; searches, connections
  // and socket peaks counted in memory and flushed on a timer that stops with the database.
  const usage = new UsageService({ db, uow, logger });
  uow.onAppend(usage.onAppend);
  uow.onCommit(usage.onCommit);
  usage.start();
  const webhookDispatcher = new WebhookDispatcher({ db, uow, serverKeys, logger, usage }, config.webhooks);
  webhookDispatcher.start();
  const unreadNotifier = new UnreadNotifier({ db, uow, webhooks, presence, logger }, { pollMs: config.webhooks.unreadPollMs });
  unreadNotifier.start();
  const moderation = new ModerationService({
    db,
    uow,
    gate: moderationGate,
    users,
    conversations,
    messages,
    sessions: auth,
    webhooks,
    reportQuota: createLimiter(config.reportsPerUser, "reports", limiterStore),
  });
  // Web push: new messages are queued after their commit and pushed to members with no socket;
  // a session that ends takes its devices' subscriptions with it.
  const push = new PushService({ db, uow, quota: new PushQuota(config.push, limiterStore) }, config.push);
  const pushNotifier = new PushNotifier(
    {
      db,
      push,
      presence,
      presenceGraceMs: config.presenceGraceMs,
      logger,
      perUser: createLimiter({ points: config.push.perUserPerMinute, durationSec: 60 }, "push-user", limiterStore),
    },
    config.push,
  );
  uow.onCommit(pushNotifier.onCommit);
  // Link previews: a new or edited message's first link is queued after its commit, fetched later;
  // the cache's sweep runs with the event retention job.
  const previews = new PreviewsService(
    {
      db,
      uow,
      events,
      apps,
      membership,
      files: previewFiles,
      logger,
      perApp: createLimiter({ points: config.previews.fetchesPerAppPerMinute, durationSec: 60 }, "preview-app", limiterStore),
    },
    config.previews,
  );
  uow.onCommit(previews.onCommit);
  retention.alsoRun((now) => previews.expire(now));
  auth.onSessionRevoked((appId, userId, sessionId) => {
    if (db.isInitialized)
      void push.forgetSession(appId, userId, sessionId).catch((err: unknown) => logger.warn({ err }, "push subscriptions of an ended session not removed"));
  });
  // Read replicas: measured by this node's heartbeat (its ops_probes row, committed through the
  // unit of work and read back on each replica); readers' marks shared through Redis.
  let replicas: ReadReplicas | undefined;
  if (config.replicas) {
    const heartbeat = { beat: () => writeProbe({ db, uow }, PROBE_NODE), seenOn: (r: DataSource) => probeSeenOn(r, PROBE_NODE) };
    replicas = new ReadReplicas(db, config.replicas, heartbeat, logger, redis ? redisReaderMarks(redis.ops, config.redisPrefix) : undefined);
    replicas.start();
  }
  // Calls: a finished call's entry and a removed member's drop follow the commit; a sweep on every
  // node does what a dead node's timers did not (started now, stopped with the database or stop()).
  const calls = new CallsService(
    {
      db,
      uow,
      logger,
      membership,
      conversations,
      gate: moderationGate,
      messages,
      quota: new CallInviteQuota(config.calls, limiterStore),
    },
    config.calls,
  );
  uow.onCommit(calls.onCommit);
  calls.startSweep();
  // E-mail for unread messages: a sweep on every node decides who is due one (written to the
  // outbox) and sends the outbox, off every request's path; sent and failed counted in usage and /metrics.
  const email = new EmailService({ db, uow }, config.email, config.jwtSecret);
  const emailNotifier = new EmailNotifier({ db, uow, email, presence, usage, logger, observe: (outcome) => observeEmail(db, outcome) }, config.email);
  emailNotifier.start();
  // Scheduled sends and reminders: a sweep on every node takes what is due (one node per row, by a
  // lease) and sends it through the messages service as its author, or fires the reminder.
  const scheduledSweep = new ScheduledSweep({ db, uow, messages, membership, email, mailer: emailNotifier, logger }, config.scheduled);
  scheduledSweep.start();
  const dataRights = new DataRightsService({ db, uow, events, users, uploads, storage, webhooks, sessions: auth });
  const consoleAccess = new ConsoleAccess({ db, apps });
  const consoleMembers = new ConsoleMembers({ db, uow, apps, access: consoleAccess });
  const consoleSessions = new ConsoleSessions(db, config.jwtSecret);
  return {
    config,
    version: VERSION,
    logger,
    db,
    apps,
    serverKeys,
    users,
    tokens,
    auth,
    storage,
    uow,
    tx: uow,
    events,
    retention,
    membership,
    presence,
    presenter,
    conversations,
    contacts: new ContactsService({ db, uow, users, presence }),
    messages,
    serverApi: new ServerApiService({ users, conversations, messages, serverKeys, moderation }),
    streams,
    agents,
    agentRunner,
    handoff,
    aiTexts,
    uploads,
    webhooks,
    webhookDispatcher,
    unreadNotifier,
    dataRights,
    moderation,
    moderationGate,
    search: new SearchService(
      { db, membership, presenter, conversations, quota: new SearchQuota(config.rateLimits, limiterStore), usage },
      { budgetMs: config.searchBudgetMs },
    ),
    threads: new ThreadsService({ db, uow, membership, conversations, presenter }),
    pins: new PinsService({ db, uow, membership, conversations, events, isModerator: (appId, userId, m) => moderationGate.isModerator(appId, userId, m) }),
    polls: new PollsService({ db, uow, messages, membership, conversations }),
    calls,
    previews,
    previewFiles,
    push,
    pushNotifier,
    email,
    emailNotifier,
    scheduled: new ScheduledService({ db, uow, membership, users, sweep: scheduledSweep }),
    reminders: new RemindersService({ db, uow, membership }),
    scheduledSweep,
    drafts: new DraftsService({ db, uow, membership }),
    console: new ConsoleService({
      db,
      sessions: consoleSessions,
      passwords,
      apps,
      serverKeys,
      webhooks,
      access: consoleAccess,
      members: consoleMembers,
    }),
    consoleMembers,
    consoleAccounts: new ConsoleAccounts({ db, uow, access: consoleAccess, members: consoleMembers, sessions: consoleSessions }),
    consoleModeration: new ConsoleModeration({ access: consoleAccess, moderation, messages }),
    consoleApps: new ConsoleApps({
      access: consoleAccess,
      apps,
      db,
      storage,
      moderation,
      groupDefaults: { directAdd: config.groups.directAdd, maxMembers: config.groups.maxMembers },
      voiceMaxSeconds: config.uploads.voiceMaxSeconds,
      presenceGroupMax: config.presenceGroupMax,
    }),
    consoleUsers: new ConsoleUsers({ access: consoleAccess, db, users, dataRights }),
    consoleUsage: new ConsoleUsage({
      db,
      access: consoleAccess,
      usage,
      health: new ConsoleHealthReport({ db, uow, logger, redis, tx: uow, version: VERSION }),
    }),
    usage,
    consoleAccess,
    actionQuota: new ActionQuota(config.rateLimits, limiterStore),
    limiters: {
      authPerIp: createLimiter(config.rateLimits.authPerIp, "auth-ip", limiterStore),
      loginPerEmail: createLimiter(config.rateLimits.loginPerEmail, "login-email", limiterStore),
    },
    ...(redis ? { redis } : {}),
    ...(replicas ? { replicas } : {}),
  };
}
