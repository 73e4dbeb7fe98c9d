/**
 * A conversation's order when two nodes write to it at once (the CI of stop 60: in the Redis
 * Cluster failover drill, a member heard message 230 after a newer one, once). Each node's send
 * batch is one transaction: it inserts its messages (their ids come from the auto-increment then)
 * and only later takes the app's seq row (seqs are handed out in commit order). Two batches of
 * one conversation from two nodes could therefore commit in the other order than their ids: the
 * event log, and every member's live stream, then said 231 before 230, while the thread (in id
 * order) said 230 before 231. Here two nodes on one MariaDB database take bursts of sends to one
 * group, one of them over a slower link (a TCP proxy adding LINK_MS to each statement, so its
 * batches take longer between their INSERT and their commit), and the log and two members'
 * streams (one socket on each node) must agree with the ids.
 *
 * The CI of stop 62 found the second half: with the ids and seqs in order, the live streams still
 * were not. A node publishes a committed batch to Redis after its COMMIT; the other node's next
 * batch of the conversation, waiting on the lock, could commit and publish first when the first
 * node was slow to publish (a loaded machine). Here the slower node's link to Redis is slow too
 * (REDIS_LINK_MS), as that node is, so its publish comes late every time unless the next batch
 * waits for it.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, before, describe, test } from "node:test";
import type { Message } from "@parley/sdk/protocol";
import { basic, signIn } from "./helpers/bad-input-table.js";
import { DbProxy } from "./helpers/db-proxy.js";
import { startServer, TEST_DB, type TestServer } from "./helpers/harness.js";
import { connect, eventually, Recorder, request, type ClientSocket } from "./helpers/sockets.js";

const REDIS_URL = process.env["PARLEY_TEST_REDIS_URL"] ?? "redis://127.0.0.1:6379";
const skip = TEST_DB !== "mysql" ? "several nodes run with PARLEY_TEST_DB=mysql only" : process.env["PARLEY_TEST_SKIP_REDIS"] || false;
/** Senders per node, and sends each in a round. */
const SENDERS = 4;
const SENDS = 12;
const ROUNDS = 6;
const LINK_MS = 3;
const REDIS_LINK_MS = 15;
/** Node 2's link to Redis in the second test: its reader's next XREAD takes this long to get there. */
const READ_LINK_MS = 150;

