/**
 * Web push (issue 31, acceptance 3), server side, against a real server and a local push service
 * (helpers/push.ts): devices subscribe with real P-256 keys the test holds; what the server POSTs is
 * decrypted here (RFC 8291, node:crypto only) and its VAPID signature checked (RFC 8292). A push goes
 * to each device of each member who has no socket and has not muted the conversation, never to the
 * sender; 404/410 remove the subscription, 5xx is tried three times in all; signing out, deleting
 * the account or the app remove subscriptions; bad input is a 4xx; nothing crosses apps.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import type { AuthResponse, Conversation, Message, PushPayload } from "@parley/sdk/protocol";
import { deleteAppWithData } from "../src/tenancy/app-deletion.js";
import type { ReqOptions } from "./helpers/api.js";
import { type Case, type Route, framingCases, runTable, sendCase } from "./helpers/bad-input-table.js";
import { startServer, TEST_DB, TEST_JWT_SECRET, type TestServer } from "./helpers/harness.js";
import { type Delivered, PushDevice, PushReceiver, verifyVapid } from "./helpers/push.js";
import { recordQueries } from "./helpers/queries.js";
import { connect, eventually } from "./helpers/sockets.js";

const ROOT = path.resolve(import.meta.dirname, "../..");
const PASSWORD = "correct horse battery";
/** The per-user push cap this server runs with (PUSH_PER_USER_PER_MIN). */
const CAP = 6;
const n = Math.random().toString(36).slice(2, 8);
const tok = (u: AuthResponse): ReqOptions => ({ token: u.accessToken });

let s: TestServer;
let app: string;
const r = new PushReceiver();

before(async () => {
  s = await startServer({
    PUSH_ALLOW_PRIVATE: "1",
    PUSH_RETRY_BASE_MS: "40",
    PUSH_PER_USER_PER_MIN: String(CAP),
    RATE_LIMIT_PUSH_PER_USER: "20",
    PRESENCE_GRACE_MS: "100",
  });
  await r.start();
  app = (await s.createTenant("Push")).id;
});
after(async () => {
  await s?.close();
  await r.close();
});

let seq = 0;
async function user(name: string, tenant = app): Promise<AuthResponse> {
  return s.api.register(tenant, { displayName: name, email: `${name.toLowerCase()}-${n}-${++seq}@example.com`, password: PASSWORD });
}
async function subscribe(u: AuthResponse, device: PushDevice): Promise<void> {
  const res = await s.api.post("/push/subscriptions", { ...tok(u), body: device.subscription() });
  assert.equal(res.status, 201, JSON.stringify(res.body));
}
async function direct(a: AuthResponse, b: AuthResponse): Promise<Conversation> {
  return (await s.api.post("/conversations/direct", { ...tok(a), body: { userId: b.user.id } })).body.conversation;
}
async function group(owner: AuthResponse, name: string, members: AuthResponse[]): Promise<Conversation> {
  const res = await s.api.post("/conversations", { ...tok(owner), body: { name, memberIds: members.map((m) => m.user.id) } });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return res.body.conversation;
}
async function send(u: AuthResponse, c: Conversation, text: string): Promise<Message> {
  const res = await s.api.post<Message>(`/conversations/${c.id}/messages`, { ...tok(u), body: { text } });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return res.body;
}
/** Every push the server has to send so far has been sent (or given up). */
const settled = (): Promise<void> => s.services.pushNotifier.idle();
const open = (d: Delivered, device: PushDevice): PushPayload => JSON.parse(device.decrypt(d.body)) as PushPayload;
async function rows(where: string, params: unknown[]): Promise<{ userId: string; endpoint: string }[]> {
  return s.services.db.query(`SELECT userId, endpoint FROM push_subscriptions WHERE ${where}`, params);
}

