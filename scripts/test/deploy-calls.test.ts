/**
 * compose.yaml's `calls` profile (issue 53) run for real, without Docker: coturn with the exact
 * flags the compose file gives it, and Janus from deploy/janus (its entrypoint, its three .jcfg
 * files) through Debian's packages, each with a Parley server in front configured as the compose
 * file configures its nodes. coturn relays with the credentials Parley hands out and refuses a
 * wrong one; Parley creates a group call's room in that Janus with the admin key the entrypoint put
 * there, and a Parley holding another key is refused. Only the listening ports are moved to free
 * ones (and coturn is bound to loopback), so the suite runs beside the others.
 */
import assert from "node:assert/strict";
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { cp, mkdtemp, readFile, readdir, rm, writeFile } from "node:fs/promises";
import { createConnection } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, describe, test } from "node:test";
import type { IceServersResponse } from "@parley/sdk/protocol";
import { cmd, group, ok, party, refused, stunAnswers } from "../../server/test/helpers/calls.js";
import { startServer, type TestServer } from "../../server/test/helpers/harness.js";
import type { ClientSocket } from "../../server/test/helpers/sockets.js";

const ROOT = path.resolve(import.meta.dirname, "../..");
const has = (bin: string): boolean => spawnSync("sh", ["-c", `command -v ${bin}`]).status === 0;
const skip = (bins: string[]): string | false => {
  const missing = bins.filter((b) => !has(b));
  if (missing.length === 0 || process.env["CI"] === "true") return false;
  return `${missing.join(", ")} not installed: apt-get install -y coturn janus`;
};

const compose = await readFile(path.join(ROOT, "compose.yaml"), "utf8");
/** A service's block of compose.yaml (its indented lines). */
const service = (name: string): string => new RegExp(`^  ${name}:\\n((?:    .*\\n|\\n)+)`, "m").exec(compose)?.[1] ?? "";

function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createConnection({ host: "127.0.0.1", port }, () => (s.end(), resolve(true)));
    s.on("error", () => resolve(false));
  });
}

async function stopChild(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once("exit", resolve));
  child.kill("SIGTERM");
  await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
  if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
}

