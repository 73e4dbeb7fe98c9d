import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { AuthResponse, Message, Page } from "@parley/sdk/protocol";
import { ConversationEntity } from "../src/conversations/conversation.entity.js";
import { MemberEntity } from "../src/conversations/member.entity.js";
import { EventEntity } from "../src/events/event.entity.js";
import { MessageEntity } from "../src/messages/message.entity.js";
import { ReactionEntity } from "../src/messages/reaction.entity.js";
import { newId } from "../src/shared/ids.js";
import { errorCode } from "./helpers/api.js";
import { startServer, TEST_DB, type TestServer } from "./helpers/harness.js";

let s: TestServer;
let app: string;
let otherApp: string;

before(async () => {
  s = await startServer();
  app = (await s.createTenant()).id;
  otherApp = (await s.createTenant("Other site")).id;
});
after(() => s?.close());

type Role = "owner" | "admin" | "member";

/**
 * There is no conversations API yet: conversations are seeded straight into the tables.
 * `members` maps each user to their role.
 */
async function seedConversation(appId: string, kind: "direct" | "group", members: Array<[AuthResponse, Role]>): Promise<string> {
  const id = newId("cnv");
  const now = Date.now();
  await s.services.db.getRepository(ConversationEntity).insert({
    id,
    appId,
    kind,
    name: kind === "group" ? "Group" : null,
    isPublic: false,
    directKey: null,
    createdBy: members[0]![0].user.id,
    createdAt: now,
    lastActivityAt: now,
    lastMessageId: null,
  });
  await s.services.db
    .getRepository(MemberEntity)
    .insert(members.map(([u, role]) => ({ conversationId: id, userId: u.user.id, appId, role, joinedAt: now, lastReadMessageId: 0 })));
  return id;
}

const send = (u: AuthResponse, conv: string, body: unknown) => s.api.post<Message>(`/conversations/${conv}/messages`, { token: u.accessToken, body });
const sendOk = async (u: AuthResponse, conv: string, text: string): Promise<Message> => {
  const res = await send(u, conv, { text });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return res.body;
};
const countMessages = (conversationId: string) => s.services.db.getRepository(MessageEntity).countBy({ conversationId });
const countEvents = () => s.services.db.getRepository(EventEntity).count();
const member = (conversationId: string, u: AuthResponse) => s.services.db.getRepository(MemberEntity).findOneByOrFail({ conversationId, userId: u.user.id });

