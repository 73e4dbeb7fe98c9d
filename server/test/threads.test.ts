/**
 * Threads and mentions (issue 17): replies with `threadId` stay out of the timeline and its unread
 * count, counted on the root and in the thread; follows (automatic and explicit) and thread read
 * marks; live delivery and /sync; @mentions stored, counted per conversation until read, told to
 * the mentioned user only, and refused for non-members. Real HTTP, real sockets, both databases.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { AuthResponse, ChatEvent, DataExport, Conversation, Message, SyncResponse, ThreadPage, ThreadState } from "@parley/sdk/protocol";
import { assertClientError } from "./helpers/api.js";
import { startServer, type TestServer } from "./helpers/harness.js";
import { connect, eventually, Recorder, request, type ClientSocket } from "./helpers/sockets.js";

let s: TestServer;
let t: Tenant;
let alice: AuthResponse, bob: AuthResponse, carol: AuthResponse, dave: AuthResponse;
let group: string;
const sockets: ClientSocket[] = [];

const tok = (u: AuthResponse) => ({ token: u.accessToken });

async function send(u: AuthResponse, conversationId: string, body: Record<string, unknown>): Promise<Message> {
  const res = await s.api.post<Message>(`/conversations/${conversationId}/messages`, { ...tok(u), body });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return res.body;
}

async function conversationOf(u: AuthResponse, id: string): Promise<Conversation> {
  const res = await s.api.get<{ conversation: Conversation }>(`/conversations/${id}`, tok(u));
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body.conversation;
}

async function listed(u: AuthResponse, id: string): Promise<Conversation> {
  const res = await s.api.get<{ items: Conversation[] }>("/conversations", tok(u));
  assert.equal(res.status, 200, JSON.stringify(res.body));
  const c = res.body.items.find((x) => x.id === id);
  assert.ok(c, "the conversation is listed");
  return c;
}

async function thread(u: AuthResponse, rootId: string, q = ""): Promise<ThreadPage> {
  const res = await s.api.get<ThreadPage>(`/messages/${rootId}/thread${q}`, tok(u));
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body;
}

/** A user of the host, signed in through a host token (the server API makes the groups: no invitations to accept). */
async function person(tn: Tenant, sub: string): Promise<AuthResponse> {
  const up = await s.api.post("/server/users", srv(tn, { sub, name: sub }));
  assert.ok(up.status === 201 || up.status === 200, JSON.stringify(up.body));
  const token = await s.api.post("/server/tokens", srv(tn, { sub }));
  const session = await s.api.post<AuthResponse>("/auth/host-token", { app: tn.app, body: { token: token.body.hostToken } });
  assert.equal(session.status, 200, JSON.stringify(session.body));
  return session.body;
}

async function newGroup(tn: Tenant, subs: string[]): Promise<string> {
  const res = await s.api.post("/server/conversations", srv(tn, { kind: "group", name: `G ${Math.random()}`, users: subs }));
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return res.body.conversation.id;
}

interface Tenant {
  app: string;
  auth: string;
}
const srv = (tn: Tenant, body?: unknown) => ({ headers: { Authorization: tn.auth }, ...(body === undefined ? {} : { body }) });

async function tenant(name: string): Promise<Tenant> {
  const { id } = await s.createTenant(name);
  const key = await s.services.serverKeys.create(id);
  return { app: id, auth: `Basic ${Buffer.from(`${key.id}:${key.secret}`).toString("base64")}` };
}

async function recorder(u: AuthResponse): Promise<Recorder> {
  const so = await connect(s, u.accessToken);
  sockets.push(so);
  return new Recorder(so);
}

before(async () => {
  s = await startServer();
  t = await tenant("Threads");
  [alice, bob, carol, dave] = (await Promise.all(["alice", "bob", "carol", "dave"].map((sub) => person(t, sub)))) as [
    AuthResponse,
    AuthResponse,
    AuthResponse,
    AuthResponse,
  ];
  group = await newGroup(t, ["alice", "bob", "carol"]);
});

