/**
 * Parley benchmark: `npm run bench` (full) or `npm run bench -- --quick`.
 * Options: --quick, --out <file.json>, --only <scenario,...> (one-to-one,typing,group,idle,history,sync,search,login; and
 * fanout, only when named: Redis bytes and CPU per message by topology and node count, see fanout.ts),
 * --db <sqlite,mysql>, --rates <n,...>, --big-group <n> (the big group row's size: 5,000 full, 500 quick),
 * --peer ejabberd. Starts everything it measures as child processes on
 * 127.0.0.1: Parley on SQLite and on MariaDB (root@127.0.0.1:3306, a throwaway database), a bare Socket.IO
 * relay, and with --peer ejabberd the distribution's ejabberd (ejabberd.ts: its archive on the same MariaDB,
 * driven over XMPP websockets by the same workers; 1:1 ladder only; skipped with a note when not installed).
 * Prints one table, the Parley/relay (and ejabberd/relay) ratios, and writes a JSON file. Figures are
 * reported, not asserted.
 */
import { fork, spawn, execSync, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { freePort } from "./ports.js";
import os from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import bcrypt from "bcrypt";
import mysql from "mysql2/promise";
import { documentText } from "../src/search/terms.js";
import {
  openDb,
  seedApp,
  seedDms,
  seedEvents,
  seedGroup,
  seedHistory,
  seedLastMessages,
  seedMemberships,
  seedSearchCorpus,
  seedUsers,
  type Db,
  type SeededUser,
} from "./seed.js";
import type { CatchUp, ClientSpec } from "./worker.js";
import { fanoutTable, runFanout, type FanoutRow } from "./fanout.js";
import { ejabberdPreflight, type EjabberdInstall, type PeerCleanup, startEjabberd } from "./ejabberd.js";

const ROOT = path.resolve(import.meta.dirname, "../..");
const args = process.argv.slice(2);
const flag = (name: string): string | undefined => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const QUICK = args.includes("--quick");
const ONLY = flag("--only")?.split(",");
const DBS = (flag("--db") ?? "sqlite,mysql").split(",") as ("sqlite" | "mysql")[];
const MYSQL_ADMIN = process.env["PARLEY_BENCH_MYSQL_URL"] ?? "mysql://root@127.0.0.1:3306";
/** The admin URL as printed: without its password. */
const MYSQL_SHOWN = MYSQL_ADMIN.replace(/\/\/([^:@/]*):[^@/]*@/, "//$1:***@");
// --peer ejabberd: the same 1:1 ladder against ejabberd (ejabberd.ts). The only peer so far.
const PEERS = ["ejabberd"] as const;
const PEER = flag("--peer");
if (PEER !== undefined && !(PEERS as readonly string[]).includes(PEER)) {
  process.stderr.write(`--peer ${PEER}: unknown peer (known: ${PEERS.join(", ")})\n`);
  process.exit(2);
}
const JWT_SECRET = `bench-${randomBytes(24).toString("hex")}`;
const WORKERS = 2;
const P99_LIMIT_MS = 50;
const SIZE: {
  clients: number;
  rates: number[];
  stepMs: number;
  groupMembers: number;
  /** The big group (issue 34: 5,000 members at 10 msg/s, p99 <= 100 ms): its members seeded and connected for that row only. */
  bigGroupMembers: number;
  groupSecs: number;
  idle: number;
  history: number;
  convList: number;
  loginSecs: number;
  httpReqs: number;
  syncEvents: number;
  quietUsers: number;
  syncGroupMessages: number;
  searchMessages: number;
} = QUICK
  ? {
      clients: 100,
      rates: [250, 1000, 2000],
      stepMs: 1500,
      groupMembers: 100,
      bigGroupMembers: 500,
      groupSecs: 2,
      idle: 1000,
      history: 20_000,
      convList: 500,
      loginSecs: 2,
      httpReqs: 50,
      syncEvents: 20_000,
      quietUsers: 50,
      syncGroupMessages: 20,
      searchMessages: 100_000,
    }
  : {
      clients: 1000,
      rates: [500, 1000, 2000, 3000, 4000, 5000, 6000],
      stepMs: 5000,
      groupMembers: 1000,
      bigGroupMembers: 5000,
      groupSecs: 10,
      idle: 10_000,
      history: 1_000_000,
      convList: 500,
      loginSecs: 5,
      httpReqs: 300,
      syncEvents: 1_000_000,
      quietUsers: 50,
      syncGroupMessages: 100,
      searchMessages: 1_000_000,
    };
// --rates 1000,2000 replaces the 1:1/typing ladder (for development; the table says which rates ran).
const RATES = flag("--rates")
  ?.split(",")
  .map(Number)
  .filter((n) => Number.isFinite(n) && n > 0);
if (RATES?.length) SIZE.rates = RATES;
// --big-group 2000 replaces the big group's size (for development; the row says its size).
const BIG_GROUP = Number(flag("--big-group"));
if (Number.isInteger(BIG_GROUP) && BIG_GROUP >= 2) SIZE.bigGroupMembers = BIG_GROUP;
const DRAIN_MS = 3000;
/** The local MariaDB server process, when there is one: its CPU is reported beside Parley's. */
const DB_PID = (() => {
  try {
    return (
      Number(
        execSync("pgrep -xo mariadbd || pgrep -xo mysqld", { stdio: ["ignore", "pipe", "ignore"] })
          .toString()
          .trim(),
      ) || null
    );
  } catch {
    return null;
  }
})();
const PER_SOCKET_LIMIT = 30;
/** The server's typing throttle (TYPING_THROTTLE_MS in server/src/realtime/realtime.ts). */
const TYPING_THROTTLE_MS = 1000;
const want = (s: string): boolean => !ONLY || ONLY.includes(s);

// ---------- small utilities ----------
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const now = (): number => performance.timeOrigin + performance.now();
let CLK_TCK = 100;
try {
  CLK_TCK = Number(execSync("getconf CLK_TCK").toString().trim()) || 100;
} catch {
  /* default */
}
function log(msg: string): void {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${msg}\n`);
}
function pct(sorted: number[], p: number): number | null {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}
/** CPU seconds (user+system) of a process, from /proc/<pid>/stat. */
function cpuSec(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(f[11]) + Number(f[12])) / CLK_TCK;
  } catch {
    return NaN;
  }
}
/** Resident set size in MB, from /proc/<pid>/status. */
function rssMb(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+)\s+kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return m ? Number(m[1]) / 1024 : NaN;
  } catch {
    return NaN;
  }
}
/** Samples a process during a window: CPU% (of one core) over the window and peak RSS. */
function sampler(pid: number): { stop(): { cpuPct: number; rssMb: number } } {
  const c0 = cpuSec(pid);
  const t0 = now();
  let peak = rssMb(pid);
  const timer = setInterval(() => (peak = Math.max(peak, rssMb(pid))), 250);
  return {
    stop() {
      clearInterval(timer);
      peak = Math.max(peak, rssMb(pid));
      return { cpuPct: ((cpuSec(pid) - c0) / ((now() - t0) / 1000)) * 100, rssMb: peak };
    },
  };
}

// ---------- child processes ----------
interface Target {
  name: string;
  kind: "parley" | "relay" | "ejabberd";
  url: string;
  pid: number;
  db?: Db;
  appId?: string;
  /** mariadbd's CPU is sampled beside the server's (Parley/MariaDB, ejabberd's archive). */
  dbCpu?: boolean;
  /** ejabberd: its users (XMPP over WebSocket) and the archive's row count, checked after each step. */
  xmpp?: { domain: string; users: { user: string; password: string }[]; archiveRows(): Promise<number> };
  stop(): Promise<void>;
}
const children = new Set<ChildProcess>();
/** What a peer started that children does not cover (ejabberd's beam.smp: a grandchild in a process group of its own): killed on exit, dropped on Ctrl-C. */
const peers = new Set<PeerCleanup>();
function killAll(): void {
  for (const c of children) if (c.exitCode === null) c.kill("SIGKILL");
  for (const p of peers) p.killNow();
}
process.on("exit", killAll);
for (const sig of ["SIGINT", "SIGTERM"] as const) {
  process.on(sig, () => {
    killAll();
    // The peer's throwaway database and MariaDB user go too (bounded: a dead MariaDB must not hang the exit).
    const done = (): void => process.exit(130);
    setTimeout(done, 10_000).unref();
    void Promise.allSettled([...peers].map((p) => p.abort())).then(done);
  });
}

function stopChild(c: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (c.exitCode !== null || c.signalCode !== null) return resolve();
    const t = setTimeout(() => c.kill("SIGKILL"), 5000);
    c.once("exit", () => {
      clearTimeout(t);
      children.delete(c);
      resolve();
    });
    c.kill("SIGTERM");
  });
}

async function waitHealthy(url: string, child: ChildProcess, stderr: () => string): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`server exited (${child.exitCode}): ${stderr().slice(-2000)}`);
    try {
      const r = await fetch(`${url}/v1/healthz`);
      if (r.ok) return;
    } catch {
      /* not yet */
    }
    await sleep(200);
  }
  throw new Error(`server did not become healthy: ${stderr().slice(-2000)}`);
}

async function startParley(db: "sqlite" | "mysql", extraEnv: Record<string, string> = {}): Promise<Target> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), "parley-bench-"));
  let dbUrl: string | undefined;
  let dbName: string | undefined;
  if (db === "mysql") {
    dbName = `parley_bench_${randomBytes(5).toString("hex")}`;
    const admin = await mysql.createConnection(MYSQL_ADMIN);
    await admin.query(`CREATE DATABASE \`${dbName}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
    await admin.end();
    dbUrl = `${MYSQL_ADMIN}/${dbName}`;
  }
  const port = await freePort();
  const env: Record<string, string> = {
    ...(process.env as Record<string, string>),
    PARLEY_DEMO: "0",
    PORT: String(port),
    HOST: "127.0.0.1",
    DATA_DIR: dataDir,
    JWT_SECRET,
    BCRYPT_COST: "10",
    NODE_ENV: "production",
    LOG_LEVEL: "warn",
    RATE_LIMIT_AUTH_PER_IP: "10000000",
    RATE_LIMIT_LOGIN_PER_EMAIL: "1000000",
    // One app carries all the load here: the per-app and per-user message quotas would cap it.
    RATE_LIMIT_MESSAGES_PER_USER: "100000000",
    RATE_LIMIT_MESSAGES_PER_APP: "100000000",
    // The search scenarios measure search itself, not its per-user and per-app limits.
    RATE_LIMIT_SEARCH_PER_USER: "100000000",
    RATE_LIMIT_SEARCH_PER_APP: "100000000",
    // The sync scenario creates a 1,000-member group of strangers through the API.
    GROUP_DIRECT_ADD: "1",
    GROUP_MEMBERS_ADDED_PER_HOUR: "100000000",
    ACCESS_TOKEN_TTL_SEC: "21600",
    ...extraEnv,
  };
  // One node, the database the bench chose: ignore a DATABASE_URL / REDIS_URL from the caller.
  delete env["DATABASE_URL"];
  delete env["REDIS_URL"];
  if (dbUrl) env["DATABASE_URL"] = dbUrl;
  // PARLEY_BENCH_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" profiles the server under load.
  const nodeArgs = (process.env["PARLEY_BENCH_NODE_ARGS"] ?? "").split(" ").filter(Boolean);
  const child = spawn(process.execPath, [...nodeArgs, "--import", "tsx", "server/src/main.ts"], { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
  children.add(child);
  let err = "";
  child.stderr!.on("data", (d: Buffer) => (err = (err + d.toString()).slice(-20_000)));
  child.stdout!.on("data", (d: Buffer) => (err = (err + d.toString()).slice(-20_000)));
  let stopping = false;
  // A server that dies mid-scenario says why (the scenario then fails on a closed connection).
  child.once("exit", (code, signal) => {
    if (!stopping) log(`Parley/${db} exited unexpectedly (${code ?? signal}): ${err.slice(-3000)}`);
  });
  const url = `http://127.0.0.1:${port}`;
  await waitHealthy(url, child, () => err);
  const handle = await openDb(dbUrl ? { mysqlUrl: dbUrl } : { sqliteFile: path.join(dataDir, "parley.sqlite") });
  const appId = await seedApp(handle);
  return {
    name: `Parley/${db === "sqlite" ? "SQLite" : "MariaDB"}`,
    kind: "parley",
    url,
    pid: child.pid!,
    db: handle,
    appId,
    dbCpu: db === "mysql",
    async stop() {
      stopping = true;
      await handle.close().catch(() => undefined);
      await stopChild(child);
      rmSync(dataDir, { recursive: true, force: true });
      if (dbName) {
        const admin = await mysql.createConnection(MYSQL_ADMIN);
        await admin.query(`DROP DATABASE IF EXISTS \`${dbName}\``);
        await admin.end();
      }
    },
  };
}

async function startRelay(): Promise<Target> {
  const child = spawn(
    process.execPath,
    [...(process.env["PARLEY_BENCH_NODE_ARGS"] ?? "").split(" ").filter(Boolean), "--import", "tsx", "server/bench/relay.ts"],
    { cwd: ROOT, env: { ...process.env, PORT: "0" }, stdio: ["ignore", "pipe", "pipe"] },
  );
  children.add(child);
  const port = await new Promise<number>((resolve, reject) => {
    let buf = "";
    const t = setTimeout(() => reject(new Error("relay did not start")), 30_000);
    child.stdout!.on("data", (d: Buffer) => {
      buf += d.toString();
      const m = /\{"port":(\d+)\}/.exec(buf);
      if (m) {
        clearTimeout(t);
        resolve(Number(m[1]));
      }
    });
    child.once("exit", (code) => reject(new Error(`relay exited ${code}`)));
  });
  return { name: "Relay (bare Socket.IO)", kind: "relay", url: `http://127.0.0.1:${port}`, pid: child.pid!, stop: () => stopChild(child) };
}

// ---------- load-generator workers ----------
class Worker {
  private seq = 0;
  private waiting = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  readonly child: ChildProcess;
  constructor(readonly index: number) {
    this.child = fork(path.join(ROOT, "server/bench/worker.ts"), [], {
      execArgv: ["--import", "tsx"],
      cwd: ROOT,
      stdio: ["ignore", "inherit", "inherit", "ipc"],
    });
    children.add(this.child);
    this.child.on("message", (m: { id: number; data?: unknown; error?: string }) => {
      const w = this.waiting.get(m.id);
      if (!w) return;
      this.waiting.delete(m.id);
      if (m.error) w.reject(new Error(m.error));
      else w.resolve(m.data);
    });
  }
  call<T>(cmd: Record<string, unknown>, timeoutMs = 300_000): Promise<T> {
    const id = ++this.seq;
    return new Promise<T>((resolve, reject) => {
      const t = setTimeout(() => {
        this.waiting.delete(id);
        reject(new Error(`worker ${this.index}: ${String(cmd["cmd"])} timed out`));
      }, timeoutMs);
      this.waiting.set(id, {
        resolve: (v) => {
          clearTimeout(t);
          resolve(v as T);
        },
        reject: (e) => {
          clearTimeout(t);
          reject(e);
        },
      });
      this.child.send({ ...cmd, id });
    });
  }
}

interface Collected {
  sent: number;
  /** What the server delivers of `sent`: all messages; typing after its per-socket throttle. */
  expected: number;
  received: number;
  ackOk: number;
  ackErr: number;
  errCodes: Record<string, number>;
  lat: number[];
  cpuMs: number;
  wallMs: number;
}

/** Connects clients[i] on worker assign(i); returns per-worker local index for each client. */
async function connectClients(
  workers: Worker[],
  url: string,
  clients: ClientSpec[],
  assign: (i: number) => number,
  opts: { concurrency?: number; catchUpSince?: number } = {},
): Promise<{ local: { w: number; idx: number }[]; ok: number; failed: number; ms: number; error?: string; catchUp?: CatchUp[] }> {
  const per: ClientSpec[][] = workers.map(() => []);
  const local: { w: number; idx: number }[] = [];
  clients.forEach((c, i) => {
    const w = assign(i);
    local.push({ w, idx: per[w]!.length });
    per[w]!.push(c);
  });
  const t0 = now();
  const res = await Promise.all(
    workers.map((w, i) =>
      w.call<{ ok: number; failed: number; ms: number; error?: string; catchUp?: CatchUp }>({
        cmd: "connect",
        url,
        clients: per[i],
        concurrency: opts.concurrency ?? 100,
        timeoutMs: 30_000,
        ...(opts.catchUpSince === undefined ? {} : { catchUpSince: opts.catchUpSince }),
      }),
    ),
  );
  const error = res.find((r) => r.error)?.error;
  const catchUp = res.flatMap((r) => (r.catchUp ? [r.catchUp] : []));
  return {
    local,
    ok: res.reduce((a, r) => a + r.ok, 0),
    failed: res.reduce((a, r) => a + r.failed, 0),
    ms: now() - t0,
    ...(error ? { error } : {}),
    ...(catchUp.length ? { catchUp } : {}),
  };
}

async function disconnectAll(workers: Worker[]): Promise<void> {
  await Promise.all(workers.map((w) => w.call({ cmd: "disconnect" })));
  await sleep(300);
}

interface Row {
  scenario: string;
  target: string;
  load: string;
  throughput: string;
  p50: number | null;
  p95: number | null;
  p99: number | null;
  serverCpuPct: number | null;
  serverRssMb: number | null;
  /** mariadbd's CPU over the same window (MariaDB targets): the database's share of the cost. */
  dbCpuPct?: number | null;
  genCpuPct: number | null;
  delivered: string;
  result: string;
  extra?: Record<string, unknown>;
}
const rows: Row[] = [];
function addRow(r: Row): void {
  rows.push(r);
  log(
    `${r.scenario} | ${r.target} | ${r.load} | ${r.throughput} | p50 ${fmt(r.p50)} p95 ${fmt(r.p95)} p99 ${fmt(r.p99)} | cpu ${fmt(r.serverCpuPct, 0)}% rss ${fmt(r.serverRssMb, 0)}MB | gen ${fmt(r.genCpuPct, 0)}% | ${r.delivered} | ${r.result}`,
  );
}
/** The row of sequential GETs (`httpLatency`): latency percentiles, server CPU and memory, 2xx count. */
function addGetRow(
  scenario: string,
  targetName: string,
  r: { sorted: number[]; errors: number },
  srv: { cpuPct: number; rssMb: number },
  extra?: Record<string, unknown>,
): void {
  addRow({
    scenario,
    target: targetName,
    load: `${r.sorted.length} seq. GETs`,
    throughput: `${(1000 / (r.sorted.reduce((a, b) => a + b, 0) / Math.max(1, r.sorted.length))).toFixed(0)} req/s`,
    p50: pct(r.sorted, 50),
    p95: pct(r.sorted, 95),
    p99: pct(r.sorted, 99),
    serverCpuPct: srv.cpuPct,
    serverRssMb: srv.rssMb,
    genCpuPct: null,
    delivered: `${r.sorted.length - r.errors}/${r.sorted.length} 2xx`,
    result: r.errors ? "FAIL" : "OK",
    ...(extra ? { extra } : {}),
  });
}
function fmt(n: number | null | undefined, d = 1): string {
  return n === null || n === undefined || Number.isNaN(n) ? "-" : n.toFixed(d);
}

/**
 * One load step: every worker sends `rate` (split across workers by their share of senders) for
 * stepMs; then waits until everything expected arrived or DRAIN_MS passed.
 */
async function step(
  workers: Worker[],
  target: Target,
  kind: "message" | "typing",
  senders: { w: number; idx: number; conv: string }[],
  rate: number,
  durationMs: number,
  deliveriesPerSend: number,
): Promise<{ c: Collected; srv: { cpuPct: number; rssMb: number }; dbCpuPct: number | null; genCpuPct: number; sendWallMs: number }> {
  const tag = `t${randomBytes(4).toString("hex")}`;
  const byWorker = workers.map((_, i) => senders.filter((s) => s.w === i).map((s) => ({ idx: s.idx, conv: s.conv })));
  const smp = sampler(target.pid);
  const dbSmp = target.dbCpu && DB_PID ? sampler(DB_PID) : null;
  const t0 = now();
  await Promise.all(
    workers.map((w, i) => {
      const share = byWorker[i]!.length / senders.length;
      // Parley throttles typing relays (1 per second per socket and conversation); the bare relay does not.
      const typingThrottleMs = kind === "typing" && target.kind === "parley" ? TYPING_THROTTLE_MS : 0;
      return w.call({ cmd: "start", tag, kind, senders: byWorker[i], rate: rate * share, durationMs, typingThrottleMs });
    }),
  );
  const sendWallMs = now() - t0;
  const srv = smp.stop();
  const dbCpuPct = dbSmp ? dbSmp.stop().cpuPct : null;
  const deadline = now() + DRAIN_MS;
  while (now() < deadline) {
    const st = await Promise.all(workers.map((w) => w.call<{ received: number; pendingAcks: number; expected: number }>({ cmd: "stats" })));
    const expected = st.reduce((a, s) => a + s.expected, 0);
    if (st.reduce((a, s) => a + s.received, 0) >= expected * deliveriesPerSend && st.every((s) => s.pendingAcks === 0)) break;
    await sleep(100);
  }
  const parts = await Promise.all(workers.map((w) => w.call<Collected>({ cmd: "collect" })));
  const c: Collected = { sent: 0, expected: 0, received: 0, ackOk: 0, ackErr: 0, errCodes: {}, lat: [], cpuMs: 0, wallMs: 0 };
  for (const p of parts) {
    c.sent += p.sent;
    c.expected += p.expected;
    c.received += p.received;
    c.ackOk += p.ackOk;
    c.ackErr += p.ackErr;
    for (const [k, v] of Object.entries(p.errCodes)) c.errCodes[k] = (c.errCodes[k] ?? 0) + v;
    for (const l of p.lat) c.lat.push(l);
    c.cpuMs += p.cpuMs;
    c.wallMs = Math.max(c.wallMs, p.wallMs);
  }
  c.lat.sort((a, b) => a - b);
  return { c, srv, dbCpuPct, genCpuPct: (c.cpuMs / c.wallMs) * 100, sendWallMs };
}

interface LadderPoint {
  rate: number;
  throughput: number;
  p99: number | null;
  complete: boolean;
  ok: boolean;
  serverCpuPct: number;
}
const ladders: Record<string, LadderPoint[]> = {};

/** 1:1 messages or typing over the DM pairs, rising offered rates until p99 > 50 ms or loss. */
async function ladder(workers: Worker[], target: Target, kind: "message" | "typing", dmSenders: { w: number; idx: number; conv: string }[]): Promise<void> {
  const scenario = kind === "message" ? "1:1 messages" : "Typing (1:1)";
  const key = `${scenario}|${target.name}`;
  ladders[key] = [];
  // ejabberd acks nothing: after each step its archive must hold two rows (the sender's and the
  // recipient's) per delivered message, or the step fails. Counted after the drain, outside the window.
  const archive = target.xmpp?.archiveRows;
  const measured = async (rate: number, ms: number): Promise<Awaited<ReturnType<typeof step>> & { archived: number | null }> => {
    const a0 = archive ? await archive() : 0;
    const r = await step(workers, target, kind, dmSenders, rate, ms, 1);
    return { ...r, archived: archive ? (await archive()) - a0 : null };
  };
  const isComplete = (c: Collected, archived: number | null): boolean =>
    c.received >= c.expected && c.ackErr === 0 && (archived === null || archived >= 2 * c.received);
  // Warm-up (JIT, statement caches, pools): 50/s, not recorded.
  await step(workers, target, kind, dmSenders, 50, QUICK ? 500 : 1000, 1);
  for (const rate of SIZE.rates) {
    const perSocket = rate / dmSenders.length;
    if (perSocket > PER_SOCKET_LIMIT * 0.9) {
      log(`${scenario} ${target.name}: ${rate}/s needs ${perSocket.toFixed(1)} events/s per socket (limit ${PER_SOCKET_LIMIT}); stopping the ladder`);
      break;
    }
    let { c, srv, dbCpuPct, genCpuPct, sendWallMs, archived } = await measured(rate, SIZE.stepMs);
    let p99 = pct(c.lat, 99);
    let complete = isComplete(c, archived);
    let ok = complete && p99 !== null && p99 <= P99_LIMIT_MS;
    let firstTry: Record<string, unknown> | undefined;
    if (complete && !ok) {
      // A latency-only miss is repeated once: on a shared 2-core box one stall (GC, a neighbour's
      // test suite) should not end the ladder. Both attempts are kept in the JSON.
      firstTry = { p50: pct(c.lat, 50), p95: pct(c.lat, 95), p99, serverCpuPct: srv.cpuPct };
      log(`${scenario} ${target.name} ${rate}/s: p99 ${fmt(p99)} ms > ${P99_LIMIT_MS}; repeating the step once`);
      ({ c, srv, dbCpuPct, genCpuPct, sendWallMs, archived } = await measured(rate, SIZE.stepMs));
      p99 = pct(c.lat, 99);
      complete = isComplete(c, archived);
      ok = complete && p99 !== null && p99 <= P99_LIMIT_MS;
    }
    const completeness = c.expected ? c.received / c.expected : 0;
    const throughput = c.received / (sendWallMs / 1000);
    const errs = Object.entries(c.errCodes)
      .map(([k, v]) => `${k}:${v}`)
      .join(" ");
    addRow({
      scenario,
      target: target.name,
      load: `${rate}/s offered`,
      throughput: `${throughput.toFixed(0)} msg/s`,
      p50: pct(c.lat, 50),
      p95: pct(c.lat, 95),
      p99,
      serverCpuPct: srv.cpuPct,
      dbCpuPct,
      serverRssMb: srv.rssMb,
      genCpuPct,
      // Typing: relayed of what the throttle lets through, and how many the clients emitted.
      delivered: `${c.received}/${c.expected} (${(completeness * 100).toFixed(1)}%)${c.expected !== c.sent ? ` of ${c.sent} emitted` : ""}${archived !== null ? ` ${archived} archived` : ""}${errs ? " " + errs : ""}`,
      result: (!complete ? "FAIL" : ok ? "OK" : "p99>50ms") + (firstTry ? " (2nd try)" : ""),
      extra: { ackErr: c.ackErr, errCodes: c.errCodes, sendWallMs, ...(archived !== null ? { archiveRows: archived } : {}), ...(firstTry ? { firstTry } : {}) },
    });
    ladders[key]!.push({ rate, throughput, p99, complete, ok, serverCpuPct: srv.cpuPct });
    if (!ok) break;
  }
}

// ---------- scenarios per target ----------
async function realtimeScenarios(workers: Worker[], target: Target): Promise<void> {
  const n = SIZE.clients;
  let users: { id: string; token?: string }[];
  let dmConvs: string[];
  let groupConv: string;
  const groupSize = SIZE.groupMembers;
  // Also 10 smaller groups of groupSize / 10 members each (members 0.., disjoint).
  const smallSize = Math.floor(groupSize / 10);
  let smallConvs: string[];
  if (target.kind === "parley") {
    const db = target.db!;
    const hash = await bcrypt.hash("bench-password", 10);
    const seeded = await seedUsers(db, target.appId!, Math.max(n, groupSize), { jwtSecret: JWT_SECRET, passwordHash: hash, prefix: "rt" });
    users = seeded;
    dmConvs = await seedDms(
      db,
      target.appId!,
      Array.from({ length: n / 2 }, (_, k) => [seeded[2 * k]!.id, seeded[2 * k + 1]!.id] as [string, string]),
    );
    groupConv = await seedGroup(
      db,
      target.appId!,
      "Bench group",
      seeded.slice(0, groupSize).map((u) => u.id),
    );
    smallConvs = [];
    for (let g = 0; g < 10; g++)
      smallConvs.push(
        await seedGroup(
          db,
          target.appId!,
          `Small group ${g}`,
          seeded.slice(g * smallSize, (g + 1) * smallSize).map((u) => u.id),
        ),
      );
  } else {
    users = Array.from({ length: Math.max(n, groupSize) }, (_, i) => ({ id: `u${i}` }));
    dmConvs = Array.from({ length: n / 2 }, (_, k) => `dm${k}`);
    groupConv = "group";
    smallConvs = Array.from({ length: 10 }, (_, g) => `small${g}`);
  }
  const clients: ClientSpec[] = users.map((u, i) => {
    const rooms = [...(i < n ? [dmConvs[Math.floor(i / 2)]!] : []), ...(i < groupSize ? [groupConv, smallConvs[Math.floor(i / smallSize)]!] : [])];
    return target.kind === "parley" ? { userId: u.id, token: u.token! } : { userId: u.id, rooms };
  });
  // DM pairs share a worker (typing latency is matched in-process); pair k on worker k % W.
  const assign = (i: number): number => Math.floor(i / 2) % WORKERS;
  const conn = await connectReported(workers, target, clients, assign);
  const dmSenders = Array.from({ length: n }, (_, i) => ({ ...conn.local[i]!, conv: dmConvs[Math.floor(i / 2)]! }));
  await sleep(1000);
  if (want("one-to-one")) await ladder(workers, target, "message", dmSenders);
  if (want("typing")) await ladder(workers, target, "typing", dmSenders);
  if (want("group")) {
    // One sender (member 0) at 10 msg/s; every other member's socket should get each message.
    const sender = [{ ...conn.local[0]!, conv: groupConv }];
    await groupRow(workers, target, groupSize, sender);
    // Ten groups at once: member 0 of each sends 10 msg/s (100 msg/s in all).
    const senders = smallConvs.map((conv, g) => ({ ...conn.local[g * smallSize]!, conv }));
    const r = await step(workers, target, "message", senders, 100, SIZE.groupSecs * 1000, smallSize - 1);
    const expectedSmall = r.c.sent * (smallSize - 1);
    addRow({
      scenario: `Group fan-out (10 groups of ${smallSize})`,
      target: target.name,
      load: "10 x 10 msg/s",
      throughput: `${(r.c.received / (r.sendWallMs / 1000)).toFixed(0)} deliv/s`,
      p50: pct(r.c.lat, 50),
      p95: pct(r.c.lat, 95),
      p99: pct(r.c.lat, 99),
      serverCpuPct: r.srv.cpuPct,
      dbCpuPct: r.dbCpuPct,
      serverRssMb: r.srv.rssMb,
      genCpuPct: r.genCpuPct,
      delivered: `${r.c.received}/${expectedSmall} (${((r.c.received / Math.max(1, expectedSmall)) * 100).toFixed(1)}%)`,
      result: r.c.received >= expectedSmall && r.c.ackErr === 0 ? "OK" : "FAIL",
    });
  }
  await disconnectAll(workers);
  if (want("group")) await bigGroupScenario(workers, target);
}

/** One sender at 10 msg/s into a group of `size`; every other member's socket should get each message. */
async function groupRow(
  workers: Worker[],
  target: Target,
  size: number,
  sender: { w: number; idx: number; conv: string }[],
  extra?: Record<string, unknown>,
): Promise<void> {
  const { c, srv, dbCpuPct, genCpuPct, sendWallMs } = await step(workers, target, "message", sender, 10, SIZE.groupSecs * 1000, size - 1);
  const expected = c.sent * (size - 1);
  addRow({
    scenario: `Group fan-out (${size} members)`,
    target: target.name,
    load: "10 msg/s",
    throughput: `${(c.received / (sendWallMs / 1000)).toFixed(0)} deliv/s`,
    p50: pct(c.lat, 50),
    p95: pct(c.lat, 95),
    p99: pct(c.lat, 99),
    serverCpuPct: srv.cpuPct,
    dbCpuPct,
    serverRssMb: srv.rssMb,
    genCpuPct,
    delivered: `${c.received}/${expected} (${((c.received / Math.max(1, expected)) * 100).toFixed(1)}%)`,
    result: c.received >= expected && c.ackErr === 0 ? "OK" : "FAIL",
    ...(extra ? { extra } : {}),
  });
}

/**
 * Issue 34's goal: one group of SIZE.bigGroupMembers (5,000) at 10 msg/s, every member's socket
 * getting each message, p99 <= 100 ms. Its members are seeded and connected for this row only
 * (after the other realtime rows' sockets are gone) and disconnected after it. Parley caps a group
 * at MESSAGE_LIMITS.groupMembersMax (1,000) through its API: this one is written to the database.
 *
 * Parley: a member coming online is told the presence of the whole group (a 5,000-entry snapshot)
 * and the group is told theirs (one frame to every online member): n^2/2 frames for everyone to
 * come online, which took 29 s of one saturated core at 1,500 members, and had not finished after
 * 5 minutes at 5,000, on the 2-core bench machine. That is not what this row measures, so each
 * member comes online first with a socket of their own while in no conversation (nobody to tell);
 * then, a tenth of the members at a time, their membership is written and they connect the socket
 * that is measured: it joins the group's room at its handshake, and its user being online already,
 * nobody is told. Each still gets the snapshot of the members written so far (by tenths: half the
 * bytes of 5,000 snapshots of 5,000). The first sockets, in no room, get nothing. The connect times
 * are logged and kept in the JSON; the row is measured once the server and workers are quiet again.
 */
async function bigGroupScenario(workers: Worker[], target: Target): Promise<void> {
  const size = SIZE.bigGroupMembers;
  const busy = [target.pid, ...workers.map((w) => w.child.pid!), ...(target.dbCpu && DB_PID ? [DB_PID] : [])];
  const assign = (i: number): number => i % WORKERS;
  const t0 = now();
  /** The sender (member 0): its measured socket, on its worker after that worker's first sockets. */
  let sender: { w: number; idx: number } | null = null;
  let failed = 0;
  let onlineMs: number | null = null;
  let conv: string;
  let connectMs: number;
  let connectCpuPct: number;
  if (target.kind === "parley") {
    const members = await seedUsers(target.db!, target.appId!, size, { jwtSecret: JWT_SECRET, passwordHash: "x", prefix: "big" });
    const clients = members.map((u) => ({ userId: u.id, token: u.token }));
    const online = await connectReported(workers, target, clients, assign);
    onlineMs = online.ms;
    const held = workers.map((_, w) => online.local.filter((l) => l.w === w).length);
    if (online.failed > 0) {
      await disconnectAll(workers);
      return;
    }
    const tenth = Math.ceil(size / 10);
    conv = "";
    const smp = sampler(target.pid);
    const c0 = now();
    for (let from = 0; from < size; from += tenth) {
      const ids = members.slice(from, from + tenth).map((u) => u.id);
      if (from === 0) conv = await seedGroup(target.db!, target.appId!, `Big group (${size})`, ids);
      else await seedMemberships(target.db!, target.appId!, ids, [conv]);
      const part = await connectClients(workers, target.url, clients.slice(from, from + tenth), assign);
      failed += part.failed;
      if (part.error) log(`${target.name}: big group: ${part.failed} sockets failed to connect (first error: ${part.error})`);
      if (from === 0) sender = { w: part.local[0]!.w, idx: held[part.local[0]!.w]! + part.local[0]!.idx };
      for (const l of part.local) held[l.w]!++;
    }
    connectMs = now() - c0;
    connectCpuPct = smp.stop().cpuPct;
  } else {
    conv = "big";
    const clients = Array.from({ length: size }, (_, i) => ({ userId: `big${i}`, rooms: [conv] }));
    const smp = sampler(target.pid);
    const conn = await connectClients(workers, target.url, clients, assign);
    connectCpuPct = smp.stop().cpuPct;
    connectMs = conn.ms;
    failed = conn.failed;
    if (conn.error) log(`${target.name}: big group: ${conn.failed} sockets failed to connect (first error: ${conn.error})`);
    sender = conn.local[0]!;
  }
  const setupMs = now() - t0;
  const settleMs = await waitQuiet(busy, QUICK ? 10_000 : 60_000);
  log(
    `${target.name}: big group of ${size}: ${onlineMs === null ? "" : `members online (first sockets) in ${(onlineMs / 1000).toFixed(1)} s, `}group's sockets connected in ${(connectMs / 1000).toFixed(1)} s (server CPU ${connectCpuPct.toFixed(0)}%)${failed ? `, ${failed} FAILED` : ""}, quiet after ${(settleMs / 1000).toFixed(1)} s more`,
  );
  if (failed > 0) connectFailedRow(target, `${size} sockets (big group)`, size - failed, size);
  else if (sender) {
    await groupRow(workers, target, size, [{ ...sender, conv }], {
      setupMs,
      onlineMs,
      connectMs,
      connectServerCpuPct: connectCpuPct,
      settleMs,
    });
  }
  await disconnectAll(workers);
  // Parley tells the group each member's going offline once the presence grace has passed (5 s),
  // and writes their last-seen time: waited out here, so the next scenario does not pay for it.
  if (target.kind === "parley") {
    await sleep(5500);
    await waitQuiet(busy, QUICK ? 10_000 : 30_000);
  }
}

/** Waits until the processes together use under 20% of one core over half a second (at most `maxMs`); the time waited. */
async function waitQuiet(pids: number[], maxMs: number): Promise<number> {
  const t0 = now();
  while (now() - t0 < maxMs) {
    const c0 = pids.reduce((a, p) => a + cpuSec(p), 0);
    const w0 = now();
    await sleep(500);
    const pctUsed = ((pids.reduce((a, p) => a + cpuSec(p), 0) - c0) / ((now() - w0) / 1000)) * 100;
    if (pctUsed < 20) break;
  }
  return now() - t0;
}

/** connectClients, logged, with a FAIL row when any client could not connect. */
async function connectReported(
  workers: Worker[],
  target: Target,
  clients: ClientSpec[],
  assign: (i: number) => number,
): Promise<Awaited<ReturnType<typeof connectClients>>> {
  const conn = await connectClients(workers, target.url, clients, assign);
  log(`${target.name}: ${conn.ok}/${clients.length} sockets connected in ${(conn.ms / 1000).toFixed(1)} s${conn.error ? ` (first error: ${conn.error})` : ""}`);
  if (conn.failed > 0) connectFailedRow(target, `${clients.length} sockets`, conn.ok, clients.length, conn.error);
  return conn;
}

/** A FAIL row for sockets that did not connect (the scenario they were for does not run). */
function connectFailedRow(target: Target, load: string, ok: number, of: number, error?: string): void {
  addRow({
    scenario: "connect",
    target: target.name,
    load,
    throughput: "-",
    p50: null,
    p95: null,
    p99: null,
    serverCpuPct: null,
    serverRssMb: rssMb(target.pid),
    genCpuPct: null,
    delivered: `${ok}/${of}`,
    result: "FAIL",
    ...(error === undefined ? {} : { extra: { error } }),
  });
}

/**
 * The ejabberd peer: the same clients and DM pairs as Parley's 1:1 ladder (user 2k and 2k+1 write
 * to each other; pair k on worker k % W), signed in over XMPP websockets, and the same ladder.
 * A DM is addressed to the partner's bare JID; the body carries the send time as Parley's text does.
 */
async function peerScenarios(workers: Worker[], target: Target): Promise<void> {
  const { domain, users } = target.xmpp!;
  const n = SIZE.clients;
  const jid = (i: number): string => `${users[i]!.user}@${domain}`;
  const clients: ClientSpec[] = Array.from({ length: n }, (_, i) => ({
    userId: jid(i),
    xmpp: { domain, user: users[i]!.user, password: users[i]!.password },
  }));
  const conn = await connectReported(workers, target, clients, (i) => Math.floor(i / 2) % WORKERS);
  const dmSenders = Array.from({ length: n }, (_, i) => ({ ...conn.local[i]!, conv: jid(i ^ 1) }));
  await sleep(1000);
  await ladder(workers, target, "message", dmSenders);
  if (want("typing") || want("group")) log(`${target.name}: the peer runs the 1:1 ladder only (no typing, no group fan-out)`);
  await disconnectAll(workers);
}

async function idleScenario(workers: Worker[]): Promise<void> {
  const k = SIZE.idle;
  const target = await startParley("sqlite");
  let parley: IdleFigures;
  try {
    const seeded = await seedUsers(target.db!, target.appId!, k, { jwtSecret: JWT_SECRET, passwordHash: "x", prefix: "idle" });
    // Each in one DM (a room per socket, as a real user has): the storm below sends into them.
    const pairs = Array.from({ length: Math.floor(k / 2) }, (_, i): [string, string] => [seeded[2 * i]!.id, seeded[2 * i + 1]!.id]);
    const dms = await seedDms(target.db!, target.appId!, pairs);
    const clients = seeded.map((u) => ({ userId: u.id, token: u.token }));
    parley = await idleSockets(workers, target, clients);
    await reconnectStorm(
      workers,
      target,
      clients,
      dms.map((id, i) => ({ id, sender: seeded[2 * i]! })),
    );
  } finally {
    await target.stop();
  }
  // The relay at the same count: what a socket costs with no sessions, rooms of its own or auth.
  const relay = await startRelay();
  try {
    const r = await idleSockets(
      workers,
      relay,
      Array.from({ length: k }, (_, i) => ({ userId: `idle${i}`, rooms: [`idle${i}`] })),
    );
    const ratio = parley.perSocketKb / r.perSocketKb;
    idleLines.push(
      `Idle sockets (${k}): Parley/SQLite / relay: memory per socket ${ratio.toFixed(2)}x (${parley.perSocketKb.toFixed(1)} KB vs ${r.perSocketKb.toFixed(1)} KB); connects ${parley.connPerSec.toFixed(0)} vs ${r.connPerSec.toFixed(0)}/s`,
    );
    idleData.push({ scenario: `Idle sockets (${k})`, target: target.name, perSocketKbRatio: ratio, parleyKb: parley.perSocketKb, relayKb: r.perSocketKb });
  } finally {
    await relay.stop();
  }
}

/**
 * Every idle client was away (all sockets closed) while one message was sent into each DM; then
 * all of them come back at once, each connecting and paging /v1/sync from the cursor it held, as
 * the SDK does. Time until the last one has caught up; every client must have found its DM's
 * message exactly once (nothing lost, nothing twice).
 */
async function reconnectStorm(workers: Worker[], target: Target, clients: ClientSpec[], dms: { id: string; sender: { token: string } }[]): Promise<void> {
  const k = clients.length;
  const auth = { authorization: `Bearer ${clients[0]!.token}` };
  const head = (await fetch(`${target.url}/v1/sync/head`, { headers: auth }).then((r) => r.json())) as { lastSeq: number };
  // While everyone is away: one message into each DM, over REST, 50 at a time.
  let next = 0;
  let sendFailures = 0;
  const lane = async (): Promise<void> => {
    while (next < dms.length) {
      const dm = dms[next++]!;
      const r = await fetch(`${target.url}/v1/conversations/${dm.id}/messages`, {
        method: "POST",
        headers: { authorization: `Bearer ${dm.sender.token}`, "content-type": "application/json" },
        body: JSON.stringify({ text: "while you were away" }),
      });
      if (r.status !== 201) sendFailures++;
      await r.arrayBuffer();
    }
  };
  await Promise.all(Array.from({ length: 50 }, lane));
  const smp = sampler(target.pid);
  const conn = await connectClients(workers, target.url, clients, (i) => i % WORKERS, { concurrency: 500, catchUpSince: head.lastSeq });
  const srv = smp.stop();
  const caught = conn.catchUp ?? [];
  const done = caught.reduce((a, c) => a + c.done, 0);
  const duplicates = caught.reduce((a, c) => a + c.duplicates, 0);
  const retries = caught.reduce((a, c) => a + c.retries, 0);
  const retryCause = caught.find((c) => c.lastRetryError)?.lastRetryError;
  if (retries > 0) log(`${target.name}: reconnect storm: ${retries} connects or pages tried again after a backoff (the last because: ${retryCause})`);
  // In a DM's pair both find the one message (the sender's own event is in their log too).
  const inPairs = Math.floor(k / 2) * 2;
  const counts = caught.flatMap((c) => c.perClient);
  const wrong = Math.abs(counts.filter((n) => n === 1).length - inPairs) + counts.filter((n) => n > 1).length;
  const ok = conn.ok === k && done === k && duplicates === 0 && wrong === 0 && sendFailures === 0;
  addRow({
    scenario: `Reconnect storm (${k})`,
    target: target.name,
    load: `${k} at once, ${dms.length} missed messages`,
    throughput: `${(conn.ok / (conn.ms / 1000)).toFixed(0)} conn/s`,
    p50: null,
    p95: null,
    p99: null,
    serverCpuPct: srv.cpuPct,
    serverRssMb: srv.rssMb,
    genCpuPct: null,
    delivered: `${done}/${k} caught up`,
    result: `${ok ? `all in ${(conn.ms / 1000).toFixed(1)} s` : `FAIL ${wrong} wrong, ${duplicates} twice, ${sendFailures} sends failed ${conn.error ?? ""}`}, ${retries} retries`,
    extra: { storm: { ms: conn.ms, caughtUp: done, duplicates, wrong, sendFailures, since: head.lastSeq, retries, retryCause } },
  });
  await disconnectAll(workers);
}

interface IdleFigures {
  perSocketKb: number;
  connPerSec: number;
}

/** Ratio lines and JSON entries of the idle scenario (Parley's memory per socket against the relay's). */
const idleLines: string[] = [];
const idleData: Record<string, unknown>[] = [];

/** RSS added per socket once `clients` are connected to `target` (after a warm-up and a settle pause), as a row. */
async function idleSockets(workers: Worker[], target: Target, clients: ClientSpec[]): Promise<IdleFigures> {
  const k = clients.length;
  // Warm the server (JIT, pools) with a few sockets first, then measure a clean baseline.
  await connectClients(workers, target.url, clients.slice(0, 20), (i) => i % WORKERS);
  await disconnectAll(workers);
  await sleep(QUICK ? 1000 : 1500);
  const before = rssMb(target.pid);
  const smp = sampler(target.pid);
  const conn = await connectClients(workers, target.url, clients, (i) => i % WORKERS);
  const srv = smp.stop();
  await sleep(QUICK ? 1500 : 3000);
  const after = rssMb(target.pid);
  const perSocketKb = ((after - before) * 1024) / Math.max(1, conn.ok);
  const connPerSec = conn.ok / (conn.ms / 1000);
  addRow({
    scenario: `Idle sockets (${k})`,
    target: target.name,
    load: `${k} ${target.kind === "parley" ? "authenticated" : "connected"}`,
    throughput: `${connPerSec.toFixed(0)} conn/s`,
    p50: null,
    p95: null,
    p99: null,
    serverCpuPct: srv.cpuPct,
    serverRssMb: after,
    genCpuPct: null,
    delivered: `${conn.ok}/${k} connected`,
    result: conn.ok === k ? `${perSocketKb.toFixed(1)} KB/socket` : `FAIL ${conn.error ?? ""}`,
    extra: { rssBeforeMb: before, rssAfterMb: after, perSocketKb, connectMs: conn.ms, ulimitN: ulimitN() },
  });
  await disconnectAll(workers);
  return { perSocketKb, connPerSec };
}

/**
 * Message search (issue 17): an app of SIZE.searchMessages messages over 1,000 two-person groups,
 * the searcher in 50 of them (so ~5% of the messages are theirs to find), their search rows
 * seeded as the index hook writes them. p50/p95 of GET /v1/search for a common word (~20% of
 * messages), two words, a rare word (1 in 20,000), a CJK bigram, a short prefix, and a common word
 * in one conversation. Goal: p50 <= 50 ms. Then the same six probes for one user in all 1,000
 * conversations (issue 34: search for a user in 1,000 conversations).
 */
async function searchScenarios(target: Target): Promise<void> {
  const db = target.db!;
  const appId = await seedApp(db);
  const [me, ...peers] = await seedUsers(db, appId, 51, { jwtSecret: JWT_SECRET, passwordHash: "x", prefix: "search" });
  const t0 = now();
  const corpus = await seedSearchCorpus(
    db,
    appId,
    me!.id,
    peers.map((p) => p.id),
    {
      count: SIZE.searchMessages,
      conversations: 1000,
      mineCount: 50,
      documentText,
    },
  );
  const seedSec = (now() - t0) / 1000;
  log(`${target.name}: seeded ${SIZE.searchMessages} searchable messages in ${seedSec.toFixed(1)} s`);
  await sleep(500);
  await searchProbes(target, me!, "user in 50 convs", corpus.mine[0]!, { seedSec });
  // The same probes for one user in all 1,000 conversations (every message of the app theirs to
  // search), read up to about the last 5 messages of each, as heavySearchers' users: the search
  // itself, not the unread counts of a member who never reads.
  const [all] = await seedUsers(db, appId, 1, { jwtSecret: JWT_SECRET, passwordHash: "x", prefix: "searchall" });
  await seedMemberships(db, appId, [all!.id], corpus.all, Math.max(0, (await db.maxMessageId()) - 5 * corpus.all.length));
  await searchProbes(target, all!, `user in ${corpus.all.length.toLocaleString("en")} convs`, corpus.mine[0]!, { seedSec });
  await heavySearchers(target, appId, me!, corpus.all);
}

/**
 * The six search probes for `user`, sequential, one row each: `Search (N msgs, <who>), <probe>`.
 * `one` is a conversation of theirs for the one-conversation probe.
 */
async function searchProbes(target: Target, user: SeededUser, who: string, one: string, extra: Record<string, unknown>): Promise<void> {
  const probes: [string, string][] = [
    ["common word (hello)", "q=hello"],
    ["two words (hello world)", "q=hello%20world"],
    ["rare word (zanzibar)", "q=zanzibar"],
    ["CJK bigram (東京)", `q=${encodeURIComponent("東京")}`],
    ["prefix (prog)", "q=prog"],
    ["common word, one conversation", `q=hello&conversationId=${one}`],
  ];
  // Up to 100 requests a probe (warm-up 3), cut at 5 s (quick) or 15 s: a slow probe costs a bounded time.
  const n = Math.min(SIZE.httpReqs, 100);
  for (const [label, qs] of probes) {
    const smp = sampler(target.pid);
    const t0 = now();
    const r = await httpLatency(target.url, user.token, () => `/v1/search?${qs}`, n, { warmup: 3, deadlineMs: QUICK ? 5_000 : 15_000 });
    const srv = smp.stop();
    const probeSec = (now() - t0) / 1000;
    const sample = (await fetch(`${target.url}/v1/search?${qs}&limit=50`, { headers: { authorization: `Bearer ${user.token}` } }).then((x) => x.json())) as {
      items?: unknown[];
    };
    addGetRow(`Search (${SIZE.searchMessages.toLocaleString("en")} msgs, ${who}), ${label}`, target.name, r, srv, {
      ...extra,
      probeSec,
      hitsOnFirstPage50: sample.items?.length ?? null,
    });
    log(
      `${target.name}: search (${who}) ${label}: p50 ${fmt(pct(r.sorted, 50))} ms, p95 ${fmt(pct(r.sorted, 95))} ms (${sample.items?.length ?? "?"} hits in a 50-page) in ${probeSec.toFixed(1)} s`,
    );
  }
}

/**
 * Red team round 3 (G3): eight users, each a member of all 1,000 conversations (every message of
 * the app is theirs to search), search a common word over and over, in parallel, while another
 * user sends messages and lists their conversations — first alone, then under that load. Printed:
 * the heavy searches' latency (each bounded by SEARCH_BUDGET_MS, whatever the membership) and the
 * other user's p99 with and without them. Goal: under 100 ms p99 for the other user.
 */
async function heavySearchers(target: Target, appId: string, other: SeededUser, conversations: string[]): Promise<void> {
  const db = target.db!;
  const heavy = await seedUsers(db, appId, 8, { jwtSecret: JWT_SECRET, passwordHash: "x", prefix: "heavy" });
  // Read up to about the last 5 messages of each conversation, as the searcher above: a page's
  // conversations are presented with unread counts, and a member of 1,000 busy conversations who
  // never reads costs ~1 s of MariaDB per page at 1,000,000 messages (20,000 unread rows counted),
  // in the conversation list as much as in search (docs/performance.md, known weaknesses).
  await seedMemberships(
    db,
    appId,
    heavy.map((h) => h.id),
    conversations,
    Math.max(0, (await db.maxMessageId()) - 5 * conversations.length),
  );
  const auth = (token: string): Record<string, string> => ({ authorization: `Bearer ${token}` });
  const room = conversations[0]!;
  /** The other user's send then list, over and over until `until`: their latencies. */
  const otherUser = async (until: number): Promise<{ send: number[]; list: number[]; errors: number }> => {
    const out = { send: [] as number[], list: [] as number[], errors: 0 };
    for (let i = 0; now() < until; i++) {
      let t0 = now();
      const sent = await fetch(`${target.url}/v1/conversations/${room}/messages`, {
        method: "POST",
        headers: { ...auth(other.token), "content-type": "application/json" },
        body: JSON.stringify({ text: `meanwhile ${i}` }),
      });
      await sent.arrayBuffer();
      out.send.push(now() - t0);
      t0 = now();
      const listed = await fetch(`${target.url}/v1/conversations`, { headers: auth(other.token) });
      await listed.arrayBuffer();
      out.list.push(now() - t0);
      if (!sent.ok || !listed.ok) out.errors++;
    }
    return out;
  };
  const seconds = QUICK ? 5 : 15;
  const alone = await otherUser(now() + 2000);
  const sorted = (xs: number[]): number[] => [...xs].sort((a, b) => a - b);
  const label = `(${SIZE.searchMessages.toLocaleString("en")} msgs)`;
  // Twice: at the production per-user limit (RATE_LIMIT_SEARCH_PER_USER, 30 a minute: one search
  // every 2 s each, what an attacker gets), then as fast as they can (the limit off, as in this
  // bench's server): the bound on one search's cost alone.
  for (const [phase, gapMs] of [
    ["at the per-user limit (30/min each)", 2000],
    ["unthrottled", 0],
  ] as const) {
    const until = now() + seconds * 1000;
    const searches: number[] = [];
    let searchErrors = 0;
    const smp = sampler(target.pid);
    const [loaded] = await Promise.all([
      otherUser(until),
      ...heavy.map(async (h, k) => {
        if (gapMs) await sleep((gapMs * k) / heavy.length);
        while (now() < until) {
          const t0 = now();
          const r = await fetch(`${target.url}/v1/search?q=hello`, { headers: auth(h.token) });
          await r.arrayBuffer();
          searches.push(now() - t0);
          if (!r.ok) searchErrors++;
          if (gapMs) await sleep(Math.max(0, gapMs - (now() - t0)));
        }
      }),
    ]);
    const srv = smp.stop();
    const row = (scenario: string, xs: number[], errors: number, load: string): void =>
      addRow({
        scenario,
        target: target.name,
        load,
        throughput: `${(xs.length / seconds).toFixed(1)} req/s`,
        p50: pct(sorted(xs), 50),
        p95: pct(sorted(xs), 95),
        p99: pct(sorted(xs), 99),
        serverCpuPct: srv.cpuPct,
        serverRssMb: srv.rssMb,
        genCpuPct: null,
        delivered: `${xs.length - errors}/${xs.length} 2xx`,
        result: errors ? "FAIL" : "OK",
      });
    row(`Search by 8 users in all 1,000 convs, common word, ${phase} ${label}`, searches, searchErrors, `8 users, ${seconds} s`);
    row(`Another user's send while they search ${phase} ${label}`, loaded.send, loaded.errors, `seq., ${seconds} s`);
    row(`Another user's conversation list while they search ${phase} ${label}`, loaded.list, loaded.errors, `seq., ${seconds} s`);
    log(
      `${target.name}: other user alone: send p99 ${fmt(pct(sorted(alone.send), 99))} ms, list p99 ${fmt(pct(sorted(alone.list), 99))} ms; with 8 heavy searchers ${phase}: send p99 ${fmt(pct(sorted(loaded.send), 99))} ms, list p99 ${fmt(pct(sorted(loaded.list), 99))} ms`,
    );
  }
}

async function httpLatency(
  url: string,
  token: string,
  paths: () => string,
  n: number,
  opts: { warmup?: number; deadlineMs?: number } = {},
): Promise<{ sorted: number[]; errors: number; cpu: { cpuPct: number; rssMb: number } | null }> {
  const out: number[] = [];
  let errors = 0;
  for (let i = 0; i < Math.min(opts.warmup ?? 10, n); i++)
    await fetch(url + paths(), { headers: { authorization: `Bearer ${token}` } }).then((r) => r.arrayBuffer());
  const deadline = now() + (opts.deadlineMs ?? 20_000);
  for (let i = 0; i < n && now() < deadline; i++) {
    const t0 = now();
    const r = await fetch(url + paths(), { headers: { authorization: `Bearer ${token}` } });
    await r.arrayBuffer();
    out.push(now() - t0);
    if (!r.ok) errors++;
  }
  return { sorted: out.sort((a, b) => a - b), errors, cpu: null };
}

async function historyScenarios(target: Target): Promise<void> {
  const db = target.db!;
  const [reader, other] = await seedUsers(db, target.appId!, 2, { jwtSecret: JWT_SECRET, passwordHash: "x", prefix: "hist" });
  const conv = await seedGroup(db, target.appId!, "History", [reader!.id, other!.id]);
  const t0 = now();
  const [minId, maxId] = await seedHistory(db, target.appId!, conv, [reader!.id, other!.id], SIZE.history);
  const seedSec = (now() - t0) / 1000;
  log(`${target.name}: seeded ${SIZE.history} messages in ${seedSec.toFixed(1)} s`);
  const smp = sampler(target.pid);
  const latest = await httpLatency(target.url, reader!.token, () => `/v1/conversations/${conv}/messages?limit=50`, SIZE.httpReqs);
  const deep = await httpLatency(
    target.url,
    reader!.token,
    () => `/v1/conversations/${conv}/messages?limit=50&before=${minId + 50 + Math.floor(Math.random() * (maxId - minId - 50))}`,
    SIZE.httpReqs,
  );
  const srv = smp.stop();
  for (const [label, r] of [
    ["newest page", latest],
    ["random deep page", deep],
  ] as const) {
    addGetRow(`History 50-msg page (${SIZE.history.toLocaleString("en")} msgs), ${label}`, target.name, r, srv, { seedSec });
  }
  // Conversation list of a user with 500 conversations (each with a last message).
  const peers = await seedUsers(db, target.appId!, SIZE.convList + 1, { jwtSecret: JWT_SECRET, passwordHash: "x", prefix: "list" });
  const me = peers.shift()!;
  const ids = await seedDms(
    db,
    target.appId!,
    peers.map((p) => [me.id, p.id] as [string, string]),
  );
  await seedLastMessages(
    db,
    target.appId!,
    ids.map((id, i) => ({ id, sender: peers[i]!.id })),
  );
  const smp2 = sampler(target.pid);
  const list = await httpLatency(target.url, me.token, () => `/v1/conversations`, SIZE.httpReqs);
  const list100 = await httpLatency(target.url, me.token, () => `/v1/conversations?limit=100`, SIZE.httpReqs);
  const srv2 = smp2.stop();
  for (const [label, r] of [
    ["default page (20)", list],
    ["limit=100", list100],
  ] as const) {
    addGetRow(`Conversation list (${SIZE.convList} convs), ${label}`, target.name, r, srv2);
  }
}

/**
 * /sync at scale (issue 14). A quiet user (in a DM where nothing happens) catches up from
 * `since=0` in an empty app, then with SIZE.syncEvents events of other people's conversations in
 * the log; then SIZE.quietUsers quiet users at once. And a group of SIZE.groupMembers members:
 * stored event rows and bytes per message, and one member's /sync bytes.
 */
async function syncScenarios(target: Target): Promise<void> {
  const db = target.db!;
  // A fresh app of its own, so the "empty" figure really is an empty log.
  const appId = await seedApp(db);
  const users = await seedUsers(db, appId, SIZE.quietUsers * 2, { jwtSecret: JWT_SECRET, passwordHash: "x", prefix: "quiet" });
  await seedDms(
    db,
    appId,
    Array.from({ length: SIZE.quietUsers }, (_, k) => [users[2 * k]!.id, users[2 * k + 1]!.id] as [string, string]),
  );
  const quiet = users.filter((_, i) => i % 2 === 0);
  const path = (): string => "/v1/sync?since=0&limit=500";
  const row = (label: string, r: { sorted: number[]; errors: number }, srv: { cpuPct: number; rssMb: number }, extra: Record<string, unknown> = {}): void =>
    addGetRow(`Quiet user /sync, ${label}`, target.name, r, srv, extra);
  let smp = sampler(target.pid);
  const empty = await httpLatency(target.url, quiet[0]!.token, path, SIZE.httpReqs);
  row("empty app", empty, smp.stop());

  const t0 = now();
  const head = await seedEvents(db, appId, SIZE.syncEvents);
  const seedSec = (now() - t0) / 1000;
  log(`${target.name}: seeded ${SIZE.syncEvents} events in ${seedSec.toFixed(1)} s (head ${head})`);
  // SQLite seeding blocks this process for a minute: let fetch see the keep-alive connection the
  // server closed meanwhile, or the next request goes out on it and fails ("other side closed").
  await sleep(500);
  smp = sampler(target.pid);
  const big = await httpLatency(target.url, quiet[0]!.token, path, SIZE.httpReqs);
  const ratio = (pct(big.sorted, 50) ?? NaN) / (pct(empty.sorted, 50) ?? NaN);
  row(`${SIZE.syncEvents.toLocaleString("en")} events in the app`, big, smp.stop(), { seedSec, p50RatioToEmpty: ratio });
  log(
    `${target.name}: quiet /sync p50 ${fmt(pct(big.sorted, 50))} ms with ${SIZE.syncEvents} events vs ${fmt(pct(empty.sorted, 50))} ms empty = ${ratio.toFixed(2)}x (target <= 3x)`,
  );
  const cursor = await fetch(`${target.url}/v1/sync?since=0`, { headers: { authorization: `Bearer ${quiet[0]!.token}` } }).then(
    (r) => r.json() as Promise<{ lastSeq: number }>,
  );
  if (cursor.lastSeq !== head) log(`${target.name}: WARNING the quiet user's cursor came back ${cursor.lastSeq}, not the head ${head}`);

  // All quiet users at once, each catching up from 0 ten times in a row.
  const lat: number[] = [];
  const codes: Record<string, number> = {};
  smp = sampler(target.pid);
  const c0 = now();
  await Promise.all(
    quiet.map(async (u) => {
      for (let i = 0; i < 10; i++) {
        const s0 = now();
        try {
          const r = await fetch(`${target.url}${path()}`, { headers: { authorization: `Bearer ${u.token}` } });
          await r.arrayBuffer();
          if (r.ok) lat.push(now() - s0);
          else codes[r.status] = (codes[r.status] ?? 0) + 1;
        } catch {
          codes["network"] = (codes["network"] ?? 0) + 1;
        }
      }
    }),
  );
  const srv = smp.stop();
  lat.sort((a, b) => a - b);
  const errors = Object.values(codes).reduce((a, b) => a + b, 0);
  addRow({
    scenario: `Quiet user /sync, ${quiet.length} concurrent users (${SIZE.syncEvents.toLocaleString("en")} events)`,
    target: target.name,
    load: `${quiet.length} x 10 GETs`,
    throughput: `${(lat.length / ((now() - c0) / 1000)).toFixed(0)} req/s`,
    p50: pct(lat, 50),
    p95: pct(lat, 95),
    p99: pct(lat, 99),
    serverCpuPct: srv.cpuPct,
    serverRssMb: srv.rssMb,
    genCpuPct: null,
    delivered: `${lat.length}/${lat.length + errors} 2xx${errors ? " " + JSON.stringify(codes) : ""}`,
    result: errors ? "FAIL" : "OK",
  });

  // A big group: what each message stores, and what a member's /sync carries.
  const members = await seedUsers(db, appId, SIZE.groupMembers, { jwtSecret: JWT_SECRET, passwordHash: "x", prefix: "grp" });
  const auth = (u: SeededUser): Record<string, string> => ({ authorization: `Bearer ${u.token}`, "content-type": "application/json" });
  const created = await fetch(`${target.url}/v1/conversations`, {
    method: "POST",
    headers: auth(members[0]!),
    body: JSON.stringify({ name: "Everyone", memberIds: members.slice(1).map((u) => u.id) }),
  });
  const conv = ((await created.json()) as { conversation?: { id: string } }).conversation?.id;
  if (!created.ok || !conv) {
    addRow({
      scenario: `Group of ${SIZE.groupMembers}: stored events`,
      target: target.name,
      load: "-",
      throughput: "-",
      p50: null,
      p95: null,
      p99: null,
      serverCpuPct: null,
      serverRssMb: null,
      genCpuPct: null,
      delivered: `create ${created.status}`,
      result: "FAIL",
    });
    return;
  }
  const reader = members[SIZE.groupMembers - 1]!;
  const since = ((await fetch(`${target.url}/v1/sync/head`, { headers: auth(reader) }).then((r) => r.json())) as { lastSeq: number }).lastSeq;
  let sendErrors = 0;
  for (let i = 0; i < SIZE.syncGroupMessages; i++) {
    const r = await fetch(`${target.url}/v1/conversations/${conv}/messages`, {
      method: "POST",
      headers: auth(members[i % 10]!),
      body: JSON.stringify({ text: `hello everyone ${i}` }),
    });
    await r.arrayBuffer();
    if (r.status !== 201) sendErrors++;
  }
  const [stored] = await db.all<{ n: number | string; bytes: number | string }>(
    `SELECT COUNT(*) AS n, SUM(LENGTH(${db.q("data")})) AS bytes FROM events WHERE ${db.q("appId")} = ? AND ${db.q("conversationId")} = ? AND seq > ?`,
    [appId, conv, since],
  );
  const syncBody = await fetch(`${target.url}/v1/sync?since=${since}&limit=1000`, { headers: auth(reader) }).then((r) => r.text());
  const n = SIZE.syncGroupMessages;
  addRow({
    scenario: `Group of ${SIZE.groupMembers}: events stored per message`,
    target: target.name,
    load: `${n} messages`,
    throughput: `${(Number(stored?.n) / n).toFixed(2)} rows/msg`,
    p50: null,
    p95: null,
    p99: null,
    serverCpuPct: null,
    serverRssMb: rssMb(target.pid),
    genCpuPct: null,
    delivered: `${n - sendErrors}/${n} 201`,
    result: `${(Number(stored?.bytes) / n).toFixed(0)} B/msg stored, ${(Buffer.byteLength(syncBody) / n).toFixed(0)} B/msg in a member's /sync`,
    extra: { rows: Number(stored?.n), bytes: Number(stored?.bytes), syncBytes: Buffer.byteLength(syncBody) },
  });
}

async function loginScenario(): Promise<void> {
  const target = await startParley("sqlite", { BCRYPT_COST: "12" });
  try {
    const hash = await bcrypt.hash("bench-password", 12);
    const users = await seedUsers(target.db!, target.appId!, 50, { jwtSecret: JWT_SECRET, passwordHash: hash, prefix: "login" });
    const concurrency = 8;
    const lat: number[] = [];
    let errors = 0;
    let i = 0;
    const smp = sampler(target.pid);
    const t0 = now();
    const end = t0 + SIZE.loginSecs * 1000;
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (now() < end && i < 100_000) {
          const u = users[i++ % users.length]!;
          const s = now();
          const r = await fetch(`${target.url}/v1/auth/login`, {
            method: "POST",
            headers: { "content-type": "application/json", "x-parley-app": target.appId! },
            body: JSON.stringify({ email: u.email, password: "bench-password" }),
          });
          await r.arrayBuffer();
          if (r.ok) lat.push(now() - s);
          else errors++;
        }
      }),
    );
    const secs = (now() - t0) / 1000;
    const srv = smp.stop();
    lat.sort((a, b) => a - b);
    addRow({
      scenario: "Login (bcrypt cost 12)",
      target: target.name,
      load: `${concurrency} concurrent, ${SIZE.loginSecs} s`,
      throughput: `${(lat.length / secs).toFixed(1)} logins/s`,
      p50: pct(lat, 50),
      p95: pct(lat, 95),
      p99: pct(lat, 99),
      serverCpuPct: srv.cpuPct,
      serverRssMb: srv.rssMb,
      genCpuPct: null,
      delivered: `${lat.length}/${lat.length + errors} 2xx`,
      result: errors ? "FAIL" : "OK",
    });
  } finally {
    await target.stop();
  }
}

