import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { WebhookDeliveryEntity, WebhookEndpointEntity } from "../src/webhooks/webhook.entities.js";
import { startServer, type TestServer } from "./helpers/harness.js";
import { eventually } from "./helpers/webhook-receiver.js";

/**
 * The bad-input table of the webhook routes: every row is a 4xx with the error body, never a 500.
 * `strict` is a server with production defaults (private-network URLs refused); `open` allows them
 * (WEBHOOK_ALLOW_PRIVATE=1).
 */
describe("webhook registration: bad input", () => {
  let strict: TestServer;
  let open: TestServer;
  const auth = new Map<TestServer, string>();
  let other = "";

  before(async () => {
    strict = await startServer();
    open = await startServer({ WEBHOOK_ALLOW_PRIVATE: "1" });
    for (const s of [strict, open]) {
      const { id } = await s.createTenant();
      const key = await s.services.serverKeys.create(id);
      auth.set(s, `Basic ${Buffer.from(`${key.id}:${key.secret}`).toString("base64")}`);
    }
    const { id } = await open.createTenant("Other");
    const key = await open.services.serverKeys.create(id);
    other = `Basic ${Buffer.from(`${key.id}:${key.secret}`).toString("base64")}`;
  });
  after(async () => {
    await strict?.close();
    await open?.close();
  });

  const register = (s: TestServer, body: unknown, headers: Record<string, string> = {}) =>
    s.api.post("/server/webhooks", { headers: { Authorization: auth.get(s)!, ...headers }, body });

  async function expectError(res: { status: number; body: any }, status: number, code: string, what: string): Promise<void> {
    assert.equal(res.status, status, `${what}: ${JSON.stringify(res.body)}`);
    assert.equal(res.body?.error?.code, code, `${what}: ${JSON.stringify(res.body)}`);
    assert.equal(typeof res.body.error.message, "string");
  }

  const badUrls: [string, string][] = [
    ["ftp://example.com/hook", "not http(s)"],
    ["javascript:alert(1)", "a script URL"],
    ["not a url", "not a URL"],
    ["http://user:pw@example.com/hook", "credentials"],
    ["https://:pw@example.com/hook", "a password alone"],
    [`https://example.com/${"a".repeat(2100)}`, "over 2,048 characters"],
    ["", "empty"],
  ];
  for (const [url, what] of badUrls) {
    test(`refuses a URL that is ${what}`, async () => {
      await expectError(await register(open, { url, events: ["message.new"] }), 400, "validation_failed", what);
    });
  }

  const privateUrls = [
    "http://127.0.0.1:8080/hook",
    "http://localhost/hook",
    "http://10.1.2.3/hook",
    "http://172.16.0.1/hook",
    "http://192.168.1.1/hook",
    "http://169.254.169.254/latest/meta-data",
    "http://100.64.0.1/hook",
    "http://0.0.0.0/hook",
    "http://[::1]/hook",
    "http://[fd00::1]/hook",
    "http://[fe80::1]/hook",
    "http://[::ffff:127.0.0.1]/hook",
    "http://2130706433/hook",
  ];
  for (const url of privateUrls) {
    test(`refuses the private-network target ${url}, unless allowed by config`, async () => {
      const res = await register(strict, { url, events: ["message.new"] });
      await expectError(res, 400, "validation_failed", url);
      assert.match(res.body.error.message, /private|local/);
      if (url.includes("169.254") || url.includes("2130706433")) return;
      const allowed = await register(open, { url, events: ["message.new"] });
      assert.equal(allowed.status, 201, JSON.stringify(allowed.body));
      assert.equal((await open.api.del(`/server/webhooks/${allowed.body.endpoint.id}`, { headers: { Authorization: auth.get(open)! } })).status, 204);
    });
  }

  const badBodies: [unknown, string][] = [
    [{ url: "https://example.com/hook", events: ["message.exploded"] }, "an unknown event type"],
    [{ url: "https://example.com/hook", events: [] }, "no event types"],
    [{ url: "https://example.com/hook" }, "no events field"],
    [{ events: ["message.new"] }, "no url"],
    [{ url: 42, events: ["message.new"] }, "a number for a url"],
    [{ url: "https://example.com/hook", events: "message.new" }, "a string for events"],
    [["https://example.com/hook"], "an array body"],
  ];
  for (const [body, what] of badBodies) {
    test(`refuses a registration with ${what}`, async () => {
      await expectError(await register(open, body), 400, "validation_failed", what);
    });
  }

  test("refuses malformed JSON, a non-JSON body and an oversized body", async () => {
    const headers = { Authorization: auth.get(open)! };
    await expectError(await open.api.post("/server/webhooks", { headers, raw: "{nope", contentType: "application/json" }), 400, "invalid_json", "malformed");
    await expectError(await open.api.post("/server/webhooks", { headers, raw: "url=x", contentType: "text/plain" }), 415, "unsupported_media_type", "text");
    const huge = { url: "https://example.com/hook", events: ["message.new"], pad: "x".repeat(1_100_000) };
    await expectError(await register(open, huge), 413, "payload_too_large", "oversized");
  });

  test("refuses unauthenticated, browser and other-app callers", async () => {
    await expectError(
      await open.api.post("/server/webhooks", { body: { url: "https://example.com/h", events: ["message.new"] } }),
      401,
      "unauthenticated",
      "no key",
    );
    await expectError(
      await register(open, { url: "https://example.com/h", events: ["message.new"] }, { Origin: "https://site.example" }),
      403,
      "forbidden",
      "browser",
    );
    await expectError(
      await open.api.get("/server/webhooks", { headers: { Authorization: `Basic ${Buffer.from("key_x:nope").toString("base64")}` } }),
      401,
      "invalid_token",
      "bad key",
    );
    const mine = await register(open, { url: "http://127.0.0.1:9/hook", events: ["message.new"] });
    assert.equal(mine.status, 201);
    const id = mine.body.endpoint.id;
    const theirs = { headers: { Authorization: other } };
    await expectError(await open.api.del(`/server/webhooks/${id}`, theirs), 404, "not_found", "another app's delete");
    await expectError(await open.api.get(`/server/webhooks/${id}/deliveries`, theirs), 404, "not_found", "another app's deliveries");
    await expectError(await open.api.post(`/server/webhooks/${id}/replay`, { ...theirs, body: { fromSeq: 0 } }), 404, "not_found", "another app's replay");
    assert.deepEqual((await open.api.get("/server/webhooks", theirs)).body.endpoints, []);
    await open.api.del(`/server/webhooks/${id}`, { headers: { Authorization: auth.get(open)! } });
  });

  test("answers 404 for unknown ids and 400 for bad parameters", async () => {
    const headers = { Authorization: auth.get(open)! };
    for (const id of ["whe_doesnotexist", "x".repeat(200), "%00"]) {
      const res = await open.api.del(`/server/webhooks/${encodeURIComponent(id)}`, { headers });
      assert.ok(res.status === 404, `${id}: ${res.status} ${JSON.stringify(res.body)}`);
      await expectError(await open.api.get(`/server/webhooks/${encodeURIComponent(id)}/deliveries`, { headers }), 404, "not_found", "deliveries");
      await expectError(
        await open.api.post(`/server/webhooks/${encodeURIComponent(id)}/replay`, { headers, body: { fromSeq: 1 } }),
        404,
        "not_found",
        "replay",
      );
    }
    const ep = await register(open, { url: "http://127.0.0.1:9/hook", events: ["message.new"] });
    const id = ep.body.endpoint.id;
    await expectError(await open.api.get(`/server/webhooks/${id}/deliveries?status=lost`, { headers }), 400, "validation_failed", "bad status");
    await expectError(await open.api.get(`/server/webhooks/${id}/deliveries?cursor=garbage`, { headers }), 400, "validation_failed", "bad cursor");
    await expectError(await open.api.get(`/server/webhooks/${id}/deliveries?limit=1000`, { headers }), 400, "validation_failed", "bad limit");
    for (const fromSeq of [-1, 1.5, "3", null]) {
      await expectError(await open.api.post(`/server/webhooks/${id}/replay`, { headers, body: { fromSeq } }), 400, "validation_failed", `fromSeq ${fromSeq}`);
    }
    for (const unreadAfterSec of [-1, "300", 10 ** 9, null]) {
      await expectError(
        await open.api.put("/server/webhooks/settings", { headers, body: { unreadAfterSec } }),
        400,
        "validation_failed",
        `unreadAfterSec ${unreadAfterSec}`,
      );
    }
    assert.equal((await open.api.put("/server/webhooks/settings", { headers, body: { unreadAfterSec: 600 } })).status, 200);
    await open.api.del(`/server/webhooks/${id}`, { headers });
  });

  test("re-checks the target when delivering: an endpoint now pointing at a private address is not called", async () => {
    const { id: app } = await strict.createTenant("Rebound");
    await strict.services.serverKeys.create(app);
    // As if the host's DNS name had changed to a private address since it was registered.
    const urls = { whe_rebound_ip: "http://127.0.0.1:9/hook", whe_rebound_dns: "http://localhost:9/hook" };
    for (const [id, url] of Object.entries(urls)) {
      await strict.services.db
        .getRepository(WebhookEndpointEntity)
        .insert({ id, appId: app, url, events: "message.new", createdAt: Date.now(), leaseOwner: null, leaseUntil: 0 });
    }
    const alice = await strict.api.register(app);
    const bob = await strict.api.register(app);
    const dm = await strict.api.post("/conversations/direct", { token: alice.accessToken, body: { userId: bob.user.id } });
    await strict.api.post(`/conversations/${dm.body.conversation.id}/messages`, { token: alice.accessToken, body: { text: "x" } });
    const rows = strict.services.db.getRepository(WebhookDeliveryEntity);
    for (const endpointId of Object.keys(urls)) {
      await eventually(async () => ((await rows.findOneBy({ endpointId }))?.attempts ?? 0) >= 1, `an attempt to ${endpointId}`);
      const row = await rows.findOneByOrFail({ endpointId });
      assert.match(row.lastError ?? "", /private address/, endpointId);
      assert.equal(row.status, "pending");
    }
  });

  test("holds at most 10 endpoints per app", async () => {
    const { id } = await open.createTenant("Many");
    const key = await open.services.serverKeys.create(id);
    const headers = { Authorization: `Basic ${Buffer.from(`${key.id}:${key.secret}`).toString("base64")}` };
    for (let i = 0; i < 10; i++)
      assert.equal((await open.api.post("/server/webhooks", { headers, body: { url: `http://127.0.0.1:9/h${i}`, events: ["message.new"] } })).status, 201);
    await expectError(
      await open.api.post("/server/webhooks", { headers, body: { url: "http://127.0.0.1:9/h11", events: ["message.new"] } }),
      409,
      "conflict",
      "11th",
    );
    assert.equal((await open.api.get("/server/webhooks", { headers })).body.endpoints.length, 10);
  });
});
