/**
 * Scheduled sends (issue 55), server side, against a real server and real Socket.IO clients: a
 * user schedules a message, lists, edits, cancels and sends it now; at its time the members get
 * `message.new` and the author's other device the `scheduled.*` events; a send refused then (the
 * author removed, the word filter) marks it failed with the code and sends nothing; bad input is a
 * 400 naming the field; another user's or another app's id is a 404; the pending limit holds.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { AuthResponse, Conversation, Message, Page, ScheduledMessage } from "@parley/sdk/protocol";
import { SCHEDULED_LIMITS } from "../src/scheduled/scheduled.schema.js";
import { assertClientError, type ReqOptions } from "./helpers/api.js";
import { startServer, type TestServer } from "./helpers/harness.js";
import { connect, Recorder } from "./helpers/sockets.js";

const tok = (u: AuthResponse): ReqOptions => ({ token: u.accessToken });
const inMs = (ms: number): string => new Date(Date.now() + ms).toISOString();
const HOUR = 3_600_000;

let s: TestServer;
let app: string;
let alice: AuthResponse, bob: AuthResponse, carol: AuthResponse;
let group: Conversation;
const sockets: Recorder[] = [];

before(async () => {
  s = await startServer({ SCHEDULED_SWEEP_SEC: "0.1", SCHEDULED_RETRY_BASE_SEC: "0.1" });
  app = (await s.createTenant("Later")).id;
  [alice, bob, carol] = [await s.api.register(app), await s.api.register(app), await s.api.register(app)];
  group = (await s.api.post("/conversations", { ...tok(carol), body: { name: "Later", memberIds: [alice.user.id, bob.user.id] } })).body.conversation;
});
after(async () => {
  for (const r of sockets) r.socket.close();
  await s?.close();
});

async function listen(u: AuthResponse): Promise<Recorder> {
  const r = new Recorder(await connect(s, u.accessToken));
  sockets.push(r);
  return r;
}
async function schedule(u: AuthResponse, c: Conversation, body: Record<string, unknown>): Promise<ScheduledMessage> {
  const res = await s.api.post<ScheduledMessage>(`/conversations/${c.id}/scheduled`, { ...tok(u), body });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return res.body;
}
/** Its time comes now: the row's time moved as the clock would move (no waiting an hour, no race with a short delay). */
async function comesDue(x: ScheduledMessage): Promise<void> {
  const now = Date.now();
  await s.services.db.query("UPDATE scheduled_messages SET sendAt = ?, dueAt = ? WHERE id = ?", [now, now, x.id]);
}
async function historyOf(u: AuthResponse, c: Conversation): Promise<Message[]> {
  return (await s.api.get<Page<Message>>(`/conversations/${c.id}/messages?limit=100`, tok(u))).body.items;
}

describe("scheduling, listing, editing, cancelling, sending now", () => {
  test("the author's other device hears of each change; send now sends it to the members at once, and only once", async () => {
    const otherDevice = await listen(alice);
    const bobs = await listen(bob);
    const made = await schedule(alice, group, { text: "see you tomorrow", sendAt: inMs(HOUR) });
    assert.equal(made.status, "pending");
    assert.equal(made.messageId, null);
    const heard = await otherDevice.wait("scheduled.updated", (e) => e.data.scheduled.id === made.id);
    assert.equal(heard.userId, alice.user.id);
    assert.equal(heard.conversationId, null);
    assert.deepEqual(heard.data.scheduled, made);

    const edited = await s.api.patch<ScheduledMessage>(`/scheduled/${made.id}`, { ...tok(alice), body: { text: "see you at noon", sendAt: inMs(2 * HOUR) } });
    assert.equal(edited.status, 200, JSON.stringify(edited.body));
    assert.equal(edited.body.text, "see you at noon");
    await otherDevice.wait("scheduled.updated", (e) => e.data.scheduled.id === made.id && e.data.scheduled.text === "see you at noon");

    const now = await s.api.post<ScheduledMessage>(`/scheduled/${made.id}/send`, tok(alice));
    assert.equal(now.status, 200, JSON.stringify(now.body));
    assert.equal(now.body.status, "sent");
    assert.ok(now.body.messageId);
    const arrived = await bobs.wait("message.new", (e) => e.data.message.id === now.body.messageId);
    assert.equal(arrived.data.message.text, "see you at noon");
    assert.equal(arrived.data.message.senderId, alice.user.id);
    await otherDevice.wait("scheduled.updated", (e) => e.data.scheduled.id === made.id && e.data.scheduled.status === "sent");
    // Not pending any more: no second send, no edit.
    assertClientError(await s.api.post(`/scheduled/${made.id}/send`, tok(alice)), { status: 409, code: "conflict" });
    assertClientError(await s.api.patch(`/scheduled/${made.id}`, { ...tok(alice), body: { text: "again" } }), { status: 409 });
    assert.equal((await historyOf(bob, group)).filter((m) => m.text === "see you at noon").length, 1);

    // Cancel a pending one: gone from the list, the other device told.
    const later = await schedule(alice, group, { text: "never mind", sendAt: inMs(HOUR) });
    assert.equal((await s.api.del(`/scheduled/${later.id}`, tok(alice))).status, 204);
    await otherDevice.wait("scheduled.removed", (e) => e.data.id === later.id);
    assertClientError(await s.api.del(`/scheduled/${later.id}`, tok(alice)), { status: 404, code: "not_found" });
    // The sent one's record can be forgotten too.
    assert.equal((await s.api.del(`/scheduled/${made.id}`, tok(alice))).status, 204);
  });

  test("the list is the caller's own, soonest first, per conversation when asked, in keyset pages", async () => {
    const dm = (await s.api.post("/conversations/direct", { ...tok(bob), body: { userId: carol.user.id } })).body.conversation as Conversation;
    const times = [5, 3, 4, 1].map((h) => inMs(h * HOUR));
    const made = [];
    for (const [i, t] of times.entries()) made.push(await schedule(bob, i === 3 ? dm : group, { text: `page ${i}`, sendAt: t }));
    await schedule(carol, group, { text: "not bob's", sendAt: inMs(HOUR) });
    const first = await s.api.get<Page<ScheduledMessage>>("/scheduled?limit=2", tok(bob));
    assert.equal(first.status, 200);
    assert.deepEqual(
      first.body.items.map((x) => x.text),
      ["page 3", "page 1"],
    );
    assert.ok(first.body.nextCursor);
    const second = await s.api.get<Page<ScheduledMessage>>(`/scheduled?limit=2&cursor=${encodeURIComponent(first.body.nextCursor!)}`, tok(bob));
    assert.deepEqual(
      second.body.items.map((x) => x.text),
      ["page 2", "page 0"],
    );
    assert.equal(second.body.nextCursor, null);
    const ofGroup = await s.api.get<Page<ScheduledMessage>>(`/scheduled?conversationId=${group.id}`, tok(bob));
    assert.deepEqual(
      ofGroup.body.items.map((x) => x.text),
      ["page 1", "page 2", "page 0"],
    );
    for (const x of made) assert.equal((await s.api.del(`/scheduled/${x.id}`, tok(bob))).status, 204);
  });
});

