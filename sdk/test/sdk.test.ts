import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { ChatClient, ChatError, isChatError, type Message } from "../src/index.js";
import { startServer, type TestServer } from "../../server/test/helpers/harness.js";
import { clientFactory, heldAnswers, serverHistory, until } from "./helpers/clients.js";

let s: TestServer;
let app: string;
const clients = clientFactory(() => ({ server: s.url, appId: app }));
/** A client signed up as a new user, its socket connected. */
const newClient = (name: string, opts: { fetch?: typeof fetch } = {}): Promise<ChatClient> => clients.signUp(name, opts);

const core = (m: Message) => ({
  id: m.id,
  senderId: m.senderId,
  text: m.text,
  editedAt: m.editedAt,
  deletedAt: m.deletedAt,
  reactions: m.reactions,
  attachments: m.attachments.length,
});

before(async () => {
  s = await startServer({ ACCESS_TOKEN_TTL_SEC: "2" });
  app = (await s.createTenant("SDK site", ["*"])).id;
});
after(async () => {
  clients.closeAll();
  await s?.close();
});

describe("two clients", () => {
  test("register, open a DM and exchange messages both ways; state and events match", async () => {
    const alice = await newClient("Alice");
    const bob = await newClient("Bob");
    const events: string[] = [];
    bob.on("message.new", (e) => events.push(e.data.message.text ?? ""));
    const conv = await alice.direct(bob.user!.id);
    const sent = await conv.send("hello Bob");
    assert.equal(sent.text, "hello Bob");
    await until(() => bob.conversation(conv.id).messages.some((m) => m.id === sent.id), "Bob has Alice's message");
    assert.deepEqual(events, ["hello Bob"]);
    await until(() => bob.store.state.conversations[conv.id] !== undefined, "Bob's list has the DM");
    assert.equal(bob.store.state.conversations[conv.id]!.unreadCount, 1);
    const reply = await bob.conversation(conv.id).send("hi Alice");
    await until(() => alice.conversation(conv.id).messages.some((m) => m.id === reply.id), "Alice has Bob's reply");
    assert.deepEqual(alice.conversation(conv.id).messages.map(core), bob.conversation(conv.id).messages.map(core));
    assert.deepEqual(
      alice.conversation(conv.id).messages.map((m) => m.text),
      ["hello Bob", "hi Alice"],
    );
    assert.equal(alice.store.state.conversationOrder[0], conv.id);
    bob.conversation(conv.id).markRead();
    await until(() => bob.store.state.conversations[conv.id]!.unreadCount === 0, "Bob's unread count back to 0");
  });
});

describe("catch-up", () => {
  test("B offline while A sends 30, edits, deletes and reacts: after reconnect B's store equals the server's history", async () => {
    const a = await newClient("Ann");
    const b = await newClient("Ben");
    const conv = await a.direct(b.user!.id);
    const first = await conv.send("before the cut");
    await until(() => b.conversation(conv.id).messages.length === 1, "Ben has the first message");
    b.disconnect();
    await until(() => b.store.state.connection === "disconnected", "Ben offline");
    const sent: Message[] = [];
    for (let i = 0; i < 30; i++) sent.push(await conv.send(`offline ${i}`));
    await conv.edit(sent[5]!.id, "edited while Ben was away");
    await conv.delete(sent[6]!.id);
    await conv.react(sent[7]!.id, "🎉");
    await conv.react(first.id, "👍");
    assert.equal(b.conversation(conv.id).messages.length, 1, "nothing arrived while offline");

    const recovered = new Promise((r) => b.on("connection.recovered", r));
    b.connect();
    await recovered;
    const expected = await serverHistory(b, conv.id);
    assert.equal(expected.length, 31);
    assert.deepEqual(b.conversation(conv.id).messages.map(core), expected.map(core));
    assert.equal(new Set(b.conversation(conv.id).messages.map((m) => m.id)).size, 31, "nothing twice");
    assert.equal(b.store.state.conversations[conv.id]!.unreadCount, 31);
  });

  test("a socket cut by the server reconnects by itself and catches up", async () => {
    const a = await newClient("Ada");
    const b = await newClient("Bea");
    const conv = await a.direct(b.user!.id);
    s.io.in(`user:${b.user!.id}`).disconnectSockets(true);
    for (let i = 0; i < 5; i++) await conv.send(`during the cut ${i}`);
    await until(() => b.conversation(conv.id).messages.length === 5, "Bea got all 5", 10_000);
    assert.deepEqual(b.conversation(conv.id).messages.map(core), (await serverHistory(b, conv.id)).map(core));
  });
});

