// `npm run cluster`: the compose.yaml topology, natively. Two Parley nodes sharing one MariaDB
// database and one Redis, behind Debian's nginx running deploy/nginx.conf, the file compose.yaml
// mounts into its nginx container. Ctrl-C stops everything it started.
//
//   npm run cluster -- [--port 8080] [--nodes 2] [--database parley_cluster] [--src]
//                      [--mysql-url mysql://root@127.0.0.1:3306] [--redis-url redis://127.0.0.1:6379]
//                      [--redis-cluster [--redis-cluster-port 7000]] [--replica [--replica-port 3340] [--replica-delay 0]]
//
// --redis-cluster: instead of one Redis, a Redis Cluster of six redis-servers started here (3
// primaries, 3 replicas, ports 7000-7005 and their bus ports +10000; server/test/helpers/
// redis-cluster.ts, the failover drill's harness) and 4 nodes on it (REDIS_CLUSTER_NODES) unless
// --nodes says otherwise. The cluster goes with the script (no persistence). To rehearse a
// failover: `redis-cli -p 7000 cluster nodes`, then kill -9 a primary's pid.
//
// --replica: instead of --mysql-url's server, a MariaDB primary (port 3340) and one replica of it
// (3341) started here (server/test/helpers/mariadb-replication.ts, the read-replica tests'
// harness). The database is created on the primary (DATABASE_URL); the nodes read the replica
// (DATABASE_REPLICA_URLS) as `reader`, a user created on the primary that may only SELECT, so a
// write routed there by mistake fails. They start once the replica holds the schema and the
// reader; --replica-delay N then sets MASTER_DELAY=N seconds, to rehearse lag (past
// DATABASE_REPLICA_MAX_LAG_MS, taken from the environment, default 10 s, the nodes skip the
// replica). The pair goes with the script, data included. With --redis-cluster this is issue 35's
// drill topology: 4 nodes, a 6-server Redis Cluster, a primary with one replica.
//
// How the nginx configuration is shared: deploy/nginx.conf is an http-level file that both
// environments include byte for byte. The two things that must differ (where the nodes are, which
// port nginx listens on) it takes from `parley/upstream.conf` and `parley/listen.conf`, included
// relative to nginx's configuration directory: compose mounts deploy/compose/ there; this script
// writes the pair into a temporary directory next to a small main nginx.conf (daemon off, pid,
// logs and temp paths in that directory, which a non-root user can run). Nothing is templated,
// so the file the test proves is exactly the file the containers run.
//
// MariaDB and Redis: the given URLs, else whatever answers on 127.0.0.1:3306 / 6379 (or at
// PARLEY_TEST_MYSQL_URL / PARLEY_TEST_REDIS_URL), else throwaway instances started from the
// installed mariadbd / redis-server (scripts/test/services.ts), removed again on exit.
//
// Processes: each node runs in a process group of its own and inherits the environment (so a
// test run's PARLEY_TEST_RUN tag lets scripts/test/run.ts reap it); nginx runs under a shell
// guard that stops it when the process that started the cluster is gone (see NGINX_GUARD).
// Migrations run once, before the nodes start, as compose.yaml's `migrate` service does.
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, readdirSync, statSync } from "node:fs";
import { chmod, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import mysql from "mysql2/promise";
import { createClient } from "redis";
import { startMariaDbReplication, type MariaDbReplication } from "../server/test/helpers/mariadb-replication.js";
import { startRedisCluster, type RedisCluster } from "../server/test/helpers/redis-cluster.js";
import { findBinary, freePort, mysqlAvailability, redisAvailability, type Provisioned } from "./test/services.js";

export const ROOT = path.resolve(import.meta.dirname, "..");
/** The one nginx configuration: compose.yaml mounts it, the cluster includes it. */
export const NGINX_CONF = path.join(ROOT, "deploy/nginx.conf");

export interface ClusterOptions {
  /** Parley nodes behind nginx (default 2). */
  nodes?: number;
  /** nginx's port on 127.0.0.1; 0 picks a free one (default 0). */
  port?: number;
  /** MariaDB server URL without a database (`mysql://user:pass@host:port`). Default: found or started. */
  mysqlUrl?: string;
  /** The database the nodes share, created if missing (default `parley_cluster`). */
  database?: string;
  /** Drop the database when the cluster stops (default false: a dev cluster keeps its data). */
  dropDatabase?: boolean;
  /** Default: found or started. */
  redisUrl?: string;
  /** A Redis Cluster of six servers started on these ports (basePort..basePort+5) instead of one Redis. */
  redisCluster?: { basePort: number };
  /**
   * A MariaDB primary (basePort) and one replica (basePort + 1) started here instead of a
   * MariaDB found or given (not with `mysqlUrl`); the replica delayed by `delaySeconds` (MASTER_DELAY)
   * once the nodes' schema is on it.
   */
  replica?: { basePort: number; delaySeconds?: number };
  /** REDIS_PREFIX of the nodes (default `parley-cluster:`); `stop` deletes its keys when dropDatabase. */
  redisPrefix?: string;
  /** `dist`: server/dist/*.js (after npm run build; what the Docker image runs). `src`: the TypeScript via tsx. Default: dist when built after the last source change. */
  entry?: "dist" | "src";
  /** Environment for the nodes and the CLI on top of the cluster's own (e.g. NODE_ENV=test, BCRYPT_COST=4). */
  env?: Record<string, string>;
  /** Where the processes' output goes, a line at a time (default: dropped; the last lines are kept for errors). */
  log?: (source: string, line: string) => void;
}

export interface ClusterNode {
  /** 1, 2, ... */
  index: number;
  port: number;
  /** The node itself, bypassing nginx. */
  url: string;
  /** How nginx names it in X-Parley-Upstream (`$upstream_addr`). */
  upstream: string;
  proc: ChildProcess;
  exited: Promise<number | null>;
  /** The node's recent output. */
  output(): string;
  /** Whether the process has exited. */
  ended(): boolean;
  /** Signals the node's process group (SIGKILL: a crash; SIGTERM: a graceful stop). */
  kill(signal?: NodeJS.Signals): void;
}

export interface Cluster {
  /** nginx: where clients go. */
  url: string;
  nodes: ClusterNode[];
  /** `mysql://…/<database>`, as the nodes have it. */
  databaseUrl: string;
  /** The MariaDB primary and replica this script started (--replica). */
  replication: MariaDbReplication | undefined;
  /** DATABASE_REPLICA_URLS of the nodes (`mysql://reader@…/<database>`), with `replication`. */
  databaseReplicaUrl: string | undefined;
  /** One Redis's URL, or the cluster's seeds (REDIS_CLUSTER_NODES) joined by commas. */
  redisUrl: string;
  /** The Redis Cluster this script started (--redis-cluster). */
  redisCluster: RedisCluster | undefined;
  redisPrefix: string;
  /** The temporary directory (nginx prefix and config, the nodes' shared DATA_DIR). */
  dir: string;
  /** What the nodes run: the built server/dist or the TypeScript sources. */
  entry: "dist" | "src";
  nginx: ChildProcess;
  /** The environment the nodes run with (for the CLI or another node). */
  env: NodeJS.ProcessEnv;
  /** Runs the server CLI (`create`, `list`, `migrate`, ...) against the cluster's database. */
  cli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }>;
  /** Stops nginx and the nodes (process groups), then what the cluster created or started. Idempotent. */
  stop(): Promise<void>;
}