function ulimitN(): string {
  try {
    return execSync("ulimit -n", { shell: "/bin/sh" }).toString().trim();
  } catch {
    return "?";
  }
}

async function mysqlAvailable(): Promise<boolean> {
  try {
    const c = await mysql.createConnection({ uri: MYSQL_ADMIN, connectTimeout: 3000 });
    await c.end();
    return true;
  } catch (err) {
    log(`MariaDB at ${MYSQL_SHOWN} unavailable (${err instanceof Error ? err.message : err}); skipping MariaDB`);
    return false;
  }
}

// ---------- output ----------
function table(): string {
  const head = [
    "Scenario",
    "Target",
    "Load",
    "Throughput",
    "p50 ms",
    "p95 ms",
    "p99 ms",
    "Srv CPU%",
    "Srv RSS MB",
    "DB CPU%",
    "Gen CPU%",
    "Delivered",
    "Result",
  ];
  const body = rows.map((r) => [
    r.scenario,
    r.target,
    r.load,
    r.throughput,
    fmt(r.p50),
    fmt(r.p95),
    fmt(r.p99),
    fmt(r.serverCpuPct, 0),
    fmt(r.serverRssMb, 0),
    fmt(r.dbCpuPct, 0),
    fmt(r.genCpuPct, 0),
    r.delivered,
    r.result,
  ]);
  const w = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: string[]): string =>
    cells
      .map((c, i) => (i >= 3 && i <= 10 ? c.padStart(w[i]!) : c.padEnd(w[i]!)))
      .join("  ")
      .trimEnd();
  return [line(head), w.map((n) => "-".repeat(n)).join("  "), ...body.map(line)].join("\n");
}

