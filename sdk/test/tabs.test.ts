import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import jwt from "jsonwebtoken";
import { ChatClient, isChatError, memoryStorage, type ChatClientOptions, type SessionStorage } from "../src/index.js";
import { startServer, type TestServer } from "../../server/test/helpers/harness.js";
import { until } from "./helpers/clients.js";

// Two "tabs": two ChatClients in one process sharing one storage, as two tabs of a site share
// localStorage (and, in Node 20 as in browsers, a global BroadcastChannel).

const TTL_SEC = 2;
const GRACE_SEC = 2;
let s: TestServer;
let app: string;
const clients: ChatClient[] = [];

before(async () => {
  s = await startServer({ ACCESS_TOKEN_TTL_SEC: String(TTL_SEC), REFRESH_GRACE_SEC: String(GRACE_SEC) });
  app = (await s.createTenant("Tabs site", ["*"])).id;
});
after(async () => {
  for (const c of clients) c.close();
  await s?.close();
});

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
/** Waits out the access token's lifetime (the one fixed wait these tests allow themselves). */
const expire = (): Promise<void> => sleep(TTL_SEC * 1000 + 600);
const sessionOf = (accessToken: string): string => (jwt.decode(accessToken) as jwt.JwtPayload)["sid"] as string;

/** Two clients on one shared storage, and a count of the refresh calls either makes. */
function twoTabs(): {
  a: ChatClient;
  b: ChatClient;
  storage: SessionStorage;
  refreshes: () => number;
  /** Each refresh call: the refresh token it presented, and how long the stored access token had left (ms). */
  presented: { refreshToken: string; msLeft: number }[];
  stored: () => { accessToken: string; refreshToken: string } | null;
} {
  const storage = memoryStorage();
  const presented: { refreshToken: string; msLeft: number }[] = [];
  const key = `parley:${app}:session`;
  const stored = (): { accessToken: string; refreshToken: string } | null => JSON.parse(storage.get(key) ?? "null");
  const counting: typeof fetch = (input, init) => {
    if (String(input).endsWith("/v1/auth/refresh")) {
      const exp = (jwt.decode(stored()?.accessToken ?? "") as jwt.JwtPayload | null)?.exp ?? 0;
      presented.push({ refreshToken: JSON.parse(String(init?.body)).refreshToken, msLeft: exp * 1000 - Date.now() });
    }
    return fetch(input, init);
  };
  const opts: ChatClientOptions = { server: s.url, appId: app, storage, fetch: counting, socket: { reconnectionDelay: 100, reconnectionDelayMax: 500 } };
  const a = new ChatClient(opts);
  const b = new ChatClient(opts);
  clients.push(a, b);
  return { a, b, storage, refreshes: () => presented.length, presented, stored };
}

async function signUp(chat: ChatClient, name: string): Promise<void> {
  const n = Math.random().toString(36).slice(2, 8);
  await chat.register({ email: `${name}-${n}@example.com`, password: "correct horse battery", displayName: name });
}

async function peer(name: string): Promise<ChatClient> {
  const p = new ChatClient({ server: s.url, appId: app });
  clients.push(p);
  await signUp(p, name);
  return p;
}

