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
// The waits below guard against a hang, not speed: beside two other suites on a slow two-core box
// (2026-11-28) this suite took 96-106 s and once failed the 100 s wait for the listening line.
test("`npm start` builds and serves on the embedded SQLite default with no set-up", { skip: TEST_DB !== "sqlite", timeout: 300_000 }, async () => {
  const dataDir = await mkdtemp(path.join(tmpdir(), "parley-start-"));
  const env: NodeJS.ProcessEnv = { ...process.env, PORT: "0", HOST: "127.0.0.1", DATA_DIR: dataDir, LOG_LEVEL: "info", NODE_ENV: "production" };
  delete env["DATABASE_URL"];
  delete env["JWT_SECRET"];
  const child = spawn("npm", ["start"], { cwd: ROOT, env, detached: true, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  const output = () => out;
  try {
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no listening line:\n${out}`)), 280_000);
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
    assert.doesNotMatch(output(), /signup/, "no console sign-up link outside demo mode");
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

// Demo mode, as `npm start` runs on a developer's machine (NODE_ENV unset): the banner prints a
// one-time console sign-up link for a demo operator, and following it signs a newcomer up (issue 52).
test("demo mode prints a console sign-up link that signs a newcomer up", { skip: TEST_DB !== "sqlite", timeout: 120_000 }, async () => {
  const dataDir = await mkdtemp(path.join(tmpdir(), "parley-demo-"));
  const env: NodeJS.ProcessEnv = { ...process.env, PORT: "0", HOST: "127.0.0.1", DATA_DIR: dataDir, LOG_LEVEL: "warn", PARLEY_DEMO: "1" };
  delete env["DATABASE_URL"];
  delete env["NODE_ENV"];
  // The build of the test above (or of the run): the server as `npm start` serves it.
  const child = spawn(process.execPath, [path.join(ROOT, "server/dist/main.js")], { cwd: ROOT, env, detached: true, stdio: ["ignore", "pipe", "pipe"] });
  try {
    const link = await new Promise<string>((resolve, reject) => {
      let out = "";
      const timer = setTimeout(() => reject(new Error(`no console link:\n${out}`)), 60_000);
      const onData = (chunk: Buffer) => {
        out += chunk.toString();
        const m = /(http:\/\/localhost:\d+\/console\/#\/signup\/[\w-]+)\s/.exec(out);
        if (m && /PARLEY_DEMO=0/.test(out)) {
          clearTimeout(timer);
          resolve(m[1]!);
        }
      };
      child.stdout.on("data", onData);
      child.stderr.on("data", onData);
      child.once("exit", (code) => reject(new Error(`exited ${code}:\n${out}`)));
    });
    const origin = new URL(link).origin;
    const token = link.split("/signup/")[1]!;
    const info = await fetch(`${origin}/v1/console/invites/${token}`);
    assert.equal(info.status, 200);
    assert.deepEqual(((await info.json()) as { role: string }).role, "operator");
    const up = await fetch(`${origin}/v1/console/signup`, {
      method: "POST",
      headers: { "Content-Type": "application/json", Origin: origin },
      body: JSON.stringify({ token, password: "a newcomer's console password" }),
    });
    assert.equal(up.status, 201, await up.text());
    const again = await fetch(`${origin}/v1/console/signup`, {
      method: "POST",
      headers: { "Content-Type": "application/json", Origin: origin },
      body: JSON.stringify({ token, password: "a newcomer's console password" }),
    });
    assert.ok(again.status >= 400 && again.status < 500, "the link works once");
  } finally {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once("exit", resolve));
      process.kill(-child.pid!, "SIGTERM");
      await exited;
    }
    await rm(dataDir, { recursive: true, force: true });
  }
});