after(async () => {
  for (const so of sockets) so.close();
  await s?.close();
});

describe("threads", () => {
  test("a reply counts on its root and in its thread, never in the timeline, its last message or unread count", async () => {
    const root = await send(alice, group, { text: "Lunch options?" });
    const before = await conversationOf(bob, group);
    const reply = await send(bob, group, { text: "Tacos", threadId: root.id });
    assert.equal(reply.threadId, root.id);

    const page = await thread(carol, root.id);
    assert.equal(page.root.id, root.id);
    assert.deepEqual(page.root.thread?.replyCount, 1);
    assert.deepEqual(
      page.items.map((m) => m.id),
      [reply.id],
    );
    const history = await s.api.get<{ items: Message[] }>(`/conversations/${group}/messages`, tok(carol));
    assert.ok(!history.body.items.some((m) => m.id === reply.id), "the reply is not in the timeline");
    assert.equal(history.body.items.find((m) => m.id === root.id)?.thread?.replyCount, 1, "the timeline's root carries the summary");
    const after = await conversationOf(carol, group);
    assert.equal(after.lastMessage?.id, root.id, "the last message is still the root");
    assert.equal(after.lastActivityAt, before.lastActivityAt);
    assert.equal(after.unreadCount, 1, "only the root is unread for Carol");
    // Bob replied without reading the timeline: his timeline read mark did not move.
    assert.equal((await conversationOf(bob, group)).unreadCount, before.unreadCount);
  });

  test("replies arrive live with the root's new summary; the root's author starts following", async () => {
    const [aliceRec, carolRec] = await Promise.all([recorder(alice), recorder(carol)]);
    const root = await send(alice, group, { text: "Who is in for Friday?" });
    const reply = await send(bob, group, { text: "Me", threadId: root.id });
    const live = await carolRec.wait("message.new", (e: ChatEvent) => e.type === "message.new" && e.data.message.id === reply.id);
    assert.equal(live.data.message.threadId, root.id);
    const updated = await carolRec.wait("thread.updated", (e) => e.data.rootId === root.id);
    assert.deepEqual(updated.data.thread.replyCount, 1);
    assert.equal(updated.conversationId, group);
    // Alice wrote the root: she follows now (told to her alone), Carol does not.
    const state = await aliceRec.wait("thread.state", (e) => e.data.rootId === root.id);
    assert.deepEqual(state.data, { conversationId: group, rootId: root.id, following: true, lastReadMessageId: "0" } satisfies ThreadState);
    assert.equal(state.conversationId, null);
    assert.ok(!carolRec.events.some((e) => e.name === "thread.state" && e.payload.data.rootId === root.id), "Carol is not told Alice's state");
    assert.equal((await thread(alice, root.id)).following, true);
    assert.equal((await thread(carol, root.id)).following, false);
    assert.equal((await thread(bob, root.id)).following, true, "the replier follows");
    assert.equal((await thread(bob, root.id)).unreadCount, 0, "and has read up to their reply");
  });

  test("follow, unread in the thread and in the list, read marks, unfollow and following again by replying", async () => {
    const root = await send(alice, group, { text: "Book club pick" });
    const first = await send(bob, group, { text: "Dune", threadId: root.id });
    const followed = await s.api.put<ThreadState>(`/messages/${root.id}/thread/follow`, tok(carol));
    assert.equal(followed.status, 200, JSON.stringify(followed.body));
    assert.equal(followed.body.following, true);
    await send(bob, group, { text: "Or Emma", threadId: root.id });
    assert.equal((await thread(carol, root.id)).unreadCount, 2);
    assert.equal((await listed(carol, group)).threadUnreadCount, 2);
    assert.equal((await thread(alice, root.id)).following, true, "the root's author follows too");
    // Alice follows the earlier tests' threads as well: this one adds its 2.
    const aliceOthers = ((await conversationOf(alice, group)).threadUnreadCount ?? 0) - (await thread(alice, root.id)).unreadCount;
    assert.equal((await thread(alice, root.id)).unreadCount, 2);

    const page = await thread(carol, root.id, "?limit=1");
    assert.equal(page.items.length, 1);
    assert.ok(page.nextCursor);
    const older = await thread(carol, root.id, `?before=${page.nextCursor}`);
    assert.deepEqual(
      older.items.map((m) => m.id),
      [first.id],
      "keyset paging reaches the first reply",
    );
    const read = await s.api.post<ThreadState>(`/messages/${root.id}/thread/read`, { ...tok(carol), body: { messageId: page.items[0]!.id } });
    assert.equal(read.status, 200, JSON.stringify(read.body));
    assert.equal(read.body.lastReadMessageId, page.items[0]!.id);
    assert.equal((await thread(carol, root.id)).unreadCount, 0);
    assert.equal((await conversationOf(carol, group)).threadUnreadCount, undefined, "absent when 0");
    // A read mark never moves back.
    await s.api.post(`/messages/${root.id}/thread/read`, { ...tok(carol), body: { messageId: first.id } });
    assert.equal((await thread(carol, root.id)).lastReadMessageId, page.items[0]!.id);

    const off = await s.api.del<ThreadState>(`/messages/${root.id}/thread/follow`, tok(alice));
    assert.equal(off.body.following, false);
    await send(bob, group, { text: "Or both", threadId: root.id });
    assert.equal((await conversationOf(alice, group)).threadUnreadCount ?? 0, aliceOthers, "an unfollowed thread is not counted");
    assert.equal((await thread(alice, root.id)).unreadCount, 3, "but the thread still knows what is unread");
    assert.equal((await thread(alice, root.id)).following, false, "a reply to her root does not override her unfollow");
    await send(alice, group, { text: "Both!", threadId: root.id });
    const again = await thread(alice, root.id);
    assert.equal(again.following, true, "replying follows again");
    assert.equal(again.unreadCount, 0, "and reads up to the reply");
    // A deleted reply is no longer unread; the root keeps counting it as a reply.
    const late = await send(bob, group, { text: "oops", threadId: root.id });
    // Carol read up to the second reply: "Or both", "Both!" and "oops" are unread.
    assert.equal((await thread(carol, root.id)).unreadCount, 3);
    assert.equal((await s.api.del(`/messages/${late.id}`, tok(bob))).status, 204);
    const afterDelete = await thread(carol, root.id);
    assert.equal(afterDelete.unreadCount, 2);
    assert.equal(afterDelete.root.thread?.replyCount, 5);
  });

  test("a client that was away gets the replies and the summary through /sync; the thread's state only its user", async () => {
    const head = await s.api.get<SyncResponse>("/sync?since=0&limit=1", tok(carol));
    let since = head.body.lastSeq;
    for (let more = true; more; ) {
      const r = await s.api.get<SyncResponse>(`/sync?since=${since}&limit=500`, tok(carol));
      since = r.body.lastSeq;
      more = r.body.hasMore;
    }
    const root = await send(alice, group, { text: "Trip photos" });
    const reply = await send(bob, group, { text: "Here", threadId: root.id });
    const sync = await s.api.get<SyncResponse>(`/sync?since=${since}`, tok(carol));
    const events = sync.body.events;
    assert.ok(events.some((e) => e.type === "message.new" && e.data.message.id === reply.id && e.data.message.threadId === root.id));
    assert.ok(events.some((e) => e.type === "thread.updated" && e.data.rootId === root.id && e.data.thread.replyCount === 1));
    assert.ok(!events.some((e) => e.type === "thread.state"), "Alice's and Bob's follows are theirs");
    const bobs = await s.api.get<SyncResponse>(`/sync?since=${since}`, tok(bob));
    assert.ok(bobs.body.events.some((e) => e.type === "thread.state" && e.data.rootId === root.id && e.data.lastReadMessageId === reply.id));
  });

  test("replies over the socket, with mentions", async () => {
    const bobRec = await recorder(bob);
    const aliceSo = await connect(s, alice.accessToken);
    sockets.push(aliceSo);
    const root = await send(carol, group, { text: "Socket root" });
    const ack = await request<Message>(aliceSo, "message.send", { conversationId: group, text: "@Bob look", threadId: root.id, mentions: [bob.user.id] });
    assert.ok(ack.ok, JSON.stringify(ack));
    assert.equal(ack.data.threadId, root.id);
    assert.deepEqual(ack.data.mentions, [bob.user.id]);
    const mention = await bobRec.wait("mention", (e) => e.data.messageId === ack.data.id);
    assert.deepEqual(mention.data, { conversationId: group, messageId: ack.data.id, threadId: root.id, senderId: alice.user.id });
    // Mentioned in a thread: Bob follows it, and the mention counts until he reads the thread.
    assert.equal((await thread(bob, root.id)).following, true);
    assert.ok(((await conversationOf(bob, group)).mentionCount ?? 0) >= 1);
    await s.api.post(`/messages/${root.id}/thread/read`, { ...tok(bob), body: { messageId: ack.data.id } });
    assert.equal((await conversationOf(bob, group)).mentionCount, undefined);
    const bad = await request(aliceSo, "message.send", { conversationId: group, text: "x", threadId: ack.data.id });
    assert.ok(!bad.ok);
    assert.equal(bad.error.code, "validation_failed");
  });

  test("a reaction to a reply says which thread it is in; one to a timeline message says none", async () => {
    const carolRec = await recorder(carol);
    const root = await send(alice, group, { text: "React here" });
    const reply = await send(bob, group, { text: "and here", threadId: root.id });
    assert.equal((await s.api.put(`/messages/${reply.id}/reactions/${encodeURIComponent("👍")}`, tok(alice))).status, 200);
    assert.equal((await s.api.put(`/messages/${root.id}/reactions/${encodeURIComponent("👍")}`, tok(alice))).status, 200);
    const onReply = await carolRec.wait("reaction.updated", (e) => e.data.messageId === reply.id);
    assert.equal(onReply.data.threadId, root.id);
    const onRoot = await carolRec.wait("reaction.updated", (e) => e.data.messageId === root.id);
    assert.equal(onRoot.data.threadId, undefined);
  });

  test("a user's export names the thread of each of their replies", async () => {
    const root = await send(alice, group, { text: "Export root" });
    const reply = await send(bob, group, { text: "Export reply", threadId: root.id });
    const res = await s.api.get<DataExport>("/me/export", tok(bob));
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.messages.find((m) => m.id === reply.id)?.threadId, root.id);
    const own = await s.api.get<DataExport>("/me/export", tok(alice));
    assert.equal(own.body.messages.find((m) => m.id === root.id)?.threadId, undefined);
  });

  test("a thread root must be a live timeline message of the same conversation; others' threads are 404", async () => {
    const root = await send(alice, group, { text: "Root" });
    const reply = await send(bob, group, { text: "Reply", threadId: root.id });
    const other = await newGroup(t, ["alice", "bob"]);
    const elsewhere = await send(alice, other, { text: "Elsewhere" });
    const gone = await send(alice, group, { text: "Gone" });
    await s.api.del(`/messages/${gone.id}`, tok(alice));
    for (const [threadId, why] of [
      [reply.id, "threads do not nest"],
      [elsewhere.id, "another conversation"],
      [gone.id, "a deleted message"],
      ["999999999", "no such message"],
    ] as const) {
      const res = await s.api.post(`/conversations/${group}/messages`, { ...tok(bob), body: { text: "x", threadId } });
      assertClientError(res, { status: 400, code: "validation_failed" });
      assert.equal(res.body.error.details?.[0]?.path, "threadId", why);
    }
    // Carol is not in `other`; Dave is in nothing; another app's user sees nothing either.
    assertClientError(await s.api.get(`/messages/${elsewhere.id}/thread`, tok(carol)), { status: 404 });
    assertClientError(await s.api.put(`/messages/${root.id}/thread/follow`, tok(dave)), { status: 404 });
    const { id: otherApp } = await s.createTenant("Elsewhere");
    const stranger = await s.api.register(otherApp);
    assertClientError(await s.api.get(`/messages/${root.id}/thread`, tok(stranger)), { status: 404 });
    assertClientError(await s.api.get(`/messages/${reply.id}/thread`, tok(bob)), { status: 404 });
    // A reply's id as the read mark of another thread is refused.
    const read = await s.api.post(`/messages/${root.id}/thread/read`, { ...tok(bob), body: { messageId: elsewhere.id } });
    assertClientError(read, { status: 400, code: "validation_failed" });
  });
});