describe("a conversation's order with two nodes writing to it", { skip }, () => {
  const nodes: TestServer[] = [];
  const sockets: ClientSocket[] = [];
  const proxy = new DbProxy();
  const redis = new URL(REDIS_URL);
  const redisProxy = new DbProxy({ host: redis.hostname, port: Number(redis.port || 6379) });

  before(async () => {
    await proxy.listen();
    await redisProxy.listen();
    const env = { REDIS_URL, REDIS_PREFIX: `parley-order-${randomBytes(4).toString("hex")}:` };
    const slowRedis = new URL(REDIS_URL);
    slowRedis.host = `127.0.0.1:${redisProxy.port}`;
    nodes.push(await startServer(env, { keepData: true }));
    nodes.push(
      await startServer({ ...env, REDIS_URL: slowRedis.href }, { reuse: nodes[0]!, keepData: true, mysqlServerUrl: `mysql://root@127.0.0.1:${proxy.port}` }),
    );
    proxy.latencyMs = LINK_MS;
    redisProxy.latencyMs = REDIS_LINK_MS;
  });
  after(async () => {
    for (const s of sockets) s.close();
    for (const n of nodes.slice().reverse()) await n.close();
    await nodes[0]?.dropData();
    proxy.close();
    redisProxy.close();
  });

  test("the event log, and each member's stream, in id order", async () => {
    const a = nodes[0]!;
    const { id: app } = await a.createTenant("Order");
    const key = await a.services.serverKeys.create(app);
    const auth = basic(key.id, key.secret);
    const subs = ["watcher", ...Array.from({ length: SENDERS * 2 }, (_, i) => `s${i}`)];
    const tokens = new Map<string, string>();
    for (const sub of subs) tokens.set(sub, (await signIn(a, auth, app, sub)).accessToken);
    const conv = await a.api.post("/server/conversations", { headers: { Authorization: auth }, body: { kind: "group", name: "Busy", users: subs } });
    assert.equal(conv.status, 201, JSON.stringify(conv.body));
    const c: string = conv.body.conversation.id;

    // The watcher listens on both nodes; sender i writes through node i % 2.
    const watchers = await Promise.all(nodes.map((n) => connect(n, tokens.get("watcher")!)));
    sockets.push(...watchers);
    const heard = watchers.map((s) => new Recorder(s));
    const senders = await Promise.all(subs.slice(1).map((sub, i) => connect(nodes[i % 2]!, tokens.get(sub)!)));
    sockets.push(...senders);

    let total = 0;
    for (let round = 0; round < ROUNDS; round++) {
      const acks = await Promise.all(
        senders.flatMap((s, i) =>
          Array.from({ length: SENDS }, (_, k) => request<Message>(s, "message.send", { conversationId: c, text: `r${round} s${i} #${k}` }, 20_000)),
        ),
      );
      for (const ack of acks) assert.equal(ack.ok, true, JSON.stringify(ack));
      total += acks.length;
    }

    const byId = (x: number, y: number): number => x - y;
    const logged: { messageId: string | number }[] = await a.services.db.query(
      "SELECT messageId FROM events WHERE appId = ? AND conversationId = ? AND type = 'message.new' ORDER BY seq",
      [app, c],
    );
    const inLog = logged.map((r) => Number(r.messageId));
    assert.equal(inLog.length, total);
    assert.deepEqual(inLog, [...inLog].sort(byId), "the event log's message.new of the conversation, by seq, in id order");

    for (const [n, r] of heard.entries()) {
      const ids = (): number[] => r.events.filter((e) => e.name === "message.new").map((e) => Number(e.payload.data.message.id));
      await eventually(async () => ids().length === total, `the watcher on node ${n + 1} heard every message`);
      assert.deepEqual(ids(), [...ids()].sort(byId), `the watcher's stream on node ${n + 1}, in id order`);
    }
  });

  // The CI of 4549c2f: the watcher on node 2 heard a newer message first. Redis had the older one
  // (node 1 held the conversation's lock until it had), but node 2's reader had not read it yet:
  // its XREAD was on its way (a slow link here), and node 2 delivered its own newer message to its
  // sockets at once. Staged: node 1's message and then node 2's wait for the conversation's lock
  // (the test holds it); node 2's reader has just read an entry (a typing event), so its next read
  // reaches Redis only after READ_LINK_MS; the lock is let go, and both messages are written well
  // within that time.
  test("a node's own message waits for the older ones its reader has not read yet", async () => {
    const a = nodes[0]!;
    const { id: app } = await a.createTenant("Reader behind");
    const key = await a.services.serverKeys.create(app);
    const auth = basic(key.id, key.secret);
    const tokens = new Map<string, string>();
    for (const sub of ["watcher", "older", "newer"]) tokens.set(sub, (await signIn(a, auth, app, sub)).accessToken);
    const conv = await a.api.post("/server/conversations", {
      headers: { Authorization: auth },
      body: { kind: "group", name: "Pair", users: [...tokens.keys()] },
    });
    assert.equal(conv.status, 201, JSON.stringify(conv.body));
    const c: string = conv.body.conversation.id;
    const [watcher, older, newer] = await Promise.all([
      connect(nodes[1]!, tokens.get("watcher")!),
      connect(a, tokens.get("older")!),
      connect(nodes[1]!, tokens.get("newer")!),
    ]);
    sockets.push(watcher!, older!, newer!);
    const heard = new Recorder(watcher!);

    proxy.latencyMs = 0;
    redisProxy.latencyMs = READ_LINK_MS;
    const lock = a.services.db.createQueryRunner();
    await lock.connect();
    try {
      await lock.query("SELECT GET_LOCK(CONCAT(DATABASE(), '/', ?), 30)", [c]);
      const waiters = async (): Promise<number> => {
        const [row] = await lock.query(
          "SELECT COUNT(*) AS n FROM information_schema.PROCESSLIST WHERE DB = DATABASE() AND ID <> CONNECTION_ID() AND INFO LIKE 'SELECT GET_LOCK%'",
        );
        return Number(row.n);
      };
      const first = request<Message>(older!, "message.send", { conversationId: c, text: "older" }, 20_000);
      await eventually(async () => (await waiters()) === 1, "node 1's send waits for the lock");
      const second = request<Message>(newer!, "message.send", { conversationId: c, text: "newer" }, 20_000);
      await eventually(async () => (await waiters()) === 2, "node 2's send waits for the lock too");
      older!.emit("typing", { conversationId: c, typing: true });
      await heard.wait("typing", () => true, 5000);
      await lock.query("SELECT RELEASE_LOCK(CONCAT(DATABASE(), '/', ?))", [c]);
      const acks = await Promise.all([first, second]);
      for (const ack of acks) assert.equal(ack.ok, true, JSON.stringify(ack));
      const ids = (): string[] => heard.events.filter((e) => e.name === "message.new").map((e) => e.payload.data.message.text);
      await eventually(async () => ids().length === 2, "the watcher on node 2 heard both");
      assert.deepEqual(ids(), ["older", "newer"], "the watcher on node 2 hears them in the order they were written");
    } finally {
      lock.release();
      proxy.latencyMs = LINK_MS;
      redisProxy.latencyMs = REDIS_LINK_MS;
    }
  });
});
