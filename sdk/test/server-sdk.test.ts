// @parley/sdk/server: verifyWebhook against the server's own signer (server/src/webhooks/signature.ts)
// and a hand-built HMAC, and ParleyServer against a real server with a real server key.
import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, test } from "node:test";
import { signWebhook } from "../../server/src/webhooks/signature.js";
import { startServer, type TestServer } from "../../server/test/helpers/harness.js";
import { ChatError } from "../src/errors.js";
import type { WebhookPayload } from "../src/protocol/index.js";
import { ParleyServer, ParleyServerError, WebhookVerificationError, verifyWebhook, type WebhookEvent } from "../src/server/index.js";

const OLD = { id: "key_old", secret: "sk_old_0123456789abcdef" };
const NEW = { id: "key_new", secret: "sk_new_fedcba9876543210" };
const event: WebhookPayload = {
  id: "dlv_1",
  type: "notification.unread",
  seq: 42,
  appId: "app_1",
  at: "2026-11-23T12:00:00.000Z",
  data: { userId: "u_1", sub: "buyer-7", conversations: [{ conversationId: "c_1", unreadCount: 2 }] },
};
const body = JSON.stringify(event);
const nowSec = () => Math.floor(Date.now() / 1000);

/** What a receiver's `catch` sees: the verification error's reason. */
function reasonOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e: unknown) {
    assert.ok(e instanceof WebhookVerificationError, String(e));
    return e.reason;
  }
  assert.fail("verifyWebhook accepted it");
}