describe("sending", () => {
  let ann: AuthResponse, bob: AuthResponse, conv: string;
  before(async () => {
    ann = await s.api.register(app);
    bob = await s.api.register(app);
    conv = await seedConversation(app, "direct", [
      [ann, "member"],
      [bob, "member"],
    ]);
  });

  test("201 with the message; the conversation, the sender's read mark and the event log follow", async () => {
    const res = await send(ann, conv, { text: "  hello  " });
    assert.equal(res.status, 201);
    const m = res.body;
    assert.match(m.id, /^\d+$/);
    assert.equal(m.text, "hello");
    assert.equal(m.conversationId, conv);
    assert.equal(m.senderId, ann.user.id);
    assert.deepEqual(m.attachments, []);
    assert.deepEqual(m.reactions, []);
    assert.equal(m.replyToId, null);
    assert.equal(m.editedAt, null);
    assert.equal(m.deletedAt, null);
    const c = await s.services.db.getRepository(ConversationEntity).findOneByOrFail({ id: conv });
    assert.equal(String(c.lastMessageId), m.id);
    assert.equal(String((await member(conv, ann)).lastReadMessageId), m.id);
    assert.equal((await member(conv, bob)).lastReadMessageId, 0);
    const ev = await s.services.db.getRepository(EventEntity).findOneOrFail({ where: { appId: app, type: "message.new" }, order: { seq: "DESC" } });
    assert.equal(ev.conversationId, conv);
    assert.equal(JSON.parse(ev.data).message.id, m.id);
  });

  test("the same clientMessageId again answers 200 with the original message and stores one row", async () => {
    const first = await send(ann, conv, { text: "once", clientMessageId: "c-1" });
    assert.equal(first.status, 201);
    const again = await send(ann, conv, { text: "once (retry)", clientMessageId: "c-1" });
    assert.equal(again.status, 200);
    assert.equal(again.body.id, first.body.id);
    assert.equal(again.body.text, "once");
    assert.equal(await s.services.db.getRepository(MessageEntity).countBy({ clientMessageId: "c-1" }), 1);
    // Another sender may use the same client id: it is per sender.
    const bobs = await send(bob, conv, { text: "mine", clientMessageId: "c-1" });
    assert.equal(bobs.status, 201);
    assert.notEqual(bobs.body.id, first.body.id);
  });

  test("concurrent sends with one clientMessageId store one message; all answers carry its id", async () => {
    const results = await Promise.all([1, 2, 3, 4].map(() => send(ann, conv, { text: "race", clientMessageId: "race-1" })));
    assert.deepEqual(results.map((r) => r.status).sort(), [200, 200, 200, 201]);
    assert.equal(new Set(results.map((r) => r.body.id)).size, 1);
    assert.equal(await s.services.db.getRepository(MessageEntity).countBy({ clientMessageId: "race-1" }), 1);
  });

  test("a clientMessageId already used in another conversation is 409", async () => {
    const other = await seedConversation(app, "group", [[ann, "owner"]]);
    assert.equal((await send(ann, conv, { text: "x", clientMessageId: "c-cross" })).status, 201);
    const res = await send(ann, other, { text: "x", clientMessageId: "c-cross" });
    assert.equal(res.status, 409);
    assert.equal(errorCode(res), "conflict");
  });

  test("text: empty, whitespace-only and 4001 characters are 400; 4000 is fine", async () => {
    const before = await countMessages(conv);
    for (const text of ["", "   \n\t ", "x".repeat(4001), " " + "x".repeat(4001) + " "]) {
      const res = await send(ann, conv, { text });
      assert.equal(res.status, 400, `length ${text.length}`);
      assert.equal(errorCode(res), "validation_failed");
    }
    assert.equal(await countMessages(conv), before);
    const ok = await send(ann, conv, { text: "y".repeat(4000) });
    assert.equal(ok.status, 201);
    assert.equal(ok.body.text!.length, 4000);
  });

  test("replyToId: a message of the same conversation is kept; one of another conversation is 400", async () => {
    const target = await sendOk(bob, conv, "question?");
    const reply = await send(ann, conv, { text: "answer", replyToId: target.id });
    assert.equal(reply.status, 201);
    assert.equal(reply.body.replyToId, target.id);

    const elsewhere = await seedConversation(app, "group", [[ann, "owner"]]);
    const foreign = await sendOk(ann, elsewhere, "elsewhere");
    const before = await countMessages(conv);
    const bad = await send(ann, conv, { text: "answer", replyToId: foreign.id });
    assert.equal(bad.status, 400);
    assert.equal(errorCode(bad), "validation_failed");
    assert.equal((await send(ann, conv, { text: "answer", replyToId: "999999999" })).status, 400);
    assert.equal(await countMessages(conv), before);
  });

  test("a rejected send stores nothing: no message, no event, no conversation change", async () => {
    const c0 = await s.services.db.getRepository(ConversationEntity).findOneByOrFail({ id: conv });
    const [m0, e0] = [await countMessages(conv), await countEvents()];
    const res = await send(ann, conv, { text: "with a bogus file", attachmentIds: ["upl_doesnotexist"] });
    assert.equal(res.status, 400);
    assert.equal(await countMessages(conv), m0);
    assert.equal(await countEvents(), e0);
    const c1 = await s.services.db.getRepository(ConversationEntity).findOneByOrFail({ id: conv });
    assert.equal(c1.lastMessageId, c0.lastMessageId);
  });
});

