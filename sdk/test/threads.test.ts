// Threads and @mentions in the SDK (issue 17): ConversationHandle.thread(rootId) and the store's
// `replies`, against a real server — live replies that never enter the timeline, the root's reply
// count, follows, unread counts and read marks, catch-up after a cut, mentions and their count;
// then the reducer alone.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { startServer, type TestServer } from "../../server/test/helpers/harness.js";
import { ChatClient, ChatError, INITIAL_STATE, type ChatEvent, type ChatState, type Conversation, type Message } from "../src/index.js";
import { applyEvent, applyEvents } from "../src/reducer.js";
import { clientFactory, heldAnswers, until } from "./helpers/clients.js";

let s: TestServer;
let app: string;
const clients = clientFactory(() => ({ server: s.url, appId: app }));

before(async () => {
  s = await startServer();
  app = (await s.createTenant("SDK threads", ["*"])).id;
});
after(async () => {
  clients.closeAll();
  await s?.close();
});

/** A public group made by the first client, joined by the others. */
async function group(owner: ChatClient, ...others: ChatClient[]): Promise<string> {
  const c = await owner.createGroup({ name: `Threads ${Math.random().toString(36).slice(2, 6)}`, memberIds: [], isPublic: true });
  for (const o of others) await o.join(c.id);
  return c.id;
}

/** What the server lists for this conversation, as `viewer` sees it (mention and thread counts). */
async function listed(viewer: ChatClient, id: string): Promise<Conversation> {
  const c = (await viewer.listConversations()).items.find((x) => x.id === id);
  assert.ok(c, "listed");
  return c;
}

