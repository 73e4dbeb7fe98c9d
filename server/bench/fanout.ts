/**
 * Fan-out cost by topology (issue 35): `npm run bench -- --only fanout [--quick]`.
 *
 * For one Redis (the streams adapter) and a Redis Cluster (3 primaries + 3 replicas, the sharded
 * adapter), with 1, 2 and 4 Parley nodes on MariaDB: 1:1 messages at a fixed rate between users
 * on different nodes (pair i: node i % N and node (i + 1) % N). Per message: bytes through Redis
 * (every server's INFO total_net_input_bytes + total_net_output_bytes), Redis CPU (used_cpu_user
 * + used_cpu_sys, all servers), CPU of each Parley node (/proc), and the delivery latency from
 * the send to the recipient's `message.new`. Printed, never asserted. Runs only when asked for:
 * it starts up to 6 redis-servers and 4 nodes per row.
 */
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { freePort } from "./ports.js";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import mysql from "mysql2/promise";
import { io as ioc, type Socket } from "socket.io-client";
import { startRedisCluster } from "../test/helpers/redis-cluster.js";
import { openDb, seedApp } from "./seed.js";
import { ROOT, parleyEntry } from "./harness/processes.js";

const run = promisify(execFile);
const CLUSTER_PORT = 7120;
const PAIRS = 8;
const CLK_TCK = 100;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export interface FanoutRow {
  topology: "one Redis (streams)" | "Redis Cluster (sharded)";
  nodes: number;
  messages: number;
  /** Sends answered ok (a refused or unanswered send is not retried here). */
  acked: number;
  delivered: number;
  redisBytesPerMsg: number;
  redisCpuMsPerMsg: number;
  /** CPU ms per message of all nodes together, of each node on average, and of the busiest node. */
  totalNodeCpuMsPerMsg: number;
  nodeCpuMsPerMsg: number;
  maxNodeCpuMsPerMsg: number;
  p50Ms: number | null;
  p99Ms: number | null;
}

function cpuSec(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(f[11]) + Number(f[12])) / CLK_TCK;
  } catch {
    return Number.NaN;
  }
}

function pct(sorted: number[], p: number): number | null {
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]! : null;
}

/** Bytes in and out and CPU seconds of a set of redis-servers, summed. */
async function redisTotals(ports: number[]): Promise<{ bytes: number; cpu: number }> {
  let bytes = 0;
  let cpu = 0;
  for (const port of ports) {
    const { stdout } = await run("redis-cli", ["-p", String(port), "INFO"]);
    const v = (k: string): number => Number(new RegExp(`^${k}:([\\d.]+)`, "m").exec(stdout)?.[1] ?? 0);
    bytes += v("total_net_input_bytes") + v("total_net_output_bytes");
    cpu += v("used_cpu_user") + v("used_cpu_sys");
  }
  return { bytes, cpu };
}

interface NodeProc {
  url: string;
  proc: ChildProcess;
}

async function startNode(env: Record<string, string>): Promise<NodeProc> {
  const port = await freePort();
  // The bench's own database and Redis, whatever the caller's environment says.
  const base = { ...(process.env as Record<string, string>) };
  for (const k of ["DATABASE_URL", "REDIS_URL", "REDIS_CLUSTER_NODES"]) delete base[k];
  const proc = spawn(process.execPath, await parleyEntry(), {
    cwd: ROOT,
    env: { ...base, ...env, PORT: String(port) },
    stdio: ["ignore", "ignore", "pipe"],
  });
  let err = "";
  proc.stderr!.on("data", (d: Buffer) => (err = (err + d.toString()).slice(-4000)));
  const url = `http://127.0.0.1:${port}`;
  for (const deadline = Date.now() + 60_000; ; ) {
    if (proc.exitCode !== null) throw new Error(`node exited (${proc.exitCode}): ${err}`);
    if (
      await fetch(`${url}/v1/healthz`).then(
        (r) => r.ok,
        () => false,
      )
    )
      return { url, proc };
    if (Date.now() > deadline) throw new Error(`node not healthy: ${err}`);
    await sleep(200);
  }
}

async function stop(p: ChildProcess): Promise<void> {
  if (p.exitCode !== null || p.signalCode !== null) return;
  const gone = new Promise((r) => p.once("exit", r));
  p.kill("SIGTERM");
  await Promise.race([gone, sleep(5000)]);
  p.kill("SIGKILL");
}

