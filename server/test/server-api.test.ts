import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import jwt from "jsonwebtoken";
import type { AuthResponse, Conversation, Message, ServerUser } from "@parley/sdk/protocol";
import { errorCode, type ReqOptions, type Res } from "./helpers/api.js";
import { startServer, type TestServer } from "./helpers/harness.js";
import { connect, Recorder } from "./helpers/sockets.js";

/**
 * The server API (`/v1/server/…`, issue 16) over real HTTP and sockets: server-key auth (Origin
 * refused, revocation, rotation), users by sub, host tokens with a kid, idempotent conversations,
 * system messages, custom data (caps and filters) and cross-app isolation.
 */

interface Key {
  id: string;
  secret: string;
}

let s: TestServer;
let app: string;
let otherApp: string;
let key: Key;
let foreignKey: Key;

const basic = (k: Key): string => `Basic ${Buffer.from(`${k.id}:${k.secret}`).toString("base64")}`;
const n = Math.random().toString(36).slice(2, 8);

/** The user.created events in the app's log for `userId` (the app's events: no user or conversation on the row). */
async function createdEvents(userId: string): Promise<unknown[]> {
  const rows: { data: string | { user: { id: string } } }[] = await s.services.db.query(
    "SELECT data FROM events WHERE appId = ? AND type = 'user.created' AND userId IS NULL AND conversationId IS NULL",
    [app],
  );
  return rows.map((r) => (typeof r.data === "string" ? JSON.parse(r.data) : r.data)).filter((d: { user: { id: string } }) => d.user.id === userId);
}

/** A server API call with key `k` (the app's first key unless given). */
function srv<T = any>(method: string, path: string, o: ReqOptions & { key?: Key } = {}): Promise<Res<T>> {
  const { key: k = key, headers, ...rest } = o;
  return s.api.req<T>(method, `/server${path}`, { ...rest, headers: { Authorization: basic(k), ...headers } });
}

/** Signs a user in with a host token (as the browser would) and returns the session. */
async function exchange(hostToken: string, appId = app): Promise<Res<AuthResponse>> {
  return s.api.post<AuthResponse>("/auth/host-token", { app: appId, body: { token: hostToken } });
}

async function upsert(sub: string, extra: Record<string, unknown> = {}): Promise<ServerUser> {
  const res = await srv<{ user: ServerUser }>("POST", "/users", { body: { sub, name: `User ${sub}`, ...extra } });
  assert.ok(res.status === 201 || res.status === 200, JSON.stringify(res.body));
  return res.body.user;
}

async function sessionOf(sub: string): Promise<AuthResponse> {
  const t = await srv<{ hostToken: string }>("POST", "/tokens", { body: { sub } });
  assert.equal(t.status, 201, JSON.stringify(t.body));
  const res = await exchange(t.body.hostToken);
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body;
}

before(async () => {
  s = await startServer();
  app = (await s.createTenant("Shop")).id;
  otherApp = (await s.createTenant("Other shop")).id;
  key = await s.services.serverKeys.create(app, "backend");
  foreignKey = await s.services.serverKeys.create(otherApp, "other backend");
});
after(() => s?.close());