describe("threads through the SDK", () => {
  test("a reply sent through a ThreadHandle reaches the other member's loaded thread live, never their timeline; the root's reply count updates on both", async () => {
    const alice = await clients.signUp("Alice");
    const bob = await clients.signUp("Bob");
    const g = await group(alice, bob);
    const root = await alice.conversation(g).send("a question");
    await until(() => bob.conversation(g).messages.some((m) => m.id === root.id), "Bob has the root");
    bob.conversation(g).markRead();
    await until(() => bob.store.state.conversations[g]!.unreadCount === 0, "Bob read the timeline");

    const bobThread = bob.conversation(g).thread(root.id);
    assert.equal(bob.store.state.replies[root.id], undefined, "not loaded yet");
    const page = await bobThread.load();
    assert.equal(page.root.id, root.id);
    assert.deepEqual(bobThread.messages, []);
    assert.equal(bobThread.state?.root?.id, root.id);
    assert.equal(bobThread.state?.following, false);
    assert.equal(bobThread.state?.hasOlder, false);

    const aliceThread = alice.conversation(g).thread(root.id);
    const sending = aliceThread.send("an answer");
    assert.deepEqual(
      aliceThread.messages.map((m) => [m.text, m.status, m.threadId]),
      [["an answer", "pending", root.id]],
      "shows at once, pending, in the thread",
    );
    const reply = await sending;
    assert.equal(reply.threadId, root.id);
    assert.deepEqual(
      aliceThread.messages.map((m) => [m.id, m.status]),
      [[reply.id, "sent"]],
      "the pending copy became the sent reply, once",
    );

    await until(() => bobThread.messages.some((m) => m.id === reply.id), "Bob's open thread has the reply");
    for (const c of [alice, bob]) {
      assert.ok(!c.conversation(g).messages.some((m) => m.id === reply.id), "never in the timeline");
      assert.equal(c.store.state.conversations[g]!.lastMessage?.id, root.id, "the last message is still the root");
    }
    assert.equal(bob.store.state.conversations[g]!.unreadCount, 0, "a reply is not a timeline unread");
    assert.equal(bobThread.state?.unreadCount, 1);

    const replyCount = (c: ChatClient) => c.conversation(g).messages.find((m) => m.id === root.id)?.thread?.replyCount;
    await until(() => replyCount(alice) === 1 && replyCount(bob) === 1, "the root's reply count on both timelines");
    await until(() => bobThread.state?.root?.thread?.replyCount === 1, "and on the root of Bob's thread");
    assert.equal(bob.store.state.conversations[g]!.lastMessage?.thread?.replyCount, 1, "and on the list's preview");
  });

  test("follow, unfollow, unread replies and markRead, as the server counts them", async () => {
    const alice = await clients.signUp("Ann");
    const bob = await clients.signUp("Ben");
    const g = await group(alice, bob);
    const root = await alice.conversation(g).send("root");
    const aliceThread = alice.conversation(g).thread(root.id);
    const bobThread = bob.conversation(g).thread(root.id);
    await aliceThread.load();
    await bobThread.load();

    // The root's author follows once it has replies; her own reply is read.
    const first = await aliceThread.send("first");
    await until(() => aliceThread.state?.following === true, "Alice follows (thread.state)");
    assert.equal(aliceThread.state?.lastReadMessageId, first.id);
    assert.equal(aliceThread.state?.unreadCount, 0);
    await until(() => bobThread.state?.unreadCount === 1, "Bob has one unread reply");
    assert.equal(bobThread.state?.following, false);
    assert.equal((await listed(bob, g)).threadUnreadCount, undefined, "not followed: not in the conversation's count");

    const states: boolean[] = [];
    bob.on("thread.state", (e) => states.push(e.data.following));
    const followed = await bobThread.follow();
    assert.equal(followed.following, true);
    await until(() => bobThread.state?.following === true, "the store follows when thread.state comes back");
    const second = await aliceThread.send("second");
    await until(() => bobThread.state?.unreadCount === 2, "two unread replies");
    assert.equal((await listed(bob, g)).threadUnreadCount, 2);

    await bobThread.markRead();
    await until(() => bobThread.state?.lastReadMessageId === second.id, "the read mark moves when thread.state comes back");
    assert.equal(bobThread.state?.unreadCount, 0);
    assert.equal((await listed(bob, g)).threadUnreadCount, undefined, "read: nothing unread in followed threads");
    assert.equal((await bobThread.load()).unreadCount, 0);

    const stopped = await bobThread.unfollow();
    assert.equal(stopped.following, false);
    await until(() => bobThread.state?.following === false, "unfollowed");
    await until(() => states.length >= 3, "Bob's own changes come back as thread.state too");
    assert.deepEqual(states.slice(0, 3), [true, true, false]);

    // Replying follows again, and reads up to the reply.
    const third = await aliceThread.send("third");
    await until(() => bobThread.state?.unreadCount === 1, "an unread reply");
    const mine = await bobThread.send("me too");
    await until(() => bobThread.state?.following === true && bobThread.state.lastReadMessageId === mine.id, "Bob follows by replying");
    assert.equal(bobThread.state?.unreadCount, 0);
    assert.deepEqual(
      bobThread.messages.map((m) => m.id),
      [first.id, second.id, third.id, mine.id],
    );
  });

  test("older replies page in; a reply's edit and deletion replace it in the thread, my reaction's answer too", async () => {
    const alice = await clients.signUp("Amy");
    const bob = await clients.signUp("Bill");
    const g = await group(alice, bob);
    const root = await alice.conversation(g).send("root");
    const sent: Message[] = [];
    for (let i = 0; i < 5; i++) sent.push(await alice.conversation(g).thread(root.id).send(`reply ${i}`));
    const t = bob.conversation(g).thread(root.id);
    await t.load(2);
    assert.deepEqual(
      t.messages.map((m) => m.text),
      ["reply 3", "reply 4"],
    );
    assert.equal(t.state?.hasOlder, true);
    await t.loadOlder(2);
    await t.loadOlder(2);
    assert.deepEqual(
      t.messages.map((m) => m.text),
      sent.map((m) => m.text),
    );
    assert.equal(t.state?.hasOlder, false);

    const target = sent[4]!;
    await alice.conversation(g).edit(target.id, "reply 4, edited");
    await until(() => t.messages.at(-1)?.text === "reply 4, edited", "the edit reaches Bob's thread");
    await bob.conversation(g).react(target.id, "👍");
    assert.deepEqual(t.messages.at(-1)?.reactions, [{ emoji: "👍", count: 1, mine: true }]);
    await alice.conversation(g).delete(target.id);
    await until(() => t.messages.at(-1)?.deletedAt !== null, "the deletion reaches Bob's thread");
    assert.equal(t.messages.at(-1)?.text, null);
    assert.ok(!bob.conversation(g).messages.some((m) => m.threadId), "no reply in the timeline");
  });

  test("someone else's reaction to a reply reaches my loaded thread; a deleted account's replies become tombstones there; leaving drops the conversation's threads", async () => {
    const alice = await clients.signUp("Ada");
    const bob = await clients.signUp("Bo");
    const carol = await clients.signUp("Cy");
    const g = await group(alice, bob, carol);
    const root = await alice.conversation(g).send("root");
    const fromCarol = await carol.conversation(g).thread(root.id).send("carol's reply");
    const t = bob.conversation(g).thread(root.id);
    await t.load();
    await alice.conversation(g).react(fromCarol.id, "🎉");
    await until(() => t.messages.find((m) => m.id === fromCarol.id)?.reactions[0]?.count === 1, "Alice's reaction in Bob's thread");
    assert.equal(t.messages.find((m) => m.id === fromCarol.id)?.reactions[0]?.mine, false);

    await carol.deleteAccount({ password: "correct horse battery" });
    await until(() => t.messages.find((m) => m.id === fromCarol.id)?.text === null, "Carol's reply is a tombstone in Bob's thread");
    assert.equal(t.messages.find((m) => m.id === fromCarol.id)?.deletedAt !== null, true);

    await bob.conversation(g).leave();
    await until(() => bob.store.state.conversations[g] === undefined, "Bob left");
    assert.equal(bob.store.state.replies[root.id], undefined, "the thread went with the conversation");
  });

  test("a conversation read before I left, answered after, does not come back (the refresh after a reply can meet a leave)", async () => {
    // The answer to Bo's next read of the conversation is held, once the server has read it, until
    // Bo has heard that he left (the refresh a join asks for may be the one held: the same case).
    const answers = heldAnswers((url, method) => method === "GET" && /\/conversations\/[^/?]+$/.test(url));
    const bo = await clients.signUp("Bo", { fetch: answers.fetch });
    const ann = await clients.signUp("Ann");
    const g = await group(ann, bo);
    await until(() => bo.store.state.conversations[g] !== undefined, "Bo has the group");
    const read = answers.holdNext(new Promise((left) => bo.on("member.removed", left)));
    const refreshing = bo.conversation(g).refresh();
    await read;
    await bo.conversation(g).leave();
    await refreshing;
    assert.equal(bo.store.state.conversations[g], undefined, "the late answer did not bring it back");
  });

  test("a thread's page read before a reply, or before my read mark moved, keeps what the events said", async () => {
    // The answer to Bo's next thread page is held, once the server has read it, until Bo has heard
    // the event that came after: a reply to the thread (it had nowhere to go before the first page
    // and was dropped), then his own read mark moving on (the page's older mark moved it back).
    const answers = heldAnswers((url, method) => method === "GET" && /\/messages\/[^/]+\/thread\?/.test(url));
    const bo = await clients.signUp("Bo", { fetch: answers.fetch });
    const ann = await clients.signUp("Ann");
    const g = await group(ann, bo);
    const root = await ann.conversation(g).send("the root");
    await ann.conversation(g).thread(root.id).send("first reply");
    const thread = bo.conversation(g).thread(root.id);

    let read = answers.holdNext(new Promise((heard) => bo.on("message.new", (e) => e.data.message.text === "second reply" && heard(e))));
    let loading = thread.load();
    await read;
    const second = await ann.conversation(g).thread(root.id).send("second reply");
    await loading;
    assert.deepEqual(
      thread.messages.map((m) => m.text),
      ["first reply", "second reply"],
      "the reply heard while the first page was on its way is in the thread",
    );
    assert.equal(thread.state?.unreadCount, 2);

    read = answers.holdNext(new Promise((heard) => bo.on("thread.state", (e) => e.data.lastReadMessageId === second.id && heard(e))));
    loading = thread.load();
    await read;
    await thread.markRead();
    await loading;
    assert.equal(thread.state?.lastReadMessageId, second.id, "the read mark does not move back with the page read before it");
    assert.equal(thread.state?.unreadCount, 0);
  });

  test("the conversation's threadUnreadCount and mentionCount follow replies in threads I follow without loading them, and my thread reads", async () => {
    const alice = await clients.signUp("Ari");
    const bob = await clients.signUp("Ben");
    const g = await group(alice, bob);
    const root = await bob.conversation(g).send("Bob's root: he follows its thread");
    await alice.conversation(g).thread(root.id).send("first");
    await until(() => bob.store.state.conversations[g]?.threadUnreadCount === 1, "one unread reply counted without opening the thread");
    await alice
      .conversation(g)
      .thread(root.id)
      .send("@Ben second", { mentions: [bob.user!.id] });
    await until(
      () => bob.store.state.conversations[g]?.threadUnreadCount === 2 && bob.store.state.conversations[g]?.mentionCount === 1,
      "two, one mentioning him",
    );
    const t = bob.conversation(g).thread(root.id);
    await t.load();
    await t.markRead();
    await until(
      () => bob.store.state.conversations[g]?.threadUnreadCount === undefined && bob.store.state.conversations[g]?.mentionCount === undefined,
      "reading the thread clears both",
    );
  });

  test("after a disconnect, catch-up through /sync brings the missed replies into the thread; a reply written offline goes out on reconnect", async () => {
    const alice = await clients.signUp("Ada");
    const bob = await clients.signUp("Bo");
    const g = await group(alice, bob);
    const root = await alice.conversation(g).send("root");
    const t = bob.conversation(g).thread(root.id);
    await t.load();
    await t.follow();

    bob.disconnect();
    await until(() => bob.store.state.connection === "disconnected", "Bob offline");
    const missed: Message[] = [];
    for (let i = 0; i < 3; i++) missed.push(await alice.conversation(g).thread(root.id).send(`missed ${i}`));
    const offline = t.send("written offline");
    assert.equal(t.messages.at(-1)?.status, "pending");

    bob.connect();
    const mine = await offline;
    await until(() => bob.store.state.sync === "idle" && t.messages.length === 4, "Bob caught up");
    assert.deepEqual(
      t.messages.map((m) => [m.id, m.status]),
      [...missed.map((m) => [m.id, "sent"]), [mine.id, "sent"]],
      "each once, in order, sent",
    );
    assert.ok(!bob.conversation(g).messages.some((m) => m.threadId), "no reply in the timeline");
    assert.equal(bob.store.state.conversations[g]!.lastMessage?.id, root.id);
    await until(() => t.state?.root?.thread?.replyCount === 4, "the root's count");
    assert.equal(t.state?.unreadCount, 0, "replying read the missed replies");
  });
});