const tail = (s: string, max = 8000): string => (s.length > max ? s.slice(-max) : s);

/** Resolves after `ms` without keeping the process alive. */
const bound = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms).unref());

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  try {
    process.kill(-child.pid!, signal);
  } catch {
    // the group is gone already
  }
}

/** Stops a process group: `signal`, then SIGKILL after `graceMs` if it is still there. */
async function stopGroup(child: ChildProcess, exited: Promise<unknown>, signal: NodeJS.Signals, graceMs: number): Promise<void> {
  if (child.exitCode === null && child.signalCode === null) {
    killGroup(child, signal);
    await Promise.race([exited, bound(graceMs)]);
  }
  killGroup(child, "SIGKILL");
}

/** Spawns a command in a process group of its own, its output kept and passed to `log` by line. */
function launch(source: string, cmd: string, args: string[], env: NodeJS.ProcessEnv, log: ClusterOptions["log"]) {
  const proc = spawn(cmd, args, { cwd: ROOT, env, detached: true, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  let partial = "";
  const onData = (d: Buffer): void => {
    output = tail(output + d.toString());
    if (!log) return;
    const lines = (partial + d.toString()).split("\n");
    partial = lines.pop() ?? "";
    for (const line of lines) log(source, line);
  };
  proc.stdout!.on("data", onData);
  proc.stderr!.on("data", onData);
  let ended = false;
  const exited = new Promise<number | null>((resolve) => {
    proc.once("exit", (code) => ((ended = true), resolve(code)));
    // A process that could not be started (ENOENT, EACCES) never exits: it ends here.
    proc.once("error", (err) => ((ended = true), (output += `\n${err.message}`), resolve(null)));
  });
  return { proc, exited, output: () => output, ended: () => ended };
}

/** Polls `check` until it holds; fails early when the process exits, and after `timeoutMs`. */
async function until(
  what: string,
  check: () => Promise<boolean>,
  p: { proc: ChildProcess; output(): string; ended(): boolean },
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (p.ended()) throw new Error(`${what}: exited (${p.proc.exitCode ?? p.proc.signalCode}) before it was ready:\n${p.output()}`);
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`${what}: not ready within ${timeoutMs / 1000} s:\n${p.output()}`);
    await new Promise((r) => setTimeout(r, 150));
  }
}

