// Streamed messages and agents' states in the SDK (issue 54): @parley/sdk/streams against a real
// server — a bot's reply growing in the store by offset, a member opening mid-stream, a missed
// delta fetched again, ai.state as per-conversation state, Stop; then the reducer alone.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { startServer, type TestServer } from "../../server/test/helpers/harness.js";
import { type ChatClient, INITIAL_STATE, type Message, type MessageDeltaEvent, type MessageItem } from "../src/index.js";
import { withMessages } from "../src/reducer.js";
import { Streams, withAiState, withDelta, withStreamed } from "../src/streams.js";
import { clientFactory, until } from "./helpers/clients.js";

let s: TestServer;
let app: string;
let auth: string;
let botId: string;
const clients = clientFactory(() => ({ server: s.url, appId: app }));
const modules: Streams[] = [];

before(async () => {
  s = await startServer();
  app = (await s.createTenant("SDK streams", ["*"])).id;
  const key = await s.services.serverKeys.create(app);
  auth = `Basic ${Buffer.from(`${key.id}:${key.secret}`).toString("base64")}`;
  botId = (await server("POST", "/users", { sub: "bot", name: "Helper" })).body.user.id;
});
after(async () => {
  for (const m of modules) m.close();
  clients.closeAll();
  await s?.close();
});