describe(`web push on ${TEST_DB}`, () => {
  test("GET /v1/push/key: one VAPID public key per app, made on the first request, the same on every call", async () => {
    const ada = await user("Ada");
    const first = await s.api.get<{ publicKey: string }>("/push/key", tok(ada));
    assert.equal(first.status, 200);
    const raw = Buffer.from(first.body.publicKey, "base64url");
    assert.equal(raw.length, 65);
    assert.equal(raw[0], 4, "an uncompressed P-256 point");
    assert.equal((await s.api.get("/push/key", tok(await user("Bea")))).body.publicKey, first.body.publicKey);
    const other = await user("Oz", (await s.createTenant("Other")).id);
    assert.notEqual((await s.api.get("/push/key", tok(other))).body.publicKey, first.body.publicKey, "each app has its own keys");
    assert.equal((await s.api.get("/push/key")).status, 401);
  });

  test("a message to a user with no socket sends exactly one encrypted push, which decrypts to the title alone", async () => {
    const ada = await user("Ada");
    const bob = await user("Bob");
    const bobPhone = r.device();
    const adaLaptop = r.device();
    await subscribe(bob, bobPhone);
    await subscribe(ada, adaLaptop);
    const dm = await direct(ada, bob);
    const secret = `meet me at the pier ${n}`;
    const msg = await send(ada, dm, secret);
    const [d] = await r.until(bobPhone, 1);
    await settled();
    assert.equal(r.of(bobPhone).length, 1, "exactly one push");
    assert.equal(r.of(adaLaptop).length, 0, "never to the sender");
    assert.deepEqual(open(d!, bobPhone), { title: "New message from Ada", conversationId: dm.id, messageId: msg.id, appId: app } satisfies PushPayload);
    assert.ok(!d!.body.toString("latin1").includes("meet me"), "the body is encrypted");
    // The request as RFC 8030/8291/8292 have it.
    assert.equal(d!.headers["content-encoding"], "aes128gcm");
    assert.equal(d!.headers["content-type"], "application/octet-stream");
    assert.equal(d!.headers["ttl"], "86400");
    assert.equal(d!.headers["urgency"], "high", "a direct message");
    assert.match(String(d!.headers["topic"]), /^[A-Za-z0-9_-]{1,32}$/);
    const key = (await s.api.get("/push/key", tok(bob))).body.publicKey as string;
    const claims = verifyVapid(d!.headers["authorization"], key, r.url);
    assert.equal(claims.sub, "mailto:push@parley.invalid");
    // The test's decryption is no rubber stamp: one flipped byte fails it.
    const tampered = Buffer.from(d!.body);
    tampered[tampered.length - 20] = tampered[tampered.length - 20]! ^ 1;
    assert.throws(() => bobPhone.decrypt(tampered));
  });

  test("with the app's text opt-in a push carries the text (clipped); a group's title names the group", async () => {
    const tenant = (await s.createTenant("Text")).id;
    const cara = await user("Cara", tenant);
    const dan = await user("Dan", tenant);
    const eve = await user("Eve", tenant);
    const danPhone = r.device();
    await subscribe(dan, danPhone);
    const team = await group(cara, "Team", [dan, eve]);
    const dm = await direct(cara, dan);

    await send(cara, team, "the plan");
    const [g1] = await r.until(danPhone, 1);
    assert.deepEqual(open(g1!, danPhone), { title: "New message in Team", conversationId: team.id, messageId: open(g1!, danPhone).messageId, appId: tenant });
    assert.equal(g1!.headers["urgency"], "normal", "a group message");

    await s.services.push.setIncludeText(tenant, true);
    await send(cara, dm, "see you at 5");
    const direct1 = (await r.until(danPhone, 2))[1]!;
    assert.equal(open(direct1, danPhone).title, "New message from Cara");
    assert.equal(open(direct1, danPhone).body, "see you at 5");
    await send(cara, team, "hi team");
    const g2 = (await r.until(danPhone, 3))[2]!;
    assert.deepEqual([open(g2, danPhone).title, open(g2, danPhone).body], ["New message in Team", "Cara: hi team"]);
    await send(cara, dm, "x".repeat(150) + "🎉".repeat(100));
    const long = open((await r.until(danPhone, 4))[3]!, danPhone).body!;
    assert.equal([...long].length, 200);
    assert.ok(long.endsWith("…"));
    assert.equal(r.of(danPhone).length, 4);
  });

  test("a user with a connected socket gets no push; once they are offline the next message pushes again", async () => {
    const ada = await user("Ada");
    const bob = await user("Bob");
    const phone = r.device();
    await subscribe(bob, phone);
    const dm = await direct(ada, bob);
    const socket = await connect(s, bob.accessToken);
    await send(ada, dm, "you are here");
    await settled();
    assert.equal(r.of(phone).length, 0, "online: no push");
    socket.close();
    await eventually(async () => !s.services.presence.isOnline(bob.user.id), "Bob offline");
    await send(ada, dm, "you left");
    await r.until(phone, 1);
  });

  test("a message that arrives within the presence grace after the last tab closed is pushed once the grace ends (red team 4: it was lost)", async () => {
    // A server of its own, whose grace is long enough to send inside it for sure.
    const g = await startServer({ PUSH_ALLOW_PRIVATE: "1", PRESENCE_GRACE_MS: "1500" });
    try {
      const tenant = (await g.createTenant("Grace")).id;
      const person = (name: string) => g.api.register(tenant, { displayName: name, email: `${name.toLowerCase()}-${n}@example.com`, password: PASSWORD });
      const [ada, bob, cy] = [await person("Ada"), await person("Bob"), await person("Cy")];
      const [bobPhone, cyPhone] = [r.device(), r.device()];
      for (const [u, d] of [
        [bob, bobPhone],
        [cy, cyPhone],
      ] as const)
        assert.equal((await g.api.post("/push/subscriptions", { ...tok(u), body: d.subscription() })).status, 201);
      const dmWith = async (other: AuthResponse) =>
        (await g.api.post<{ conversation: Conversation }>("/conversations/direct", { ...tok(ada), body: { userId: other.user.id } })).body.conversation;
      const [dm, withCy] = [await dmWith(bob), await dmWith(cy)];
      const bobTab = await connect(g, bob.accessToken);
      const cyTab = await connect(g, cy.accessToken);
      await eventually(async () => g.io.of("/").sockets.size === 2, "both tabs connected");
      bobTab.close();
      await eventually(async () => g.io.of("/").sockets.size === 1, "Bob's tab closed");
      assert.ok(g.services.presence.isOnline(bob.user.id), "Bob is still counted online: the grace");
      const sent = await g.api.post<Message>(`/conversations/${dm.id}/messages`, { ...tok(ada), body: { text: "just missed you" } });
      assert.equal(sent.status, 201);
      assert.equal((await g.api.post(`/conversations/${withCy.id}/messages`, { ...tok(ada), body: { text: "you are still here" } })).status, 201);
      await g.services.pushNotifier.idle();
      assert.equal(r.of(bobPhone).length, 1, "one push, after the grace");
      assert.equal(open(r.of(bobPhone)[0]!, bobPhone).messageId, sent.body.id);
      assert.equal(r.of(cyPhone).length, 0, "connected all along: no push");
      cyTab.close();
    } finally {
      await g.close();
    }
  });

  test("a user who blocked the sender gets no push of their messages in a group; the other members do (red team 4)", async () => {
    const ada = await user("Ada");
    const bob = await user("Bob");
    const cy = await user("Cy");
    const [bobPhone, cyPhone] = [r.device(), r.device()];
    await subscribe(bob, bobPhone);
    await subscribe(cy, cyPhone);
    const room = await group(ada, "Blocked room", [bob, cy]);
    assert.equal((await s.api.post("/blocks", { ...tok(bob), body: { userId: ada.user.id } })).status, 204);
    await send(ada, room, "hello from a blocked sender");
    await r.until(cyPhone, 1);
    await settled();
    assert.equal(r.of(bobPhone).length, 0, "blocked: no push");
    await send(cy, room, "hello from a friend");
    await r.until(bobPhone, 1);
  });

  test("a muted conversation gets no push; unmuted, it does again", async () => {
    const ada = await user("Ada");
    const bob = await user("Bob");
    const phone = r.device();
    await subscribe(bob, phone);
    const dm = await direct(ada, bob);
    assert.equal((await s.api.put(`/conversations/${dm.id}/mute`, tok(bob))).status, 200);
    await send(ada, dm, "shh");
    await settled();
    assert.equal(r.of(phone).length, 0);
    assert.equal((await s.api.del(`/conversations/${dm.id}/mute`, tok(bob))).status, 200);
    await send(ada, dm, "loud");
    await r.until(phone, 1);
  });

  test("a 410 from the push service removes the subscription: the next message makes no request", async () => {
    const ada = await user("Ada");
    const bob = await user("Bob");
    const gone = r.device();
    await subscribe(bob, gone);
    const dm = await direct(ada, bob);
    const path = new URL(gone.endpoint).pathname;
    const before = r.answer;
    r.answer = (d) => (d.path === path ? 410 : before(d));
    try {
      await send(ada, dm, "one");
      await r.until(gone, 1);
      await settled();
      assert.deepEqual(await rows("userId = ?", [bob.user.id]), []);
      await send(ada, dm, "two");
      await settled();
      assert.equal(r.of(gone).length, 1, "no request to a removed subscription");
    } finally {
      r.answer = before;
    }
  });

  test("a 500 is tried three times in all, waiting longer each time, then dropped; the subscription stays", async () => {
    const ada = await user("Ada");
    const bob = await user("Bob");
    const flaky = r.device();
    await subscribe(bob, flaky);
    const dm = await direct(ada, bob);
    const path = new URL(flaky.endpoint).pathname;
    const before = r.answer;
    r.answer = (d) => (d.path === path ? 500 : before(d));
    try {
      await send(ada, dm, "retry me");
      await r.until(flaky, 3);
      await settled();
      const got = r.of(flaky);
      assert.equal(got.length, 3, "one try and two retries, no more");
      const [a, b, c] = got.map((d) => d.at) as [number, number, number];
      // PUSH_RETRY_BASE_MS=40 with jitter in [0.5, 1): the first wait is >= 20 ms, the second >= 40 ms.
      assert.ok(b - a >= 15 && c - b >= 35, `waits of ${b - a} and ${c - b} ms`);
      assert.equal((await rows("userId = ?", [bob.user.id])).length, 1, "a server error does not remove it");
    } finally {
      r.answer = before;
    }
  });

  test("signing out removes that session's subscription at once; the user's other session keeps its own", async () => {
    const ada = await user("Ada");
    const fay = await user("Fay");
    const other = await s.api.post<AuthResponse>("/auth/login", { app, body: { email: fay.user.email, password: PASSWORD } });
    assert.equal(other.status, 200);
    const laptop = r.device();
    const phone = r.device();
    await subscribe(fay, laptop);
    await subscribe(other.body, phone);
    const dm = await direct(ada, fay);
    assert.equal((await s.api.post("/auth/logout", { app, body: { refreshToken: fay.refreshToken } })).status, 204);
    // At once: the very next message reaches only the session still signed in.
    await send(ada, dm, "after sign-out");
    await r.until(phone, 1);
    await settled();
    assert.equal(r.of(laptop).length, 0, "the signed-out device gets nothing");
    await eventually(async () => (await rows("userId = ?", [fay.user.id])).length === 1, "the signed-out device's row removed");
    assert.deepEqual(
      (await rows("userId = ?", [fay.user.id])).map((x) => x.endpoint),
      [phone.endpoint],
    );
  });

  test("subscribing is idempotent by endpoint; the same endpoint subscribed by another user of the app moves to them", async () => {
    const ada = await user("Ada");
    const gus = await user("Gus");
    const hal = await user("Hal");
    const shared = r.device();
    await subscribe(gus, shared);
    await subscribe(gus, shared);
    assert.equal((await rows("endpoint = ?", [shared.endpoint])).length, 1);
    await subscribe(hal, shared);
    assert.deepEqual(
      (await rows("endpoint = ?", [shared.endpoint])).map((x) => x.userId),
      [hal.user.id],
    );
    await send(ada, await direct(ada, gus), "to gus");
    await settled();
    assert.equal(r.of(shared).length, 0, "no longer Gus's device");
    await send(ada, await direct(ada, hal), "to hal");
    await r.until(shared, 1);
  });

  test("a user keeps their 10 newest subscriptions: an 11th evicts the oldest", async () => {
    const ada = await user("Ada");
    const ivy = await user("Ivy");
    const devices = Array.from({ length: 11 }, () => r.device());
    for (const d of devices) await subscribe(ivy, d);
    const kept = (await rows("userId = ?", [ivy.user.id])).map((x) => x.endpoint).sort();
    assert.deepEqual(
      kept,
      devices
        .slice(1)
        .map((d) => d.endpoint)
        .sort(),
    );
    await send(ada, await direct(ada, ivy), "to all of them");
    for (const d of devices.slice(1)) await r.until(d, 1);
    await settled();
    assert.equal(r.of(devices[0]!).length, 0);
  });

  test(`a busy conversation is capped: at most ${CAP} pushes a minute to one user`, async () => {
    const jay = await user("Jay");
    const kim = await user("Kim");
    const phone = r.device();
    await subscribe(kim, phone);
    const dm = await direct(jay, kim);
    for (let i = 0; i < CAP + 3; i++) await send(jay, dm, `burst ${i}`);
    await settled();
    assert.equal(r.of(phone).length, CAP);
  });

  test("nothing crosses users or apps: another app's user and another user cannot unsubscribe your device", async () => {
    const ada = await user("Ada");
    const lee = await user("Lee");
    const mal = await user("Mal");
    const foreign = await user("Foe", (await s.createTenant("Foreign")).id);
    const phone = r.device();
    await subscribe(lee, phone);
    for (const intruder of [foreign, mal]) {
      const res = await s.api.del("/push/subscriptions", { ...tok(intruder), body: { endpoint: phone.endpoint } });
      assert.equal(res.status, 204, "unsubscribing answers alike whether or not it was theirs");
    }
    // Another app's user subscribing the same endpoint gets a row of their app; Lee's stays Lee's.
    await subscribe(foreign, phone);
    assert.deepEqual((await rows("endpoint = ?", [phone.endpoint])).map((x) => x.userId).sort(), [foreign.user.id, lee.user.id].sort());
    await send(ada, await direct(ada, lee), "still yours");
    await r.until(phone, 1);
    // The owner can.
    assert.equal((await s.api.del("/push/subscriptions", { ...tok(lee), body: { endpoint: phone.endpoint } })).status, 204);
    assert.deepEqual(
      (await rows("endpoint = ?", [phone.endpoint])).map((x) => x.userId),
      [foreign.user.id],
    );
  });

  test("the send's answer never waits for its pushes", async () => {
    const ada = await user("Ada");
    const bob = await user("Bob");
    const slow = r.device();
    await subscribe(bob, slow);
    const dm = await direct(ada, bob);
    r.hold = true;
    try {
      await send(ada, dm, "first");
      await r.until(slow, 1);
      // The push service has not answered the first push, and the next send is answered anyway.
      await send(ada, dm, "second");
    } finally {
      r.release();
    }
    await r.until(slow, 2);
  });

  test("the pushes of one message cost the same statements whatever the number of recipients", async () => {
    const count = async (members: number): Promise<number> => {
      const owner = await user("Owner");
      const others = await Promise.all(Array.from({ length: members }, (_, i) => user(`M${i}`)));
      for (const o of others) await subscribe(o, r.device());
      const g = await group(owner, `Group of ${members}`, others);
      const seen = await recordQueries(
        s.services,
        async () => {
          await send(owner, g, "hello all");
          await settled();
        },
        /push_subscriptions|push_settings|FROM conversations c WHERE/,
      );
      return seen.length;
    };
    const two = await count(2);
    const seven = await count(7);
    assert.equal(two, seven, `${two} statements for 2 recipients, ${seven} for 7`);
    assert.equal(two, 3, "recipients with their subscriptions, the app's keys, the conversation and sender");
  });

  test("subscribe and unsubscribe are limited per user (429 with Retry-After)", async () => {
    const oli = await user("Oli");
    for (let i = 0; i < 20; i++) assert.equal((await s.api.del("/push/subscriptions", { ...tok(oli), body: { endpoint: `${r.url}/x${i}` } })).status, 204);
    const refused = await s.api.del("/push/subscriptions", { ...tok(oli), body: { endpoint: `${r.url}/x` } });
    assert.equal(refused.status, 429);
    assert.equal(refused.body.error.code, "rate_limited");
    assert.ok(Number(refused.headers.get("retry-after")) >= 1);
    assert.equal((await s.api.del("/push/subscriptions", { ...tok(await user("Pam")), body: { endpoint: `${r.url}/x` } })).status, 204, "per user");
  });

  test("deleting the account removes its subscriptions; deleting the app removes its keys and subscriptions", async () => {
    const nia = await user("Nia");
    const second = await s.api.post<AuthResponse>("/auth/login", { app, body: { email: nia.user.email, password: PASSWORD } });
    await subscribe(nia, r.device());
    await subscribe(second.body, r.device());
    assert.equal((await s.api.del("/me", { ...tok(nia), body: { password: PASSWORD } })).status, 204);
    assert.deepEqual(await rows("userId = ?", [nia.user.id]), []);

    const doomed = (await s.createTenant("Doomed")).id;
    const uma = await user("Uma", doomed);
    await subscribe(uma, r.device());
    const gone = await deleteAppWithData(s.services.db, s.services.apps, s.services.storage, doomed);
    assert.equal(gone.rows["push_settings"], 1);
    assert.equal(gone.rows["push_subscriptions"], 1);
    assert.deepEqual(await s.services.db.query("SELECT appId FROM push_settings WHERE appId = ?", [doomed]), []);
    assert.deepEqual(await rows("appId = ?", [doomed]), []);
  });

  test("app:push (the operator's CLI): show, text on, rotate (new key, every subscription dropped)", { timeout: 60_000 }, async () => {
    const tenant = (await s.createTenant("Cli")).id;
    const ada = await user("Ada", tenant);
    const bob = await user("Bob", tenant);
    const phone = r.device();
    await subscribe(bob, phone);
    const key = (await s.api.get("/push/key", tok(bob))).body.publicKey as string;
    const shown = await cli(["show", "--id", tenant, "--json"]);
    assert.equal(shown.code, 0, shown.stderr);
    assert.deepEqual((({ publicKey, includeText, subscriptions }) => ({ publicKey, includeText, subscriptions }))(JSON.parse(shown.stdout)), {
      publicKey: key,
      includeText: false,
      subscriptions: 1,
    });
    assert.equal((await cli(["settings", "--id", tenant, "--text", "on"])).code, 0);
    await send(ada, await direct(ada, bob), "with text");
    assert.equal(open((await r.until(phone, 1))[0]!, phone).body, "with text");
    const rotated = await cli(["rotate", "--id", tenant, "--json"]);
    assert.equal(rotated.code, 0, rotated.stderr);
    const out = JSON.parse(rotated.stdout) as { publicKey: string; removed: number };
    assert.equal(out.removed, 1);
    assert.notEqual(out.publicKey, key);
    assert.equal((await s.api.get("/push/key", tok(bob))).body.publicKey, out.publicKey);
    assert.deepEqual(await rows("appId = ?", [tenant]), []);
    const bad = await cli(["settings", "--id", tenant, "--text", "maybe"]);
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /--text on or --text off/);
  });
});

