/**
 * Moderation (issue 17): app moderators, mutes, slow mode, the word filter, bans (conversation and
 * app), reports with their webhook, moderator deletion and the audit log — each through real HTTP
 * and real sockets, refused for non-moderators, and never across apps.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import type { AuditEntry, AuthResponse, Report } from "@parley/sdk/protocol";
import { assertClientError } from "./helpers/api.js";
import { startServer, TEST_JWT_SECRET, type TestServer } from "./helpers/harness.js";
import { connect, eventually, request, type ClientSocket } from "./helpers/sockets.js";
import { WebhookReceiver } from "./helpers/webhook-receiver.js";

interface Tenant {
  app: string;
  auth: string;
  keyId: string;
}

interface Person extends AuthResponse {
  sub: string;
}

let s: TestServer;
let t: Tenant;
let other: Tenant;
let mod: Person, alice: Person, bob: Person, carol: Person;
let group: string;
let receiver: WebhookReceiver;
const sockets: ClientSocket[] = [];
const n = Math.random().toString(36).slice(2, 8);

const srv = (tenant: Tenant, body?: unknown) => ({ headers: { Authorization: tenant.auth }, ...(body === undefined ? {} : { body }) });

async function tenant(name: string): Promise<Tenant> {
  const { id: app } = await s.createTenant(name);
  const key = await s.services.serverKeys.create(app);
  return { app, keyId: key.id, auth: `Basic ${Buffer.from(`${key.id}:${key.secret}`).toString("base64")}` };
}

/** A user of the host (by sub), signed in through a host token the server API issued. */
async function person(tn: Tenant, sub: string): Promise<Person> {
  const up = await s.api.post("/server/users", srv(tn, { sub, name: sub }));
  assert.ok(up.status === 201 || up.status === 200, JSON.stringify(up.body));
  const tok = await s.api.post("/server/tokens", srv(tn, { sub }));
  assert.equal(tok.status, 201, JSON.stringify(tok.body));
  const session = await s.api.post<AuthResponse>("/auth/host-token", { app: tn.app, body: { token: tok.body.hostToken } });
  assert.equal(session.status, 200, JSON.stringify(session.body));
  return { ...session.body, sub };
}

async function newGroup(tn: Tenant, subs: string[], extra: Record<string, unknown> = {}): Promise<string> {
  const res = await s.api.post("/server/conversations", srv(tn, { kind: "group", name: `Group ${Math.random()}`, users: subs, ...extra }));
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return res.body.conversation.id;
}

const send = (p: Person, conversationId: string, text: string) =>
  s.api.post(`/conversations/${conversationId}/messages`, { token: p.accessToken, body: { text } });

async function auditOf(tn: Tenant, action: string): Promise<AuditEntry[]> {
  const res = await s.api.get(`/server/moderation/audit?limit=100`, srv(tn));
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return (res.body.items as AuditEntry[]).filter((e) => e.action === action);
}

/** The operator's CLI from source (`npm run app:moderator` runs the same file with tsx), on the test server's database. */
function runCli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const env: NodeJS.ProcessEnv = { ...process.env, DATA_DIR: s.dataDir, JWT_SECRET: TEST_JWT_SECRET, NODE_ENV: "production" };
  delete env["DATABASE_URL"];
  if (s.databaseUrl) env["DATABASE_URL"] = s.databaseUrl;
  const root = path.resolve(import.meta.dirname, "../..");
  const child = spawn(process.execPath, ["--import", "tsx", "server/src/cli.ts", ...args], { cwd: root, env, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d: Buffer) => (stdout += d));
  child.stderr.on("data", (d: Buffer) => (stderr += d));
  return new Promise((resolve) => child.on("close", (code) => resolve({ code, stdout, stderr })));
}