describe("two tabs sharing one session", () => {
  test("keep one session through three access-token expiries, with one refresh per expiry (not one per tab)", { timeout: 60_000 }, async () => {
    const { a, b, refreshes, presented, stored } = twoTabs();
    await signUp(a, "Tabby");
    assert.equal((await b.resume())?.id, a.user!.id, "the second tab picks up the stored session");
    await until(() => a.store.state.connection === "connected" && b.store.state.connection === "connected", "both tabs connected");
    const ended: string[] = [];
    a.on("session.changed", (me) => me || ended.push("a"));
    b.on("session.changed", (me) => me || ended.push("b"));
    const sid = sessionOf(stored()!.accessToken);
    const p = await peer("Pat");
    const conv = await a.direct(p.user!.id);

    // Round 1: both tabs at once. Round 2: one tab, then the other (which has not refreshed
    // itself). Round 3: the other way round.
    const rounds: [string, () => Promise<unknown>][] = [
      ["both at once", () => Promise.all([a.listConversations(), b.listConversations()])],
      ["a then b", async () => (await a.me(), await b.me())],
      ["b then a", async () => (await b.listConversations(), await a.listConversations())],
    ];
    for (const [name, run] of rounds) {
      const before = stored()!.refreshToken;
      const earlier = refreshes();
      await expire();
      await run();
      // One refresh per expiry, whichever tab: each refresh presents a token no tab presented
      // before, and only once the stored access token has expired (a tab that missed another's
      // refresh would refresh a fresh session). Not a count: on a loaded machine the refreshed
      // token (TTL_SEC) may expire again, through a socket's reconnect, before the round's calls.
      assert.ok(refreshes() > earlier, `${name}: the expiry refreshed`);
      assert.equal(new Set(presented.map((p) => p.refreshToken)).size, presented.length, `${name}: no refresh token presented twice`);
      for (const p of presented) assert.ok(p.msLeft <= 0, `${name}: a refresh with ${p.msLeft} ms left on the access token`);
      assert.notEqual(stored()!.refreshToken, before, `${name}: the stored session was rotated`);
      assert.equal(sessionOf(stored()!.accessToken), sid, `${name}: still the same session`);
    }
    assert.deepEqual(ended, [], "neither tab was signed out");
    assert.equal(await s.services.auth.isSessionActive(sid), true);
    // Both tabs still work for real: b sends on the socket, a sees it live.
    const sent = await b.conversation(conv.id).send("still here after three expiries");
    await until(() => a.conversation(conv.id).messages.some((m) => m.id === sent.id), "a sees b's message");
  });

  test("logout in one tab ends the session in both; the other's pending send fails at once", { timeout: 30_000 }, async () => {
    const { a, b, stored } = twoTabs();
    await signUp(a, "Lou");
    await b.resume();
    await until(() => b.store.state.connection === "connected", "b connected");
    const sid = sessionOf(stored()!.accessToken);
    const p = await peer("Pam");
    const conv = await a.direct(p.user!.id);
    b.disconnect(); // offline: b's send waits in its outbox
    let failedAt = 0;
    const pending = b
      .conversation(conv.id)
      .send("queued while offline")
      .then(
        () => new Error("the queued send went through"),
        (e: unknown) => ((failedAt = Date.now()), e),
      );
    const bEnded = new Promise<void>((resolve) => b.on("session.changed", (me) => me || resolve()));
    const t0 = Date.now();
    await a.logout();
    await bEnded;
    const err = await pending;
    assert.ok(isChatError(err) && err.code === "not_signed_in" && !err.retryable, `fails with not_signed_in, got ${String(err)}`);
    assert.ok(failedAt - t0 < 2000, `failed at once (${failedAt - t0} ms), not after a timeout`);
    assert.equal(b.conversation(conv.id).messages.length, 0);
    assert.equal(b.user, null);
    assert.equal(b.store.state.conversations[conv.id], undefined, "b's state is cleared");
    await assert.rejects(b.listConversations(), (e: unknown) => isChatError(e) && e.code === "not_signed_in");
    assert.equal(stored(), null);
    assert.equal(await s.services.auth.isSessionActive(sid), false);
  });

  test("login in one tab is picked up by the other", { timeout: 30_000 }, async () => {
    const { a, b } = twoTabs();
    assert.equal(await b.resume(), null);
    const signedIn = new Promise<string>((resolve) => b.on("session.changed", (me) => me && resolve(me.id)));
    await signUp(a, "Liz");
    assert.equal(await signedIn, a.user!.id);
    await until(() => b.store.state.connection === "connected", "b connects on the picked-up session");
    assert.equal((await b.me()).id, a.user!.id);
  });

  test("a rotated refresh token works again within the grace window, and its reuse after the window still revokes the session", {
    timeout: 90_000,
  }, async () => {
    const { a, b, stored } = twoTabs();
    await signUp(a, "Rex");
    await b.resume();
    await until(() => b.store.state.connection === "connected", "b connected");
    const old = stored()!.refreshToken;
    const sid = sessionOf(stored()!.accessToken);
    await expire();
    await a.me(); // refreshes
    const current = stored()!.refreshToken;
    assert.notEqual(current, old);

    // Another tab that missed the rotation presents the old token: it gets the same new token.
    const again = await s.api.post<{ refreshToken: string; accessToken: string }>("/auth/refresh", { app, body: { refreshToken: old } });
    assert.equal(again.status, 200);
    assert.equal(again.body.refreshToken, current, "the same new refresh token");
    assert.equal(sessionOf(again.body.accessToken), sid);

    const bEnded = new Promise<void>((resolve) => b.on("session.changed", (me) => me || resolve()));
    const aEnded = new Promise<void>((resolve) => a.on("session.changed", (me) => me || resolve()));
    await sleep(s.services.auth.refreshGraceMs + 600); // the grace window is over
    const late = await s.api.post("/auth/refresh", { app, body: { refreshToken: old } });
    assert.equal(late.status, 401);
    assert.equal(await s.services.auth.isSessionActive(sid), false, "reuse after the window revokes the session");
    assert.equal((await s.api.post("/auth/refresh", { app, body: { refreshToken: current } })).status, 401);
    // The server drops both tabs' sockets; their reconnect is refused and the session ends in both.
    await Promise.all([aEnded, bEnded]);
    assert.equal(a.user, null);
    assert.equal(b.user, null);
  });
});