describe("verifyWebhook", () => {
  test("accepts a delivery signed by the server's signer and returns the typed event", () => {
    const got: WebhookEvent = verifyWebhook({ headers: { "Parley-Signature": signWebhook(body, NEW) }, body }, { [NEW.id]: NEW.secret });
    // Narrowing by type: the unread notification's fields are typed.
    assert.equal(got.type === "notification.unread" ? got.data.conversations[0]?.unreadCount : undefined, 2);
    assert.deepEqual(got, event);
  });

  test("accepts a hand-built HMAC-SHA256 over `<t>.<raw body>`, from a Buffer body and a Fetch Headers, and a single secret", () => {
    const t = nowSec();
    const v1 = createHmac("sha256", OLD.secret).update(`${t}.${body}`).digest("hex");
    const headers = new Headers({ "parley-signature": `t=${t},kid=${OLD.id},v1=${v1}` });
    assert.deepEqual(verifyWebhook({ headers, body: Buffer.from(body) }, { [OLD.id]: OLD.secret }), event);
    assert.deepEqual(verifyWebhook({ headers, body }, OLD.secret), event);
  });

  test("refuses a tampered body", () => {
    const headers = { "parley-signature": signWebhook(body, NEW) };
    assert.equal(
      reasonOf(() => verifyWebhook({ headers, body: body.replace("buyer-7", "buyer-8") }, { [NEW.id]: NEW.secret })),
      "bad_signature",
    );
  });

  test("refuses a key id it has no secret for, and a signature made with another key's secret under this kid", () => {
    const headers = { "parley-signature": signWebhook(body, NEW) };
    assert.equal(
      reasonOf(() => verifyWebhook({ headers, body }, { [OLD.id]: OLD.secret })),
      "unknown_kid",
    );
    const forged = { "parley-signature": signWebhook(body, { id: OLD.id, secret: NEW.secret }) };
    assert.equal(
      reasonOf(() => verifyWebhook({ headers: forged, body }, { [OLD.id]: OLD.secret })),
      "bad_signature",
    );
    // Inherited object keys are not secrets.
    const proto = { "parley-signature": signWebhook(body, { id: "constructor", secret: "x" }) };
    assert.equal(
      reasonOf(() => verifyWebhook({ headers: proto, body }, { [OLD.id]: OLD.secret })),
      "unknown_kid",
    );
  });

  test("refuses a timestamp older (or newer) than the tolerance, 5 minutes unless configured", () => {
    const secrets = { [NEW.id]: NEW.secret };
    // One clock for signing and checking: with the wall clock, a second boundary crossed between
    // the two moved "301 s ahead" to 300.x s and the future case passed verification.
    const now = Date.now();
    const at = Math.floor(now / 1000);
    const stale = { "parley-signature": signWebhook(body, NEW, at - 301) };
    assert.equal(
      reasonOf(() => verifyWebhook({ headers: stale, body }, secrets, { now })),
      "stale_timestamp",
    );
    const future = { "parley-signature": signWebhook(body, NEW, at + 301) };
    assert.equal(
      reasonOf(() => verifyWebhook({ headers: future, body }, secrets, { now })),
      "stale_timestamp",
    );
    assert.deepEqual(verifyWebhook({ headers: stale, body }, secrets, { toleranceSec: 600, now }), event);
    const recent = { "parley-signature": signWebhook(body, NEW, at - 200) };
    assert.deepEqual(verifyWebhook({ headers: recent, body }, secrets, { now }), event);
    // Without `now`, the wall clock decides.
    const fresh = { "parley-signature": signWebhook(body, NEW, nowSec()) };
    assert.deepEqual(verifyWebhook({ headers: fresh, body }, secrets), event);
  });

  test("during a key rotation, deliveries signed with the old and the new key both verify with both secrets given", () => {
    const secrets = { [OLD.id]: OLD.secret, [NEW.id]: NEW.secret };
    for (const key of [OLD, NEW]) assert.deepEqual(verifyWebhook({ headers: { "parley-signature": signWebhook(body, key) }, body }, secrets), event);
    // Once the old key is dropped from the map, its deliveries are refused.
    assert.equal(
      reasonOf(() => verifyWebhook({ headers: { "parley-signature": signWebhook(body, OLD) }, body }, { [NEW.id]: NEW.secret })),
      "unknown_kid",
    );
  });

  test("refuses a missing or malformed header and a parsed (not raw) body, with clear reasons", () => {
    const secrets = { [NEW.id]: NEW.secret };
    assert.equal(
      reasonOf(() => verifyWebhook({ headers: {}, body }, secrets)),
      "missing_signature",
    );
    assert.equal(
      reasonOf(() => verifyWebhook({ headers: { "parley-signature": "v1=abc" }, body }, secrets)),
      "malformed_signature",
    );
    assert.equal(
      reasonOf(() => verifyWebhook({ headers: { "parley-signature": `t=${nowSec()},kid=${NEW.id},v1=zz` }, body }, secrets)),
      "malformed_signature",
    );
    const parsed = { headers: { "parley-signature": signWebhook(body, NEW) }, body: JSON.parse(body) as unknown as string };
    assert.equal(
      reasonOf(() => verifyWebhook(parsed, secrets)),
      "bad_body",
    );
  });

  test("verifies a Node IncomingMessage with the raw body it read", async () => {
    let got: unknown;
    const receiver: Server = createServer((req: IncomingMessage, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        try {
          got = verifyWebhook(req, { [NEW.id]: NEW.secret }, { body: Buffer.concat(chunks) });
          res.writeHead(204).end();
        } catch (e: unknown) {
          got = e;
          res.writeHead(400).end();
        }
      });
    });
    await new Promise<void>((r) => receiver.listen(0, "127.0.0.1", r));
    try {
      const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
      const res = await fetch(url, { method: "POST", headers: { "content-type": "application/json", "Parley-Signature": signWebhook(body, NEW) }, body });
      assert.equal(res.status, 204);
      assert.deepEqual(got, event);
    } finally {
      receiver.closeAllConnections();
      await new Promise<void>((r) => receiver.close(() => r()));
    }
  });
});