describe("at its time", () => {
  test("it is sent as if just written: the members get message.new, the author's other device `sent` with its message id", async () => {
    const otherDevice = await listen(alice);
    const bobs = await listen(bob);
    const made = await schedule(alice, group, { text: "on time", sendAt: inMs(300) });
    const sent = await otherDevice.wait("scheduled.updated", (e) => e.data.scheduled.id === made.id && e.data.scheduled.status === "sent", 10_000);
    const arrived = await bobs.wait("message.new", (e) => e.data.message.id === sent.data.scheduled.messageId, 5000);
    assert.equal(arrived.data.message.text, "on time");
    assert.ok(Date.parse(arrived.data.message.createdAt) >= Date.parse(made.sendAt), "not before its time");
    const listed = (await s.api.get<Page<ScheduledMessage>>(`/scheduled?conversationId=${group.id}`, tok(alice))).body.items.find((x) => x.id === made.id);
    assert.equal(listed?.status, "sent");
    assert.equal((await historyOf(bob, group)).filter((m) => m.text === "on time").length, 1);
  });

  test("refused when the author was removed from the conversation meanwhile: failed with not_found, nothing sent", async () => {
    const dave = await s.api.register(app);
    const team = (await s.api.post("/conversations", { ...tok(carol), body: { name: "Team", memberIds: [dave.user.id, bob.user.id] } })).body
      .conversation as Conversation;
    const daves = await listen(dave);
    const made = await schedule(dave, team, { text: "from a former member", sendAt: inMs(HOUR) });
    assert.equal((await s.api.del(`/conversations/${team.id}/members/${dave.user.id}`, tok(carol))).status, 204);
    await comesDue(made);
    const failed = await daves.wait("scheduled.updated", (e) => e.data.scheduled.id === made.id && e.data.scheduled.status === "failed", 10_000);
    assert.equal(failed.data.scheduled.failureCode, "not_found");
    assert.equal(failed.data.scheduled.messageId, null);
    assert.equal((await historyOf(bob, team)).filter((m) => m.text === "from a former member").length, 0);
    const listed = (await s.api.get<Page<ScheduledMessage>>("/scheduled", tok(dave))).body.items.find((x) => x.id === made.id);
    assert.equal(listed?.failureCode, "not_found");
  });

  test("refused when the word filter blocks it by then: failed with content_blocked, nothing sent", async () => {
    const other = (await s.createTenant("Filtered")).id;
    const [erin, fay] = [await s.api.register(other), await s.api.register(other)];
    const dm = (await s.api.post("/conversations/direct", { ...tok(erin), body: { userId: fay.user.id } })).body.conversation as Conversation;
    const erins = await listen(erin);
    const made = await schedule(erin, dm, { text: "visit spamlink now", sendAt: inMs(HOUR) });
    const key = await s.services.serverKeys.create(other);
    const filter = await s.api.put("/server/moderation/word-filter", {
      headers: { Authorization: `Basic ${Buffer.from(`${key.id}:${key.secret}`).toString("base64")}` },
      body: { words: [{ word: "spamlink", action: "block" }] },
    });
    assert.equal(filter.status, 200, JSON.stringify(filter.body));
    await comesDue(made);
    const failed = await erins.wait("scheduled.updated", (e) => e.data.scheduled.id === made.id && e.data.scheduled.status === "failed", 10_000);
    assert.equal(failed.data.scheduled.failureCode, "content_blocked");
    assert.equal((await historyOf(fay, dm)).length, 0);
  });
});

