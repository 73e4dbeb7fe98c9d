import path from "node:path";
import { z } from "zod";
import { MESSAGE_LIMITS } from "@parley/sdk/protocol";
import type { GroupLimits, RateLimit, UploadsConfig } from "./config/limits.js";
import { type PreviewsConfig, previewPrivateRanges, type PushConfig, type WebhooksConfig } from "./config/outbound.js";
import { type TrustProxy, trustProxySetting } from "./config/proxy.js";
import { redisClusterSeeds, replicaUrls } from "./config/scale.js";
import { callsConfig, callsEnv, type CallsConfig } from "./config/calls.js";
import { emailConfig, emailEnv, type EmailConfig } from "./config/email.js";
import { streamsConfig, streamsEnv, type StreamsConfig } from "./config/streams.js";
import { agentsConfig, agentsEnv, type AgentsConfig } from "./config/agents.js";
import { scheduledConfig, scheduledEnv, type ScheduledConfig } from "./config/scheduled.js";
import { loadOrCreateSecret } from "./config/secret.js";

/** The highest presence group size a server or an app may set (PRESENCE_GROUP_MAX, apps.presenceGroupMax). */
export const PRESENCE_GROUP_MAX_CEILING = 1_000_000;

/**
 * The server's configuration, read once from the environment here and nowhere else: every setting
 * with its bounds and default (the schema below), the checks across settings, and the typed,
 * frozen result. The shapes of its areas and the parsers of its structured settings are in
 * config/: limits and quotas, the outbound deliveries (webhooks, push, previews), the proxies to
 * trust, scale-out (replicas, Redis Cluster), and the JWT secret.
 */

