import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from "rate-limiter-flexible";
import type { RateLimit } from "../config.js";
import { AppError } from "../shared/errors.js";

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

function tooMany(res: RateLimiterRes): AppError {
  const retryAfter = Math.max(1, Math.ceil(res.msBeforeNext / 1000));
  return new AppError("rate_limited", "Too many requests; try again later", { retryAfterSec: retryAfter }, {
    "Retry-After": String(retryAfter),
  });
}

/** Takes one point for `key`, or throws `rate_limited` with `Retry-After`. */
export async function consume(limiter: RateLimiterAbstract, key: string): Promise<void> {
  try {
    await limiter.consume(key);
  } catch (res) {
    if (res instanceof RateLimiterRes) throw tooMany(res);
    throw res;
  }
}

/** Throws `rate_limited` if `key` has already used up its points, without taking one. */
export async function ensureNotBlocked(limiter: RateLimiterAbstract, key: string): Promise<void> {
  const res = await limiter.get(key);
  if (res && res.consumedPoints >= limiter.points) throw tooMany(res);
}
