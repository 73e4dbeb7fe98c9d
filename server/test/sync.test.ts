import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { AuthResponse, ChatEvent, Message, SyncResponse } from "@parley/sdk/protocol";
import { ConversationEntity } from "../src/conversations/conversation.entity.js";
import { MemberEntity } from "../src/conversations/member.entity.js";
import { newId } from "../src/shared/ids.js";
import { errorCode } from "./helpers/api.js";
import { startServer, type TestServer } from "./helpers/harness.js";

let s: TestServer;
let app: string;
let otherApp: string;

before(async () => {
  s = await startServer();
  app = (await s.createTenant()).id;
  otherApp = (await s.createTenant("Other site")).id;
});
after(() => s?.close());

/** There is no conversations API yet: conversations are seeded straight into the tables. */
async function seedConversation(appId: string, members: AuthResponse[]): Promise<string> {
  const id = newId("cnv");
  const now = Date.now();
  await s.services.db.getRepository(ConversationEntity).insert({
    id,
    appId,
    kind: "group",
    name: "Group",
    isPublic: false,
    directKey: null,
    createdBy: members[0]!.user.id,
    createdAt: now,
    lastActivityAt: now,
    lastMessageId: null,
  });
  await s.services.db.getRepository(MemberEntity).insert(
    members.map((u, i) => ({
      conversationId: id,
      userId: u.user.id,
      appId,
      role: i === 0 ? ("owner" as const) : ("member" as const),
      joinedAt: now,
      lastReadMessageId: 0,
    })),
  );
  return id;
}

const sync = (u: AuthResponse, q: string) => s.api.get<SyncResponse>(`/sync${q}`, { token: u.accessToken });
const send = async (u: AuthResponse, conv: string, text: string): Promise<Message> => {
  const res = await s.api.post<Message>(`/conversations/${conv}/messages`, { token: u.accessToken, body: { text } });
  assert.equal(res.status, 201);
  return res.body;
};
const messageIdOf = (e: ChatEvent): string => ("message" in e.data ? e.data.message.id : "messageId" in e.data ? e.data.messageId : "");