/** The JSON's names for the compared target: `parley`/`maxParley` kept for Parley's entries, `maxTarget` for all. */
function who(name: string, max: number): Record<string, unknown> {
  return name.startsWith("Parley") ? { parley: name, maxParley: max, maxTarget: max } : { maxTarget: max };
}

function ratios(): { lines: string[]; data: Record<string, unknown>[] } {
  const lines: string[] = [];
  const data: Record<string, unknown>[] = [];
  for (const scenario of ["1:1 messages", "Typing (1:1)"]) {
    const relay = ladders[`${scenario}|Relay (bare Socket.IO)`];
    // Parley's ladders, then the peer's (--peer ejabberd), each against the relay's.
    for (const key of Object.keys(ladders).filter((k) => k.startsWith(scenario + "|Parley") || k.startsWith(scenario + "|ejabberd"))) {
      const parley = ladders[key]!;
      const name = key.split("|")[1]!;
      if (!relay) continue;
      const both = parley.filter((p) => p.ok && relay.find((r) => r.rate === p.rate)?.ok).map((p) => p.rate);
      const maxP = Math.max(0, ...parley.filter((p) => p.ok).map((p) => p.rate));
      const maxR = Math.max(0, ...relay.filter((p) => p.ok).map((p) => p.rate));
      const top = SIZE.rates[SIZE.rates.length - 1]!;
      if (both.length === 0) {
        lines.push(
          `${scenario}: ${name} / relay: no common rate where both delivered 100% with p99 <= ${P99_LIMIT_MS} ms (max OK rate: ${name} ${maxP || "none"}, relay ${maxR || "none"})`,
        );
        data.push({ scenario, target: name, ...who(name, maxP), rate: null, maxRelay: maxR });
        continue;
      }
      const rate = Math.max(...both);
      const p = parley.find((x) => x.rate === rate)!;
      const r = relay.find((x) => x.rate === rate)!;
      // Typing: Parley relays what its throttle admits (≤ 2 a second per typer), the relay all.
      const tput = p.throughput / r.throughput;
      const cpu = p.serverCpuPct / r.serverCpuPct;
      const capRatio = maxP / maxR;
      lines.push(
        `${scenario}: ${name} / relay at ${rate}/s (highest rate both OK): throughput ${tput.toFixed(2)}x${scenario.startsWith("Typing") ? " (relays after Parley's typing throttle)" : ""}, server CPU ${cpu.toFixed(1)}x` +
          ` (${p.serverCpuPct.toFixed(0)}% vs ${r.serverCpuPct.toFixed(0)}%); max OK rate ${maxP} vs ${maxR}/s = ${capRatio.toFixed(2)}${maxR === top ? " (relay not saturated by the ladder: an upper bound)" : ""}`,
      );
      data.push({
        scenario,
        target: name,
        ...who(name, maxP),
        rate,
        throughputRatio: tput,
        serverCpuRatio: cpu,
        maxRelay: maxR,
        maxRateRatio: capRatio,
      });
    }
  }
  return { lines: [...lines, ...idleLines], data: [...data, ...idleData] };
}

