/**
 * Drafts that follow the user (issue 55), server side, against a real server and real Socket.IO
 * clients: a draft saved through one device reaches the user's other devices as `draft.updated`
 * (with the saving client's origin) within 2 s, and nobody else's; one draft per conversation,
 * saved over, deleted when blanked or deleted (idempotently); members only; bad input named; the
 * actions quota holds; never in search or /sync; listed only while a member; in the export; gone
 * with the account; and across two nodes through the adapter.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, before, describe, test } from "node:test";
import { MESSAGE_LIMITS, type AuthResponse, type Conversation, type DataExport, type Draft, type Page, type SyncResponse } from "@parley/sdk/protocol";
import { assertClientError, errorCode, type ReqOptions } from "./helpers/api.js";
import { startServer, TEST_DB, type TestServer } from "./helpers/harness.js";
import { connect, Recorder } from "./helpers/sockets.js";

const PASSWORD = "correct horse battery";
const tok = (u: AuthResponse): ReqOptions => ({ token: u.accessToken });

let s: TestServer;
let app: string;
const sockets: Recorder[] = [];

before(async () => {
  s = await startServer();
  app = (await s.createTenant("Drafts")).id;
});
after(async () => {
  for (const r of sockets) r.socket.close();
  await s?.close();
});

async function user(name: string): Promise<AuthResponse> {
  return s.api.register(app, { displayName: name, password: PASSWORD });
}
async function listen(u: AuthResponse, server = s): Promise<Recorder> {
  const r = new Recorder(await connect(server, u.accessToken));
  sockets.push(r);
  return r;
}
async function group(owner: AuthResponse, ...others: AuthResponse[]): Promise<Conversation> {
  const res = await s.api.post("/conversations", { ...tok(owner), body: { name: "Room", memberIds: others.map((o) => o.user.id) } });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return res.body.conversation;
}
async function save(u: AuthResponse, c: Conversation, body: Record<string, unknown>, server = s): Promise<Draft> {
  const res = await server.api.put<Draft>(`/conversations/${c.id}/draft`, { ...tok(u), body });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body;
}
async function listOf(u: AuthResponse, query = ""): Promise<Page<Draft>> {
  const res = await s.api.get<Page<Draft>>(`/drafts${query}`, tok(u));
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body;
}
async function rowsOf(u: AuthResponse): Promise<number> {
  const rows: { n: number | string }[] = await s.services.db.query("SELECT COUNT(*) AS n FROM drafts WHERE userId = ?", [u.user.id]);
  return Number(rows[0]!.n);
}

describe("drafts", () => {
  test("saved, listed, saved over in place, blanked and deleted (idempotently)", async () => {
    const alice = await user("Alice");
    const bob = await user("Bob");
    const c = await group(alice, bob);
    const said = await s.api.post(`/conversations/${c.id}/messages`, { ...tok(bob), body: { text: "question?" } });

    const first = await save(alice, c, { text: "Hello th" });
    assert.deepEqual({ ...first, updatedAt: "" }, { conversationId: c.id, text: "Hello th", replyTo: null, updatedAt: "" });
    assert.ok(Date.parse(first.updatedAt) > Date.now() - 60_000);
    // Saved over: one row, the newest text, the reply target kept as given; the text as typed (not trimmed).
    const second = await save(alice, c, { text: "  Hello there,\nBob  ", replyTo: said.body.id });
    assert.equal(second.text, "  Hello there,\nBob  ");
    assert.equal(second.replyTo, said.body.id);
    assert.equal(await rowsOf(alice), 1);
    assert.deepEqual((await listOf(alice)).items, [second]);
    assert.deepEqual((await listOf(bob)).items, [], "Bob sees none of Alice's");

    // A reply target with no text yet is a draft; blank with none deletes it (204).
    assert.equal((await save(alice, c, { text: "", replyTo: said.body.id })).text, "");
    const blank = await s.api.put(`/conversations/${c.id}/draft`, { ...tok(alice), body: { text: " \n ", replyTo: null } });
    assert.equal(blank.status, 204);
    assert.equal(await rowsOf(alice), 0);

    await save(alice, c, { text: "again" });
    assert.equal((await s.api.del(`/conversations/${c.id}/draft`, tok(alice))).status, 204);
    assert.deepEqual((await listOf(alice)).items, []);
    assert.equal((await s.api.del(`/conversations/${c.id}/draft`, tok(alice))).status, 204, "deleting none is no error");
  });

  test("another device of the user gets draft.updated with the text and origin within 2 s; other members never do", async () => {
    const alice = await user("Alice");
    const bob = await user("Bob");
    const c = await group(alice, bob);
    const phone = await listen(alice);
    const laptop = await listen(alice);
    const bobs = await listen(bob);

    const t0 = performance.now();
    await save(alice, c, { text: "typed on the laptop", origin: "laptop-1" });
    const e = await phone.wait("draft.updated", (p) => p.conversationId === c.id, 2000);
    const ms = performance.now() - t0;
    assert.ok(ms < 2000, `${ms} ms`);
    console.log(`drafts: draft.updated reached the other device ${ms.toFixed(0)} ms after the save was sent`);
    assert.equal(e.origin, "laptop-1");
    assert.equal(e.draft.text, "typed on the laptop");
    assert.equal(e.draft.conversationId, c.id);
    // The saving device gets it too, with its origin, so it can tell its own echo.
    assert.equal((await laptop.wait("draft.updated")).origin, "laptop-1");

    await s.api.del(`/conversations/${c.id}/draft?origin=phone-2`, tok(alice));
    const gone = await phone.wait("draft.updated", (p) => p.draft === null, 2000);
    assert.deepEqual(gone, { conversationId: c.id, draft: null, origin: "phone-2" });

    // A message sent after both reaches Bob: by then he would have had the drafts' events, and has none.
    const said = await s.api.post(`/conversations/${c.id}/messages`, { ...tok(alice), body: { text: "sent" } });
    await bobs.wait("message.new", (p) => p.data.message.id === said.body.id);
    assert.deepEqual(
      bobs.names().filter((n) => n.startsWith("draft")),
      [],
    );
    // Deleting none tells no one.
    const before = phone.names().length;
    await s.api.del(`/conversations/${c.id}/draft`, tok(alice));
    await save(alice, c, { text: "marker" });
    await phone.wait("draft.updated", (p) => p.draft?.text === "marker");
    assert.deepEqual(phone.names().slice(before), ["draft.updated"]);
  });

  test("only a member may save or delete one: a non-member and another app's user get the 404 of a missing conversation", async () => {
    const alice = await user("Alice");
    const bob = await user("Bob");
    const eve = await user("Eve");
    const foreignApp = (await s.createTenant("Elsewhere")).id;
    const mallory = await s.api.register(foreignApp);
    const c = await group(alice, bob);
    await save(alice, c, { text: "mine" });
    for (const who of [eve, mallory]) {
      assertClientError(await s.api.put(`/conversations/${c.id}/draft`, { ...tok(who), body: { text: "x" } }), { status: 404, code: "not_found" });
      assertClientError(await s.api.del(`/conversations/${c.id}/draft`, tok(who)), { status: 404, code: "not_found" });
    }
    assertClientError(await s.api.put(`/conversations/cnv_missing0000000000/draft`, { ...tok(alice), body: { text: "x" } }), { status: 404 });
    assertClientError(await s.api.put(`/conversations/${"x".repeat(200)}/draft`, { ...tok(alice), body: { text: "x" } }), { status: 404 });
    assert.equal((await listOf(alice)).items[0]?.text, "mine", "untouched");
  });

  test("bad input: text past a message's length, a malformed reply target, origin or cursor, no text at all", async () => {
    const alice = await user("Alice");
    const c = await group(alice);
    const put = (body: unknown) => s.api.put(`/conversations/${c.id}/draft`, { ...tok(alice), body });
    assert.equal((await put({ text: "a".repeat(MESSAGE_LIMITS.textMaxChars) })).status, 200, "exactly the limit");
    for (const [body, field] of [
      [{ text: "a".repeat(MESSAGE_LIMITS.textMaxChars + 1) }, "text"],
      [{}, "text"],
      [{ text: 42 }, "text"],
      [{ text: "x", replyTo: "not-a-message" }, "replyTo"],
      [{ text: "x", origin: "has spaces" }, "origin"],
      [{ text: "x", origin: "o".repeat(65) }, "origin"],
    ] as const) {
      const res = await put(body);
      assertClientError(res, { status: 400, code: "validation_failed" });
      assert.match(JSON.stringify(res.body), new RegExp(field), JSON.stringify(res.body));
    }
    const raw = await s.api.req("PUT", `/conversations/${c.id}/draft`, { ...tok(alice), raw: "{not json", contentType: "application/json" });
    assert.equal(raw.status, 400);
    assertClientError(await s.api.get("/drafts?cursor=nope", tok(alice)), { status: 400 });
    assertClientError(await s.api.get("/drafts?limit=0", tok(alice)), { status: 400 });
    assertClientError(await s.api.del(`/conversations/${c.id}/draft?origin=%20`, tok(alice)), { status: 400 });
    assert.equal((await s.api.get("/drafts")).status, 401);
  });

  test("saves and deletes take the actions quota: past it a 429 with Retry-After, and the last draft accepted stays", async () => {
    // A server of its own with a small budget (the suite's is too large to reach).
    const limited = await startServer({ RATE_LIMIT_ACTIONS_PER_USER: "5" });
    try {
      const tenant = (await limited.createTenant()).id;
      const alice = await limited.api.register(tenant);
      const c = (await limited.api.post("/conversations", { ...tok(alice), body: { name: "Quota", memberIds: [] } })).body.conversation as Conversation;
      const statuses: number[] = [];
      // Making the group took the first point: four writes left.
      for (let i = 0; i < 5; i++) {
        const res =
          i === 2
            ? await limited.api.del(`/conversations/${c.id}/draft`, tok(alice))
            : await limited.api.put(`/conversations/${c.id}/draft`, { ...tok(alice), body: { text: `draft ${i}` } });
        statuses.push(res.status);
        if (res.status === 429) {
          assert.equal(errorCode(res), "rate_limited");
          assert.ok(Number(res.headers.get("retry-after")) >= 1);
        }
      }
      assert.deepEqual(statuses, [200, 200, 204, 200, 429]);
      const list = await limited.api.get<Page<Draft>>("/drafts", tok(alice));
      assert.equal(list.status, 200, "reads are not counted");
      assert.deepEqual(
        list.body.items.map((d) => d.text),
        ["draft 3"],
      );
    } finally {
      await limited.close();
    }
  });

  test("never in search nor in /sync", async () => {
    const alice = await user("Alice");
    const c = await group(alice);
    const word = `zq${randomBytes(4).toString("hex")}`;
    const head = (await s.api.get<{ lastSeq: number }>("/sync/head", tok(alice))).body.lastSeq;
    await save(alice, c, { text: `secret ${word} plan` });
    await s.api.del(`/conversations/${c.id}/draft`, tok(alice));
    await save(alice, c, { text: `secret ${word} plan` });
    // A sent message with another word: search and the log do see that one (the checks see what they claim).
    const other = `zq${randomBytes(4).toString("hex")}`;
    await s.api.post(`/conversations/${c.id}/messages`, { ...tok(alice), body: { text: `sent ${other}` } });
    const sync = await s.api.get<SyncResponse>(`/sync?since=${head}`, tok(alice));
    assert.equal(sync.status, 200);
    const types = sync.body.events.map((e) => e.type);
    assert.ok(types.includes("message.new"), types.join());
    assert.ok(!types.some((t) => t.startsWith("draft")), types.join());
    assert.ok(!JSON.stringify(sync.body).includes(word));
    const hit = await s.api.get(`/search?q=${other}`, tok(alice));
    assert.equal(hit.status, 200);
    assert.equal(hit.body.items.length, 1, "search finds the sent message");
    const miss = await s.api.get(`/search?q=${word}`, tok(alice));
    assert.equal(miss.status, 200);
    assert.deepEqual(miss.body.items, [], "nor the draft");
  });

  test("listed newest first, in keyset pages, and only of conversations the user is still a member of", async () => {
    const alice = await user("Alice");
    const bob = await user("Bob");
    const [c1, c2, c3] = [await group(bob, alice), await group(alice), await group(alice)];
    await save(alice, c1!, { text: "one" });
    await save(alice, c2!, { text: "two" });
    await save(alice, c3!, { text: "three" });
    const p1 = await listOf(alice, "?limit=2");
    assert.deepEqual(
      p1.items.map((d) => d.text),
      ["three", "two"],
    );
    assert.ok(p1.nextCursor);
    const p2 = await listOf(alice, `?limit=2&cursor=${encodeURIComponent(p1.nextCursor)}`);
    assert.deepEqual(
      p2.items.map((d) => d.text),
      ["one"],
    );
    assert.equal(p2.nextCursor, null);

    // Removed from c1: its draft is no longer listed, nor can it be saved.
    assert.equal((await s.api.del(`/conversations/${c1!.id}/members/${alice.user.id}`, tok(bob))).status, 204);
    assert.deepEqual(
      (await listOf(alice)).items.map((d) => d.conversationId),
      [c3!.id, c2!.id],
    );
    assertClientError(await s.api.put(`/conversations/${c1!.id}/draft`, { ...tok(alice), body: { text: "x" } }), { status: 404 });
  });

  test("the data export includes the user's drafts; account deletion removes them", async () => {
    const alice = await user("Alice");
    const c = await group(alice);
    const d = await save(alice, c, { text: "for the export" });
    const exp = await s.api.get<DataExport>("/me/export", tok(alice));
    assert.equal(exp.status, 200);
    assert.deepEqual(exp.body.drafts, [d]);
    assert.equal(await rowsOf(alice), 1);
    assert.equal((await s.api.del("/me", { ...tok(alice), body: { password: PASSWORD } })).status, 204);
    assert.equal(await rowsOf(alice), 0);
  });
});

const REDIS_URL = process.env["PARLEY_TEST_REDIS_URL"] ?? "redis://127.0.0.1:6379";
const skipNodes = TEST_DB !== "mysql" ? "several nodes run with PARLEY_TEST_DB=mysql only" : process.env["PARLEY_TEST_SKIP_REDIS"] || false;

describe("drafts on two nodes", { skip: skipNodes }, () => {
  let a: TestServer;
  let b: TestServer;
  before(async () => {
    const env = { REDIS_URL, REDIS_PREFIX: `parley-dr-${randomBytes(4).toString("hex")}:` };
    a = await startServer(env, { keepData: true });
    b = await startServer(env, { reuse: a, keepData: true });
  });
  after(async () => {
    await b?.close();
    await a?.close();
    await a?.dropData();
  });

  test("a draft saved through node A reaches the user's device on node B within 2 s", async () => {
    const { id: tenant } = await a.createTenant();
    const alice = await a.api.register(tenant);
    const c = (await a.api.post("/conversations", { ...tok(alice), body: { name: "Nodes", memberIds: [] } })).body.conversation as Conversation;
    const onB = await listen(alice, b);
    const t0 = performance.now();
    await save(alice, c, { text: "from node A", origin: "dev-a" }, a);
    const e = await onB.wait("draft.updated", () => true, 2000);
    console.log(`drafts: draft.updated crossed to node B ${(performance.now() - t0).toFixed(0)} ms after the save was sent`);
    assert.equal(e.draft.text, "from node A");
    assert.equal(e.origin, "dev-a");
    assert.equal((await a.api.del(`/conversations/${c.id}/draft`, tok(alice))).status, 204);
    assert.equal((await onB.wait("draft.updated", (p) => p.draft === null, 2000)).conversationId, c.id);
  });
});
