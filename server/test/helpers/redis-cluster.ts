// A local Redis Cluster from the installed redis-server: 3 primaries and 3 replicas on six
// consecutive 127.0.0.1 ports (their cluster bus on port + 10000), no persistence, config files
// in a temporary directory. Used by the cluster tests and by `npm run cluster -- --redis-cluster`.
//
// Each redis-server runs in a process group of its own and inherits the environment, so a test
// run's PARLEY_TEST_RUN tag lets scripts/test/run.ts reap what an interrupted test left behind.
// Readiness and failover are real conditions polled through redis-cli (CLUSTER INFO / NODES),
// never sleeps.
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

export interface RedisClusterOptions {
  /** The first of six consecutive ports (7100 -> 7100..7105; the bus uses 17100..17105). */
  basePort: number;
  /**
   * cluster-node-timeout (ms): how long a primary may be unreachable before its replica takes
   * over. Redis's default is 15 s; 2 s keeps drills short (the replica's election adds ~1 s).
   */
  nodeTimeoutMs?: number;
  /** Where each server's output goes, a line at a time (default: kept, shown on errors). */
  log?: (port: number, line: string) => void;
}

export interface RedisClusterProcess {
  port: number;
  proc: ChildProcess;
  exited: Promise<void>;
  output(): string;
}

export interface RedisCluster {
  /** The six servers, by port. */
  servers: RedisClusterProcess[];
  /** `redis://127.0.0.1:<port>` for every server: what REDIS_CLUSTER_NODES gets. */
  seeds: string[];
  /** Runs redis-cli against one server; its stdout. */
  cli(port: number, ...args: string[]): Promise<string>;
  /** CLUSTER KEYSLOT of a key or channel name. */
  keyslot(name: string): Promise<number>;
  /** The port of the primary serving `slot`, as a live server sees it. */
  primaryOf(slot: number): Promise<number>;
  /** SIGKILL one server (a crash: nothing flushed, no goodbye to the cluster). */
  kill(port: number): Promise<void>;
  /**
   * Polls until the slot's primary is no longer `deadPort` and every live server reports
   * cluster_state:ok; returns the new primary's port.
   */
  waitForFailover(slot: number, deadPort: number, timeoutMs?: number): Promise<number>;
  /** Stops every server and removes the directory. Idempotent. */
  stop(): Promise<void>;
}

export const REDIS_CLUSTER_SIZE = 6;

/** Whether redis-server and redis-cli are installed (the cluster tests skip with this reason otherwise). */
export async function redisClusterUnavailable(): Promise<string | false> {
  for (const bin of ["redis-server", "redis-cli"]) {
    const ok = await run(bin, ["--version"]).then(
      () => true,
      () => false,
    );
    if (!ok) return `no ${bin} binary: the Redis Cluster tests start a cluster of their own (apt-get install redis-server)`;
  }
  return false;
}