describe("mentions through the SDK", () => {
  test("the mentioned member gets a mention event and a mention count, cleared when they read; the sender gets neither", async () => {
    const alice = await clients.signUp("Alma");
    const carol = await clients.signUp("Carol");
    const g = await group(alice, carol);
    const heard: { messageId: string; threadId: string | null; senderId: string | null }[] = [];
    carol.on("mention", (e) => heard.push(e.data));
    const aliceHeard: unknown[] = [];
    alice.on("mention", (e) => aliceHeard.push(e));

    const m = await alice.conversation(g).send("@Carol look", { mentions: [carol.user!.id] });
    assert.deepEqual(m.mentions, [carol.user!.id]);
    await until(() => heard.length === 1, "Carol heard the mention");
    assert.deepEqual(heard[0], { conversationId: g, messageId: m.id, threadId: null, senderId: alice.user!.id });
    await until(() => carol.store.state.conversations[g]?.mentionCount === 1, "Carol's mention count");
    assert.equal((await listed(carol, g)).mentionCount, 1);
    assert.deepEqual(carol.conversation(g).messages.find((x) => x.id === m.id)?.mentions, [carol.user!.id]);

    carol.conversation(g).markRead();
    await until(() => !carol.store.state.conversations[g]?.mentionCount, "read: the count clears");
    assert.equal((await listed(carol, g)).mentionCount, undefined);

    // In a thread: the event names it; reading the thread clears it on the server.
    const t = carol.conversation(g).thread(m.id);
    await t.load();
    const reply = await alice
      .conversation(g)
      .thread(m.id)
      .send("@Carol here too", { mentions: [carol.user!.id] });
    await until(() => heard.length === 2, "the thread mention");
    assert.equal(heard[1]?.threadId, m.id);
    assert.equal(heard[1]?.messageId, reply.id);
    await until(() => carol.store.state.conversations[g]?.mentionCount === 1, "counted");
    await until(() => t.state?.following === true, "a mention follows the thread");
    await until(() => t.messages.some((x) => x.id === reply.id), "the reply in Carol's thread");
    await t.markRead();
    assert.equal((await listed(carol, g)).mentionCount, undefined);
    assert.equal(aliceHeard.length, 0, "the sender hears no mention");
  });

  test("a mention of a non-member, or a reply to a reply, is refused with validation_failed on its field and stays failed", async () => {
    const alice = await clients.signUp("Abe");
    const dave = await clients.signUp("Dave");
    const g = await group(alice);
    const refused = await alice
      .conversation(g)
      .send("@Dave hi", { mentions: [dave.user!.id] })
      .catch((e: unknown) => e);
    assert.ok(refused instanceof ChatError, String(refused));
    assert.equal(refused.code, "validation_failed");
    assert.match(JSON.stringify(refused.details), /mentions/);
    assert.equal(alice.conversation(g).messages.at(-1)?.status, "failed");

    const root = await alice.conversation(g).send("root");
    const reply = await alice.conversation(g).thread(root.id).send("reply");
    const nested = await alice
      .conversation(g)
      .thread(reply.id)
      .send("nested")
      .catch((e: unknown) => e);
    assert.ok(nested instanceof ChatError, String(nested));
    assert.equal(nested.code, "validation_failed");
    assert.match(JSON.stringify(nested.details), /threadId/);
    const failed = alice.conversation(g).thread(reply.id).messages;
    assert.deepEqual(
      failed.map((m) => m.status),
      ["failed"],
    );
    alice.conversation(g).discard(failed[0]!.clientMessageId!);
    assert.deepEqual(alice.conversation(g).thread(reply.id).messages, []);
  });
});

