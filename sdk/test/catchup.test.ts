import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { INITIAL_STATE, type ChatEvent, type ChatState, type Conversation, type Message, type SyncStatus } from "../src/index.js";
import { applyEvent, applyEvents } from "../src/reducer.js";
import { startServer, type TestServer } from "../../server/test/helpers/harness.js";
import { clientFactory, serverHistory, until } from "./helpers/clients.js";
import { startProxy, type TestProxy } from "./helpers/proxy.js";

let s: TestServer;
let app: string;
let proxy: TestProxy;
const clients = clientFactory(() => ({ server: s.url, appId: app }));

before(async () => {
  s = await startServer();
  app = (await s.createTenant("Catch-up site", ["*"])).id;
  proxy = await startProxy(s.url);
});
after(async () => {
  clients.closeAll();
  await proxy.close();
  await s.close();
});

describe("gap-safe catch-up", () => {
  test("a catch-up refused after a reconnect is retried; the live event meanwhile never moves the cursor past the gap", async () => {
    const ann = await clients.signUp("Ann");
    // Ben reaches the server (REST and socket) through the proxy.
    const ben = await clients.signUp("Ben", { server: proxy.url, sync: { retryDelay: 100, retryDelayMax: 300 } });
    const conv = await ann.direct(ben.user!.id);
    const first = await conv.send("before the cut");
    await until(() => ben.conversation(conv.id).messages.length === 1, "Ben has the first message");
    ben.conversation(conv.id).markRead();
    await until(() => ben.store.state.conversations[conv.id]?.unreadCount === 0, "Ben read it");

    ben.disconnect();
    await until(() => ben.store.state.connection === "disconnected", "Ben offline");
    const gap: Message[] = [];
    for (let i = 0; i < 5; i++) gap.push(await conv.send(`during the gap ${i}`));

    // The proxy refuses every /sync until told otherwise: a 502, then a cut connection, in turn.
    let refused = 0;
    let refusing = true;
    proxy.rule = (req) => (refusing && req.url?.startsWith("/v1/sync?") ? (refused++ % 2 ? "drop" : { status: 502, body: {} }) : "forward");
    const statuses: SyncStatus[] = [];
    ben.store.subscribeWithSelector(
      (st) => st.sync,
      (v) => statuses.push(v),
    );
    const cursorBefore = ben.store.state.lastSeq;
    ben.connect();
    await until(() => refused >= 2, "two catch-ups refused");
    const live = await conv.send("live, after the reconnect");
    const soFar = refused;
    await until(() => refused >= soFar + 2, "refused twice more after the live event was sent");

    assert.equal(ben.store.state.connection, "connected");
    assert.notEqual(ben.store.state.sync, "idle", "still catching up");
    assert.equal(ben.store.state.lastSeq, cursorBefore, "the cursor did not move past the gap");
    assert.equal(ben.conversation(conv.id).messages.length, 1, "the live event waits for the gap to be filled");

    refusing = false;
    await until(() => ben.store.state.sync === "idle" && ben.conversation(conv.id).messages.length === 7, "Ben caught up", 10_000);
    const texts = [first, ...gap, live].map((m) => m.text);
    assert.deepEqual(
      ben.conversation(conv.id).messages.map((m) => m.text),
      texts,
      "all once, in order",
    );
    assert.deepEqual(
      ben.conversation(conv.id).messages.map((m) => m.id),
      (await serverHistory(ben, conv.id)).map((m) => m.id),
    );
    assert.equal(ben.store.state.conversations[conv.id]!.unreadCount, 6);
    assert.deepEqual(ben.store.state.conversations[conv.id]!.lastMessage?.id, live.id);
    assert.ok(statuses.includes("retrying") && statuses.at(-1) === "idle", statuses.join(","));
    const head = await (ben as unknown as { http: { request<T>(m: string, p: string): Promise<T> } }).http.request<{ lastSeq: number }>("GET", "/sync/head");
    assert.equal(ben.store.state.lastSeq, head.lastSeq, "the cursor is where the log is");
  });
});

// --- Bulk apply: the reducer alone --------------------------------------------------------

const ME = "usr_me";
const PEER = "usr_peer";
const T0 = Date.parse("2025-01-01T00:00:00Z");
const at = (i: number): string => new Date(T0 + i * 1000).toISOString();

function message(conversationId: string, id: number, senderId = PEER, clientMessageId: string | null = null): Message {
  return {
    id: String(id),
    conversationId,
    senderId,
    text: `m${id}`,
    attachments: [],
    replyToId: null,
    clientMessageId,
    reactions: [],
    createdAt: at(id),
    editedAt: null,
    deletedAt: null,
  };
}

