/**
 * Calls (issue 53): the ICE servers Parley hands out work with a real coturn (`use-auth-secret`,
 * TURN REST credentials). The test starts turnserver on loopback (port 13478, relays 21000-21099),
 * asks Parley for a user's ICE servers, and has turnutils_uclient allocate a relay and send through
 * it with the handed-out username and credential; a wrong credential, another user's name and an
 * expired credential are refused. Without turnserver the coturn part is skipped with the reason,
 * except under CI=true, where a missing turnserver fails.
 */
import assert from "node:assert/strict";
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { createHmac, randomBytes } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import type { AuthResponse, IceServersResponse } from "@parley/sdk/protocol";
import { turnCredentials } from "../src/calls/ice-servers.js";
import { stunAnswers } from "./helpers/calls.js";
import { takeMachineLock } from "./helpers/machine-lock.js";
import { startServer, type TestServer } from "./helpers/harness.js";

const TURN_PORT = 13478;
const SECRET = `parley-turn-test-${randomBytes(12).toString("hex")}`;
const TTL = 600;
const hasTurnserver = spawnSync("sh", ["-c", "command -v turnserver && command -v turnutils_uclient"]).status === 0;
const skip = hasTurnserver || process.env["CI"] === "true" ? false : "turnserver (coturn) is not installed: apt-get install -y coturn";

const CONF = `listening-ip=127.0.0.1
relay-ip=127.0.0.1
listening-port=${TURN_PORT}
min-port=21000
max-port=21099
fingerprint
use-auth-secret
static-auth-secret=${SECRET}
realm=parley.test
no-tls
no-dtls
no-cli
allow-loopback-peers
no-multicast-peers
simple-log
no-rfc5780
no-stun-backward-compatibility
`;

/** turnutils_uclient allocating a relay with these credentials and sending through it (client to client). */
function uclient(username: string, credential: string): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn("turnutils_uclient", [
      "-p",
      String(TURN_PORT),
      "-e",
      "127.0.0.1",
      "-u",
      username,
      "-w",
      credential,
      "-n",
      "3",
      "-m",
      "1",
      "-y",
      "127.0.0.1",
    ]);
    let out = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr.on("data", (d: Buffer) => (out += d.toString()));
    const t = setTimeout(() => child.kill("SIGKILL"), 60_000);
    child.on("close", (code) => (clearTimeout(t), resolve({ code, out })));
  });
}

let s: TestServer;
let plain: TestServer;
let app: string;
let user: AuthResponse;

before(async () => {
  s = await startServer({
    TURN_URLS: `turn:127.0.0.1:${TURN_PORT}?transport=udp`,
    TURN_SECRET: SECRET,
    TURN_TTL_SECONDS: String(TTL),
    STUN_URLS: `stun:127.0.0.1:${TURN_PORT}`,
  });
  plain = await startServer();
  app = (await s.createTenant("TURN")).id;
  user = await s.api.register(app);
});

after(async () => {
  await plain?.close();
  await s?.close();
});

describe("ICE servers", () => {
  test("STUN as configured, and TURN credentials of the caller's own (expiry:userId, HMAC-SHA1 of it); never the secret", async () => {
    const before = Math.floor(Date.now() / 1000);
    const res = await s.api.get<IceServersResponse>("/calls/ice-servers", { token: user.accessToken });
    assert.equal(res.status, 200);
    assert.equal(res.body.ttlSec, TTL);
    const [stun, turn] = res.body.iceServers;
    assert.deepEqual(stun, { urls: [`stun:127.0.0.1:${TURN_PORT}`] });
    assert.deepEqual(turn!.urls, [`turn:127.0.0.1:${TURN_PORT}?transport=udp`]);
    const [expiry, who] = turn!.username!.split(":");
    assert.equal(who, user.user.id);
    assert.ok(Number(expiry) >= before + TTL && Number(expiry) <= Math.ceil(Date.now() / 1000) + TTL, `expiry ${expiry}`);
    assert.equal(turn!.credential, createHmac("sha1", SECRET).update(turn!.username!).digest("base64"));
    assert.ok(!JSON.stringify(res.body).includes(SECRET), "the secret itself is never handed out");
    assert.equal((await s.api.get("/calls/ice-servers")).status, 401);
  });

  test("none configured: an empty list (a call on one network needs none)", async () => {
    const other = await plain.api.register((await plain.createTenant()).id);
    const res = await plain.api.get<IceServersResponse>("/calls/ice-servers", { token: other.accessToken });
    assert.deepEqual(res.body, { iceServers: [], ttlSec: 0 });
  });
});

describe("a real coturn", { skip }, () => {
  let dir: string;
  let turnserver: ChildProcess | undefined;
  let release = (): void => undefined;

  before(async () => {
    assert.ok(hasTurnserver, "CI=true needs turnserver and turnutils_uclient (apt-get install -y coturn)");
    // The port and relay range are the machine's: the same suite in the other pass waits for them.
    release = await takeMachineLock(`turn-${TURN_PORT}`);
    dir = await mkdtemp(path.join(tmpdir(), "parley-turn-"));
    await writeFile(path.join(dir, "turnserver.conf"), CONF);
    turnserver = spawn(
      "turnserver",
      ["-c", path.join(dir, "turnserver.conf"), "--log-file", path.join(dir, "turnserver.log"), "--pidfile", path.join(dir, "turnserver.pid")],
      {
        stdio: "ignore",
      },
    );
    await stunAnswers(TURN_PORT);
  });

  after(async () => {
    if (turnserver && turnserver.exitCode === null) {
      const exited = new Promise((resolve) => turnserver!.once("exit", resolve));
      turnserver.kill("SIGTERM");
      await exited;
    }
    if (dir) await rm(dir, { recursive: true, force: true });
    release();
  });

  test("allocates and relays with the credentials Parley handed out; refuses a wrong one, another user's name and an expired one", async () => {
    const { iceServers } = (await s.api.get<IceServersResponse>("/calls/ice-servers", { token: user.accessToken })).body;
    const turn = iceServers.find((x) => x.urls.some((u) => u.startsWith("turn:")))!;
    const good = await uclient(turn.username!, turn.credential!);
    assert.equal(good.code, 0, good.out.slice(-2000));
    assert.match(good.out, /Total lost packets 0 /);
    assert.match(good.out, /tot_recv_msgs=[1-9]/);

    const wrong = await uclient(turn.username!, Buffer.from("not the credential").toString("base64"));
    assert.notEqual(wrong.code, 0, wrong.out.slice(-2000));
    assert.match(wrong.out, /Cannot complete Allocation/);
    const otherName = await uclient(turn.username!.replace(user.user.id, "usr_someone_else"), turn.credential!);
    assert.notEqual(otherName.code, 0);
    // Minted as Parley does, but an hour ago with a ten-minute lifetime: past it, coturn says no.
    const expired = turnCredentials(SECRET, user.user.id, TTL, Date.now() - 3_600_000);
    const late = await uclient(expired.username, expired.credential);
    assert.notEqual(late.code, 0);
    assert.match(late.out, /Cannot complete Allocation/);
  });
});
