import type { SharedMarks } from "../db/read-replicas.js";
import type { RedisClient } from "./redis.js";

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
      await client.set(key(reader), String(at), { PX: ttlMs });
    },
  };
}
