import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import jwt from "jsonwebtoken";
import WebSocket from "ws";
import type { AuthResponse, Message } from "@parley/sdk/protocol";
import { startServer, TEST_JWT_SECRET, type TestServer } from "./helpers/harness.js";
import { connect, request, sleep } from "./helpers/sockets.js";

let s: TestServer;
let shop: { id: string; secret: string };
let blog: { id: string; secret: string };

before(async () => {
  s = await startServer();
  shop = await s.createTenant("Shop", ["https://shop.example"]);
  blog = await s.createTenant("Blog", ["https://blog.example"]);
});
after(() => s?.close());

describe("socket handshake tokens", () => {
  test("alg none, wrong secret, expired, nbf in the future, wrong audience or issuer, tampered, other app's: all refused", async () => {
    const u = await s.api.register(shop.id);
    const c = jwt.decode(u.accessToken) as jwt.JwtPayload;
    const base = { sub: c.sub, app: c["app"], sid: c["sid"], iss: "parley", aud: "parley:access" };
    const now = Math.floor(Date.now() / 1000);
    const sign = (p: object, secret = TEST_JWT_SECRET) => jwt.sign(p, secret, { algorithm: "HS256" });
    const [h, p, sig] = u.accessToken.split(".") as [string, string, string];
    const tampered = `${h}.${Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(p, "base64url").toString()), sub: "usr_someoneelse000000000" })).toString("base64url")}.${sig}`;
    const bob = await s.api.register(blog.id);
    const cases: Record<string, [string, string?]> = {
      "alg none": [jwt.sign(base, "", { algorithm: "none" })],
      "wrong secret": [sign(base, "x".repeat(40))],
      expired: [sign({ ...base, exp: now - 10 })],
      "nbf in the future": [sign({ ...base, nbf: now + 600, exp: now + 900 })],
      "wrong audience": [sign({ ...base, aud: "someone-else" })],
      "wrong issuer": [sign({ ...base, iss: "evil" })],
      "tampered payload": [tampered],
      "another app's token from this app's page": [bob.accessToken, "https://shop.example"],
    };
    for (const [name, [token, origin]] of Object.entries(cases)) {
      await assert.rejects(connect(s, token, origin ? { origin } : {}), (e: Error & { data?: { code?: string } }) => typeof e.data?.code === "string", name);
    }
    // The genuine token still works.
    const ok = await connect(s, u.accessToken, { origin: "https://shop.example" });
    ok.close();
  });
});

describe("sessions", () => {
  test("logout disconnects that session's live sockets within a second; the user's other session stays", async () => {
    const email = "two-sessions@example.com";
    const first = await s.api.register(shop.id, { email, password: "correct horse battery" });
    const second = (await s.api.post<AuthResponse>("/auth/login", { app: shop.id, body: { email, password: "correct horse battery" } })).body;
    const a = await connect(s, first.accessToken);
    const b = await connect(s, second.accessToken);
    const dropped = new Promise<number>((resolve) => {
      const t0 = Date.now();
      a.once("disconnect", () => resolve(Date.now() - t0));
    });
    assert.equal((await s.api.post("/auth/logout", { app: shop.id, body: { refreshToken: first.refreshToken } })).status, 204);
    assert.ok((await dropped) < 1000);
    await sleep(200);
    assert.equal(b.connected, true);
    await assert.rejects(connect(s, first.accessToken), (e: Error & { data?: { code?: string } }) => e.data?.code === "invalid_token");
    b.close();
  });
});

