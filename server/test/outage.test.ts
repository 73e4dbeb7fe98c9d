import "reflect-metadata";
import assert from "node:assert/strict";
import { after, afterEach, before, describe, test } from "node:test";
import mysql from "mysql2/promise";
import type { Conversation, Message } from "@parley/sdk/protocol";
import { ChatClient, isChatError, type ChatError } from "../../sdk/src/index.js";
import { errorCode } from "./helpers/api.js";
import { MYSQL_ADMIN_URL, startServer, TEST_DB, type TestServer } from "./helpers/harness.js";
import { DbProxy } from "./helpers/db-proxy.js";
import { connect, Recorder, request, sleep, type ClientSocket } from "./helpers/sockets.js";

// Dependency outage drill for the database: MariaDB "stops" while messages are sent. The machine's
// MariaDB is shared with other suites, so the outage is a TCP proxy in front of it that the test
// cuts (every piped connection reset, new connections refused) and restores on the same port.

const skip = TEST_DB !== "mysql" ? "outage drills cut a TCP proxy in front of MariaDB: PARLEY_TEST_DB=mysql only" : false;
/** The bound the issue sets for an answer during an outage (a retryable error, never a hang). */
const OUTAGE_ACK_BOUND_MS = 12_000;
/** After the database returns, new sends succeed within this. */
const RECOVERY_BOUND_MS = 5_000;

/** Resolves after `ms` without keeping the process alive (for Promise.race bounds). */
const bound = (ms: number, what: string): Promise<never> =>
  new Promise((_, reject) => setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms).unref());

async function until(what: string, ok: () => boolean | Promise<boolean>, ms: number, every = 50): Promise<void> {
  const end = Date.now() + ms;
  while (!(await ok())) {
    if (Date.now() > end) assert.fail(`timed out after ${ms} ms: ${what}`);
    await sleep(every);
  }
}

interface Ack {
  ok: boolean;
  id?: string;
  clientMessageId: string;
  code?: string;
  /** ms since the test's start */
  at: number;
}

