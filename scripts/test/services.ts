// What the test run needs besides Node: MariaDB, Redis and Chromium. Each is found (a server
// already answering, or a browser on disk), provisioned (a throwaway server from an installed
// binary), or reported missing with a reason and the fix. `scripts/test/run.ts` uses this once
// for the whole run; the browser helper uses findChromium so a test file run on its own finds
// the same browser.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { accessSync, constants, existsSync, readdirSync, statSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { createConnection, createServer } from "node:net";
import { homedir, tmpdir } from "node:os";
import path from "node:path";

export type ServiceName = "mysql" | "redis" | "browser";

/** A service the run found or started, or why it has none. */
export type Availability = { ok: true; url: string; how: "existing" | "provisioned" } | { ok: false; reason: string; fix: string };

// ---------------------------------------------------------------------------------------------
// Finding executables
// ---------------------------------------------------------------------------------------------

function isExecutableFile(p: string): boolean {
  try {
    if (!statSync(p).isFile()) return false;
    accessSync(p, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The first of `names` on PATH or in the sbin/libexec folders Debian and Homebrew use. */
export function findBinary(names: string[]): string | undefined {
  const dirs = [
    ...(process.env["PATH"] ?? "").split(path.delimiter).filter(Boolean),
    "/usr/sbin",
    "/usr/local/sbin",
    "/usr/libexec",
    "/opt/homebrew/bin",
    "/opt/homebrew/sbin",
  ];
  for (const name of names) for (const dir of dirs) if (isExecutableFile(path.join(dir, name))) return path.join(dir, name);
  return undefined;
}

/** Playwright's own browser downloads, if someone installed them (we never download one). */
function playwrightChromiums(): string[] {
  const roots = [
    process.env["PLAYWRIGHT_BROWSERS_PATH"],
    path.join(homedir(), ".cache", "ms-playwright"),
    path.join(homedir(), "Library", "Caches", "ms-playwright"),
  ].filter((r): r is string => Boolean(r) && existsSync(r as string));
  const found: string[] = [];
  for (const root of roots) {
    for (const dir of readdirSync(root)
      .filter((d) => /^chromium-\d+$/.test(d))
      .sort()
      .reverse()) {
      found.push(
        path.join(root, dir, "chrome-linux", "chrome"),
        path.join(root, dir, "chrome-linux64", "chrome"),
        path.join(root, dir, "chrome-mac", "Chromium.app", "Contents", "MacOS", "Chromium"),
      );
    }
  }
  return found;
}

/**
 * The Chromium (or Chrome) the browser suites drive: `CHROMIUM_PATH`, then the usual Debian,
 * Ubuntu, Fedora and macOS locations, then a Playwright-installed browser.
 */
export function findChromium(): string | undefined {
  const explicit = process.env["CHROMIUM_PATH"];
  if (explicit) return isExecutableFile(explicit) ? explicit : undefined;
  const candidates = [
    "/usr/bin/chromium",
    "/usr/bin/chromium-browser",
    "/snap/bin/chromium",
    "/usr/bin/google-chrome-stable",
    "/usr/bin/google-chrome",
    "/Applications/Chromium.app/Contents/MacOS/Chromium",
    "/Applications/Google Chrome.app/Contents/MacOS/Google Chrome",
    ...playwrightChromiums(),
  ];
  return candidates.find(isExecutableFile);
}

export function browserAvailability(): Availability {
  const found = findChromium();
  if (found) return { ok: true, url: found, how: "existing" };
  const explicit = process.env["CHROMIUM_PATH"];
  return explicit
    ? { ok: false, reason: `CHROMIUM_PATH=${explicit} is not an executable file`, fix: "point CHROMIUM_PATH at a Chromium or Chrome binary" }
    : {
        ok: false,
        reason: "no Chromium or Chrome found (CHROMIUM_PATH, /usr/bin/chromium, macOS apps, Playwright's cache)",
        fix: "apt-get install chromium, or set CHROMIUM_PATH",
      };
}

// ---------------------------------------------------------------------------------------------
// Probing and ports
// ---------------------------------------------------------------------------------------------

/** Whether something accepts TCP connections at host:port (within `timeoutMs`). */
export function answers(host: string, port: number, timeoutMs = 1500): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createConnection({ host, port });
    const done = (ok: boolean): void => {
      s.destroy();
      resolve(ok);
    };
    s.setTimeout(timeoutMs, () => done(false));
    s.once("connect", () => done(true));
    s.once("error", () => done(false));
  });
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

async function waitFor(what: string, check: () => Promise<boolean>, child: ChildProcess, log: () => string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null)
      throw new Error(`${what} exited (${child.exitCode ?? child.signalCode}) before it answered:\n${log()}`);
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${what} did not answer within ${timeoutMs / 1000} s:\n${log()}`);
}

// ---------------------------------------------------------------------------------------------
// Throwaway servers
// ---------------------------------------------------------------------------------------------

/** A server this run started: stopped and its directory removed by `stop`, whatever happened. */
export interface Provisioned {
  name: ServiceName;
  url: string;
  dir: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

function stopper(child: ChildProcess, dir: string): () => Promise<void> {
  let stopping: Promise<void> | undefined;
  return () =>
    (stopping ??= (async () => {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise<void>((r) => child.once("exit", () => r()));
        child.kill("SIGTERM");
        const killer = setTimeout(() => child.kill("SIGKILL"), 15_000);
        await exited;
        clearTimeout(killer);
      }
      await rm(dir, { recursive: true, force: true });
    })());
}

const asRoot = typeof process.getuid === "function" && process.getuid() === 0;

/**
 * A throwaway MariaDB (or MySQL) in a temporary directory, on a free port and its own socket
 * file, as the current user. Root may log in over TCP without a password, like the CI machine's.
 */
export async function startMariadb(): Promise<Provisioned | { error: string }> {
  const server = findBinary(["mariadbd", "mysqld"]);
  if (!server) return { error: "no mariadbd or mysqld on PATH or in /usr/sbin" };
  const installDb = findBinary(["mariadb-install-db", "mysql_install_db"]);
  const dir = await mkdtemp(path.join(tmpdir(), "parley-test-mariadb-"));
  const data = path.join(dir, "data");
  const userArgs = asRoot ? ["--user=root"] : [];
  // MariaDB's installer; MySQL 8 initialises through the server binary itself.
  const init =
    installDb && /mariadb|mysql_install_db/.test(path.basename(installDb))
      ? spawnSync(installDb, ["--no-defaults", `--datadir=${data}`, "--auth-root-authentication-method=normal", "--skip-test-db", ...userArgs], {
          encoding: "utf8",
        })
      : spawnSync(server, ["--no-defaults", "--initialize-insecure", `--datadir=${data}`, ...userArgs], { encoding: "utf8" });
  if (init.status !== 0) {
    await rm(dir, { recursive: true, force: true });
    return { error: `initialising a data directory failed: ${(init.stderr || init.stdout || String(init.error)).trim().split("\n").slice(-3).join(" ")}` };
  }
  const port = await freePort();
  let log = "";
  const child = spawn(
    server,
    [
      "--no-defaults",
      `--datadir=${data}`,
      `--socket=${path.join(dir, "mysqld.sock")}`,
      `--pid-file=${path.join(dir, "mysqld.pid")}`,
      `--tmpdir=${dir}`,
      `--port=${port}`,
      "--bind-address=127.0.0.1",
      "--skip-name-resolve",
      "--character-set-server=utf8mb4",
      "--collation-server=utf8mb4_unicode_ci",
      "--innodb-buffer-pool-size=256M",
      "--max-connections=500",
      ...userArgs,
    ],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  child.stdout?.on("data", (d: Buffer) => (log = (log + d.toString()).slice(-4000)));
  child.stderr?.on("data", (d: Buffer) => (log = (log + d.toString()).slice(-4000)));
  const stop = stopper(child, dir);
  try {
    await waitFor(
      "mariadbd",
      () => answers("127.0.0.1", port, 500),
      child,
      () => log,
    );
  } catch (err) {
    await stop();
    return { error: (err as Error).message };
  }
  return { name: "mysql", url: `mysql://root@127.0.0.1:${port}`, dir, child, stop };
}