describe("bad input, other people's ids, limits", () => {
  test("bad input is a 400 naming the field", async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ text: "no time" }, "sendAt"],
      [{ text: "past", sendAt: inMs(-HOUR) }, "sendAt"],
      [{ text: "too far", sendAt: inMs(400 * 24 * HOUR) }, "sendAt"],
      [{ text: "not a time", sendAt: "tomorrow morning" }, "sendAt"],
      [{ text: "   ", sendAt: inMs(HOUR) }, "text"],
      [{ text: "x".repeat(4001), sendAt: inMs(HOUR) }, "text"],
      [{ text: "reply", sendAt: inMs(HOUR), replyToId: "not-an-id" }, "replyToId"],
    ];
    for (const [body, field] of cases) {
      const res = await s.api.post(`/conversations/${group.id}/scheduled`, { ...tok(alice), body });
      assertClientError(res, { status: 400, code: "validation_failed" });
      assert.ok(
        (res.body.error.details as { path: string }[]).some((d) => d.path === field),
        `${JSON.stringify(body)}: ${JSON.stringify(res.body.error.details)}`,
      );
    }
    const made = await schedule(alice, group, { text: "to edit", sendAt: inMs(HOUR) });
    assertClientError(await s.api.patch(`/scheduled/${made.id}`, { ...tok(alice), body: {} }), { status: 400 });
    const bad = await s.api.patch(`/scheduled/${made.id}`, { ...tok(alice), body: { sendAt: "soon" } });
    assertClientError(bad, { status: 400 });
    assert.ok((bad.body.error.details as { path: string }[]).some((d) => d.path === "sendAt"));
    const cursor = await s.api.get("/scheduled?cursor=nope", tok(alice));
    assertClientError(cursor, { status: 400 });
    assert.ok((cursor.body.error.details as { path: string }[]).some((d) => d.path === "cursor"));
    assert.equal((await s.api.del(`/scheduled/${made.id}`, tok(alice))).status, 204);
  });

  test("another user's, another app's or a missing id is a 404, and a conversation the caller is not in too", async () => {
    const made = await schedule(alice, group, { text: "mine", sendAt: inMs(HOUR) });
    const stranger = await s.api.register(app);
    const foreign = await s.api.register((await s.createTenant("Foreign")).id);
    for (const u of [stranger, foreign, carol]) {
      assertClientError(await s.api.patch(`/scheduled/${made.id}`, { ...tok(u), body: { text: "theirs" } }), { status: 404, code: "not_found" });
      assertClientError(await s.api.post(`/scheduled/${made.id}/send`, tok(u)), { status: 404, code: "not_found" });
      assertClientError(await s.api.del(`/scheduled/${made.id}`, tok(u)), { status: 404, code: "not_found" });
      assert.equal((await s.api.get<Page<ScheduledMessage>>("/scheduled", tok(u))).body.items.filter((x) => x.id === made.id).length, 0);
    }
    for (const id of ["sch_missing00000000000000", "x".repeat(200)])
      assertClientError(await s.api.del(`/scheduled/${id}`, tok(alice)), { status: 404, code: "not_found" });
    for (const u of [stranger, foreign])
      assertClientError(await s.api.post(`/conversations/${group.id}/scheduled`, { ...tok(u), body: { text: "in", sendAt: inMs(HOUR) } }), {
        status: 404,
        code: "not_found",
      });
    const still = await s.api.get<Page<ScheduledMessage>>("/scheduled", tok(alice));
    assert.equal(still.body.items.find((x) => x.id === made.id)?.text, "mine");
    assert.equal((await s.api.del(`/scheduled/${made.id}`, tok(alice))).status, 204);
  });

  test(`at most ${SCHEDULED_LIMITS.pendingPerUser} wait per user: the next is a 409 naming the limit`, async () => {
    const gil = await s.api.register(app);
    const dm = (await s.api.post("/conversations/direct", { ...tok(gil), body: { userId: alice.user.id } })).body.conversation as Conversation;
    await Promise.all(Array.from({ length: SCHEDULED_LIMITS.pendingPerUser }, (_, i) => schedule(gil, dm, { text: `n${i}`, sendAt: inMs(HOUR) })));
    const over = await s.api.post(`/conversations/${dm.id}/scheduled`, { ...tok(gil), body: { text: "one more", sendAt: inMs(HOUR) } });
    assertClientError(over, { status: 409, code: "conflict" });
    assert.equal(over.body.error.details.reason, "limit");
  });
});