async function measure(
  topology: FanoutRow["topology"],
  redisEnv: Record<string, string>,
  redisPorts: number[],
  nodeCount: number,
  opts: { mysqlAdmin: string; messages: number; ratePerSec: number },
): Promise<FanoutRow> {
  const dbName = `parley_fanout_${randomBytes(5).toString("hex")}`;
  const admin = await mysql.createConnection(opts.mysqlAdmin);
  await admin.query(`CREATE DATABASE \`${dbName}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
  await admin.end();
  const dataDir = mkdtempSync(path.join(os.tmpdir(), "parley-fanout-"));
  const env: Record<string, string> = {
    PARLEY_DEMO: "0",
    HOST: "127.0.0.1",
    DATA_DIR: dataDir,
    DATABASE_URL: `${opts.mysqlAdmin}/${dbName}`,
    JWT_SECRET: `fanout-${randomBytes(24).toString("hex")}`,
    NODE_ENV: "test",
    BCRYPT_COST: "4",
    LOG_LEVEL: "warn",
    REDIS_PREFIX: `fanout-${randomBytes(3).toString("hex")}:`,
    RATE_LIMIT_AUTH_PER_IP: "10000000",
    RATE_LIMIT_MESSAGES_PER_USER: "100000000",
    RATE_LIMIT_MESSAGES_PER_APP: "100000000",
    ...redisEnv,
  };
  const nodes: NodeProc[] = [];
  const sockets: Socket[] = [];
  try {
    // The first node migrates; the others start on the migrated database.
    nodes.push(await startNode(env));
    nodes.push(...(await Promise.all(Array.from({ length: nodeCount - 1 }, () => startNode(env)))));
    const db = await openDb({ mysqlUrl: env["DATABASE_URL"]! });
    const app = await seedApp(db);
    await db.close();
    const register = async (url: string, i: number): Promise<{ token: string; id: string }> => {
      const r = await fetch(`${url}/v1/auth/register`, {
        method: "POST",
        headers: { "Content-Type": "application/json", "X-Parley-App": app },
        body: JSON.stringify({ email: `f${i}-${randomBytes(3).toString("hex")}@bench.example`, password: "fanout-bench-password", displayName: `F${i}` }),
      });
      const body = (await r.json()) as { accessToken: string; user: { id: string } };
      return { token: body.accessToken, id: body.user.id };
    };
    const latencies: number[] = [];
    const sentAt = new Map<string, number>();
    let delivered = 0;
    const pairs: { sender: Socket; conversationId: string }[] = [];
    for (let i = 0; i < PAIRS; i++) {
      const [na, nb] = [nodes[i % nodeCount]!, nodes[(i + 1) % nodeCount]!];
      const a = await register(na.url, 2 * i);
      const b = await register(nb.url, 2 * i + 1);
      const dm = await fetch(`${na.url}/v1/conversations/direct`, {
        method: "POST",
        headers: { "Content-Type": "application/json", Authorization: `Bearer ${a.token}` },
        body: JSON.stringify({ userId: b.id }),
      });
      const conversationId = ((await dm.json()) as { conversation: { id: string } }).conversation.id;
      const open = (url: string, token: string): Promise<Socket> =>
        new Promise((resolve, reject) => {
          // As the SDK connects: a send's own event comes in its ack (ownEcho: false).
          const s = ioc(url, { auth: { token, ownEcho: false }, transports: ["websocket"], reconnection: false, forceNew: true });
          sockets.push(s);
          s.once("connect", () => resolve(s));
          s.once("connect_error", reject);
        });
      const sender = await open(na.url, a.token);
      const receiver = await open(nb.url, b.token);
      receiver.on("message.new", (e: { data: { message: { clientMessageId: string | null } } }) => {
        const t = sentAt.get(e.data.message.clientMessageId ?? "");
        if (t === undefined) return;
        latencies.push(performance.now() - t);
        delivered++;
      });
      pairs.push({ sender, conversationId });
    }
    const pids = nodes.map((n) => n.proc.pid!);
    const cpu0 = pids.map(cpuSec);
    const r0 = await redisTotals(redisPorts);
    const every = 1000 / opts.ratePerSec;
    const start = performance.now();
    const acks: Promise<unknown>[] = [];
    let acked = 0;
    for (let k = 0; k < opts.messages; k++) {
      const due = start + k * every;
      const wait = due - performance.now();
      if (wait > 1) await sleep(wait);
      const p = pairs[k % pairs.length]!;
      const clientMessageId = `b${k}`;
      sentAt.set(clientMessageId, performance.now());
      acks.push(
        p.sender
          .timeout(10_000)
          .emitWithAck("message.send", { conversationId: p.conversationId, text: `bench ${k}`, clientMessageId })
          .then(
            (a: { ok?: boolean }) => void (a?.ok && acked++),
            () => undefined,
          ),
      );
    }
    await Promise.all(acks);
    for (const deadline = Date.now() + 10_000; delivered < opts.messages && Date.now() < deadline; ) await sleep(50);
    const r1 = await redisTotals(redisPorts);
    const cpu = pids.map((pid, i) => ((cpuSec(pid) - cpu0[i]!) * 1000) / opts.messages);
    latencies.sort((x, y) => x - y);
    return {
      topology,
      nodes: nodeCount,
      messages: opts.messages,
      acked,
      delivered,
      redisBytesPerMsg: (r1.bytes - r0.bytes) / opts.messages,
      redisCpuMsPerMsg: ((r1.cpu - r0.cpu) * 1000) / opts.messages,
      totalNodeCpuMsPerMsg: cpu.reduce((s, x) => s + x, 0),
      nodeCpuMsPerMsg: cpu.reduce((s, x) => s + x, 0) / cpu.length,
      maxNodeCpuMsPerMsg: Math.max(...cpu),
      p50Ms: pct(latencies, 50),
      p99Ms: pct(latencies, 99),
    };
  } finally {
    for (const s of sockets) s.close();
    await Promise.all(nodes.map((n) => stop(n.proc)));
    rmSync(dataDir, { recursive: true, force: true });
    const admin2 = await mysql.createConnection(opts.mysqlAdmin);
    await admin2.query(`DROP DATABASE IF EXISTS \`${dbName}\``);
    await admin2.end();
  }
}