const servers: TestServer[] = [];
const children: ChildProcess[] = [];
const dirs: string[] = [];
const sockets: ClientSocket[] = [];
after(async () => {
  for (const so of sockets) so.close();
  for (const s of servers) await s.close();
  for (const c of children) await stopChild(c);
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

describe("compose.yaml's calls profile", () => {
  test("the nodes pass the calls settings through, reach the host, and the profile names coturn and a Janus built from deploy/janus", () => {
    for (const key of ["TURN_URLS", "TURN_SECRET", "JANUS_WS_URL", "JANUS_ADMIN_KEY"])
      assert.match(compose, new RegExp(`^    ${key}: \\$\\{${key}:-\\}$`, "m"), key);
    assert.match(compose, /^ {4}- "host\.docker\.internal:host-gateway"$/m);
    for (const name of ["coturn", "janus"]) {
      assert.match(service(name), /profiles: \["calls"\]/, name);
      assert.match(service(name), /network_mode: host/, name);
    }
    assert.match(service("janus"), /build: deploy\/janus/);
    assert.match(service("janus"), /JANUS_ADMIN_KEY: \$\{JANUS_ADMIN_KEY:\?/);
  });

  test("coturn with compose's flags relays with the credentials Parley hands out, and refuses a wrong one", {
    skip: skip(["turnserver", "turnutils_uclient"]),
  }, async () => {
    const secret = "deploy-test-secret-0123456789";
    const port = 13578;
    // compose's flags, its variables filled in, the ports moved, bound to loopback (loopback peers allowed for the test).
    const flags = [...service("coturn").matchAll(/^ {6}- (.+)$/gm)].map((m) =>
      m[1]!
        .replace(/\$\{TURN_SECRET:\?[^}]*\}/, secret)
        .replace(/\$\{TURN_REALM:-([^}]*)\}/, "$1")
        .replace(/^--listening-port=\d+$/, `--listening-port=${port}`)
        .replace(/^--min-port=\d+$/, "--min-port=21100")
        .replace(/^--max-port=\d+$/, "--max-port=21139"),
    );
    assert.ok(flags.includes("--use-auth-secret") && flags.includes(`--static-auth-secret=${secret}`), flags.join(" "));
    assert.ok(!flags.some((f) => f.includes("${")), "every variable filled in");
    const dir = await mkdtemp(path.join(tmpdir(), "parley-deploy-turn-"));
    dirs.push(dir);
    const turn = spawn(
      "turnserver",
      [
        ...flags,
        "--listening-ip=127.0.0.1",
        "--relay-ip=127.0.0.1",
        "--allow-loopback-peers",
        "--log-file",
        path.join(dir, "turn.log"),
        "--pidfile",
        path.join(dir, "turn.pid"),
      ],
      { stdio: "ignore" },
    );
    children.push(turn);
    await stunAnswers(port);

    const s = await startServer({ TURN_URLS: `turn:127.0.0.1:${port}?transport=udp`, TURN_SECRET: secret });
    servers.push(s);
    const app = (await s.createTenant("Deploy")).id;
    const user = await s.api.register(app);
    const { iceServers } = (await s.api.get<IceServersResponse>("/calls/ice-servers", { token: user.accessToken })).body;
    const t = iceServers.find((x) => x.urls.some((u) => u.startsWith("turn:")))!;
    const relay = (username: string, credential: string) =>
      new Promise<number | null>((resolve) => {
        const c = spawn(
          "turnutils_uclient",
          ["-p", String(port), "-e", "127.0.0.1", "-u", username, "-w", credential, "-n", "2", "-m", "1", "-y", "127.0.0.1"],
          {
            stdio: "ignore",
          },
        );
        const timer = setTimeout(() => c.kill("SIGKILL"), 60_000);
        c.on("close", (code) => (clearTimeout(timer), resolve(code)));
      });
    assert.equal(await relay(t.username!, t.credential!), 0, "Parley's credentials relay");
    assert.notEqual(await relay(t.username!, "not-the-credential"), 0, "a wrong one is refused");
  });

  test("Janus from deploy/janus: Parley makes a group call's room with the admin key the entrypoint set; another key is refused", {
    skip: skip(["janus"]),
  }, async () => {
    const key = "deploy-janus-key-42";
    const wsPort = 18388;
    // deploy/janus's files, the WebSocket port moved to a free one: the rest as the image has them.
    const dir = await mkdtemp(path.join(tmpdir(), "parley-deploy-janus-"));
    dirs.push(dir);
    for (const f of (await readdir(path.join(ROOT, "deploy/janus"))).filter((n) => n.endsWith(".jcfg")))
      await cp(path.join(ROOT, "deploy/janus", f), path.join(dir, f));
    const ws = path.join(dir, "janus.transport.websockets.jcfg");
    const wsConf = await readFile(ws, "utf8");
    assert.match(wsConf, /ws_port = 8188/);
    await writeFile(ws, wsConf.replace("ws_port = 8188", `ws_port = ${wsPort}`).replace('ws_ip = "0.0.0.0"', 'ws_ip = "127.0.0.1"'));
    const janus = spawn("sh", [path.join(ROOT, "deploy/janus/entrypoint.sh"), "-L", path.join(dir, "janus.log")], {
      env: { ...process.env, JANUS_CONFIG_DIR: dir, JANUS_ADMIN_KEY: key },
      stdio: "ignore",
    });
    children.push(janus);
    for (let i = 0; i < 100 && !(await portOpen(wsPort)); i++) {
      assert.equal(janus.exitCode, null, `janus exited: ${await readFile(path.join(dir, "janus.log"), "utf8").catch(() => "")}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.ok(await portOpen(wsPort), "janus listens");
    assert.ok(!(await readFile(path.join(dir, "janus.plugin.videoroom.jcfg"), "utf8")).includes(key), "the key goes to a copy, not to the image's files");

    const call = async (adminKey: string) => {
      const s = await startServer({ JANUS_WS_URL: `ws://127.0.0.1:${wsPort}`, JANUS_ADMIN_KEY: adminKey });
      servers.push(s);
      const app = (await s.createTenant("Deploy")).id;
      const [ann, bob, cat] = await Promise.all([s.api.register(app), s.api.register(app), s.api.register(app)]).then((as) =>
        Promise.all(as.map((a) => party(s, a, sockets))),
      );
      const g = await group(s, ann!.auth, [bob!.auth, cat!.auth]);
      return cmd(ann!, "call.start", { conversationId: g, invite: [bob!.id, cat!.id] });
    };
    const started = ok(await call(key));
    assert.equal(started.mode, "sfu", "a group call through the deployed Janus");
    const wrong = refused(await call("another-key-123"));
    assert.equal(wrong.code, "service_unavailable", JSON.stringify(wrong));
  });
});
