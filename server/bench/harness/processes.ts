/**
 * The processes the bench measures, all children on 127.0.0.1: Parley (SQLite or a throwaway
 * MariaDB database) and the bare Socket.IO relay, each a `Target`; every child (and what a peer
 * started) killed when the bench exits.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import mysql from "mysql2/promise";
import type { OutputOptions, RollupOptions } from "rollup";
import type { PeerCleanup } from "../ejabberd.js";
import { freePort } from "../ports.js";
import { openDb, seedApp, type Db } from "../seed.js";
import { log, sleep } from "./measure.js";
import type { StatementTime } from "../statement-times.js";
import { DB_LATENCY_MS, JWT_SECRET, LOOP_LAG, MYSQL_ADMIN, MYSQL_SHOWN, STATEMENT_TIMES } from "./options.js";
import { scrapeWaits, type WaitsScrape } from "./server-waits.js";

export const ROOT = path.resolve(import.meta.dirname, "../../..");

/** `PARLEY_BENCH_SOURCES=1`: Parley from its sources (for a profile with TypeScript's file names). */
const FROM_SOURCES = process.env["PARLEY_BENCH_SOURCES"] === "1";
/** What the report says ran. */
export const PARLEY_FROM = FROM_SOURCES ? "sources (tsx)" : "bundle (server/dist)";
const SERVER_BUNDLE = path.join(ROOT, "server/dist/main.js");
/** Built at most once a run, when the first Parley starts (a bench that starts none builds nothing). */
let bundleReady: Promise<void> | undefined;

/**
 * Node's arguments that start Parley: the server as it ships (`npm run build`'s bundle, what
 * `npm start` runs, built first if it must be), not its sources through tsx. tsx keeps function
 * names (a helper call for each closure made, so per message on the send path) and loads the
 * sources' maps (RSS +55 MB at 1,000/s): the bench measured a heavier server than the one users run.
 */
export async function parleyEntry(): Promise<string[]> {
  if (FROM_SOURCES) return ["--import", "tsx", "server/src/main.ts"];
  bundleReady ??= ensureServerBundle();
  await bundleReady;
  return [SERVER_BUNDLE];
}

/**
 * Builds the server's bundle (rollup's server entry alone, a few seconds) when it is missing or
 * older than a source it is built from or than rollup.config.mjs, so the bench never measures a
 * stale server (CI runs the bench before the build of `npm test`).
 */
async function ensureServerBundle(): Promise<void> {
  const built = statSync(SERVER_BUNDLE, { throwIfNoEntry: false })?.mtimeMs ?? -1;
  const stale =
    statSync(path.join(ROOT, "rollup.config.mjs")).mtimeMs > built || ["server/src", "sdk/src"].some((dir) => newerThan(path.join(ROOT, dir), built));
  if (!stale) return;
  log("building server/dist (the server's rollup entry; the bench runs the server as it ships)");
  const { rollup } = await import("rollup");
  const configs = (await import(pathToFileURL(path.join(ROOT, "rollup.config.mjs")).href)).default as (RollupOptions & { output: OutputOptions })[];
  const server = configs.find((c) => (c.input as Record<string, string>)["main"] === "server/src/main.ts");
  if (!server) throw new Error("rollup.config.mjs has no server entry (input main: server/src/main.ts)");
  const bundle = await rollup(server);
  try {
    await bundle.write(server.output);
  } finally {
    await bundle.close();
  }
}

function newerThan(dir: string, ms: number): boolean {
  return readdirSync(dir, { withFileTypes: true, recursive: true }).some(
    (e) => e.isFile() && /\.tsx?$/.test(e.name) && statSync(path.join(e.parentPath, e.name)).mtimeMs > ms,
  );
}

