import type { SharedMarks } from "../db/read-replicas.js";
import type { RedisClient } from "./redis.js";

/** Keeps the later of the stored mark and this one: two nodes' marks may arrive out of order. */
const SET_MAX = `
local cur = tonumber(redis.call("GET", KEYS[1]) or "0")
local at = tonumber(ARGV[1])
if at > cur then redis.call("SET", KEYS[1], ARGV[1], "PX", ARGV[2]) else redis.call("PEXPIRE", KEYS[1], ARGV[2]) end
return 1`;

/**
 * Readers' marks (db/read-replicas.ts) in Redis, so a user who wrote through one node reads
 * their write through any other. One key per reader (a single slot on a cluster), expiring once a
 * replica that is not skipped must have passed it anyway.
 */
export function redisReaderMarks(client: RedisClient, prefix: string): SharedMarks {
  const key = (reader: string): string => `${prefix}fresh:${reader}`;
  return {
    async get(reader) {
      const v = await client.get(key(reader));
      return v === null ? null : Number(v);
    },
    async set(reader, at, ttlMs) {
      await client.eval(SET_MAX, { keys: [key(reader)], arguments: [String(at), String(ttlMs)] });
    },
  };
}