export interface Config {
  env: "production" | "development" | "test";
  port: number;
  host: string;
  dataDir: string;
  uploadDir: string;
  /** Storage quotas and the clean-up of uploads never sent with a message. */
  uploads: UploadsConfig;
  /** `undefined` means the embedded SQLite file in `dataDir`. */
  databaseUrl: string | undefined;
  jwtSecret: string;
  logLevel: string;
  bcryptCost: number;
  accessTokenTtlSec: number;
  refreshTokenTtlSec: number;
  /** A rotated refresh token is still answered this long (tabs sharing a session refresh near together). */
  refreshGraceSec: number;
  /** Which proxies' X-Forwarded-For entries to believe (TRUST_PROXY). */
  trustProxy: TrustProxy;
  /** Where the built widget.js is served from. */
  widgetDir: string;
  /** Where the built console (index.html and its chunks) is served from, at /console/. */
  consoleDir: string;
  /** The checkout (examples, SDK browser build). */
  repoRoot: string;
  /**
   * Seed a demo app, users and history, and serve examples/. On by default except under
   * NODE_ENV=production, where only PARLEY_DEMO=1 turns it on (PARLEY_DEMO=0 turns it off anywhere).
   */
  demo: boolean;
  /** A user stays "online" this long after their last socket closed. */
  presenceGraceMs: number;
  /**
   * The largest conversation whose members are pushed each other's presence (an app may set its
   * own). Above it a member asks for the presence of whom they are looking at (`presence.watch`).
   */
  presenceGroupMax: number;
  /** `undefined`: one node, everything in-process. Set: several nodes share Redis (adapter, presence, rate limits). */
  redisUrl: string | undefined;
  /**
   * Transactions a node runs at once on MySQL/MariaDB (db/transaction.ts), send batches among them
   * (messages/send-batcher.ts). SQLite, one connection, always runs one.
   */
  databaseWriters: number;
  /**
   * A Redis Cluster's seed nodes instead (REDIS_CLUSTER_NODES; never both): the sharded Socket.IO
   * adapter over SPUBLISH/SSUBSCRIBE, and every multi-key command on one hash slot.
   */
  redisClusterNodes: string[] | undefined;
  /**
   * Read replicas of DATABASE_URL (DATABASE_REPLICA_URLS): reads that tolerate a little lag go
   * there (db/read-replicas.ts); a replica more than `maxLagMs` behind is skipped.
   */
  replicas: { urls: string[]; maxLagMs: number } | undefined;
  /** Prefix of every Redis key and channel this deployment uses (several deployments may share one Redis). */
  redisPrefix: string;
  rateLimits: {
    /** Register + login + host-token calls per client IP. */
    authPerIp: RateLimit;
    /** Login attempts per (app, email), whatever the IP. */
    loginPerEmail: RateLimit;
    /** Messages one user may send (REST and sockets, every device and node together). */
    messagesPerUser: RateLimit;
    /** Messages one app may send in all, so one noisy host site cannot starve the others. */
    messagesPerApp: RateLimit;
    /** Searches one user may make, and one app in all: a search costs the database far more than a read. */
    searchPerUser: RateLimit;
    searchPerApp: RateLimit;
    /**
     * Every other write a signed-in user can repeat (reactions, pins, votes, edits, read marks, …:
     * docs/operations.md lists them), one budget per user and one per app.
     */
    actionsPerUser: RateLimit;
    actionsPerApp: RateLimit;
  };
  /** What one search may cost the database (ms) before it answers what it found with a cursor. */
  searchBudgetMs: number;
  /** Group abuse limits (issue 15). Apps may override `directAdd` and `maxMembers` in their row. */
  groups: GroupLimits;
  /** New reports one user may file (`POST /v1/reports`; repeats of an open one aside). */
  reportsPerUser: RateLimit;
  /** Sockets one user may hold open at once on one node; the next handshake is refused (429). */
  socketsPerUserMax: number;
  /** Commands per second one socket may send, `message.send` aside (the message quotas govern it). */
  socketCommandsPerSec: number;
  /** The HTTP server's listen backlog: connections the kernel queues before they are accepted. */
  listenBacklog: number;
  /** `/metrics`: off unless METRICS_TOKEN (bearer token required) or METRICS_PUBLIC=1 (no token) is set. */
  metrics: { enabled: boolean; token: string | undefined };
  /** Apply pending migrations at start (MIGRATE_ON_START, default on); off: `npm run migrate` does it. */
  migrateOnStart: boolean;
  /** Event log retention: older events are pruned; a `/sync` from before them answers 410 `sync_expired`. */
  events: { retentionMs: number; pruneIntervalMs: number };
  /** Webhook delivery (webhooks/): retries, polling, and whether private-network URLs are allowed. */
  webhooks: WebhooksConfig;
  /** Web push to closed tabs (push/). */
  push: PushConfig;
  /** Link previews (previews/): the unfurler's guard, deadline and queue. */
  previews: PreviewsConfig;
  /** Calls (calls/): ring timeout, drops, sweeps, invite quotas, STUN and TURN (config/calls.ts). */
  calls: CallsConfig;
  /** E-mail for unread messages (email/): SMTP defaults, wait window, sweep and retries (config/email.ts). */
  email: EmailConfig;
  /** Streamed messages (messages/streaming.ts): idle and total time limits, sweep, the server API's budget (config/streams.ts). */
  streams: StreamsConfig;
  /** AI agents (agents/): the model's time limits, replies at once, requests per user and app (config/agents.ts). */
  agents: AgentsConfig;
  /** Scheduled sends and reminders (scheduled/): the sweep, its lease and retries (config/scheduled.ts). */
  scheduled: ScheduledConfig;
}

/** The checkout this server runs from: server/src/config.ts and the bundled server/dist/*.js both sit two levels down. */
const REPO_ROOT = path.resolve(import.meta.dirname, "../..");

