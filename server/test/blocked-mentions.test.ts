/**
 * A block reaches into shared groups (red-team finding G6): the blocker is not notified by the user
 * they blocked. Their @mentions raise no `mention` event, no mentionCount and no follow for the
 * blocker (others mentioned in the same message get all three), their reply to the blocker's root
 * makes the blocker follow nothing, and their typing is not relayed to the blocker. The message
 * itself is unchanged for every reader, the blocked sender included: blocking stays silent.
 * Every "nothing arrived" is checked against a later event on the same socket, never a sleep.
 * Real HTTP, real sockets, both databases.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { AuthResponse, ChatEvent, Conversation, Message, SyncResponse, ThreadPage } from "@parley/sdk/protocol";
import { startServer, type TestServer } from "./helpers/harness.js";
import { recordQueries } from "./helpers/queries.js";
import { connect, Recorder, request, type ClientSocket } from "./helpers/sockets.js";

let s: TestServer;
let ann: AuthResponse, ben: AuthResponse, cat: AuthResponse, dan: AuthResponse;
let group: string;
const sockets: ClientSocket[] = [];

const tok = (u: AuthResponse) => ({ token: u.accessToken });

async function send(u: AuthResponse, body: Record<string, unknown>): Promise<Message> {
  const res = await s.api.post<Message>(`/conversations/${group}/messages`, { ...tok(u), body });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return res.body;
}

async function listed(u: AuthResponse): Promise<Conversation> {
  const res = await s.api.get<{ items: Conversation[] }>("/conversations", tok(u));
  assert.equal(res.status, 200, JSON.stringify(res.body));
  const c = res.body.items.find((x) => x.id === group);
  assert.ok(c, "the group is listed");
  return c;
}

async function following(u: AuthResponse, rootId: string): Promise<boolean> {
  const res = await s.api.get<ThreadPage>(`/messages/${rootId}/thread`, tok(u));
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body.following;
}

async function recorder(u: AuthResponse): Promise<Recorder> {
  const so = await connect(s, u.accessToken);
  sockets.push(so);
  return new Recorder(so);
}

/** What the recorder got before the event `until` matched (which must arrive). */
async function receivedBefore(rec: Recorder, name: string, until: (payload: any) => boolean): Promise<{ name: string; payload: any }[]> {
  await rec.wait(name, until);
  return rec.events.slice(
    0,
    rec.events.findIndex((e) => e.name === name && until(e.payload)),
  );
}

before(async () => {
  s = await startServer();
  const app = (await s.createTenant("Blocks in groups")).id;
  const names = ["Ann", "Ben", "Cat", "Dan"];
  [ann, ben, cat, dan] = (await Promise.all(names.map((displayName) => s.api.register(app, { displayName })))) as [
    AuthResponse,
    AuthResponse,
    AuthResponse,
    AuthResponse,
  ];
  const made = await s.api.post<{ conversation: Conversation }>("/conversations", {
    ...tok(ann),
    body: { kind: "group", name: "Book club", memberIds: [ben.user.id, cat.user.id, dan.user.id] },
  });
  assert.equal(made.status, 201, JSON.stringify(made.body));
  group = made.body.conversation.id;
  // The group came first: a block does not take anyone out of a group they share.
  assert.equal((await s.api.post("/blocks", { ...tok(ann), body: { userId: ben.user.id } })).status, 204);
});

after(async () => {
  for (const so of sockets) so.close();
  await s?.close();
});

