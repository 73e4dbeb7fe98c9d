import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { AuthResponse, Message, MessageDeltaEvent, StreamStatus, SyncResponse } from "@parley/sdk/protocol";
import { assertClientError, errorCode, type ReqOptions, type Res } from "./helpers/api.js";
import { startServer, type TestServer } from "./helpers/harness.js";
import { type ClientSocket, connect, eventually, Recorder, request } from "./helpers/sockets.js";
import { WebhookReceiver } from "./helpers/webhook-receiver.js";

/**
 * Streamed messages (issue 54), the server's side, over real HTTP and sockets: appends checked by
 * offset (idempotent retries, gaps and conflicts), coalesced deltas, a member opening mid-stream,
 * only the final message in the event log, webhooks and search, Stop, the server's own timeout,
 * ai.state, bad input and another tenant.
 */

interface Key {
  id: string;
  secret: string;
}

let s: TestServer;
let app: string;
let key: Key;
let foreignKey: Key;
let alice: AuthResponse;
let bob: AuthResponse;
let carol: AuthResponse;
/** A group of the bot (sub `bot`), Alice and Bob; Carol is in the app, not in it. */
let group: string;
const sockets: ClientSocket[] = [];
const hooks = new WebhookReceiver();
/** The server's own limits for this file: a stream with no append for 3 s is failed (default 30 s). */
const IDLE_SEC = 3;

const basic = (k: Key): string => `Basic ${Buffer.from(`${k.id}:${k.secret}`).toString("base64")}`;

function srv<T = any>(method: string, path: string, o: ReqOptions & { key?: Key } = {}): Promise<Res<T>> {
  const { key: k = key, headers, ...rest } = o;
  return s.api.req<T>(method, `/server${path}`, { ...rest, headers: { Authorization: basic(k), ...headers } });
}

async function start(body: Record<string, unknown> = {}, conversationId = group): Promise<Message> {
  const res = await srv<Message>("POST", `/conversations/${conversationId}/streams`, { body: { from: "bot", ...body } });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return res.body;
}

function append(id: string, offset: number, text: string): Promise<Res<StreamStatus>> {
  return srv<StreamStatus>("POST", `/messages/${id}/stream/append`, { body: { offset, text } });
}

async function finish(id: string, body: Record<string, unknown> = {}): Promise<Message> {
  const res = await srv<Message>("POST", `/messages/${id}/stream/finish`, { body });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body;
}

async function socketOf(u: AuthResponse): Promise<Recorder> {
  const sock = await connect(s, u.accessToken);
  sockets.push(sock);
  return new Recorder(sock);
}

/** The group's message `id` as a member pages it. */
async function paged(u: AuthResponse, id: string): Promise<Message | undefined> {
  const res = await s.api.get<{ items: Message[] }>(`/conversations/${group}/messages?limit=100`, { token: u.accessToken });
  assert.equal(res.status, 200);
  return res.body.items.find((m) => m.id === id);
}

/** The message.new events of message `id` in a member's log (GET /sync from the start). */
async function logged(u: AuthResponse, id: string): Promise<Message[]> {
  const res = await s.api.get<SyncResponse>("/sync?since=0&limit=1000", { token: u.accessToken });
  assert.equal(res.status, 200);
  return res.body.events.flatMap((e) => (e.type === "message.new" && e.data.message.id === id ? [e.data.message] : []));
}

before(async () => {
  s = await startServer({ STREAM_IDLE_TIMEOUT_SEC: String(IDLE_SEC), STREAM_SWEEP_SEC: "0.1", WEBHOOK_ALLOW_PRIVATE: "1", WEBHOOK_POLL_MS: "20" });
  app = (await s.createTenant()).id;
  key = await s.services.serverKeys.create(app);
  foreignKey = await s.services.serverKeys.create((await s.createTenant()).id);
  await hooks.start();
  alice = await s.api.register(app);
  bob = await s.api.register(app);
  carol = await s.api.register(app);
  const bot = await srv("POST", "/users", { body: { sub: "bot", name: "Helper" } });
  assert.equal(bot.status, 201);
  const g = await s.api.post("/conversations", { token: alice.accessToken, body: { name: "Help", memberIds: [bob.user.id, bot.body.user.id] } });
  assert.equal(g.status, 201, JSON.stringify(g.body));
  group = g.body.conversation.id;
});

