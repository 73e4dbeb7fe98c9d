import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { ChatClient, DEFAULT_HTTP_OPTIONS, isChatError, memoryStorage, type ConnectionState } from "../src/index.js";
import { startServer, type TestServer } from "../../server/test/helpers/harness.js";
import { clientFactory, serverHistory, until } from "./helpers/clients.js";
import { startProxy, type TestProxy } from "./helpers/proxy.js";

let s: TestServer;
let app: string;
let proxy: TestProxy;
const clients = clientFactory(() => ({ server: proxy.url, appId: app }));

before(async () => {
  s = await startServer();
  app = (await s.createTenant("Transport site", ["*"])).id;
  proxy = await startProxy(s.url);
});
after(async () => {
  clients.closeAll();
  await proxy.close();
  await s.close();
});

const meCalls = (from: number): number => proxy.seen.slice(from).filter((x) => x === "GET /v1/me").length;

describe("REST", () => {
  test("a call the server never answers fails with a retryable timeout after the configured time (default 15 s)", { timeout: 10_000 }, async () => {
    assert.equal(DEFAULT_HTTP_OPTIONS.timeoutMs, 15_000);
    // Signing up hashes a password, which may take longer than the short timeout on a loaded box (seen in CI):
    // the short timeout is a second client's, on the session the first one stored.
    const storage = memoryStorage();
    const signedUp = await clients.signUp("Tim", { storage });
    const chat = new ChatClient({ server: proxy.url, appId: app, storage, autoConnect: false, http: { timeoutMs: 1000 } });
    assert.equal(chat.user?.id, signedUp.user!.id, "the second client has the session");
    proxy.rule = (req) => (req.url === "/v1/me" ? "stall" : "forward");
    const t0 = Date.now();
    await assert.rejects(chat.me(), (e: unknown) => isChatError(e) && e.code === "timeout" && e.retryable && e.status === undefined);
    const took = Date.now() - t0;
    assert.ok(took >= 980 && took < 5000, `${took} ms`);
    proxy.rule = () => "forward";
    assert.equal((await chat.me()).id, chat.user!.id, "the next call goes through");
    chat.close();
  });

  for (const [status, code] of [
    [503, "service_unavailable"],
    [429, "rate_limited"],
  ] as const) {
    test(`a ${status} with Retry-After: 1 is tried again after a second and succeeds`, { timeout: 10_000 }, async () => {
      const chat = await clients.signUp(`R${status}`);
      let refusals = 1;
      proxy.rule = (req) =>
        req.url === "/v1/me" && refusals-- > 0 ? { status, headers: { "Retry-After": "1" }, body: { error: { code, message: "later" } } } : "forward";
      const from = proxy.seen.length;
      const t0 = Date.now();
      assert.equal((await chat.me()).id, chat.user!.id);
      const took = Date.now() - t0;
      assert.ok(took >= 950 && took < 3000, `${took} ms`);
      assert.equal(meCalls(from), 2, "one refusal, one retry");
      proxy.rule = () => "forward";
    });
  }

  test("a Retry-After longer than the cap fails at once, carrying the delay", { timeout: 10_000 }, async () => {
    const chat = await clients.signUp("Cap");
    proxy.rule = (req) =>
      req.url === "/v1/me" ? { status: 429, headers: { "Retry-After": "3600" }, body: { error: { code: "rate_limited", message: "later" } } } : "forward";
    const from = proxy.seen.length;
    const t0 = Date.now();
    await assert.rejects(chat.me(), (e: unknown) => isChatError(e) && e.code === "rate_limited" && e.status === 429 && e.retryAfterMs === 3_600_000);
    assert.ok(Date.now() - t0 < 1000);
    assert.equal(meCalls(from), 1);
    proxy.rule = () => "forward";
  });
});

describe("outbox", () => {
  test("keeps several sends in flight; a connection cut mid-burst still stores each message once, in order", { timeout: 30_000 }, async () => {
    const pia = await clients.signUp("Pia");
    const quin = await clients.signUp("Quin");
    const conv = await pia.direct(quin.user!.id);
    const states: ConnectionState[] = [];
    pia.on("connection.changed", (c) => states.push(c));

    // The server cuts Pia's socket when the 8th send of the burst arrives: 1..7 are being stored,
    // their acks will be lost; 8 and later never get in.
    let received = 0;
    for (const socket of s.io.sockets.sockets.values()) {
      if (socket.data.userId !== pia.user!.id) continue;
      socket.use(([event], next) => {
        if (event === "message.send" && ++received === 8) return void socket.disconnect(true);
        next();
      });
    }
    const texts = Array.from({ length: 25 }, (_, i) => `burst ${i}`);
    const sends = texts.map((t) => conv.send(t));
    const outbox = (pia as unknown as { outbox: { sending: number } }).outbox;
    assert.ok(outbox.sending >= 8, `${outbox.sending} sends in flight at once`);

    const stored = await Promise.all(sends);
    assert.ok(received >= 8, "the cut happened mid-burst");
    assert.ok(states.includes("connecting"), "the socket was cut and came back");
    assert.deepEqual(
      stored.map((m) => m.text),
      texts,
    );
    const ids = stored.map((m) => BigInt(m.id));
    assert.ok(
      ids.every((id, i) => i === 0 || id > ids[i - 1]!),
      "stored in the order written",
    );
    assert.deepEqual(
      (await serverHistory(pia, conv.id)).map((m) => m.text),
      texts,
      "each exactly once on the server",
    );
    assert.deepEqual(
      conv.messages.map((m) => [m.text, m.status]),
      texts.map((t) => [t, "sent"]),
    );
    await until(() => quin.conversation(conv.id).messages.length === 25, "Quin got them all", 10_000);
    assert.deepEqual(
      quin.conversation(conv.id).messages.map((m) => m.text),
      texts,
    );
  });
});

export type { ChatClient };
