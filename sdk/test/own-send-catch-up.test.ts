import assert from "node:assert/strict";
import type { IncomingMessage } from "node:http";
import { after, before, test } from "node:test";
import type { ChatClient, Conversation } from "../src/index.js";
import { startServer, type TestServer } from "../../server/test/helpers/harness.js";
import { clientFactory, serverHistory, until } from "./helpers/clients.js";
import { startProxy, type TestProxy, type Verdict } from "./helpers/proxy.js";

/**
 * A `message.new` for a message the state already knows must still move the conversation's
 * summary (last message, last activity, list order, unread count). It used to be skipped
 * whole, and a message becomes known before its event in ordinary ways:
 * - my send is acknowledged while the client catches up after a reconnect: the ack's event
 *   (`SendAck.event`, ownEcho false) is held until the catch-up ends, but the ack itself puts
 *   the message in the timeline at once; the event (held, or in the catch-up's page) came later;
 * - a history page (`loadOlder`) brings someone's message before the catch-up applies its event.
 * The client talks to the real server through a proxy that holds its /sync calls.
 */

let s: TestServer;
let app: string;
let proxy: TestProxy;
const clients = clientFactory(() => ({ server: s.url, appId: app }));

before(async () => {
  s = await startServer();
  app = (await s.createTenant("Own send catch-up site", ["*"])).id;
  proxy = await startProxy(s.url);
});
after(async () => {
  clients.closeAll();
  await proxy.close();
  await s?.close();
});

const isSync = (req: IncomingMessage): boolean => req.url?.startsWith("/v1/sync?") ?? false;

function http(c: ChatClient): { request<T>(m: string, p: string): Promise<T> } {
  return (c as unknown as { http: { request<T>(m: string, p: string): Promise<T> } }).http;
}

/** The conversation as the server has it for `c` (not written into the store). */
async function serverSide(c: ChatClient, id: string): Promise<Conversation> {
  return (await http(c).request<{ conversation: Conversation }>("GET", `/conversations/${id}`)).conversation;
}

/** What the list shows of a conversation: its last message, its unread count, whether it comes first. */
function summary(c: ChatClient, id: string): { lastMessage: string | undefined; unreadCount: number | undefined; first: boolean } {
  const st = c.store.state;
  return { lastMessage: st.conversations[id]?.lastMessage?.id, unreadCount: st.conversations[id]?.unreadCount, first: st.conversationOrder[0] === id };
}

/** A gate: /sync calls wait on `open` (set by the caller's rule) until `release()`. */
function gate(): { open: Promise<void>; release(): void } {
  let release = (): void => {};
  const open = new Promise<void>((r) => (release = r));
  return { open, release };
}

/**
 * Alice (through the proxy) in a DM with Bob, and a DM with Carol more recent than it; Bob's
 * first message read. Alice then goes offline and Bob writes once more (the gap).
 */
async function setUp(online?: (alice: ChatClient) => Promise<void>) {
  proxy.rule = () => "forward";
  const alice = await clients.signUp("Alice", { server: proxy.url, sync: { retryDelay: 100, retryDelayMax: 300 } });
  const bob = await clients.signUp("Bob");
  const carol = await clients.signUp("Carol");
  const withBob = await bob.direct(alice.user!.id);
  const b0 = await withBob.send("hello Alice");
  await until(() => alice.conversation(withBob.id).messages.some((m) => m.id === b0.id), "Alice has Bob's first message");
  alice.conversation(withBob.id).markRead();
  await until(() => alice.store.state.conversations[withBob.id]?.unreadCount === 0, "Alice read it");
  const withCarol = await carol.direct(alice.user!.id);
  const c0 = await withCarol.send("hi from Carol");
  await until(() => alice.store.state.conversationOrder[0] === withCarol.id && summary(alice, withCarol.id).lastMessage === c0.id, "Carol's DM first");

  await online?.(alice);

  alice.disconnect();
  await until(() => alice.store.state.connection === "disconnected", "Alice offline");
  const b1 = await withBob.send("while you were away");
  return { alice, bob, conv: withBob.id, b1 };
}

/** After the catch-up: Alice's list and timeline are the server's, each message once. */
async function settledState(alice: ChatClient, conv: string) {
  await until(() => alice.store.state.sync === "idle", "Alice caught up", 10_000);
  const server = await serverSide(alice, conv);
  const ids = alice.conversation(conv).messages.map((m) => m.id);
  assert.deepEqual(
    ids,
    (await serverHistory(alice, conv)).map((m) => m.id),
    "the timeline is the server's, each message once, no pending copy",
  );
  const head = await http(alice).request<{ lastSeq: number }>("GET", "/sync/head");
  assert.equal(alice.store.state.lastSeq, head.lastSeq, "the cursor is where the log is");
  return { server, caughtUp: summary(alice, conv) };
}

