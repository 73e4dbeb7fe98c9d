import { createAdapter, type RedisStreamsAdapterOptions } from "@socket.io/redis-streams-adapter";
import { localFirst, type AdapterFactory } from "./local-first.js";

/**
 * `@socket.io/redis-streams-adapter` (one Redis): every node reads one stream from its last
 * offset, so a short Redis outage loses nothing. Local-first (see local-first.ts): this node's own
 * sockets never wait for Redis; the entry is appended unawaited and the client's offline queue
 * holds it through an outage.
 */
export function createLocalFirstAdapter(redisClient: unknown, opts: RedisStreamsAdapterOptions): AdapterFactory {
  return localFirst(createAdapter(redisClient, opts));
}
