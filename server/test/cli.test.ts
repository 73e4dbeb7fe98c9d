import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, describe, test } from "node:test";
import jwt from "jsonwebtoken";
import mysql from "mysql2/promise";
import type { Attachment, AuthResponse, Conversation } from "@parley/sdk/protocol";
import { watchAppChanges } from "../src/ops/app-watch.js";
import { MYSQL_ADMIN_URL, startServer, TEST_DB, TEST_JWT_SECRET, type TestServer } from "./helpers/harness.js";
import { connect, sleep } from "./helpers/sockets.js";

// The operator's CLI (issue 19), spawned the way a user runs it (`npm run app:… -- …`) against the
// database of a real running server, which must apply the change within seconds: on SQLite and
// on MariaDB (PARLEY_TEST_DB).

const ROOT = path.resolve(import.meta.dirname, "../..");
/** How often the test servers look for app changes (production: every 5 s). */
const WATCH_MS = 100;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

type Db = Pick<TestServer, "dataDir" | "databaseUrl">;

const SCRIPTS = (JSON.parse(readFileSync(path.join(ROOT, "package.json"), "utf8")) as { scripts: Record<string, string> }).scripts;
const BUILT_CLI = path.join(ROOT, "server/dist/cli.js");

/**
 * The command an npm script runs (`tsx server/src/cli.ts update` -> `update`), run through the
 * built CLI when `npm run build` has made one (npm test builds first): the same code, without
 * paying npm's and tsx's start-up (about 3 s a call) forty times. `viaNpm` runs the real
 * `npm run -s <script> -- <args>`, to prove the scripts themselves.
 */
function command(script: string, args: string[], viaNpm: boolean): [string, string[]] {
  if (viaNpm) return ["npm", ["run", "-s", script, "--", ...args]];
  const m = /^tsx server\/src\/cli\.ts (\S+)$/.exec(SCRIPTS[script] ?? "");
  if (!m) throw new Error(`package.json has no CLI script ${script}`);
  return existsSync(BUILT_CLI) ? [process.execPath, [BUILT_CLI, m[1]!, ...args]] : [process.execPath, ["--import", "tsx", "server/src/cli.ts", m[1]!, ...args]];
}

/** The CLI script `script` with `args`, against the database of `db`. */
async function cli(db: Db, script: string, args: string[] = [], env: Record<string, string> = {}, viaNpm = false): Promise<Run> {
  const childEnv: NodeJS.ProcessEnv = { ...process.env, DATA_DIR: db.dataDir, JWT_SECRET: TEST_JWT_SECRET, NODE_ENV: "production", ...env };
  delete childEnv["DATABASE_URL"];
  delete childEnv["MIGRATE_ON_START"];
  if (db.databaseUrl) childEnv["DATABASE_URL"] = db.databaseUrl;
  Object.assign(childEnv, env);
  const [cmd, argv] = command(script, args, viaNpm);
  const child = spawn(cmd, argv, { cwd: ROOT, env: childEnv, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d: Buffer) => (stdout += d));
  child.stderr.on("data", (d: Buffer) => (stderr += d));
  const [code] = (await once(child, "exit")) as [number | null];
  return { code, stdout, stderr };
}

async function ok(db: Db, script: string, args: string[] = [], env: Record<string, string> = {}, viaNpm = false): Promise<string> {
  const r = await cli(db, script, args, env, viaNpm);
  assert.equal(r.code, 0, `${script} ${args.join(" ")} failed: ${r.stderr}`);
  return r.stdout;
}

/** Bad input: exit code not 0, nothing on stdout, and exactly one line on stderr matching `message`. */
async function refused(db: Db, script: string, args: string[], message: RegExp, env: Record<string, string> = {}): Promise<void> {
  const r = await cli(db, script, args, env);
  assert.notEqual(r.code, 0, `${script} ${args.join(" ")} should fail`);
  assert.equal(r.stdout, "", `${script}: nothing on stdout`);
  const lines = r.stderr.trim().split("\n");
  assert.equal(lines.length, 1, `${script} ${args.join(" ")}: one line, got:\n${r.stderr}`);
  assert.match(lines[0]!, /^Error: /);
  assert.match(lines[0]!, message);
}

