/**
 * Scheduled sends (issue 55) on two nodes sharing one MariaDB database: node A a real server
 * process (server/src/main.ts), node B a server in this process. A message due is sent exactly
 * once whichever node takes it; the node that accepted one, killed (SIGKILL) before its time, leaves
 * it to another node, which sends it at its time, once; a node killed while it holds a scheduled
 * message's claim, in the middle of sending it, leaves the claim to run out, and the other node
 * sends it then, once.
 */
import "reflect-metadata";
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import net from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import mysql from "mysql2/promise";
import type { AuthResponse, Conversation, Message, Page, ScheduledMessage } from "@parley/sdk/protocol";
import { ApiClient } from "./helpers/api.js";
import { startServer, TEST_DB, TEST_JWT_SECRET, type TestServer } from "./helpers/harness.js";
import { eventually } from "./helpers/sockets.js";

const ROOT = path.resolve(import.meta.dirname, "../..");
const skip = TEST_DB !== "mysql" ? "several nodes run with PARLEY_TEST_DB=mysql only" : false;
/** Both nodes' SCHEDULED_LEASE_SEC: how long a dead node's claim holds a message back. */
const LEASE_SEC = 2;

describe("scheduled sends on two nodes", { skip }, () => {
  let b: TestServer;
  let a: Node | undefined;
  /** Nodes started by a test, stopped at the end. */
  const more: Node[] = [];
  let app = "";
  let alice: AuthResponse, bob: AuthResponse;
  let dm: Conversation;

  before(async () => {
    b = await startServer({ SCHEDULED_SWEEP_SEC: "0.05", SCHEDULED_LEASE_SEC: String(LEASE_SEC) }, { keepData: true });
    a = await startNode(b.databaseUrl!);
    app = (await b.createTenant("Two nodes")).id;
    [alice, bob] = [await a.api.register(app), await b.api.register(app)];
    dm = (await a.api.post("/conversations/direct", { token: alice.accessToken, body: { userId: bob.user.id } })).body.conversation;
  });
  after(async () => {
    for (const node of [a, ...more]) {
      if (!node) continue;
      kill(node.proc);
      await node.exited;
      await rm(node.dataDir, { recursive: true, force: true });
    }
    await b?.close();
    await b?.dropData();
  });

  async function rowOf(id: string): Promise<{ status: string; dueAt: number | null; sendAt: number; messageId: number | null }> {
    const rows: { status: string; dueAt: string | number | null; sendAt: string | number; messageId: string | number | null }[] = await b.services.db.query(
      "SELECT status, dueAt, sendAt, messageId FROM scheduled_messages WHERE id = ?",
      [id],
    );
    const r = rows[0]!;
    return {
      status: r.status,
      dueAt: r.dueAt === null ? null : Number(r.dueAt),
      sendAt: Number(r.sendAt),
      messageId: r.messageId === null ? null : Number(r.messageId),
    };
  }
  const textsIn = async (): Promise<(string | null)[]> =>
    (await b.api.get<Page<Message>>(`/conversations/${dm.id}/messages?limit=100`, { token: bob.accessToken })).body.items.map((m) => m.text);

  test("messages due are each sent exactly once, whichever node takes them", async () => {
    const soon = new Date(Date.now() + 800).toISOString();
    const made: ScheduledMessage[] = [];
    for (let i = 0; i < 12; i++) {
      const node = i % 2 ? b.api : a!.api;
      const res = await node.post<ScheduledMessage>(`/conversations/${dm.id}/scheduled`, {
        token: alice.accessToken,
        body: { text: `both ${i}`, sendAt: soon },
      });
      assert.equal(res.status, 201, JSON.stringify(res.body));
      made.push(res.body);
    }
    await eventually(async () => (await Promise.all(made.map((x) => rowOf(x.id)))).every((r) => r.status === "sent"), "every one sent", 20_000);
    const texts = await textsIn();
    for (let i = 0; i < 12; i++) assert.equal(texts.filter((t) => t === `both ${i}`).length, 1, `both ${i}: once`);
  });

  test("the node that accepted it killed before its time: another node sends it at its time, once", async () => {
    const c = await startNode(b.databaseUrl!);
    more.push(c);
    const sendAt = Date.now() + 4_000;
    const made = await c.api.post<ScheduledMessage>(`/conversations/${dm.id}/scheduled`, {
      token: alice.accessToken,
      body: { text: "outlives its node", sendAt: new Date(sendAt).toISOString() },
    });
    assert.equal(made.status, 201, JSON.stringify(made.body));
    kill(c.proc);
    await c.exited;
    assert.ok(Date.now() < sendAt, "the node that accepted it died before its time");
    assert.equal((await rowOf(made.body.id)).status, "pending");
    await eventually(async () => (await rowOf(made.body.id)).status === "sent", "another node to send it", 30_000);
    const sent = (await b.api.get<Page<Message>>(`/conversations/${dm.id}/messages?limit=100`, { token: bob.accessToken })).body.items.filter(
      (m) => m.text === "outlives its node",
    );
    assert.equal(sent.length, 1, "once");
    const at = new Date(sent[0]!.createdAt).getTime();
    assert.ok(at >= sendAt, `not before its time (${at - sendAt} ms)`);
    assert.ok(at < sendAt + 10_000, `at its time (${at - sendAt} ms late; the sweeps run every 50 ms)`);
  });

  test("a node killed while it holds the claim, mid-send: the other node sends it once the lease ran out", async () => {
    // Only node A sweeps until it is killed.
    await b.services.scheduledSweep.stop();
    const made = (
      await a!.api.post<ScheduledMessage>(`/conversations/${dm.id}/scheduled`, {
        token: alice.accessToken,
        body: { text: "survives a dead node", sendAt: new Date(Date.now() + 3_600_000).toISOString() },
      })
    ).body;
    // Hold the app's event counter row: node A's send, once it took the message, waits there,
    // its claim committed and its message not.
    const holder = await mysql.createConnection(b.databaseUrl!);
    await holder.query("START TRANSACTION");
    await holder.query("SELECT id FROM apps WHERE id = ? FOR UPDATE", [app]);
    try {
      const now = Date.now();
      await b.services.db.query("UPDATE scheduled_messages SET sendAt = ?, dueAt = ? WHERE id = ?", [now, now, made.id]);
      await eventually(async () => {
        const r = await rowOf(made.id);
        return r.dueAt !== null && r.dueAt > r.sendAt;
      }, "node A to take it");
      kill(a!.proc);
      await a!.exited;
    } finally {
      await holder.query("ROLLBACK");
      await holder.end();
    }
    const claimed = await rowOf(made.id);
    assert.equal(claimed.status, "pending", "node A died before it could send");
    assert.ok(!(await textsIn()).includes("survives a dead node"), "nothing was sent by the dead node");
    b.services.scheduledSweep.start();
    await eventually(async () => (await rowOf(made.id)).status === "sent", "node B to send it", 20_000);
    assert.ok(Date.now() >= (claimed.dueAt ?? 0), "not before the dead node's lease ran out");
    assert.equal((await textsIn()).filter((t) => t === "survives a dead node").length, 1);
  });
});

