import "reflect-metadata";
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import net from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import mysql from "mysql2/promise";
import { createClient } from "redis";
import type { AuthResponse, Conversation, Message } from "@parley/sdk/protocol";
import { openDatabase } from "../src/db/data-source.js";
import { SCHEMA } from "../src/schema.js";
import { AppsService } from "../src/tenancy/apps.service.js";
import { ChatClient } from "../../sdk/src/index.js";
import { ApiClient } from "./helpers/api.js";
import { MYSQL_ADMIN_URL, TEST_DB, TEST_JWT_SECRET, type TestServer } from "./helpers/harness.js";
import { connect, Recorder, request, sleep, type ClientSocket } from "./helpers/sockets.js";

// Several real server processes sharing one MariaDB database and one Redis (REDIS_URL).
const REDIS_URL = process.env["PARLEY_TEST_REDIS_URL"] ?? "redis://127.0.0.1:6379";
const ROOT = path.resolve(import.meta.dirname, "../..");
/** Documented in server/src/scale/redis-presence.ts: a killed node's users are offline within 15 s. */
const DEAD_NODE_BOUND_MS = 15_000;

interface Node {
  url: string;
  port: number;
  proc: ChildProcess;
  exited: Promise<number | null>;
}

/** Resolves after `ms` without keeping the process alive (for Promise.race bounds). */
const bound = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms).unref());

// The run says when it has no Redis (scripts/test/run.ts); it hands the URL of the one it found or started.
const skip = TEST_DB !== "mysql" ? "scale tests run with PARLEY_TEST_DB=mysql only" : process.env["PARLEY_TEST_SKIP_REDIS"] || false;