const envSchema = z.object({
  NODE_ENV: z.enum(["production", "development", "test"]).default("development"),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().default("0.0.0.0"),
  DATA_DIR: z.string().default("./data"),
  UPLOAD_DIR: z.string().optional(),
  UPLOAD_QUOTA_USER_BYTES: z.coerce
    .number()
    .int()
    .positive()
    .default(1024 ** 3),
  UPLOAD_QUOTA_APP_BYTES: z.coerce
    .number()
    .int()
    .positive()
    .default(50 * 1024 ** 3),
  UPLOAD_UNATTACHED_TTL_SEC: z.coerce
    .number()
    .int()
    .min(60)
    .max(30 * 24 * 3600)
    .default(24 * 3600),
  UPLOAD_SWEEP_INTERVAL_SEC: z.coerce
    .number()
    .int()
    .min(1)
    .max(24 * 3600)
    .default(3600),
  VOICE_MAX_SECONDS: z.coerce.number().int().min(1).max(3600).default(300),
  DATABASE_URL: z
    .string()
    .regex(/^(mysql|mariadb):\/\//, "DATABASE_URL must be a mysql:// URL (unset for embedded SQLite)")
    .optional(),
  DATABASE_REPLICA_URLS: z.string().transform(replicaUrls).optional(),
  DATABASE_REPLICA_MAX_LAG_MS: z.coerce.number().int().min(100).max(3_600_000).default(10_000),
  DATABASE_WRITERS: z.coerce.number().int().min(1).max(4).default(1),
  JWT_SECRET: z.string().optional(),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  BCRYPT_COST: z.coerce.number().int().min(4).max(15).default(12),
  ACCESS_TOKEN_TTL_SEC: z.coerce.number().int().min(1).max(86_400).default(900),
  REFRESH_TOKEN_TTL_SEC: z.coerce
    .number()
    .int()
    .min(60)
    .max(365 * 24 * 3600)
    .default(30 * 24 * 3600),
  REFRESH_GRACE_SEC: z.coerce.number().int().min(0).max(300).default(30),
  WIDGET_DIR: z.string().optional(),
  CONSOLE_DIR: z.string().optional(),
  PARLEY_DEMO: z.enum(["0", "1"]).optional(),
  PRESENCE_GRACE_MS: z.coerce.number().int().min(0).max(600_000).default(5000),
  PRESENCE_GROUP_MAX: z.coerce.number().int().min(2).max(PRESENCE_GROUP_MAX_CEILING).default(100),
  TRUST_PROXY: z.string().default("0").transform(trustProxySetting),
  REDIS_URL: z
    .string()
    .regex(/^rediss?:\/\//, "REDIS_URL must be a redis:// or rediss:// URL")
    .optional(),
  // A sibling of REDIS_URL rather than several URLs in it: REDIS_URL stays one server everywhere it
  // is read (the startup probe, its error message, the docs), and a cluster is said, never guessed
  // from a list's length (one seed of a cluster is a valid setting: the client finds the rest).
  REDIS_CLUSTER_NODES: z.string().transform(redisClusterSeeds).optional(),
  REDIS_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9_:.-]{1,64}$/)
    .default("parley:"),
  RATE_LIMIT_AUTH_PER_IP: z.coerce.number().int().positive().default(30),
  RATE_LIMIT_LOGIN_PER_EMAIL: z.coerce.number().int().positive().default(5),
  RATE_LIMIT_MESSAGES_PER_USER: z.coerce.number().int().positive().default(100),
  RATE_LIMIT_MESSAGES_PER_APP: z.coerce.number().int().positive().default(20_000),
  RATE_LIMIT_SEARCH_PER_USER: z.coerce.number().int().positive().default(30),
  RATE_LIMIT_SEARCH_PER_APP: z.coerce.number().int().positive().default(600),
  RATE_LIMIT_ACTIONS_PER_USER: z.coerce.number().int().positive().default(60),
  RATE_LIMIT_ACTIONS_PER_APP: z.coerce.number().int().positive().default(10_000),
  SEARCH_BUDGET_MS: z.coerce.number().int().min(10).max(5000).default(250),
  GROUP_DIRECT_ADD: z.enum(["0", "1"]).default("0"),
  GROUP_MAX_MEMBERS: z.coerce.number().int().min(2).max(MESSAGE_LIMITS.groupMembersMax).default(MESSAGE_LIMITS.groupMembersMax),
  GROUPS_CREATED_PER_HOUR: z.coerce.number().int().positive().default(20),
  GROUP_MEMBERS_ADDED_PER_HOUR: z.coerce.number().int().positive().default(200),
  REPORTS_PER_HOUR: z.coerce.number().int().positive().default(20),
  SOCKETS_PER_USER_MAX: z.coerce.number().int().positive().default(20),
  SOCKET_COMMANDS_PER_SEC: z.coerce.number().int().positive().default(30),
  // 4096, not Node's 511: a reconnect storm (every client of a restarted node at once) overflowed
  // 511 and dropped SYNs, and each dropped client waited out a 10 s connect timeout (the kernel
  // caps it at net.core.somaxconn, 4096 on current Linux).
  LISTEN_BACKLOG: z.coerce.number().int().min(1).max(65_535).default(4096),
  METRICS_TOKEN: z.string().min(16, "METRICS_TOKEN must be at least 16 characters").regex(/^\S+$/, "METRICS_TOKEN must not contain spaces").optional(),
  METRICS_PUBLIC: z.enum(["0", "1"]).default("0"),
  MIGRATE_ON_START: z.enum(["0", "1"]).default("1"),
  EVENT_RETENTION_DAYS: z.coerce.number().positive().max(3650).default(30),
  EVENT_PRUNE_INTERVAL_SEC: z.coerce
    .number()
    .int()
    .min(1)
    .max(24 * 3600)
    .default(3600),
  WEBHOOK_ALLOW_PRIVATE: z.enum(["0", "1"]).default("0"),
  WEBHOOK_POLL_MS: z.coerce.number().int().min(10).max(60_000).default(1000),
  WEBHOOK_RETRY_BASE_MS: z.coerce.number().int().min(1).max(3_600_000).default(10_000),
  WEBHOOK_RETRY_WINDOW_SEC: z.coerce
    .number()
    .int()
    .min(1)
    .max(30 * 86_400)
    .default(86_400),
  WEBHOOK_LEASE_MS: z.coerce.number().int().min(1000).max(3_600_000).default(60_000),
  WEBHOOK_ENDPOINT_CACHE_MS: z.coerce.number().int().min(0).max(60_000).default(2000),
  WEBHOOK_UNREAD_POLL_MS: z.coerce.number().int().min(10).max(600_000).default(15_000),
  WEBHOOK_KEEP_DAYS: z.coerce.number().positive().max(3650).default(30),
  PUSH_ALLOW_PRIVATE: z.enum(["0", "1"]).default("0"),
  PUSH_VAPID_SUBJECT: z
    .string()
    .regex(/^(mailto:\S+@\S+|https:\/\/\S+)$/, "PUSH_VAPID_SUBJECT must be a mailto: or https: URL")
    .default("mailto:push@parley.invalid"),
  PUSH_PER_USER_PER_MIN: z.coerce.number().int().min(1).max(10_000).default(10),
  PUSH_RETRY_BASE_MS: z.coerce.number().int().min(1).max(600_000).default(2000),
  PUSH_TTL_SEC: z.coerce
    .number()
    .int()
    .min(0)
    .max(28 * 86_400)
    .default(86_400),
  RATE_LIMIT_PUSH_PER_USER: z.coerce.number().int().positive().default(30),
  RATE_LIMIT_PUSH_PER_APP: z.coerce.number().int().positive().default(3000),
  PREVIEW_ALLOW_PRIVATE: z.string().default("").transform(previewPrivateRanges),
  PREVIEW_TIMEOUT_MS: z.coerce.number().int().min(50).max(30_000).default(4000),
  PREVIEW_CONCURRENCY: z.coerce.number().int().min(1).max(16).default(2),
  PREVIEW_QUEUE_MAX: z.coerce.number().int().min(1).max(100_000).default(1000),
  PREVIEW_FETCHES_PER_APP_PER_MIN: z.coerce.number().int().min(1).max(100_000).default(60),
  ...callsEnv,
  ...emailEnv,
  ...streamsEnv,
  ...agentsEnv,
  ...scheduledEnv,
});