function conversation(id: string, lastActivity: number): Conversation {
  const member = (userId: string) => ({ userId, role: "member" as const, joinedAt: at(0), lastReadMessageId: "0" });
  return {
    id,
    kind: "direct",
    name: null,
    isPublic: false,
    createdAt: at(0),
    lastActivityAt: at(lastActivity),
    members: [member(ME), member(PEER)],
    users: [],
    lastMessage: null,
    unreadCount: 0,
    myRole: "member",
  };
}

function startState(): ChatState {
  const me = { id: ME, displayName: "Me", bio: "", avatarUrl: null, externalId: null, lastSeenAt: null, createdAt: at(0), email: null, appId: "app" };
  const pending = { ...message("cnv_a", 0, ME, "cm-mine"), id: "local:cm-mine", status: "pending" as const };
  return {
    ...INITIAL_STATE,
    me,
    conversations: { cnv_a: conversation("cnv_a", 1), cnv_b: conversation("cnv_b", 2) },
    conversationOrder: ["cnv_b", "cnv_a"],
    threads: { cnv_a: { messages: [{ ...message("cnv_a", 1), status: "sent" }, pending], hasOlder: false } },
    lastSeq: 10,
  };
}

describe("bulk apply", () => {
  test("a catch-up batch gives the same state as applying its events one by one, and the right one", () => {
    const events: ChatEvent[] = [];
    let seq = 10;
    const ev = <E extends ChatEvent>(e: Omit<E, "seq" | "at" | "userId">): ChatEvent => ({ ...e, seq: ++seq, at: at(seq), userId: null }) as ChatEvent;
    for (let id = 2; id <= 400; id++) {
      const conv = id % 4 === 0 ? "cnv_b" : "cnv_a";
      const mine = id === 301;
      events.push(ev({ type: "message.new", conversationId: conv, data: { message: message(conv, id, mine ? ME : PEER, mine ? "cm-mine" : null) } }));
    }
    events.push(ev({ type: "message.updated", conversationId: "cnv_a", data: { message: { ...message("cnv_a", 5), text: "edited", editedAt: at(500) } } }));
    events.push(ev({ type: "message.deleted", conversationId: "cnv_a", data: { message: { ...message("cnv_a", 6), text: null, deletedAt: at(501) } } }));
    events.push(
      ev({
        type: "reaction.updated",
        conversationId: "cnv_a",
        data: { conversationId: "cnv_a", messageId: "7", userId: PEER, emoji: "🎉", added: true, count: 1 },
      }),
    );
    events.push(ev({ type: "read.updated", conversationId: "cnv_b", data: { conversationId: "cnv_b", userId: ME, lastReadMessageId: "200" } }));
    // A redelivered event changes nothing.
    events.push({ ...events[10]!, seq: events[10]!.seq });

    const batch = applyEvents(startState(), events, 999);
    const oneByOne = events.reduce(applyEvent, startState());
    assert.deepEqual({ ...batch, lastSeq: 0 }, { ...oneByOne, lastSeq: 0 });
    assert.equal(batch.lastSeq, 999, "the sync answer's cursor");

    const a = batch.threads["cnv_a"]!.messages;
    const expectedA = [1, ...Array.from({ length: 399 }, (_, i) => i + 2).filter((id) => id % 4 !== 0)];
    assert.deepEqual(
      a.map((m) => Number(m.id)),
      expectedA,
      "oldest first, each once, my acked send replaced its pending copy",
    );
    assert.ok(a.every((m) => m.status === "sent"));
    assert.equal(a.find((m) => m.id === "5")!.text, "edited");
    assert.equal(a.find((m) => m.id === "6")!.deletedAt, at(501));
    assert.deepEqual(a.find((m) => m.id === "7")!.reactions, [{ emoji: "🎉", count: 1, mine: false }]);
    // cnv_a: my own message 301 read everything before it; 302..399 from the peer are unread.
    assert.equal(batch.conversations["cnv_a"]!.unreadCount, expectedA.filter((id) => id > 301).length);
    // cnv_b: read up to 200 on another device; 204..400 are unread.
    assert.equal(batch.conversations["cnv_b"]!.unreadCount, Array.from({ length: 50 }, (_, i) => (i + 51) * 4).length);
    assert.equal(batch.conversations["cnv_b"]!.lastMessage?.id, "400");
    assert.deepEqual(batch.conversationOrder, ["cnv_b", "cnv_a"]);
    assert.equal(batch.threads["cnv_b"]!.messages.length, 100);
  });

  test("an empty batch leaves the state object as it was; a cursor alone moves lastSeq", () => {
    const st = startState();
    assert.equal(applyEvents(st, []), st);
    assert.equal(applyEvents(st, [], 42).lastSeq, 42);
    assert.equal(applyEvents(st, [], 42).threads, st.threads);
  });
});