describe("server key authentication", () => {
  test("a live key authenticates; a wrong secret, an unknown key or no credentials are 401", async () => {
    assert.equal((await srv("POST", "/users", { body: { sub: `auth-${n}`, name: "Auth" } })).status, 201);
    for (const auth of [basic({ id: key.id, secret: "sk_wrong" }), basic({ id: "key_unknown", secret: key.secret }), "Basic !!!", `Bearer ${key.secret}`, ""]) {
      const res = await s.api.post("/server/users", { body: { sub: `x-${n}`, name: "X" }, headers: auth ? { Authorization: auth } : {} });
      assert.equal(res.status, 401, auth);
      assert.ok(["unauthenticated", "invalid_token"].includes(errorCode(res)));
    }
  });

  test("a request carrying an Origin (a browser) is refused with 403, even with a valid key", async () => {
    const res = await srv("POST", "/users", { body: { sub: `origin-${n}`, name: "O" }, headers: { Origin: "https://site.example" } });
    assert.equal(res.status, 403);
    assert.equal(errorCode(res), "forbidden");
    assert.equal((await srv("GET", "/conversations", { headers: { Origin: "https://evil.example" } })).status, 403);
  });

  test("rotation: two live keys both authenticate and both sign host tokens; a revoked key stops both at once", async () => {
    const second = await s.services.serverKeys.create(app, "rotation");
    const sub = `rot-${n}`;
    await upsert(sub);
    const t1 = (await srv("POST", "/tokens", { body: { sub } })).body.hostToken as string;
    const t2 = (await srv("POST", "/tokens", { body: { sub }, key: second })).body.hostToken as string;
    assert.equal(jwt.decode(t1, { complete: true })?.header.kid, key.id);
    assert.equal(jwt.decode(t2, { complete: true })?.header.kid, second.id);
    assert.equal((await exchange(t1)).status, 200);
    assert.equal((await exchange(t2)).status, 200);
    assert.equal((await srv("GET", "/conversations", { key: second })).status, 200);

    assert.equal(await s.services.serverKeys.revoke(app, second.id), true);
    const refused = await srv("GET", "/conversations", { key: second });
    assert.equal(refused.status, 401);
    assert.equal(errorCode(refused), "invalid_token");
    const stale = await exchange(t2);
    assert.equal(stale.status, 401, "a host token of a revoked key no longer verifies");
    assert.equal((await exchange(t1)).status, 200, "the other key's tokens still do");
  });

  test("host tokens: an unknown kid, another app's kid, or a kid with the wrong secret are 401; no kid keeps the app secret", async () => {
    const sub = `kid-${n}`;
    await upsert(sub);
    const claims = { sub, name: "Kid" };
    const sign = (secret: string, kid?: string) => jwt.sign(claims, secret, { algorithm: "HS256", expiresIn: 60, ...(kid ? { keyid: kid } : {}) });
    assert.equal((await exchange(sign(key.secret, "key_unknown"))).status, 401);
    assert.equal((await exchange(sign(foreignKey.secret, foreignKey.id))).status, 401, "another app's key");
    assert.equal((await exchange(sign(foreignKey.secret, key.id))).status, 401, "this app's kid, a wrong secret");
    assert.equal((await exchange(sign(key.secret))).status, 401, "a server key's secret without its kid is not the app secret");
    const appSecret = (await s.services.apps.get(app)).secret;
    assert.equal((await exchange(sign(appSecret))).status, 200, "no kid: the app secret, as before");
  });
});

describe("users and host tokens", () => {
  test("upsert by sub: 201 created with user.created in the log, then 200 updated; data only when set", async () => {
    const sub = `buyer-${n}`;
    const created = await srv<{ user: ServerUser }>("POST", "/users", { body: { sub, name: "Buyer", avatarUrl: "https://img.example/b.png" } });
    assert.equal(created.status, 201);
    assert.equal(created.body.user.sub, sub);
    assert.equal(created.body.user.externalId, sub);
    assert.equal("data" in created.body.user, false);
    const updated = await srv<{ user: ServerUser }>("POST", "/users", { body: { sub, name: "Buyer Renamed", data: { tier: "gold" } } });
    assert.equal(updated.status, 200);
    assert.equal(updated.body.user.id, created.body.user.id);
    assert.equal(updated.body.user.displayName, "Buyer Renamed");
    assert.equal(updated.body.user.avatarUrl, "https://img.example/b.png", "fields left out stay");
    assert.deepEqual(updated.body.user.data, { tier: "gold" });
    assert.equal((await createdEvents(created.body.user.id)).length, 1, "one user.created, not one per upsert");
    const session = await sessionOf(sub);
    const sync = await s.api.get("/sync?since=0", { token: session.accessToken });
    assert.ok(!sync.body.events.some((e: { type: string }) => e.type === "user.created"), "the app's event, for webhooks: not in a user's /sync");
    const me = await s.api.get("/me", { token: session.accessToken });
    assert.deepEqual(me.body.data, { tier: "gold" }, "user-facing reads return data too");
  });

  test("a token for an unknown sub is 404; ttlSec is honoured", async () => {
    const res = await srv("POST", "/tokens", { body: { sub: `nobody-${n}` } });
    assert.equal(res.status, 404);
    const sub = `ttl-${n}`;
    await upsert(sub);
    const t = await srv("POST", "/tokens", { body: { sub, ttlSec: 60 } });
    assert.equal(t.status, 201);
    assert.equal(t.body.expiresIn, 60);
    const payload = jwt.decode(t.body.hostToken) as { exp: number; iat: number; sub: string };
    assert.equal(payload.exp - payload.iat, 60);
    assert.equal(payload.sub, sub);
  });

  test("registration and first host-token sign-in append user.created", async () => {
    const reg = await s.api.register(app);
    assert.equal((await createdEvents(reg.user.id)).length, 1);
    const appSecret = (await s.services.apps.get(app)).secret;
    const signIn = () => exchange(jwt.sign({ sub: `first-${n}`, name: "First" }, appSecret, { algorithm: "HS256", expiresIn: 60 }));
    const first = await signIn();
    assert.equal(first.status, 200);
    assert.equal((await signIn()).status, 200);
    assert.equal((await createdEvents(first.body.user.id)).length, 1, "the first sign-in creates, the next ones do not");
  });
});

