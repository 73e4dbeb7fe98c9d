// A host-token page picks up its kept session first (issue 31, acceptance 5): connectWithHostToken
// with a session kept for the token's user (`sub` = the user's externalId) resolves without
// waiting for the exchange, which runs in the background: adopted when accepted, the session ended
// (and the kept one deleted) when refused, tried again at the next connect when the server cannot
// be reached. A token of another user deletes the first user's session before anything else.
//
// A "device" is one storage shared by successive ChatClients, as localStorage is by reloads of a
// page. Every client talks to the real server through a real proxy, which holds, cuts or answers
// the exchange (`POST /v1/auth/host-token`) in its place. Node has no IndexedDB: the device cache
// itself is covered in Chromium (widget/test/host-token-offline.test.ts).
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import jwt from "jsonwebtoken";
import { startServer, type TestServer } from "../../server/test/helpers/harness.js";
import { ChatClient, isChatError, memoryStorage, type SessionStorage } from "../src/index.js";
import { ParleyServer } from "../src/server/index.js";
import { until } from "./helpers/clients.js";
import { startProxy, type TestProxy } from "./helpers/proxy.js";

let s: TestServer;
let proxy: TestProxy;
let app: { id: string; secret: string };
const clients: ChatClient[] = [];

before(async () => {
  s = await startServer();
  app = await s.createTenant("Host token offline", ["*"]);
  proxy = await startProxy(s.url);
});
after(async () => {
  for (const c of clients) c.close();
  await proxy?.close();
  await s?.close();
});

/** A failure fails in time rather than hanging (the slowest passing test takes about a second). */
const ONE_TEST = { timeout: 30_000 };
const EXCHANGE = "/v1/auth/host-token";
const isExchange = (url: string | undefined): boolean => (url ?? "").split("?")[0] === EXCHANGE;

/** A host token, as the host's backend signs it: with the app secret, or a server key (`kid`). */
function hostToken(sub: string, o: { key?: { id: string; secret: string }; expiresIn?: number } = {}): string {
  const claims = { sub, name: `Host ${sub}`, exp: Math.floor(Date.now() / 1000) + (o.expiresIn ?? 300) };
  return o.key ? jwt.sign(claims, o.key.secret, { algorithm: "HS256", keyid: o.key.id }) : jwt.sign(claims, app.secret, { algorithm: "HS256" });
}

let n = 0;
/** A unique host user id (each test its own users, on both databases). */
const sub = (name: string): string => `${name}-${++n}-${Math.random().toString(36).slice(2, 7)}`;

interface Kept {
  user: { id: string; externalId: string | null };
  accessToken: string;
  refreshToken: string;
}

interface Device {
  storage: SessionStorage;
  /** A new client on this storage: the page loaded again. */
  open(): ChatClient;
  /** The session kept in the storage. */
  kept(): Kept | null;
  /** What each exchange the clients made came to: the status, or "network" when the server was not reached. */
  exchanges: (number | "network")[];
  /** The paths of the calls answered, in order (`POST /v1/auth/logout`, ...). */
  answered: string[];
}

/** One browser's storage, shared by the clients opened on it (as reloads of a page share localStorage). */
function device(): Device {
  const storage = memoryStorage();
  const exchanges: (number | "network")[] = [];
  const answered: string[] = [];
  const counting: typeof fetch = async (input, init) => {
    const path = new URL(String(input)).pathname;
    try {
      const res = await fetch(input, init);
      if (isExchange(path)) exchanges.push(res.status);
      answered.push(`${init?.method ?? "GET"} ${path}`);
      return res;
    } catch (err) {
      if (isExchange(path)) exchanges.push("network");
      throw err;
    }
  };
  return {
    storage,
    exchanges,
    answered,
    open() {
      const c = new ChatClient({ server: proxy.url, appId: app.id, storage, fetch: counting, socket: { reconnectionDelay: 100, reconnectionDelayMax: 500 } });
      clients.push(c);
      return c;
    },
    kept: () => JSON.parse(storage.get(`parley:${app.id}:session`) ?? "null") as Kept | null,
  };
}

/** Signs `who` in on a fresh client of the device, with a DM holding one message from a peer; closes it (the page goes away). */
async function firstVisit(d: Device, who: string, token = hostToken(who)): Promise<{ userId: string; dm: string }> {
  const c = d.open();
  const me = await c.connectWithHostToken(token);
  assert.equal(me.externalId, who);
  const peer = await s.api.register(app.id, { displayName: `Peer of ${who}` });
  const dm = (await c.direct(peer.user.id)).id;
  const sent = await s.api.post(`/conversations/${dm}/messages`, { app: app.id, token: peer.accessToken, body: { text: `hello ${who}` } });
  assert.equal(sent.status, 201, JSON.stringify(sent.body));
  await until(() => c.store.state.connection === "connected", "first visit connected");
  c.close();
  // What follows counts from here.
  d.exchanges.length = 0;
  d.answered.length = 0;
  return { userId: me.id, dm };
}