before(async () => {
  s = await startServer({ WEBHOOK_ALLOW_PRIVATE: "1", WEBHOOK_POLL_MS: "20", WEBHOOK_ENDPOINT_CACHE_MS: "0", WEBHOOK_UNREAD_POLL_MS: "600000" });
  t = await tenant("Moderated");
  other = await tenant("Other app");
  mod = await person(t, `mod-${n}`);
  alice = await person(t, `alice-${n}`);
  bob = await person(t, `bob-${n}`);
  carol = await person(t, `carol-${n}`);
  group = await newGroup(t, [mod.sub, alice.sub, bob.sub, carol.sub]);
  receiver = await new WebhookReceiver().start();
  const hook = await s.api.post("/server/webhooks", srv(t, { url: receiver.url, events: ["report.created"] }));
  assert.equal(hook.status, 201, JSON.stringify(hook.body));
});

after(async () => {
  for (const so of sockets) so.close();
  await receiver?.close();
  await s?.close();
});

describe("app moderators", () => {
  test("the server API makes a user a moderator; GET /me shows it to them only", async () => {
    assert.equal((await s.api.put(`/server/moderators/${mod.sub}`, srv(t, { reason: "community lead" }))).status, 204);
    const me = await s.api.get("/me", { token: mod.accessToken });
    assert.equal(me.body.moderator, true);
    const plain = await s.api.get("/me", { token: alice.accessToken });
    assert.equal(plain.body.moderator, undefined);
    // Sign-in and refresh answers say so too, so a UI knows without asking /me.
    const again = await person(t, mod.sub);
    assert.equal(again.user.moderator, true);
    const refreshed = await s.api.post<AuthResponse>("/auth/refresh", { app: t.app, body: { refreshToken: again.refreshToken } });
    assert.equal(refreshed.status, 200, JSON.stringify(refreshed.body));
    assert.equal(refreshed.body.user.moderator, true);
    assert.equal((await person(t, alice.sub)).user.moderator, undefined);
    const list = await s.api.get("/server/moderators", srv(t));
    assert.deepEqual(
      list.body.moderators.map((m: { sub: string }) => m.sub),
      [mod.sub],
    );
    const [entry] = await auditOf(t, "moderator.add");
    assert.equal(entry?.targetUserId, mod.user.id);
    assert.equal(entry?.actorServerKey, t.keyId);
    assert.equal(entry?.reason, "community lead");
  });

  test("a user is no longer a moderator once removed, and back again", async () => {
    const tmp = await person(t, `tmp-${n}`);
    assert.equal((await s.api.put(`/server/moderators/${tmp.sub}`, srv(t))).status, 204);
    assert.equal((await s.api.get("/moderation/audit", { token: tmp.accessToken })).status, 200);
    assert.equal((await s.api.del(`/server/moderators/${tmp.sub}`, srv(t))).status, 204);
    assertClientError(await s.api.get("/moderation/audit", { token: tmp.accessToken }), { status: 403, code: "forbidden" });
    assert.equal((await auditOf(t, "moderator.remove")).length, 1);
  });

  test("every moderator route refuses a plain member with 403", async () => {
    const tok = { token: alice.accessToken };
    const calls = [
      s.api.get("/moderation/audit", tok),
      s.api.get("/moderation/reports", tok),
      s.api.post("/moderation/reports/rep_x/resolve", { ...tok, body: { status: "dismissed" } }),
      s.api.put(`/moderation/conversations/${group}/mutes/${bob.user.id}`, { ...tok, body: { durationSec: 60 } }),
      s.api.del(`/moderation/conversations/${group}/mutes/${bob.user.id}`, tok),
      s.api.put(`/moderation/conversations/${group}/bans/${bob.user.id}`, { ...tok, body: {} }),
      s.api.del(`/moderation/conversations/${group}/bans/${bob.user.id}`, tok),
      s.api.put(`/moderation/bans/${bob.user.id}`, { ...tok, body: {} }),
      s.api.del(`/moderation/bans/${bob.user.id}`, tok),
      s.api.put(`/moderation/conversations/${group}/slow-mode`, { ...tok, body: { seconds: 5 } }),
      s.api.get("/moderation/word-filter", tok),
      s.api.put("/moderation/word-filter", { ...tok, body: { words: [] } }),
      s.api.del("/moderation/messages/1", tok),
    ];
    for (const res of await Promise.all(calls)) assertClientError(res, { status: 403, code: "forbidden" });
  });

  test("the CLI (npm run app:moderator) sets and removes a moderator by sub or id, audited as the operator", async () => {
    const run = (args: string[]) => runCli(["moderator", "--app", t.app, ...args]);
    const added = await run(["--user", carol.sub, "--json"]);
    assert.equal(added.code, 0, added.stderr);
    assert.deepEqual(JSON.parse(added.stdout), { userId: carol.user.id, moderator: true });
    assert.equal((await s.api.get("/me", { token: carol.accessToken })).body.moderator, true);
    const listed = await run(["--list", "--json"]);
    assert.ok((JSON.parse(listed.stdout) as { userId: string }[]).some((m) => m.userId === carol.user.id));
    const removed = await run(["--user", carol.user.id, "--remove"]);
    assert.equal(removed.code, 0, removed.stderr);
    assert.equal((await s.api.get("/me", { token: carol.accessToken })).body.moderator, undefined);
    const unknown = await run(["--user", "nobody-at-all"]);
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /no user/);
    const entries = await auditOf(t, "moderator.add");
    assert.ok(entries.some((e) => e.actorServerKey === "cli" && e.targetUserId === carol.user.id));
  });
});