describe("conversations", () => {
  test("idempotent by key: 201 then 200 with the same id; concurrent calls make one", async () => {
    await upsert(`b-${n}`);
    await upsert(`s-${n}`);
    const body = { kind: "direct", users: [`b-${n}`, `s-${n}`], key: `order-${n}`, data: { orderId: `123-${n}` } };
    const first = await srv<{ conversation: Conversation }>("POST", "/conversations", { body });
    assert.equal(first.status, 201, JSON.stringify(first.body));
    assert.equal(first.body.conversation.key, `order-${n}`);
    assert.deepEqual(first.body.conversation.data, { orderId: `123-${n}` });
    const again = await srv<{ conversation: Conversation }>("POST", "/conversations", { body });
    assert.equal(again.status, 200);
    assert.equal(again.body.conversation.id, first.body.conversation.id);

    const users = await Promise.all(Array.from({ length: 4 }, (_, i) => upsert(`g${i}-${n}`)));
    const group = { kind: "group", name: "Order group", users: users.map((u) => u.sub), key: `group-${n}` };
    const racing = await Promise.all(Array.from({ length: 6 }, () => srv<{ conversation: Conversation }>("POST", "/conversations", { body: group })));
    assert.deepEqual(new Set(racing.map((r) => r.body.conversation.id)).size, 1);
    assert.equal(racing.filter((r) => r.status === 201).length, 1);
    assert.equal(racing.filter((r) => r.status === 200).length, 5);
    const conv = racing[0]!.body.conversation;
    assert.equal(conv.members.length, 4);
    assert.ok(
      conv.members.every((m) => m.role === "member"),
      "a server-made group has no human owner",
    );
    const byKey = await srv<{ items: Conversation[] }>("GET", `/conversations?key=${encodeURIComponent(`group-${n}`)}`);
    assert.deepEqual(
      byKey.body.items.map((c) => c.id),
      [conv.id],
    );
  });

  test("a direct conversation for a pair that has one answers it (200); unknown subs are a 404 naming them", async () => {
    await upsert(`p1-${n}`);
    await upsert(`p2-${n}`);
    const a = await srv("POST", "/conversations", { body: { kind: "direct", users: [`p1-${n}`, `p2-${n}`] } });
    assert.equal(a.status, 201);
    const b = await srv("POST", "/conversations", { body: { kind: "direct", users: [`p2-${n}`, `p1-${n}`] } });
    assert.equal(b.status, 200);
    assert.equal(b.body.conversation.id, a.body.conversation.id);
    const missing = await srv("POST", "/conversations", { body: { kind: "group", users: [`p1-${n}`, `ghost-${n}`, `ghost2-${n}`] } });
    assert.equal(missing.status, 404);
    assert.deepEqual(missing.body.error.details.subs, [`ghost-${n}`, `ghost2-${n}`]);
    const one = await srv("POST", "/conversations", { body: { kind: "direct", users: [`p1-${n}`] } });
    assert.equal(one.status, 400);
  });

  test("get, patch (name, data), add and remove members; members hear of it", async () => {
    const [u1, u2, u3] = await Promise.all([upsert(`m1-${n}`), upsert(`m2-${n}`), upsert(`m3-${n}`)]);
    const created = await srv("POST", "/conversations", { body: { kind: "group", name: "Team", users: [u1.sub, u2.sub] } });
    const id = created.body.conversation.id as string;
    assert.equal((await srv("GET", `/conversations/${id}`)).body.conversation.name, "Team");
    const patched = await srv("PATCH", `/conversations/${id}`, { body: { name: "Team 2", data: { status: "open" } } });
    assert.equal(patched.status, 200);
    assert.equal(patched.body.conversation.name, "Team 2");
    assert.deepEqual(patched.body.conversation.data, { status: "open" });
    const s3 = await sessionOf(u3.sub);
    const sock = await connect(s, s3.accessToken);
    const rec = new Recorder(sock);
    try {
      const added = await srv("POST", `/conversations/${id}/members`, { body: { users: [u3.sub] } });
      assert.equal(added.status, 200);
      assert.equal(added.body.conversation.members.length, 3);
      await rec.wait("member.added", (e) => e.conversationId === id);
      const sys = await srv<Message>("POST", `/conversations/${id}/messages`, { body: { text: "Welcome" } });
      const live = await rec.wait("message.new", (e) => e.data.message.id === sys.body.id);
      assert.equal(live.data.message.senderId, null, "the new member's sockets joined the room at once");
    } finally {
      sock.close();
    }
    assert.equal((await srv("DELETE", `/conversations/${id}/members/${encodeURIComponent(u3.sub)}`)).status, 204);
    assert.equal((await srv("DELETE", `/conversations/${id}/members/${encodeURIComponent(u3.sub)}`)).status, 404);
    assert.equal((await srv("GET", `/conversations/${id}`)).body.conversation.members.length, 2);
    const cleared = await srv("PATCH", `/conversations/${id}`, { body: { data: null } });
    assert.equal("data" in cleared.body.conversation, false);
  });
});

