// The deployment topology, proven natively: `npm run cluster`'s startCluster (two Parley nodes,
// MariaDB, Redis, Debian's nginx running deploy/nginx.conf), then users on different nodes talk
// through nginx over HTTP and WebSocket, one node is killed, and the survivors carry on. Plus the
// static half: the README, compose.yaml and the Dockerfile name the same files the cluster runs.
//
// Without nginx the cluster part is skipped with the reason; under CI=true (or PARLEY_TEST_REQUIRE
// naming all or nginx) it fails instead, as scripts/test/run.ts treats its missing parts.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { isBuiltin } from "node:module";
import path from "node:path";
import { describe, test } from "node:test";
import { NodeWebSocket } from "engine.io-client";
import { io, type Socket } from "socket.io-client";
import type { Ack, AuthResponse, ClientToServerEvents, Conversation, Message, ServerToClientEvents } from "@parley/sdk/protocol";
import { NGINX_CONF, nativeNginxConf, ROOT, startCluster, type Cluster } from "../cluster.js";
import { findBinary, mysqlAvailability, redisAvailability, type Provisioned } from "./services.js";

const read = (p: string): string => readFileSync(path.join(ROOT, p), "utf8");

// ---------------------------------------------------------------------------------------------
// The files: one nginx configuration, everywhere
// ---------------------------------------------------------------------------------------------

