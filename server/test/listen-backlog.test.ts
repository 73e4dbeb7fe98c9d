import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, test } from "node:test";

const ROOT = path.resolve(import.meta.dirname, "../..");

/**
 * The listen backlog the kernel really gives the server's socket: `ss` shows it as a listening
 * socket's Send-Q. With Node's 511 a reconnect storm of 10,000 clients overflowed it (SYNs dropped,
 * 299 clients waiting out 10 s connect timeouts in the bench); the default is 4096.
 */
async function backlogOfServer(env: Record<string, string>): Promise<{ backlog: number; somaxconn: number }> {
  const dataDir = await mkdtemp(path.join(tmpdir(), "parley-backlog-"));
  const childEnv: NodeJS.ProcessEnv = { ...process.env, NODE_ENV: "production", DATA_DIR: dataDir, HOST: "127.0.0.1", PORT: "0", LOG_LEVEL: "info" };
  for (const key of ["DATABASE_URL", "REDIS_URL", "JWT_SECRET", "LISTEN_BACKLOG"]) delete childEnv[key];
  Object.assign(childEnv, env);
  const child = spawn(process.execPath, ["--import", "tsx", "server/src/main.ts"], { cwd: ROOT, env: childEnv, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  try {
    const port = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no listening line:\n${out}`)), 60_000);
      const read = (d: Buffer): void => {
        out += d;
        const m = /Parley listening on http:\/\/localhost:(\d+)/.exec(out);
        if (m) clearTimeout(timer), resolve(Number(m[1]));
      };
      child.stdout!.on("data", read);
      child.stderr!.on("data", read);
      child.once("exit", (code) => reject(new Error(`exited ${code}:\n${out}`)));
    });
    // State, Recv-Q, Send-Q (the backlog of a listening socket), local address, peer.
    const line = execFileSync("ss", ["-ltnH", `sport = :${port}`], { encoding: "utf8" }).trim();
    const cols = line.split(/\s+/);
    assert.equal(cols[0], "LISTEN", line);
    const somaxconn = Number((await readFile("/proc/sys/net/core/somaxconn", "utf8")).trim());
    return { backlog: Number(cols[2]), somaxconn };
  } finally {
    child.kill("SIGKILL");
    await rm(dataDir, { recursive: true, force: true });
  }
}

describe("listen backlog", () => {
  test("by default the server listens with a backlog of 4096 (as far as the kernel allows), not Node's 511", { timeout: 90_000 }, async () => {
    const { backlog, somaxconn } = await backlogOfServer({});
    assert.equal(backlog, Math.min(4096, somaxconn));
    assert.ok(backlog > 511, `somaxconn ${somaxconn} caps it at ${backlog}`);
  });

  test("LISTEN_BACKLOG sets it", { timeout: 90_000 }, async () => {
    assert.equal((await backlogOfServer({ LISTEN_BACKLOG: "100" })).backlog, 100);
  });
});
