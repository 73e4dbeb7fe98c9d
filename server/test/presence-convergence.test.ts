import "reflect-metadata";
import assert from "node:assert/strict";
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import net from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import mysql from "mysql2/promise";
import type { AuthResponse, ContactsResponse } from "@parley/sdk/protocol";
import { openDatabase } from "../src/db/data-source.js";
import { SCHEMA } from "../src/schema.js";
import { DEAD_NODE_BOUND_MS, RECONCILE_AFTER_MS } from "../src/scale/redis-presence.js";
import { AppsService } from "../src/tenancy/apps.service.js";
import { ChatClient } from "../../sdk/src/index.js";
import { ApiClient } from "./helpers/api.js";
import { MYSQL_ADMIN_URL, TEST_DB, TEST_JWT_SECRET } from "./helpers/harness.js";
import { sleep } from "./helpers/sockets.js";

// Presence after the worst: a node killed with -9 (and started again), and a Redis that restarts
// empty (a real restart of a throwaway redis-server of this test's own, no persistence), with a
// client's socket cut meanwhile and users leaving and arriving while Redis is away. Every
// connected client's view (its SDK store) and every node's answer (GET /v1/contacts) must come
// to the truth, and stay there.
const ROOT = path.resolve(import.meta.dirname, "../..");
const GRACE_MS = 1000;
const PASSWORD = "presence-test-password";

const redisServer = spawnSync("redis-server", ["--version"], { encoding: "utf8" });
const skip =
  TEST_DB !== "mysql"
    ? "multi-node tests run with PARLEY_TEST_DB=mysql only"
    : process.env["PARLEY_TEST_SKIP_REDIS"] ||
      (redisServer.status === 0 ? false : "no redis-server binary: the Redis restart drill needs a Redis of its own to restart");

interface Node {
  url: string;
  port: number;
  proc: ChildProcess;
  exited: Promise<number | null>;
}

/** A TCP relay to the first live backend, whose client connections can be cut (a socket reconnect). */
interface Relay {
  url: string;
  cut(): void;
  close(): void;
}