/** The host's backend: a server API call. */
async function server(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
  const res = await fetch(`${s.url}/v1/server${path}`, {
    method,
    headers: { Authorization: auth, ...(body === undefined ? {} : { "Content-Type": "application/json" }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: res.status, body: res.status === 204 ? null : await res.json() };
}

/** A group of the first client, the others and the bot. */
async function group(owner: ChatClient, ...others: ChatClient[]): Promise<string> {
  const c = await owner.createGroup({ name: "Help", memberIds: [...others.map((o) => o.user!.id), botId] });
  return c.id;
}

function streamsOf(chat: ChatClient): Streams {
  const m = new Streams(chat);
  modules.push(m);
  return m;
}

const held = (chat: ChatClient, conversationId: string, id: string): MessageItem | undefined =>
  chat.conversation(conversationId).messages.find((m) => m.id === id);

describe("streamed messages through the SDK", () => {
  test("a bot's reply grows in the store, in order, and ends as the final message", async () => {
    const alice = await clients.signUp("Alice");
    streamsOf(alice);
    const g = await group(alice);
    await alice.conversation(g).loadOlder();
    const texts: string[] = [];
    const off = alice.store.subscribe(() => {
      const t = alice.conversation(g).messages.find((m) => m.stream)?.text;
      if (t !== undefined && t !== null && t !== texts[texts.length - 1]) texts.push(t);
    });
    const start = await server("POST", `/conversations/${g}/streams`, { from: "bot", text: "Hel" });
    assert.equal(start.status, 201);
    const id = (start.body as Message).id;
    let text = "Hel";
    for (const piece of ["lo", ", ", "wor", "ld", "!"]) {
      assert.equal((await server("POST", `/messages/${id}/stream/append`, { offset: text.length, text: piece })).status, 200);
      text += piece;
    }
    await until(() => held(alice, g, id)?.text === text, "the text so far");
    assert.equal(held(alice, g, id)?.stream?.state, "streaming");
    await server("POST", `/messages/${id}/stream/finish`, {});
    await until(() => held(alice, g, id)?.stream?.state === "finished", "finished");
    off();
    assert.equal(held(alice, g, id)?.text, "Hello, world!");
    assert.equal(alice.conversation(g).messages.filter((m) => m.id === id).length, 1, "once");
    for (const t of texts) assert.ok("Hello, world!".startsWith(t), `only ever a prefix: ${JSON.stringify(texts)}`);
    assert.equal(alice.store.state.conversations[g]?.lastMessage?.id, id, "the final message is the conversation's last");
  });

  test("a member who opens mid-stream gets the text so far; deltas it missed are fetched again", async () => {
    const alice = await clients.signUp("Alice");
    const bob = await clients.signUp("Bob");
    const g = await group(alice, bob);
    // Bob's client listens to no deltas yet: it opens the conversation mid-stream.
    const id = (await server("POST", `/conversations/${g}/streams`, { from: "bot", text: "Once" })).body.id as string;
    await server("POST", `/messages/${id}/stream/append`, { offset: 4, text: " upon" });
    await bob.conversation(g).loadOlder();
    assert.equal(held(bob, g, id)?.text, "Once upon");
    assert.equal(held(bob, g, id)?.stream?.state, "streaming");
    // A delta it never gets, then one it does: the gap between them is fetched.
    // (Deltas are coalesced: the one that reaches the end of " a time" may start earlier.)
    const raw = (bob as unknown as { socket: { socket: { on(e: string, f: (d: MessageDeltaEvent) => void): void } } }).socket.socket;
    let missed = false;
    raw.on("message.delta", (d) => d.messageId === id && d.offset + d.text.length === 16 && (missed = true));
    await server("POST", `/messages/${id}/stream/append`, { offset: 9, text: " a time" });
    await until(() => missed, "the delta Bob's client did not apply");
    streamsOf(bob);
    await server("POST", `/messages/${id}/stream/append`, { offset: 16, text: " there" });
    await until(() => held(bob, g, id)?.text === "Once upon a time there", "the gap fetched again");
    assert.equal(held(bob, g, id)?.stream?.state, "streaming");
    await server("POST", `/messages/${id}/stream/finish`, {});
    await until(() => held(bob, g, id)?.stream?.state === "finished", "finished");
  });

  test("ai.state is per-conversation state like typing; Stop ends a reply for everyone and the author is refused", async () => {
    const alice = await clients.signUp("Alice");
    const bob = await clients.signUp("Bob");
    const aliceStreams = streamsOf(alice);
    const bobStreams = streamsOf(bob);
    const g = await group(alice, bob);
    await bob.conversation(g).loadOlder();
    assert.equal((await server("PUT", `/conversations/${g}/ai-state`, { from: "bot", state: "tool", tool: "lookup" })).status, 204);
    await until(() => bobStreams.aiStates(g)[botId]?.state === "tool", "Bob sees the tool call");
    assert.equal(bobStreams.aiStates(g)[botId]?.tool, "lookup");
    await server("PUT", `/conversations/${g}/ai-state`, { from: "bot", state: "idle" });
    await until(() => bobStreams.aiStates(g)[botId] === undefined, "idle clears it");

    const id = (await server("POST", `/conversations/${g}/streams`, { from: "bot", text: "Let me think" })).body.id as string;
    await until(() => held(bob, g, id)?.text === "Let me think", "Bob sees the reply start");
    const stopped = await aliceStreams.stop(id);
    assert.equal(stopped.stream?.state, "stopped");
    await until(() => held(bob, g, id)?.stream?.state === "stopped", "Bob sees it stopped");
    assert.equal(held(bob, g, id)?.text, "Let me think");
    const refused = await server("POST", `/messages/${id}/stream/append`, { offset: 12, text: "…" });
    assert.equal(refused.status, 409);
    assert.equal(refused.body.error.code, "stream_stopped");
  });
});

describe("the streams reducer", () => {
  const base: Message = {
    id: "7",
    conversationId: "c1",
    senderId: "bot",
    text: "ab",
    attachments: [],
    replyToId: null,
    clientMessageId: null,
    reactions: [],
    createdAt: "2026-01-01T00:00:00.000Z",
    editedAt: null,
    deletedAt: null,
    stream: { state: "streaming" },
  };
  const loaded = withMessages(INITIAL_STATE, "c1", [base], false);
  const text = (st: typeof loaded) => st.threads["c1"]?.messages[0]?.text;

  test("a delta at the text's length adds; one applied already changes nothing; one past the end is a gap", () => {
    const next = withDelta(loaded, { conversationId: "c1", messageId: "7", offset: 2, text: "cd" });
    assert.equal(text(next.state), "abcd");
    assert.equal(next.gap, false);
    const again = withDelta(next.state, { conversationId: "c1", messageId: "7", offset: 2, text: "cd" });
    assert.equal(again.state, next.state, "no change at all");
    const gap = withDelta(next.state, { conversationId: "c1", messageId: "7", offset: 9, text: "x" });
    assert.equal(gap.gap, true);
    assert.equal(gap.state, next.state);
  });

  test("the final message replaces the streaming one; a late delta or snapshot does not touch it", () => {
    const final = { ...base, text: "final", stream: { state: "finished" as const } };
    const done = withStreamed(loaded, final);
    assert.equal(text(done), "final");
    assert.equal(done.threads["c1"]?.messages.length, 1);
    assert.equal(withDelta(done, { conversationId: "c1", messageId: "7", offset: 2, text: "zz" }).state, done);
    assert.equal(withStreamed(done, base), done);
  });

  test("ai.state is kept per conversation and user until idle", () => {
    const thinking = withAiState(INITIAL_STATE, { conversationId: "c1", userId: "bot", state: "thinking" }, 100);
    assert.deepEqual(thinking.ai, { c1: { bot: { state: "thinking", until: 100 } } });
    assert.deepEqual(withAiState(thinking, { conversationId: "c1", userId: "bot", state: "idle" }, 200).ai, { c1: {} });
  });
});