describe("history", () => {
  let ann: AuthResponse, conv: string;
  const ids: string[] = [];
  before(async () => {
    ann = await s.api.register(app);
    conv = await seedConversation(app, "group", [[ann, "owner"]]);
    for (let i = 0; i < 120; i++) ids.push((await sendOk(ann, conv, `m${i}`)).id);
  });
  const page = (q: string) => s.api.get<Page<Message>>(`/conversations/${conv}/messages${q}`, { token: ann.accessToken });

  test("defaults to the 50 newest, newest first", async () => {
    const res = await page("");
    assert.equal(res.status, 200);
    assert.deepEqual(
      res.body.items.map((m) => m.id),
      ids.slice(-50).reverse(),
    );
    assert.equal(res.body.nextCursor, ids[70]);
  });

  test("paging back with before covers all 120 without gaps or duplicates", async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const res: Awaited<ReturnType<typeof page>> = await page(`?limit=50${cursor ? `&before=${cursor}` : ""}`);
      assert.equal(res.status, 200);
      seen.push(...res.body.items.map((m) => m.id));
      cursor = res.body.nextCursor;
      pages++;
    } while (cursor);
    assert.equal(pages, 3);
    assert.deepEqual(seen, [...ids].reverse());
  });

  test("paging forward with after covers the rest without gaps, each page newest first", async () => {
    const seen: string[] = [];
    let cursor: string | null = ids[0]!;
    while (cursor) {
      const res: Awaited<ReturnType<typeof page>> = await page(`?limit=40&after=${cursor}`);
      assert.equal(res.status, 200);
      const got = res.body.items.map((m) => m.id);
      assert.deepEqual(
        got,
        [...got].sort((a, b) => Number(b) - Number(a)),
      );
      seen.push(...[...got].reverse());
      cursor = res.body.nextCursor;
    }
    assert.deepEqual(seen, ids.slice(1));
  });

  test("before and after together give the range between them", async () => {
    const res = await page(`?after=${ids[10]}&before=${ids[15]}`);
    assert.deepEqual(
      res.body.items.map((m) => m.id),
      ids.slice(11, 15).reverse(),
    );
    assert.equal(res.body.nextCursor, null);
  });

  test("limit above 100, zero, or not a number is 400; so are malformed cursors", async () => {
    for (const q of ["?limit=101", "?limit=0", "?limit=abc", "?limit=1.5", "?before=abc", "?after=-1", "?before=0", "?before=99999999999999999999"]) {
      const res = await page(q);
      assert.equal(res.status, 400, q);
      assert.equal(errorCode(res), "validation_failed");
    }
    assert.equal((await page("?limit=100")).body.items.length, 100);
  });

  test("deleted messages stay in history as tombstones", async () => {
    assert.equal((await s.api.del(`/messages/${ids[119]}`, { token: ann.accessToken })).status, 204);
    const res = await page("?limit=2");
    const [tomb, prev] = res.body.items;
    assert.equal(tomb!.id, ids[119]);
    assert.equal(tomb!.text, null);
    assert.ok(tomb!.deletedAt);
    assert.equal(prev!.text, "m118");
  });
});

