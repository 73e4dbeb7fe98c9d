// A local MariaDB primary and one replica from the installed binaries, on two consecutive
// 127.0.0.1 ports, their data directories in a temporary directory. Used by the read-replica
// tests and by `npm run cluster`. The MariaDB on 3306 is never touched: it writes no binlog, so
// it cannot be a primary.
//
// Both data directories come from one `mariadb-install-db` (the replica's is a copy of the
// primary's, made before either server first starts: MariaDB keeps no server identity in it, so
// the copy is as good as a second install, in a fraction of its half second). Root may log in
// over TCP from 127.0.0.1 with an empty password; the replica replicates as that same account.
// Replication is by GTID (MASTER_USE_GTID=slave_pos), so a replica that was down, or killed,
// resumes from what it last applied (mysql.gtid_slave_pos is transactional) without positions.
//
// Each mariadbd runs in a process group of its own and inherits the environment, so a test
// run's PARLEY_TEST_RUN tag lets scripts/test/run.ts reap what an interrupted test left behind
// (it reads /proc/<pid>/environ, which mariadbd leaves as it was given). Readiness is a real
// condition polled through mysql2 (a connection that answers, the replica's two threads running,
// MASTER_GTID_WAIT), never a sleep.
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { constants } from "node:fs";
import { access, cp, mkdtemp, realpath, rm } from "node:fs/promises";
import { createConnection } from "node:net";
import { tmpdir, userInfo } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import mysql from "mysql2/promise";

const run = promisify(execFile);

/** Which of the two servers. */
export type MariaDbRole = "primary" | "replica";

export interface MariaDbReplicationOptions {
  /** The primary's port; the replica listens on basePort + 1. Default 3320. */
  basePort?: number;
  /** MASTER_DELAY the replica starts with, in seconds (see `setDelay`). Default 0. */
  delaySeconds?: number;
  /** Where each server's output goes, a line at a time (default: kept, shown on errors). */
  log?: (who: MariaDbRole, line: string) => void;
}

export interface MariaDbReplication {
  /** `mysql://root@127.0.0.1:<basePort>`: writes, migrations, CREATE DATABASE go here. */
  primaryUrl: string;
  /**
   * `mysql://root@127.0.0.1:<basePort + 1>`. The replica runs with read_only=1, which refuses
   * writes from accounts without the READ ONLY ADMIN privilege; root has ALL PRIVILEGES, which
   * includes it, so root can still write here (and such a write would diverge the replica). The
   * replication SQL thread applies the primary's changes regardless of read_only.
   */
  replicaUrl: string;
  /** The temporary directory holding both data directories, sockets and logs; removed by `stop`. */
  dir: string;
  /**
   * Runs one SQL statement (no multi-statement strings) as root on one server through mysql2, on
   * a connection of its own; the rows of a SELECT or SHOW, [] for anything else.
   */
  query(who: MariaDbRole, sql: string, params?: unknown[]): Promise<Record<string, unknown>[]>;
  /**
   * Sets MASTER_DELAY on the replica (STOP SLAVE; CHANGE MASTER TO MASTER_DELAY=n; START SLAVE)
   * and waits until both replication threads run again. MariaDB counts the delay in whole seconds
   * from the event's commit timestamp (itself whole seconds), so an event becomes visible between
   * n - 1 and n seconds after its commit, n in the usual case.
   */
  setDelay(seconds: number): Promise<void>;
  /**
   * Waits until the replica has applied everything the primary has committed so far: reads
   * @@gtid_binlog_pos on the primary, then MASTER_GTID_WAIT on the replica. Under MASTER_DELAY
   * this waits out the delay. Fails after `timeoutMs` (default 30 s) with the replica's status.
   */
  waitForReplica(timeoutMs?: number): Promise<void>;
  /** Stops the replica server (SIGTERM, SIGKILL after 15 s): a replica that is down. Idempotent. */
  stopReplica(): Promise<void>;
  /**
   * Starts the replica server again on the same data directory and waits until both replication
   * threads run (they start on their own from what the replica remembers, delay included).
   */
  startReplica(): Promise<void>;
  /** Kills both servers and removes the directory. Idempotent. */
  stop(): Promise<void>;
}

