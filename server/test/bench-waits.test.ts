import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import mysql from "mysql2/promise";
import type { AuthResponse, Conversation } from "@parley/sdk/protocol";
import { LOOP_TICK_MS, scrapeWaits, stepWaits, type WaitsScrape } from "../bench/harness/server-waits.js";
import { TEST_DB, startServer, type TestServer } from "./helpers/harness.js";
import { sleep } from "./helpers/sockets.js";

/**
 * `npm run bench -- --loop-lag` (server/bench/harness/server-waits.ts): each 1:1 step says how long
 * the server's thread stood still and how many send batches took over 50 ms to commit, read from
 * the server's own /metrics. Checked against a real server (in this process, so blocking this
 * thread blocks the server's) and, on MariaDB, a real lock that holds a send's commit.
 */

const TOKEN = "bench-waits-token-0123456789abcdef";

/** Holds this thread (the server's too) for `ms`: a stop as a slow sync makes one. */
function standStill(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until) {
    /* busy */
  }
}

describe("the bench's server waits (--loop-lag)", () => {
  let s: TestServer;
  let alice: AuthResponse;
  let conv: Conversation;
  before(async () => {
    s = await startServer({ METRICS_TOKEN: TOKEN });
    const app = (await s.createTenant("Waits")).id;
    alice = await s.api.register(app);
    const bob = await s.api.register(app);
    const res = await s.api.post<{ conversation: Conversation }>("/conversations/direct", { token: alice.accessToken, body: { userId: bob.user.id } });
    assert.ok(res.status === 201 || res.status === 200, JSON.stringify(res.body));
    conv = res.body.conversation;
  });
  after(async () => {
    await s?.close();
  });

  let n = 0;
  const send = async (): Promise<void> => {
    const res = await s.api.post(`/conversations/${conv.id}/messages`, { token: alice.accessToken, body: { text: `waits ${n}`, clientMessageId: `w-${n++}` } });
    assert.equal(res.status, 201, JSON.stringify(res.body));
  };
  const scrape = (): Promise<WaitsScrape> => scrapeWaits(s.url, TOKEN);

  test("a step's stop of the thread is read, without the monitor's tick, and the next step starts afresh; its sends are counted", async () => {
    const start = await scrape();
    for (let i = 0; i < 3; i++) await send();
    // The monitor's first tick after the scrape's reset only starts its clock, and the stop is
    // recorded at the tick after it (server-waits.ts): ticks on both sides, as in a bench step.
    await sleep(3 * LOOP_TICK_MS);
    standStill(500);
    await sleep(3 * LOOP_TICK_MS);
    const stopped = stepWaits(start, await scrape());
    assert.ok(stopped.loopMaxMs >= 450, `the thread stood still 500 ms; read ${stopped.loopMaxMs} ms`);
    assert.ok(stopped.commits >= 3, `3 sends, each a batch; read ${stopped.commits}`);
    assert.ok(stopped.commitsOver50Ms <= stopped.commits);

    // The scrape ended that window: the next one, ticks and all, does not carry the 500 ms stop.
    const second = await scrape();
    await sleep(10 * LOOP_TICK_MS);
    const next = stepWaits(second, await scrape());
    assert.ok(next.loopMaxMs < 450, `nothing stopped the thread since; read ${next.loopMaxMs} ms`);
    assert.equal(next.commits, 0);
    assert.equal(next.commitMeanMs, null, "no commit, no mean");
  });

  test("a send whose commit waits 300 ms for a lock is counted over 50 ms (MariaDB: LOCK TABLES)", {
    skip: TEST_DB !== "mysql" && "LOCK TABLES is MariaDB's",
  }, async () => {
    const admin = await mysql.createConnection(s.databaseUrl!);
    try {
      const start = await scrape();
      await admin.query("LOCK TABLES messages WRITE");
      const sent = send();
      // The send is queued behind the lock (MariaDB's own list says so), then the lock is let go.
      const deadline = Date.now() + 10_000;
      for (;;) {
        const [rows] = await admin.query(
          "SELECT COUNT(*) AS n FROM information_schema.PROCESSLIST WHERE DB = DATABASE() AND (STATE LIKE '%metadata lock%' OR STATE LIKE '%table lock%')",
        );
        if (Number((rows as { n: number }[])[0]!.n) > 0) break;
        assert.ok(Date.now() < deadline, "the send never waited for the lock");
        await new Promise((r) => setTimeout(r, 20));
      }
      await new Promise((r) => setTimeout(r, 300));
      await admin.query("UNLOCK TABLES");
      await sent;
      const waits = stepWaits(start, await scrape());
      assert.equal(waits.commits, 1);
      assert.equal(waits.commitsOver50Ms, 1, JSON.stringify(waits));
      assert.ok(waits.commitMeanMs !== null && waits.commitMeanMs >= 290, `the one commit waited 300 ms; read a mean of ${waits.commitMeanMs} ms`);
      // MariaDB's waits are the socket's: the thread went on serving (a 300 ms stop would show here).
      assert.ok(waits.loopMaxMs < 300, `the thread did not stop for MariaDB's lock; read ${waits.loopMaxMs} ms`);
    } finally {
      await admin.end();
    }
  });
});