describe("socket limits", () => {
  test("a socket flooding commands gets rate_limited acks, stays connected, and nothing past the limit is stored", async () => {
    // Sends are governed by the message quota (the suites' harness lifts it; here it is 20 per
    // 10 s), other commands by the per-socket command limit (socket-commands.test.ts).
    const q = await startServer({ RATE_LIMIT_MESSAGES_PER_USER: "20" });
    try {
      const app = (await q.createTenant("Flood")).id;
      const alice = await q.api.register(app);
      const bob = await q.api.register(app);
      const conv = (await q.api.post("/conversations/direct", { token: alice.accessToken, body: { userId: bob.user.id } })).body.conversation;
      const so = await connect(q, alice.accessToken);
      const acks = await Promise.all(
        Array.from({ length: 60 }, (_, i) => request<Message>(so, "message.send", { conversationId: conv.id, text: `flood ${i}` })),
      );
      const ok = acks.filter((a) => a.ok).length;
      const limited = acks.filter((a) => !a.ok && a.error.code === "rate_limited").length;
      assert.equal(ok + limited, 60);
      assert.ok(limited > 0 && ok > 0, `${ok} ok, ${limited} limited`);
      assert.equal(so.connected, true);
      const stored = await q.api.get(`/conversations/${conv.id}/messages?limit=100`, { token: alice.accessToken });
      assert.equal(stored.body.items.length, ok);
      so.close();
    } finally {
      await q.close();
    }
  });

  test("10,000 malformed engine.io / Socket.IO frames from a raw WebSocket never crash the server", async () => {
    const alice = await s.api.register(shop.id);
    const junk = [
      "",
      "0",
      "4",
      "42",
      "42[",
      '42["message.send"',
      "4{}",
      "9999",
      "\u0000\u0001",
      "40/nope,",
      '42["message.send",{"conversationId":null}]',
      '451-["x",{"_placeholder":true,"num":99}]',
      "2probe",
      "6",
      "x".repeat(1000),
    ];
    let sent = 0;
    for (let round = 0; round < 10; round++) {
      const ws = await rawSocket(alice.accessToken);
      for (let i = 0; i < 1000; i++) {
        if (ws.readyState !== WebSocket.OPEN) break;
        ws.send(junk[(i + round) % junk.length]!);
        sent++;
      }
      ws.terminate();
    }
    assert.ok(sent >= 1000, `sent ${sent}`);
    assert.equal((await s.api.get("/healthz")).status, 200);
    const ok = await connect(s, alice.accessToken);
    assert.equal(ok.connected, true);
    ok.close();
  });
});

describe("oversized frames", () => {
  test("200 frames of 1 MB (limit 64 KB) on raw WebSockets: each connection is closed, nothing is buffered (RSS grows far less than was sent), the server keeps serving", async () => {
    const alice = await s.api.register(shop.id);
    const frame = `42${JSON.stringify(["message.send", { conversationId: "x", text: "y".repeat(1024 * 1024) }])}`;
    const before = process.memoryUsage().rss;
    let closed = 0;
    for (let i = 0; i < 200; i++) {
      const ws = await rawSocket(alice.accessToken);
      const done = new Promise<void>((resolve) => ws.once("close", () => resolve()));
      ws.on("error", () => undefined);
      ws.send(frame);
      await Promise.race([done, sleep(5000)]);
      if (ws.readyState === WebSocket.CLOSED) closed++;
      ws.terminate();
    }
    const grownMb = (process.memoryUsage().rss - before) / 1024 / 1024;
    console.log(`# 200 MB of oversized frames: ${closed}/200 connections closed by the server, RSS grew ${grownMb.toFixed(1)} MB`);
    assert.equal(closed, 200, "every oversized frame closes its connection");
    // Server and clients share this process. Buffering the frames would add >= 200 MB; what grows
    // here is mostly the clients' own garbage (each masked send copies its 1 MB), not yet collected.
    assert.ok(grownMb < 120, `RSS grew ${grownMb.toFixed(1)} MB`);
    assert.equal((await s.api.get("/healthz")).status, 200);
    const ok = await connect(s, alice.accessToken);
    assert.equal(ok.connected, true);
    ok.close();
  });
});