/** `npm run app:push -- <args>` as its script runs it, on the test server's database. */
async function cli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const env: NodeJS.ProcessEnv = { ...process.env, DATA_DIR: s.dataDir, JWT_SECRET: TEST_JWT_SECRET, NODE_ENV: "production" };
  delete env["DATABASE_URL"];
  if (s.databaseUrl) env["DATABASE_URL"] = s.databaseUrl;
  const child = spawn(process.execPath, ["--import", "tsx", "server/src/cli.ts", "push", ...args], { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d: Buffer) => (stdout += d));
  child.stderr.on("data", (d: Buffer) => (stderr += d));
  const [code] = (await once(child, "exit")) as [number | null];
  return { code, stdout, stderr };
}

// ---------------------------------------------------------------------------------------------
// Bad input, on a server as production runs it (no private endpoints): 4xx with the error body.
// ---------------------------------------------------------------------------------------------

describe(`bad input on the push routes (${TEST_DB})`, () => {
  let p: TestServer;
  let caller: AuthResponse;
  // Valid but for what each case breaks: a real device key, and a public https address.
  const good = { endpoint: "https://8.8.8.8/push/abc", keys: new PushDevice("https://8.8.8.8/push/abc").subscription().keys };
  before(async () => {
    p = await startServer({ RATE_LIMIT_PUSH_PER_USER: "1000" });
    caller = await p.api.register((await p.createTenant("Bad push input")).id);
  });
  after(() => p?.close());

  const sub = (over: Record<string, unknown>): Record<string, unknown> => ({ ...good, ...over });
  const keys = (over: Record<string, unknown>): Record<string, unknown> => ({ ...good, keys: { ...good.keys, ...over } });
  const routes: Route<"none">[] = [
    {
      method: "POST",
      path: "/push/subscriptions",
      cases: [
        ...framingCases("POST"),
        { name: "no credentials", as: "none", body: good, expect: { status: 401 } },
        { name: "no body", expect: { status: 400 } },
        { name: "not a URL", body: sub({ endpoint: "not a url" }), expect: { status: 400, code: "validation_failed" } },
        { name: "a javascript: URL", body: sub({ endpoint: "javascript:alert(1)" }), expect: { status: 400 } },
        { name: "an http:// endpoint", body: sub({ endpoint: "http://8.8.8.8/push" }), expect: { status: 400 } },
        { name: "an ftp:// endpoint", body: sub({ endpoint: "ftp://8.8.8.8/push" }), expect: { status: 400 } },
        { name: "credentials in the URL", body: sub({ endpoint: "https://u:p@8.8.8.8/push" }), expect: { status: 400 } },
        { name: "a loopback endpoint", body: sub({ endpoint: "https://127.0.0.1/push" }), expect: { status: 400 } },
        { name: "a private-network endpoint", body: sub({ endpoint: "https://10.1.2.3/push" }), expect: { status: 400 } },
        { name: "an IPv6 loopback endpoint", body: sub({ endpoint: "https://[::1]/push" }), expect: { status: 400 } },
        { name: "localhost", body: sub({ endpoint: "https://localhost/push" }), expect: { status: 400 } },
        { name: "a cloud metadata address", body: sub({ endpoint: "https://169.254.169.254/latest" }), expect: { status: 400 } },
        { name: "an endpoint of 1025 characters", body: sub({ endpoint: `https://8.8.8.8/${"a".repeat(1025 - 16)}` }), expect: { status: 400 } },
        { name: "an endpoint as a number", body: sub({ endpoint: 7 }), expect: { status: 400 } },
        { name: "no keys", body: { endpoint: good.endpoint }, expect: { status: 400 } },
        { name: "keys as a string", body: sub({ keys: "k" }), expect: { status: 400 } },
        { name: "p256dh not base64url", body: keys({ p256dh: "!!!" }), expect: { status: 400 } },
        { name: "p256dh of 64 bytes", body: keys({ p256dh: Buffer.alloc(64, 4).toString("base64url") }), expect: { status: 400 } },
        {
          name: "p256dh not on the curve",
          body: keys({ p256dh: Buffer.concat([Buffer.from([4]), Buffer.alloc(64)]).toString("base64url") }),
          expect: { status: 400 },
        },
        { name: "p256dh of 100 KB", body: keys({ p256dh: "A".repeat(100_000) }), expect: { status: [400, 413] } },
        { name: "auth of 15 bytes", body: keys({ auth: Buffer.alloc(15, 1).toString("base64url") }), expect: { status: 400 } },
        { name: "auth missing", body: { endpoint: good.endpoint, keys: { p256dh: good.keys.p256dh } }, expect: { status: 400 } },
      ],
    },
    {
      method: "DELETE",
      path: "/push/subscriptions",
      cases: [
        ...framingCases("DELETE", ["DELETE"]),
        { name: "no credentials", as: "none", body: { endpoint: good.endpoint }, expect: { status: 401 } },
        { name: "no body", expect: { status: 400 } },
        { name: "an empty endpoint", body: { endpoint: "" }, expect: { status: 400 } },
        { name: "an endpoint of 1025 characters", body: { endpoint: "e".repeat(1025) }, expect: { status: 400 } },
        { name: "an endpoint as an object", body: { endpoint: { url: good.endpoint } }, expect: { status: 400 } },
      ],
    },
    { method: "GET", path: "/push/key", cases: [{ name: "no credentials", as: "none", expect: { status: 401 } }] },
  ];
  runTable(
    routes,
    (route, c: Case<"none">) => sendCase(p.api, route.method, c.path ?? route.path, c.as === "none" ? {} : { token: caller.accessToken }, c, c.body),
    "/v1",
  );

  test("after the table: the caller has no subscription, and the body every case broke one thing of is accepted", async () => {
    assert.deepEqual(await p.services.db.query("SELECT id FROM push_subscriptions"), []);
    assert.equal((await p.api.post("/push/subscriptions", { token: caller.accessToken, body: good })).status, 201);
    assert.equal((await p.api.del("/push/subscriptions", { token: caller.accessToken, body: { endpoint: good.endpoint } })).status, 204);
    assert.deepEqual(await p.services.db.query("SELECT id FROM push_subscriptions"), []);
  });
});
