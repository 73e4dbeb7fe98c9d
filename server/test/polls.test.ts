/**
 * Polls (issue 33): asked as a message (its text the question), voted, changed, retracted and
 * closed; 50 members voting at once on a multiple-choice poll make exactly the expected counts
 * (and a voter racing themselves still counts once); an anonymous poll never shows who voted
 * through any route, event, webhook or export of another user. Real HTTP and sockets, both databases.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { AuthResponse, ChatEvent, Conversation, DataExport, Message, Poll, SyncResponse } from "@parley/sdk/protocol";
import { assertClientError } from "./helpers/api.js";
import { startServer, type TestServer } from "./helpers/harness.js";
import { connect, Recorder, type ClientSocket } from "./helpers/sockets.js";
import { WebhookReceiver } from "./helpers/webhook-receiver.js";

let s: TestServer;
/** A second node on the same database: the race's voters go through both. */
let s2: TestServer;
let app: string;
let auth: string;
let receiver: WebhookReceiver;
const sockets: ClientSocket[] = [];
const tok = (u: AuthResponse) => ({ token: u.accessToken });
const srv = (body?: unknown) => ({ headers: { Authorization: auth }, ...(body === undefined ? {} : { body }) });
const reg = (): Promise<AuthResponse> => s.api.register(app);

async function group(owner: AuthResponse, members: AuthResponse[]): Promise<string> {
  const res = await s.api.post<{ conversation: Conversation }>("/conversations", {
    ...tok(owner),
    body: { name: "Poll group", memberIds: members.map((m) => m.user.id) },
  });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return res.body.conversation.id;
}
async function ask(u: AuthResponse, conversationId: string, body: Record<string, unknown>): Promise<Message> {
  const res = await s.api.post<Message>(`/conversations/${conversationId}/polls`, { ...tok(u), body });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return res.body;
}
type PollAnswer = Poll & { error: { details: { reason?: string } } };
const vote = (u: AuthResponse, id: string, options: string[], node = s) =>
  node.api.put<PollAnswer>(`/messages/${id}/poll/vote`, { ...tok(u), body: { options } });
const counts = (p: Poll): number[] => p.options.map((o) => o.votes);
async function pollOf(u: AuthResponse, id: string): Promise<Poll> {
  const res = await s.api.get<Message>(`/messages/${id}`, tok(u));
  assert.equal(res.status, 200, JSON.stringify(res.body));
  assert.ok(res.body.poll, "the message carries its poll");
  return res.body.poll;
}

before(async () => {
  s = await startServer({ WEBHOOK_ALLOW_PRIVATE: "1", WEBHOOK_POLL_MS: "20" }, { keepData: true });
  s2 = await startServer({}, { reuse: s, keepData: true });
  app = (await s.createTenant("Polls")).id;
  const key = await s.services.serverKeys.create(app);
  auth = `Basic ${Buffer.from(`${key.id}:${key.secret}`).toString("base64")}`;
  receiver = await new WebhookReceiver().start();
  assert.equal((await s.api.post("/server/webhooks", srv({ url: receiver.url, events: ["poll.updated", "message.new"] }))).status, 201);
});

after(async () => {
  for (const so of sockets) so.close();
  await receiver?.close();
  await s2?.close();
  await s?.close();
  await s?.dropData();
});