describe("MariaDB outage drill (a TCP proxy in front of MariaDB is cut, then restored)", { skip }, () => {
  const proxy = new DbProxy();
  let s: TestServer;
  let app = "";
  /** A direct connection to the test database (not through the proxy), to check what is stored. */
  let direct: mysql.Connection;
  const sockets: ClientSocket[] = [];
  const clients: ChatClient[] = [];
  const crashes: unknown[] = [];
  const onCrash = (err: unknown): void => void crashes.push(err);

  before(async () => {
    process.on("unhandledRejection", onCrash);
    process.on("uncaughtException", onCrash);
    await proxy.listen();
    s = await startServer({}, { mysqlServerUrl: `mysql://root@127.0.0.1:${proxy.port}` });
    app = (await s.createTenant("Outage", ["*"])).id;
    const dbName = new URL(s.databaseUrl!).pathname.slice(1);
    direct = await mysql.createConnection(`${MYSQL_ADMIN_URL}/${dbName}`);
  });

  // A failed assertion mid-outage must not leave the next test (or the cleanup) without a database.
  afterEach(async () => {
    if (proxy.isCut) await proxy.restore();
  });

  after(async () => {
    for (const so of sockets) so.close();
    for (const c of clients) c.close();
    await direct?.end();
    await s?.close();
    proxy.close();
    process.off("unhandledRejection", onCrash);
    process.off("uncaughtException", onCrash);
  });

  async function dm(a: { accessToken: string }, b: { user: { id: string } }): Promise<Conversation> {
    const res = await s.api.post("/conversations/direct", { token: a.accessToken, body: { userId: b.user.id } });
    assert.ok(res.status === 201 || res.status === 200, JSON.stringify(res.body));
    return res.body.conversation;
  }

  async function newClient(name: string): Promise<ChatClient> {
    const c = new ChatClient({ server: s.url, appId: app, socket: { reconnectionDelay: 100, reconnectionDelayMax: 1000 } });
    clients.push(c);
    await c.register({ email: `${name}-${Math.random().toString(36).slice(2, 8)}@outage.example`, password: "outage-test-password", displayName: name });
    await until(`${name} connected`, () => c.store.state.connection === "connected", 5000);
    return c;
  }

  /**
   * Alice and Bob, signed in through the SDK, with a DM that Bob's client already knows; Alice's
   * acks are recorded from now on, stamped in ms by `now()`.
   */
  async function pairInDm(): Promise<{ alice: ChatClient; bob: ChatClient; conv: Awaited<ReturnType<ChatClient["direct"]>>; acks: Ack[]; now: () => number }> {
    const alice = await newClient("alice");
    const bob = await newClient("bob");
    const conv = await alice.direct(bob.user!.id);
    await until("Bob knows the DM", () => bob.store.state.conversations[conv.id] !== undefined, 5000);
    const t0 = performance.now();
    const now = (): number => Math.round(performance.now() - t0);
    return { alice, bob, conv, acks: recordAcks(alice, now), now };
  }

  /** Every ack a client's SDK receives, read at the socket layer its outbox sends through. */
  function recordAcks(c: ChatClient, now: () => number): Ack[] {
    const acks: Ack[] = [];
    const sock = (c as unknown as { socket: { request: (ev: string, p: { clientMessageId: string }, ms?: number) => Promise<Message> } }).socket;
    const realRequest = sock.request.bind(sock);
    sock.request = async (ev, p, ms) => {
      try {
        const m = await realRequest(ev, p, ms);
        acks.push({ ok: true, id: m.id, clientMessageId: p.clientMessageId, at: now() });
        return m;
      } catch (err) {
        acks.push({ ok: false, clientMessageId: p.clientMessageId, code: isChatError(err) ? err.code : String(err), at: now() });
        throw err;
      }
    };
    return acks;
  }

  async function stored(conversationId: string): Promise<{ id: string; text: string; clientMessageId: string | null }[]> {
    const [rows] = await direct.query("SELECT id, text, clientMessageId FROM messages WHERE conversationId = ? ORDER BY id", [conversationId]);
    return (rows as { id: number | string; text: string; clientMessageId: string | null }[]).map((r) => ({ ...r, id: String(r.id) }));
  }

  test("during the cut: message.send acks service_unavailable promptly, REST answers 503 + Retry-After, healthz says the DB is down; sockets and process survive; sends work again within 5 s of the restore", async () => {
    const alice = await s.api.register(app);
    const bob = await s.api.register(app);
    const conv = await dm(alice, bob);
    const a = await connect(s, alice.accessToken);
    const b = new Recorder(await connect(s, bob.accessToken));
    sockets.push(a, b.socket);
    const first = await request<Message>(a, "message.send", { conversationId: conv.id, text: "before", clientMessageId: "raw-0" });
    assert.ok(first.ok, JSON.stringify(first));
    await b.wait("message.new", (e) => e.data.message.id === first.data.id);

    proxy.cut();
    const during: { ms: number; code: string | undefined }[] = [];
    for (let i = 1; i <= 3; i++) {
      const t = performance.now();
      const ack = await request<Message>(
        a,
        "message.send",
        { conversationId: conv.id, text: `during ${i}`, clientMessageId: `raw-${i}` },
        OUTAGE_ACK_BOUND_MS + 3000,
      );
      during.push({ ms: Math.round(performance.now() - t), code: ack.ok ? "ok" : ack.error.code });
      assert.equal(ack.ok, false, `no ack may say ok while the database is unreachable: ${JSON.stringify(ack)}`);
      if (!ack.ok) {
        assert.equal(ack.error.code, "service_unavailable", JSON.stringify(ack));
        assert.equal(typeof ack.error.message, "string");
        assert.doesNotMatch(ack.error.message, /ECONN|PROTOCOL|mysql|SELECT|INSERT/i, "no driver detail leaks to clients");
      }
    }
    console.log(`# message.send acks during the cut: ${during.map((d) => `${d.code} in ${d.ms} ms`).join(", ")}`);
    for (const d of during) assert.ok(d.ms < OUTAGE_ACK_BOUND_MS, `ack took ${d.ms} ms`);
    assert.ok(a.connected && b.socket.connected, "sockets stay connected during a database outage");

    let t = performance.now();
    const list = await s.api.get("/conversations", { token: alice.accessToken });
    const restMs = Math.round(performance.now() - t);
    assert.equal(list.status, 503, JSON.stringify(list.body));
    assert.equal(errorCode(list), "service_unavailable");
    assert.equal(list.headers.get("retry-after"), "1");
    assert.match(list.headers.get("content-type") ?? "", /application\/json/);
    assert.doesNotMatch(JSON.stringify(list.body), /ECONN|PROTOCOL|mysql|SELECT/i);

    t = performance.now();
    const health = await s.api.get("/healthz");
    const healthMs = Math.round(performance.now() - t);
    assert.equal(health.status, 503);
    assert.equal(health.body.db, "down");
    assert.equal(health.body.status, "degraded");
    console.log(`# during the cut: GET /conversations 503 in ${restMs} ms, GET /healthz 503 (db down) in ${healthMs} ms`);
    assert.ok(healthMs < 3000, `healthz took ${healthMs} ms`);

    await proxy.restore();
    const restoredAt = performance.now();
    let attempts = 0;
    let recovered: Message | undefined;
    await until(
      "a send succeeds after the restore",
      async () => {
        attempts++;
        const ack = await request<Message>(a, "message.send", { conversationId: conv.id, text: "after", clientMessageId: "raw-after" }, RECOVERY_BOUND_MS);
        if (ack.ok) recovered = ack.data;
        else assert.equal(ack.error.code, "service_unavailable", JSON.stringify(ack));
        return ack.ok;
      },
      RECOVERY_BOUND_MS,
      100,
    );
    const recoveryMs = Math.round(performance.now() - restoredAt);
    console.log(`# after the restore: first successful send in ${recoveryMs} ms (${attempts} attempt(s))`);
    assert.ok(recoveryMs < RECOVERY_BOUND_MS);
    await b.wait("message.new", (e) => e.data.message.id === recovered!.id, 5000);
    assert.equal((await s.api.get("/healthz")).status, 200);
    assert.equal((await s.api.get("/conversations", { token: alice.accessToken })).status, 200);

    // What the database holds: the sends answered with an error during the cut never reached it.
    const rows = await stored(conv.id);
    assert.deepEqual(
      rows.map((r) => r.clientMessageId),
      ["raw-0", "raw-after"],
    );
    assert.deepEqual(
      rows.map((r) => r.id),
      [first.data.id, recovered!.id],
    );
    assert.ok(a.connected && b.socket.connected);
    assert.deepEqual(crashes, [], "no unhandled rejection or uncaught exception");
  });

  test("SDK: 30 messages, 20 of them sent during a 5 s outage, are each stored exactly once, in order, none failed, no false ack; the recipient has each once", async () => {
    const { alice, bob, conv, acks, now } = await pairInDm();
    const failed: ChatError[] = [];
    alice.on("message.failed", (e) => failed.push(e.error));
    const bobEvents: string[] = [];
    bob.on("message.new", (e) => bobEvents.push(e.data.message.id));

    // 5 before the cut (t = 0..0.4 s), 20 during it (cut 0.5 s, restore 5.5 s), 5 after (5.6..6.0 s).
    const texts = [
      ...Array.from({ length: 5 }, (_, i) => ({ text: `before-${i}`, at: i * 100 })),
      ...Array.from({ length: 20 }, (_, i) => ({ text: `during-${i}`, at: 500 + i * 250 })),
      ...Array.from({ length: 5 }, (_, i) => ({ text: `after-${i}`, at: 5600 + i * 100 })),
    ];
    const handle = alice.conversation(conv.id);
    const sends: Promise<Message>[] = [];
    const writer = (async () => {
      for (const m of texts) {
        await sleep(Math.max(0, m.at - now()));
        sends.push(handle.send(m.text));
      }
    })();
    const cutAt = 500;
    const restoreAt = 5500;
    await sleep(cutAt - now());
    proxy.cut();
    const cutMs = now();
    await sleep(restoreAt - now());
    await proxy.restore();
    const restoredMs = now();
    await writer;

    const results = await Promise.race([Promise.all(sends), bound(30_000, "the outbox drains")]);
    // Drained, as the user sees it: no message of the conversation is still pending or failed.
    const shown = alice.store.state.threads[conv.id]?.messages ?? [];
    assert.deepEqual(
      shown.filter((m) => m.status !== "sent").map((m) => m.status),
      [],
    );
    const drainedMs = now();
    const errors = acks.filter((x) => !x.ok);
    console.log(
      `# SDK drill: cut at ${cutMs} ms, restored at ${restoredMs} ms, outbox drained at ${drainedMs} ms; ` +
        `${acks.length} acks (${acks.length - errors.length} ok, ${errors.length} errors: ${[...new Set(errors.map((e) => e.code))].join(", ")}); ` +
        `first ok ack after the restore at ${acks.find((x) => x.ok && x.at > restoredMs)?.at ?? "-"} ms`,
    );

    // Retryable errors were seen (the outage really hit the sends) and nothing else went wrong.
    assert.ok(errors.length > 0, "some sends met the outage");
    assert.deepEqual(
      [...new Set(errors.map((e) => e.code))].filter((c) => c !== "service_unavailable" && c !== "timeout"),
      [],
    );
    assert.ok(
      errors.every((e) => e.at >= cutMs - 50),
      "no errors before the cut",
    );
    assert.deepEqual(failed, [], "no message failed");

    // The database: each message exactly once, in the order written, and every ok ack is a stored row.
    const rows = await stored(conv.id);
    assert.deepEqual(
      rows.map((r) => r.text),
      texts.map((m) => m.text),
    );
    assert.equal(new Set(rows.map((r) => r.clientMessageId)).size, texts.length);
    const byId = new Map(rows.map((r) => [r.id, r]));
    const okAcks = acks.filter((x) => x.ok);
    for (const x of okAcks) {
      const row = byId.get(x.id!);
      assert.ok(row, `ack ok for message ${x.id}, which is not in the database`);
      assert.equal(row.clientMessageId, x.clientMessageId);
    }
    assert.deepEqual(
      results.map((m) => m.id),
      rows.map((r) => r.id),
      "each send resolved with its stored message",
    );

    // Alice's own view: the 30, once each, all sent.
    const mine = handle.messages;
    assert.deepEqual(
      mine.map((m) => m.text),
      texts.map((m) => m.text),
    );
    assert.ok(
      mine.every((m) => m.status === "sent"),
      JSON.stringify(mine.map((m) => m.status)),
    );

    // Bob, after catch-up: each exactly once, in order; no live event delivered twice.
    await bob.catchUp();
    await until("Bob has all 30", () => bob.conversation(conv.id).messages.length >= texts.length, 5000);
    assert.deepEqual(
      bob.conversation(conv.id).messages.map((m) => m.id),
      rows.map((r) => r.id),
    );
    assert.equal(new Set(bobEvents).size, bobEvents.length, "no message.new twice");
    assert.ok(bobEvents.every((id) => byId.has(id)));
    assert.deepEqual(crashes, [], "no unhandled rejection or uncaught exception");
  });

  test("a lost COMMIT reply (MariaDB stored the message, the server never heard): the send is answered service_unavailable, the SDK's retry gets the original; stored once, no false ack", async () => {
    const { alice, bob, conv, acks, now } = await pairInDm();
    const bobLive: string[] = [];
    bob.on("message.new", (e) => bobLive.push(e.data.message.id));

    const trapped = proxy.cutAfterNextCommit();
    const sent = alice.conversation(conv.id).send("lost reply");
    await Promise.race([trapped, bound(5000, "the message's COMMIT goes through the proxy")]);
    const [row, ...more] = await stored(conv.id);
    assert.equal(row?.text, "lost reply", "the COMMIT reached MariaDB");
    assert.equal(more.length, 0);
    await sleep(1000);
    await proxy.restore();
    const restoredMs = now();

    const message = await Promise.race([sent, bound(15_000, "the SDK's retry is answered")]);
    assert.equal(message.id, row.id, "the retry is answered with the original message");
    assert.deepEqual(
      (await stored(conv.id)).map((r) => r.id),
      [row.id],
      "stored exactly once",
    );
    assert.equal(acks[0]?.ok, false);
    assert.equal(acks[0]?.code, "service_unavailable", "the lost reply is a retryable error, not a false ack or a bare internal");
    assert.ok(acks.filter((x) => x.ok).every((x) => x.id === row.id && x.clientMessageId === row.clientMessageId));
    assert.equal(acks.filter((x) => x.ok).length, 1);
    console.log(
      `# lost COMMIT reply: acks ${acks.map((x) => (x.ok ? `ok@${x.at}` : `${x.code}@${x.at}`)).join(", ")} ms (restored at ${restoredMs} ms); Bob got it live: ${bobLive.includes(row.id)}`,
    );

    await bob.catchUp();
    assert.deepEqual(
      bob.conversation(conv.id).messages.map((m) => m.id),
      [row.id],
      "Bob has it once after catch-up",
    );
    assert.deepEqual(crashes, [], "no unhandled rejection or uncaught exception");
  });

  test("a recipient who stays connected gets a message whose COMMIT reply was lost live, once the sender's retry is answered", async () => {
    const alice = await s.api.register(app);
    const bob = await s.api.register(app);
    const conv = await dm(alice, bob);
    const a = await connect(s, alice.accessToken);
    const b = new Recorder(await connect(s, bob.accessToken));
    sockets.push(a, b.socket);
    const trapped = proxy.cutAfterNextCommit();
    const lost = request<Message>(a, "message.send", { conversationId: conv.id, text: "lost reply", clientMessageId: "lost-1" }, 5000);
    await Promise.race([trapped, bound(5000, "the COMMIT goes through the proxy")]);
    assert.equal((await lost).ok, false);
    await proxy.restore();
    let retry = await request<Message>(a, "message.send", { conversationId: conv.id, text: "lost reply", clientMessageId: "lost-1" }, 5000);
    for (let i = 0; !retry.ok && i < 20; i++) {
      await sleep(100);
      retry = await request<Message>(a, "message.send", { conversationId: conv.id, text: "lost reply", clientMessageId: "lost-1" }, 5000);
    }
    assert.ok(retry.ok, JSON.stringify(retry));
    await b.wait("message.new", (e) => e.data.message.id === retry.data.id, 3000);
  });

  test("a client that (re)connects its socket during the outage keeps retrying and is connected again after the restore", async () => {
    const carol = await newClient("carol");
    carol.disconnect();
    proxy.cut();
    let handshakeCode: unknown;
    try {
      const token = (carol as unknown as { session: { current: { accessToken: string } } }).session.current.accessToken;
      (await connect(s, token)).close();
    } catch (err) {
      handshakeCode = (err as { data?: { code?: unknown } }).data?.code;
    }
    carol.connect();
    await sleep(1500);
    await proxy.restore();
    assert.equal(handshakeCode, "service_unavailable", `the handshake says: retry later (Carol's SDK is ${carol.store.state.connection})`);
    await until("Carol is connected again", () => carol.store.state.connection === "connected", 5000);
  });

  test("a frozen database (no answers, no resets): message.send on a pooled connection is still answered within the bound", async () => {
    const alice = await s.api.register(app);
    const bob = await s.api.register(app);
    const conv = await dm(alice, bob);
    const a = await connect(s, alice.accessToken);
    sockets.push(a);
    await sleep(500); // the connect's own queries (presence audience) are done: the pool is idle
    proxy.freeze();
    const t = performance.now();
    const ack = await request<Message>(
      a,
      "message.send",
      { conversationId: conv.id, text: "frozen", clientMessageId: "frozen-1" },
      OUTAGE_ACK_BOUND_MS + 1000,
    ).catch((err: unknown) => ({ ok: false as const, error: { code: String(err) } }));
    const ms = Math.round(performance.now() - t);
    console.log(`# frozen database: message.send answered ${ack.ok ? "ok" : ack.error.code} after ${ms} ms`);
    assert.equal(ack.ok, false);
    assert.equal(ack.ok ? "" : ack.error.code, "service_unavailable");
    assert.ok(ms < OUTAGE_ACK_BOUND_MS, `answered after ${ms} ms`);
  });
});
