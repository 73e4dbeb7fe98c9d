import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { z } from "zod";

/** A rate limit: at most `points` requests per `durationSec` seconds. */
export interface RateLimit {
  points: number;
  durationSec: number;
}

export interface Config {
  env: "production" | "development" | "test";
  port: number;
  host: string;
  dataDir: string;
  uploadDir: string;
  /** `undefined` means the embedded SQLite file in `dataDir`. */
  databaseUrl: string | undefined;
  jwtSecret: string;
  logLevel: string;
  bcryptCost: number;
  accessTokenTtlSec: number;
  refreshTokenTtlSec: number;
  /** Honour X-Forwarded-For behind a reverse proxy. */
  trustProxy: boolean;
  /** Where the built widget.js is served from. */
  widgetDir: string;
  /** The checkout (examples, SDK browser build). */
  repoRoot: string;
  /** Seed a demo app, users and history, and serve examples/ (PARLEY_DEMO=0 turns it off). */
  demo: boolean;
  /** A user stays "online" this long after their last socket closed. */
  presenceGraceMs: number;
  /** `undefined`: one node, everything in-process. Set: several nodes share Redis (adapter, presence, rate limits). */
  redisUrl: string | undefined;
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
  };
}

const MIN_SECRET_BYTES = 32;

/** The checkout this server runs from: server/src/config.ts and the bundled server/dist/*.js both sit two levels down. */
const REPO_ROOT = path.resolve(import.meta.dirname, "../..");

const envSchema = z.object({
  NODE_ENV: z.enum(["production", "development", "test"]).default("development"),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().default("0.0.0.0"),
  DATA_DIR: z.string().default("./data"),
  UPLOAD_DIR: z.string().optional(),
  DATABASE_URL: z
    .string()
    .regex(/^(mysql|mariadb):\/\//, "DATABASE_URL must be a mysql:// URL (unset for embedded SQLite)")
    .optional(),
  JWT_SECRET: z.string().optional(),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  BCRYPT_COST: z.coerce.number().int().min(4).max(15).default(12),
  ACCESS_TOKEN_TTL_SEC: z.coerce.number().int().min(1).max(86_400).default(900),
  REFRESH_TOKEN_TTL_SEC: z.coerce.number().int().min(60).max(365 * 24 * 3600).default(30 * 24 * 3600),
  WIDGET_DIR: z.string().optional(),
  PARLEY_DEMO: z.enum(["0", "1"]).default("1"),
  PRESENCE_GRACE_MS: z.coerce.number().int().min(0).max(600_000).default(5000),
  TRUST_PROXY: z.enum(["0", "1", "true", "false"]).default("0"),
  REDIS_URL: z
    .string()
    .regex(/^rediss?:\/\//, "REDIS_URL must be a redis:// or rediss:// URL")
    .optional(),
  REDIS_PREFIX: z.string().regex(/^[A-Za-z0-9_:.-]{1,64}$/).default("parley:"),
  RATE_LIMIT_AUTH_PER_IP: z.coerce.number().int().positive().default(30),
  RATE_LIMIT_LOGIN_PER_EMAIL: z.coerce.number().int().positive().default(5),
  RATE_LIMIT_MESSAGES_PER_USER: z.coerce.number().int().positive().default(100),
  RATE_LIMIT_MESSAGES_PER_APP: z.coerce.number().int().positive().default(20_000),
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
    databaseUrl: e.DATABASE_URL,
    jwtSecret: e.JWT_SECRET ?? loadOrCreateSecret(dataDir),
    logLevel: e.LOG_LEVEL,
    bcryptCost: e.BCRYPT_COST,
    accessTokenTtlSec: e.ACCESS_TOKEN_TTL_SEC,
    refreshTokenTtlSec: e.REFRESH_TOKEN_TTL_SEC,
    trustProxy: e.TRUST_PROXY === "1" || e.TRUST_PROXY === "true",
    presenceGraceMs: e.PRESENCE_GRACE_MS,
    redisUrl: e.REDIS_URL,
    redisPrefix: e.REDIS_PREFIX,
    widgetDir: path.resolve(e.WIDGET_DIR ?? path.join(REPO_ROOT, "widget/dist")),
    repoRoot: REPO_ROOT,
    demo: e.PARLEY_DEMO === "1",
    rateLimits: {
      authPerIp: { points: e.RATE_LIMIT_AUTH_PER_IP, durationSec: 60 },
      loginPerEmail: { points: e.RATE_LIMIT_LOGIN_PER_EMAIL, durationSec: 15 * 60 },
      messagesPerUser: { points: e.RATE_LIMIT_MESSAGES_PER_USER, durationSec: 10 },
      messagesPerApp: { points: e.RATE_LIMIT_MESSAGES_PER_APP, durationSec: 10 },
    },
  } satisfies Config);
}

/** Refuses secrets too short to be safe for HS256 (jsonwebtoken itself does not). */
export function assertSecret(secret: string): void {
  if (Buffer.byteLength(secret, "utf8") < MIN_SECRET_BYTES) {
    throw new Error(`JWT_SECRET must be at least ${MIN_SECRET_BYTES} bytes`);
  }
}

function loadOrCreateSecret(dataDir: string): string {
  const file = path.join(dataDir, "jwt-secret");
  if (existsSync(file)) {
    const secret = readFileSync(file, "utf8").trim();
    assertSecret(secret);
    return secret;
  }
  mkdirSync(dataDir, { recursive: true });
  const secret = randomBytes(48).toString("base64url");
  writeFileSync(file, secret + "\n", { mode: 0o600, flag: "wx" });
  return secret;
}

/** `FOO=` in a .env file means "unset", not "empty string". */
function stripEmpty(env: NodeJS.ProcessEnv): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (v !== undefined && v !== "") out[k] = v;
  return out;
}