describe("mute", () => {
  test("a muted member's HTTP and socket sends are refused with `muted` and its end; unmute lets them send", async () => {
    const until = new Date(Date.now() + 3600_000).toISOString();
    const res = await s.api.put(`/moderation/conversations/${group}/mutes/${bob.user.id}`, { token: mod.accessToken, body: { until, reason: "cool down" } });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.sanction.kind, "mute");
    assert.equal(res.body.sanction.until, until);

    const http = await send(bob, group, "let me talk");
    assertClientError(http, { status: 403, code: "muted" });
    assert.equal(http.body.error.details.until, until);
    const so = await connect(s, bob.accessToken);
    sockets.push(so);
    const ack = await request<unknown>(so, "message.send", { conversationId: group, text: "over the socket" });
    assert.equal(ack.ok, false);
    assert.equal(!ack.ok && ack.error.code, "muted");
    // Others still send; the muted member still reads.
    assert.equal((await send(alice, group, "hello")).status, 201);
    assert.equal((await s.api.get(`/conversations/${group}/messages`, { token: bob.accessToken })).status, 200);

    assert.equal(
      (await s.api.del(`/moderation/conversations/${group}/mutes/${bob.user.id}`, { token: mod.accessToken, body: { reason: "ok now" } })).status,
      204,
    );
    assert.equal((await send(bob, group, "thanks")).status, 201);
    const ack2 = await request<unknown>(so, "message.send", { conversationId: group, text: "socket again" });
    assert.equal(ack2.ok, true);
    const [muted] = await auditOf(t, "mute");
    assert.equal(muted?.actorUserId, mod.user.id);
    assert.equal(muted?.targetUserId, bob.user.id);
    assert.equal(muted?.conversationId, group);
    assert.equal(muted?.reason, "cool down");
    assert.equal(muted?.details?.["until"], until);
    assert.equal((await auditOf(t, "unmute"))[0]?.reason, "ok now");
  });

  test("a mute ends by itself at its time", async () => {
    const res = await s.api.put(`/moderation/conversations/${group}/mutes/${carol.user.id}`, { token: mod.accessToken, body: { durationSec: 1 } });
    assert.equal(res.status, 200);
    assertClientError(await send(carol, group, "too soon"), { code: "muted" });
    await eventually(async () => (await send(carol, group, "after the mute")).status === 201, "the mute to end", 10_000);
  });

  test("a muted member cannot edit either; non-members of the conversation are a 404", async () => {
    const sent = await send(alice, group, "to be edited");
    await s.api.put(`/moderation/conversations/${group}/mutes/${alice.user.id}`, { token: mod.accessToken, body: { durationSec: 600 } });
    assertClientError(await s.api.patch(`/messages/${sent.body.id}`, { token: alice.accessToken, body: { text: "changed" } }), { code: "muted" });
    await s.api.del(`/moderation/conversations/${group}/mutes/${alice.user.id}`, { token: mod.accessToken });
    const outsider = await person(t, `outsider-${n}`);
    assertClientError(await s.api.put(`/moderation/conversations/${group}/mutes/${outsider.user.id}`, { token: mod.accessToken, body: { durationSec: 60 } }), {
      status: 404,
    });
  });
});