describe("deployment files", () => {
  test("the README shows deploy/nginx.conf exactly, and links it", () => {
    const readme = read("README.md");
    const blocks = [...readme.matchAll(/```nginx\n([\s\S]*?)```/g)].map((m) => m[1]!);
    assert.equal(blocks.length, 1, "one nginx block in the README");
    assert.equal(blocks[0]!.trim(), read("deploy/nginx.conf").trim(), "the README's nginx block is deploy/nginx.conf");
    assert.match(readme, /\]\(deploy\/nginx\.conf\)/, "the README links deploy/nginx.conf");
  });

  test("compose.yaml mounts deploy/nginx.conf and deploy/compose/, which name compose's nodes", () => {
    const compose = read("compose.yaml");
    assert.match(compose, /- \.\/deploy\/nginx\.conf:\/etc\/nginx\/conf\.d\/default\.conf:ro/);
    assert.match(compose, /- \.\/deploy\/compose:\/etc\/nginx\/parley:ro/);
    // deploy/nginx.conf includes parley/upstream.conf and parley/listen.conf (relative to /etc/nginx).
    const conf = read("deploy/nginx.conf");
    for (const inc of ["parley/upstream.conf", "parley/listen.conf"]) {
      assert.match(conf, new RegExp(`^\\s*include ${inc.replace(".", "\\.")};`, "m"));
      assert.ok(existsSync(path.join(ROOT, "deploy/compose", path.basename(inc))), `deploy/compose/${path.basename(inc)}`);
    }
    const port = /^\s+PORT: "(\d+)"/m.exec(compose)?.[1];
    assert.ok(port, "compose.yaml sets PORT");
    const upstreams = [...read("deploy/compose/upstream.conf").matchAll(/^server ([\w-]+):(\d+);/gm)].map((m) => [m[1], m[2]]);
    assert.deepEqual(upstreams, [
      ["parley1", port],
      ["parley2", port],
    ]);
    for (const [service] of upstreams) assert.match(compose, new RegExp(`^  ${service}:$`, "m"), `service ${service}`);
    assert.match(read("deploy/compose/listen.conf"), /^listen 80;$/m);
    assert.match(compose, /"8080:80"/);
  });

  test("compose.yaml's environment keys are ones server/src/config.ts reads (its schema, and the parts it spreads from config/)", () => {
    const sources = ["server/src/config.ts", ...readdirSync(path.join(ROOT, "server/src/config")).map((f) => `server/src/config/${f}`)];
    const known = new Set(sources.flatMap((f) => [...read(f).matchAll(/^ {2}([A-Z][A-Z0-9_]+): /gm)].map((m) => m[1]!)));
    assert.ok(known.size > 20, "config.ts's env schema was parsed");
    const compose = read("compose.yaml");
    const block = /^x-parley:[\s\S]*?\n {2}environment:\n([\s\S]*?)\n {2}\w/m.exec(compose)?.[1] ?? "";
    const keys = [...block.matchAll(/^ {4}([A-Z][A-Z0-9_]+):/gm)].map((m) => m[1]!);
    assert.ok(keys.length >= 6, `compose's node environment was parsed: ${keys.join(", ")}`);
    for (const k of keys) assert.ok(known.has(k), `${k} is not a setting config.ts knows`);
  });

  test("the Dockerfile copies files that exist, starts what the build makes, and checks /livez", () => {
    const docker = read("Dockerfile");
    const ignored = read(".dockerignore")
      .split("\n")
      .map((l) => l.trim())
      .filter((l) => l && !l.startsWith("#") && !l.startsWith("!"));
    const isIgnored = (p: string): boolean =>
      ignored.some((pat) => {
        const body = pat
          .replace(/\./g, "\\.")
          .replace(/\*\*\//g, "\0")
          .replace(/\*/g, "[^/]*")
          .replace(/\0/g, "(.*/)?");
        const re = new RegExp(`^${body}(/|$)`);
        return re.test(p.replace(/\/$/, ""));
      });
    const sources = [...docker.matchAll(/^COPY (?!--from)(.+) \S+$/gm)].flatMap((m) => m[1]!.split(/\s+/));
    assert.ok(sources.length > 5);
    for (const src of sources) {
      if (src === ".") continue;
      assert.ok(existsSync(path.join(ROOT, src)), `COPY ${src}: no such file in the repo`);
      assert.ok(!isIgnored(src), `COPY ${src}: excluded by .dockerignore`);
    }
    // What the runtime copies from the build stage is what `npm run build` makes.
    for (const m of docker.matchAll(/^COPY --from=build \/app\/(\S+?)\/? /gm)) assert.ok(existsSync(path.join(ROOT, m[1]!)) || /dist$/.test(m[1]!), m[1]);
    assert.match(read("rollup.config.mjs"), /main: "server\/src\/main\.ts", cli: "server\/src\/cli\.ts"/);
    assert.match(docker, /^CMD \["node", "server\/dist\/main\.js"\]$/m);
    assert.match(JSON.parse(read("package.json")).scripts.start, /node server\/dist\/main\.js$/);
    assert.match(docker, /^HEALTHCHECK [\s\S]*\/livez/m);
    assert.match(docker, /^USER node$/m);
    assert.match(docker, /^EXPOSE 3000$/m);
    assert.match(docker, /^VOLUME \["\/data"\]$/m);
    assert.equal([...docker.matchAll(/^FROM /gm)].length, 3, "build, deps and runtime stages");
    // The same start command and migration step as compose.yaml.
    assert.match(read("compose.yaml"), /command: \["node", "server\/dist\/cli\.js", "migrate"\]/);
    for (const ignoredDir of ["node_modules", "dist"]) assert.ok(isIgnored(`server/${ignoredDir}`), `.dockerignore keeps ${ignoredDir} out`);
  });

  test("the image's Node is 24 LTS (Dockerfile and compose), which package.json's engines admit and .ci/node24 runs", () => {
    const docker = read("Dockerfile");
    assert.match(docker, /^ARG NODE_VERSION=24(\.\d+){0,2}$/m);
    for (const from of docker.matchAll(/^FROM (\S+)/gm)) assert.match(from[1]!, /^node:\$\{NODE_VERSION\}-/, `${from[1]} builds on the ARG`);
    assert.match(read("compose.yaml"), /^ {6}NODE_VERSION: "24(\.\d+){0,2}"$/m);
    const engines = JSON.parse(read("package.json")).engines.node as string;
    const floor = /^>=(\d+)\.(\d+)$/.exec(engines);
    assert.ok(floor && Number(floor[1]) <= 24, `engines ${engines} admits Node 24`);
    assert.match(read(".ci/node24"), /node@24[.\s]/);
    assert.match(read(".ci/run"), /^bash \.ci\/node24$/m);
  });

  test("the server imports only its own production dependencies (the image installs no others)", () => {
    const deps = new Set(Object.keys(JSON.parse(read("server/package.json")).dependencies ?? {}));
    const files: string[] = [];
    const walk = (dir: string): void => {
      for (const e of readdirSync(path.join(ROOT, dir), { withFileTypes: true })) {
        if (e.isDirectory()) walk(`${dir}/${e.name}`);
        else if (e.name.endsWith(".ts")) files.push(`${dir}/${e.name}`);
      }
    };
    walk("server/src");
    const strays: string[] = [];
    for (const f of files) {
      // Type-only imports vanish from the build.
      const code = read(f).replace(/^\s*(import|export) type [^;]*;/gm, "");
      for (const m of code.matchAll(/(?:\bfrom\s+|\bimport\s*\(?\s*)"([^".][^"]*)"/g)) {
        const spec = m[1]!;
        if (spec.startsWith("node:") || isBuiltin(spec) || spec === "@parley/sdk/protocol") continue; // the protocol is inlined by the build
        const pkg = spec.startsWith("@") ? spec.split("/").slice(0, 2).join("/") : spec.split("/")[0]!;
        if (!deps.has(pkg)) strays.push(`${f}: ${spec}`);
      }
    }
    assert.deepEqual(strays, [], "imported at runtime but not in server/package.json dependencies");
  });

  test("the native nginx.conf includes deploy/nginx.conf itself and adds only per-run paths", () => {
    const main = nativeNginxConf("/tmp/parley-cluster-x");
    assert.ok(main.includes(`include ${JSON.stringify(NGINX_CONF)};`));
    // Nothing Parley-specific in it: proxying lives in deploy/nginx.conf alone.
    assert.doesNotMatch(main, /proxy_pass|upstream|location|listen/);
  });
});

// ---------------------------------------------------------------------------------------------
// The cluster
// ---------------------------------------------------------------------------------------------

type ClientSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

/**
 * The node that answered, from X-Parley-Upstream ($upstream_addr): nginx lists every node it
 * tried, e.g. "127.0.0.1:4001, 127.0.0.1:4002" when the first refused the connection.
 */
const answered = (header: string | null | undefined): string => header?.split(/,\s*/).at(-1) ?? "";

const requireSpec = process.env["PARLEY_TEST_REQUIRE"] ?? (process.env["CI"] === "true" || process.env["CI"] === "1" ? "all" : "");
const nginxRequired = requireSpec.split(",").some((s) => ["all", "nginx"].includes(s.trim()));
const NGINX = findBinary(["nginx"]);
const provisioned: Provisioned[] = [];

/** Why the cluster cannot run here (a skip, or under CI a failure), or the services it uses. */
async function prerequisites(): Promise<{ missing: string } | { mysqlUrl: string; redisUrl: string }> {
  if (!NGINX) return { missing: "nginx unavailable: no nginx on PATH or in /usr/sbin — apt-get install nginx" };
  if (process.env["PARLEY_TEST_SKIP_REDIS"]) return { missing: process.env["PARLEY_TEST_SKIP_REDIS"] };
  // scripts/test/run.ts hands over the servers it found or started; run alone, find or start them.
  const m = await mysqlAvailability(provisioned);
  if (!m.ok) return { missing: `MariaDB unavailable: ${m.reason} — ${m.fix}` };
  const r = await redisAvailability(provisioned);
  if (!r.ok) return { missing: `Redis unavailable: ${r.reason} — ${r.fix}` };
  return { mysqlUrl: m.url, redisUrl: r.url };
}

// One top-level test with subtests (not a describe): whether it can run is only known after
// probing for MariaDB and Redis, and a skip decided then is still reported with its reason.
test("two nodes behind nginx (npm run cluster)", { timeout: 300_000 }, async (top) => {
  const pre = await prerequisites();
  if ("missing" in pre) {
    await Promise.all(provisioned.map((p) => p.stop().catch(() => undefined)));
    if (nginxRequired) assert.fail(`nginx required (CI=true or PARLEY_TEST_REQUIRE) but the cluster cannot run: ${pre.missing}`);
    return top.skip(pre.missing);
  }
  const tag = randomBytes(4).toString("hex");
  const ORIGIN = "http://cluster.test";
  let cluster = undefined as unknown as Cluster;
  let app = "";
  const sockets: ClientSocket[] = [];
  /** Every node nginx named in X-Parley-Upstream on HTTP answers. */
  const httpUpstreams = new Set<string>();

  /** A JSON request through nginx, as a page on the app's origin makes it. */
  async function api<T = any>(
    method: string,
    route: string,
    o: { token?: string; body?: unknown } = {},
  ): Promise<{ status: number; body: T; upstream: string; allowOrigin: string | null }> {
    const headers: Record<string, string> = { Origin: ORIGIN, "X-Parley-App": app };
    if (o.token) headers["Authorization"] = `Bearer ${o.token}`;
    if (o.body !== undefined) headers["Content-Type"] = "application/json";
    const res = await fetch(`${cluster.url}/v1${route}`, {
      method,
      headers,
      body: o.body === undefined ? undefined : JSON.stringify(o.body),
      signal: AbortSignal.timeout(15_000),
    });
    const text = await res.text();
    const upstream = answered(res.headers.get("x-parley-upstream"));
    if (upstream) httpUpstreams.add(upstream);
    return { status: res.status, body: (text ? JSON.parse(text) : undefined) as T, upstream, allowOrigin: res.headers.get("access-control-allow-origin") };
  }

  async function register(name: string): Promise<AuthResponse> {
    const res = await api<AuthResponse>("POST", "/auth/register", {
      body: { email: `${name}-${tag}@cluster.test`, password: "cluster test password", displayName: name },
    });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    // The page's Origin reached the node through nginx, and the app's CORS answer came back.
    assert.equal(res.allowOrigin, ORIGIN);
    return res.body;
  }

  interface User {
    auth: AuthResponse;
    socket: ClientSocket;
    /** The node of each connection so far, the newest last. */
    nodes: string[];
    received: Message[];
    connects: number;
  }

  /**
   * A Socket.IO client through nginx (WebSocket only, reconnecting like the SDK), which records
   * the node behind each connection: nginx's X-Parley-Upstream on the 101 upgrade response.
   */
  function connectUser(auth: AuthResponse): Promise<User> {
    const user: User = { auth, socket: undefined as unknown as ClientSocket, nodes: [], received: [], connects: 0 };
    class Recorded extends NodeWebSocket {
      override createSocket(uri: string, protocols: string | string[] | undefined, opts: Record<string, unknown>): any {
        const ws = super.createSocket(uri, protocols, opts);
        ws.once("upgrade", (res: { headers: Record<string, string | undefined> }) => user.nodes.push(answered(res.headers["x-parley-upstream"])));
        return ws;
      }
    }
    const socket: ClientSocket = io(cluster.url, {
      auth: { token: auth.accessToken },
      transports: [Recorded as any],
      extraHeaders: { Origin: ORIGIN },
      forceNew: true,
      reconnectionDelay: 100,
      reconnectionDelayMax: 1000,
    });
    user.socket = socket;
    sockets.push(socket);
    socket.on("connect", () => void user.connects++);
    socket.on("message.new", (e) => void user.received.push(e.data.message));
    // The server let the socket go (a draining node): come back, as the SDK does.
    socket.on("disconnect", (reason) => reason === "io server disconnect" && socket.connect());
    return new Promise((resolve, reject) => {
      socket.once("connect", () => resolve(user));
      socket.once("connect_error", (err) => reject(err));
    });
  }

  /** Resolves once `ok()` holds (checked every 50 ms); fails after `ms` with the nodes' output. */
  async function until(what: string, ok: () => boolean, ms: number): Promise<void> {
    const end = Date.now() + ms;
    while (!ok()) {
      if (Date.now() > end) assert.fail(`timed out after ${ms} ms: ${what}\n${diagnostics()}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  function diagnostics(): string {
    return cluster.nodes.map((n) => `--- node ${n.index} (${n.upstream}${n.ended() ? ", exited" : ""}):\n${n.output().slice(-1500)}`).join("\n");
  }

  /**
   * Sends until acknowledged, as the SDK's outbox does: a lost ack (the node died) is retried with
   * the same clientMessageId once the socket is back, and the server stores it once.
   */
  async function sendReliably(user: User, conversationId: string, text: string, clientMessageId: string, sends = { count: 0 }): Promise<Message> {
    const end = Date.now() + 60_000;
    for (;;) {
      assert.ok(Date.now() < end, `"${text}" not acknowledged within 60 s\n${diagnostics()}`);
      if (!user.socket.connected) await new Promise<void>((r) => user.socket.once("connect", () => r()));
      let ack: Ack<Message>;
      sends.count++;
      try {
        ack = await (user.socket.timeout(5000) as any).emitWithAck("message.send", { conversationId, text, clientMessageId });
      } catch {
        continue; // no ack: the connection went; try again on the next one
      }
      if (ack.ok) return ack.data;
      if (ack.error.code === "rate_limited" || ack.error.code === "service_unavailable") {
        await new Promise((r) => setTimeout(r, 200));
        continue;
      }
      assert.fail(`message.send refused: ${JSON.stringify(ack)}`);
    }
  }

  let alice: User;
  let bob: User;
  let conv: Conversation;

  try {
    cluster = await startCluster({
      mysqlUrl: pre.mysqlUrl,
      redisUrl: pre.redisUrl,
      database: `parley_cluster_test_${tag}`,
      dropDatabase: true,
      redisPrefix: `parley-cluster-t-${tag}:`,
      env: {
        NODE_ENV: "test",
        BCRYPT_COST: "4",
        LOG_LEVEL: "warn",
        PRESENCE_GRACE_MS: "300",
        RATE_LIMIT_AUTH_PER_IP: "100000",
      },
    });
    // An app, made the way an operator makes one: the CLI against the cluster's database.
    const created = await cluster.cli(["create", "--name", "Cluster", "--origin", ORIGIN, "--json"]);
    assert.equal(created.code, 0, created.stderr);
    app = (JSON.parse(created.stdout) as { id: string }).id;
    await subtests();
  } finally {
    for (const s of sockets) s.close();
    await cluster?.stop();
    await Promise.all(provisioned.map((p) => p.stop().catch(() => undefined)));
  }

  async function subtests(): Promise<void> {
    await top.test("nginx runs deploy/nginx.conf itself and balances HTTP over both nodes", async (t) => {
      t.diagnostic(
        `nodes run ${cluster.entry === "dist" ? "the built server/dist (as the Docker image does)" : "server/src via tsx (server/dist is older than the sources)"}`,
      );
      // nginx -T prints every file the running configuration is made of.
      const dump = spawnSync(NGINX!, ["-T", "-p", cluster.dir + "/", "-c", path.join(cluster.dir, "nginx.conf"), "-e", "stderr"], { encoding: "utf8" });
      assert.equal(dump.status, 0, dump.stderr);
      const section = dump.stdout.split(/^# configuration file /m).find((s) => s.startsWith(`${NGINX_CONF}:`));
      assert.ok(section, `nginx -T lists ${NGINX_CONF}:\n${dump.stdout.slice(0, 2000)}`);
      assert.equal(section.slice(section.indexOf("\n") + 1).trim(), read("deploy/nginx.conf").trim());
      assert.deepEqual(
        cluster.nodes.map((n) => n.index),
        [1, 2],
      );
      for (let i = 0; i < 6; i++) {
        const res = await fetch(`${cluster.url}/livez`);
        assert.equal(res.status, 200);
        httpUpstreams.add(answered(res.headers.get("x-parley-upstream")));
      }
      assert.deepEqual([...httpUpstreams].sort(), cluster.nodes.map((n) => n.upstream).sort(), "round robin reached both nodes");
    });

    await top.test("users on different nodes message each other through nginx, over HTTP and WebSocket", async () => {
      const [a, b] = [await register("alice"), await register("bob")];
      alice = await connectUser(a);
      // Round robin: the next connection goes to the other node; connect again until it has.
      for (let attempt = 0; ; attempt++) {
        bob = await connectUser(b);
        if (bob.nodes[0] !== alice.nodes[0]) break;
        bob.socket.close();
        assert.ok(attempt < 8, "nginx kept sending bob to alice's node");
      }
      const upstreams = cluster.nodes.map((n) => n.upstream);
      assert.ok(upstreams.includes(alice.nodes[0]!) && upstreams.includes(bob.nodes[0]!), `${alice.nodes} ${bob.nodes} vs ${upstreams}`);
      assert.notEqual(alice.nodes[0], bob.nodes[0], "alice and bob on different nodes");

      const dm = await api<{ conversation?: Conversation } & Conversation>("POST", "/conversations/direct", {
        token: a.accessToken,
        body: { userId: b.user.id },
      });
      assert.equal(dm.status, 201, JSON.stringify(dm.body));
      conv = dm.body.conversation ?? dm.body;
      // WebSocket, node to node: alice's socket sends, bob's socket on the other node receives.
      const hi = await sendReliably(alice, conv.id, "hello from alice's node", `hi-${tag}`);
      await until("bob got alice's message", () => bob.received.some((m) => m.id === hi.id), 5000);
      // HTTP in, WebSocket out: bob posts through nginx, alice's socket receives.
      const reply = await api<Message>("POST", `/conversations/${conv.id}/messages`, { token: b.accessToken, body: { text: "hello back over HTTP" } });
      assert.equal(reply.status, 201, JSON.stringify(reply.body));
      await until("alice got bob's reply", () => alice.received.some((m) => m.id === reply.body.id), 5000);
      assert.deepEqual([...httpUpstreams].sort(), upstreams.slice().sort(), "HTTP answered by both nodes");
    });

    await top.test("a node is killed mid-conversation: its user reconnects through nginx to the survivor, nothing acknowledged is lost", async (t) => {
      assert.ok(conv, "the previous test set up the conversation");
      const victim = cluster.nodes.find((n) => n.upstream === bob.nodes.at(-1))!;
      const survivor = cluster.nodes.find((n) => n !== victim)!;
      assert.equal(alice.nodes.at(-1), survivor.upstream);
      const bobConnects = bob.connects;
      const acked = new Map<string, Message>(); // text -> the stored message its ack named
      const ackedOn = new Map<string, string>(); // text -> the node whose connection carried the ack
      const retried = new Set<string>(); // texts sent more than once (an ack lost with the node)
      const PER_USER = 40;
      const stream = (user: User, who: string): Promise<void> =>
        (async () => {
          for (let i = 0; i < PER_USER; i++) {
            const text = `${who} ${i}`;
            const sends = { count: 0 };
            acked.set(text, await sendReliably(user, conv.id, text, `${who}-${i}-${tag}`, sends));
            ackedOn.set(text, user.nodes.at(-1)!);
            if (sends.count > 1) retried.add(text);
          }
        })();
      const streams = Promise.all([stream(alice, "alice"), stream(bob, "bob")]);
      // Kill -9 bob's node once both streams are under way (bob's sends then lose their node).
      await until("a quarter acknowledged", () => acked.size >= PER_USER / 2, 30_000);
      const killedAt = Date.now();
      victim.kill("SIGKILL");
      assert.equal(await victim.exited, null, "killed by a signal");
      await until("bob reconnected", () => bob.connects > bobConnects && bob.socket.connected, 20_000);
      t.diagnostic(`bob back on a node ${Date.now() - killedAt} ms after the kill`);
      assert.equal(bob.nodes.at(-1), survivor.upstream, "bob's new connection is on the surviving node");
      await streams;
      assert.equal(acked.size, 2 * PER_USER);

      // Stored exactly once each (read back through nginx, paging from the newest).
      const stored: Message[] = [];
      for (let before = ""; ; ) {
        const page = await api<{ items: Message[]; nextCursor?: string | null }>(
          "GET",
          `/conversations/${conv.id}/messages?limit=100${before ? `&before=${before}` : ""}`,
          { token: alice.auth.accessToken },
        );
        assert.equal(page.status, 200, JSON.stringify(page.body));
        assert.equal(page.upstream, survivor.upstream, "nginx sends everything to the survivor");
        stored.push(...page.body.items);
        if (page.body.items.length < 100) break;
        before = page.body.items.at(-1)!.id;
      }
      const texts = stored.map((m) => m.text);
      assert.equal(new Set(texts).size, texts.length, "a message stored twice");
      for (const [text, m] of acked)
        assert.ok(
          stored.some((s) => s.id === m.id && s.text === text),
          `acknowledged "${text}" is not stored`,
        );
      // Live delivery across the kill: every message of bob's that the survivor took first time
      // reaches alice live. What the dead node had stored but not yet broadcast (its ack, or the
      // survivor's answer to the retry, names the stored message) is stored (above) and reaches
      // clients through /v1/sync, as the SDK does on reconnect. Nothing twice.
      const bobOnSurvivor = [...acked]
        .filter(([text]) => text.startsWith("bob ") && ackedOn.get(text) === survivor.upstream && !retried.has(text))
        .map(([, m]) => m.id);
      assert.ok(bobOnSurvivor.length > 0, "some of bob's messages went through the survivor");
      await until("bob's messages through the survivor reached alice live", () => bobOnSurvivor.every((id) => alice.received.some((m) => m.id === id)), 5000);
      const live = alice.received.map((m) => m.id);
      assert.equal(new Set(live).size, live.length, "alice got a message twice");
      const bobIds = [...acked].filter(([text]) => text.startsWith("bob ")).map(([, m]) => m.id);
      t.diagnostic(
        `bob: ${bobIds.length} acknowledged (${bobOnSurvivor.length} by the survivor first time, ${[...retried].filter((x) => x.startsWith("bob ")).length} retried); alice got ${bobIds.filter((id) => live.includes(id)).length} live`,
      );

      // And the two users, now on one node, go on talking live both ways.
      const after1 = await sendReliably(alice, conv.id, "after the kill, from alice", `after-a-${tag}`);
      await until("bob got alice's post-kill message", () => bob.received.some((m) => m.id === after1.id), 5000);
      const after2 = await sendReliably(bob, conv.id, "after the kill, from bob", `after-b-${tag}`);
      await until("alice got bob's post-kill message", () => alice.received.some((m) => m.id === after2.id), 5000);
      // A fresh sign-in and new sockets land on the survivor too.
      for (let i = 0; i < 4; i++) assert.equal((await api("GET", "/me", { token: bob.auth.accessToken })).upstream, survivor.upstream);
      const carol = await connectUser(await register("carol"));
      assert.equal(carol.nodes[0], survivor.upstream);
    });
  }
});