/** A throwaway Redis on a free port that keeps nothing on disk. */
export async function startRedis(): Promise<Provisioned | { error: string }> {
  const bin = findBinary(["redis-server", "valkey-server"]);
  if (!bin) return { error: "no redis-server on PATH" };
  const dir = await mkdtemp(path.join(tmpdir(), "parley-test-redis-"));
  const port = await freePort();
  let log = "";
  const child = spawn(bin, ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", dir, "--daemonize", "no"], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  child.stdout?.on("data", (d: Buffer) => (log = (log + d.toString()).slice(-4000)));
  child.stderr?.on("data", (d: Buffer) => (log = (log + d.toString()).slice(-4000)));
  const stop = stopper(child, dir);
  try {
    await waitFor(
      "redis-server",
      () => answers("127.0.0.1", port, 500),
      child,
      () => log,
      20_000,
    );
  } catch (err) {
    await stop();
    return { error: (err as Error).message };
  }
  return { name: "redis", url: `redis://127.0.0.1:${port}`, dir, child, stop };
}

function hostPort(url: string, defaultPort: number): { host: string; port: number; shown: string } {
  const u = new URL(url);
  if (u.password) u.password = "***";
  return { host: u.hostname, port: Number(u.port || defaultPort), shown: `${u.protocol}//${u.host}` };
}

/**
 * MariaDB for the run: `PARLEY_TEST_MYSQL_URL` (or 127.0.0.1:3306) when it answers; otherwise
 * a throwaway instance from an installed binary when the URL was not given explicitly.
 */
export async function mysqlAvailability(started: Provisioned[]): Promise<Availability> {
  const given = process.env["PARLEY_TEST_MYSQL_URL"];
  const url = given ?? "mysql://root@127.0.0.1:3306";
  const { host, port, shown } = hostPort(url, 3306);
  if (await answers(host, port)) return { ok: true, url, how: "existing" };
  if (given) return { ok: false, reason: `nothing answers at PARLEY_TEST_MYSQL_URL (${shown})`, fix: "start that server or unset PARLEY_TEST_MYSQL_URL" };
  const p = await startMariadb();
  if ("error" in p)
    return { ok: false, reason: `no server on ${host}:${port} and ${p.error}`, fix: "apt-get install mariadb-server, or set PARLEY_TEST_MYSQL_URL" };
  started.push(p);
  return { ok: true, url: p.url, how: "provisioned" };
}

/** Redis for the run, found or started the same way (`PARLEY_TEST_REDIS_URL`, 127.0.0.1:6379). */
export async function redisAvailability(started: Provisioned[]): Promise<Availability> {
  const given = process.env["PARLEY_TEST_REDIS_URL"];
  const url = given ?? "redis://127.0.0.1:6379";
  const { host, port, shown } = hostPort(url, 6379);
  if (await answers(host, port)) return { ok: true, url, how: "existing" };
  if (given) return { ok: false, reason: `nothing answers at PARLEY_TEST_REDIS_URL (${shown})`, fix: "start that server or unset PARLEY_TEST_REDIS_URL" };
  const p = await startRedis();
  if ("error" in p)
    return { ok: false, reason: `no server on ${host}:${port} and ${p.error}`, fix: "apt-get install redis-server, or set PARLEY_TEST_REDIS_URL" };
  started.push(p);
  return { ok: true, url: p.url, how: "provisioned" };
}