describe("slow mode", () => {
  test("refuses a member's second message within N seconds with retry-after; moderators are exempt; 0 turns it off", async () => {
    const conv = await newGroup(t, [mod.sub, alice.sub, bob.sub]);
    const set = await s.api.put(`/moderation/conversations/${conv}/slow-mode`, { token: mod.accessToken, body: { seconds: 60, reason: "raid" } });
    assert.deepEqual(set.body, { conversationId: conv, seconds: 60 });
    assert.equal((await send(alice, conv, "first")).status, 201);
    const second = await send(alice, conv, "second");
    assertClientError(second, { status: 429, code: "slow_mode" });
    assert.ok(second.body.error.details.retryAfterSec > 0 && second.body.error.details.retryAfterSec <= 60);
    assert.ok(Number(second.headers.get("retry-after")) > 0);
    // Over the socket too.
    const so = await connect(s, alice.accessToken);
    sockets.push(so);
    const ack = await request<unknown>(so, "message.send", { conversationId: conv, text: "third" });
    assert.equal(!ack.ok && ack.error.code, "slow_mode");
    // Another member has their own allowance; the moderator none at all.
    assert.equal((await send(bob, conv, "mine")).status, 201);
    for (const text of ["mod 1", "mod 2", "mod 3"]) assert.equal((await send(mod, conv, text)).status, 201);
    await s.api.put(`/moderation/conversations/${conv}/slow-mode`, { token: mod.accessToken, body: { seconds: 0 } });
    assert.equal((await send(alice, conv, "free again")).status, 201);
    const [entry] = await auditOf(t, "slow_mode.set");
    assert.ok(entry && entry.conversationId === conv);
  });

  test("a group's owner is not slowed, its members are, each in their own conversation only", async () => {
    const made = await s.api.post<{ conversation: { id: string } }>("/conversations", {
      token: carol.accessToken,
      body: { name: "Carol's", memberIds: [alice.user.id] },
    });
    assert.equal(made.status, 201, JSON.stringify(made.body));
    const conv = made.body.conversation.id;
    const other = await newGroup(t, [carol.sub, alice.sub]);
    assert.equal((await s.api.put(`/moderation/conversations/${conv}/slow-mode`, { token: mod.accessToken, body: { seconds: 60 } })).status, 200);
    for (const text of ["owner 1", "owner 2", "owner 3"]) assert.equal((await send(carol, conv, text)).status, 201, text);
    assert.equal((await send(alice, conv, "member 1")).status, 201);
    assertClientError(await send(alice, conv, "member 2"), { status: 429, code: "slow_mode" });
    // The same member, in a conversation without slow mode, at the same moment.
    for (const text of ["elsewhere 1", "elsewhere 2"]) assert.equal((await send(alice, other, text)).status, 201, text);
  });
});