after(async () => {
  for (const sock of sockets) sock.close();
  await hooks.close();
  await s?.close();
});

describe("streamed messages", () => {
  test("appends go by offset: at the length they add, a retry changes nothing, a gap or a different overlap is a 409", async () => {
    const m = await start({ text: "He", clientMessageId: "stream-1" });
    assert.equal(m.text, "He");
    assert.deepEqual(m.stream, { state: "streaming" });
    const again = await srv<Message>("POST", `/conversations/${group}/streams`, { body: { from: "bot", text: "He", clientMessageId: "stream-1" } });
    assert.equal(again.status, 200, "a retried start answers the stream started before");
    assert.equal(again.body.id, m.id);

    const a = await append(m.id, 2, "llo");
    assert.equal(a.status, 200, JSON.stringify(a.body));
    assert.deepEqual(a.body, { messageId: m.id, conversationId: group, state: "streaming", length: 5 });
    const retry = await append(m.id, 2, "llo");
    assert.equal(retry.status, 200);
    assert.equal(retry.body.length, 5, "a retried append changes nothing");
    assert.equal((await append(m.id, 0, "Hel")).body.length, 5, "text already there is covered");
    const partial = await append(m.id, 4, "o, world");
    assert.equal(partial.body.length, 12, "an overlap that matches adds what is past the end");
    assert.equal((await paged(alice, m.id))?.text, "Hello, world");

    const gap = await append(m.id, 20, "!");
    assert.equal(gap.status, 409);
    assert.equal(errorCode(gap), "stream_gap");
    assert.deepEqual((gap.body as unknown as { error: { details: unknown } }).error.details, { length: 12 });
    const conflict = await append(m.id, 7, "there");
    assert.equal(conflict.status, 409);
    assert.equal(errorCode(conflict), "stream_conflict");
    assert.equal((await paged(alice, m.id))?.text, "Hello, world", "refused appends change nothing");

    const done = await finish(m.id);
    assert.equal(done.text, "Hello, world");
    assert.deepEqual(done.stream, { state: "finished" });
    assert.equal((await finish(m.id)).id, m.id, "a retried finish answers the finished message");
    const late = await append(m.id, 12, "!");
    assert.equal(late.status, 409);
    assert.equal(errorCode(late), "stream_ended");
  });

  test("a member gets coalesced deltas (at most 20 a second) that join, in order, into the final text", async () => {
    const rec = await socketOf(bob);
    const t0 = Date.now();
    const m = await start();
    let text = "";
    for (let i = 0; i < 200; i++) {
      const piece = `t${i} `;
      const res = await append(m.id, text.length, piece);
      assert.equal(res.status, 200, JSON.stringify(res.body));
      text += piece;
    }
    await finish(m.id);
    const elapsed = Date.now() - t0;
    const final = await rec.wait("message.new", (e) => e.data.message.id === m.id);
    assert.equal(final.data.message.text, text);
    const deltas: MessageDeltaEvent[] = rec.events.filter((e) => e.name === "message.delta" && e.payload.messageId === m.id).map((e) => e.payload);
    const allowed = Math.ceil(elapsed / 50) + 1;
    assert.ok(deltas.length <= allowed, `${deltas.length} deltas for 200 appends in ${elapsed} ms (at most ${allowed})`);
    assert.ok(deltas.length >= 1);
    assert.equal(deltas[0]!.offset, 0);
    assert.equal(deltas[0]!.message?.id, m.id, "the first delta carries the message");
    // Applied in order, each continuing the last: no gap, no overlap, the whole text (what a final may cut short comes in message.new).
    let joined = "";
    for (const d of deltas) {
      assert.equal(d.offset, joined.length, "each delta continues the previous one");
      joined += d.text;
    }
    assert.ok(text.startsWith(joined));
    assert.equal(rec.events.filter((e) => e.name === "message.new" && e.payload.data.message.id === m.id).length, 1, "one final message.new");
  });

  test("a member who opens the conversation mid-stream gets the text so far; the event log, webhooks and search only the final message", async () => {
    const reg = await srv("POST", "/webhooks", { body: { url: hooks.url, events: ["message.new", "message.updated"] } });
    assert.equal(reg.status, 201, JSON.stringify(reg.body));
    const m = await start({ text: "Draft about zebrafinch" });
    assert.equal((await append(m.id, 22, " and more")).status, 200);
    const mid = await paged(bob, m.id);
    assert.equal(mid?.text, "Draft about zebrafinch and more");
    assert.deepEqual(mid?.stream, { state: "streaming" });
    assert.deepEqual(await logged(bob, m.id), [], "nothing in the log while it streams");
    const hits = async (q: string): Promise<string[]> =>
      (await s.api.get(`/search?q=${encodeURIComponent(q)}`, { token: bob.accessToken })).body.items.map((h: { message: Message }) => h.message.id);
    assert.deepEqual(await hits("zebrafinch"), [], "search does not see a stream's text");

    await finish(m.id, { text: "Final answer about kookaburra", data: { model: "test" } });
    const events = await logged(bob, m.id);
    assert.equal(events.length, 1, "one message.new in the log");
    assert.equal(events[0]!.text, "Final answer about kookaburra");
    assert.deepEqual(events[0]!.stream, { state: "finished" });
    assert.deepEqual(events[0]!.data, { model: "test" });
    assert.deepEqual(await hits("kookaburra"), [m.id], "search indexes the final text");
    assert.deepEqual(await hits("zebrafinch"), [], "and only it");
    await eventually(async () => hooks.received.some((r) => r.body.data?.message?.id === m.id), "the webhook delivery");
    // Deliveries go out in order; the finish's is the last this test caused, so none can still be on its way.
    const delivered = hooks.received.filter((r) => r.body.data?.message?.id === m.id).map((r) => r.body);
    assert.equal(delivered.length, 1, "one webhook delivery");
    assert.equal(delivered[0].type, "message.new");
    assert.equal(delivered[0].data.message.text, "Final answer about kookaburra");
  });

  test("a member stops a stream: it ends as stopped with its text, everyone is told, and the author's next append is refused", async () => {
    const watching = await socketOf(alice);
    const stopping = await socketOf(bob);
    const m = await start({ text: "Once upon" });
    await watching.wait("message.delta", (d) => d.messageId === m.id);
    const outsider = await socketOf(carol);
    const refused = await request(outsider.socket, "message.stop", { messageId: m.id });
    assert.equal(refused.ok, false);
    assert.equal(!refused.ok && refused.error.code, "not_found", "not a member");
    const ack = await request<Message>(stopping.socket, "message.stop", { messageId: m.id });
    assert.ok(ack.ok, JSON.stringify(ack));
    assert.deepEqual(ack.data.stream, { state: "stopped" });
    assert.equal(ack.data.text, "Once upon");
    const seen = await watching.wait("message.new", (e) => e.data.message.id === m.id);
    assert.deepEqual(seen.data.message.stream, { state: "stopped" });
    const next = await append(m.id, 9, " a time");
    assert.equal(next.status, 409);
    assert.equal(errorCode(next), "stream_stopped", "the author is told to stop generating");
    const fin = await srv("POST", `/messages/${m.id}/stream/finish`, { body: {} });
    assert.equal(errorCode(fin), "stream_stopped");
    const twice = await request<Message>(stopping.socket, "message.stop", { messageId: m.id });
    assert.ok(twice.ok, "a second stop answers the message as it ended");
    const bad = await request(stopping.socket, "message.stop", { messageId: 42 });
    assert.equal(!bad.ok && bad.error.code, "validation_failed");
  });

  test("the server fails a stream that stalls, and says so", async () => {
    const rec = await socketOf(alice);
    const m = await start({ text: "Thinking" });
    const failed = await rec.wait("message.new", (e) => e.data.message.id === m.id, (IDLE_SEC + 10) * 1000);
    assert.equal(failed.data.message.stream.state, "failed");
    assert.match(failed.data.message.stream.error, /stalled/);
    assert.equal(failed.data.message.text, "Thinking");
    const late = await append(m.id, 8, "…");
    assert.equal(errorCode(late), "stream_ended");
    const fail = await srv<Message>("POST", `/messages/${(await start()).id}/stream/fail`, { body: { error: "The model is down" } });
    assert.equal(fail.status, 200);
    assert.deepEqual(fail.body.stream, { state: "failed", error: "The model is down" });
  });

  test("ai.state reaches the conversation's members and is never stored", async () => {
    const rec = await socketOf(bob);
    const res = await srv("PUT", `/conversations/${group}/ai-state`, { body: { from: "bot", state: "tool", tool: "search_orders" } });
    assert.equal(res.status, 204, JSON.stringify(res.body));
    const e = await rec.wait("ai.state");
    assert.equal(e.conversationId, group);
    assert.equal(e.state, "tool");
    assert.equal(e.tool, "search_orders");
    const sync = await s.api.get<SyncResponse>("/sync?since=0&limit=1000", { token: bob.accessToken });
    assert.ok(!sync.body.events.some((x) => (x.type as string) === "ai.state"));
  });

  test("bad input is a 4xx, never a 500", async () => {
    const m = await start({ text: "x" });
    const sent = await s.api.post<Message>(`/conversations/${group}/messages`, { token: alice.accessToken, body: { text: "plain" } });
    const cases: [Promise<Res>, number][] = [
      [append(m.id, -1, "a"), 400],
      [append(m.id, 1, ""), 400],
      [srv("POST", `/messages/${m.id}/stream/append`, { body: { offset: "1", text: "a" } }), 400],
      [srv("POST", `/messages/${m.id}/stream/append`, { body: { text: "a" } }), 400],
      [srv("POST", `/messages/${m.id}/stream/append`, { raw: "offset=1", headers: { "Content-Type": "text/plain" } }), 415],
      [append("nope", 0, "a"), 404],
      [append("999999999", 0, "a"), 404],
      [append(sent.body.id, 5, "a"), 404],
      [append(m.id, 1, "y".repeat(4001)), 400],
      [srv("POST", `/conversations/${group}/streams`, { body: { from: "nobody-by-this-sub" } }), 404],
      [srv("POST", `/conversations/${group}/streams`, { body: { from: "bot", replyToId: "123456789" } }), 400],
      [srv("POST", "/conversations/cnv_missing/streams", { body: { from: "bot" } }), 404],
      [srv("POST", `/messages/${m.id}/stream/fail`, { body: { error: "  " } }), 400],
      [srv("PUT", `/conversations/${group}/ai-state`, { body: { from: "bot", state: "sleeping" } }), 400],
      [srv("PUT", `/conversations/${group}/ai-state`, { body: { from: "bot", state: "thinking", tool: "x" } }), 400],
    ];
    for (const [res, status] of cases) {
      const r = await res;
      assert.equal(r.status, status, JSON.stringify(r.body));
      assertClientError(r);
    }
    // Past a message's length: 413, the text unchanged.
    assert.equal((await append(m.id, 1, "z".repeat(4000))).status, 413);
    assert.equal((await paged(alice, m.id))?.text, "x");
    // A user of the app who is not a member cannot be made to stream there.
    await srv("POST", "/users", { body: { sub: "stranger", name: "Stranger" } });
    assert.equal((await srv("POST", `/conversations/${group}/streams`, { body: { from: "stranger" } })).status, 404);
    await finish(m.id);
  });

  test("another app's server key sees no stream and no conversation of this app", async () => {
    const m = await start({ text: "mine" });
    const asOther = { key: foreignKey };
    for (const res of [
      await srv("POST", `/messages/${m.id}/stream/append`, { ...asOther, body: { offset: 4, text: "!" } }),
      await srv("POST", `/messages/${m.id}/stream/finish`, { ...asOther, body: {} }),
      await srv("POST", `/messages/${m.id}/stream/fail`, { ...asOther, body: { error: "x" } }),
      await srv("POST", `/conversations/${group}/streams`, { ...asOther, body: { from: "bot" } }),
      await srv("PUT", `/conversations/${group}/ai-state`, { ...asOther, body: { from: "bot", state: "thinking" } }),
    ]) {
      assert.equal(res.status, 404, JSON.stringify(res.body));
      assertClientError(res);
    }
    assert.equal((await paged(alice, m.id))?.text, "mine");
    assert.deepEqual((await paged(alice, m.id))?.stream, { state: "streaming" });
    await finish(m.id);
  });
});