describe("messages", () => {
  test("a system message has no sender, reaches a member's socket live and is in /sync; retries answer the original", async () => {
    const [a, b] = await Promise.all([upsert(`sa-${n}`), upsert(`sb-${n}`)]);
    const conv = (await srv("POST", "/conversations", { body: { kind: "direct", users: [a.sub, b.sub] } })).body.conversation as Conversation;
    const sa = await sessionOf(a.sub);
    const sock = await connect(s, sa.accessToken);
    const rec = new Recorder(sock);
    try {
      const body = { text: "Order #123 shipped", clientMessageId: `ship-${n}`, data: { status: "shipped" } };
      const sent = await srv<Message>("POST", `/conversations/${conv.id}/messages`, { body });
      assert.equal(sent.status, 201, JSON.stringify(sent.body));
      assert.equal(sent.body.senderId, null);
      assert.deepEqual(sent.body.data, { status: "shipped" });
      const live = await rec.wait("message.new", (e) => e.data.message.id === sent.body.id);
      assert.equal(live.data.message.senderId, null);
      const retry = await srv<Message>("POST", `/conversations/${conv.id}/messages`, { body });
      assert.equal(retry.status, 200);
      assert.equal(retry.body.id, sent.body.id);
      const sync = await s.api.get("/sync?since=0", { token: sa.accessToken });
      const news = sync.body.events.filter(
        (e: { type: string; data: { message?: Message } }) => e.type === "message.new" && e.data.message?.id === sent.body.id,
      );
      assert.equal(news.length, 1);
      assert.equal(news[0].data.message.senderId, null);
      const unread = await s.api.get(`/conversations/${conv.id}`, { token: sa.accessToken });
      assert.equal(unread.body.conversation.unreadCount, 1, "a system message counts as unread");
    } finally {
      sock.close();
    }
  });

  test("as a user (from): the member is the sender; a non-member sender is a 404; history, edit and delete of any message", async () => {
    const [a, b, c] = await Promise.all([upsert(`fa-${n}`), upsert(`fb-${n}`), upsert(`fc-${n}`)]);
    const conv = (await srv("POST", "/conversations", { body: { kind: "direct", users: [a.sub, b.sub] } })).body.conversation as Conversation;
    const sent = await srv<Message>("POST", `/conversations/${conv.id}/messages`, { body: { text: "Hi from A", from: a.sub } });
    assert.equal(sent.status, 201);
    assert.equal(sent.body.senderId, a.id);
    assert.equal((await srv("POST", `/conversations/${conv.id}/messages`, { body: { text: "intruder", from: c.sub } })).status, 404);
    assert.equal((await srv("POST", `/conversations/${conv.id}/messages`, { body: { text: "ghost", from: `ghost-${n}` } })).status, 404);
    const hist = await srv<{ items: Message[] }>("GET", `/conversations/${conv.id}/messages?limit=10`);
    assert.deepEqual(
      hist.body.items.map((m) => m.text),
      ["Hi from A"],
    );
    const edited = await srv<Message>("PATCH", `/messages/${sent.body.id}`, { body: { text: "Edited by the shop", data: { moderated: true } } });
    assert.equal(edited.status, 200);
    assert.equal(edited.body.text, "Edited by the shop");
    assert.deepEqual(edited.body.data, { moderated: true });
    const seen = await s.api.get(`/messages/${sent.body.id}`, { token: (await sessionOf(b.sub)).accessToken });
    assert.deepEqual(seen.body.data, { moderated: true }, "user-facing reads return message data");
    assert.equal((await srv("DELETE", `/messages/${sent.body.id}`)).status, 204);
    assert.equal((await srv("DELETE", `/messages/${sent.body.id}`)).status, 404);
  });
});