// ---------- the peer (--peer ejabberd) ----------
/** What the JSON says of the peer: version, database, generated config; or why it was skipped. */
let peerInfo: { name: string; skipped?: string; version?: string; database?: string; config?: string } | null = null;

async function ejabberdPeer(workers: Worker[], install: EjabberdInstall): Promise<void> {
  const ejb = await startEjabberd({ install, mysqlAdmin: MYSQL_ADMIN, users: SIZE.clients, log, track: peers });
  peerInfo = { name: "ejabberd", version: ejb.version, database: ejb.database, config: ejb.config };
  log(`ejabberd ${ejb.version}: listening at ${ejb.url}, beam.smp pid ${ejb.pid}, archive in ${ejb.database}`);
  try {
    await peerScenarios(workers, {
      name: "ejabberd",
      kind: "ejabberd",
      url: ejb.url,
      pid: ejb.pid,
      dbCpu: true,
      xmpp: { domain: ejb.domain, users: ejb.users, archiveRows: () => ejb.archiveRows() },
      stop: () => ejb.stop(),
    });
  } finally {
    await ejb.stop();
  }
}

// ---------- main ----------
async function main(): Promise<void> {
  const started = now();
  const mode = QUICK ? "quick" : "full";
  log(`mode ${mode}; ${os.cpus().length} CPUs; ulimit -n ${ulimitN()}; sizes ${JSON.stringify(SIZE)}`);
  if (Number(ulimitN()) < SIZE.idle + 1000) log(`WARNING: ulimit -n ${ulimitN()} may be too low for ${SIZE.idle} sockets (server needs one fd each)`);
  const workers = Array.from({ length: WORKERS }, (_, i) => new Worker(i));
  let fanout: FanoutRow[] = [];
  // The peer needs MariaDB too (its archive and users), whatever --db says.
  const mysqlUp = DBS.includes("mysql") || PEER ? await mysqlAvailable() : false;
  const dbs = DBS.includes("mysql") && !mysqlUp ? DBS.filter((d) => d !== "mysql") : DBS;
  const skipped: string[] = DBS.filter((d) => !dbs.includes(d));
  try {
    if (want("one-to-one") || want("typing") || want("group")) {
      const relay = await startRelay();
      try {
        await realtimeScenarios(workers, relay);
      } finally {
        await relay.stop();
      }
    }
    for (const db of dbs) {
      const t = await startParley(db);
      try {
        if (want("one-to-one") || want("typing") || want("group")) await realtimeScenarios(workers, t);
        if (want("history")) await historyScenarios(t);
        if (want("sync")) await syncScenarios(t);
        if (want("search")) await searchScenarios(t);
      } finally {
        await t.stop();
      }
    }
    if (PEER === "ejabberd") {
      // Checked in this order: a missing binary is said even when MariaDB is down too.
      const pre = ejabberdPreflight();
      let why: string | null = null;
      if ("missing" in pre) why = pre.missing;
      else if (!mysqlUp) why = `MariaDB at ${MYSQL_SHOWN} is unreachable (ejabberd's archive and users live there)`;
      else if (!want("one-to-one")) why = "it runs the 1:1 ladder only, and --only has no one-to-one";
      else {
        try {
          await ejabberdPeer(workers, pre.install);
        } catch (err) {
          why = `failed: ${err instanceof Error ? err.message : String(err)}`.replace(/\s+/g, " ").slice(0, 600);
        }
      }
      if (why) {
        log(`ejabberd: SKIPPED: ${why}`);
        peerInfo = { ...peerInfo, name: "ejabberd", skipped: why };
        skipped.push(`ejabberd (${why})`);
      }
    }
    if (want("idle")) await idleScenario(workers);
    if (want("login")) await loginScenario();
    // Named only: it starts a Redis, a 6-server Redis Cluster and up to 4 nodes per row.
    if (ONLY?.includes("fanout")) {
      if (dbs.includes("mysql")) fanout = await runFanout({ mysqlAdmin: MYSQL_ADMIN, quick: QUICK, log });
      else skipped.push("fanout (needs MariaDB)");
    }
  } finally {
    await Promise.all(workers.map((w) => w.call({ cmd: "exit" }, 5000).catch(() => undefined)));
    killAll();
  }
  const elapsed = (now() - started) / 1000;
  const r = ratios();
  const date = new Date().toISOString();
  const header = `Parley benchmark (${mode}) ${date} on ${os.cpus().length} x ${os.cpus()[0]?.model ?? "?"}, node ${process.version}, ulimit -n ${ulimitN()}, ${elapsed.toFixed(0)} s${peerInfo?.version ? `; peer ejabberd ${peerInfo.version}` : ""}${skipped.length ? `; SKIPPED: ${skipped.join(",")}` : ""}`;
  process.stdout.write(`\n${header}\n\n${table()}\n\n${r.lines.join("\n")}\n`);
  if (peerInfo?.skipped) process.stdout.write(`Peer ejabberd: SKIPPED: ${peerInfo.skipped}\n`);
  if (fanout.length) process.stdout.write(`\nFan-out by topology (1:1 messages across nodes):\n\n${fanoutTable(fanout)}\n`);
  const out = flag("--out") ?? path.join(ROOT, "server/bench/results", `${date.slice(0, 19).replace(/:/g, "-")}${QUICK ? "-quick" : ""}.json`);
  mkdirSync(path.dirname(out), { recursive: true });
  writeFileSync(
    out,
    JSON.stringify(
      {
        date,
        mode,
        elapsedSec: elapsed,
        machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model, memGb: os.totalmem() / 2 ** 30, node: process.version, ulimitN: ulimitN() },
        sizes: SIZE,
        skipped,
        rows,
        ladders,
        ratios: r.data,
        fanout,
        ...(peerInfo ? { peer: peerInfo } : {}),
      },
      null,
      2,
    ),
  );
  process.stdout.write(`\nJSON: ${path.relative(process.cwd(), out)}\n`);
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    killAll();
    process.exit(1);
  },
);