/** Whether the server still honours a refresh token (it is revoked by logout and by a ban). */
async function refreshWorks(refreshToken: string): Promise<boolean> {
  const r = await s.api.post("/auth/refresh", { app: app.id, body: { refreshToken } });
  return r.status === 200;
}

describe("connectWithHostToken picks up the token user's kept session", () => {
  test("resolves from the kept session while the exchange is held, then quietly adopts the exchanged session", ONE_TEST, async () => {
    const d = device();
    const who = sub("ada");
    const { userId, dm } = await firstVisit(d, who);
    const before = d.kept()!;

    let release!: () => void;
    const held = new Promise<"forward">((r) => (release = () => r("forward")));
    proxy.rule = (req) => (isExchange(req.url) ? held : "forward");
    try {
      const c = d.open();
      const signedOut: unknown[] = [];
      c.on("session.changed", (me) => me || signedOut.push(me));
      const me = await c.connectWithHostToken(hostToken(who));
      assert.equal(me.id, userId);
      assert.ok(c.store.state.conversations[dm], "the list is there");
      await until(() => proxy.seen.includes(`POST ${EXCHANGE}`), "the exchange was asked");
      assert.deepEqual(d.exchanges, [], "resolved before the exchange was answered");
      assert.equal(d.kept()!.refreshToken, before.refreshToken, "still the kept session");
      await until(() => c.store.state.connection === "connected", "connected on the kept session");

      release();
      await until(() => d.exchanges.length === 1, "the exchange answered");
      assert.deepEqual(d.exchanges, [200]);
      await until(() => d.kept()!.refreshToken !== before.refreshToken, "the exchanged session is kept");
      assert.equal(d.kept()!.user.id, userId);
      assert.equal(c.user?.id, userId);
      assert.deepEqual(signedOut, [], "never signed out on the way");
      assert.ok(c.store.state.conversations[dm], "the state stays");
      // The new session works, over REST and the socket.
      assert.equal((await c.me()).id, userId);
      const m = await c.conversation(dm).send("after the exchange");
      assert.equal(m.text, "after the exchange");
    } finally {
      proxy.rule = () => "forward";
      release();
    }
  });

  test("the server unreachable (cut, then 502): the kept session stays; the exchange is tried again at each connect until adopted", ONE_TEST, async () => {
    const d = device();
    const who = sub("bea");
    const { userId } = await firstVisit(d, who);
    const before = d.kept()!;
    const seen = proxy.seen.length;

    // The exchange is held until the socket is up, then cut: the connect has passed, the token waits for the next.
    let cut!: () => void;
    const held = new Promise<"drop">((r) => (cut = () => r("drop")));
    proxy.rule = (req) => (isExchange(req.url) ? held : "forward");
    try {
      const c = d.open();
      assert.equal((await c.connectWithHostToken(hostToken(who))).id, userId);
      await until(() => c.store.state.connection === "connected", "connected on the kept session");
      cut();
      await until(() => d.exchanges.length === 1, "the exchange failed");
      assert.deepEqual(d.exchanges, ["network"]);
      assert.equal(c.user?.id, userId, "still signed in");
      assert.deepEqual(d.kept(), before, "the kept session is untouched");

      // The server answers, but fails: kept again.
      proxy.rule = (req) => (isExchange(req.url) ? { status: 502 } : "forward");
      c.disconnect();
      c.connect();
      await until(() => d.exchanges.length === 2, "tried again at the next connect");
      assert.deepEqual(d.exchanges, ["network", 502]);
      await until(() => c.store.state.connection === "connected", "connected again");
      assert.equal(c.user?.id, userId);
      assert.deepEqual(d.kept(), before);

      // Reachable at last: adopted at the next connect.
      proxy.rule = () => "forward";
      c.disconnect();
      c.connect();
      await until(() => d.kept()?.refreshToken !== before.refreshToken, "adopted once the server answers");
      assert.deepEqual(d.exchanges, ["network", 502, 200]);
      assert.equal(d.kept()!.user.id, userId);
      // Adopted, the token is not exchanged again (a call made after the connect has its answer first).
      c.disconnect();
      c.connect();
      await until(() => c.store.state.connection === "connected", "connected after adopting");
      await c.me();
      assert.equal(proxy.seen.slice(seen).filter((r) => r === `POST ${EXCHANGE}`).length, 3);
    } finally {
      proxy.rule = () => "forward";
      cut();
    }
  });

  test("refused (its server key revoked: 401): signed out, the kept session deleted and revoked, though it was still good", ONE_TEST, async () => {
    const key = await s.services.serverKeys.create(app.id);
    const d = device();
    const who = sub("cy");
    await firstVisit(d, who, hostToken(who, { key }));
    const before = d.kept()!;
    assert.equal((await s.api.get("/me", { app: app.id, token: before.accessToken })).status, 200, "the kept session is good");
    await s.services.serverKeys.revoke(app.id, key.id);

    const c = d.open();
    const ended = new Promise<void>((r) => c.on("session.changed", (me) => me || r()));
    // Resolves from the kept session, or (when the refusal comes first) fails as signed out.
    const result = await c.connectWithHostToken(hostToken(who, { key })).catch((e: unknown) => e);
    assert.ok(!isChatError(result) || result.code === "not_signed_in", String(result));
    await ended;
    assert.deepEqual(d.exchanges, [401]);
    assert.equal(c.user, null);
    assert.equal(d.kept(), null, "nothing kept");
    await until(() => d.answered.includes("POST /v1/auth/logout"), "logged out on the server");
    assert.equal(await refreshWorks(before.refreshToken), false, "the old session is revoked");
  });

  test("refused (the user banned: 403): the session ends and the kept one is deleted, though every other call fails too", ONE_TEST, async () => {
    const key = await s.services.serverKeys.create(app.id);
    const parley = new ParleyServer({ server: s.url, keyId: key.id, secret: key.secret });
    const d = device();
    const who = sub("dee");
    await firstVisit(d, who);
    await parley.ban(who, { reason: "test" });

    const c = d.open();
    const ended = new Promise<void>((r) => c.on("session.changed", (me) => me || r()));
    // The kept access token is refused as well (banned): picking the session up fails.
    const result = await c.connectWithHostToken(hostToken(who)).catch((e: unknown) => e);
    assert.ok(isChatError(result) && (result.code === "banned" || result.code === "not_signed_in"), String(result));
    await ended;
    assert.deepEqual(d.exchanges, [403]);
    assert.equal(d.kept(), null, "nothing kept: the next visit does not try it again");
    assert.equal(await new ChatClient({ server: s.url, appId: app.id, storage: d.storage }).resume(), null);
  });

  test("an expired token: the kept session is picked up and not exchanged (a refusal would say nothing about the user)", ONE_TEST, async () => {
    const d = device();
    const who = sub("eli");
    const { userId } = await firstVisit(d, who);
    const before = d.kept()!;
    const c = d.open();
    const seen = proxy.seen.length;
    assert.equal((await c.connectWithHostToken(hostToken(who, { expiresIn: -60 }))).id, userId);
    await until(() => c.store.state.connection === "connected", "connected");
    // Another connect is where a waiting exchange would be tried: none is (a call made after it is answered first).
    c.disconnect();
    c.connect();
    await until(() => c.store.state.connection === "connected", "connected again");
    await c.me();
    assert.ok(!proxy.seen.slice(seen).includes(`POST ${EXCHANGE}`), proxy.seen.slice(seen).join(", "));
    assert.equal(c.user?.id, userId);
    assert.deepEqual(d.kept(), before);
  });
});