describe("custom data", () => {
  /** An object whose JSON is exactly `bytes` long. */
  const sized = (bytes: number): Record<string, string> => {
    const base = JSON.stringify({ v: "" }).length;
    return { v: "é".repeat(Math.floor((bytes - base) / 2)) + "x".repeat((bytes - base) % 2) };
  };

  test("4,096 bytes are accepted, 4,097 are a 413, a non-object is a 400, on every route that takes data", async () => {
    assert.equal(Buffer.byteLength(JSON.stringify(sized(4096))), 4096);
    assert.equal(Buffer.byteLength(JSON.stringify(sized(4097))), 4097);
    const u = await upsert(`d-${n}`);
    const conv = (await srv("POST", "/conversations", { body: { kind: "group", users: [u.sub] } })).body.conversation as Conversation;
    const msg = (await srv<Message>("POST", `/conversations/${conv.id}/messages`, { body: { text: "x" } })).body;
    const routes: [string, string, (data: unknown) => unknown][] = [
      ["POST", "/users", (data) => ({ sub: u.sub, name: "D", data })],
      ["POST", "/conversations", (data) => ({ kind: "group", users: [u.sub], data })],
      ["PATCH", `/conversations/${conv.id}`, (data) => ({ data })],
      ["POST", `/conversations/${conv.id}/messages`, (data) => ({ text: "with data", data })],
      ["PATCH", `/messages/${msg.id}`, (data) => ({ data })],
    ];
    for (const [method, path, body] of routes) {
      const ok = await srv(method, path, { body: body(sized(4096)) });
      assert.ok(ok.status === 200 || ok.status === 201, `${method} ${path}: ${ok.status} ${JSON.stringify(ok.body).slice(0, 200)}`);
      const big = await srv(method, path, { body: body(sized(4097)) });
      assert.equal(big.status, 413, `${method} ${path}`);
      assert.equal(errorCode(big), "payload_too_large");
      for (const bad of [[1, 2], "text", 42, true]) {
        const res = await srv(method, path, { body: body(bad) });
        assert.equal(res.status, 400, `${method} ${path} ${JSON.stringify(bad)}`);
      }
    }
  });

  test("filters: the server finds any conversation of its app; an end user only their own", async () => {
    const [a, b, c] = await Promise.all([upsert(`fl-a-${n}`), upsert(`fl-b-${n}`), upsert(`fl-c-${n}`)]);
    const make = async (users: string[], data: Record<string, unknown>) =>
      ((await srv("POST", "/conversations", { body: { kind: "group", name: "F", users, data } })).body.conversation as Conversation).id;
    const ab = await make([a.sub, b.sub], { orderId: 555, shop: `s-${n}` });
    const bc = await make([b.sub, c.sub], { orderId: "555", shop: `s-${n}` });
    const other = await make([a.sub], { orderId: 556, shop: `s-${n}` });
    const ids = async (path: string, o: ReqOptions = {}) => {
      const res = await (o.token ? s.api.get(path, o) : srv("GET", path.replace(/^\/server/, "")));
      assert.equal(res.status, 200, JSON.stringify(res.body));
      return (res.body.items as Conversation[]).map((x) => x.id).sort();
    };
    assert.deepEqual(await ids("/server/conversations?filter[data.orderId]=555"), [ab, bc].sort(), "numbers and strings alike");
    assert.deepEqual(await ids(`/server/conversations?filter[data.orderId]=555&filter[data.shop]=s-${n}`), [ab, bc].sort());
    assert.deepEqual(await ids(`/server/conversations?filter[data.shop]=s-${n}&limit=2`).then((x) => x.length), 2);
    assert.deepEqual(await ids("/server/conversations?filter[data.orderId]=557"), []);
    const sa = await sessionOf(a.sub);
    assert.deepEqual(await ids("/conversations?filter[data.orderId]=555", { token: sa.accessToken }), [ab], "only the caller's own");
    assert.deepEqual(await ids("/conversations?filter[data.orderId]=556", { token: sa.accessToken }), [other]);
    // Changing the data moves the conversation between filters.
    await srv("PATCH", `/conversations/${ab}`, { body: { data: { orderId: 557 } } });
    assert.deepEqual(await ids("/server/conversations?filter[data.orderId]=557"), [ab]);
    assert.deepEqual(await ids("/conversations?filter[data.orderId]=555", { token: sa.accessToken }), []);
    const bad = await s.api.get("/conversations?filter[orderId]=1", { token: sa.accessToken });
    assert.equal(bad.status, 400);
  });
});

