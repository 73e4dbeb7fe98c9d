import { createAdapter, type RedisStreamsAdapterOptions } from "@socket.io/redis-streams-adapter";
import { localFirst, type AdapterFactory } from "./local-first.js";
import type { RedisClient } from "./redis.js";

/** How long after a failed SUBSCRIBE it is sent again (the client queues it while it reconnects). */
const RESUBSCRIBE_MS = 500;

/**
 * `@socket.io/redis-streams-adapter` (one Redis): every node reads one stream from its last
 * offset, so a short Redis outage loses nothing. Local-first (see local-first.ts): this node's own
 * sockets never wait for Redis; the entry is appended unawaited and the client's offline queue
 * holds it through an outage. Its own chat events wait for its reader, though, a moment, so they
 * come in the stream's order (stream-order.ts).
 */
export function createLocalFirstAdapter(redisClient: RedisClient, opts: RedisStreamsAdapterOptions): AdapterFactory {
  return localFirst(createAdapter(subscribingUntilTaken(redisClient), opts), { streamOrder: true });
}

/**
 * The client upstream is given, whose duplicates (upstream's subscriber) send SUBSCRIBE again
 * until Redis takes it. Upstream does not await its SUBSCRIBE of the namespace's request channels:
 * a connection dropped before Redis answers (a blip just after start) made an unhandled
 * rejection, which ends the process (the CI of 106153e: ops.test, "Socket closed unexpectedly"),
 * and node-redis keeps no listener for a SUBSCRIBE that failed, so the node would never have heard
 * those channels again (`fetchSockets`, `serverSideEmit` from other nodes).
 */
function subscribingUntilTaken(client: RedisClient): RedisClient {
  return new Proxy(client, {
    get(target, prop) {
      if (prop === "duplicate")
        return (...args: Parameters<RedisClient["duplicate"]>) => {
          const dup = target.duplicate(...args);
          const subscribe = dup.subscribe.bind(dup) as (...a: unknown[]) => Promise<void>;
          (dup as { subscribe: unknown }).subscribe = (...a: unknown[]): Promise<void> => {
            const attempt = (): Promise<void> =>
              subscribe(...a).catch(() => {
                if (dup.isOpen) setTimeout(() => void attempt(), RESUBSCRIBE_MS).unref();
              });
            return attempt();
          };
          return dup;
        };
      const v: unknown = Reflect.get(target, prop, target);
      return typeof v === "function" ? v.bind(target) : v;
    },
  });
}
