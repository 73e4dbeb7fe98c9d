import assert from "node:assert/strict";
import { createHmac, timingSafeEqual } from "node:crypto";
import { after, before, describe, test } from "node:test";
import jwt from "jsonwebtoken";
import type { AuthResponse } from "@parley/sdk/protocol";
import { startServer, type TestServer } from "./helpers/harness.js";
import { connect } from "./helpers/sockets.js";
import { WebhookDeliveryEntity } from "../src/webhooks/webhook.entities.js";
import { eventually, WebhookReceiver } from "./helpers/webhook-receiver.js";

/** Fast retries and polling; loopback receivers allowed. */
const FAST = {
  WEBHOOK_ALLOW_PRIVATE: "1",
  WEBHOOK_POLL_MS: "20",
  WEBHOOK_RETRY_BASE_MS: "30",
  WEBHOOK_ENDPOINT_CACHE_MS: "0",
  WEBHOOK_UNREAD_POLL_MS: "600000",
};

interface Tenant {
  app: string;
  secret: string;
  auth: string;
  key: { id: string; secret: string };
}

async function tenant(s: TestServer): Promise<Tenant> {
  const { id: app, secret } = await s.createTenant();
  const key = await s.services.serverKeys.create(app);
  return { app, secret, key: { id: key.id, secret: key.secret }, auth: `Basic ${Buffer.from(`${key.id}:${key.secret}`).toString("base64")}` };
}

const as = (t: Tenant, body?: unknown) => ({ headers: { Authorization: t.auth }, ...(body === undefined ? {} : { body }) });

/** Verifies `Parley-Signature` independently: t, kid, v1 = HMAC-SHA256(secret, "t.body"). */
function verify(header: string, raw: string, keys: Record<string, string>): boolean {
  const parts = Object.fromEntries(header.split(",").map((p) => p.split("=", 2) as [string, string]));
  const secret = keys[parts["kid"]!];
  if (!secret || !/^\d+$/.test(parts["t"] ?? "")) return false;
  const expected = Buffer.from(createHmac("sha256", secret).update(`${parts["t"]}.${raw}`).digest("hex"));
  const got = Buffer.from(parts["v1"] ?? "");
  return expected.length === got.length && timingSafeEqual(expected, got);
}

async function dm(s: TestServer, a: AuthResponse, b: AuthResponse): Promise<string> {
  const res = await s.api.post("/conversations/direct", { token: a.accessToken, body: { userId: b.user.id } });
  assert.ok(res.status === 201 || res.status === 200, JSON.stringify(res.body));
  return res.body.conversation.id;
}

async function send(s: TestServer, who: AuthResponse, conversationId: string, text: string): Promise<{ id: string }> {
  const res = await s.api.post(`/conversations/${conversationId}/messages`, { token: who.accessToken, body: { text } });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return res.body.message ?? res.body;
}

async function register(s: TestServer, t: Tenant, url: string, events: string[]): Promise<string> {
  const res = await s.api.post("/server/webhooks", as(t, { url, events }));
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return res.body.endpoint.id;
}

