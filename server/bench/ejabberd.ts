/**
 * The peer for `npm run bench -- --peer ejabberd`: ejabberd from the distribution's package
 * (Debian's ejabberd + erlang-p1-mysql), started here with a generated configuration in a temp dir
 * (its own spool, logs and node name; nothing under /etc/ejabberd is read), its message archive
 * (mod_mam, db_type sql) and its users (auth_method sql) in a throwaway MariaDB database made from
 * the package's MySQL schema. Driven by the same load generator as Parley (worker.ts, XMPP over
 * WebSocket, RFC 7395, at ejabberd_http's /ws). Stopped, and everything removed, at the end.
 *
 * Nothing is installed here: a missing part is a reason to skip (`ejabberdPreflight`).
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { accessSync, chownSync, constants, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { freePort } from "./ports.js";
import os from "node:os";
import path from "node:path";
import mysql from "mysql2/promise";
import { type Db, openDb } from "./seed.js";
import { xmppConnect } from "./xmpp.js";

/** Where ejabberdctl is looked for after $PATH (Debian puts it in /usr/sbin, often not on a user's PATH). */
export const EJABBERDCTL_DIRS = ["/usr/sbin", "/usr/local/sbin", "/opt/ejabberd/bin"];

function isExecutableFile(p: string): boolean {
  try {
    if (!statSync(p).isFile()) return false;
    accessSync(p, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * The ejabberdctl to run: `override` (PARLEY_BENCH_EJABBERDCTL) when given, else the first
 * executable `ejabberdctl` on `pathEnv` ($PATH) or in `dirs`. Never installs anything.
 */
export function findEjabberdctl(
  o: { override?: string | undefined; pathEnv?: string | undefined; dirs?: string[] } = {},
): { path: string } | { missing: string } {
  if (o.override) {
    return isExecutableFile(o.override) ? { path: o.override } : { missing: `PARLEY_BENCH_EJABBERDCTL=${o.override} is not an executable file` };
  }
  const dirs = [...(o.pathEnv ?? "").split(path.delimiter).filter(Boolean), ...(o.dirs ?? EJABBERDCTL_DIRS)];
  for (const d of dirs) {
    const p = path.join(d, "ejabberdctl");
    if (isExecutableFile(p)) return { path: p };
  }
  return { missing: `ejabberdctl not found (looked on PATH and in ${(o.dirs ?? EJABBERDCTL_DIRS).join(", ") || "no other directory"})` };
}

export interface EjabberdInstall {
  ctl: string;
  /** From the release's library directory, e.g. "23.01-1". */
  version: string;
  /** The package's MySQL schema (old, single-host layout: `new_sql_schema: false`). */
  schema: string;
  /** The user ejabberdctl switches to when run as root (INSTALLUSER in the script), if any. */
  installUser: string | null;
}

/** The first entry of `dir` whose name starts with `prefix` (a versioned Erlang application directory). */
function versioned(dir: string, prefix: string): string | null {
  try {
    const hit = readdirSync(dir)
      .filter((n) => n.startsWith(prefix))
      .sort()
      .pop();
    return hit ? path.join(dir, hit) : null;
  } catch {
    return null;
  }
}

/**
 * Everything the peer needs before anything is started: ejabberdctl, the ejabberd release, the
 * p1_mysql driver (a separate Debian package, erlang-p1-mysql, only suggested by ejabberd's), the
 * MySQL schema, and a user allowed to run ejabberdctl (root, or its INSTALLUSER). Either the
 * install, or one line saying what is missing.
 */
export function ejabberdPreflight(
  env: NodeJS.ProcessEnv = process.env,
  where: { ctlDirs?: string[]; erlangLib?: string } = {},
): { install: EjabberdInstall } | { missing: string } {
  const found = findEjabberdctl({ override: env["PARLEY_BENCH_EJABBERDCTL"], pathEnv: env["PATH"], dirs: where.ctlDirs ?? EJABBERDCTL_DIRS });
  if ("missing" in found) return { missing: `${found.missing}; Debian: apt-get install ejabberd erlang-p1-mysql` };
  const ctl = found.path;
  let script = "";
  try {
    script = readFileSync(ctl, "utf8");
  } catch (err) {
    return { missing: `${ctl} is not readable (${err instanceof Error ? err.message : err})` };
  }
  const erlLibs = /^ERL_LIBS=['"]?([^'"\n]+)['"]?/m.exec(script)?.[1];
  const installUser = /^INSTALLUSER=['"]?([^'"\s]*)['"]?/m.exec(script)?.[1] || null;
  const libDirs = [erlLibs, where.erlangLib ?? "/usr/lib/erlang/lib", path.resolve(path.dirname(ctl), "../lib")].filter((d): d is string => !!d);
  const release = libDirs.map((d) => versioned(d, "ejabberd-")).find((d) => d !== null);
  if (!release) return { missing: `ejabberd's Erlang release not found next to ${ctl} (looked in ${libDirs.join(", ")})` };
  const version = path.basename(release).slice("ejabberd-".length);
  if (!libDirs.some((d) => versioned(d, "p1_mysql-") !== null)) {
    return { missing: `ejabberd ${version}: its MySQL driver p1_mysql is not installed (Debian: apt-get install erlang-p1-mysql)` };
  }
  const schema = [env["PARLEY_BENCH_EJABBERD_SCHEMA"], "/usr/share/ejabberd/sql/mysql.sql", path.join(release, "priv/sql/mysql.sql")].find(
    (p): p is string => !!p && existsSync(p),
  );
  if (!schema) return { missing: `ejabberd ${version}: its MySQL schema (sql/mysql.sql) not found` };
  const me = os.userInfo().username;
  if (installUser && me !== "root" && me !== installUser) {
    return { missing: `ejabberd ${version}: ${ctl} runs only as root or ${installUser}, not ${me}` };
  }
  return { install: { ctl, version, schema, installUser } };
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** The beam.smp whose command line names `node` (ejabberdctl runs it under su, so it is not our child). */
function findBeam(node: string): number | null {
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmd = readFileSync(`/proc/${entry}/cmdline`, "utf8");
      if (cmd.includes("beam") && cmd.split("\0").includes(node)) return Number(entry);
    } catch {
      /* gone */
    }
  }
  return null;
}

/** What must go if the bench is interrupted: the node (at once), then the database and its user. */
export interface PeerCleanup {
  /** Synchronous, for process exit: kills the node and removes the temp dir. */
  killNow(): void;
  /** killNow, then drops the database and the MariaDB user (Ctrl-C). */
  abort(): Promise<void>;
}

export interface EjabberdPeer extends PeerCleanup {
  /** ws://127.0.0.1:<port>/ws */
  url: string;
  domain: string;
  /** beam.smp: its CPU and RSS are the server's. */
  pid: number;
  version: string;
  database: string;
  /** The generated ejabberd.yml, its SQL password masked. */
  config: string;
  users: { user: string; password: string }[];
  /** Rows in the MAM archive table so far. */
  archiveRows(): Promise<number>;
  /** Stops the node (SIGTERM: init:stop), removes the temp dir, drops the database and the user. */
  stop(): Promise<void>;
}

/**
 * Creates the database (the package's schema), a MariaDB user for ejabberd (p1_mysql cannot sign
 * in with an empty password), `users` ejabberd users `u0`.. seeded with one multi-row INSERT,
 * writes the configuration, starts `ejabberdctl foreground` and waits until a user can sign in.
 * On failure everything made so far is removed before the error is thrown. From the start until
 * it is stopped, the run is in `track` (the bench's exit and Ctrl-C handlers clean up what is in it).
 */
export async function startEjabberd(o: {
  install: EjabberdInstall;
  mysqlAdmin: string;
  users: number;
  log: (msg: string) => void;
  track?: Set<PeerCleanup>;
}): Promise<EjabberdPeer> {
  const { install } = o;
  const rnd = randomBytes(5).toString("hex");
  const database = `parley_bench_ejabberd_${rnd}`;
  const sqlUser = `pb_ejabberd_${rnd}`;
  const sqlPassword = randomBytes(18).toString("hex");
  const domain = "bench.localhost";
  const node = `parleybench_${rnd}@localhost`;
  const admin = new URL(o.mysqlAdmin);
  let dir: string | null = null;
  let child: ChildProcess | null = null;
  let beam: number | null = null;
  let db: Db | null = null;
  let stopped = false;
  let logTail = "";

  const killNow = (): void => {
    if (child?.pid && child.exitCode === null && child.signalCode === null) {
      try {
        process.kill(-child.pid, "SIGKILL");
      } catch {
        /* gone */
      }
    }
    if (beam && alive(beam)) {
      try {
        process.kill(beam, "SIGKILL");
      } catch {
        /* gone */
      }
    }
    if (dir) rmSync(dir, { recursive: true, force: true });
  };
  const dropDatabase = async (): Promise<void> => {
    const c = await mysql.createConnection({ uri: o.mysqlAdmin, connectTimeout: 5000 });
    try {
      await c.query(`DROP DATABASE IF EXISTS \`${database}\``);
      await c.query(`DROP USER IF EXISTS '${sqlUser}'@'%'`);
    } finally {
      await c.end();
    }
  };
  const cleanup: PeerCleanup = {
    killNow,
    async abort() {
      killNow();
      await dropDatabase();
    },
  };
  o.track?.add(cleanup);
  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    await db?.close().catch(() => undefined);
    // SIGTERM: the Erlang VM runs init:stop(), ejabberd stops its listeners and sessions.
    if (beam && alive(beam)) {
      try {
        process.kill(beam, "SIGTERM");
      } catch {
        /* gone */
      }
      const deadline = Date.now() + 15_000;
      while (alive(beam) && Date.now() < deadline) await sleep(100);
    }
    if (child && child.exitCode === null && child.signalCode === null) {
      await new Promise<void>((resolve) => {
        const t = setTimeout(() => {
          killNow();
          resolve();
        }, 5000);
        child!.once("exit", () => {
          clearTimeout(t);
          resolve();
        });
      });
    }
    killNow();
    beam = null;
    await dropDatabase();
    o.track?.delete(cleanup);
  };

  try {
    const conn = await mysql.createConnection({ uri: o.mysqlAdmin, connectTimeout: 5000 });
    try {
      await conn.query(`CREATE DATABASE \`${database}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
      await conn.query(`CREATE USER '${sqlUser}'@'%' IDENTIFIED BY '${sqlPassword}'`);
      await conn.query(`GRANT ALL PRIVILEGES ON \`${database}\`.* TO '${sqlUser}'@'%'`);
    } finally {
      await conn.end();
    }
    const schemaConn = await mysql.createConnection({ uri: `${o.mysqlAdmin}/${database}`, multipleStatements: true });
    try {
      await schemaConn.query(readFileSync(install.schema, "utf8")).catch((err: unknown) => {
        throw new Error(`loading ${install.schema}: ${err instanceof Error ? err.message : err}`);
      });
    } finally {
      await schemaConn.end();
    }
    // Users straight into ejabberd's table (auth_method sql, plain passwords), as seed.ts does Parley's.
    const password = `pw${randomBytes(8).toString("hex")}`;
    const users = Array.from({ length: o.users }, (_, i) => ({ user: `u${i}`, password }));
    db = await openDb({ mysqlUrl: `${o.mysqlAdmin}/${database}` });
    await db.insert(
      "users",
      ["username", "password"],
      users.map((u) => [u.user, u.password]),
    );

    const [httpPort, distPort] = [await freePort(), await freePort()];
    dir = mkdtempSync(path.join(os.tmpdir(), "parley-bench-ejabberd-"));
    for (const d of ["spool", "logs"]) mkdirSync(path.join(dir, d));
    const yml = (pw: string): string =>
      [
        "# Generated by server/bench/ejabberd.ts for one bench run.",
        "hosts:",
        `  - "${domain}"`,
        "loglevel: warning",
        "hide_sensitive_log_data: true",
        "certfiles: []",
        "acme:",
        "  auto: false",
        "sql_type: mysql",
        `sql_server: "${admin.hostname}"`,
        `sql_port: ${admin.port || 3306}`,
        `sql_database: "${database}"`,
        `sql_username: "${sqlUser}"`,
        `sql_password: "${pw}"`,
        "new_sql_schema: false",
        // Experiments only (docs/performance.md): ejabberd's default pool is 10 connections.
        ...(process.env["PARLEY_BENCH_EJABBERD_SQL_POOL_SIZE"] ? [`sql_pool_size: ${Number(process.env["PARLEY_BENCH_EJABBERD_SQL_POOL_SIZE"])}`] : []),
        "auth_method: sql",
        "auth_password_format: plain",
        "default_db: mnesia",
        "listen:",
        "  -",
        `    port: ${httpPort}`,
        '    ip: "127.0.0.1"',
        // ejabberd's default listen backlog is 5: a burst of connects overflows it (SYNs dropped,
        // handshakes seconds late). Parley's and the relay's is 4096 (Node's default is 511).
        "    backlog: 4096",
        "    module: ejabberd_http",
        "    request_handlers:",
        "      /ws: ejabberd_http_ws",
        "modules:",
        "  mod_mam:",
        "    db_type: sql",
        "    default: always",
        "",
      ].join("\n");
    writeFileSync(path.join(dir, "ejabberd.yml"), yml(sqlPassword));
    // Read by ejabberdctl: the node's name; distribution on a port of its own on 127.0.0.1 and no
    // epmd (nothing left running after the node); a cookie of this run (not ~ejabberd/.erlang.cookie).
    writeFileSync(
      path.join(dir, "ejabberdctl.cfg"),
      [
        `ERLANG_NODE=${node}`,
        `ERL_DIST_PORT=${distPort}`,
        "INET_DIST_INTERFACE=127.0.0.1",
        // PARLEY_BENCH_EJABBERD_ERL_OPTIONS (experiments only) adds VM flags, e.g. "+sbwt none".
        `ERL_OPTIONS="-setcookie ${randomBytes(12).toString("hex")} -env ERL_CRASH_DUMP_BYTES 0 ${(process.env["PARLEY_BENCH_EJABBERD_ERL_OPTIONS"] ?? "").replace(/["$`\\]/g, "")}"`,
        "",
      ].join("\n"),
    );
    // As root, ejabberdctl would `su` to its INSTALLUSER, and su's PAM session (pam_limits) drops
    // the open-files limit to 1024: the node then fails its accepts ("too many open files") and
    // stops near 1,000 connections. So the bench runs ejabberdctl as that user itself (as the
    // package's systemd unit does, which also raises the limit: LimitNOFILE=65536): the node keeps
    // the bench's limits, the same as Parley's.
    let ids: { uid: number; gid: number } | null = null;
    if (os.userInfo().username === "root" && install.installUser) {
      const id = (flag: string): number => Number(execFileSync("id", [flag, install.installUser!]).toString().trim());
      ids = { uid: id("-u"), gid: id("-g") };
      for (const p of [dir, ...["spool", "logs", "ejabberd.yml", "ejabberdctl.cfg"].map((f) => path.join(dir!, f))]) chownSync(p, ids.uid, ids.gid);
    }
    const args = [
      "--config-dir",
      dir,
      "--config",
      path.join(dir, "ejabberd.yml"),
      "--ctl-config",
      path.join(dir, "ejabberdctl.cfg"),
      "--logs",
      path.join(dir, "logs"),
      "--spool",
      path.join(dir, "spool"),
      "foreground",
    ];
    o.log(`ejabberd ${install.version}: ${install.ctl} ${args.join(" ")}`);
    // Its own process group: a Ctrl-C at the terminal reaches the bench, which stops the node itself.
    child = spawn(install.ctl, args, {
      cwd: dir,
      detached: true,
      ...(ids ?? {}),
      stdio: ["ignore", "pipe", "pipe"],
      env: { PATH: process.env["PATH"] ?? "/usr/sbin:/usr/bin:/sbin:/bin", LANG: "C.UTF-8", HOME: dir },
    });
    const keep = (d: Buffer): void => {
      logTail = (logTail + d.toString()).slice(-4000);
    };
    child.stdout!.on("data", keep);
    child.stderr!.on("data", keep);
    const ready = Date.now() + 60_000;
    const url = `ws://127.0.0.1:${httpPort}/ws`;
    const exited = (): boolean => child!.exitCode !== null || child!.signalCode !== null;
    const why = (): string => {
      let errLog = "";
      try {
        errLog = readFileSync(path.join(dir!, "logs/error.log"), "utf8").slice(-2000);
      } catch {
        /* none */
      }
      return `${logTail.slice(-1500)}${errLog ? `\nerror.log: ${errLog}` : ""}`;
    };
    for (;;) {
      if (exited()) throw new Error(`ejabberd exited (${child.exitCode ?? child.signalCode}): ${why()}`);
      if (Date.now() > ready) throw new Error(`ejabberd did not listen on ${httpPort} within 60 s: ${why()}`);
      beam ??= findBeam(node);
      if (beam) {
        try {
          await fetch(`http://127.0.0.1:${httpPort}/ws`, { signal: AbortSignal.timeout(1000) });
          break;
        } catch {
          /* not yet */
        }
      }
      await sleep(200);
    }
    // Listening is not enough: a user signs in (auth through SQL) before the load starts.
    const probe = await xmppConnect({ url, domain, user: users[0]!.user, password, resource: "probe", timeoutMs: 20_000 }).catch((err: unknown) => {
      throw new Error(`ejabberd is up but a user cannot sign in (${err instanceof Error ? err.message : err}): ${why()}`);
    });
    probe.close();
    const nofile = /Max open files\s+(\d+|unlimited)/.exec(readFileSync(`/proc/${beam}/limits`, "utf8"))?.[1] ?? "?";
    o.log(`ejabberd: beam.smp pid ${beam} runs as ${ids ? install.installUser : os.userInfo().username}, open files limit ${nofile}`);
    if (Number(nofile) < o.users + 100) o.log(`ejabberd: WARNING an open files limit of ${nofile} is too low for ${o.users} users`);
    const handle = db;
    return {
      url,
      domain,
      pid: beam!,
      version: install.version,
      database,
      config: yml("<masked>"),
      users,
      async archiveRows() {
        const [r] = await handle.all<{ n: number | string }>("SELECT COUNT(*) AS n FROM archive", []);
        return Number(r?.n ?? 0);
      },
      stop,
      ...cleanup,
    };
  } catch (err) {
    await stop().catch(() => undefined);
    throw err;
  }
}