describe("ParleyServer on the wire", () => {
  test("sends Basic auth with the key, JSON, no Origin; throws ParleyServerError (a ChatError) from the error body", async () => {
    const seen: Array<{ method: string; url: string; headers: IncomingMessage["headers"]; body: string }> = [];
    const fake: Server = createServer((req, res) => {
      let b = "";
      req.on("data", (c: Buffer) => (b += c));
      req.on("end", () => {
        seen.push({ method: req.method!, url: req.url!, headers: req.headers, body: b });
        res
          .writeHead(409, { "content-type": "application/json" })
          .end(JSON.stringify({ error: { code: "conflict", message: "taken", details: { field: "key" } } }));
      });
    });
    await new Promise<void>((r) => fake.listen(0, "127.0.0.1", r));
    try {
      const parley = new ParleyServer({ server: `http://127.0.0.1:${(fake.address() as AddressInfo).port}/`, keyId: "key_1", secret: "sk_1" });
      const err = await parley.createConversation({ kind: "group", users: ["a", "b"], key: "order-1" }).catch((e: unknown) => e);
      assert.ok(err instanceof ParleyServerError && err instanceof ChatError);
      assert.deepEqual(
        { status: err.status, code: err.code, message: err.message, details: err.details },
        { status: 409, code: "conflict", message: "taken", details: { field: "key" } },
      );
      await parley.listConversations({ filter: { orderId: "123" }, limit: 5 }).catch(() => undefined);
      const [post, list] = seen;
      assert.equal(post!.method, "POST");
      assert.equal(post!.url, "/v1/server/conversations");
      assert.equal(post!.headers.authorization, "Basic " + Buffer.from("key_1:sk_1").toString("base64"));
      assert.equal(post!.headers["content-type"], "application/json");
      assert.equal(post!.headers.origin, undefined);
      assert.deepEqual(JSON.parse(post!.body), { kind: "group", users: ["a", "b"], key: "order-1" });
      assert.equal(decodeURIComponent(list!.url), "/v1/server/conversations?limit=5&filter[data.orderId]=123");
    } finally {
      fake.closeAllConnections();
      await new Promise<void>((r) => fake.close(() => r()));
    }
  });

  test("an unreachable server is a retryable network_error", async () => {
    const parley = new ParleyServer({ server: "http://127.0.0.1:1", keyId: "k", secret: "s" });
    const err = await parley.getConversation("c_1").catch((e: unknown) => e);
    assert.ok(err instanceof ParleyServerError);
    assert.equal(err.code, "network_error");
    assert.equal(err.retryable, true);
  });
});