// --- The reducer alone ------------------------------------------------------------------------

const ME = "usr_me";
const PEER = "usr_peer";
const at = (i: number): string => new Date(Date.parse("2025-01-01T00:00:00Z") + i * 1000).toISOString();

function message(id: number, extra: Partial<Message> = {}): Message {
  return {
    id: String(id),
    conversationId: "cnv",
    senderId: PEER,
    text: `m${id}`,
    attachments: [],
    replyToId: null,
    clientMessageId: null,
    reactions: [],
    createdAt: at(id),
    editedAt: null,
    deletedAt: null,
    ...extra,
  };
}

function startState(): ChatState {
  const member = (userId: string) => ({ userId, role: "member" as const, joinedAt: at(0), lastReadMessageId: "1" });
  const root = message(1);
  return {
    ...INITIAL_STATE,
    me: { id: ME, displayName: "Me", bio: "", avatarUrl: null, externalId: null, lastSeenAt: null, createdAt: at(0), email: null, appId: "app" },
    conversations: {
      cnv: {
        id: "cnv",
        kind: "group",
        name: "G",
        isPublic: false,
        createdAt: at(0),
        lastActivityAt: at(1),
        members: [member(ME), member(PEER)],
        users: [],
        lastMessage: root,
        unreadCount: 0,
        myRole: "member",
      },
    },
    conversationOrder: ["cnv"],
    threads: { cnv: { messages: [{ ...root, status: "sent" }], hasOlder: false } },
    replies: {
      "1": { conversationId: "cnv", root, messages: [], hasOlder: false, following: true, unreadCount: 0, lastReadMessageId: "0" },
    },
    lastSeq: 10,
  };
}

