import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { test } from "node:test";
import { TEST_DB } from "./helpers/harness.js";

const ROOT = path.resolve(import.meta.dirname, "../..");

// The README's first command, as a newcomer runs it: build, then serve on embedded SQLite.
test("`npm start` builds and serves on the embedded SQLite default with no set-up", { skip: TEST_DB !== "sqlite", timeout: 120_000 }, async () => {
  const dataDir = await mkdtemp(path.join(tmpdir(), "parley-start-"));
  const env: NodeJS.ProcessEnv = { ...process.env, PORT: "0", HOST: "127.0.0.1", DATA_DIR: dataDir, LOG_LEVEL: "info", NODE_ENV: "production" };
  delete env["DATABASE_URL"];
  delete env["JWT_SECRET"];
  const child = spawn("npm", ["start"], { cwd: ROOT, env, detached: true, stdio: ["ignore", "pipe", "pipe"] });
  try {
    const url = await new Promise<string>((resolve, reject) => {
      let out = "";
      const timer = setTimeout(() => reject(new Error(`no listening line:\n${out}`)), 100_000);
      const onData = (chunk: Buffer) => {
        out += chunk.toString();
        const m = /Parley listening on (http:\/\/localhost:\d+)/.exec(out);
        if (m) {
          clearTimeout(timer);
          resolve(m[1]!);
        }
      };
      child.stdout.on("data", onData);
      child.stderr.on("data", onData);
      child.once("exit", (code) => reject(new Error(`exited ${code}:\n${out}`)));
    });
    const health = await fetch(`${url}/v1/healthz`);
    assert.equal(health.status, 200);
    assert.deepEqual(await health.json(), { status: "ok", db: "ok", version: "0.1.0" });
    assert.ok(existsSync(path.join(dataDir, "parley.sqlite")), "SQLite file created in DATA_DIR");
    assert.ok(existsSync(path.join(dataDir, "jwt-secret")), "JWT secret generated into DATA_DIR");
  } finally {
    // Only a group still running is stopped: when `npm start` exited by itself, the failure above
    // (its output) is the answer, not a kill of a group that is gone (ESRCH).
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once("exit", resolve));
      process.kill(-child.pid!, "SIGTERM");
      await exited;
    }
    await rm(dataDir, { recursive: true, force: true });
  }
});