describe("mentions", () => {
  test("stored with the message, counted for the mentioned member until read, told to them only", async () => {
    const [bobRec, carolRec] = await Promise.all([recorder(bob), recorder(carol)]);
    const m = await send(alice, group, { text: "@Bob can you check?", mentions: [bob.user.id] });
    assert.deepEqual(m.mentions, [bob.user.id]);
    const got = await bobRec.wait("mention", (e) => e.data.messageId === m.id);
    assert.equal(got.userId, bob.user.id);
    assert.equal(got.data.threadId, null);
    await carolRec.wait("message.new", (e) => e.data.message.id === m.id);
    assert.ok(!carolRec.events.some((e) => e.name === "mention" && e.payload.data.messageId === m.id), "Carol is not told");
    assert.deepEqual((await s.api.get<Message>(`/messages/${m.id}`, tok(carol))).body.mentions, [bob.user.id]);
    assert.equal((await listed(bob, group)).mentionCount, 1);
    assert.equal((await conversationOf(carol, group)).mentionCount, undefined);
    await s.api.post(`/conversations/${group}/read`, { ...tok(bob), body: { messageId: m.id } });
    assert.equal((await conversationOf(bob, group)).mentionCount, undefined, "reading the conversation clears it");
  });

  test("a mention of a non-member is refused and nothing is stored; self-mentions are not counted", async () => {
    const { id: otherApp } = await s.createTenant("Mentions elsewhere");
    const stranger = await s.api.register(otherApp);
    const before = await s.api.get<{ items: Message[] }>(`/conversations/${group}/messages?limit=1`, tok(alice));
    for (const who of [dave.user.id, stranger.user.id, "usr_doesnotexist"]) {
      const res = await s.api.post(`/conversations/${group}/messages`, { ...tok(alice), body: { text: "@x hi", mentions: [bob.user.id, who] } });
      assertClientError(res, { status: 400, code: "validation_failed" });
      assert.equal(res.body.error.details?.[0]?.path, "mentions");
    }
    const afterRes = await s.api.get<{ items: Message[] }>(`/conversations/${group}/messages?limit=1`, tok(alice));
    assert.equal(afterRes.body.items[0]?.id, before.body.items[0]?.id, "no message was stored");
    const mine = await send(alice, group, { text: "@me note to self", mentions: [alice.user.id] });
    assert.deepEqual(mine.mentions, [alice.user.id]);
    assert.equal((await conversationOf(alice, group)).mentionCount, undefined);
  });

  test("a deleted message's mention no longer counts, and a tombstone names no one", async () => {
    const m = await send(carol, group, { text: "@Bob ping", mentions: [bob.user.id] });
    assert.equal((await conversationOf(bob, group)).mentionCount, 1);
    assert.equal((await s.api.del(`/messages/${m.id}`, tok(carol))).status, 204);
    assert.equal((await conversationOf(bob, group)).mentionCount, undefined);
    await eventually(async () => {
      const h = await s.api.get<{ items: Message[] }>(`/conversations/${group}/messages?limit=5`, tok(bob));
      const t = h.body.items.find((x) => x.id === m.id);
      return t !== undefined && t.deletedAt !== null && t.mentions === undefined;
    }, "the tombstone without mentions");
  });
});