const tail = (s: string, max = 4000): string => (s.length > max ? s.slice(-max) : s);
const pause = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Polls `check` every 100 ms until it returns a value; fails with `what` after `timeoutMs`. */
async function poll<T>(what: string, timeoutMs: number, check: () => Promise<T | undefined>, detail: () => string = () => ""): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs / 1000} s${detail() ? `\n${detail()}` : ""}`);
    await pause(100);
  }
}

/** One line of CLUSTER NODES. */
interface NodeLine {
  id: string;
  port: number;
  flags: string[];
  primaryId: string;
  slots: [number, number][];
}

function parseNodes(text: string): NodeLine[] {
  return text
    .trim()
    .split("\n")
    .filter(Boolean)
    .map((line) => {
      const [id = "", addr = "", flags = "", primaryId = "", , , , , ...slots] = line.split(" ");
      const port = Number(/:(\d+)@/.exec(addr)?.[1] ?? 0);
      return {
        id,
        port,
        flags: flags.split(","),
        primaryId,
        slots: slots
          .filter((s) => !s.startsWith("["))
          .map((s) => {
            const [a, b] = s.split("-").map(Number) as [number, number | undefined];
            return [a, b ?? a] as [number, number];
          }),
      };
    });
}

/** Starts six servers, joins them into a cluster with one replica per primary, waits until it serves. */
export async function startRedisCluster(opts: RedisClusterOptions): Promise<RedisCluster> {
  const ports = Array.from({ length: REDIS_CLUSTER_SIZE }, (_, i) => opts.basePort + i);
  const dir = await mkdtemp(path.join(tmpdir(), "parley-redis-cluster-"));
  const servers: RedisClusterProcess[] = [];
  const dead = new Set<number>();

  const cli = async (port: number, ...args: string[]): Promise<string> => {
    const { stdout } = await run("redis-cli", ["-h", "127.0.0.1", "-p", String(port), ...args], { timeout: 30_000 });
    return stdout;
  };
  const live = (): number[] => ports.filter((p) => !dead.has(p));
  const outputs = (): string => servers.map((s) => `--- redis ${s.port}\n${s.output()}`).join("\n");

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> =>
    (stopping ??= (async () => {
      await Promise.all(
        servers.map(async (s) => {
          if (s.proc.exitCode === null && s.proc.signalCode === null) {
            try {
              process.kill(-s.proc.pid!, "SIGKILL");
            } catch {
              // gone already
            }
            await s.exited;
          }
        }),
      );
      await rm(dir, { recursive: true, force: true });
    })());

  try {
    for (const port of ports) {
      const proc = spawn(
        "redis-server",
        [
          "--port",
          String(port),
          "--bind",
          "127.0.0.1",
          "--cluster-enabled",
          "yes",
          "--cluster-config-file",
          path.join(dir, `nodes-${port}.conf`),
          "--cluster-node-timeout",
          String(opts.nodeTimeoutMs ?? 2000),
          "--appendonly",
          "no",
          "--save",
          "",
          "--dir",
          dir,
          "--daemonize",
          "no",
        ],
        { detached: true, stdio: ["ignore", "pipe", "pipe"] },
      );
      let output = "";
      let partial = "";
      const onData = (d: Buffer): void => {
        output = tail(output + d.toString());
        if (!opts.log) return;
        const lines = (partial + d.toString()).split("\n");
        partial = lines.pop() ?? "";
        for (const line of lines) if (line) opts.log(port, line);
      };
      proc.stdout!.on("data", onData);
      proc.stderr!.on("data", onData);
      const exited = new Promise<void>((resolve) => {
        proc.once("exit", () => resolve());
        proc.once("error", (err) => ((output += `\n${err.message}`), resolve()));
      });
      servers.push({ port, proc, exited, output: () => output });
    }
    await poll(
      "redis-server on every port",
      20_000,
      async () => {
        const down = servers.find((s) => s.proc.exitCode !== null || s.proc.signalCode !== null);
        if (down) throw Object.assign(new Error(`redis-server ${down.port} exited:\n${down.output()}`), { fatal: true });
        const pongs = await Promise.all(ports.map((p) => cli(p, "PING").catch(() => "")));
        return pongs.every((p) => p.trim() === "PONG") ? true : undefined;
      },
      outputs,
    );
    // The first three given become primaries, each of the last three a replica of one of them.
    await run("redis-cli", ["--cluster", "create", ...ports.map((p) => `127.0.0.1:${p}`), "--cluster-replicas", "1", "--cluster-yes"], {
      timeout: 60_000,
    });
    // Serving: every server says ok and knows the six, and every replica is in sync with its primary.
    await poll(
      "cluster_state:ok on every node with replicas in sync",
      30_000,
      async () => {
        for (const port of ports) {
          const info = await cli(port, "CLUSTER", "INFO");
          if (!/cluster_state:ok/.test(info) || !/cluster_known_nodes:6\b/.test(info) || !/cluster_slots_ok:16384\b/.test(info)) return undefined;
          const role = await cli(port, "INFO", "replication");
          if (/role:slave/.test(role) && !/master_link_status:up/.test(role)) return undefined;
        }
        const nodes = parseNodes(await cli(ports[0]!, "CLUSTER", "NODES"));
        return nodes.filter((n) => n.flags.includes("slave")).length === 3 ? true : undefined;
      },
      outputs,
    );
  } catch (err) {
    await stop();
    throw err;
  }

  const primaryOf = async (slot: number): Promise<number> => {
    const nodes = parseNodes(await cli(live()[0]!, "CLUSTER", "NODES"));
    const owner = nodes.find((n) => n.flags.includes("master") && !n.flags.includes("fail") && n.slots.some(([a, b]) => slot >= a && slot <= b));
    if (!owner) throw new Error(`no live primary serves slot ${slot}`);
    return owner.port;
  };

  return {
    servers,
    seeds: ports.map((p) => `redis://127.0.0.1:${p}`),
    cli,
    keyslot: async (name) => Number((await cli(live()[0]!, "CLUSTER", "KEYSLOT", name)).trim()),
    primaryOf,
    kill: async (port) => {
      const s = servers.find((x) => x.port === port);
      if (!s) throw new Error(`no redis-server on ${port} in this cluster`);
      dead.add(port);
      process.kill(-s.proc.pid!, "SIGKILL");
      await s.exited;
    },
    waitForFailover: (slot, deadPort, timeoutMs = 30_000) =>
      poll(
        `failover of slot ${slot} away from ${deadPort}`,
        timeoutMs,
        async () => {
          for (const port of live()) if (!/cluster_state:ok/.test(await cli(port, "CLUSTER", "INFO"))) return undefined;
          const primary = await primaryOf(slot);
          return primary !== deadPort ? primary : undefined;
        },
        outputs,
      ),
    stop,
  };
}