describe("editing and deleting", () => {
  let ann: AuthResponse, bob: AuthResponse, cat: AuthResponse, out: AuthResponse, conv: string;
  before(async () => {
    [ann, bob, cat, out] = await Promise.all([s.api.register(app), s.api.register(app), s.api.register(app), s.api.register(app)]);
    conv = await seedConversation(app, "group", [
      [ann, "owner"],
      [bob, "admin"],
      [cat, "member"],
    ]);
  });

  test("the sender edits: text changes, editedAt is set, message.updated is logged", async () => {
    const m = await sendOk(cat, conv, "typo");
    const res = await s.api.patch<Message>(`/messages/${m.id}`, { token: cat.accessToken, body: { text: " fixed " } });
    assert.equal(res.status, 200);
    assert.equal(res.body.text, "fixed");
    assert.ok(res.body.editedAt);
    const ev = await s.services.db.getRepository(EventEntity).findOneOrFail({ where: { appId: app }, order: { seq: "DESC" } });
    assert.equal(ev.type, "message.updated");
    assert.equal(JSON.parse(ev.data).message.text, "fixed");
  });

  test("another member editing is 403, a non-member 404, and the text stays", async () => {
    const m = await sendOk(cat, conv, "original");
    const other = await s.api.patch(`/messages/${m.id}`, { token: ann.accessToken, body: { text: "hijack" } });
    assert.equal(other.status, 403);
    assert.equal(errorCode(other), "forbidden");
    const stranger = await s.api.patch(`/messages/${m.id}`, { token: out.accessToken, body: { text: "hijack" } });
    assert.equal(stranger.status, 404);
    assert.equal((await s.services.db.getRepository(MessageEntity).findOneByOrFail({ id: Number(m.id) })).text, "original");
  });

  test("an edit to empty or over-long text is 400", async () => {
    const m = await sendOk(cat, conv, "keep");
    for (const body of [{ text: "" }, { text: "   " }, { text: "z".repeat(4001) }, {}, { text: 5 }]) {
      const res = await s.api.patch(`/messages/${m.id}`, { token: cat.accessToken, body });
      assert.equal(res.status, 400, JSON.stringify(body));
    }
  });

  test("the sender deletes: 204, a tombstone with NULL text in the database, reactions gone; again is 404", async () => {
    const m = await sendOk(cat, conv, "secret");
    assert.equal((await s.api.put(`/messages/${m.id}/reactions/${encodeURIComponent("👍")}`, { token: ann.accessToken })).status, 200);
    const res = await s.api.del(`/messages/${m.id}`, { token: cat.accessToken });
    assert.equal(res.status, 204);
    const row = await s.services.db.getRepository(MessageEntity).findOneByOrFail({ id: Number(m.id) });
    assert.equal(row.text, null);
    assert.ok(row.deletedAt);
    assert.equal(await s.services.db.getRepository(ReactionEntity).countBy({ messageId: Number(m.id) }), 0);
    const ev = await s.services.db.getRepository(EventEntity).findOneOrFail({ where: { appId: app }, order: { seq: "DESC" } });
    assert.equal(ev.type, "message.deleted");
    assert.equal(JSON.parse(ev.data).message.text, null);
    assert.doesNotMatch(ev.data, /secret/);
    assert.equal((await s.api.del(`/messages/${m.id}`, { token: cat.accessToken })).status, 404);
    assert.equal((await s.api.patch(`/messages/${m.id}`, { token: cat.accessToken, body: { text: "back" } })).status, 404);
    assert.equal((await s.api.put(`/messages/${m.id}/reactions/x`, { token: cat.accessToken })).status, 404);
  });

  test("a group admin or owner may delete others' messages; a plain member may not (403)", async () => {
    const byCat = await sendOk(cat, conv, "from cat");
    const byAnn = await sendOk(ann, conv, "from ann");
    const denied = await s.api.del(`/messages/${byAnn.id}`, { token: cat.accessToken });
    assert.equal(denied.status, 403);
    assert.equal(errorCode(denied), "forbidden");
    assert.equal((await s.api.del(`/messages/${byCat.id}`, { token: bob.accessToken })).status, 204);
    assert.equal((await s.api.del(`/messages/${byAnn.id}`, { token: bob.accessToken })).status, 204);
  });

  test("in a direct conversation the other party cannot delete your message", async () => {
    const dm = await seedConversation(app, "direct", [
      [ann, "member"],
      [bob, "member"],
    ]);
    const m = await sendOk(ann, dm, "dm");
    assert.equal((await s.api.del(`/messages/${m.id}`, { token: bob.accessToken })).status, 403);
  });
});