describe("ParleyServer against a real server", { timeout: 120_000 }, () => {
  let s: TestServer;
  let appId: string;
  let parley: ParleyServer<{ plan: string }, { orderId: string }, { kind: string }>;

  before(async () => {
    s = await startServer({ WEBHOOK_ALLOW_PRIVATE: "1" });
    appId = (await s.createTenant("Market")).id;
    const key = await s.services.serverKeys.create(appId);
    parley = new ParleyServer({ server: s.url, keyId: key.id, secret: key.secret });
  });
  after(async () => {
    await s?.close();
  });

  test("a wrong secret is a 401 ParleyServerError", async () => {
    const key = await s.services.serverKeys.create(appId);
    const bad = new ParleyServer({ server: s.url, keyId: key.id, secret: key.secret + "x" });
    const err = await bad.upsertUser({ sub: "x", name: "X" }).catch((e: unknown) => e);
    assert.ok(err instanceof ParleyServerError);
    assert.equal(err.status, 401);
    assert.ok(err.code && err.message, "code and message from the error body");
  });

  test("surfaces the server's 4xx answers as ParleyServerError with status, code and details (invalid input, oversized data)", async () => {
    const invalid = await parley.createConversation({ kind: "bogus" as "group", users: [] }).catch((e: unknown) => e);
    assert.ok(invalid instanceof ParleyServerError);
    assert.equal(invalid.status, 400);
    assert.equal(invalid.code, "validation_failed");
    assert.ok(Array.isArray(invalid.details) && invalid.details.length > 0, JSON.stringify(invalid.details));
    const big = await parley.upsertUser({ sub: "big", name: "Big", data: { plan: "x".repeat(5000) } }).catch((e: unknown) => e);
    assert.ok(big instanceof ParleyServerError);
    assert.equal(big.status, 413);
  });

  test("upserts users by sub with typed custom data, and mints a host token that signs them in", async () => {
    const ada = await parley.upsertUser({ sub: "seller-1", name: "Ada", data: { plan: "pro" } });
    assert.equal(ada.sub, "seller-1");
    assert.equal(ada.displayName, "Ada");
    assert.deepEqual(ada.data, { plan: "pro" });
    const again = await parley.upsertUser({ sub: "seller-1", name: "Ada L." });
    assert.equal(again.id, ada.id);
    assert.equal(again.displayName, "Ada L.");
    await parley.upsertUser({ sub: "buyer-1", name: "Bob" });

    const { hostToken, expiresIn } = await parley.createToken({ sub: "seller-1", ttlSec: 60 });
    assert.ok(expiresIn > 0 && expiresIn <= 60);
    const session = await s.api.post("/auth/host-token", { app: appId, body: { token: hostToken } });
    assert.equal(session.status, 200, JSON.stringify(session.body));
    assert.equal(session.body.user.id, ada.id);
  });

  test("creates a conversation idempotently by key, reads, lists by key and custom data, updates it, and manages members", async () => {
    await parley.upsertUser({ sub: "carol", name: "Carol" });
    const c = await parley.createConversation({ kind: "group", users: ["seller-1", "buyer-1"], name: "Order 123", key: "order-123", data: { orderId: "123" } });
    const again = await parley.createConversation({
      kind: "group",
      users: ["seller-1", "buyer-1"],
      name: "Order 123",
      key: "order-123",
      data: { orderId: "123" },
    });
    assert.equal(again.id, c.id);
    assert.deepEqual(c.data, { orderId: "123" });
    assert.equal((await parley.getConversation(c.id)).name, "Order 123");
    await parley.createConversation({ kind: "group", users: ["seller-1"], name: "Order 456", key: "order-456", data: { orderId: "456" } });

    const byData = await parley.listConversations({ filter: { orderId: "123" } });
    assert.deepEqual(
      byData.items.map((x) => x.id),
      [c.id],
    );
    const byKey = await parley.listConversations({ key: "order-123" });
    assert.deepEqual(
      byKey.items.map((x) => x.id),
      [c.id],
    );

    const renamed = await parley.updateConversation(c.id, { name: "Order #123", data: { orderId: "123" } });
    assert.equal(renamed.name, "Order #123");

    await parley.addMembers(c.id, ["carol"]);
    const carol = (await parley.upsertUser({ sub: "carol", name: "Carol" })).id;
    assert.ok((await parley.getConversation(c.id)).members.some((m) => m.userId === carol));
    await parley.removeMember(c.id, "carol");
    assert.ok(!(await parley.getConversation(c.id)).members.some((m) => m.userId === carol));

    const missing = await parley.getConversation("999999999").catch((e: unknown) => e);
    assert.ok(missing instanceof ParleyServerError);
    assert.equal(missing.status, 404);
  });

  test("sends as a user and as the system (no sender), lists, edits and deletes messages", async () => {
    const c = await parley.createConversation({ kind: "group", users: ["seller-1", "buyer-1"], name: "Order 789", key: "order-789" });
    const seller = (await parley.upsertUser({ sub: "seller-1", name: "Ada L." })).id;
    const mine = await parley.sendMessage(c.id, { text: "Thanks for your order", from: "seller-1", data: { kind: "greeting" } });
    assert.equal(mine.senderId, seller);
    assert.deepEqual(mine.data, { kind: "greeting" });
    const sys = await parley.sendMessage(c.id, { text: "Order #789 shipped" });
    assert.equal(sys.senderId, null);

    const page = await parley.listMessages(c.id, { limit: 10 });
    assert.deepEqual(
      page.items.map((m) => m.id),
      [sys.id, mine.id],
    );
    const first = await parley.listMessages(c.id, { limit: 1 });
    assert.deepEqual(
      first.items.map((m) => m.id),
      [sys.id],
    );
    assert.ok(first.nextCursor);
    const older = await parley.listMessages(c.id, { limit: 1, cursor: first.nextCursor });
    assert.deepEqual(
      older.items.map((m) => m.id),
      [mine.id],
    );
    // A retry with the same clientMessageId is the same message.
    const once = await parley.sendMessage(c.id, { text: "Invoice attached", clientMessageId: "inv-789" });
    assert.equal((await parley.sendMessage(c.id, { text: "Invoice attached", clientMessageId: "inv-789" })).id, once.id);

    const edited = await parley.editMessage(sys.id, { text: "Order #789 shipped (DHL)" });
    assert.equal(edited.text, "Order #789 shipped (DHL)");
    assert.ok(edited.editedAt);
    await parley.deleteMessage(mine.id);
    const after = await parley.listMessages(c.id);
    assert.ok(after.items.find((m) => m.id === mine.id)?.deletedAt);
  });

  test("registers a webhook whose deliveries verify with verifyWebhook and the app's key; lists deliveries, replays, settings, deletes", async () => {
    const keys = await s.services.serverKeys.live(appId);
    const secrets = Object.fromEntries(keys.map((k) => [k.id, k.secret]));
    const received: WebhookEvent[] = [];
    const receiver: Server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        received.push(verifyWebhook(req, secrets, { body: Buffer.concat(chunks) }));
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((r) => receiver.listen(0, "127.0.0.1", r));
    try {
      const endpoint = await parley.createWebhook({ url: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/parley`, events: ["message.new"] });
      assert.deepEqual(endpoint.events, ["message.new"]);
      assert.ok((await parley.listWebhooks()).some((w) => w.id === endpoint.id));

      // An event from an end user's send (the user REST API), not from the server API.
      const ann = await s.api.register(appId, { email: "ann.hooks@example.com", password: "correct horse battery", displayName: "Ann" });
      const ben = await s.api.register(appId, { email: "ben.hooks@example.com", password: "correct horse battery", displayName: "Ben" });
      const dm = (await s.api.post("/conversations/direct", { token: ann.accessToken, body: { userId: ben.user.id } })).body.conversation.id as string;
      const sent = await s.api.post(`/conversations/${dm}/messages`, { token: ann.accessToken, body: { text: "hooked" } });
      const delivered = await waitFor(() => received.find((e) => e.type === "message.new" && e.data.message.id === sent.body.id));
      const deliveries = await waitFor(async () =>
        (await parley.listDeliveries(endpoint.id, { status: "delivered" })).items.find((d) => d.seq === delivered.seq),
      );
      assert.equal(deliveries.type, "message.new");

      const { queued } = await parley.replayWebhook(endpoint.id, delivered.seq);
      assert.ok(queued >= 1);
      await waitFor(() => received.filter((e) => e.seq === delivered.seq).length >= 2 || undefined);

      assert.deepEqual(await parley.setWebhookSettings({ unreadAfterSec: 120 }), { unreadAfterSec: 120 });
      await parley.deleteWebhook(endpoint.id);
      assert.ok(!(await parley.listWebhooks()).some((w) => w.id === endpoint.id));
    } finally {
      receiver.closeAllConnections();
      await new Promise<void>((r) => receiver.close(() => r()));
    }
  });
});

/** Polls until `fn` returns something (not undefined or false); 15 s at most. */
async function waitFor<T>(fn: () => T | undefined | false | Promise<T | undefined | false>): Promise<T> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const v = await fn();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error("condition not met within 15 s");
    await new Promise((r) => setTimeout(r, 50));
  }
}