describe("hostile uploads", () => {
  /** A PNG head that claims `w`×`h` pixels (a decompression bomb needs no more to be refused). */
  const bigPngHead = (w: number, h: number): Buffer => {
    const ihdr = Buffer.alloc(25);
    ihdr.writeUInt32BE(13, 0);
    ihdr.write("IHDR", 4, "ascii");
    ihdr.writeUInt32BE(w, 8);
    ihdr.writeUInt32BE(h, 12);
    ihdr.set([8, 6, 0, 0, 0], 16);
    return Buffer.concat([Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]), ihdr, Buffer.alloc(64)]);
  };
  const upload = async (path: string, method: string, token: string, bytes: Buffer, name: string, type: string) => {
    const form = new FormData();
    form.append("file", new Blob([new Uint8Array(bytes)], { type }), name);
    const res = await fetch(`${s.url}/v1${path}`, { method, headers: { Authorization: `Bearer ${token}` }, body: form });
    return { status: res.status, headers: res.headers, body: (await res.json().catch(() => null)) as { id?: string; error?: { code: string } } | null };
  };

  test("an image over 50 megapixels is refused (413) as an attachment and as an avatar", async () => {
    const u = await s.api.register(shop.id);
    const bomb = bigPngHead(10_000, 6_000);
    for (const [path, method] of [
      ["/uploads", "POST"],
      ["/me/avatar", "PUT"],
    ] as const) {
      const res = await upload(path, method, u.accessToken, bomb, "small.png", "image/png");
      assert.equal(res.status, 413, path);
      assert.equal(res.body?.error?.code, "payload_too_large");
    }
    const fine = await upload("/uploads", "POST", u.accessToken, bigPngHead(4_000, 3_000), "ok.png", "image/png");
    assert.equal(fine.status, 201);
  });

  test("an SVG with script is stored as a file and served only as a sandboxed download", async () => {
    const u = await s.api.register(shop.id);
    const svg = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>');
    const up = await upload("/uploads", "POST", u.accessToken, svg, "pic.svg", "image/svg+xml");
    assert.equal(up.status, 201);
    const res = await fetch(`${s.url}/v1/uploads/${up.body!.id}`, { headers: { Authorization: `Bearer ${u.accessToken}` } });
    assert.equal(res.status, 200);
    assert.match(res.headers.get("content-disposition") ?? "", /^attachment/);
    assert.match(res.headers.get("content-security-policy") ?? "", /sandbox/);
    assert.equal(res.headers.get("x-content-type-options"), "nosniff");
    assert.doesNotMatch(res.headers.get("content-type") ?? "", /svg|html/);
  });
});

describe("password checks", () => {
  test("unknown email and wrong password cost the same bcrypt work (same timing class) and the same body", async () => {
    const slow = await startServer({ BCRYPT_COST: "10", RATE_LIMIT_LOGIN_PER_EMAIL: "1000" });
    try {
      const app = (await slow.createTenant()).id;
      await slow.api.register(app, { email: "known@example.com", password: "the real password" });
      const time = async (email: string): Promise<{ ms: number; body: unknown }> => {
        const t0 = performance.now();
        const res = await slow.api.post("/auth/login", { app, body: { email, password: "a wrong password" } });
        assert.equal(res.status, 401);
        return { ms: performance.now() - t0, body: res.body };
      };
      const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
      const known: number[] = [];
      const unknown: number[] = [];
      for (let i = 0; i < 7; i++) {
        known.push((await time("known@example.com")).ms);
        unknown.push((await time(`nobody-${i}@example.com`)).ms);
      }
      assert.deepEqual((await time("known@example.com")).body, (await time("nobody@example.com")).body);
      // A skipped bcrypt compare would make unknown emails ~50x faster at cost 10.
      const ratio = median(unknown) / median(known);
      assert.ok(
        ratio > 0.5 && ratio < 2,
        `unknown/known median ratio ${ratio.toFixed(2)} (${median(unknown).toFixed(1)} ms vs ${median(known).toFixed(1)} ms)`,
      );
    } finally {
      await slow.close();
    }
  });
});

/** A raw engine.io WebSocket (no Socket.IO client) that has sent its CONNECT with the token. */
async function rawSocket(token: string): Promise<WebSocket> {
  const ws = new WebSocket(`${s.url.replace("http", "ws")}/socket.io/?EIO=4&transport=websocket`);
  await new Promise<void>((resolve, reject) => {
    ws.once("open", () => resolve());
    ws.once("error", reject);
  });
  ws.send(`40${JSON.stringify({ token })}`);
  return ws;
}