const servers: TestServer[] = [];
const stops: (() => void)[] = [];
after(async () => {
  for (const stop of stops.splice(0)) stop();
  for (const s of servers.splice(0)) await s.close().catch(() => undefined);
});

async function start(): Promise<TestServer> {
  const s = await startServer();
  servers.push(s);
  stops.push(watchAppChanges(s.services, s.io, WATCH_MS));
  return s;
}

async function until(what: string, check: () => Promise<boolean>, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) assert.fail(`timed out: ${what}`);
    await sleep(50);
  }
}

/** A login attempt from a browser at `origin`: 403 when the app does not allow it, else 401 (wrong password). */
let probes = 0;
/** 401 when the origin is allowed (an unknown account), 403 when not. A new email each time: the per-account lockout (5 tries) must not answer 429 while a test polls. */
async function loginStatus(s: TestServer, app: string, origin: string): Promise<number> {
  const res = await s.api.post("/auth/login", {
    app,
    headers: { Origin: origin },
    body: { email: `nobody-${++probes}@example.com`, password: "wrong password" },
  });
  return res.status;
}

function hostToken(secret: string, sub = "host-user-1"): string {
  return jwt.sign({ sub, name: "Host User" }, secret, { algorithm: "HS256", expiresIn: 300 });
}

async function hostSignIn(s: TestServer, app: string, token: string): Promise<number> {
  return (await s.api.post("/auth/host-token", { app, body: { token } })).status;
}

async function dm(s: TestServer, a: AuthResponse, b: AuthResponse): Promise<Conversation> {
  const res = await s.api.post<{ conversation: Conversation }>("/conversations/direct", { token: a.accessToken, body: { userId: b.user.id } });
  assert.ok(res.status === 201 || res.status === 200, JSON.stringify(res.body));
  return res.body.conversation;
}