describe("the reducer: replies and mentions", () => {
  test("replies go into their loaded thread only, counted unread there; a batch equals one by one and applying twice changes nothing", () => {
    let seq = 10;
    const ev = (type: ChatEvent["type"], data: unknown): ChatEvent =>
      ({ seq: ++seq, type, conversationId: "cnv", userId: null, at: at(seq), data }) as ChatEvent;
    const events: ChatEvent[] = [
      ev("message.new", { message: message(2, { threadId: "1" }) }),
      ev("message.new", { message: message(3, { threadId: "1", senderId: ME }) }),
      ev("message.new", { message: message(4, { threadId: "99" }) }),
      ev("thread.updated", { conversationId: "cnv", rootId: "1", thread: { replyCount: 2, lastReplyAt: at(3) } }),
      ev("message.updated", { message: message(2, { threadId: "1", text: "edited" }) }),
      ev("mention", { conversationId: "cnv", messageId: "5", threadId: null, senderId: PEER }),
      ev("mention", { conversationId: "cnv", messageId: "1", threadId: null, senderId: PEER }),
    ];
    const batch = applyEvents(startState(), events);
    assert.deepEqual(batch, events.reduce(applyEvent, startState()));
    // A mention counts each time it is applied: the client applies each seq once.
    const again = events.filter((e) => e.type !== "mention");
    assert.deepEqual(applyEvents(batch, again), batch, "applied again: nothing changes");

    const r = batch.replies["1"]!;
    assert.deepEqual(
      r.messages.map((m) => [m.id, m.text]),
      [
        ["2", "edited"],
        ["3", "m3"],
      ],
    );
    assert.equal(r.unreadCount, 1, "the peer's reply; mine is not unread");
    assert.equal(batch.replies["99"], undefined, "a thread not loaded stays so");
    assert.deepEqual(
      batch.threads["cnv"]!.messages.map((m) => m.id),
      ["1"],
      "no reply in the timeline",
    );
    const c = batch.conversations["cnv"]!;
    assert.equal(c.lastMessage?.id, "1");
    assert.equal(c.unreadCount, 0);
    assert.equal(c.lastActivityAt, at(1));
    for (const root of [batch.threads["cnv"]!.messages[0], r.root, c.lastMessage]) assert.deepEqual(root?.thread, { replyCount: 2, lastReplyAt: at(3) });
    assert.equal(c.mentionCount, 1, "the unread mention counts; the one before my read mark does not");
  });

  test("thread.state moves the read mark forward only and recounts; my own read of the conversation clears its mentions", () => {
    const base = applyEvents(startState(), [
      { seq: 11, type: "message.new", conversationId: "cnv", userId: null, at: at(11), data: { message: message(2, { threadId: "1" }) } },
      { seq: 12, type: "message.new", conversationId: "cnv", userId: null, at: at(12), data: { message: message(3, { threadId: "1" }) } },
      {
        seq: 13,
        type: "mention",
        conversationId: null,
        userId: ME,
        at: at(13),
        data: { conversationId: "cnv", messageId: "4", threadId: null, senderId: PEER },
      },
    ]);
    assert.equal(base.replies["1"]!.unreadCount, 2);
    const state = (seq: number, mark: string, following: boolean): ChatEvent => ({
      seq,
      type: "thread.state",
      conversationId: null,
      userId: ME,
      at: at(seq),
      data: { conversationId: "cnv", rootId: "1", following, lastReadMessageId: mark },
    });
    const read = applyEvents(base, [state(14, "2", true)]);
    assert.deepEqual([read.replies["1"]!.unreadCount, read.replies["1"]!.lastReadMessageId], [1, "2"]);
    const back = applyEvents(read, [state(15, "0", false)]);
    assert.deepEqual([back.replies["1"]!.unreadCount, back.replies["1"]!.lastReadMessageId, back.replies["1"]!.following], [1, "2", false]);
    assert.equal(back.conversations["cnv"]!.mentionCount, 1);
    const cleared = applyEvents(back, [
      { seq: 16, type: "read.updated", conversationId: "cnv", userId: null, at: at(16), data: { conversationId: "cnv", userId: ME, lastReadMessageId: "4" } },
    ]);
    assert.equal(cleared.conversations["cnv"]!.mentionCount, 0);
    assert.equal(cleared.replies["1"]!.unreadCount, 1, "the thread's own count stays");
  });
});