const DEFAULT_BASE_PORT = 3320;
const asRoot = typeof process.getuid === "function" && process.getuid() === 0;

/** An executable named `name` on PATH or in the sbin directories (mariadbd lives in /usr/sbin). */
async function findBinary(name: string): Promise<string | undefined> {
  const dirs = [...(process.env["PATH"] ?? "").split(path.delimiter).filter(Boolean), "/usr/sbin", "/usr/local/sbin", "/sbin"];
  for (const dir of dirs) {
    const file = path.join(dir, name);
    if (
      await access(file, constants.X_OK).then(
        () => true,
        () => false,
      )
    )
      return file;
  }
  return undefined;
}

/** Undefined when mariadbd and mariadb-install-db are installed; otherwise the reason to skip. */
export async function mariadbAvailable(): Promise<string | undefined> {
  for (const bin of ["mariadbd", "mariadb-install-db"]) {
    const file = await findBinary(bin);
    if (!file) return `no ${bin} binary: the replication tests start a primary and a replica of their own (apt-get install mariadb-server)`;
    const works = await run(file, ["--version"]).then(
      () => true,
      () => false,
    );
    if (!works) return `${file} --version failed`;
  }
  return undefined;
}

const tail = (s: string, max = 6000): string => (s.length > max ? s.slice(-max) : s);
const pause = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Polls `check` every 100 ms until it returns a value (a throw counts as not yet); fails at once
 * when `dead` names a reason (a server exited), else with `what` after `timeoutMs`.
 */