describe("word filter", () => {
  test("blocks and masks at send and edit (case-insensitive, whole words, any script)", async () => {
    const set = await s.api.put("/moderation/word-filter", {
      token: mod.accessToken,
      body: {
        words: [
          { word: "spamlink", action: "block" },
          { word: "darn", action: "mask" },
          { word: "грубо", action: "mask" },
        ],
        reason: "house rules",
      },
    });
    assert.equal(set.status, 200, JSON.stringify(set.body));
    assert.equal((await s.api.get("/moderation/word-filter", { token: mod.accessToken })).body.words.length, 3);

    const blocked = await send(alice, group, "visit SpamLink now");
    assertClientError(blocked, { status: 400, code: "content_blocked" });
    assert.deepEqual(blocked.body.error.details.words, ["spamlink"]);
    const so = await connect(s, alice.accessToken);
    sockets.push(so);
    const ack = await request<unknown>(so, "message.send", { conversationId: group, text: "spamlink!" });
    assert.equal(!ack.ok && ack.error.code, "content_blocked");

    const masked = await send(alice, group, "Darn it, darned thing — это грубо");
    assert.equal(masked.status, 201, JSON.stringify(masked.body));
    assert.equal(masked.body.text, "**** it, darned thing — это *****");
    const stored = await s.api.get(`/messages/${masked.body.id}`, { token: bob.accessToken });
    assert.equal(stored.body.text, "**** it, darned thing — это *****");

    assertClientError(await s.api.patch(`/messages/${masked.body.id}`, { token: alice.accessToken, body: { text: "now a spamlink" } }), {
      code: "content_blocked",
    });
    const edited = await s.api.patch(`/messages/${masked.body.id}`, { token: alice.accessToken, body: { text: "well DARN" } });
    assert.equal(edited.body.text, "well ****");
    assert.equal((await auditOf(t, "word_filter.set"))[0]?.reason, "house rules");
  });

  test("regex syntax is taken literally (no patterns, no ReDoS)", async () => {
    const set = await s.api.put("/moderation/word-filter", { token: mod.accessToken, body: { words: [{ word: "(a+)+$", action: "block" }] } });
    assert.equal(set.status, 200, JSON.stringify(set.body));
    assertClientError(await send(alice, group, "literally (a+)+$ here"), { code: "content_blocked" });
    const hostile = `${"a".repeat(3900)}!`;
    const started = Date.now();
    assert.equal((await send(alice, group, hostile)).status, 201);
    assert.ok(Date.now() - started < 5000);
    await s.api.put("/moderation/word-filter", { token: mod.accessToken, body: { words: [] } });
  });
});