describe("sync", () => {
  let ann: AuthResponse, bob: AuthResponse, conv: string, since: number;
  const expected: Array<[string, string]> = [];

  before(async () => {
    [ann, bob] = await Promise.all([s.api.register(app), s.api.register(app)]);
    conv = await seedConversation(app, [ann, bob]);
    await send(ann, conv, "before");
    since = (await sync(ann, "?since=0")).body.lastSeq;
    assert.ok(since > 0);

    // Noise: a conversation ann is not in (same app), and another app altogether.
    const [cat, dan] = await Promise.all([s.api.register(app), s.api.register(otherApp)]);
    const hidden = await seedConversation(app, [bob, cat]);
    const foreign = await seedConversation(otherApp, [dan]);

    const sent: Message[] = [];
    for (let i = 0; i < 50; i++) {
      sent.push(await send(bob, conv, `m${i}`));
      if (i % 10 === 0) {
        await send(cat, hidden, `hidden ${i}`);
        await send(dan, foreign, `foreign ${i}`);
      }
    }
    for (const m of sent) expected.push(["message.new", m.id]);
    assert.equal((await s.api.patch(`/messages/${sent[3]!.id}`, { token: bob.accessToken, body: { text: "edited" } })).status, 200);
    expected.push(["message.updated", sent[3]!.id]);
    assert.equal((await s.api.del(`/messages/${sent[4]!.id}`, { token: bob.accessToken })).status, 204);
    expected.push(["message.deleted", sent[4]!.id]);
    await send(cat, hidden, "hidden last");
  });

  test("returns exactly the 52 events after the last seen seq, in order", async () => {
    const res = await sync(ann, `?since=${since}`);
    assert.equal(res.status, 200);
    assert.deepEqual(
      res.body.events.map((e) => [e.type, messageIdOf(e)]),
      expected,
    );
    assert.ok(res.body.events.every((e) => e.conversationId === conv));
    const seqs = res.body.events.map((e) => e.seq);
    assert.deepEqual(
      seqs,
      [...seqs].sort((a, b) => a - b),
    );
    assert.equal(new Set(seqs).size, 52);
    assert.equal(res.body.lastSeq, seqs[51]);
    assert.equal(res.body.hasMore, false);
    const edit = res.body.events[50]!;
    assert.equal(edit.type === "message.updated" && edit.data.message.text, "edited");
    const del = res.body.events[51]!;
    assert.equal(del.type === "message.deleted" && del.data.message.text, null);
  });

  test("no event hands out a deleted message's text or an edited message's old text", async () => {
    const res = await sync(ann, `?since=${since}`);
    const texts = res.body.events.flatMap((e) => ("message" in e.data ? [e.data.message.text] : []));
    assert.equal(texts.includes("m4"), false, "deleted text is gone from message.new");
    assert.equal(texts.includes("m3"), false, "pre-edit text is gone from message.new");
    const created = res.body.events.find((e) => e.type === "message.new" && e.data.message.id === expected[3]![1])!;
    assert.equal(created.type === "message.new" && created.data.message.text, "edited");
    const raw = JSON.stringify(res.body);
    assert.equal(raw.includes('"m4"'), false);
  });

  test("paging with limit walks the same events: hasMore and lastSeq chain the pages", async () => {
    const got: Array<[string, string]> = [];
    let cursor = since;
    let pages = 0;
    for (;;) {
      const res = await sync(ann, `?since=${cursor}&limit=20`);
      assert.equal(res.status, 200);
      got.push(...res.body.events.map((e): [string, string] => [e.type, messageIdOf(e)]));
      pages++;
      if (res.body.events.length) assert.equal(res.body.lastSeq, res.body.events[res.body.events.length - 1]!.seq);
      else assert.equal(res.body.lastSeq, cursor);
      cursor = res.body.lastSeq;
      if (!res.body.hasMore) break;
      assert.equal(res.body.events.length, 20);
    }
    assert.equal(pages, 3);
    assert.deepEqual(got, expected);
    // Nothing more for ann, though the app's log went on (bob and cat's conversation): her
    // cursor moves to the head instead of staying on her last event (issue 14).
    const end = await sync(ann, `?since=${cursor}`);
    const head = (await s.api.get<{ lastSeq: number }>("/sync/head", { token: ann.accessToken })).body.lastSeq;
    assert.ok(head > cursor);
    assert.deepEqual(end.body, { events: [], lastSeq: head, hasMore: false });
  });

  test("events of conversations the user is not in are never returned", async () => {
    const all = await sync(ann, "?since=0&limit=1000");
    assert.ok(all.body.events.every((e) => e.conversationId === conv));
    const bobs = await sync(bob, `?since=${since}&limit=1000`);
    assert.equal(bobs.body.events.filter((e) => e.conversationId !== conv).length, 6, "bob is in the hidden conversation");
  });

  test("read and reaction events reach the other members too", async () => {
    const last = (await sync(ann, `?since=${since}&limit=1000`)).body.lastSeq;
    const m = await send(ann, conv, "react");
    assert.equal((await s.api.put(`/messages/${m.id}/reactions/${encodeURIComponent("🎉")}`, { token: bob.accessToken })).status, 200);
    assert.equal((await s.api.post(`/conversations/${conv}/read`, { token: bob.accessToken, body: { messageId: m.id } })).status, 204);
    const res = await sync(ann, `?since=${last}`);
    assert.deepEqual(
      res.body.events.map((e) => e.type),
      ["message.new", "reaction.updated", "read.updated"],
    );
  });

  test("bad since/limit are 400", async () => {
    for (const q of ["", "?since=-1", "?since=abc", "?since=0&limit=0", "?since=0&limit=1001", "?since=1.5", "?since=99999999999999999999"]) {
      const res = await sync(ann, q);
      assert.equal(res.status, 400, q);
      errorCode(res);
    }
  });
});