/** A server process (server/src/main.ts): its own process group, killed as a whole. */
interface Node {
  url: string;
  api: ApiClient;
  proc: ChildProcess;
  exited: Promise<number | null>;
  dataDir: string;
}

/** Node A (or another like it): a real server process on the shared database, up and answering. */
async function startNode(databaseUrl: string): Promise<Node> {
  const port = await freePort();
  const dataDir = await mkdtemp(path.join(tmpdir(), "parley-sched-a-"));
  const proc = spawn(process.execPath, ["--import", "tsx", "server/src/main.ts"], {
    cwd: ROOT,
    detached: true, // its own process group: killed as a whole
    stdio: ["ignore", "pipe", "pipe"],
    env: {
      ...process.env,
      PARLEY_DEMO: "0",
      PORT: String(port),
      HOST: "127.0.0.1",
      DATABASE_URL: databaseUrl,
      DATA_DIR: dataDir,
      JWT_SECRET: TEST_JWT_SECRET,
      LOG_LEVEL: "warn",
      NODE_ENV: "test",
      BCRYPT_COST: "4",
      RATE_LIMIT_AUTH_PER_IP: "100000",
      RATE_LIMIT_ACTIONS_PER_USER: "100000",
      RATE_LIMIT_MESSAGES_PER_USER: "100000",
      SCHEDULED_SWEEP_SEC: "0.05",
      SCHEDULED_LEASE_SEC: String(LEASE_SEC),
    },
  });
  let output = "";
  proc.stdout!.on("data", (d: Buffer) => (output += d.toString()));
  proc.stderr!.on("data", (d: Buffer) => (output += d.toString()));
  const exited = new Promise<number | null>((resolve) => proc.once("exit", (code) => resolve(code)));
  const url = `http://127.0.0.1:${port}`;
  await eventually(
    async () => {
      if (proc.exitCode !== null) throw new Error(`a node exited (${proc.exitCode}):\n${output}`);
      return fetch(`${url}/v1/healthz`).then(
        (r) => r.ok,
        () => false,
      );
    },
    "a node to start",
    30_000,
  );
  return { url, api: new ApiClient(url), proc, exited, dataDir };
}

async function freePort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((r) => srv.listen(0, "127.0.0.1", r));
  const port = (srv.address() as net.AddressInfo).port;
  await new Promise((r) => srv.close(r));
  return port;
}

function kill(proc: ChildProcess): void {
  try {
    process.kill(-proc.pid!, "SIGKILL");
  } catch {
    /* already gone */
  }
}