describe("reactions", () => {
  let ann: AuthResponse, bob: AuthResponse, conv: string, msg: Message;
  before(async () => {
    [ann, bob] = await Promise.all([s.api.register(app), s.api.register(app)]);
    conv = await seedConversation(app, "direct", [
      [ann, "member"],
      [bob, "member"],
    ]);
    msg = await sendOk(ann, conv, "react to me");
  });
  const put = (u: AuthResponse, emoji: string) => s.api.put<Message>(`/messages/${msg.id}/reactions/${encodeURIComponent(emoji)}`, { token: u.accessToken });
  const del = (u: AuthResponse, emoji: string) => s.api.del<Message>(`/messages/${msg.id}/reactions/${encodeURIComponent(emoji)}`, { token: u.accessToken });
  const summary = (m: Message) => Object.fromEntries(m.reactions.map((r) => [r.emoji, [r.count, r.mine]]));

  test("count and mine; PUT twice adds once; two users make count 2", async () => {
    const first = await put(ann, "👍");
    assert.equal(first.status, 200);
    assert.deepEqual(summary(first.body), { "👍": [1, true] });
    const e0 = await countEvents();
    assert.deepEqual(summary((await put(ann, "👍")).body), { "👍": [1, true] });
    assert.equal(await countEvents(), e0, "a repeated PUT logs no event");
    const second = await put(bob, "👍");
    assert.deepEqual(summary(second.body), { "👍": [2, true] });
    const ev = await s.services.db.getRepository(EventEntity).findOneOrFail({ where: { appId: app }, order: { seq: "DESC" } });
    assert.equal(ev.type, "reaction.updated");
    assert.deepEqual(JSON.parse(ev.data), { messageId: msg.id, conversationId: conv, userId: bob.user.id, emoji: "👍", added: true, count: 2 });
  });

  test(`different emoji are distinct, including 👎 and skin-tone variants (${TEST_DB})`, async () => {
    await put(ann, "👎");
    await put(ann, "👍🏽");
    await put(bob, "👍🏿");
    await put(ann, "👨‍👩‍👧");
    const res = await s.api.get<Message>(`/messages/${msg.id}`, { token: bob.accessToken });
    assert.equal(res.status, 200);
    assert.deepEqual(summary(res.body), { "👍": [2, true], "👎": [1, false], "👍🏽": [1, false], "👍🏿": [1, true], "👨‍👩‍👧": [1, false] });
  });

  test("DELETE removes only the caller's reaction, and twice is harmless", async () => {
    const res = await del(bob, "👍");
    assert.equal(res.status, 200);
    assert.deepEqual(summary(res.body)["👍"], [1, false]);
    const ev = await s.services.db.getRepository(EventEntity).findOneOrFail({ where: { appId: app }, order: { seq: "DESC" } });
    assert.deepEqual(JSON.parse(ev.data), { messageId: msg.id, conversationId: conv, userId: bob.user.id, emoji: "👍", added: false, count: 1 });
    assert.equal((await del(bob, "👍")).status, 200);
    assert.deepEqual(summary((await del(bob, "👍🏿")).body)["👍🏿"], undefined);
  });

  test("invalid emoji are 400: whitespace, control characters, over 32 characters", async () => {
    for (const e of [" ", "a b", "👍\n", "\u0000", "\t", "x".repeat(33), "😀".repeat(33), "50%"]) {
      const res = await put(ann, e);
      assert.equal(res.status, 400, JSON.stringify(e));
      assert.equal(errorCode(res), "validation_failed");
    }
    const bad = await s.api.put(`/messages/${msg.id}/reactions/%E0%A4%A`, { token: ann.accessToken });
    assert.equal(bad.status, 400, "a malformed percent-escape");
    assert.equal((await put(ann, "x".repeat(32))).status, 200);
    // A key is one emoji (red team 4): the longest ones (ten code points, a kiss with two skin tones) fit.
    assert.equal((await put(ann, "😀".repeat(2))).status, 400, "two emoji are not one key");
    assert.equal((await put(ann, "👩🏽\u200d❤️\u200d💋\u200d👨🏿")).status, 200, "the longest emoji sequences fit the column");
  });
});

describe("read marks", () => {
  let ann: AuthResponse, bob: AuthResponse, conv: string;
  before(async () => {
    [ann, bob] = await Promise.all([s.api.register(app), s.api.register(app)]);
    conv = await seedConversation(app, "direct", [
      [ann, "member"],
      [bob, "member"],
    ]);
  });
  const read = (u: AuthResponse, c: string, body: unknown) => s.api.post(`/conversations/${c}/read`, { token: u.accessToken, body });

  test("moves forward only, logging read.updated only when it moves", async () => {
    const m1 = await sendOk(ann, conv, "1");
    const m2 = await sendOk(ann, conv, "2");
    assert.equal((await read(bob, conv, { messageId: m2.id })).status, 204);
    assert.equal(String((await member(conv, bob)).lastReadMessageId), m2.id);
    const ev = await s.services.db.getRepository(EventEntity).findOneOrFail({ where: { appId: app }, order: { seq: "DESC" } });
    assert.equal(ev.type, "read.updated");
    assert.deepEqual(JSON.parse(ev.data), { conversationId: conv, userId: bob.user.id, lastReadMessageId: m2.id });
    const e0 = await countEvents();
    assert.equal((await read(bob, conv, { messageId: m1.id })).status, 204);
    assert.equal(String((await member(conv, bob)).lastReadMessageId), m2.id);
    assert.equal(await countEvents(), e0);
  });

  test("a message of another conversation is 400 and the mark stays", async () => {
    const other = await seedConversation(app, "group", [[bob, "owner"]]);
    const foreign = await sendOk(bob, other, "x");
    const mark = (await member(conv, bob)).lastReadMessageId;
    const res = await read(bob, conv, { messageId: foreign.id });
    assert.equal(res.status, 400);
    assert.equal((await member(conv, bob)).lastReadMessageId, mark);
  });
});