describe("several nodes sharing MariaDB and Redis", { skip }, () => {
  const dbName = `parley_scale_${randomBytes(5).toString("hex")}`;
  const prefix = `parley-t-${randomBytes(4).toString("hex")}:`;
  const databaseUrl = `${MYSQL_ADMIN_URL}/${dbName}`;
  const nodes: Node[] = [];
  const sockets: ClientSocket[] = [];
  const proxies: net.Server[] = [];
  let dataDir = "";
  let app = "";

  async function freePort(): Promise<number> {
    const srv = net.createServer();
    await new Promise<void>((r) => srv.listen(0, "127.0.0.1", r));
    const port = (srv.address() as net.AddressInfo).port;
    await new Promise((r) => srv.close(r));
    return port;
  }

  async function startNode(redisUrl = REDIS_URL): Promise<Node> {
    const port = await freePort();
    const proc = spawn(process.execPath, ["--import", "tsx", "server/src/main.ts"], {
      cwd: ROOT,
      detached: true, // its own process group: the after hook kills the group
      stdio: ["ignore", "pipe", "pipe"],
      env: {
        ...process.env,
        PARLEY_DEMO: "0",
        PORT: String(port),
        HOST: "127.0.0.1",
        DATABASE_URL: databaseUrl,
        DATA_DIR: dataDir,
        JWT_SECRET: TEST_JWT_SECRET,
        REDIS_URL: redisUrl,
        REDIS_PREFIX: prefix,
        LOG_LEVEL: "warn",
        NODE_ENV: "test",
        BCRYPT_COST: "4",
        PRESENCE_GRACE_MS: "300",
        RATE_LIMIT_AUTH_PER_IP: "100000",
        GROUP_DIRECT_ADD: "1",
      },
    });
    let output = "";
    proc.stdout!.on("data", (d: Buffer) => (output += d.toString()));
    proc.stderr!.on("data", (d: Buffer) => (output += d.toString()));
    const exited = new Promise<number | null>((resolve) => proc.once("exit", (code) => resolve(code)));
    const node: Node = { url: `http://127.0.0.1:${port}`, port, proc, exited };
    nodes.push(node);
    const deadline = Date.now() + 30_000;
    for (;;) {
      if (proc.exitCode !== null) throw new Error(`node exited (${proc.exitCode}):\n${output}`);
      const ok = await fetch(`${node.url}/v1/healthz`).then(
        (r) => r.ok,
        () => false,
      );
      if (ok) return node;
      if (Date.now() > deadline) throw new Error(`node did not start within 30 s:\n${output}`);
      await sleep(200);
    }
  }

  function killGroup(n: Node, signal: NodeJS.Signals): void {
    try {
      process.kill(-n.proc.pid!, signal);
    } catch {
      /* already gone */
    }
  }

  /** A tiny load balancer: each TCP connection goes to the first backend that accepts it. */
  async function balancer(backends: Node[]): Promise<string> {
    const srv = net.createServer((client) => {
      client.pause();
      const tryNext = (i: number): void => {
        if (i >= backends.length) return void client.destroy();
        const up = net.connect(backends[i]!.port, "127.0.0.1");
        up.once("error", () => tryNext(i + 1));
        up.once("connect", () => {
          up.removeAllListeners("error");
          up.on("error", () => client.destroy());
          client.on("error", () => up.destroy());
          client.pipe(up).pipe(client);
          client.resume();
        });
      };
      tryNext(0);
    });
    await new Promise<void>((r) => srv.listen(0, "127.0.0.1", r));
    proxies.push(srv);
    return `http://127.0.0.1:${(srv.address() as net.AddressInfo).port}`;
  }

  async function open(url: string, token: string): Promise<Recorder> {
    const so = await connect({ url } as TestServer, token);
    sockets.push(so);
    return new Recorder(so);
  }

  async function dm(api: ApiClient, a: AuthResponse, b: AuthResponse): Promise<Conversation> {
    const res = await api.post("/conversations/direct", { token: a.accessToken, body: { userId: b.user.id } });
    assert.ok(res.status === 201 || res.status === 200, JSON.stringify(res.body));
    return res.body.conversation ?? res.body;
  }

  before(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), "parley-scale-"));
    const admin = await mysql.createConnection(MYSQL_ADMIN_URL);
    await admin.query(`CREATE DATABASE \`${dbName}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
    await admin.end();
    // The first node creates the schema; the others start against it.
    await startNode();
    await Promise.all([startNode(), startNode()]);
    const db = await openDatabase({ url: databaseUrl, sqliteFile: "" }, SCHEMA);
    app = (await new AppsService(db).create({ name: "Scale", allowedOrigins: ["*"] })).id;
    await db.destroy();
  });

  after(async () => {
    for (const so of sockets) so.close();
    for (const p of proxies) p.close();
    for (const n of nodes) killGroup(n, "SIGKILL");
    await Promise.all(nodes.map((n) => Promise.race([n.exited, bound(5000)])));
    const admin = await mysql.createConnection(MYSQL_ADMIN_URL);
    await admin.query(`DROP DATABASE IF EXISTS \`${dbName}\``);
    await admin.end();
    const r = createClient({ url: REDIS_URL });
    await r.connect();
    for await (const keys of r.scanIterator({ MATCH: `${prefix}*`, COUNT: 500 })) if (keys.length) await r.del(keys);
    await r.quit();
    await rm(dataDir, { recursive: true, force: true });
  });

  test("a new DM's first message, an edit, a reaction, typing and a read receipt cross nodes live", async () => {
    const [n1, n2] = [nodes[0]!, nodes[1]!];
    const api1 = new ApiClient(n1.url);
    const api2 = new ApiClient(n2.url);
    const alice = await api1.register(app);
    const bob = await api2.register(app);
    const a = await open(n1.url, alice.accessToken);
    const b1 = await open(n2.url, bob.accessToken);
    const b2 = await open(n2.url, bob.accessToken);
    const conv = await dm(api1, alice, bob);
    const ack = await request<Message>(a.socket, "message.send", { conversationId: conv.id, text: "hi across nodes", clientMessageId: "x-1" });
    assert.ok(ack.ok, JSON.stringify(ack));
    const msg = ack.data;
    for (const dev of [b1, b2]) {
      await dev.wait("conversation.created", (e) => e.data.conversation.id === conv.id, 5000);
      assert.equal((await dev.wait("message.new", (e) => e.data.message.id === msg.id, 5000)).data.message.text, "hi across nodes");
    }
    assert.equal((await api1.patch(`/messages/${msg.id}`, { token: alice.accessToken, body: { text: "v2" } })).status, 200);
    assert.equal((await api1.put(`/messages/${msg.id}/reactions/${encodeURIComponent("👍")}`, { token: alice.accessToken })).status < 300, true);
    assert.ok((await request(a.socket, "typing", { conversationId: conv.id, typing: true })).ok);
    for (const dev of [b1, b2]) {
      assert.equal((await dev.wait("message.updated", (e) => e.data.message.id === msg.id, 5000)).data.message.text, "v2");
      await dev.wait("reaction.updated", (e) => e.data.messageId === msg.id, 5000);
      await dev.wait("typing", (e) => e.userId === alice.user.id && e.typing === true, 5000);
    }
    assert.ok((await request(b1.socket, "read", { conversationId: conv.id, messageId: msg.id })).ok);
    assert.equal((await a.wait("read.updated", (e) => e.data.userId === bob.user.id, 5000)).data.lastReadMessageId, msg.id);
  });

  test("a password change through node 1 disconnects the user's sockets on node 2 within 1 s", async (t) => {
    const [n1, n2] = [nodes[0]!, nodes[1]!];
    const api1 = new ApiClient(n1.url);
    const api2 = new ApiClient(n2.url);
    const email = `pw-${randomBytes(4).toString("hex")}@scale.example`;
    const first = await api1.register(app, { email, password: "old scale password" });
    const second = await api2.post<AuthResponse>("/auth/login", { app, body: { email, password: "old scale password" } });
    assert.equal(second.status, 200);
    // Both sessions have a socket on node 2; the change goes through node 1.
    const onNode2 = [await open(n2.url, first.accessToken), await open(n2.url, second.body.accessToken)];
    const t0 = performance.now();
    const dropped = onNode2.map((r) => new Promise<number>((resolve) => r.socket.once("disconnect", () => resolve(performance.now() - t0))));
    const res = await api1.post<AuthResponse>("/auth/password", {
      token: first.accessToken,
      body: { currentPassword: "old scale password", newPassword: "new scale password" },
    });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const requestMs = performance.now() - t0;
    const took = await Promise.all(dropped.map((d) => Promise.race([d, bound(3000).then(() => -1)])));
    t.diagnostic(`request ${requestMs.toFixed(0)} ms; node-2 sockets dropped after ${took.map((ms) => ms.toFixed(0)).join(", ")} ms`);
    for (const ms of took) assert.ok(ms >= 0 && ms < 1000, `node-2 socket dropped after ${ms.toFixed(0)} ms (request ${requestMs.toFixed(0)} ms)`);
    // Node 2 refuses the old sessions at the handshake, and takes the new one.
    for (const old of [first.accessToken, second.body.accessToken]) {
      await assert.rejects(connect({ url: n2.url } as TestServer, old), (e: Error & { data?: { code?: string } }) => e.data?.code === "invalid_token");
    }
    const fresh = await open(n2.url, res.body.accessToken);
    assert.equal(fresh.socket.connected, true);
  });

  test("presence crosses nodes, and a killed node's users go offline within the documented bound", async () => {
    const n1 = nodes[0]!;
    const n3 = await startNode(); // a node of its own, killed here
    const api1 = new ApiClient(n1.url);
    const alice = await api1.register(app);
    const bob = await api1.register(app);
    await dm(api1, alice, bob);
    const a = await open(n1.url, alice.accessToken);
    await open(n3.url, bob.accessToken);
    await a.wait("presence", (p) => p.userId === bob.user.id && p.online === true, 5000);
    const contacts = await api1.get("/users/" + bob.user.id, { token: alice.accessToken });
    assert.equal(contacts.status, 200);
    const killedAt = Date.now();
    killGroup(n3, "SIGKILL");
    await a.wait("presence", (p) => p.userId === bob.user.id && p.online === false, DEAD_NODE_BOUND_MS + 2000);
    const took = Date.now() - killedAt;
    assert.ok(took <= DEAD_NODE_BOUND_MS, `offline after ${took} ms`);
    // Exactly one offline event (announced once, by the node that swept the dead one).
    await sleep(3000);
    const offline = a.events.filter((e) => e.name === "presence" && e.payload.userId === bob.user.id && !e.payload.online);
    assert.equal(offline.length, 1);
  });

  test("kill -9 during a stream of messages: every acked message is stored once and reaches the recipient once", async () => {
    const [n1, n3] = [nodes[0]!, nodes[2]!];
    const lb = await balancer([n3, n1]); // node 3 while it lives, then node 1
    const clients: ChatClient[] = [];
    const emails = new Map<ChatClient, string>();
    const client = async (server: string, name: string): Promise<ChatClient> => {
      const c = new ChatClient({ server, appId: app, socket: { reconnectionDelay: 100, reconnectionDelayMax: 1000 } });
      clients.push(c);
      const email = `${name}-${randomBytes(4).toString("hex")}@scale.example`;
      emails.set(c, email);
      await c.register({ email, password: "scale-test-password", displayName: name });
      return c;
    };
    try {
      const bob = await client(lb, "bob");
      const senders = [await client(lb, "s1"), await client(lb, "s2"), await client(n1.url, "s3")];
      const received: string[] = [];
      bob.on("message.new", (e) => received.push(e.data.message.id));
      const until = async (what: string, ok: () => boolean, ms: number): Promise<void> => {
        const end = Date.now() + ms;
        while (!ok()) {
          if (Date.now() > end) assert.fail(`timed out: ${what}`);
          await sleep(50);
        }
      };
      await until("all connected", () => [bob, ...senders].every((c) => c.store.state.connection === "connected"), 10_000);
      const group = await senders[0]!.createGroup({ name: "stream", memberIds: [bob, ...senders.slice(1)].map((c) => c.user!.id), isPublic: false });
      const convId = group.state!.id;
      const PER_SENDER = 100;
      const acked = new Map<string, string>(); // text -> stored id
      const sends = senders.flatMap((c, si) =>
        Array.from({ length: PER_SENDER }, (_, i) => {
          const text = `s${si}-${i}`;
          return c
            .conversation(convId)
            .send(text)
            .then((m) => void acked.set(text, m.id));
        }),
      );
      await until("a third acked", () => acked.size >= PER_SENDER, 30_000);
      killGroup(n3, "SIGKILL");
      const settled = await Promise.race([Promise.allSettled(sends), bound(60_000).then(() => null)]);
      assert.ok(settled, "sends did not settle within 60 s");
      // The SDK's outbox retries until acknowledged (clientMessageId makes a retry safe), so every send is acked.
      assert.equal(acked.size, senders.length * PER_SENDER);
      // Stored exactly once: page through the conversation from MariaDB (via node 1).
      const api1 = new ApiClient(n1.url);
      const login = await api1.post<AuthResponse>("/auth/login", { app, body: { email: emails.get(bob), password: "scale-test-password" } });
      assert.equal(login.status, 200, JSON.stringify(login.body));
      const token = login.body.accessToken;
      const stored: Message[] = [];
      let before = "";
      for (;;) {
        const page = await api1.get(`/conversations/${convId}/messages?limit=100${before ? `&before=${before}` : ""}`, { token });
        assert.equal(page.status, 200);
        const items = (page.body.items ?? page.body) as Message[];
        stored.push(...items);
        if (items.length < 100) break;
        before = items[items.length - 1]!.id;
      }
      const texts = stored.map((m) => m.text);
      assert.equal(new Set(texts).size, texts.length, "a message stored twice");
      for (const [text, id] of acked)
        assert.ok(
          stored.some((m) => m.id === id && m.text === text),
          `acked ${text} not stored`,
        );
      // Delivered: live, or caught up over /v1/sync after Bob's reconnect; never twice.
      await until("every acked message delivered to Bob", () => [...acked.values()].every((id) => received.includes(id)), 30_000);
      assert.equal(new Set(received).size, received.length, "a message delivered twice");
    } finally {
      for (const c of clients) c.close();
    }
  });

  test("SIGTERM: the node exits 0 and its client reconnects to another node without losing anything", async () => {
    const [n1, n2] = [nodes[0]!, nodes[1]!];
    const lb = await balancer([n2, n1]); // prefers node 2 while it is up
    const api1 = new ApiClient(n1.url);
    const alice = await api1.register(app);
    const bob = await api1.register(app);
    const conv = await dm(api1, alice, bob);
    const a = await open(n1.url, alice.accessToken);
    // Bob through the balancer, with reconnection like the SDK (server disconnect -> connect again).
    const { io: ioc } = await import("socket.io-client");
    const bs: ClientSocket = ioc(lb, { auth: { token: bob.accessToken }, transports: ["websocket"], reconnectionDelay: 100, forceNew: true });
    sockets.push(bs);
    const b = new Recorder(bs);
    const reconnected = new Promise<void>((resolve) => {
      let first = true;
      bs.on("connect", () => (first ? (first = false) : resolve()));
      bs.on("disconnect", (reason) => reason === "io server disconnect" && setTimeout(() => bs.connect(), 100));
    });
    await new Promise<void>((r) => bs.once("connect", () => r()));
    const sent: string[] = [];
    const sender = (async () => {
      for (let i = 0; i < 40; i++) {
        const ack = await request<Message>(a.socket, "message.send", { conversationId: conv.id, text: `m${i}`, clientMessageId: `t-${i}` }, 5000);
        assert.ok(ack.ok, JSON.stringify(ack));
        sent.push(ack.data.id);
        await sleep(50);
      }
    })();
    await sleep(600);
    killGroup(n2, "SIGTERM");
    assert.equal(await Promise.race([n2.exited, bound(15_000).then(() => "timeout")]), 0);
    await Promise.race([reconnected, bound(10_000).then(() => assert.fail("no reconnect within 10 s"))]);
    await sender;
    // Live events missed during the switch are caught up over REST, as the SDK does on connect.
    const page = await api1.get<{ items?: Message[] } | Message[]>(`/conversations/${conv.id}/messages?limit=100`, { token: bob.accessToken });
    assert.equal(page.status, 200);
    const stored = (Array.isArray(page.body) ? page.body : (page.body.items ?? (page.body as any).messages)) as Message[];
    const ids = stored.map((m) => m.id);
    assert.equal(new Set(ids).size, ids.length, "no message stored twice");
    for (const id of sent) assert.ok(ids.includes(id), `message ${id} stored`);
    const live = b.events.filter((e) => e.name === "message.new").map((e) => e.payload.data.message.id as string);
    assert.equal(new Set(live).size, live.length, "no message delivered twice");
    assert.equal(sent.length, 40);
  });

  test("Redis outage: REST and local delivery go on live; cross-node delivery resumes within 5 s of Redis returning; nothing twice", async (t) => {
    // Redis is shared with others on this machine: cut a proxy in front of it, not Redis itself.
    const target = new URL(REDIS_URL);
    const conns = new Set<net.Socket>();
    const proxy = net.createServer((c) => {
      const up = net.connect(Number(target.port || 6379), target.hostname);
      for (const so of [c, up]) {
        conns.add(so);
        so.on("error", () => undefined);
        so.on("close", () => (conns.delete(so), c.destroy(), up.destroy()));
      }
      c.pipe(up).pipe(c);
    });
    proxies.push(proxy);
    await new Promise<void>((r) => proxy.listen(0, "127.0.0.1", r));
    const proxyPort = (proxy.address() as net.AddressInfo).port;
    const n = await startNode(`redis://127.0.0.1:${proxyPort}`);
    const other = nodes[0]!; // reaches Redis directly, all along
    const api = new ApiClient(n.url);
    const health = async (): Promise<any> => (await api.get("/healthz")).body;
    assert.deepEqual([(await health()).status, (await health()).redis], ["ok", "ok"]);
    const [alice, bob, carol, dave] = [await api.register(app), await api.register(app), await api.register(app), await api.register(app)];
    const local = await dm(api, alice, bob); // both on the cut node
    const cross = await dm(api, alice, carol); // Carol on the other node
    const back = await dm(api, dave, bob); // Dave posts through the other node
    const a = await open(n.url, alice.accessToken);
    const b = await open(n.url, bob.accessToken);
    const c = await open(other.url, carol.accessToken);

    const closed = new Promise<void>((r) => proxy.close(() => r()));
    for (const so of conns) so.destroy();
    await Promise.race([closed, bound(5000)]);
    const until = async (what: string, ok: () => Promise<boolean>, ms: number): Promise<void> => {
      const end = Date.now() + ms;
      while (!(await ok())) {
        if (Date.now() > end) assert.fail(`timed out: ${what}`);
        await sleep(100);
      }
    };
    await until("degraded", async () => (await health()).status === "degraded", 5000);
    const h = await health();
    assert.equal(h.redis, "down");
    assert.equal(h.db, "ok");
    // REST (rate-limited sign-in included) still works.
    assert.ok((await api.register(app)).accessToken);
    // Alice to Bob, both on this node: delivered live, without waiting for Redis.
    const t0 = performance.now();
    const ack = await request<Message>(a.socket, "message.send", { conversationId: local.id, text: "local during the outage", clientMessageId: "o-1" }, 5000);
    assert.ok(ack.ok, JSON.stringify(ack));
    await b.wait("message.new", (e) => e.data.message.id === ack.data.id, 3000);
    const localMs = performance.now() - t0;
    t.diagnostic(`local delivery while Redis is cut: ${localMs.toFixed(0)} ms`);
    assert.ok(localMs < 1000, `local delivery during the outage took ${localMs.toFixed(0)} ms`);
    // Alice to Carol on the other node: stored and acked now, but it cannot cross while Redis is cut.
    const ack2 = await request<Message>(a.socket, "message.send", { conversationId: cross.id, text: "cross during the outage", clientMessageId: "o-2" }, 5000);
    assert.ok(ack2.ok, JSON.stringify(ack2));
    await a.wait("message.new", (e) => e.data.message.id === ack2.data.id, 3000);
    await sleep(300);
    assert.ok(!c.names().includes("message.new"), "nothing crossed while Redis was cut");
    assert.ok(a.socket.connected && b.socket.connected && c.socket.connected);

    await new Promise<void>((r) => proxy.listen(proxyPort, "127.0.0.1", r));
    const restoredAt = performance.now();
    // The stream entry waited in the node's Redis queue and reaches the other node now.
    await c.wait("message.new", (e) => e.data.message.id === ack2.data.id, 6000);
    const crossMs = performance.now() - restoredAt;
    t.diagnostic(`cross-node delivery ${crossMs.toFixed(0)} ms after Redis returned`);
    assert.ok(crossMs < 5000, `cross-node delivery resumed ${crossMs.toFixed(0)} ms after Redis returned`);
    await until("healthy again", async () => (await health()).status === "ok", 15_000);
    // And the other way. The stream is ordered: once Bob has this, the cut node has also read its
    // own outage entries back (and skipped them, as its own).
    const reply = await new ApiClient(other.url).post<Message>(`/conversations/${back.id}/messages`, {
      token: dave.accessToken,
      body: { text: "after the outage" },
    });
    assert.equal(reply.status, 201);
    await b.wait("message.new", (e) => e.data.message.id === reply.body.id, 5000);
    const count = (r: Recorder, id: string): number => r.events.filter((e) => e.name === "message.new" && e.payload.data.message.id === id).length;
    assert.deepEqual(
      [count(a, ack.data.id), count(b, ack.data.id), count(a, ack2.data.id), count(c, ack2.data.id), count(b, reply.body.id)],
      [1, 1, 1, 1, 1],
      "every socket got each message exactly once",
    );
  });
});