describe("mentions by a blocked user", () => {
  test("reach the other members mentioned (event, count, follow) but not the blocker", async () => {
    const [annRec, catRec] = await Promise.all([recorder(ann), recorder(cat)]);
    const root = await send(ben, { text: "Next book?" });
    const reply = await send(ben, { text: "@Ann @Cat what do you think?", threadId: root.id, mentions: [ann.user.id, cat.user.id] });

    const catMention = await catRec.wait("mention", (e: ChatEvent) => e.type === "mention" && e.data.messageId === reply.id);
    assert.equal(catMention.userId, cat.user.id);
    await catRec.wait("thread.state", (e) => e.data.rootId === root.id && e.data.following === true);
    assert.equal((await listed(cat)).mentionCount, 1);
    assert.equal(await following(cat, root.id), true);

    // Ann's socket: whatever the reply caused reached her before the message that follows it.
    const marker = await send(cat, { text: "Anyone?" });
    const got = await receivedBefore(annRec, "message.new", (e) => e.data.message.id === marker.id);
    assert.ok(
      got.some((e) => e.name === "message.new" && e.payload.data.message.id === reply.id),
      "Ann still receives the reply itself",
    );
    assert.deepEqual(
      got.filter((e) => e.name === "mention" || e.name === "thread.state").map((e) => e.name),
      [],
      "no mention and no follow for Ann",
    );
    assert.equal((await listed(ann)).mentionCount, undefined);
    assert.equal(await following(ann, root.id), false);
    const sync = await s.api.get<SyncResponse>("/sync?since=0&limit=1000", tok(ann));
    assert.ok(!sync.body.events.some((e) => e.type === "mention" && e.data.messageId === reply.id), "nor is one stored for her /sync");
  });

  test("the message still names everyone it mentions, for every reader (the blocked sender learns nothing)", async () => {
    const m = await send(ben, { text: "@Ann @Cat hello", mentions: [ann.user.id, cat.user.id] });
    assert.deepEqual(m.mentions, [ann.user.id, cat.user.id]);
    for (const reader of [ben, cat, ann]) {
      const res = await s.api.get<Message>(`/messages/${m.id}`, tok(reader));
      assert.deepEqual(res.body.mentions?.toSorted(), [ann.user.id, cat.user.id].toSorted());
    }
    assert.equal((await listed(ann)).mentionCount, undefined);
    assert.equal((await listed(cat)).mentionCount, 2);
  });

  test("a timeline mention over the socket, sent alone or with others, never reaches the blocker", async () => {
    const [annRec, benSo] = await Promise.all([recorder(ann), connect(s, ben.accessToken)]);
    sockets.push(benSo);
    const alone = await request<Message>(benSo, "message.send", { conversationId: group, text: "@Ann ?", mentions: [ann.user.id] });
    assert.ok(alone.ok, JSON.stringify(alone));
    const marker = await send(dan, { text: "marker" });
    const got = await receivedBefore(annRec, "message.new", (e) => e.data.message.id === marker.id);
    assert.ok(got.some((e) => e.name === "message.new" && e.payload.data.message.id === alone.data.id));
    assert.ok(!got.some((e) => e.name === "mention"), "no mention event for Ann");
    assert.equal((await listed(ann)).mentionCount, undefined);
  });

  test("a blocked user's reply to the blocker's root does not make the blocker follow the thread", async () => {
    const annRec = await recorder(ann);
    const root = await send(ann, { text: "I wrote this" });
    await send(ben, { text: "Reply", threadId: root.id });
    const marker = await send(cat, { text: "Next" });
    const got = await receivedBefore(annRec, "message.new", (e) => e.data.message.id === marker.id);
    assert.ok(!got.some((e) => e.name === "thread.state"), "no follow for Ann");
    assert.equal(await following(ann, root.id), false);
    // Someone she has not blocked replying: she follows her root as usual.
    await send(cat, { text: "Me too", threadId: root.id });
    assert.equal(await following(ann, root.id), true);
  });

  test("the other direction is untouched: the blocked user is still told of the blocker's mention", async () => {
    const benRec = await recorder(ben);
    const m = await send(ann, { text: "@Ben fine", mentions: [ben.user.id] });
    await benRec.wait("mention", (e) => e.data.messageId === m.id);
  });

  test("the batch asks for blocks once, whatever the number of mentions", async () => {
    // (The send's membership check joins blocks for DMs: that one is not counted here.)
    const count = async (mentions: string[]): Promise<number> =>
      (await recordQueries(s.services, () => send(ben, { text: "@all", mentions }), /\bFROM blocks\b/i)).length;
    const one = await count([cat.user.id]);
    const three = await count([ann.user.id, cat.user.id, dan.user.id]);
    assert.equal(one, 1);
    assert.equal(three, 1);
  });
});

describe("typing by a blocked user", () => {
  test("reaches the other members but not the blocker", async () => {
    const [annRec, benRec, catRec] = await Promise.all([recorder(ann), recorder(ben), recorder(cat)]);
    assert.deepEqual(await request(benRec.socket, "typing", { conversationId: group }), { ok: true, data: null });
    assert.deepEqual(await catRec.wait("typing", (p) => p.userId === ben.user.id), { conversationId: group, userId: ben.user.id, typing: true });
    // Cat types after Ben: Ann gets Cat's relay, and nothing of Ben's before it.
    assert.deepEqual(await request(catRec.socket, "typing", { conversationId: group }), { ok: true, data: null });
    const got = await receivedBefore(annRec, "typing", (p) => p.userId === cat.user.id);
    assert.ok(!got.some((e) => e.name === "typing" && e.payload.userId === ben.user.id), "Ben's typing is not relayed to Ann");
    // The blocker's own typing still reaches the one she blocked (she chose not to hear him, not to hide).
    assert.deepEqual(await request(annRec.socket, "typing", { conversationId: group }), { ok: true, data: null });
    await benRec.wait("typing", (p) => p.userId === ann.user.id);
    // Ben stopping is not relayed to Ann either; Dan's typing afterwards is.
    assert.deepEqual(await request(benRec.socket, "typing", { conversationId: group, typing: false }), { ok: true, data: null });
    await catRec.wait("typing", (p) => p.userId === ben.user.id && p.typing === false);
    const danSo = await connect(s, dan.accessToken);
    sockets.push(danSo);
    assert.deepEqual(await request(danSo, "typing", { conversationId: group }), { ok: true, data: null });
    const later = await receivedBefore(annRec, "typing", (p) => p.userId === dan.user.id);
    assert.ok(!later.some((e) => e.name === "typing" && e.payload.userId === ben.user.id), "no stop either");
  });
});