describe("access: other users and other apps see 404 everywhere", () => {
  test("a non-member and another app's user get the same 404 as for nothing", async () => {
    const [ann, bob, stranger] = await Promise.all([s.api.register(app), s.api.register(app), s.api.register(app)]);
    const foreigner = await s.api.register(otherApp);
    const conv = await seedConversation(app, "group", [
      [ann, "owner"],
      [bob, "member"],
    ]);
    const m = await sendOk(ann, conv, "private");
    const routes: Array<[string, string, unknown?]> = [
      ["POST", `/conversations/${conv}/messages`, { text: "hi" }],
      ["GET", `/conversations/${conv}/messages`],
      ["POST", `/conversations/${conv}/read`, { messageId: m.id }],
      ["GET", `/messages/${m.id}`],
      ["PATCH", `/messages/${m.id}`, { text: "x" }],
      ["DELETE", `/messages/${m.id}`],
      ["PUT", `/messages/${m.id}/reactions/${encodeURIComponent("👍")}`],
      ["DELETE", `/messages/${m.id}/reactions/${encodeURIComponent("👍")}`],
    ];
    const nothing = await s.api.get(`/messages/999999999`, { token: stranger.accessToken });
    assert.equal(nothing.status, 404);
    for (const u of [stranger, foreigner]) {
      for (const [method, path, body] of routes) {
        const res = await s.api.req(method, path, { token: u.accessToken, ...(body === undefined ? {} : { body }) });
        assert.equal(res.status, 404, `${method} ${path} as ${u.user.appId === app ? "non-member" : "other app"}`);
        assert.equal(errorCode(res), "not_found");
      }
    }
    assert.equal(await countMessages(conv), 1);
    const row = await s.services.db.getRepository(MessageEntity).findOneByOrFail({ id: Number(m.id) });
    assert.equal(row.text, "private");
    assert.equal(row.deletedAt, null);
    assert.equal(await s.services.db.getRepository(ReactionEntity).countBy({ messageId: Number(m.id) }), 0);
  });

  test("every route needs a token (401)", async () => {
    for (const [method, path] of [
      ["POST", "/conversations/x/messages"],
      ["GET", "/conversations/x/messages"],
      ["POST", "/conversations/x/read"],
      ["GET", "/messages/1"],
      ["PATCH", "/messages/1"],
      ["DELETE", "/messages/1"],
      ["PUT", "/messages/1/reactions/x"],
      ["DELETE", "/messages/1/reactions/x"],
    ] as const) {
      const res = await s.api.req(method, path, {});
      assert.equal(res.status, 401, `${method} ${path}`);
    }
  });
});