/**
 * Reads the configuration once from the environment (the only place that does), validates it,
 * and returns it frozen. Throws with every problem listed when something is wrong.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Readonly<Config> {
  const parsed = envSchema.safeParse(stripEmpty(env));
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join(".")}: ${i.message}`);
    throw new Error(`Invalid configuration:\n${lines.join("\n")}`);
  }
  const e = parsed.data;
  if (e.NODE_ENV !== "test" && e.BCRYPT_COST < 10) {
    throw new Error("BCRYPT_COST below 10 is allowed only with NODE_ENV=test");
  }
  if (e.REDIS_URL && e.REDIS_CLUSTER_NODES) {
    throw new Error("Set REDIS_URL (one Redis) or REDIS_CLUSTER_NODES (a Redis Cluster's seed nodes), not both");
  }
  if (e.DATABASE_REPLICA_URLS && !e.DATABASE_URL) {
    throw new Error("DATABASE_REPLICA_URLS needs DATABASE_URL (the primary they replicate): the embedded SQLite has no replicas");
  }
  if (e.REFRESH_TOKEN_TTL_SEC < e.ACCESS_TOKEN_TTL_SEC) {
    throw new Error("REFRESH_TOKEN_TTL_SEC must not be shorter than ACCESS_TOKEN_TTL_SEC");
  }
  const dataDir = path.resolve(e.DATA_DIR);
  return Object.freeze({
    env: e.NODE_ENV,
    port: e.PORT,
    host: e.HOST,
    dataDir,
    uploadDir: path.resolve(e.UPLOAD_DIR ?? path.join(dataDir, "uploads")),
    uploads: {
      userQuotaBytes: e.UPLOAD_QUOTA_USER_BYTES,
      appQuotaBytes: e.UPLOAD_QUOTA_APP_BYTES,
      unattachedTtlMs: e.UPLOAD_UNATTACHED_TTL_SEC * 1000,
      sweepIntervalMs: e.UPLOAD_SWEEP_INTERVAL_SEC * 1000,
      voiceMaxSeconds: e.VOICE_MAX_SECONDS,
    },
    databaseUrl: e.DATABASE_URL,
    jwtSecret: e.JWT_SECRET ?? loadOrCreateSecret(dataDir),
    logLevel: e.LOG_LEVEL,
    bcryptCost: e.BCRYPT_COST,
    accessTokenTtlSec: e.ACCESS_TOKEN_TTL_SEC,
    refreshTokenTtlSec: e.REFRESH_TOKEN_TTL_SEC,
    refreshGraceSec: e.REFRESH_GRACE_SEC,
    trustProxy: e.TRUST_PROXY,
    presenceGraceMs: e.PRESENCE_GRACE_MS,
    presenceGroupMax: e.PRESENCE_GROUP_MAX,
    databaseWriters: e.DATABASE_WRITERS,
    redisUrl: e.REDIS_URL,
    redisClusterNodes: e.REDIS_CLUSTER_NODES,
    replicas: e.DATABASE_REPLICA_URLS ? { urls: e.DATABASE_REPLICA_URLS, maxLagMs: e.DATABASE_REPLICA_MAX_LAG_MS } : undefined,
    redisPrefix: e.REDIS_PREFIX,
    widgetDir: path.resolve(e.WIDGET_DIR ?? path.join(REPO_ROOT, "widget/dist")),
    consoleDir: path.resolve(e.CONSOLE_DIR ?? path.join(REPO_ROOT, "console/dist")),
    repoRoot: REPO_ROOT,
    demo: e.PARLEY_DEMO === undefined ? e.NODE_ENV !== "production" : e.PARLEY_DEMO === "1",
    rateLimits: {
      authPerIp: { points: e.RATE_LIMIT_AUTH_PER_IP, durationSec: 60 },
      loginPerEmail: { points: e.RATE_LIMIT_LOGIN_PER_EMAIL, durationSec: 15 * 60 },
      messagesPerUser: { points: e.RATE_LIMIT_MESSAGES_PER_USER, durationSec: 10 },
      messagesPerApp: { points: e.RATE_LIMIT_MESSAGES_PER_APP, durationSec: 10 },
      searchPerUser: { points: e.RATE_LIMIT_SEARCH_PER_USER, durationSec: 60 },
      searchPerApp: { points: e.RATE_LIMIT_SEARCH_PER_APP, durationSec: 60 },
      actionsPerUser: { points: e.RATE_LIMIT_ACTIONS_PER_USER, durationSec: 10 },
      actionsPerApp: { points: e.RATE_LIMIT_ACTIONS_PER_APP, durationSec: 10 },
    },
    searchBudgetMs: e.SEARCH_BUDGET_MS,
    groups: {
      directAdd: e.GROUP_DIRECT_ADD === "1",
      maxMembers: e.GROUP_MAX_MEMBERS,
      createdPerUser: { points: e.GROUPS_CREATED_PER_HOUR, durationSec: 3600 },
      addedPerUser: { points: e.GROUP_MEMBERS_ADDED_PER_HOUR, durationSec: 3600 },
    },
    reportsPerUser: { points: e.REPORTS_PER_HOUR, durationSec: 3600 },
    socketsPerUserMax: e.SOCKETS_PER_USER_MAX,
    socketCommandsPerSec: e.SOCKET_COMMANDS_PER_SEC,
    listenBacklog: e.LISTEN_BACKLOG,
    metrics: { enabled: e.METRICS_TOKEN !== undefined || e.METRICS_PUBLIC === "1", token: e.METRICS_TOKEN },
    migrateOnStart: e.MIGRATE_ON_START === "1",
    events: { retentionMs: Math.round(e.EVENT_RETENTION_DAYS * 86_400_000), pruneIntervalMs: e.EVENT_PRUNE_INTERVAL_SEC * 1000 },
    webhooks: {
      allowPrivate: e.WEBHOOK_ALLOW_PRIVATE === "1",
      pollMs: e.WEBHOOK_POLL_MS,
      retryBaseMs: e.WEBHOOK_RETRY_BASE_MS,
      retryWindowMs: e.WEBHOOK_RETRY_WINDOW_SEC * 1000,
      leaseMs: e.WEBHOOK_LEASE_MS,
      endpointCacheMs: e.WEBHOOK_ENDPOINT_CACHE_MS,
      unreadPollMs: e.WEBHOOK_UNREAD_POLL_MS,
      keepMs: Math.round(e.WEBHOOK_KEEP_DAYS * 86_400_000),
    },
    push: {
      allowPrivate: e.PUSH_ALLOW_PRIVATE === "1",
      vapidSubject: e.PUSH_VAPID_SUBJECT,
      perUserPerMinute: e.PUSH_PER_USER_PER_MIN,
      retryBaseMs: e.PUSH_RETRY_BASE_MS,
      ttlSec: e.PUSH_TTL_SEC,
      subscribePerUser: { points: e.RATE_LIMIT_PUSH_PER_USER, durationSec: 60 },
      subscribePerApp: { points: e.RATE_LIMIT_PUSH_PER_APP, durationSec: 60 },
    },
    previews: {
      allowPrivate: e.PREVIEW_ALLOW_PRIVATE,
      timeoutMs: e.PREVIEW_TIMEOUT_MS,
      concurrency: e.PREVIEW_CONCURRENCY,
      queueMax: e.PREVIEW_QUEUE_MAX,
      fetchesPerAppPerMinute: e.PREVIEW_FETCHES_PER_APP_PER_MIN,
    },
    calls: callsConfig(e),
    email: emailConfig(e, e.PORT),
    streams: streamsConfig(e),
    agents: agentsConfig(e),
    scheduled: scheduledConfig(e),
  } satisfies Config);
}

/** `FOO=` in a .env file means "unset", not "empty string". */
function stripEmpty(env: NodeJS.ProcessEnv): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (v !== undefined && v !== "") out[k] = v;
  return out;
}