describe("presence converges after a node kill, a node restart and a Redis restart", { skip }, () => {
  const dbName = `parley_presence_${randomBytes(5).toString("hex")}`;
  const databaseUrl = `${MYSQL_ADMIN_URL}/${dbName}`;
  const procs: ChildProcess[] = [];
  const relays: Relay[] = [];
  const clients: ChatClient[] = [];
  let redisPort = 0;
  let redis: ChildProcess | undefined;
  let dataDir = "";
  let app = "";

  async function freePort(): Promise<number> {
    const srv = net.createServer();
    await new Promise<void>((r) => srv.listen(0, "127.0.0.1", r));
    const port = (srv.address() as net.AddressInfo).port;
    await new Promise((r) => srv.close(r));
    return port;
  }

  async function startRedis(): Promise<void> {
    const proc = spawn("redis-server", ["--port", String(redisPort), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"], {
      detached: true,
      stdio: "ignore",
    });
    procs.push(proc);
    redis = proc;
    const deadline = Date.now() + 10_000;
    while (!(await canConnect(redisPort))) {
      if (Date.now() > deadline) throw new Error("redis-server did not start");
      await sleep(50);
    }
  }

  async function stopRedis(): Promise<void> {
    const proc = redis!;
    const gone = new Promise((r) => proc.once("exit", r));
    kill(proc, "SIGKILL"); // every key gone: nothing is saved
    await gone;
  }

  async function startNode(port?: number): Promise<Node> {
    port ??= await freePort();
    const proc = spawn(process.execPath, ["--import", "tsx", "server/src/main.ts"], {
      cwd: ROOT,
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
      env: {
        ...process.env,
        PARLEY_DEMO: "0",
        PORT: String(port),
        HOST: "127.0.0.1",
        DATABASE_URL: databaseUrl,
        DATA_DIR: dataDir,
        JWT_SECRET: TEST_JWT_SECRET,
        REDIS_URL: `redis://127.0.0.1:${redisPort}`,
        LOG_LEVEL: "warn",
        NODE_ENV: "test",
        BCRYPT_COST: "4",
        PRESENCE_GRACE_MS: String(GRACE_MS),
        RATE_LIMIT_AUTH_PER_IP: "100000",
        GROUP_DIRECT_ADD: "1",
      },
    });
    procs.push(proc);
    let output = "";
    proc.stdout!.on("data", (d: Buffer) => (output += d.toString()));
    proc.stderr!.on("data", (d: Buffer) => (output += d.toString()));
    const exited = new Promise<number | null>((resolve) => proc.once("exit", (code) => resolve(code)));
    const node: Node = { url: `http://127.0.0.1:${port}`, port, proc, exited };
    const deadline = Date.now() + 30_000;
    for (;;) {
      if (proc.exitCode !== null) throw new Error(`node exited (${proc.exitCode}):\n${output}`);
      if (
        await fetch(`${node.url}/v1/healthz`).then(
          (r) => r.ok,
          () => false,
        )
      )
        return node;
      if (Date.now() > deadline) throw new Error(`node did not start within 30 s:\n${output}`);
      await sleep(200);
    }
  }

  async function relay(backends: () => number[]): Promise<Relay> {
    const open = new Set<net.Socket>();
    const srv = net.createServer((client) => {
      client.pause();
      const tryNext = (ports: number[]): void => {
        if (ports.length === 0) return void client.destroy();
        const up = net.connect(ports[0]!, "127.0.0.1");
        up.once("error", () => tryNext(ports.slice(1)));
        up.once("connect", () => {
          up.removeAllListeners("error");
          for (const so of [client, up]) {
            open.add(so);
            so.on("error", () => undefined);
            so.on("close", () => (open.delete(so), client.destroy(), up.destroy()));
          }
          client.pipe(up).pipe(client);
          client.resume();
        });
      };
      tryNext(backends());
    });
    await new Promise<void>((r) => srv.listen(0, "127.0.0.1", r));
    const r: Relay = {
      url: `http://127.0.0.1:${(srv.address() as net.AddressInfo).port}`,
      cut: () => {
        for (const so of open) so.destroy();
      },
      close: () => {
        r.cut();
        srv.close();
      },
    };
    relays.push(r);
    return r;
  }

  function client(server: string): ChatClient {
    const c = new ChatClient({ server, appId: app, socket: { reconnectionDelay: 100, reconnectionDelayMax: 1000 } });
    clients.push(c);
    return c;
  }

  before(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), "parley-presence-"));
    const admin = await mysql.createConnection(MYSQL_ADMIN_URL);
    await admin.query(`CREATE DATABASE \`${dbName}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
    await admin.end();
    redisPort = await freePort();
    await startRedis();
  });

  after(async () => {
    for (const c of clients) c.close();
    for (const r of relays) r.close();
    for (const p of procs) kill(p, "SIGKILL");
    const admin = await mysql.createConnection(MYSQL_ADMIN_URL);
    await admin.query(`DROP DATABASE IF EXISTS \`${dbName}\``);
    await admin.end();
    await rm(dataDir, { recursive: true, force: true });
  });

  test("every client's view and every node's answer reach the truth, and stay there", { timeout: 240_000 }, async (t) => {
    const n1 = await startNode(); // creates the schema
    const [n2, n3] = await Promise.all([startNode(), startNode()]);
    const db = await openDatabase({ url: databaseUrl, sqliteFile: "" }, SCHEMA);
    app = (await new AppsService(db).create({ name: "Presence", allowedOrigins: ["*"] })).id;
    await db.destroy();
    let n3Alive = true;
    // Through `viaN3`: node 3 while it lives, then node 1. `viaN1`: node 1, cut on demand.
    const viaN3 = await relay(() => (n3Alive ? [n3.port, n1.port] : [n1.port]));
    const viaN1 = await relay(() => [n1.port]);

    const signUp = async (name: string, server: string): Promise<{ chat: ChatClient; email: string }> => {
      const chat = client(server);
      const email = `${name}-${randomBytes(4).toString("hex")}@presence.example`;
      await chat.register({ email, password: PASSWORD, displayName: name });
      return { chat, email };
    };
    // Observers watch everyone; subjects come and go. All in one group, so all see all.
    const o1 = (await signUp("o1", viaN1.url)).chat; // its socket is cut during the Redis outage
    const o2 = (await signUp("o2", viaN3.url)).chat; // on node 3, moves to node 1 when it dies
    const o3 = (await signUp("o3", n2.url)).chat; // everyone's contact: reads GET /contacts
    const s1 = (await signUp("s1", viaN3.url)).chat; // on node 3, moves to node 1
    const s2 = (await signUp("s2", n3.url)).chat; // only ever node 3: offline while it is dead
    const s3 = (await signUp("s3", n1.url)).chat; // leaves while Redis is away
    const api2 = new ApiClient(n2.url);
    const s4Email = `s4-${randomBytes(4).toString("hex")}@presence.example`;
    const s4User = (await api2.post<AuthResponse>("/auth/register", { app, body: { email: s4Email, password: PASSWORD, displayName: "s4" } })).body; // arrives while Redis is away
    const everyone = [o1, o2, o3, s1, s2, s3];
    const ids = new Map<ChatClient, string>(everyone.map((c) => [c, c.user!.id]));
    const s4 = s4User.user.id;
    await o1.createGroup({ name: "all", memberIds: [...everyone.slice(1).map((c) => ids.get(c)!), s4], isPublic: false });
    // o3 and each subject become contacts (the REST view of presence is the contacts list).
    const o3Token = (await api2.post<AuthResponse>("/auth/login", { app, body: { email: (o3.store.state.me as { email: string }).email, password: PASSWORD } }))
      .body.accessToken;
    for (const [token, userId] of [
      ...(await Promise.all([s1, s2, s3].map(async (c) => [await tokenOf(c), ids.get(c)!] as const))),
      [s4User.accessToken, s4] as const,
    ]) {
      const req = await api2.post<{ id: string }>("/contacts/requests", { token, body: { userId: ids.get(o3)! } });
      assert.ok(req.status < 300, JSON.stringify(req.body));
      const acc = await api2.post(`/contacts/requests/${req.body.id}/accept`, { token: o3Token });
      assert.ok(acc.status < 300, JSON.stringify(acc.body));
      void userId;
    }
    async function tokenOf(c: ChatClient): Promise<string> {
      return (await api2.post<AuthResponse>("/auth/login", { app, body: { email: (c.store.state.me as { email: string }).email, password: PASSWORD } })).body
        .accessToken;
    }

    const connected = (c: ChatClient): boolean => c.store.state.connection === "connected";
    /**
     * Waits until each client in `watching` is connected and sees exactly `truth` for everyone
     * else, and each live node's GET /contacts (as o3) agrees; then checks it still holds later.
     */
    const converge = async (what: string, truth: Map<string, boolean>, watching: ChatClient[], nodes: Node[], ms: number): Promise<void> => {
      const t0 = Date.now();
      const wrong = async (): Promise<string[]> => {
        const out: string[] = [];
        for (const c of watching) {
          const me = ids.get(c)!;
          if (!connected(c)) out.push(`${me} not connected`);
          for (const [userId, online] of truth) {
            if (userId === me) continue;
            const seen = c.store.state.presence[userId]?.online ?? false;
            if (seen !== online) out.push(`${me} sees ${userId} ${seen ? "online" : "offline"}`);
          }
        }
        for (const n of nodes) {
          const res = await fetch(`${n.url}/v1/contacts`, { headers: { Authorization: `Bearer ${o3Token}` } });
          const body = (await res.json()) as ContactsResponse;
          for (const contact of body.contacts ?? []) {
            const online = truth.get(contact.user.id);
            if (online !== undefined && contact.online !== online) out.push(`node :${n.port} says ${contact.user.id} ${contact.online ? "online" : "offline"}`);
          }
        }
        return out;
      };
      let last: string[] = [];
      while ((last = await wrong()).length > 0) {
        if (Date.now() - t0 > ms) assert.fail(`${what}: not converged within ${ms} ms: ${last.join("; ")}`);
        await sleep(200);
      }
      t.diagnostic(`${what}: converged in ${Date.now() - t0} ms`);
      await sleep(GRACE_MS + 1500);
      assert.deepEqual(await wrong(), [], `${what}: stayed converged`);
    };
    const truthOf = (online: ChatClient[], offline: string[] = []): Map<string, boolean> =>
      new Map([...everyone.map((c) => [ids.get(c)!, online.includes(c)] as const), [s4, false] as const, ...offline.map((id) => [id, false] as const)]);

    // 0. Everyone up: the views are right before anything happens.
    await converge("start", truthOf(everyone), everyone, [n1, n2, n3], 10_000);

    // 1. kill -9 node 3: o2 and s1 move to node 1 through the relay; s2 has nowhere to go.
    n3Alive = false;
    kill(n3.proc, "SIGKILL");
    await n3.exited;
    viaN3.cut();
    await converge("node 3 killed", truthOf([o1, o2, o3, s1, s3]), [o1, o2, o3, s1, s3], [n1, n2], DEAD_NODE_BOUND_MS + 5000);

    // 2. Node 3 starts again on its port: s2's client gets back in.
    const n3b = await startNode(n3.port);
    await converge("node 3 restarted", truthOf(everyone), everyone, [n1, n2, n3b], 10_000);

    // 3. Redis restarts empty. Meanwhile s3 leaves, s4 arrives (on node 2), and o1's socket is cut
    //    (it reconnects to node 1 while Redis is away).
    await stopRedis();
    await sleep(500);
    s3.close();
    const s4Chat = client(n2.url);
    await s4Chat.login(s4Email, PASSWORD);
    viaN1.cut();
    await sleep(GRACE_MS + 1000);
    await startRedis();
    const watching = [o1, o2, o3, s1, s2, s4Chat];
    ids.set(s4Chat, s4);
    const truth = truthOf([o1, o2, o3, s1, s2]);
    truth.set(s4, true);
    await converge("Redis restarted empty", truth, watching, [n1, n2, n3b], 2000 + RECONCILE_AFTER_MS + GRACE_MS + 5000);
  });
});

function kill(p: ChildProcess, signal: NodeJS.Signals): void {
  try {
    process.kill(-p.pid!, signal);
  } catch {
    /* already gone */
  }
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const so = net.connect(port, "127.0.0.1");
    so.once("connect", () => (so.destroy(), resolve(true)));
    so.once("error", () => resolve(false));
  });
}
