import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { RateLimiterMemory, RateLimiterRes } from "rate-limiter-flexible";
import { startServer, type TestServer } from "../../server/test/helpers/harness.js";
import { clientFactory, serverHistory, until } from "./helpers/clients.js";

// A small per-user message quota (5 per window), and the window's end at the worst moment: right
// after each refusal, while the rest of the pipelined burst is still on the wire. The memory
// limiter's window ends by its key going away; that is done here at once, where the clock would
// do it some time later. Without a rule for it, the sends behind the refused one get in, and the
// refused one, resent, lands after them.
const QUOTA = 5;
let refusals = 0;
const original = RateLimiterMemory.prototype.consume;

let s: TestServer;
let app: string;
const clients = clientFactory(() => ({ server: s.url, appId: app }));

before(async () => {
  type Storage = { get(k: string): RateLimiterRes | null; delete(k: string): boolean };
  type Internals = { _memoryStorage: Storage; getKey(key: string | number): string };
  RateLimiterMemory.prototype.consume = function (this: RateLimiterMemory, key: string | number, points?: number, options?: object) {
    const result = original.call(this, key, points, options);
    if (this.keyPrefix === "msg-user") {
      // The memory limiter counts synchronously: this consume has just been refused if the count
      // went past the quota. Then the window ends now (its key goes), before the next one counts.
      const store = (this as unknown as Internals)._memoryStorage;
      const rlKey = (this as unknown as Internals).getKey(key);
      if ((store.get(rlKey)?.consumedPoints ?? 0) > QUOTA) {
        refusals++;
        store.delete(rlKey);
        return result.catch((res: unknown) => {
          if (res instanceof RateLimiterRes) (res as { msBeforeNext: number }).msBeforeNext = 1; // the window has ended
          throw res;
        });
      }
    }
    return result;
  };
  s = await startServer({ RATE_LIMIT_MESSAGES_PER_USER: String(QUOTA) });
  app = (await s.createTenant("Order site", ["*"])).id;
});

after(async () => {
  RateLimiterMemory.prototype.consume = original;
  clients.closeAll();
  await s.close();
});

test("a burst cut by the per-user quota is stored in the order written, each message once", { timeout: 30_000 }, async () => {
  const ada = await clients.signUp("Ada");
  const bo = await clients.signUp("Bo");
  const conv = await ada.direct(bo.user!.id);
  const texts = Array.from({ length: 4 * QUOTA }, (_, i) => `m${i}`);
  const t0 = Date.now();
  const stored = await Promise.all(texts.map((t) => conv.send(t)));
  const took = Date.now() - t0;
  assert.ok(refusals >= 2, `the quota refused ${refusals} sends`);
  assert.deepEqual(
    stored.map((m) => m.text),
    texts,
    "every send acknowledged",
  );
  const ids = stored.map((m) => BigInt(m.id));
  assert.ok(
    ids.every((id, i) => i === 0 || id > ids[i - 1]!),
    `stored out of order: ${stored
      .map((m) => m.text)
      .sort((a, b) => Number(BigInt(stored.find((x) => x.text === a)!.id) - BigInt(stored.find((x) => x.text === b)!.id)))
      .join(" ")}`,
  );
  assert.deepEqual(
    (await serverHistory(ada, conv.id)).map((m) => m.text),
    texts,
    "each exactly once, in order, on the server",
  );
  // The refused sends waited for the server's Retry-After (1 s each time), not a fast backoff.
  assert.ok(took >= 900, `${took} ms`);
  await until(() => bo.conversation(conv.id).messages.length === texts.length, "Bo got them all", 10_000);
  assert.deepEqual(
    bo.conversation(conv.id).messages.map((m) => m.text),
    texts,
  );
});