// A guard against a hang, not a speed limit: the suite spawns some forty CLI processes (tsx, a
// database connection each); on MariaDB beside the other pass it took 211 s, and 240 s ran out once.
describe(`CLI on ${TEST_DB}`, { timeout: 600_000 }, () => {
  test("app:create, app:list and app:update (name, origins) take effect on a running node within seconds", async () => {
    const s = await start();
    // Through npm itself, as the README has it; the other calls use the same CLI, built.
    const created = JSON.parse(await ok(s, "app:create", ["--name", "Shop", "--origin", "https://shop.example", "--json"], {}, true)) as {
      id: string;
      secret: string;
    };
    assert.match(created.id, /^app_/);
    assert.equal(await loginStatus(s, created.id, "https://shop.example"), 401);
    assert.equal(await loginStatus(s, created.id, "https://new.example"), 403);

    await ok(s, "app:update", ["--id", created.id, "--add-origin", "https://new.example", "--name", "Shop & Co"]);
    await until("the new origin is allowed", async () => (await loginStatus(s, created.id, "https://new.example")) === 401);
    await ok(s, "app:update", ["--id", created.id, "--remove-origin", "https://shop.example"]);
    await until("the removed origin is refused", async () => (await loginStatus(s, created.id, "https://shop.example")) === 403);

    const list = JSON.parse(await ok(s, "app:list", ["--json"], {}, true)) as { id: string; name: string; allowedOrigins: string[]; disabled: boolean }[];
    const row = list.find((a) => a.id === created.id);
    assert.deepEqual(row && { name: row.name, allowedOrigins: row.allowedOrigins, disabled: row.disabled }, {
      name: "Shop & Co",
      allowedOrigins: ["https://new.example"],
      disabled: false,
    });

    await ok(s, "app:update", ["--id", created.id, "--origin", "https://a.example", "--origin", "https://b.example"]);
    await until("--origin replaces the list", async () => (await loginStatus(s, created.id, "https://new.example")) === 403);
    assert.equal(await loginStatus(s, created.id, "https://b.example"), 401);
  });

  test("app:rotate-secret: the new secret works at once, the old one until the grace period ends", async () => {
    const s = await start();
    const { id, secret: old } = await s.createTenant("Rotating");
    assert.equal(await hostSignIn(s, id, hostToken(old)), 200);

    const rotated = JSON.parse(await ok(s, "app:rotate-secret", ["--id", id, "--grace", "4s", "--json"])) as {
      secret: string;
      previousSecretValidUntil: string;
    };
    assert.notEqual(rotated.secret, old);
    const graceEnds = Date.parse(rotated.previousSecretValidUntil);
    await until("the new secret is accepted", async () => (await hostSignIn(s, id, hostToken(rotated.secret))) === 200);
    assert.ok(Date.now() < graceEnds - 500, "still within the grace period");
    assert.equal(await hostSignIn(s, id, hostToken(old)), 200, "a token signed with the old secret verifies during the grace period");
    assert.equal(await hostSignIn(s, id, hostToken("some-other-secret-that-is-long-enough")), 401);

    await sleep(Math.max(0, graceEnds - Date.now() + 100));
    const late = await s.api.post("/auth/host-token", { app: id, body: { token: hostToken(old) } });
    assert.equal(late.status, 401, "the old secret no longer verifies once the grace period is over");
    assert.equal(late.body.error.code, "invalid_token");
    assert.equal(await hostSignIn(s, id, hostToken(rotated.secret)), 200);

    const now = JSON.parse(await ok(s, "app:rotate-secret", ["--id", id, "--grace", "0", "--json"])) as {
      secret: string;
      previousSecretValidUntil: string | null;
    };
    assert.equal(now.previousSecretValidUntil, null);
    await until("--grace 0 ends the previous secret at once", async () => (await hostSignIn(s, id, hostToken(rotated.secret))) === 401);
    assert.equal(await hostSignIn(s, id, hostToken(now.secret)), 200);
  });

  test("app:key create, list and revoke: a created key authenticates the server API at once, a revoked one is refused at once", async () => {
    const s = await start();
    const { id } = await s.createTenant("Keys");
    const other = await s.createTenant("Other keys");
    const basic = (k: { id: string; secret: string }) => ({ Authorization: `Basic ${Buffer.from(`${k.id}:${k.secret}`).toString("base64")}` });
    const created = JSON.parse(await ok(s, "app:key", ["create", "--app", id, "--name", "billing backend", "--json"])) as {
      id: string;
      secret: string;
      name: string;
    };
    assert.equal(created.name, "billing backend");
    assert.match(created.id, /^key_/);
    const second = JSON.parse(await ok(s, "app:key", ["create", "--app", id, "--json"])) as { id: string; secret: string };
    assert.equal((await s.api.get("/server/conversations", { headers: basic(created) })).status, 200);
    assert.equal((await s.api.get("/server/conversations", { headers: basic(second) })).status, 200);
    const human = await ok(s, "app:key", ["create", "--app", id, "--name", "shown once"]);
    assert.match(human, /secret: sk_/);

    const listed = JSON.parse(await ok(s, "app:key", ["list", "--app", id, "--json"])) as {
      id: string;
      name: string | null;
      revokedAt: string | null;
      secret?: string;
    }[];
    assert.deepEqual(listed.map((k) => k.id).slice(0, 2), [created.id, second.id]);
    assert.ok(
      listed.every((k) => k.secret === undefined && k.revokedAt === null),
      "a listing never shows secrets",
    );
    assert.deepEqual(JSON.parse(await ok(s, "app:key", ["list", "--app", other.id, "--json"])), [], "keys are per app");

    await refused(s, "app:key", ["revoke", "--app", other.id, "--id", created.id], /no server key/, {});
    assert.deepEqual(JSON.parse(await ok(s, "app:key", ["revoke", "--app", id, "--id", created.id, "--json"])), { id: created.id, revoked: true });
    const gone = await s.api.get("/server/conversations", { headers: basic(created) });
    assert.equal(gone.status, 401, "a revoked key is refused at once (keys are not cached)");
    assert.equal((await s.api.get("/server/conversations", { headers: basic(second) })).status, 200, "the other key still works (rotation)");
    const after = JSON.parse(await ok(s, "app:key", ["list", "--app", id, "--json"])) as { id: string; revokedAt: string | null }[];
    assert.ok(after.find((k) => k.id === created.id)?.revokedAt);

    await refused(s, "app:key", ["create"], /--app/);
    await refused(s, "app:key", ["create", "--app", "app_missing"], /No app/);
    await refused(s, "app:key", ["rotate", "--app", id], /create, list or revoke/);
    await refused(s, "app:key", ["revoke", "--app", id], /--id/);
    await refused(s, "app:key", ["revoke", "--app", id, "--id", "key_missing"], /no server key/);
  });

  test("app:disable refuses the app's requests and sockets with a clear error; other apps are untouched; app:enable undoes it", async () => {
    const s = await start();
    const { id } = await s.createTenant("Disabled soon", ["*"]);
    const other = (await s.createTenant("Other", ["*"])).id;
    const [alice, carol] = [await s.api.register(id), await s.api.register(other)];
    const socket = await connect(s, alice.accessToken);
    const otherSocket = await connect(s, carol.accessToken);
    const dropped = new Promise<string>((resolve) => socket.once("disconnect", (reason) => resolve(reason)));

    assert.match(await ok(s, "app:disable", ["--id", id]), /Disabled app/);
    const reason = await Promise.race([dropped, sleep(5000).then(() => "(still connected)")]);
    assert.equal(reason, "io server disconnect", "the app's open socket is closed");
    const me = await s.api.get("/me", { token: alice.accessToken });
    assert.equal(me.status, 403);
    assert.deepEqual(me.body.error, { code: "forbidden", message: "This app is disabled", details: { reason: "app_disabled" } });
    const register = await s.api.post("/auth/register", { app: id, body: { email: "new@example.com", password: "correct horse battery", displayName: "New" } });
    assert.equal(register.status, 403);
    assert.equal(register.body.error.message, "This app is disabled");
    await assert.rejects(
      connect(s, alice.accessToken),
      (err: Error & { data?: { code?: string } }) => err.message === "This app is disabled" && err.data?.code === "forbidden",
    );
    assert.ok(otherSocket.connected, "another app's socket stays");
    assert.equal((await s.api.get("/me", { token: carol.accessToken })).status, 200);
    assert.match(JSON.parse(await ok(s, "app:list", ["--json"])).find((a: { id: string }) => a.id === id).disabled ? "disabled" : "", /disabled/);

    await ok(s, "app:enable", ["--id", id]);
    await until("the app answers again", async () => (await s.api.get("/me", { token: alice.accessToken })).status === 200);
    (await connect(s, alice.accessToken)).close();
    otherSocket.close();
  });

  test("app:delete asks for --confirm <id>, then removes the app with all its rows and files, and nothing of another app", async () => {
    const s = await start();
    const doomed = (await s.createTenant("Doomed", ["*"])).id;
    const kept = (await s.createTenant("Kept", ["*"])).id;
    const fill = async (app: string): Promise<{ a: AuthResponse; conv: Conversation; file: Attachment }> => {
      const [a, b] = [await s.api.register(app), await s.api.register(app)];
      const conv = await dm(s, a, b);
      const fd = new FormData();
      fd.append("file", new Blob([new TextEncoder().encode(`notes of ${app}`)], { type: "text/plain" }), "notes.txt");
      const up = await s.api.post<Attachment>("/uploads", { token: a.accessToken, raw: fd });
      assert.equal(up.status, 201, JSON.stringify(up.body));
      const sent = await s.api.post(`/conversations/${conv.id}/messages`, { token: a.accessToken, body: { text: "with a file", attachmentIds: [up.body.id] } });
      assert.equal(sent.status, 201, JSON.stringify(sent.body));
      await s.api.put(`/messages/${sent.body.id}/reactions/${encodeURIComponent("👍")}`, { token: b.accessToken });
      await s.api.post(`/conversations/${conv.id}/read`, { token: b.accessToken, body: { messageId: sent.body.id } });
      return { a, conv, file: up.body };
    };
    await fill(doomed);
    const keep = await fill(kept);
    const filesDir = path.join(s.dataDir, "uploads", "files");
    assert.equal(readdirSync(filesDir).length, 2);

    const tables = s.services.db.entityMetadatas.filter((m) => m.columns.some((c) => c.propertyName === "appId")).map((m) => m.tableName);
    const rowsOf = async (app: string): Promise<Record<string, number>> => {
      const out: Record<string, number> = {};
      for (const t of tables) out[t] = Number((await s.services.db.query(`SELECT COUNT(*) AS n FROM ${t} WHERE appId = ?`, [app]))[0].n);
      return out;
    };
    const before = await rowsOf(doomed);
    for (const t of ["users", "conversations", "members", "messages", "uploads", "events"]) assert.ok(before[t]! > 0, `the doomed app has ${t}`);
    const keptBefore = await rowsOf(kept);

    await refused(s, "app:delete", ["--id", doomed], /run it again with --confirm app_/);
    await refused(s, "app:delete", ["--id", doomed, "--confirm", kept], /--confirm/);
    assert.deepEqual(await rowsOf(doomed), before, "nothing deleted without the confirmation");

    const out = await ok(s, "app:delete", ["--id", doomed, "--confirm", doomed]);
    assert.match(out, /Deleted app .*messages.*1 file/);
    const afterRows = await rowsOf(doomed);
    assert.deepEqual(
      Object.entries(afterRows).filter(([, n]) => n > 0),
      [],
      "no row of the app is left in any table",
    );
    assert.equal(Number((await s.services.db.query("SELECT COUNT(*) AS n FROM apps WHERE id = ?", [doomed]))[0].n), 0);
    assert.deepEqual(readdirSync(filesDir), [path.basename(readdirSync(filesDir)[0]!)]);
    assert.equal(readdirSync(filesDir).length, 1, "the app's file is gone, the other app's stays");
    assert.deepEqual(await rowsOf(kept), keptBefore, "the other app is untouched");
    assert.equal((await s.api.get(`/conversations/${keep.conv.id}`, { token: keep.a.accessToken })).status, 200);
    assert.equal((await fetch(`${s.url}/v1/uploads/${keep.file.id}`, { headers: { Authorization: `Bearer ${keep.a.accessToken}` } })).status, 200);
    await until(
      "the deleted app is unknown to the node",
      async () => (await s.api.post("/auth/login", { app: doomed, body: { email: "a@b.example", password: "whatever password" } })).status === 404,
    );
  });

  test("bad input: one clear line on stderr and a non-zero exit", async () => {
    const s = await start();
    const { id } = await s.createTenant("Input");
    await refused(s, "app:create", [], /--name is required/);
    await refused(s, "app:create", ["--name", "X", "--origin", "shop.example"], /"shop\.example" is not an origin/);
    await refused(s, "app:update", ["--name", "X"], /--id is required/);
    await refused(s, "app:update", ["--id", "app_nosuchapp", "--name", "X"], /No app with id app_nosuchapp/);
    await refused(s, "app:update", ["--id", id], /Nothing to change/);
    await refused(s, "app:update", ["--id", id, "--origin", "ftp://files.example"], /is not an origin/);
    await refused(s, "app:update", ["--id", id, "--remove-origin", "https://never.example"], /Not among the app's origins/);
    await refused(s, "app:update", ["--id", id, "--name", "   "], /--name must be 1 to 120 characters/);
    await refused(s, "app:rotate-secret", ["--id", id, "--grace", "5"], /needs a unit/);
    await refused(s, "app:rotate-secret", ["--id", id, "--grace", "40d"], /at most 30d/);
    await refused(s, "app:rotate-secret", ["--id", id, "--grace", "soon"], /not a duration/);
    await refused(s, "app:disable", ["--id", id, "--bogus"], /Unknown option '--bogus'/);
    await refused(s, "app:disable", [], /--id is required/);
    await refused(s, "migrate:new", ["--name", "lower case"], /PascalCase/);
    await refused(
      { dataDir: s.dataDir, databaseUrl: "mysql://root@127.0.0.1:1/parley" },
      "app:list",
      [],
      /Cannot reach the database at mysql:\/\/root@127\.0\.0\.1:1\/parley \(ECONNREFUSED\)/,
    );
    // Nothing above changed the app.
    const [row] = JSON.parse(await ok(s, "app:list", ["--json"])) as { id: string; name: string }[];
    assert.deepEqual(row && { id: row.id, name: row.name }, { id, name: "Input" });
  });
});

/** A fresh, empty database of the run's kind, outside any server. */
async function emptyDatabase(): Promise<Db & { drop(): Promise<void> }> {
  const dataDir = await mkdtemp(path.join(tmpdir(), "parley-cli-"));
  if (TEST_DB !== "mysql") return { dataDir, databaseUrl: undefined, drop: () => rm(dataDir, { recursive: true, force: true }) };
  const name = `parley_cli_${process.pid}_${Date.now()}`;
  const admin = await mysql.createConnection({ uri: MYSQL_ADMIN_URL, connectTimeout: 5000 });
  await admin.query(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
  await admin.end();
  return {
    dataDir,
    databaseUrl: `${MYSQL_ADMIN_URL}/${name}`,
    async drop() {
      const c = await mysql.createConnection({ uri: MYSQL_ADMIN_URL, connectTimeout: 5000 });
      await c.query(`DROP DATABASE IF EXISTS \`${name}\``);
      await c.end();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

describe(`migrations on ${TEST_DB}`, { timeout: 240_000 }, () => {
  test("migrate:status lists what is pending, migrate applies it, migrate:revert undoes the last; with MIGRATE_ON_START=0 app commands wait for migrate", async () => {
    const db = await emptyDatabase();
    try {
      const status = await ok(db, "migrate:status");
      const lines = status.trim().split("\n");
      assert.ok(
        lines.slice(0, -1).every((l) => l.startsWith("[ ] ")),
        status,
      );
      assert.ok(lines.some((l) => l === "[ ] AppLifecycle1763870000000"));
      assert.match(lines.at(-1)!, /^\d+ pending: npm run migrate applies them$/);
      const count = lines.length - 1;

      await refused(db, "app:list", [], /migration\(s\) pending: run npm run migrate first/, { MIGRATE_ON_START: "0" });
      assert.match(await ok(db, "migrate"), new RegExp(`^Applied ${count} migration\\(s\\):`));
      assert.match(await ok(db, "migrate:status"), /All applied\n$/);
      assert.equal((await ok(db, "migrate")).trim(), "Database is up to date: no migration pending");
      const states = JSON.parse(await ok(db, "migrate:status", ["--json"])) as { name: string; applied: boolean }[];
      assert.equal(states.length, count);
      assert.ok(states.every((m) => m.applied));

      assert.equal((await ok(db, "migrate:revert")).trim(), `Reverted ${states.at(-1)!.name}`);
      assert.match(await ok(db, "migrate:status"), /1 pending/);
      await ok(db, "migrate");
      assert.match(await ok(db, "app:create", ["--name", "After", "--json"], { MIGRATE_ON_START: "0" }), /"id":"app_/);
    } finally {
      await db.drop();
    }
  });

  test("MIGRATE_ON_START=0: the server starts without migrating, /readyz says what is pending, and is ready once npm run migrate ran", {
    timeout: 120_000,
  }, async () => {
    const db = await emptyDatabase();
    await ok(db, "migrate");
    await ok(db, "migrate:revert");
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      NODE_ENV: "production",
      DATA_DIR: db.dataDir,
      HOST: "127.0.0.1",
      PORT: "0",
      LOG_LEVEL: "info",
      JWT_SECRET: TEST_JWT_SECRET,
      MIGRATE_ON_START: "0",
    };
    delete env["DATABASE_URL"];
    delete env["REDIS_URL"];
    if (db.databaseUrl) env["DATABASE_URL"] = db.databaseUrl;
    const child = spawn(process.execPath, ["--import", "tsx", "server/src/main.ts"], { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    try {
      const url = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no listening line:\n${out}`)), 60_000);
        const onData = (d: Buffer): void => {
          out += d;
          const m = /Parley listening on http:\/\/localhost:(\d+)/.exec(out);
          if (m) clearTimeout(timer), resolve(`http://127.0.0.1:${m[1]}`);
        };
        child.stdout.on("data", onData);
        child.stderr.on("data", onData);
        child.once("exit", (code) => reject(new Error(`exited ${code}:\n${out}`)));
      });
      assert.match(out, /MIGRATE_ON_START=0 and 1 migration\(s\) pending: run npm run migrate/);
      assert.equal((await fetch(`${url}/livez`)).status, 200);
      const sick = await fetch(`${url}/readyz`);
      assert.equal(sick.status, 503);
      const body = (await sick.json()) as { checks: { migrations: string } };
      assert.equal(body.checks.migrations, "pending");
      assert.match(await ok(db, "migrate"), /Applied 1 migration/);
      await until("ready once migrated", async () => (await fetch(`${url}/readyz`)).status === 200, 10_000);
    } finally {
      const exited = once(child, "exit");
      child.kill("SIGTERM");
      await exited;
      await db.drop();
    }
    assert.ok(!existsSync(db.dataDir));
  });
});