const answers200 = (url: string): Promise<boolean> =>
  fetch(url, { signal: AbortSignal.timeout(2000) }).then(
    (r) => (void r.body?.cancel(), r.status === 200),
    () => false,
  );

/** Whether server/dist was built after the last change to the server's sources (and the protocol it inlines). */
export function builtIsCurrent(): boolean {
  const built = path.join(ROOT, "server/dist/main.js");
  if (!existsSync(built)) return false;
  const newest = (p: string): number => {
    const st = statSync(p);
    return st.isDirectory() ? Math.max(0, ...readdirSync(p).map((f) => newest(path.join(p, f)))) : st.mtimeMs;
  };
  const sources = ["server/src", "sdk/src/protocol.ts", "sdk/src/protocol"].map((p) => path.join(ROOT, p)).filter((p) => existsSync(p));
  return statSync(built).mtimeMs >= Math.max(...sources.map(newest));
}

/**
 * nginx runs under a small shell guard, in the guard's process group: nginx overwrites its own
 * environment with its process titles, so a PARLEY_TEST_RUN tag would not show in /proc and
 * scripts/test/run.ts could not reap it, and a master killed outright leaves its workers serving.
 * The guard stops nginx (its whole group: master and workers) when the process that started the
 * cluster is gone, however it went, and forwards TERM/INT/QUIT. Arguments: nginx, the pid to
 * watch, nginx's own arguments. The guard itself carries no tag: reaping it would orphan nginx.
 */
const NGINX_GUARD = [
  'nginx="$0"; watch="$1"; shift',
  '"$nginx" "$@" & n=$!',
  "trap 'kill -TERM $n 2>/dev/null; wait $n; exit 0' TERM INT QUIT",
  'while kill -0 "$watch" 2>/dev/null && kill -0 $n 2>/dev/null; do sleep 1 & wait $!; done',
  "kill -TERM $n 2>/dev/null; wait $n",
].join("\n");

function guardEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const out = { ...env };
  delete out["PARLEY_TEST_RUN"];
  return out;
}

/** A path as one nginx parameter. */
const q = (p: string): string => JSON.stringify(p);

/** The main nginx.conf of a native run: everything deployment-specific, then deploy/nginx.conf itself. */
export function nativeNginxConf(dir: string): string {
  return [
    "# Written by scripts/cluster.ts for one run; the Parley part is deploy/nginx.conf, included unchanged.",
    "daemon off;",
    "worker_processes 2;",
    `pid ${q(path.join(dir, "nginx.pid"))};`,
    "error_log stderr warn;",
    "events { worker_connections 1024; }",
    "http {",
    `  access_log ${q(path.join(dir, "logs/access.log"))};`,
    ...["client_body", "proxy", "fastcgi", "uwsgi", "scgi"].map((t) => `  ${t}_temp_path ${q(path.join(dir, "tmp", t))};`),
    `  include ${q(NGINX_CONF)};`,
    "}",
    "",
  ].join("\n");
}