describe("late answers", () => {
  test("a reaction's answer that arrives after the message was deleted does not bring its text back", async () => {
    // The answer to Ben's reaction is held, once the server has given it, until Ben has heard
    // that the message was deleted.
    const answers = heldAnswers((_url, method) => method === "PUT");
    const ben = await newClient("Ben", { fetch: answers.fetch });
    const ann = await newClient("Ann");
    const conv = await ann.direct(ben.user!.id);
    const said = await conv.send("soon gone");
    await until(() => ben.conversation(conv.id).messages.some((m) => m.id === said.id), "Ben has it");
    const read = answers.holdNext(new Promise((heard) => ben.on("message.deleted", heard)));
    const reacted = ben.conversation(conv.id).react(said.id, "👍");
    await read;
    await conv.delete(said.id);
    assert.equal((await reacted).text, "soon gone", "the answer was given before the deletion");
    const mine = ben.conversation(conv.id).messages.find((m) => m.id === said.id);
    assert.equal(mine?.text, null, "still a tombstone in Ben's store");
    assert.notEqual(mine?.deletedAt, null);
  });
});

describe("offline sends", () => {
  test("20 messages written offline show as pending and are delivered once each, in order, on reconnect", async () => {
    const a = await newClient("Ari");
    const b = await newClient("Bo");
    const conv = await a.direct(b.user!.id);
    a.disconnect();
    await until(() => a.store.state.connection === "disconnected", "Ari offline");
    const texts = Array.from({ length: 20 }, (_, i) => `queued ${i}`);
    const promises = texts.map((t) => conv.send(t));
    assert.deepEqual(
      conv.messages.map((m) => m.status),
      Array(20).fill("pending"),
    );
    a.connect();
    const stored = await Promise.all(promises);
    assert.deepEqual(
      stored.map((m) => m.text),
      texts,
    );
    const ids = stored.map((m) => BigInt(m.id));
    assert.ok(
      ids.every((id, i) => i === 0 || id > ids[i - 1]!),
      "stored in the order written",
    );
    const history = await serverHistory(a, conv.id);
    assert.deepEqual(
      history.map((m) => m.text),
      texts,
      "each exactly once on the server",
    );
    assert.deepEqual(
      conv.messages.map((m) => m.status),
      Array(20).fill("sent"),
    );
    await until(() => b.conversation(conv.id).messages.length === 20, "Bo got them all");
    assert.deepEqual(
      b.conversation(conv.id).messages.map((m) => m.text),
      texts,
    );
  });
});

describe("tokens", () => {
  test("an access token that expires mid-session is refreshed without the caller noticing: socket and ten parallel calls", async () => {
    let refreshes = 0;
    const counting: typeof fetch = (input, init) => {
      if (String(input).endsWith("/auth/refresh")) refreshes++;
      return fetch(input, init);
    };
    const chat = await newClient("Tess", { fetch: counting });
    const peer = await newClient("Pete");
    const conv = await chat.direct(peer.user!.id);
    await new Promise((r) => setTimeout(r, 2300)); // the 2-second access token is now expired
    // The socket's next handshake presents the expired token: refused, refreshed, reconnected.
    s.io.in(`user:${chat.user!.id}`).disconnectSockets(true);
    const msg = await conv.send("after the refresh");
    await until(() => peer.conversation(conv.id).messages.some((m) => m.id === msg.id), "delivered after re-auth", 10_000);
    assert.equal(refreshes, 1, "the handshake refusal caused one refresh");
    await new Promise((r) => setTimeout(r, 2300)); // expired again
    const results = await Promise.all(Array.from({ length: 10 }, () => chat.me()));
    assert.ok(results.every((m) => m.id === chat.user!.id));
    assert.equal(refreshes, 2, "ten parallel calls caused one more refresh");
  });
});

describe("errors", () => {
  test("server errors surface as ChatError with the server's code and status", async () => {
    const chat = await newClient("Erin");
    await assert.rejects(chat.direct(chat.user!.id), (e: unknown) => isChatError(e) && e.code === "validation_failed" && e.status === 400 && !e.retryable);
    await assert.rejects(
      chat.conversation("cnv_doesnotexist000000000").loadOlder(),
      (e: unknown) => isChatError(e) && e.code === "not_found" && e.status === 404,
    );
    const stranger = new ChatClient({ server: s.url, appId: app });
    await assert.rejects(stranger.login("nobody@example.com", "wrong password"), (e: unknown) => e instanceof ChatError && e.code === "invalid_credentials");
  });

  test("an unreachable server is a retryable network_error, told apart from server answers", async () => {
    const chat = new ChatClient({ server: "http://127.0.0.1:9", appId: app });
    await assert.rejects(
      chat.login("a@example.com", "whatever pw"),
      (e: unknown) => isChatError(e) && e.code === "network_error" && e.retryable && e.status === undefined,
    );
  });

  test("a message the server refuses is marked failed with the error, and emitted", async () => {
    const a = await newClient("Fay");
    const b = await newClient("Gus");
    const conv = await a.direct(b.user!.id);
    const failed = new Promise((r) => a.on("message.failed", r));
    await assert.rejects(conv.send("x".repeat(5000)), (e: unknown) => isChatError(e) && e.code === "validation_failed");
    await failed;
    assert.equal(conv.messages.at(-1)?.status, "failed");
  });
});