async function poll<T>(
  what: string,
  timeoutMs: number,
  check: () => Promise<T | undefined>,
  detail: () => string | Promise<string>,
  dead: () => string | undefined = () => undefined,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const gone = dead();
    if (gone) throw new Error(`${what}: ${gone}\n${await detail()}`);
    const v = await check().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs / 1000} s\n${await detail()}`);
    await pause(100);
  }
}

/** Whether something accepts TCP connections on 127.0.0.1:port. */
function answers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: "127.0.0.1", port });
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1000, () => done(false));
    socket.once("connect", () => done(true));
    socket.once("error", () => done(false));
  });
}

interface Server {
  who: MariaDbRole;
  port: number;
  args: string[];
  proc: ChildProcess | undefined;
  exited: Promise<void>;
  output: string;
}

const running = (s: Server): boolean => s.proc !== undefined && s.proc.exitCode === null && s.proc.signalCode === null;

/** Starts a primary and a replica replicating from it; resolves once a change would replicate. */
export async function startMariaDbReplication(opts: MariaDbReplicationOptions = {}): Promise<MariaDbReplication> {
  const basePort = opts.basePort ?? DEFAULT_BASE_PORT;
  const delay = opts.delaySeconds ?? 0;
  const [mariadbd, installDb] = await Promise.all([findBinary("mariadbd"), findBinary("mariadb-install-db")]);
  if (!mariadbd || !installDb) throw new Error((await mariadbAvailable()) ?? "mariadbd or mariadb-install-db not found");

  for (const port of [basePort, basePort + 1])
    if (await answers(port)) throw new Error(`something already listens on 127.0.0.1:${port} (a primary and replica left by an earlier run?)`);
  const dir = await mkdtemp(path.join(tmpdir(), "parley-mariadb-replication-"));
  // mariadbd refuses to run as root unless told to.
  const userArgs = asRoot ? [`--user=${userInfo().username}`] : [];
  // A 2-core box shared with other tests: little memory, a small redo log, few open files.
  const small = ["--innodb-buffer-pool-size=32M", "--innodb-log-file-size=8M", "--open-files-limit=4096"];
  const serverArgs = (who: MariaDbRole, port: number, extra: string[]): string[] => [
    "--no-defaults",
    ...userArgs,
    `--datadir=${path.join(dir, who)}`,
    `--socket=${path.join(dir, `${who}.sock`)}`,
    `--pid-file=${path.join(dir, `${who}.pid`)}`,
    `--tmpdir=${dir}`,
    `--port=${port}`,
    "--bind-address=127.0.0.1",
    "--skip-name-resolve",
    "--character-set-server=utf8mb4",
    "--collation-server=utf8mb4_unicode_ci",
    "--max-connections=500",
    ...small,
    ...extra,
  ];
  const servers: Record<MariaDbRole, Server> = {
    primary: {
      who: "primary",
      port: basePort,
      args: serverArgs("primary", basePort, ["--server-id=1", `--log-bin=${path.join(dir, "primary-bin")}`, "--binlog-format=ROW"]),
      proc: undefined,
      exited: Promise.resolve(),
      output: "",
    },
    replica: {
      who: "replica",
      port: basePort + 1,
      // read_only keeps ordinary accounts from writing here (not root: see replicaUrl).
      args: serverArgs("replica", basePort + 1, ["--server-id=2", `--relay-log=${path.join(dir, "replica-relay-bin")}`, "--read-only=1"]),
      proc: undefined,
      exited: Promise.resolve(),
      output: "",
    },
  };
  const url = (s: Server): string => `mysql://root@127.0.0.1:${s.port}`;
  const outputs = (): string =>
    Object.values(servers)
      .map((s) => `--- mariadbd ${s.who} (${s.port})\n${s.output}`)
      .join("\n");

  const launch = (s: Server): void => {
    // Its own process group, so that stopping it reaches whatever it might start.
    const proc = spawn(mariadbd, s.args, { detached: true, stdio: ["ignore", "pipe", "pipe"] });
    let partial = "";
    const onData = (d: Buffer): void => {
      s.output = tail(s.output + d.toString());
      if (!opts.log) return;
      const lines = (partial + d.toString()).split("\n");
      partial = lines.pop() ?? "";
      for (const line of lines) if (line) opts.log(s.who, line);
    };
    proc.stdout!.on("data", onData);
    proc.stderr!.on("data", onData);
    s.exited = new Promise<void>((resolve) => {
      proc.once("exit", () => resolve());
      proc.once("error", (err) => ((s.output += `\n${err.message}`), resolve()));
    });
    s.proc = proc;
  };

  const signal = (s: Server, sig: NodeJS.Signals): void => {
    try {
      process.kill(-s.proc!.pid!, sig);
    } catch {
      // gone already
    }
  };

  const query = async (who: MariaDbRole, sql: string, params?: unknown[]): Promise<Record<string, unknown>[]> => {
    const conn = await mysql.createConnection({ uri: url(servers[who]), connectTimeout: 5000 });
    try {
      const [rows] = await conn.query(sql, params);
      return Array.isArray(rows) ? (rows as Record<string, unknown>[]) : [];
    } finally {
      await conn.end().catch(() => conn.destroy());
    }
  };

  const slaveStatus = async (): Promise<Record<string, unknown> | undefined> => (await query("replica", "SHOW SLAVE STATUS"))[0];
  const describeReplica = async (): Promise<string> => {
    const st = await slaveStatus().catch((err: Error) => ({ error: err.message }));
    const pick = st
      ? Object.fromEntries(
          ["error", "Slave_IO_Running", "Slave_SQL_Running", "Last_IO_Error", "Last_SQL_Error", "Gtid_IO_Pos", "SQL_Delay", "SQL_Remaining_Delay"]
            .filter((k) => k in st)
            .map((k) => [k, (st as Record<string, unknown>)[k]]),
        )
      : "no replication configured";
    return `replica status: ${JSON.stringify(pick)}\n${outputs()}`;
  };

  const diedOf =
    (...list: Server[]) =>
    (): string | undefined => {
      const down = list.find((s) => !running(s));
      return down ? `mariadbd ${down.who} exited (${down.proc?.exitCode ?? down.proc?.signalCode})` : undefined;
    };

  // Ours, not another server that holds the port: the datadir says so. Without this check a
  // replica that lost the port to the MariaDB on 3306 would be configured there.
  const waitAnswers = (s: Server): Promise<true> =>
    poll<true>(
      `mariadbd ${s.who} on 127.0.0.1:${s.port}`,
      30_000,
      async () => {
        const datadir = String((await query(s.who, "SELECT @@datadir AS d"))[0]?.["d"] ?? "");
        if (path.resolve(datadir) !== (await realpath(path.join(dir, s.who)))) throw new Error(`127.0.0.1:${s.port} is another server's (datadir ${datadir})`);
        return true;
      },
      outputs,
      diedOf(s),
    );

  const waitReplicating = (): Promise<true> =>
    poll<true>(
      "replication running (Slave_IO_Running and Slave_SQL_Running: Yes)",
      30_000,
      async () => {
        const st = await slaveStatus();
        return st?.["Slave_IO_Running"] === "Yes" && st["Slave_SQL_Running"] === "Yes" ? true : undefined;
      },
      describeReplica,
      diedOf(servers.primary, servers.replica),
    );

  const stopServer = async (s: Server, graceMs: number): Promise<void> => {
    if (!running(s)) return;
    signal(s, "SIGTERM");
    const killer = setTimeout(() => signal(s, "SIGKILL"), graceMs);
    await s.exited;
    clearTimeout(killer);
  };

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> =>
    (stopping ??= (async () => {
      // Nothing here is worth a clean shutdown: the directory goes with them.
      await Promise.all(
        Object.values(servers).map(async (s) => {
          if (running(s)) signal(s, "SIGKILL");
          await s.exited;
        }),
      );
      await rm(dir, { recursive: true, force: true });
    })());

  try {
    await run(
      installDb,
      [
        "--no-defaults",
        ...userArgs,
        `--datadir=${path.join(dir, "primary")}`,
        "--auth-root-authentication-method=normal",
        "--skip-test-db",
        // Passed on to the bootstrap server: the redo log is created at this size.
        ...small,
      ],
      { timeout: 60_000 },
    ).catch((err: Error & { stdout?: string; stderr?: string }) => {
      throw new Error(`mariadb-install-db failed: ${err.message}\n${err.stdout ?? ""}${err.stderr ?? ""}`);
    });
    await cp(path.join(dir, "primary"), path.join(dir, "replica"), { recursive: true });

    launch(servers.primary);
    launch(servers.replica);
    await Promise.all([waitAnswers(servers.primary), waitAnswers(servers.replica)]);
    await query(
      "replica",
      `CHANGE MASTER TO MASTER_HOST='127.0.0.1', MASTER_PORT=${servers.primary.port}, MASTER_USER='root', MASTER_PASSWORD='', ` +
        `MASTER_USE_GTID=slave_pos, MASTER_CONNECT_RETRY=1, MASTER_DELAY=${Math.trunc(delay)}`,
    );
    await query("replica", "START SLAVE");
    await waitReplicating();
  } catch (err) {
    await stop();
    throw err;
  }

  return {
    primaryUrl: url(servers.primary),
    replicaUrl: url(servers.replica),
    dir,
    query,
    setDelay: async (seconds) => {
      await query("replica", "STOP SLAVE");
      await query("replica", `CHANGE MASTER TO MASTER_DELAY=${Math.trunc(seconds)}`);
      await query("replica", "START SLAVE");
      await waitReplicating();
    },
    waitForReplica: async (timeoutMs = 30_000) => {
      const pos = String((await query("primary", "SELECT @@gtid_binlog_pos AS pos"))[0]?.["pos"] ?? "");
      if (!pos) return;
      // 0: reached; -1: timed out (errors, e.g. a replica that is down, throw).
      const [row] = await query("replica", "SELECT MASTER_GTID_WAIT(?, ?) AS r", [pos, timeoutMs / 1000]);
      if (Number(row?.["r"]) !== 0) throw new Error(`the replica did not reach ${pos} within ${timeoutMs / 1000} s\n${await describeReplica()}`);
    },
    stopReplica: () => stopServer(servers.replica, 15_000),
    startReplica: async () => {
      if (stopping) throw new Error("this primary and replica are stopped");
      if (!running(servers.replica)) {
        launch(servers.replica);
        await waitAnswers(servers.replica);
      }
      await waitReplicating();
    },
    stop,
  };
}
