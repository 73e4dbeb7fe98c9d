import { isIP } from "node:net";
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from "rate-limiter-flexible";
import type { RateLimit } from "../config/limits.js";
import { AppError } from "./errors.js";

/**
 * In memory on a single node. With Redis (several nodes) the counters are shared; while Redis is
 * down each node falls back to its own memory counters (insurance), so sign-in keeps working.
 */
export function createLimiter(limit: RateLimit, keyPrefix: string, redis?: { client: unknown; prefix: string }): RateLimiterAbstract {
  const memory = new RateLimiterMemory({ points: limit.points, duration: limit.durationSec, keyPrefix });
  if (!redis) return memory;
  return new RateLimiterRedis({
    storeClient: redis.client,
    useRedisPackage: true,
    rejectIfRedisNotReady: true,
    points: limit.points,
    duration: limit.durationSec,
    keyPrefix: `${redis.prefix}rl:${keyPrefix}`,
    insuranceLimiter: memory,
  });
}

/**
 * A pair of limits on one kind of call, keyed on the signed-in caller: per user (all their devices)
 * and per app (all its users). Past either: `rate_limited` (429, Retry-After). Each kind names its
 * keys (`<name>-user`, `<name>-app`), in Redis with several nodes.
 */
export class UserAndAppQuota {
  private readonly perUser: RateLimiterAbstract;
  private readonly perApp: RateLimiterAbstract;

  constructor(perUser: RateLimit, perApp: RateLimit, keys: { user: string; app: string }, redis?: { client: unknown; prefix: string }) {
    this.perUser = createLimiter(perUser, keys.user, redis);
    this.perApp = createLimiter(perApp, keys.app, redis);
  }

  /** One point of the user's limit, then of the app's. */
  async take(appId: string, userId: string): Promise<void> {
    await consume(this.perUser, `${appId}:${userId}`);
    await consume(this.perApp, appId);
  }
}

function tooMany(res: RateLimiterRes): AppError {
  const retryAfter = Math.max(1, Math.ceil(res.msBeforeNext / 1000));
  return new AppError(
    "rate_limited",
    "Too many requests; try again later",
    { retryAfterSec: retryAfter },
    {
      "Retry-After": String(retryAfter),
    },
  );
}

/** Takes one point for `key`, or throws `rate_limited` with `Retry-After`. */
export async function consume(limiter: Pick<RateLimiterAbstract, "consume">, key: string): Promise<void> {
  try {
    await limiter.consume(key);
  } catch (res) {
    if (res instanceof RateLimiterRes) throw tooMany(res);
    throw res;
  }
}

/**
 * Runs `fn` as one sign-in attempt against `key` (an account): the attempt is taken from the
 * budget before the password is checked, so a burst of parallel guesses cannot all pass a check
 * made before any of them failed. A wrong password (or code) keeps it spent; a success clears the
 * budget; any other failure (the database, a bug) gives it back.
 */
export async function attempt<T>(limiter: RateLimiterAbstract, key: string, fn: () => Promise<T>): Promise<T> {
  await consume(limiter, key);
  let res: T;
  try {
    res = await fn();
  } catch (err) {
    if (!(err instanceof AppError && err.code === "invalid_credentials")) await limiter.reward(key).catch(() => undefined);
    throw err;
  }
  await limiter.delete(key);
  return res;
}

/** Throws `rate_limited` if `key` has already used up its points, without taking one. */
export async function ensureNotBlocked(limiter: RateLimiterAbstract, key: string): Promise<void> {
  const res = await limiter.get(key);
  if (res && res.consumedPoints >= limiter.points) throw tooMany(res);
}

/** `::ffff:192.0.2.1` (an IPv4 client on a dual-stack socket) -> `192.0.2.1`; anything else as is. */
export function unmapIpv4(ip: string): string {
  const m = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(ip);
  return m ? m[1]! : ip;
}

/**
 * The per-IP limiter key of a client address. An IPv6 client is keyed by its /64, the block one
 * subscriber usually holds: otherwise it could take a fresh address (and a fresh budget) per
 * request. Anything that is not an address (a proxy's `unknown`) is kept, capped in length.
 */
export function addressKey(ip: string): string {
  const address = unmapIpv4(ip.trim());
  if (isIP(address) !== 6) return address.slice(0, 64);
  const groups = ipv6Groups(address);
  return `${groups
    .slice(0, 4)
    .map((g) => g.toString(16))
    .join(":")}::/64`;
}

/** The eight 16-bit groups of a valid IPv6 address (zone id dropped, `::` and dotted tails expanded). */
function ipv6Groups(address: string): number[] {
  let s = address.split("%")[0]!;
  const dotted = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(s);
  if (dotted) {
    const [a, b, c, d] = dotted.slice(1).map(Number) as [number, number, number, number];
    s = s.slice(0, dotted.index) + ((a << 8) | b).toString(16) + ":" + ((c << 8) | d).toString(16);
  }
  const [head = "", tail] = s.split("::");
  const left = head ? head.split(":") : [];
  const right = tail ? tail.split(":") : [];
  const zeros = tail === undefined ? [] : Array<string>(8 - left.length - right.length).fill("0");
  return [...left, ...zeros, ...right].map((g) => parseInt(g, 16));
}