describe("webhooks", () => {
  let s: TestServer;
  const receivers: WebhookReceiver[] = [];
  const receiver = async (): Promise<WebhookReceiver> => {
    const r = await new WebhookReceiver().start();
    receivers.push(r);
    return r;
  };

  before(async () => {
    s = await startServer(FAST);
  });
  after(async () => {
    await s?.close();
    for (const r of receivers) await r.close();
  });

  test("signs every delivery so that an independent HMAC check verifies it", async () => {
    const t = await tenant(s);
    const r = await receiver();
    await register(s, t, r.url, ["message.new", "conversation.created"]);
    const alice = await s.api.register(t.app);
    const bob = await s.api.register(t.app);
    const conversationId = await dm(s, alice, bob);
    const sent = await send(s, alice, conversationId, "hello hooks");
    await r.until((all) => all.some((x) => x.body.type === "message.new"), "message.new");
    const got = r.received.find((x) => x.body.type === "message.new")!;
    assert.ok(verify(String(got.headers["parley-signature"]), got.raw, { [t.key.id]: t.key.secret }), "signature verifies");
    assert.ok(!verify(String(got.headers["parley-signature"]), got.raw + " ", { [t.key.id]: t.key.secret }), "a changed body does not");
    assert.match(String(got.headers["parley-signature"]), new RegExp(`^t=\\d+,kid=${t.key.id},v1=[0-9a-f]{64}$`));
    assert.equal(got.headers["parley-delivery"], got.body.id);
    assert.equal(got.headers["parley-event"], "message.new");
    assert.equal(got.headers["parley-seq"], String(got.body.seq));
    assert.equal(got.headers["content-type"], "application/json");
    assert.deepEqual(Object.keys(got.body).sort(), ["appId", "at", "data", "id", "seq", "type"]);
    assert.equal(got.body.appId, t.app);
    assert.equal(got.body.data.message.id, sent.id);
    assert.equal(got.body.data.message.text, "hello hooks");
    assert.equal(r.of("conversation.created").length, 1);
    assert.equal(r.of("message.updated").length, 0, "only subscribed types");
  });

  test("every event type of a user's and a conversation's life reaches a subscribed endpoint, in seq order", async () => {
    const t = await tenant(s);
    const r = await receiver();
    const types = ["user.created", "conversation.created", "member.added", "member.removed", "message.new", "message.updated", "message.deleted"];
    await register(s, t, r.url, types);
    const alice = await s.api.register(t.app);
    const bob = await s.api.register(t.app);
    const carol = await s.api.register(t.app);
    const group = await s.api.post("/conversations", { token: alice.accessToken, body: { name: "Life", memberIds: [bob.user.id] } });
    assert.equal(group.status, 201, JSON.stringify(group.body));
    const g = group.body.conversation.id as string;
    assert.ok((await s.api.post(`/conversations/${g}/members`, { token: alice.accessToken, body: { userIds: [carol.user.id] } })).status < 300);
    const m = await send(s, alice, g, "draft");
    assert.equal((await s.api.patch(`/messages/${m.id}`, { token: alice.accessToken, body: { text: "final" } })).status, 200);
    assert.ok((await s.api.del(`/messages/${m.id}`, { token: alice.accessToken })).status < 300);
    assert.ok((await s.api.del(`/conversations/${g}/members/${carol.user.id}`, { token: alice.accessToken })).status < 300);
    await r.until((all) => types.every((type) => all.some((x) => x.body.type === type)), "one of each type");
    const seqs = r.received.map((x) => x.body.seq as number);
    assert.deepEqual(
      seqs,
      [...seqs].sort((a, b) => a - b),
    );
    assert.deepEqual(
      r.of("user.created").map((b) => b.data.user.id),
      [alice.user.id, bob.user.id, carol.user.id],
    );
    assert.equal(r.of("message.updated")[0].data.message.text, "final");
    assert.ok(r.received.every((x) => verify(String(x.headers["parley-signature"]), x.raw, { [t.key.id]: t.key.secret })));
  });

  test("a receiver that fails 3 times gets the delivery on the 4th attempt, and the record says 4 attempts", async () => {
    const t = await tenant(s);
    const r = await receiver();
    let failures = 0;
    r.answer = () => (failures++ < 3 ? 503 : 204);
    const endpoint = await register(s, t, r.url, ["message.new"]);
    const alice = await s.api.register(t.app);
    const bob = await s.api.register(t.app);
    await send(s, alice, await dm(s, alice, bob), "retry me");
    await r.until((all) => all.length >= 4, "4 attempts");
    assert.equal(new Set(r.received.map((x) => x.body.id)).size, 1, "one delivery, the same id each time");
    let delivered: any;
    await eventually(async () => {
      const res = await s.api.get(`/server/webhooks/${endpoint}/deliveries?status=delivered`, as(t));
      delivered = res.body.items[0];
      return delivered !== undefined;
    }, "the delivered record");
    assert.equal(delivered.attempts, 4);
    assert.equal(delivered.lastError, null);
    assert.ok(delivered.deliveredAt && delivered.lastAttemptAt);
    assert.equal(r.received.length, 4);
  });

  test("with no live server key a delivery waits, saying why, and goes out signed with the next key", async () => {
    const t = await tenant(s);
    const r = await receiver();
    const endpoint = await register(s, t, r.url, ["message.new"]);
    await s.services.serverKeys.revoke(t.app, t.key.id);
    const alice = await s.api.register(t.app);
    const bob = await s.api.register(t.app);
    await send(s, alice, await dm(s, alice, bob), "wait for a key");
    const rows = s.services.db.getRepository(WebhookDeliveryEntity);
    await eventually(
      async () => (await rows.findOneBy({ endpointId: endpoint }))?.lastError?.includes("No live server key") === true,
      "the delivery to wait for a key",
    );
    assert.equal(r.received.length, 0);
    const next = await s.services.serverKeys.create(t.app);
    await r.until((all) => all.length >= 1, "the delivery once a key exists");
    assert.match(String(r.received[0]!.headers["parley-signature"]), new RegExp(`kid=${next.id},`));
    assert.ok(verify(String(r.received[0]!.headers["parley-signature"]), r.received[0]!.raw, { [next.id]: next.secret }));
  });

  test("replay from a seq sends those events again, in seq order", async () => {
    const t = await tenant(s);
    const r = await receiver();
    const endpoint = await register(s, t, r.url, ["message.new"]);
    const alice = await s.api.register(t.app);
    const bob = await s.api.register(t.app);
    const c = await dm(s, alice, bob);
    for (let i = 1; i <= 5; i++) await send(s, alice, c, `m${i}`);
    await r.until((all) => all.length >= 5, "5 deliveries");
    const seqs = r.received.map((x) => x.body.seq as number);
    assert.deepEqual(
      seqs,
      [...seqs].sort((a, b) => a - b),
      "delivered in seq order",
    );
    const from = seqs[2]!;
    const res = await s.api.post(`/server/webhooks/${endpoint}/replay`, as(t, { fromSeq: from }));
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.queued, 3);
    await r.until((all) => all.length >= 8, "3 replayed deliveries");
    const replayed = r.received.slice(5).map((x) => x.body);
    assert.deepEqual(
      replayed.map((b) => b.seq),
      seqs.slice(2),
    );
    assert.deepEqual(
      replayed.map((b) => b.data.message.text),
      ["m3", "m4", "m5"],
    );
    assert.equal(new Set(r.received.map((x) => x.body.id)).size, 8, "a replay is a new delivery with its own id");
  });

  test("notification.unread: once per quiet period for an offline user, never for an online one", async () => {
    const t = await tenant(s);
    const r = await receiver();
    await register(s, t, r.url, ["notification.unread"]);
    assert.equal((await s.api.put("/server/webhooks/settings", as(t, { unreadAfterSec: 0 }))).status, 200);
    const alice = await s.api.register(t.app);
    // Offline, and a user of the host site (signed in with a host token): the event names their `sub`.
    const hostToken = jwt.sign({ sub: "host-bob", name: "Bob" }, t.secret, { algorithm: "HS256", expiresIn: 300 });
    const signedIn = await s.api.post("/auth/host-token", { app: t.app, body: { token: hostToken } });
    assert.equal(signedIn.status, 200, JSON.stringify(signedIn.body));
    const bob = signedIn.body as AuthResponse;
    const carol = await s.api.register(t.app); // online
    const socket = await connect(s, carol.accessToken);
    try {
      const group = await s.api.post("/conversations", { token: alice.accessToken, body: { name: "Team", memberIds: [bob.user.id, carol.user.id] } });
      assert.equal(group.status, 201, JSON.stringify(group.body));
      const g = group.body.conversation.id as string;
      await send(s, alice, g, "one");
      await send(s, alice, g, "two");
      assert.equal(await s.services.unreadNotifier.run(), 1, "one notification: bob's");
      await r.until((all) => all.length >= 1, "bob's notification.unread");
      const [n] = r.of("notification.unread");
      assert.equal(n.data.userId, bob.user.id);
      assert.equal(n.data.sub, "host-bob");
      assert.deepEqual(n.data.conversations, [{ conversationId: g, unreadCount: 2 }]);

      // Same quiet period: more messages, another run, nothing new.
      const third = await send(s, alice, g, "three");
      assert.equal(await s.services.unreadNotifier.run(), 0);

      // Bob reads: the period ends; the next message opens a new one, notified once.
      const read = await s.api.post(`/conversations/${g}/read`, { token: bob.accessToken, body: { messageId: third.id } });
      assert.ok(read.status < 300, JSON.stringify(read.body));
      await send(s, alice, g, "four");
      assert.equal(await s.services.unreadNotifier.run(), 1);
      await r.until((all) => all.length >= 2, "the second period's notification");
      const all = r.of("notification.unread");
      assert.deepEqual(
        all.map((b) => b.data.userId),
        [bob.user.id, bob.user.id],
        "never carol, who is online",
      );
      assert.deepEqual(all[1].data.conversations, [{ conversationId: g, unreadCount: 1 }]);
    } finally {
      socket.disconnect();
    }
  });

  test("notification.unread never counts a sender the user blocked (red team 4): their messages alone notify nothing", async () => {
    const t = await tenant(s);
    const r = await receiver();
    await register(s, t, r.url, ["notification.unread"]);
    assert.equal((await s.api.put("/server/webhooks/settings", as(t, { unreadAfterSec: 0 }))).status, 200);
    const [alice, bob, carol] = [await s.api.register(t.app), await s.api.register(t.app), await s.api.register(t.app)];
    const group = await s.api.post("/conversations", { token: alice.accessToken, body: { name: "Blocked", memberIds: [bob.user.id, carol.user.id] } });
    const g = group.body.conversation.id as string;
    assert.equal((await s.api.post("/blocks", { token: bob.accessToken, body: { userId: alice.user.id } })).status, 204);
    await send(s, alice, g, "from someone bob blocked");
    // Carol (no block) is notified of the one message; bob of nothing.
    assert.equal(await s.services.unreadNotifier.run(), 1, "carol's alone");
    await r.until((all) => all.length >= 1, "carol's notification.unread");
    assert.deepEqual(
      r.of("notification.unread").map((b) => [b.data.userId, b.data.conversations]),
      [[carol.user.id, [{ conversationId: g, unreadCount: 1 }]]],
    );
    // A message of someone bob has not blocked counts, and only it (alice is notified of it too).
    await send(s, carol, g, "from a friend");
    assert.equal(await s.services.unreadNotifier.run(), 2, "bob's and alice's");
    await r.until((all) => all.length >= 3, "bob's notification.unread");
    const bobs = r.of("notification.unread").filter((b) => b.data.userId === bob.user.id);
    assert.deepEqual(
      bobs.map((b) => b.data.conversations),
      [[{ conversationId: g, unreadCount: 1 }]],
    );
  });

  test("a delivery still failing at the end of the retry window is marked failed and listed as such", async () => {
    const short = await startServer({ ...FAST, WEBHOOK_RETRY_WINDOW_SEC: "1" });
    try {
      const t = await tenant(short);
      const r = await receiver();
      r.answer = () => 500;
      const endpoint = await register(short, t, r.url, ["message.new"]);
      const alice = await short.api.register(t.app);
      const bob = await short.api.register(t.app);
      await send(short, alice, await dm(short, alice, bob), "never accepted");
      let failed: any;
      await eventually(async () => {
        failed = (await short.api.get(`/server/webhooks/${endpoint}/deliveries?status=failed`, as(t))).body.items[0];
        return failed !== undefined;
      }, "the failed record");
      assert.equal(failed.lastError, "HTTP 500");
      assert.equal(failed.nextAttemptAt, null);
      assert.equal(failed.attempts, r.received.length);
      assert.deepEqual((await short.api.get(`/server/webhooks/${endpoint}/deliveries?status=pending`, as(t))).body.items, []);
    } finally {
      await short.close();
    }
  });

  test("a restart in the middle of retrying loses nothing", async () => {
    const first = await startServer(FAST, { keepData: true });
    const r = await receiver();
    let second: TestServer | undefined;
    try {
      const t = await tenant(first);
      r.answer = () => 500;
      const endpoint = await register(first, t, r.url, ["message.new"]);
      const alice = await first.api.register(t.app);
      const bob = await first.api.register(t.app);
      await send(first, alice, await dm(first, alice, bob), "survive");
      await r.until((all) => all.length >= 2, "two failed attempts");
      await first.close();
      r.answer = () => 200;
      const before = r.received.length;
      second = await startServer(FAST, { reuse: first, keepData: true });
      await r.until((all) => all.length > before && all.at(-1)!.body.type === "message.new", "the delivery after the restart");
      const s2 = second;
      let row: any;
      await eventually(async () => {
        row = (await s2.api.get(`/server/webhooks/${endpoint}/deliveries`, as(t))).body.items[0];
        return row?.status === "delivered";
      }, "delivered after the restart");
      assert.ok(row.attempts >= 3);
      assert.equal(new Set(r.received.map((x) => x.body.id)).size, 1);
      assert.equal(r.received.at(-1)!.body.data.message.text, "survive");
    } finally {
      await second?.close();
      await first.dropData();
    }
  });
});