describe("bans", () => {
  test("a conversation ban removes the user, who can be neither re-added nor rejoin until unbanned", async () => {
    const pub = await newGroup(t, [mod.sub, alice.sub, carol.sub], { isPublic: true });
    const so = await connect(s, carol.accessToken);
    sockets.push(so);
    const removed = new Promise((resolve) => so.on("member.removed", (e) => e.data.userId === carol.user.id && resolve(e)));
    const ban = await s.api.put(`/moderation/conversations/${pub}/bans/${carol.user.id}`, { token: mod.accessToken, body: { reason: "spam" } });
    assert.equal(ban.status, 200, JSON.stringify(ban.body));
    await removed;
    assertClientError(await s.api.get(`/conversations/${pub}`, { token: carol.accessToken }), { status: 404 });
    assertClientError(await s.api.post(`/conversations/${pub}/join`, { token: carol.accessToken }), { status: 403, code: "banned" });
    assertClientError(await s.api.post(`/server/conversations/${pub}/members`, srv(t, { users: [carol.sub] })), { status: 403, code: "banned" });
    assert.equal(
      (await s.api.del(`/moderation/conversations/${pub}/bans/${carol.user.id}`, { token: mod.accessToken, body: { reason: "appeal" } })).status,
      204,
    );
    assert.equal((await s.api.post(`/conversations/${pub}/join`, { token: carol.accessToken })).status, 200);
    const [entry] = await auditOf(t, "ban.conversation");
    assert.equal(entry?.reason, "spam");
    assert.equal((await auditOf(t, "unban.conversation"))[0]?.reason, "appeal");
  });

  test("a plain member may not mute, ban or slow down their group", async () => {
    const dan = await person(t, `dan-${n}`);
    const conv = await newGroup(t, [dan.sub, bob.sub, mod.sub]);
    // Server-made groups have no owner: a plain member is refused.
    assertClientError(await s.api.put(`/moderation/conversations/${conv}/mutes/${bob.user.id}`, { token: dan.accessToken, body: { durationSec: 60 } }), {
      status: 403,
    });
  });

  test("an app ban closes the user's sockets and refuses their access token, refresh, login and host-token sign-in", async () => {
    const acct = await s.api.register(t.app, { email: `banned-${n}@example.com` });
    const so = await connect(s, acct.accessToken);
    sockets.push(so);
    const closed = new Promise<string>((resolve) => so.on("disconnect", (reason) => resolve(reason)));
    const hostUser = await person(t, `hostban-${n}`);

    const ban = await s.api.put(`/moderation/bans/${acct.user.id}`, { token: mod.accessToken, body: { reason: "fraud" } });
    assert.equal(ban.status, 200, JSON.stringify(ban.body));
    assert.equal(ban.body.sanction.conversationId, null);
    assert.equal(await closed, "io server disconnect");
    assertClientError(await s.api.get("/me", { token: acct.accessToken }), { status: 403, code: "banned" });
    assertClientError(await s.api.post("/auth/refresh", { app: t.app, body: { refreshToken: acct.refreshToken } }), { status: [401, 403] });
    assertClientError(await s.api.post("/auth/login", { app: t.app, body: { email: `banned-${n}@example.com`, password: "correct horse battery" } }), {
      status: 403,
      code: "banned",
    });
    await assert.rejects(connect(s, acct.accessToken));

    assert.equal((await s.api.put(`/server/moderation/bans/${hostUser.sub}`, srv(t, { reason: "chargeback" }))).status, 200);
    assertClientError(await s.api.post("/auth/refresh", { app: t.app, body: { refreshToken: hostUser.refreshToken } }), { status: [401, 403] });
    const tok = await s.api.post("/server/tokens", srv(t, { sub: hostUser.sub }));
    assertClientError(await s.api.post("/auth/host-token", { app: t.app, body: { token: tok.body.hostToken } }), { status: 403, code: "banned" });

    // Unbanned: they may sign in again (their old sessions stay ended).
    assert.equal((await s.api.del(`/moderation/bans/${acct.user.id}`, { token: mod.accessToken, body: { reason: "appeal granted" } })).status, 204);
    const again = await s.api.post("/auth/login", { app: t.app, body: { email: `banned-${n}@example.com`, password: "correct horse battery" } });
    assert.equal(again.status, 200, JSON.stringify(again.body));
    const bans = await auditOf(t, "ban.app");
    assert.ok(bans.some((e) => e.targetUserId === acct.user.id && e.reason === "fraud" && e.actorUserId === mod.user.id));
    assert.ok(bans.some((e) => e.targetUserId === hostUser.user.id && e.actorServerKey === t.keyId && e.reason === "chargeback"));
    assertClientError(await s.api.put(`/moderation/bans/${mod.user.id}`, { token: mod.accessToken, body: {} }), { status: 400 });
  });
});