export interface Target {
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
  /** Parley with `--loop-lag`: its thread's stops since the last call and its commits so far (server-waits.ts). */
  waits?: () => Promise<WaitsScrape>;
  stop(): Promise<void>;
}
export const children = new Set<ChildProcess>();
/** What a peer started that children does not cover (ejabberd's beam.smp: a grandchild in a process group of its own): killed on exit, dropped on Ctrl-C. */
export const peers = new Set<PeerCleanup>();
export function killAll(): void {
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

export async function startParley(db: "sqlite" | "mysql", extraEnv: Record<string, string> = {}): Promise<Target> {
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
  const metricsToken = randomBytes(16).toString("hex");
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
    // --loop-lag reads the server's own figures: /metrics on, behind a token of this run.
    ...(LOOP_LAG ? { METRICS_TOKEN: metricsToken } : {}),
    ...extraEnv,
  };
  // One node, the database the bench chose: ignore a DATABASE_URL / REDIS_URL from the caller.
  delete env["DATABASE_URL"];
  delete env["REDIS_URL"];
  if (dbUrl) env["DATABASE_URL"] = DB_LATENCY_MS > 0 ? await slowerLink(dbUrl, DB_LATENCY_MS) : dbUrl;
  // PARLEY_BENCH_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" profiles the server under load.
  const nodeArgs = (process.env["PARLEY_BENCH_NODE_ARGS"] ?? "").split(" ").filter(Boolean);
  // --statement-times: SQLite's statements timed in the server (MariaDB has its slow log for that).
  const timesFile = STATEMENT_TIMES && db === "sqlite" ? path.join(dataDir, "statement-times.json") : undefined;
  if (timesFile) {
    nodeArgs.push("--import", pathToFileURL(await compiledBenchModule("statement-times")).href);
    env["PARLEY_STATEMENT_TIMES"] = timesFile;
  }
  const child = spawn(process.execPath, [...nodeArgs, ...(await parleyEntry())], { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
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
    ...(LOOP_LAG ? { waits: () => scrapeWaits(url, metricsToken) } : {}),
    async stop() {
      stopping = true;
      await handle.close().catch(() => undefined);
      await stopChild(child);
      if (timesFile) keepStatementTimes(`Parley/${db === "sqlite" ? "SQLite" : "MariaDB"}`, timesFile);
      rmSync(dataDir, { recursive: true, force: true });
      if (dbName) {
        const admin = await mysql.createConnection(MYSQL_ADMIN);
        await admin.query(`DROP DATABASE IF EXISTS \`${dbName}\``);
        await admin.end();
      }
    },
  };
}

/** Each Parley/SQLite run's statement sums with --statement-times (statement-times.ts), in the order the servers stopped. */
export const statementTimes: { target: string; statements: StatementTime[] }[] = [];

/** Reads what the server's timer wrote at its exit, and logs its ten costliest statements. */
function keepStatementTimes(target: string, file: string): void {
  let statements: StatementTime[];
  try {
    statements = (JSON.parse(readFileSync(file, "utf8")) as { statements: StatementTime[] }).statements;
  } catch (err) {
    log(`${target}: no statement times (${err instanceof Error ? err.message : String(err)}): was the server killed before it exited?`);
    return;
  }
  statementTimes.push({ target, statements });
  const total = statements.reduce((sum, s) => sum + s.ms, 0);
  log(`${target}: ${total.toFixed(0)} ms in SQLite's statements; the costliest (ms, calls, µs a call, share):`);
  for (const s of statements.slice(0, 10))
    log(
      `  ${s.ms.toFixed(0).padStart(7)} ${String(s.calls).padStart(8)} ${((1000 * s.ms) / s.calls).toFixed(0).padStart(6)} ${((100 * s.ms) / total).toFixed(1).padStart(5)} %  ${s.statement}`,
    );
}

const compiled = new Map<string, Promise<string>>();

/**
 * A module of the bench compiled to plain JavaScript, at most once a run: the relay (as Parley runs
 * from its bundle: through tsx it would pay the same helper calls (kept function names) and source
 * maps Parley no longer does) and the statement timer Parley is started with.
 */
function compiledBenchModule(name: "relay" | "statement-times"): Promise<string> {
  let ready = compiled.get(name);
  if (!ready) compiled.set(name, (ready = compile(name)));
  return ready;
}

async function compile(name: string): Promise<string> {
  const out = path.join(ROOT, `node_modules/.cache/parley/${name}.mjs`);
  const { transform } = await import("esbuild");
  const { code } = await transform(readFileSync(path.join(ROOT, `server/bench/${name}.ts`), "utf8"), { loader: "ts", format: "esm", target: "node20" });
  mkdirSync(path.dirname(out), { recursive: true });
  writeFileSync(out, code);
  return out;
}

/** What the relay keeps of each send before its ack (relay.ts): nothing, or a SQLite journal, bare or with two indexes. */
export type RelayJournal = "none" | "journal" | "indexed";
const RELAY_NAMES: Record<RelayJournal, string> = {
  none: "Relay (bare Socket.IO)",
  journal: "Relay + SQLite journal",
  indexed: "Relay + SQLite journal, 2 indexes",
};

export async function startRelay(journal: RelayJournal = "none"): Promise<Target> {
  const dir = journal === "none" ? null : mkdtempSync(path.join(os.tmpdir(), "parley-relay-journal-"));
  const journalEnv = dir ? { RELAY_JOURNAL: path.join(dir, "journal.sqlite"), RELAY_JOURNAL_INDEXED: journal === "indexed" ? "1" : "0" } : {};
  const child = spawn(process.execPath, [...(process.env["PARLEY_BENCH_NODE_ARGS"] ?? "").split(" ").filter(Boolean), await compiledBenchModule("relay")], {
    cwd: ROOT,
    env: { ...process.env, PORT: "0", ...journalEnv },
    stdio: ["ignore", "pipe", "pipe"],
  });
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
  const stop = async (): Promise<void> => {
    await stopChild(child);
    if (dir) rmSync(dir, { recursive: true, force: true });
  };
  return { name: RELAY_NAMES[journal], kind: "relay", url: `http://127.0.0.1:${port}`, pid: child.pid!, stop };
}

export async function mysqlAvailable(): Promise<boolean> {
  try {
    const c = await mysql.createConnection({ uri: MYSQL_ADMIN, connectTimeout: 3000 });
    await c.end();
    return true;
  } catch (err) {
    log(`MariaDB at ${MYSQL_SHOWN} unavailable (${err instanceof Error ? err.message : err}); skipping MariaDB`);
    return false;
  }
}

/** The same database through a proxy that adds `ms` to each round trip (db-latency.ts); stopped with the others. */
async function slowerLink(dbUrl: string, ms: number): Promise<string> {
  const u = new URL(dbUrl);
  const child = spawn(process.execPath, ["--import", "tsx", "server/bench/db-latency.ts", `${u.hostname}:${u.port || 3306}`, String(ms)], {
    cwd: ROOT,
    stdio: ["ignore", "pipe", "inherit"],
  });
  children.add(child);
  const port = await new Promise<string>((resolve, reject) => {
    child.stdout!.once("data", (d: Buffer) => resolve(d.toString().trim()));
    child.once("exit", (code) => reject(new Error(`the latency proxy exited (${code})`)));
  });
  u.port = port;
  return u.toString();
}