describe("connectWithHostToken with another user's token", () => {
  test("the first user's session is signed out and deleted before the sign-in, even when the sign-in fails; nothing of theirs shows", ONE_TEST, async () => {
    const d = device();
    const first = sub("fay");
    const { dm } = await firstVisit(d, first);
    const before = d.kept()!;
    const second = sub("gus");

    proxy.rule = (req) => (isExchange(req.url) ? "drop" : "forward");
    try {
      const c = d.open();
      const failed = await c.connectWithHostToken(hostToken(second)).catch((e: unknown) => e);
      assert.ok(isChatError(failed) && failed.code === "network_error", String(failed));
      assert.equal(d.kept(), null, "the first user's session is gone though the second could not sign in");
      assert.equal(c.user, null);
      assert.deepEqual(c.store.state.conversationOrder, []);
      await until(() => d.answered.includes("POST /v1/auth/logout"), "logged out on the server");
    } finally {
      proxy.rule = () => "forward";
    }
    assert.equal(await refreshWorks(before.refreshToken), false, "the first user's session is revoked");

    const c = d.open();
    const me = await c.connectWithHostToken(hostToken(second));
    assert.equal(me.externalId, second);
    assert.equal(d.kept()!.user.externalId, second);
    await until(() => c.store.state.connection === "connected", "connected as the second user");
    assert.equal(c.store.state.conversations[dm], undefined, "nothing of the first user");
    assert.deepEqual(c.store.state.conversationOrder, []);
  });

  test("a Parley account kept on the device is signed out too (it is nobody's host user)", ONE_TEST, async () => {
    const d = device();
    const c = d.open();
    await c.register({ email: `acct-${sub("x")}@example.com`, password: "correct horse battery", displayName: "Account" });
    const account = c.user!.id;
    const who = sub("hal");
    const me = await c.connectWithHostToken(hostToken(who));
    assert.notEqual(me.id, account);
    assert.equal(d.kept()!.user.externalId, who);
  });
});