describe("reports", () => {
  test("a member reports a message and a user; the queue holds them; a webhook is delivered; resolving is audited", async () => {
    const msg = await send(bob, group, "buy cheap watches");
    const rep = await s.api.post("/reports", { token: alice.accessToken, body: { messageId: msg.body.id, reason: "spam", note: "again" } });
    assert.equal(rep.status, 201, JSON.stringify(rep.body));
    const report = rep.body.report as Report;
    assert.equal(report.userId, bob.user.id);
    assert.equal(report.messageText, "buy cheap watches");
    assert.equal(report.status, "open");
    const userRep = await s.api.post("/reports", { token: bob.accessToken, body: { userId: alice.user.id, reason: "harassment" } });
    assert.equal(userRep.status, 201);
    assertClientError(await s.api.post("/reports", { token: alice.accessToken, body: { userId: alice.user.id, reason: "other" } }), { status: 400 });

    const queue = await s.api.get("/moderation/reports?status=open", { token: mod.accessToken });
    assert.ok(queue.body.items.some((r: Report) => r.id === report.id));
    const viaServer = await s.api.get("/server/moderation/reports", srv(t));
    assert.ok(viaServer.body.items.some((r: Report) => r.id === report.id));

    await receiver.until((all) => all.some((r) => r.body.type === "report.created" && r.body.data.id === report.id), "report.created");
    const hook = receiver.of("report.created").find((b) => b.data.id === report.id);
    assert.equal(hook.appId, t.app);
    assert.equal(hook.data.reason, "spam");

    const resolved = await s.api.post(`/moderation/reports/${report.id}/resolve`, { token: mod.accessToken, body: { status: "resolved", note: "warned" } });
    assert.equal(resolved.status, 200, JSON.stringify(resolved.body));
    assert.equal(resolved.body.report.status, "resolved");
    assert.equal(resolved.body.report.resolvedBy, mod.user.id);
    assertClientError(await s.api.post(`/moderation/reports/${report.id}/resolve`, { token: mod.accessToken, body: { status: "dismissed" } }), {
      status: 409,
    });
    const open = await s.api.get("/moderation/reports", { token: mod.accessToken });
    assert.ok(!open.body.items.some((r: Report) => r.id === report.id));
    const [entry] = await auditOf(t, "report.resolve");
    assert.equal(entry?.reportId, report.id);
    assert.equal(entry?.reason, "warned");
    // A message the reporter cannot see is a 404.
    const privateConv = await newGroup(t, [mod.sub, bob.sub]);
    const hidden = await send(bob, privateConv, "secret");
    assertClientError(await s.api.post("/reports", { token: alice.accessToken, body: { messageId: hidden.body.id, reason: "spam" } }), { status: 404 });
  });

  test("an account deletion leaves none of the user's words in reports: the reported message's copy, their own notes", async () => {
    const dan = await person(t, `dan-${n}`);
    const eve = await person(t, `eve-${n}`);
    const room = await newGroup(t, [mod.sub, dan.sub, eve.sub]);
    const msg = await send(dan, room, "dan's words to be reported");
    const about = await s.api.post("/reports", { token: eve.accessToken, body: { messageId: msg.body.id, reason: "spam", note: "eve's note" } });
    const by = await s.api.post("/reports", { token: dan.accessToken, body: { userId: eve.user.id, reason: "other", note: "dan's own note" } });
    assert.equal(about.status, 201, JSON.stringify(about.body));
    assert.equal(by.status, 201, JSON.stringify(by.body));
    assert.equal((await s.api.del(`/server/users/${dan.sub}`, srv(t))).status, 204);

    const queue = await s.api.get<{ items: Report[] }>("/server/moderation/reports?limit=100", srv(t));
    const text = JSON.stringify(queue.body);
    assert.ok(!text.includes("dan's words") && !text.includes("dan's own note"), text);
    const kept = queue.body.items.find((r) => r.id === about.body.report.id);
    assert.equal(kept?.messageText ?? null, null, "the report about him stays, without his words");
    assert.equal(kept?.note, "eve's note", "the reporter's own note stays");
    assert.ok(
      queue.body.items.some((r) => r.id === by.body.report.id),
      "his report of someone else stays, without his note",
    );
  });
});

