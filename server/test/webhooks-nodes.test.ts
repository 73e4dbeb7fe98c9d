import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, before, describe, test } from "node:test";
import { startServer, TEST_DB, type TestServer } from "./helpers/harness.js";
import { eventually, WebhookReceiver } from "./helpers/webhook-receiver.js";

const REDIS_URL = process.env["PARLEY_TEST_REDIS_URL"] ?? "redis://127.0.0.1:6379";
const skip = TEST_DB !== "mysql" ? "several nodes run with PARLEY_TEST_DB=mysql only" : process.env["PARLEY_TEST_SKIP_REDIS"] || false;

/** Two servers on one MariaDB database and one Redis, both dispatching the same outbox. */
describe("webhooks on two nodes", { skip }, () => {
  let a: TestServer;
  let b: TestServer;
  const r = new WebhookReceiver();

  before(async () => {
    const env = {
      REDIS_URL,
      REDIS_PREFIX: `parley-wh-${randomBytes(4).toString("hex")}:`,
      WEBHOOK_ALLOW_PRIVATE: "1",
      WEBHOOK_POLL_MS: "10",
      WEBHOOK_RETRY_BASE_MS: "20",
      WEBHOOK_ENDPOINT_CACHE_MS: "2000",
    };
    a = await startServer(env, { keepData: true });
    b = await startServer(env, { reuse: a, keepData: true });
    await r.start();
  });
  after(async () => {
    await b?.close();
    await a?.close();
    await a?.dropData();
    await r.close();
  });

  test("each event is delivered once, whichever node sent it and whichever node retries it", async () => {
    const { id: app } = await a.createTenant();
    const key = await a.services.serverKeys.create(app);
    const headers = { Authorization: `Basic ${Buffer.from(`${key.id}:${key.secret}`).toString("base64")}` };
    // Some failures on the way, so both nodes retry too.
    let n = 0;
    r.answer = () => (++n % 4 === 0 ? 500 : 200);
    const reg = await b.api.post("/server/webhooks", { headers, body: { url: r.url, events: ["message.new"] } });
    assert.equal(reg.status, 201);
    const endpoint = reg.body.endpoint.id;
    const alice = await a.api.register(app);
    const bob = await b.api.register(app);
    const dm = await a.api.post("/conversations/direct", { token: alice.accessToken, body: { userId: bob.user.id } });
    const c = dm.body.conversation.id;
    const total = 30;
    await Promise.all(
      Array.from({ length: total }, (_, i) =>
        (i % 2 ? a : b).api.post(`/conversations/${c}/messages`, { token: i % 2 ? alice.accessToken : bob.accessToken, body: { text: `m${i}` } }),
      ),
    );
    await eventually(
      async () => {
        const res = await a.api.get(`/server/webhooks/${endpoint}/deliveries?status=delivered&limit=100`, { headers });
        return res.body.items.length === total;
      },
      `${total} delivered`,
      60_000,
    );
    const ok = r.received.filter((_, i) => (i + 1) % 4 !== 0).map((x) => x.body);
    const ids = ok.map((b) => b.id);
    assert.equal(ids.length, total, "each delivery succeeded exactly once");
    assert.equal(new Set(ids).size, total);
    assert.equal(new Set(ok.map((b) => b.seq)).size, total, "each event once");
    const pending = await a.api.get(`/server/webhooks/${endpoint}/deliveries?status=pending`, { headers });
    assert.deepEqual(pending.body.items, []);
  });

  test("an endpoint registered on one node gets the events another node commits once its cached list expires", async () => {
    const { id: app } = await a.createTenant();
    const key = await a.services.serverKeys.create(app);
    const headers = { Authorization: `Basic ${Buffer.from(`${key.id}:${key.secret}`).toString("base64")}` };
    // Node a appends an event for the app first, so it holds the app's (empty) endpoint list in its cache.
    const alice = await a.api.register(app);
    const bob = await a.api.register(app);
    const dm = await a.api.post("/conversations/direct", { token: alice.accessToken, body: { userId: bob.user.id } });
    const c = dm.body.conversation.id;
    const before = r.received.length;
    r.answer = () => 200;
    const reg = await b.api.post("/server/webhooks", { headers, body: { url: r.url, events: ["message.new"] } });
    assert.equal(reg.status, 201);
    // Sends through node a until one reaches the endpoint: within WEBHOOK_ENDPOINT_CACHE_MS (2 s) of the registration.
    let sent = 0;
    await eventually(
      async () => {
        await a.api.post(`/conversations/${c}/messages`, { token: alice.accessToken, body: { text: `probe ${sent++}` } });
        return r.received.slice(before).some((x) => x.body.appId === app);
      },
      "a delivery of an event node a committed",
      30_000,
    );
    assert.ok(sent >= 1);
  });
});
