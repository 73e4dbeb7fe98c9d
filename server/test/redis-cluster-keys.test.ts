/**
 * Two nodes on a real Redis Cluster (6 redis-servers of this test's own, ports 7110-7115): every
 * feature that keeps state or counters in Redis, exercised through its public surface, works
 * across the nodes, and no command crossed slots. Redis counts every error reply it sends by kind
 * (INFO errorstats) even when the caller swallows it (presence falls back to its mirror, a limiter
 * to its memory insurance), so the last test asks all six servers: a key of a script or MULTI on
 * another slot shows there as CROSSSLOT, an undeclared key in a script as ERR.
 *
 * In Redis: presence (scripts over `{<prefix>presence}:*`, one hash tag), rate limits
 * (rate-limiter-flexible: one key per script or MULTI, so any slot), slow mode (one key per SET NX),
 * and the Socket.IO adapter's sharded channels. Webhook delivery leases live in the database
 * (webhooks/dispatcher.ts), not in Redis.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, before, describe, test } from "node:test";
import type { AuthResponse } from "@parley/sdk/protocol";
import { RedisPresenceService } from "../src/scale/redis-presence.js";
import { keyslot } from "../src/scale/keyslot.js";
import { basic, signIn } from "./helpers/bad-input-table.js";
import { startServer, TEST_DB, type TestServer } from "./helpers/harness.js";
import { redisClusterUnavailable, startRedisCluster, type RedisCluster } from "./helpers/redis-cluster.js";
import { connect, eventually, Recorder, request, type ClientSocket } from "./helpers/sockets.js";

const BASE_PORT = 7110;
const skip = TEST_DB !== "mysql" ? "several nodes run with PARLEY_TEST_DB=mysql only" : await redisClusterUnavailable();

describe("Redis Cluster: every multi-key operation on one slot, shared across nodes", { skip }, () => {
  const prefix = `parley-keys-${randomBytes(4).toString("hex")}:`;
  let cluster: RedisCluster;
  let a: TestServer;
  let b: TestServer;
  const sockets: ClientSocket[] = [];

  before(async () => {
    cluster = await startRedisCluster({ basePort: BASE_PORT });
    // Only what Parley does from here on is counted.
    await Promise.all(cluster.servers.map((s) => cluster.cli(s.port, "CONFIG", "RESETSTAT")));
    const env = { REDIS_CLUSTER_NODES: cluster.seeds.join(","), REDIS_PREFIX: prefix, PRESENCE_GRACE_MS: "200" };
    a = await startServer(env, { keepData: true });
    b = await startServer(env, { reuse: a, keepData: true });
  });
  after(async () => {
    for (const so of sockets) so.close();
    await b?.close().catch(() => undefined);
    await a?.close();
    await a?.dropData();
    await cluster?.stop();
  });

  test("the server's slot of a name is Redis's (hash tags included)", async () => {
    for (const name of [`${prefix}socket.io#/#conv:42#`, `{${prefix}presence}:online`, `{${prefix}presence}:u:7`, "a{}b", "{}{x}", "plain"]) {
      assert.equal(keyslot(name), await cluster.keyslot(name), name);
    }
  });

  test("a node that applies a join late still delivers the new conversation's first message", async () => {
    const { id: app } = await a.createTenant("Late join");
    const key = await a.services.serverKeys.create(app);
    const auth = basic(key.id, key.secret);
    const dee = await signIn(a, auth, app, "dee");
    const eve = await signIn(b, auth, app, "eve");
    const deeSocket = await connect(a, dee.accessToken);
    sockets.push(deeSocket);
    const eveSocket = await connect(b, eve.accessToken);
    sockets.push(eveSocket);
    const eveRec = new Recorder(eveSocket);
    // Node b is slow to apply joins from other nodes (a busy event loop): the DM's room channel is
    // subscribed there only after its first message was published to it.
    type Adapter = { onMessage(m: { type: number }, offset?: string): unknown };
    const adapter = b.io.of("/").adapter as unknown as Adapter;
    const onMessage = adapter.onMessage;
    adapter.onMessage = (m, offset) => (m.type === 4 ? void setTimeout(() => onMessage.call(adapter, m, offset), 500) : onMessage.call(adapter, m, offset));
    try {
      const dm = await a.api.post("/conversations/direct", { token: dee.accessToken, body: { userId: eve.user.id } });
      assert.equal(dm.status, 201, JSON.stringify(dm.body));
      const sent = await request<{ id: string }>(deeSocket, "message.send", {
        conversationId: dm.body.conversation.id,
        text: "first",
        clientMessageId: "late-1",
      });
      assert.ok(sent.ok, JSON.stringify(sent));
      await eveRec.wait("message.new", (e) => e.data.message.id === (sent as { data: { id: string } }).data.id, 5000);
    } finally {
      adapter.onMessage = onMessage;
    }
  });

  test("presence, rate limits, slow mode and sharded broadcasts work across the two nodes", async () => {
    const { id: app } = await a.createTenant("Cluster keys");
    const key = await a.services.serverKeys.create(app);
    const auth = basic(key.id, key.secret);
    const people = new Map<string, AuthResponse>();
    for (const sub of ["mod", "ann", "bo", "cy"]) people.set(sub, await signIn(sub === "bo" ? b : a, auth, app, sub));
    const [mod, ann, bo, cy] = ["mod", "ann", "bo", "cy"].map((s) => people.get(s)!);
    // Sign-in limits per IP and per e-mail (rate-limiter-flexible on the cluster).
    const reg = await b.api.register(app, { email: "keys@example.com", password: "correct horse battery" });
    assert.ok(reg.accessToken);
    assert.equal((await a.api.post("/auth/login", { app, body: { email: "keys@example.com", password: "correct horse battery" } })).status, 200);
    // A success clears the e-mail's budget; a wrong guess keeps its count.
    assert.equal((await b.api.post("/auth/login", { app, body: { email: "keys@example.com", password: "wrong horse battery" } })).status, 401);

    assert.equal((await a.api.put("/server/moderators/mod", { headers: { Authorization: auth } })).status, 204);
    const group = await a.api.post("/conversations", { token: ann!.accessToken, body: { name: "Keys", memberIds: [bo!.user.id, cy!.user.id, mod!.user.id] } });
    assert.equal(group.status, 201, JSON.stringify(group.body));
    const c = group.body.conversation.id as string;

    // Ann on node a, Bo on node b: presence crosses nodes (CONNECT, SNAPSHOT), and so do messages
    // and typing (the room's sharded channel).
    const annSocket = await connect(a, ann!.accessToken);
    sockets.push(annSocket);
    const annRec = new Recorder(annSocket);
    const boSocket = await connect(b, bo!.accessToken);
    sockets.push(boSocket);
    const boRec = new Recorder(boSocket);
    await annRec.wait("presence", (p) => p.userId === bo!.user.id && p.online === true, 10_000);
    const sent = await request<{ id: string }>(boSocket, "message.send", { conversationId: c, text: "over the cluster", clientMessageId: "k1" });
    assert.ok(sent.ok, JSON.stringify(sent));
    await annRec.wait("message.new", (e) => e.data.message.text === "over the cluster", 10_000);
    annSocket.emit("typing", { conversationId: c, typing: true });
    await boRec.wait("typing", (e) => e.userId === ann!.user.id, 10_000);
    assert.equal((await b.api.get("/search?q=cluster", { token: ann!.accessToken })).status, 200);

    // Slow mode: one turn shared by both nodes (SET NX PX on one key), for a member who has not sent yet.
    assert.equal((await b.api.put(`/moderation/conversations/${c}/slow-mode`, { token: mod!.accessToken, body: { seconds: 60 } })).status, 200);
    const both = await Promise.all([a, b].map((n, i) => n.api.post(`/conversations/${c}/messages`, { token: cy!.accessToken, body: { text: `slow ${i}` } })));
    assert.deepEqual(both.map((r) => r.status).sort(), [201, 429], JSON.stringify(both.map((r) => r.body)));

    // Bo leaves: offline after the grace period (DISCONNECT, OFFLINE), seen on the other node.
    boSocket.close();
    await annRec.wait("presence", (p) => p.userId === bo!.user.id && p.online === false, 10_000);

    // Node b stops: node a sweeps it out of the node set (SWEEP), a condition only SWEEP makes true.
    const bNode = (b.services.presence as RedisPresenceService).nodeId;
    const presence = `{${prefix}presence}:`;
    const nodesPort = await cluster.primaryOf(keyslot(`${presence}nodes`));
    assert.equal((await cluster.cli(nodesPort, "SISMEMBER", `${presence}nodes`, bNode)).trim(), "1");
    await b.close();
    await eventually(async () => (await cluster.cli(nodesPort, "SISMEMBER", `${presence}nodes`, bNode)).trim() === "0", "node b swept", 15_000);

    // Where things are: presence keys all on one slot; limits and slow mode in Redis (not in a
    // node's memory insurance).
    const keys: string[] = [];
    for (const port of await primaries(cluster)) keys.push(...(await cluster.cli(port, "--scan", "--pattern", `*${prefix}*`)).split("\n").filter(Boolean));
    const presenceSlots = new Set(keys.filter((k) => k.startsWith(presence)).map(keyslot));
    assert.equal(presenceSlots.size, 1, `presence keys on one slot: ${keys.filter((k) => k.startsWith(presence)).join(", ")}`);
    for (const limiter of ["auth-ip", "login-email", "msg-user", "msg-app", "search-user", "search-app", "groups-created"])
      assert.ok(
        keys.some((k) => k.startsWith(`${prefix}rl:${limiter}`)),
        `${limiter} counted in the cluster: ${keys.filter((k) => k.includes(":rl:")).join(", ")}`,
      );
    assert.ok(
      keys.some((k) => k.startsWith(`${prefix}slow:`)),
      "slow mode reserved in the cluster",
    );
  });

  test("no command crossed slots or failed (INFO errorstats and commandstats of all six servers)", async () => {
    for (const s of cluster.servers) {
      const errors = (await cluster.cli(s.port, "INFO", "errorstats")).split("\n").map((l) => l.trim());
      assert.ok(!errors.some((l) => l.startsWith("errorstat_CROSSSLOT")), `redis ${s.port}: ${errors.join(" ")}`);
      // A script touching a key of another slot fails inside (ERR ... non local key): a failed call
      // of EVAL/EVALSHA. CLIENT is left out: node-redis announces itself with CLIENT SETINFO,
      // which Redis 7.0 does not know (an ERR per connection, ignored by the client).
      const failed = (await cluster.cli(s.port, "INFO", "commandstats"))
        .split("\n")
        .map((l) => l.trim())
        .filter((l) => /^cmdstat_/.test(l) && !/^cmdstat_client\|/.test(l) && /(rejected|failed)_calls=[1-9]/.test(l));
      assert.deepEqual(failed, [], `redis ${s.port}`);
    }
  });
});

async function primaries(cluster: RedisCluster): Promise<number[]> {
  const nodes = await cluster.cli(cluster.servers[0]!.port, "CLUSTER", "NODES");
  return nodes
    .trim()
    .split("\n")
    .filter((l) => l.split(" ")[2]!.includes("master"))
    .map((l) => Number(/:(\d+)@/.exec(l)![1]));
}