describe("moderator deletion and the audit log", () => {
  test("a moderator deletes any message of the app (even where they are not a member), audited", async () => {
    const conv = await newGroup(t, [alice.sub, bob.sub]);
    const msg = await send(bob, conv, "something awful");
    assert.equal((await s.api.del(`/moderation/messages/${msg.body.id}`, { token: mod.accessToken, body: { reason: "hate speech" } })).status, 204);
    const gone = await s.api.get(`/conversations/${conv}/messages`, { token: alice.accessToken });
    const tomb = gone.body.items.find((m: { id: string }) => m.id === msg.body.id);
    assert.ok(tomb.deletedAt);
    assert.equal(tomb.text, null);
    const [entry] = await auditOf(t, "message.delete");
    assert.equal(entry?.messageId, msg.body.id);
    assert.equal(entry?.targetUserId, bob.user.id);
    assert.equal(entry?.reason, "hate speech");
    assertClientError(await s.api.del(`/moderation/messages/${msg.body.id}`, { token: mod.accessToken }), { status: 404 });
  });

  test("the audit log pages by cursor, newest first, for moderators and the server API alike", async () => {
    const seen: string[] = [];
    let cursor: string | null = "";
    while (cursor !== null) {
      const res: { status: number; body: any } = await s.api.get(`/moderation/audit?limit=3${cursor ? `&cursor=${cursor}` : ""}`, { token: mod.accessToken });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.ok(res.body.items.length <= 3);
      seen.push(...res.body.items.map((e: AuditEntry) => e.id));
      cursor = res.body.nextCursor;
    }
    const all = await s.api.get("/server/moderation/audit?limit=100", srv(t));
    assert.deepEqual(
      seen,
      all.body.items.map((e: AuditEntry) => e.id),
    );
    const times = all.body.items.map((e: AuditEntry) => Date.parse(e.createdAt));
    assert.deepEqual(
      times,
      [...times].sort((a, b) => b - a),
    );
    const actions = new Set(all.body.items.map((e: AuditEntry) => e.action));
    for (const a of [
      "moderator.add",
      "mute",
      "unmute",
      "slow_mode.set",
      "word_filter.set",
      "ban.conversation",
      "ban.app",
      "unban.app",
      "report.resolve",
      "message.delete",
    ])
      assert.ok(actions.has(a), `audit has ${a}`);
  });
});

describe("nothing crosses apps", () => {
  test("another app's moderator, server key and users get 404s; its audit log and queue hold nothing of this app", async () => {
    const foreignMod = await person(other, `fmod-${n}`);
    assert.equal((await s.api.put(`/server/moderators/${foreignMod.sub}`, srv(other))).status, 204);
    const tok = { token: foreignMod.accessToken };
    const msg = await send(alice, group, "mine");
    for (const res of [
      await s.api.put(`/moderation/conversations/${group}/mutes/${alice.user.id}`, { ...tok, body: { durationSec: 60 } }),
      await s.api.put(`/moderation/conversations/${group}/bans/${alice.user.id}`, { ...tok, body: {} }),
      await s.api.put(`/moderation/bans/${alice.user.id}`, { ...tok, body: {} }),
      await s.api.put(`/moderation/conversations/${group}/slow-mode`, { ...tok, body: { seconds: 10 } }),
      await s.api.del(`/moderation/messages/${msg.body.id}`, tok),
      await s.api.put(`/server/moderation/bans/${alice.sub}`, srv(other, {})),
      await s.api.put(`/server/moderators/${alice.sub}`, srv(other)),
      await s.api.post(`/reports`, { ...tok, body: { messageId: msg.body.id, reason: "spam" } }),
      await s.api.post(`/reports`, { ...tok, body: { userId: alice.user.id, reason: "spam" } }),
    ])
      assertClientError(res, { status: 404 });
    const openHere = (await s.api.get("/moderation/reports?status=all", { token: mod.accessToken })).body.items as Report[];
    assert.ok(openHere.length > 0);
    for (const r of openHere)
      assertClientError(await s.api.post(`/moderation/reports/${r.id}/resolve`, { ...tok, body: { status: "dismissed" } }), { status: [404, 409] });
    const theirs = await s.api.get("/moderation/audit", tok);
    assert.ok(theirs.body.items.every((e: AuditEntry) => e.targetUserId === foreignMod.user.id));
    assert.equal((await s.api.get("/moderation/reports?status=all", tok)).body.items.length, 0);
    // Their word filter does not touch this app.
    await s.api.put("/moderation/word-filter", { ...tok, body: { words: [{ word: "hello", action: "block" }] } });
    assert.equal((await send(alice, group, "hello there")).status, 201);
    assert.equal((await s.api.get("/me", { token: alice.accessToken })).status, 200);
  });
});