/** Every row: one Redis and a cluster, each with 1, 2 and 4 nodes. */
export async function runFanout(opts: { mysqlAdmin: string; quick: boolean; log: (msg: string) => void }): Promise<FanoutRow[]> {
  const sizes = opts.quick ? { messages: 400, ratePerSec: 200 } : { messages: 3000, ratePerSec: 300 };
  const rows: FanoutRow[] = [];
  // One Redis of the bench's own (its byte counters then count only this).
  const redisPort = await freePort();
  const redisDir = mkdtempSync(path.join(os.tmpdir(), "parley-fanout-redis-"));
  const redis = spawn("redis-server", ["--port", String(redisPort), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", redisDir], {
    stdio: "ignore",
  });
  try {
    for (
      let i = 0;
      i < 100 &&
      !(await run("redis-cli", ["-p", String(redisPort), "PING"]).then(
        () => true,
        () => false,
      ));
      i++
    )
      await sleep(100);
    for (const n of [1, 2, 4]) {
      opts.log(`fanout: one Redis, ${n} node(s)`);
      rows.push(
        await measure("one Redis (streams)", { REDIS_URL: `redis://127.0.0.1:${redisPort}` }, [redisPort], n, { mysqlAdmin: opts.mysqlAdmin, ...sizes }),
      );
    }
  } finally {
    redis.kill("SIGKILL");
    rmSync(redisDir, { recursive: true, force: true });
  }
  const cluster = await startRedisCluster({ basePort: CLUSTER_PORT });
  try {
    const ports = cluster.servers.map((s) => s.port);
    for (const n of [1, 2, 4]) {
      opts.log(`fanout: Redis Cluster, ${n} node(s)`);
      rows.push(
        await measure("Redis Cluster (sharded)", { REDIS_CLUSTER_NODES: cluster.seeds.join(",") }, ports, n, { mysqlAdmin: opts.mysqlAdmin, ...sizes }),
      );
    }
  } finally {
    await cluster.stop();
  }
  return rows;
}

/** The rows as a table. */
export function fanoutTable(rows: FanoutRow[]): string {
  const f = (n: number | null, d = 1): string => (n === null || !Number.isFinite(n) ? "-" : n.toFixed(d));
  return [
    "topology | nodes | acked, delivered | Redis bytes/msg | Redis CPU ms/msg | nodes' CPU ms/msg (all, mean, max) | latency p50 / p99 ms",
    "---|---|---|---|---|---|---",
    ...rows.map(
      (r) =>
        `${r.topology} | ${r.nodes} | ${r.acked}, ${r.delivered} of ${r.messages} | ${f(r.redisBytesPerMsg, 0)} | ${f(r.redisCpuMsPerMsg, 3)} | ${f(r.totalNodeCpuMsPerMsg, 2)}, ${f(r.nodeCpuMsPerMsg, 2)}, ${f(r.maxNodeCpuMsPerMsg, 2)} | ${f(r.p50Ms)} / ${f(r.p99Ms)}`,
    ),
  ].join("\n");
}