describe("bad input never becomes a 500 nor a half-stored message", () => {
  let ann: AuthResponse, conv: string, msg: Message;
  before(async () => {
    ann = await s.api.register(app);
    conv = await seedConversation(app, "group", [[ann, "owner"]]);
    msg = await sendOk(ann, conv, "base");
  });

  test("send: missing, wrong types, huge and malformed bodies are 4xx", async () => {
    const m0 = await countMessages(conv);
    const e0 = await countEvents();
    const bodies: unknown[] = [
      {},
      { text: null },
      { text: 5 },
      { text: ["a"] },
      { text: { a: 1 } },
      "just a string",
      [1, 2],
      null,
      { text: "x".repeat(100_000) },
      { text: "ok", attachmentIds: "upl_x" },
      { text: "ok", attachmentIds: [1] },
      { text: "ok", attachmentIds: ["a".repeat(33)] },
      { text: "ok", attachmentIds: Array.from({ length: 11 }, (_, i) => `upl_${i}`) },
      { text: "ok", attachmentIds: ["upl_a", "upl_a"] },
      { text: "", attachmentIds: [] },
      { text: "ok", replyToId: 5 },
      { text: "ok", replyToId: "abc" },
      { text: "ok", replyToId: "-1" },
      { text: "ok", replyToId: "1e3" },
      { text: "ok", replyToId: "99999999999999999999" },
      { text: "ok", clientMessageId: "" },
      { text: "ok", clientMessageId: "c".repeat(65) },
      { text: "ok", clientMessageId: 7 },
    ];
    for (const body of bodies) {
      const res = await s.api.post(`/conversations/${conv}/messages`, { token: ann.accessToken, body });
      assert.equal(res.status, 400, JSON.stringify(body).slice(0, 80));
      assert.ok(["validation_failed", "invalid_json"].includes(errorCode(res)));
    }
    const raw = [
      { raw: "{not json", contentType: "application/json", status: 400 },
      { raw: "text=hi", contentType: "application/x-www-form-urlencoded", status: 415 },
      { raw: "hi", contentType: "text/plain", status: 415 },
    ];
    for (const r of raw) {
      const res = await s.api.post(`/conversations/${conv}/messages`, { token: ann.accessToken, raw: r.raw, contentType: r.contentType });
      assert.equal(res.status, r.status, r.contentType);
      errorCode(res);
    }
    const huge = await s.api.post(`/conversations/${conv}/messages`, {
      token: ann.accessToken,
      raw: JSON.stringify({ text: "x".repeat(2 * 1024 * 1024) }),
      contentType: "application/json",
    });
    assert.equal(huge.status, 413);
    assert.equal(await countMessages(conv), m0);
    assert.equal(await countEvents(), e0);
  });

  test("path ids that cannot exist are 404, never 500", async () => {
    const paths = [
      ["POST", `/conversations/${"c".repeat(200)}/messages`, { text: "x" }],
      ["GET", `/conversations/${encodeURIComponent("' OR 1=1 --")}/messages`],
      ["GET", "/messages/abc"],
      ["GET", "/messages/-1"],
      ["GET", "/messages/0"],
      ["GET", "/messages/1.5"],
      ["GET", `/messages/${"9".repeat(30)}`],
      ["PATCH", "/messages/abc", { text: "x" }],
      ["DELETE", "/messages/%00"],
      ["PUT", "/messages/abc/reactions/x"],
    ] as const;
    for (const [method, path, body] of paths) {
      const res = await s.api.req(method, path, { token: ann.accessToken, ...(body === undefined ? {} : { body }) });
      assert.equal(res.status, 404, `${method} ${path}`);
      errorCode(res);
    }
  });

  test("read: missing or malformed messageId is 400", async () => {
    for (const body of [{}, { messageId: 5 }, { messageId: "abc" }, { messageId: "" }, { messageId: "9".repeat(30) }, null, "x"]) {
      const res = await s.api.post(`/conversations/${conv}/read`, { token: ann.accessToken, body });
      assert.equal(res.status, 400, JSON.stringify(body));
      errorCode(res);
    }
    const none = await s.api.post(`/conversations/${conv}/read`, { token: ann.accessToken });
    assert.equal(none.status, 400);
  });

  test("edit: missing and wrong bodies are 400 and the text stays", async () => {
    for (const body of [null, [], "x", { text: null }, { text: ["a"] }]) {
      const res = await s.api.patch(`/messages/${msg.id}`, { token: ann.accessToken, body });
      assert.equal(res.status, 400, JSON.stringify(body));
    }
    assert.equal((await s.api.patch(`/messages/${msg.id}`, { token: ann.accessToken })).status, 400);
    assert.equal((await s.services.db.getRepository(MessageEntity).findOneByOrFail({ id: Number(msg.id) })).text, "base");
  });
});