describe("polls", () => {
  test("ask, vote, change, retract and close; live counts to every member; the reader's own choice", async () => {
    const [asker, admin, voter] = await Promise.all([reg(), reg(), reg()]);
    const g = await group(asker, [admin, voter]);
    assert.equal((await s.api.put(`/conversations/${g}/members/${admin.user.id}/role`, { ...tok(asker), body: { role: "admin" } })).status, 200);
    const rec = new Recorder(await connect(s, voter.accessToken));
    sockets.push(rec.socket);
    const m = await ask(asker, g, { question: "  Lunch?  ", options: ["Tacos", "Ramen", "Salad"] });
    assert.equal(m.text, "Lunch?");
    assert.deepEqual(counts(m.poll!), [0, 0, 0]);
    assert.deepEqual(
      { multiple: m.poll!.multiple, anonymous: m.poll!.anonymous, closedAt: m.poll!.closedAt, createdBy: m.poll!.createdBy },
      { multiple: false, anonymous: false, closedAt: null, createdBy: asker.user.id },
    );
    const live = await rec.wait("message.new", (e: ChatEvent) => e.type === "message.new" && e.data.message.id === m.id);
    assert.deepEqual(
      live.data.message.poll.options.map((o: { text: string }) => o.text),
      ["Tacos", "Ramen", "Salad"],
    );

    const first = await vote(voter, m.id, ["1"]);
    assert.equal(first.status, 200, JSON.stringify(first.body));
    assert.deepEqual(counts(first.body), [0, 1, 0]);
    assert.deepEqual(first.body.mine, ["1"]);
    assert.deepEqual(first.body.options[1]!.voters, [voter.user.id], "a named poll shows who chose what");
    const e = await rec.wait("poll.updated", (p) => p.data.messageId === m.id);
    assert.deepEqual(counts(e.data.poll), [0, 1, 0]);
    assert.deepEqual(e.data.poll.mine, [], "events have no reader");

    assert.deepEqual(counts((await vote(voter, m.id, ["2"])).body), [0, 0, 1], "a second choice replaces the first");
    assertClientError(await vote(voter, m.id, ["0", "1"]), { status: 400, code: "validation_failed" });
    assertClientError(await vote(voter, m.id, ["7"]), { status: 400 });
    assertClientError(await vote(voter, m.id, []), { status: 400 });
    assert.deepEqual((await pollOf(voter, m.id)).mine, ["2"]);
    assert.deepEqual((await pollOf(asker, m.id)).mine, [], "the asker did not vote");

    const retracted = await s.api.del<Poll>(`/messages/${m.id}/poll/vote`, tok(voter));
    assert.deepEqual(counts(retracted.body), [0, 0, 0]);
    assert.equal(retracted.body.voterCount, 0);
    await vote(voter, m.id, ["0"]);

    assertClientError(await s.api.post(`/messages/${m.id}/poll/close`, tok(voter)), { status: 403, code: "forbidden" });
    const closed = await s.api.post<Poll>(`/messages/${m.id}/poll/close`, tok(admin));
    assert.equal(closed.status, 200, JSON.stringify(closed.body));
    assert.ok(closed.body.closedAt);
    const refused = await vote(voter, m.id, ["1"]);
    assertClientError(refused, { status: 409, code: "conflict" });
    assert.equal(refused.body.error.details.reason, "poll_closed");
    assert.deepEqual(counts(await pollOf(asker, m.id)), [1, 0, 0], "the closed poll keeps its counts");
    assert.equal((await s.api.post(`/messages/${m.id}/poll/close`, tok(asker))).status, 200, "closing again answers the poll");
  });

  test("bad polls get a clear 400; a closing time passes; outsiders see a 404", async () => {
    const [a, b, outsider] = await Promise.all([reg(), reg(), reg()]);
    const g = await group(a, [b]);
    for (const body of [
      { question: "One option?", options: ["only"] },
      { question: "Too many", options: Array.from({ length: 11 }, (_, i) => `o${i}`) },
      { question: "Same", options: ["Yes", "yes"] },
      { question: "", options: ["a", "b"] },
      { question: "Empty option", options: ["a", "  "] },
      { question: "Past", options: ["a", "b"], closesAt: "2020-01-01T00:00:00Z" },
      { question: "Far", options: ["a", "b"], closesAt: new Date(Date.now() + 200 * 86_400_000).toISOString() },
      { question: "Not a date", options: ["a", "b"], closesAt: "tomorrow" },
    ])
      assertClientError(await s.api.post(`/conversations/${g}/polls`, { ...tok(a), body }), { status: 400, code: "validation_failed" });
    const soon = await ask(a, g, { question: "Quick?", options: ["a", "b"], closesAt: new Date(Date.now() + 1500).toISOString() });
    assert.equal((await vote(b, soon.id, ["0"])).status, 200);
    // Wait for the real condition: the clock passing the closing time.
    await new Promise((r) => setTimeout(r, Math.max(0, Date.parse(soon.poll!.closesAt!) - Date.now() + 20)));
    const late = await vote(b, soon.id, ["1"]);
    assertClientError(late, { status: 409 });
    assert.equal((await pollOf(a, soon.id)).closedAt, soon.poll!.closesAt, "closed at its closing time");
    assertClientError(await vote(outsider, soon.id, ["0"]), { status: 404, code: "not_found" });
    const plain = await s.api.post<Message>(`/conversations/${g}/messages`, { ...tok(a), body: { text: "not a poll" } });
    assertClientError(await vote(b, plain.body.id, ["0"]), { status: 404 });
    assertClientError(await s.api.post(`/conversations/${g}/polls`, { ...tok(outsider), body: { question: "x", options: ["a", "b"] } }), { status: 404 });
  });

  test("50 members voting at once on a multiple-choice poll make exactly the expected counts", async () => {
    const owner = await reg();
    const voters: AuthResponse[] = [];
    for (let i = 0; i < 50; i++) voters.push(await reg());
    const g = await group(owner, voters);
    const m = await ask(owner, g, { question: "Which days?", options: ["Mon", "Tue", "Wed", "Thu", "Fri"], multiple: true });
    // Voter i chooses the days d with (i + d) % 3 !== 0, sending the same vote to both nodes at
    // once; every fifth voter chose every day just before, which the final vote replaces.
    const choice = (i: number): string[] => [0, 1, 2, 3, 4].filter((d) => (i + d) % 3 !== 0).map(String);
    const expected = [0, 0, 0, 0, 0];
    for (let i = 0; i < 50; i++) for (const d of choice(i)) expected[Number(d)]!++;
    // Through two nodes at once: each node's units take turns, so only the two nodes race each other.
    const early = voters.flatMap((v, i) => (i % 5 === 0 ? [vote(v, m.id, ["0", "1", "2", "3", "4"], s2)] : []));
    await Promise.all(early);
    const answers = await Promise.all(voters.flatMap((v, i) => [vote(v, m.id, choice(i), s), vote(v, m.id, choice(i), s2)]));
    for (const a of answers) assert.equal(a.status, 200, JSON.stringify(a.body));
    const poll = await pollOf(owner, m.id);
    assert.deepEqual(counts(poll), expected);
    assert.equal(poll.voterCount, 50);
    for (let d = 0; d < 5; d++) assert.equal(new Set(poll.options[d]!.voters).size, expected[d], "no voter twice on one option");
    const rows: { n: number | string }[] = await s.services.db.query("SELECT COUNT(*) AS n FROM poll_votes WHERE messageId = ?", [Number(m.id)]);
    assert.equal(
      Number(rows[0]!.n),
      expected.reduce((a, b) => a + b, 0),
      "one row per voter and option",
    );

    // A single-choice poll: one voter racing five different choices keeps exactly one.
    const single = await ask(owner, g, { question: "One?", options: ["a", "b", "c", "d", "e"] });
    const racer = voters[7]!;
    await Promise.all(["0", "1", "2", "3", "4"].map((o, i) => vote(racer, single.id, [o], i % 2 ? s2 : s)));
    const after = await pollOf(racer, single.id);
    assert.equal(after.voterCount, 1);
    assert.equal(
      counts(after).reduce((a, b) => a + b, 0),
      1,
    );
    assert.equal(after.mine.length, 1);
  });

  test("an anonymous poll never shows who voted: history, message, events, sync, search, server API, webhooks, another's export", async () => {
    const [asker, secretVoter, reader] = await Promise.all([reg(), reg(), reg()]);
    const g = await group(asker, [secretVoter, reader]);
    const head = (await s.api.get<{ lastSeq: number }>("/sync/head", tok(reader))).body.lastSeq;
    const rec = new Recorder(await connect(s, reader.accessToken));
    sockets.push(rec.socket);
    const m = await ask(asker, g, { question: "Secret ballot banana?", options: ["Yes", "No"], anonymous: true });
    const mine = await vote(secretVoter, m.id, ["0"]);
    assert.deepEqual(mine.body.mine, ["0"], "the voter sees their own choice");
    assert.equal(mine.body.options[0]!.voters, undefined);
    await rec.wait("poll.updated", (p) => p.data.messageId === m.id && p.data.poll.voterCount === 1);
    await receiver.until((all) => all.some((r) => r.body.type === "poll.updated" && r.body.data.messageId === m.id), "the poll's webhook");

    const secret = secretVoter.user.id;
    const seen: [string, unknown][] = [
      ["history", (await s.api.get(`/conversations/${g}/messages`, tok(reader))).body],
      ["message", (await s.api.get(`/messages/${m.id}`, tok(reader))).body],
      ["asker's view", (await s.api.get(`/messages/${m.id}`, tok(asker))).body],
      // Membership events name members (the voter among them): the poll's and messages' events are what could tell.
      ["live events", rec.events.filter((e) => e.name.startsWith("poll.") || e.name.startsWith("message."))],
      ["sync", (await s.api.get<SyncResponse>(`/sync?since=${head}`, tok(reader))).body],
      // The answer's conversations list their members (the voter among them): its hits are what could tell.
      ["search", (await s.api.get<{ items: unknown[] }>(`/search?q=banana`, tok(reader))).body.items],
      ["server history", (await s.api.get(`/server/conversations/${g}/messages`, srv())).body],
      ["webhooks", receiver.received.filter((r) => r.body.data?.messageId === m.id || r.body.data?.message?.id === m.id).map((r) => r.body)],
      ["asker's export", (await s.api.get<DataExport>("/me/export", tok(asker))).body],
      ["close", (await s.api.post(`/messages/${m.id}/poll/close`, tok(asker))).body],
    ];
    for (const [where, body] of seen) {
      const text = JSON.stringify(body);
      assert.ok(text.includes(m.id) || where === "live events" || where === "asker's export", `${where} is about the poll`);
      assert.ok(!text.includes(secret), `${where} names the anonymous voter`);
    }
    const history = (seen[0]![1] as { items: Message[] }).items.find((x) => x.id === m.id)!;
    assert.deepEqual(counts(history.poll!), [1, 0], "counts are shown");
  });

  test("the host's backend asks and closes; a poll's deletion takes its votes; an account's deletion its votes", async () => {
    const [a, b] = await Promise.all([reg(), reg()]);
    const g = await group(a, [b]);
    const asked = await s.api.post<Message>(`/server/conversations/${g}/polls`, srv({ question: "From the site", options: ["x", "y"] }));
    assert.equal(asked.status, 201, JSON.stringify(asked.body));
    assert.equal(asked.body.senderId, null);
    assert.equal(asked.body.poll?.createdBy, null);
    assert.equal((await vote(b, asked.body.id, ["1"])).status, 200);
    assert.equal((await vote(a, asked.body.id, ["1"])).status, 200);
    assertClientError(await s.api.put(`/server/messages/${asked.body.id}/poll/vote`, srv({ options: ["0"] })), { status: 404 });
    const closed = await s.api.post<Poll>(`/server/messages/${asked.body.id}/poll/close`, srv());
    assert.ok(closed.body.closedAt);

    const mine = await ask(b, g, { question: "Mine", options: ["p", "q"] });
    await vote(a, mine.id, ["0"]);
    assert.equal((await s.api.del(`/messages/${mine.id}`, tok(b))).status, 204);
    assertClientError(await vote(a, mine.id, ["1"]), { status: 404 });
    const rows: { n: number | string }[] = await s.services.db.query("SELECT COUNT(*) AS n FROM poll_votes WHERE messageId = ?", [Number(mine.id)]);
    assert.equal(Number(rows[0]!.n), 0, "a deleted poll's votes go");
    assert.equal((await s.api.get<Message>(`/messages/${mine.id}`, tok(a))).status, 404);

    assert.equal((await s.api.del("/me", { ...tok(b), body: { password: "correct horse battery" } })).status, 204);
    const left = await pollOf(a, asked.body.id);
    assert.deepEqual(counts(left), [0, 1], "the deleted account's vote went");
    assert.equal(left.voterCount, 1);
  });
});