describe("cross-app isolation", () => {
  test("another app's key sees and changes nothing: 404s, and its filters and lists are empty", async () => {
    const [a, b] = await Promise.all([upsert(`iso-a-${n}`), upsert(`iso-b-${n}`)]);
    const conv = (
      await srv("POST", "/conversations", { body: { kind: "group", name: "Private", users: [a.sub, b.sub], key: `iso-${n}`, data: { secret: `iso-${n}` } } })
    ).body.conversation as Conversation;
    const msg = (await srv<Message>("POST", `/conversations/${conv.id}/messages`, { body: { text: "secret" } })).body;
    const k = { key: foreignKey };
    for (const [method, path, body] of [
      ["GET", `/conversations/${conv.id}`, undefined],
      ["PATCH", `/conversations/${conv.id}`, { name: "Hijacked" }],
      ["POST", `/conversations/${conv.id}/members`, { users: [a.sub] }],
      ["DELETE", `/conversations/${conv.id}/members/${encodeURIComponent(a.sub)}`, undefined],
      ["POST", `/conversations/${conv.id}/messages`, { text: "intrusion" }],
      ["GET", `/conversations/${conv.id}/messages`, undefined],
      ["PATCH", `/messages/${msg.id}`, { text: "Hijacked" }],
      ["DELETE", `/messages/${msg.id}`, undefined],
      ["POST", "/tokens", { sub: a.sub }],
      ["POST", "/conversations", { kind: "direct", users: [a.sub, b.sub] }],
    ] as const) {
      const res = await srv(method, path, { ...k, ...(body ? { body } : {}) });
      assert.equal(res.status, 404, `${method} ${path}: ${JSON.stringify(res.body)}`);
      assert.equal(errorCode(res), "not_found");
    }
    const list = await srv("GET", `/conversations?key=iso-${n}`, k);
    assert.deepEqual(list.body.items, []);
    const filtered = await srv("GET", `/conversations?filter[data.secret]=iso-${n}`, k);
    assert.deepEqual(filtered.body.items, []);
    // The same key in the other app is its own conversation, not ours.
    await srv("POST", "/users", { ...k, body: { sub: a.sub, name: "Twin" } });
    const twin = await srv("POST", "/conversations", { ...k, body: { kind: "group", users: [a.sub], key: `iso-${n}` } });
    assert.equal(twin.status, 201);
    assert.notEqual(twin.body.conversation.id, conv.id);
    // Ours is untouched.
    const mine = await srv("GET", `/conversations/${conv.id}`);
    assert.equal(mine.body.conversation.name, "Private");
    assert.equal(mine.body.conversation.members.length, 2);
    const hist = await srv<{ items: Message[] }>("GET", `/conversations/${conv.id}/messages`);
    assert.deepEqual(
      hist.body.items.map((m) => m.text),
      ["secret"],
    );
  });
});