/** Starts MariaDB/Redis if needed, migrates, starts the nodes, then nginx in front of them. */
export async function startCluster(opts: ClusterOptions = {}): Promise<Cluster> {
  const log = opts.log;
  const nginxBin = findBinary(["nginx"]);
  if (!nginxBin) throw new Error("nginx is not installed (no nginx on PATH or in /usr/sbin): apt-get install nginx");
  const entry = opts.entry ?? (builtIsCurrent() ? "dist" : "src");
  const provisioned: Provisioned[] = [];
  const launched: { proc: ChildProcess; exited: Promise<unknown>; signal: NodeJS.Signals }[] = [];
  let dir = "";
  let databaseUrl = "";
  let adminUrl = "";
  let redisUrl = "";
  let redisCluster: RedisCluster | undefined;
  let replication: MariaDbReplication | undefined;
  let databaseReplicaUrl: string | undefined;
  const database = opts.database ?? "parley_cluster";
  const redisPrefix = opts.redisPrefix ?? "parley-cluster:";
  if (!/^[A-Za-z0-9_]{1,64}$/.test(database)) throw new Error(`database name "${database}": letters, digits and _ only`);
  if (opts.replica && opts.mysqlUrl) throw new Error("replica starts the MariaDB primary the nodes use: give replica or mysqlUrl, not both");

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> =>
    (stopping ??= (async () => {
      // nginx first (clients stop reaching the nodes), then the nodes, gracefully, then the rest.
      const [nginx, ...nodes] = launched.slice().reverse();
      if (nginx) await stopGroup(nginx.proc, nginx.exited, nginx.signal, 10_000);
      await Promise.all(nodes.map((l) => stopGroup(l.proc, l.exited, l.signal, 10_000)));
      // A primary of our own goes, database included, with the pair.
      if (opts.dropDatabase && adminUrl && !replication) {
        const admin = await mysql.createConnection({ uri: adminUrl, connectTimeout: 5000 }).catch(() => null);
        await admin?.query(`DROP DATABASE IF EXISTS \`${database}\``).catch(() => undefined);
        await admin?.end().catch(() => undefined);
      }
      if (opts.dropDatabase && redisUrl && !redisCluster && !provisioned.some((p) => p.name === "redis")) {
        const r = createClient({ url: redisUrl, socket: { reconnectStrategy: false, connectTimeout: 5000 } });
        r.on("error", () => undefined);
        try {
          await r.connect();
          for await (const keys of r.scanIterator({ MATCH: `${redisPrefix}*`, COUNT: 500 })) if (keys.length) await r.del(keys);
          await r.quit();
        } catch {
          // Redis gone: nothing to clean
        }
      }
      await Promise.all(provisioned.map((p) => p.stop().catch(() => undefined)));
      await redisCluster?.stop();
      await replication?.stop();
      if (dir) await rm(dir, { recursive: true, force: true });
    })());

  try {
    // MariaDB and Redis.
    if (opts.replica) {
      replication = await startMariaDbReplication({ basePort: opts.replica.basePort, ...(log ? { log: (who, line) => log(`db-${who}`, line) } : {}) });
      adminUrl = replication.primaryUrl;
      // Created on the primary, replicated: on the replica it may only read (read_only holds it too).
      await replication.query("primary", "CREATE USER 'reader'@'%' IDENTIFIED BY ''");
      await replication.query("primary", "GRANT SELECT ON *.* TO 'reader'@'%'");
    } else if (opts.mysqlUrl) adminUrl = opts.mysqlUrl;
    else {
      const a = await mysqlAvailability(provisioned);
      if (!a.ok) throw new Error(`MariaDB unavailable: ${a.reason} — ${a.fix}`);
      adminUrl = a.url;
    }
    adminUrl = adminUrl.replace(/\/+$/, "");
    if (opts.redisCluster) {
      redisCluster = await startRedisCluster({ basePort: opts.redisCluster.basePort });
      redisUrl = redisCluster.seeds.join(",");
    } else if (opts.redisUrl) redisUrl = opts.redisUrl;
    else {
      const a = await redisAvailability(provisioned);
      if (!a.ok) throw new Error(`Redis unavailable: ${a.reason} — ${a.fix}`);
      redisUrl = a.url;
    }
    const admin = await mysql.createConnection({ uri: adminUrl, connectTimeout: 5000 });
    await admin.query(`CREATE DATABASE IF NOT EXISTS \`${database}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
    await admin.end();
    databaseUrl = `${adminUrl}/${database}`;
    if (replication) databaseReplicaUrl = `${replication.replicaUrl.replace("//root@", "//reader@")}/${database}`;

    dir = await mkdtemp(path.join(tmpdir(), "parley-cluster-"));
    // As root, nginx's workers run as nobody: they must reach the temp paths below.
    await chmod(dir, 0o755);
    await mkdir(path.join(dir, "parley"));
    await mkdir(path.join(dir, "logs"));
    await mkdir(path.join(dir, "tmp"));
    await mkdir(path.join(dir, "data"));

    // What compose.yaml gives every Parley container, with local addresses.
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      NODE_ENV: "production",
      PARLEY_DEMO: "0",
      HOST: "127.0.0.1",
      DATABASE_URL: databaseUrl,
      ...(databaseReplicaUrl ? { DATABASE_REPLICA_URLS: databaseReplicaUrl } : {}),
      ...(redisCluster ? { REDIS_CLUSTER_NODES: redisUrl } : { REDIS_URL: redisUrl }),
      REDIS_PREFIX: redisPrefix,
      JWT_SECRET: randomBytes(48).toString("base64url"),
      DATA_DIR: path.join(dir, "data"),
      UPLOAD_DIR: path.join(dir, "data/uploads"),
      TRUST_PROXY: "1",
      MIGRATE_ON_START: "0",
      ...opts.env,
    };
    const script = (name: "main" | "cli"): string[] =>
      entry === "dist" ? [path.join(ROOT, `server/dist/${name}.js`)] : ["--import", "tsx", path.join(ROOT, `server/src/${name}.ts`)];
    const cli = (args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> =>
      new Promise((resolve) => {
        const p = spawn(process.execPath, [...script("cli"), ...args], { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
        let stdout = "";
        let stderr = "";
        p.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
        p.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
        p.once("error", (err) => resolve({ code: null, stdout, stderr: stderr + err.message }));
        p.once("close", (code) => resolve({ code, stdout, stderr }));
      });

    // Migrations once, before any node starts (compose.yaml's `migrate` service): two nodes
    // migrating the same database at once would race.
    const migrated = await cli(["migrate"]);
    if (migrated.code !== 0) throw new Error(`npm run migrate failed (${migrated.code}):\n${migrated.stdout}${migrated.stderr}`);
    log?.("migrate", migrated.stdout.trim());
    if (replication) {
      // The database, its tables and the reader on the replica before any node reads it; the lag
      // to rehearse only from here on (the wait would otherwise sit out the delay).
      await replication.waitForReplica();
      if (opts.replica?.delaySeconds) await replication.setDelay(opts.replica.delaySeconds);
    }

    // The nodes, each in a process group of its own (they inherit PARLEY_TEST_RUN when a test runs them).
    const count = opts.nodes ?? 2;
    const nodes: ClusterNode[] = [];
    for (let index = 1; index <= count; index++) {
      const port = await freePort();
      const l = launch(`node${index}`, process.execPath, script("main"), { ...env, PORT: String(port) }, log);
      launched.push({ proc: l.proc, exited: l.exited, signal: "SIGTERM" });
      nodes.push({
        index,
        port,
        url: `http://127.0.0.1:${port}`,
        upstream: `127.0.0.1:${port}`,
        proc: l.proc,
        exited: l.exited,
        output: l.output,
        ended: l.ended,
        kill: (signal = "SIGKILL") => killGroup(l.proc, signal),
      });
    }
    // Ready: the database takes a commit, migrations applied, Redis answers.
    await Promise.all(nodes.map((n) => until(`node ${n.index} (port ${n.port})`, () => answers200(`${n.url}/readyz`), n, 60_000)));

    // nginx, non-daemon, with deploy/nginx.conf.
    await writeFile(path.join(dir, "nginx.conf"), nativeNginxConf(dir));
    await writeFile(
      path.join(dir, "parley/upstream.conf"),
      `# The nodes of this run (scripts/cluster.ts).\n${nodes.map((n) => `server ${n.upstream};`).join("\n")}\n`,
    );
    let port = opts.port ?? 0;
    let nginx: ReturnType<typeof launch> | undefined;
    // A free port can be taken between finding and binding it (other tests run): try a few.
    for (let attempt = 0; !nginx; attempt++) {
      const listen = port || (await freePort());
      await writeFile(path.join(dir, "parley/listen.conf"), `# This run's nginx port (scripts/cluster.ts).\nlisten 127.0.0.1:${listen};\n`);
      const n = launch(
        "nginx",
        "sh",
        ["-c", NGINX_GUARD, nginxBin, String(process.pid), "-p", dir + "/", "-c", path.join(dir, "nginx.conf"), "-e", "stderr"],
        guardEnv(env),
        log,
      );
      try {
        await until(`nginx (port ${listen})`, () => answers200(`http://127.0.0.1:${listen}/livez`), n, 20_000);
        nginx = n;
        port = listen;
        launched.push({ proc: n.proc, exited: n.exited, signal: "SIGTERM" });
      } catch (err) {
        await stopGroup(n.proc, n.exited, "SIGTERM", 5000);
        if (opts.port) throw err;
        if (attempt >= 2 || !/Address already in use/.test((err as Error).message)) throw err;
      }
    }
    return {
      url: `http://127.0.0.1:${port}`,
      nodes,
      databaseUrl,
      replication,
      databaseReplicaUrl,
      redisUrl,
      redisCluster,
      redisPrefix,
      dir,
      entry,
      nginx: nginx.proc,
      env,
      cli,
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** The summary's lines on the replica: where it is, and how to rehearse its faults by hand. */
function replicaHelp(pair: MariaDbReplication, url: string, delay: number): string[] {
  const port = new URL(pair.replicaUrl).port;
  const sql = `mariadb -h127.0.0.1 -P${port} -uroot -e`;
  return [
    `  MariaDB replica: ${url}  (DATABASE_REPLICA_URLS; read_only, MASTER_DELAY ${delay} s)`,
    `    lag:      ${sql} "STOP SLAVE; CHANGE MASTER TO MASTER_DELAY=5; START SLAVE;"  (0 to end it; past DATABASE_REPLICA_MAX_LAG_MS reads go to the primary)`,
    `    stalled:  ${sql} "STOP SLAVE;"  then "START SLAVE;"   state: ${sql} "SHOW SLAVE STATUS\\G"`,
    `    down:     kill -9 $(cat ${path.join(pair.dir, "replica.pid")})  (for the rest of this run)`,
  ];
}

/** `npm run cluster`. */
async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: "string", default: "8080" },
      nodes: { type: "string" },
      database: { type: "string", default: "parley_cluster" },
      "mysql-url": { type: "string" },
      "redis-url": { type: "string" },
      "redis-cluster": { type: "boolean", default: false },
      "redis-cluster-port": { type: "string", default: "7000" },
      replica: { type: "boolean", default: false },
      "replica-port": { type: "string" },
      "replica-delay": { type: "string" },
      src: { type: "boolean", default: false },
      help: { type: "boolean", short: "h" },
    },
    strict: true,
  });
  if (values.help) {
    console.log(
      "npm run cluster -- [--port 8080] [--nodes 2] [--database parley_cluster] [--mysql-url mysql://root@127.0.0.1:3306] [--redis-url redis://127.0.0.1:6379 | --redis-cluster [--redis-cluster-port 7000]] [--replica [--replica-port 3340] [--replica-delay 0]] [--src]",
    );
    return;
  }
  const port = Number(values.port);
  const nodes = Number(values.nodes ?? (values["redis-cluster"] ? "4" : "2"));
  const redisClusterPort = Number(values["redis-cluster-port"]);
  if (values["redis-cluster"] && values["redis-url"]) throw new Error("--redis-url or --redis-cluster, not both");
  if (!Number.isInteger(redisClusterPort) || redisClusterPort < 1 || redisClusterPort > 65535 - 10_005)
    throw new Error(`--redis-cluster-port ${values["redis-cluster-port"]}: a port with room for 6 servers and their bus ports (+10000)`);
  const replicaPort = Number(values["replica-port"] ?? "3340");
  const replicaDelay = Number(values["replica-delay"] ?? "0");
  if (values.replica && values["mysql-url"])
    throw new Error("--replica starts its own MariaDB primary (and replica) for the database: drop --mysql-url, or drop --replica to use that server");
  if (!values.replica && (values["replica-port"] || values["replica-delay"])) throw new Error("--replica-port and --replica-delay go with --replica");
  if (!Number.isInteger(replicaPort) || replicaPort < 1 || replicaPort > 65534)
    throw new Error(`--replica-port ${values["replica-port"]}: a port with room for the replica on the next one`);
  if (!Number.isInteger(replicaDelay) || replicaDelay < 0 || replicaDelay > 86_400)
    throw new Error(`--replica-delay ${values["replica-delay"]}: 0 to 86400 seconds`);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port ${values.port}: not a port number`);
  if (!Number.isInteger(nodes) || nodes < 1 || nodes > 16) throw new Error(`--nodes ${values.nodes}: 1 to 16`);
  if (!values.src && !builtIsCurrent()) console.log("server/dist is missing or older than server/src (npm run build): running the TypeScript sources with tsx");
  const width = Math.max(...["nginx", "migrate", `node${nodes}`, ...(values.replica ? ["db-replica"] : [])].map((s) => s.length));
  const cluster = await startCluster({
    port,
    nodes,
    database: values.database,
    ...(values["mysql-url"] ? { mysqlUrl: values["mysql-url"] } : {}),
    ...(values["redis-url"] ? { redisUrl: values["redis-url"] } : {}),
    ...(values["redis-cluster"] ? { redisCluster: { basePort: redisClusterPort } } : {}),
    ...(values.replica ? { replica: { basePort: replicaPort, delaySeconds: replicaDelay } } : {}),
    ...(values.src ? { entry: "src" as const } : {}),
    log: (source, line) => line && process.stdout.write(`${source.padEnd(width)} | ${line}\n`),
  });
  let stopping = false;
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
    process.on(signal, () => {
      if (stopping) return;
      stopping = true;
      console.log(`\n${signal}: stopping nginx and the nodes`);
      void cluster.stop().then(() => process.exit(0));
    });
  }
  const redact = (u: string): string => u.replace(/\/\/([^:/@]+):[^@]*@/, "//$1:***@");
  console.log(
    [
      "",
      `  Parley cluster: ${cluster.url}  (nginx with deploy/nginx.conf; nodes run ${cluster.entry === "dist" ? "server/dist" : "server/src via tsx"})`,
      ...cluster.nodes.map((n) => `    node ${n.index}: ${n.url}  (pid ${n.proc.pid})`),
      `  MariaDB${cluster.replication ? " primary" : ""}: ${redact(cluster.databaseUrl)}   ${cluster.redisCluster ? "Redis Cluster (3 primaries, 3 replicas)" : "Redis"}: ${cluster.redisUrl} (prefix ${cluster.redisPrefix})`,
      ...(cluster.replication ? replicaHelp(cluster.replication, cluster.databaseReplicaUrl!, replicaDelay) : []),
      `  Create an app: DATABASE_URL=${redact(cluster.databaseUrl)} npm run app:create -- --name "Shop" --origin http://localhost:${new URL(cluster.url).port}`,
      `  Ctrl-C stops everything (${cluster.replication ? "the primary and replica go with it, data included" : "the database and its data are kept"}).`,
      "",
    ].join("\n"),
  );
  // A node or nginx dying on its own ends the cluster: say which, and stop the rest.
  await Promise.race([
    ...cluster.nodes.map((n) => n.exited.then((code) => `node ${n.index} exited (${code})`)),
    new Promise<string>((r) => cluster.nginx.once("exit", (code) => r(`nginx exited (${code})`))),
  ]).then(async (why) => {
    if (stopping) return;
    stopping = true;
    console.error(`${why}: stopping the cluster`);
    await cluster.stop();
    process.exit(1);
  });
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(import.meta.filename)) {
  main().catch((err: unknown) => {
    console.error(`cluster: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  });
}