test("my send acknowledged during a catch-up whose page (fetched after it) has its event: the list shows it, at the ack and after", async () => {
  const { alice, conv, b1 } = await setUp();
  const g = gate();
  let held = 0;
  // /sync waits before it reaches the server: the page it gets then has my send's event.
  proxy.rule = (req): Verdict | Promise<Verdict> => (isSync(req) ? (held++, g.open.then(() => "forward" as const)) : "forward");
  const sending = alice.conversation(conv).send("mine, written offline");
  alice.connect();
  const sent = await sending;
  assert.ok(held > 0 && alice.store.state.sync !== "idle", "acknowledged while the catch-up waits");
  const atAck = summary(alice, conv);

  g.release();
  const { server, caughtUp } = await settledState(alice, conv);
  assert.equal(server.lastMessage?.id, sent.id);
  assert.ok(
    alice.conversation(conv).messages.some((m) => m.id === b1.id),
    "the gap's message is in the timeline",
  );
  assert.deepEqual(
    { atAck, caughtUp },
    {
      atAck: { lastMessage: sent.id, unreadCount: 0, first: true },
      caughtUp: { lastMessage: sent.id, unreadCount: server.unreadCount, first: true },
    },
  );
  assert.equal(server.unreadCount, 0, "sending read Bob's message before it");
});

test("my send acknowledged during a catch-up whose page was answered before it was stored: its held event comes after the page", async () => {
  const { alice, conv } = await setUp();
  const g = gate();
  let answered!: () => void;
  const pageFetched = new Promise<void>((r) => (answered = r));
  // /sync reaches the server at once; its answer (without my send) waits at the gate.
  proxy.rule = async (req): Promise<Verdict> => {
    if (!isSync(req)) return "forward";
    const headers = Object.fromEntries(
      Object.entries(req.headers).flatMap(([k, v]) => (typeof v === "string" && k !== "host" && k !== "connection" ? [[k, v]] : [])),
    );
    const res = await fetch(`${s.url}${req.url}`, { headers });
    const body: unknown = await res.json();
    answered();
    await g.open;
    return { status: res.status, body };
  };
  alice.connect();
  await pageFetched;
  const sent = await alice.conversation(conv).send("mine, during the catch-up");
  assert.notEqual(alice.store.state.sync, "idle", "acknowledged while the catch-up waits");
  const atAck = summary(alice, conv);

  g.release();
  const { server, caughtUp } = await settledState(alice, conv);
  assert.equal(server.lastMessage?.id, sent.id);
  assert.deepEqual(
    { atAck, caughtUp },
    {
      atAck: { lastMessage: sent.id, unreadCount: 0, first: true },
      caughtUp: { lastMessage: sent.id, unreadCount: server.unreadCount, first: true },
    },
  );
});

test("someone's message a history page brought before the catch-up applied its event: last message and unread count follow", async () => {
  const dan = await clients.signUp("Dan");
  let withDan = "";
  // A DM with Dan, empty: Alice has it listed (the client asks for it on conversation.created), its timeline never loaded.
  const { alice, conv, b1 } = await setUp(async (alice) => {
    withDan = (await dan.direct(alice.user!.id)).id;
    await until(() => proxy.seen.includes(`GET /v1/conversations/${withDan}`), "Alice asked for the new DM");
    await alice.conversation(withDan).refresh();
  });
  assert.ok(alice.store.state.conversations[withDan] && !alice.store.state.threads[withDan], "listed, timeline not loaded");
  const d1 = await dan.conversation(withDan).send("are you there?");
  const g = gate();
  proxy.rule = (req): Verdict | Promise<Verdict> => (isSync(req) ? g.open.then(() => "forward" as const) : "forward");
  alice.connect();
  await until(() => alice.store.state.connection === "connected" && alice.store.state.sync !== "idle", "Alice catching up");
  // Alice opens Dan's DM while catching up: the newest page has his message before its event is applied.
  await alice.conversation(withDan).loadOlder();
  assert.ok(
    alice.conversation(withDan).messages.some((m) => m.id === d1.id),
    "the history page has Dan's message",
  );
  g.release();
  const { server, caughtUp } = await settledState(alice, withDan);
  assert.equal(server.lastMessage?.id, d1.id);
  assert.equal(server.unreadCount, 1);
  assert.deepEqual(caughtUp, { lastMessage: d1.id, unreadCount: server.unreadCount, first: true });
  // Bob's DM, from the same catch-up, is right too.
  assert.deepEqual(summary(alice, conv), { lastMessage: b1.id, unreadCount: 1, first: false });
});
