import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { AuthResponse, ChatEvent, Conversation, Page, SyncResponse } from "@parley/sdk/protocol";
import { ConversationEntity } from "../src/conversations/conversation.entity.js";
import { MemberEntity } from "../src/conversations/member.entity.js";
import { MessageEntity } from "../src/messages/message.entity.js";
import { errorCode, type Res } from "./helpers/api.js";
import { startServer, type TestServer } from "./helpers/harness.js";
import { recordQueries } from "./helpers/queries.js";

let s: TestServer;
let app: string;
let otherApp: string;

before(async () => {
  s = await startServer();
  app = (await s.createTenant()).id;
  otherApp = (await s.createTenant("Other site")).id;
});
after(() => s?.close());

const reg = (a = app, name?: string): Promise<AuthResponse> => s.api.register(a, name ? { displayName: name } : {});
const tok = (u: AuthResponse) => ({ token: u.accessToken });

async function group(owner: AuthResponse, memberIds: string[], extra: { name?: string; isPublic?: boolean } = {}): Promise<Conversation> {
  const res = await s.api.post<{ conversation: Conversation }>("/conversations", { ...tok(owner), body: { name: extra.name ?? "Team", memberIds, ...extra } });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return res.body.conversation;
}

async function dm(a: AuthResponse, b: AuthResponse): Promise<Conversation> {
  const res = await s.api.post<{ conversation: Conversation }>("/conversations/direct", { ...tok(a), body: { userId: b.user.id } });
  assert.ok(res.status === 200 || res.status === 201, JSON.stringify(res.body));
  return res.body.conversation;
}

/** Test setup only (no message API in this module): a message row, made the conversation's last. */
async function addMessage(conversationId: string, senderId: string, at: number, opts: { deleted?: boolean } = {}): Promise<number> {
  const repo = s.services.db.getRepository(MessageEntity);
  const res = await repo.insert({
    appId: app,
    conversationId,
    senderId,
    text: `hello at ${at}`,
    replyToId: null,
    clientMessageId: null,
    createdAt: at,
    editedAt: null,
    deletedAt: opts.deleted ? at : null,
  });
  const id = Number(res.identifiers[0]!["id"]);
  await s.services.db.getRepository(ConversationEntity).update({ id: conversationId }, { lastMessageId: id, lastActivityAt: at });
  return id;
}

async function events(u: AuthResponse, since = 0): Promise<ChatEvent[]> {
  const res = await s.api.get<SyncResponse>(`/sync?since=${since}&limit=1000`, tok(u));
  assert.equal(res.status, 200);
  return res.body.events;
}

async function lastSeq(u: AuthResponse): Promise<number> {
  const res = await s.api.get<SyncResponse>(`/sync?since=0&limit=1000`, tok(u));
  return res.body.lastSeq;
}

function expectError(res: Res, status: number, code?: string): void {
  assert.equal(res.status, status, JSON.stringify(res.body));
  const c = errorCode(res);
  if (code) assert.equal(c, code);
}

describe("direct conversations", () => {
  test("first call creates (201), the second from either side returns the same one (200)", async () => {
    const a = await reg();
    const b = await reg();
    const first = await s.api.post<{ conversation: Conversation }>("/conversations/direct", { ...tok(a), body: { userId: b.user.id } });
    assert.equal(first.status, 201);
    const c = first.body.conversation;
    assert.equal(c.kind, "direct");
    assert.equal(c.name, null);
    assert.equal(c.members.length, 2);
    assert.deepEqual(new Set(c.users.map((u) => u.id)), new Set([a.user.id, b.user.id]));
    assert.equal(c.myRole, "member");
    assert.equal(c.unreadCount, 0);
    assert.equal(c.lastMessage, null);
    const again = await s.api.post<{ conversation: Conversation }>("/conversations/direct", { ...tok(a), body: { userId: b.user.id } });
    assert.equal(again.status, 200);
    assert.equal(again.body.conversation.id, c.id);
    const reverse = await s.api.post<{ conversation: Conversation }>("/conversations/direct", { ...tok(b), body: { userId: a.user.id } });
    assert.equal(reverse.status, 200);
    assert.equal(reverse.body.conversation.id, c.id);
  });

  test("the other side sees a conversation.created event through sync", async () => {
    const a = await reg();
    const b = await reg();
    const c = await dm(a, b);
    const evs = (await events(b)).filter((e) => e.type === "conversation.created");
    assert.equal(evs.length, 1);
    assert.equal(evs[0]!.conversationId, c.id);
    assert.equal((evs[0]!.data as { conversation: Conversation }).conversation.id, c.id);
  });

  test("10 concurrent calls from both sides make exactly one conversation", async () => {
    const a = await reg();
    const b = await reg();
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        s.api.post<{ conversation: Conversation }>(
          "/conversations/direct",
          i % 2 ? { ...tok(a), body: { userId: b.user.id } } : { ...tok(b), body: { userId: a.user.id } },
        ),
      ),
    );
    for (const r of results) assert.ok(r.status === 200 || r.status === 201, `${r.status} ${JSON.stringify(r.body)}`);
    assert.equal(new Set(results.map((r) => r.body.conversation.id)).size, 1);
    assert.equal(results.filter((r) => r.status === 201).length, 1);
    const key = [a.user.id, b.user.id].sort().join(":");
    assert.equal(await s.services.db.getRepository(ConversationEntity).countBy({ directKey: key }), 1);
    assert.equal((await events(a)).filter((e) => e.type === "conversation.created").length, 1);
  });

  test("with yourself is 400; with an unknown or other-app user is 404", async () => {
    const a = await reg();
    const foreign = await reg(otherApp);
    expectError(await s.api.post("/conversations/direct", { ...tok(a), body: { userId: a.user.id } }), 400, "validation_failed");
    expectError(await s.api.post("/conversations/direct", { ...tok(a), body: { userId: "usr_doesnotexist" } }), 404, "not_found");
    expectError(await s.api.post("/conversations/direct", { ...tok(a), body: { userId: foreign.user.id } }), 404, "not_found");
  });

  test("a user blocked by the target gets 403 forbidden", async () => {
    const a = await reg();
    const b = await reg();
    assert.equal((await s.api.post("/blocks", { ...tok(b), body: { userId: a.user.id } })).status, 204);
    expectError(await s.api.post("/conversations/direct", { ...tok(a), body: { userId: b.user.id } }), 403, "forbidden");
  });

  test("direct conversations cannot be renamed, extended, left or re-roled (403)", async () => {
    const a = await reg();
    const b = await reg();
    const c3 = await reg();
    const c = await dm(a, b);
    expectError(await s.api.patch(`/conversations/${c.id}`, { ...tok(a), body: { name: "x" } }), 403, "forbidden");
    expectError(await s.api.post(`/conversations/${c.id}/members`, { ...tok(a), body: { userIds: [c3.user.id] } }), 403, "forbidden");
    expectError(await s.api.del(`/conversations/${c.id}/members/${b.user.id}`, tok(a)), 403, "forbidden");
    expectError(await s.api.del(`/conversations/${c.id}/members/${a.user.id}`, tok(a)), 403, "forbidden");
    expectError(await s.api.put(`/conversations/${c.id}/members/${b.user.id}/role`, { ...tok(a), body: { role: "admin" } }), 403, "forbidden");
    expectError(await s.api.post(`/conversations/${c.id}/join`, tok(c3)), 404, "not_found");
  });
});

describe("groups", () => {
  test("create: creator is owner, members deduped, 201 with profiles and a conversation.created event", async () => {
    const o = await reg();
    const b = await reg();
    const c = await reg();
    const g = await group(o, [b.user.id, c.user.id, b.user.id, o.user.id], { name: "  Friends  " });
    assert.equal(g.kind, "group");
    assert.equal(g.name, "Friends");
    assert.equal(g.isPublic, false);
    assert.equal(g.myRole, "owner");
    assert.equal(g.members.length, 3);
    assert.equal(g.users.length, 3);
    assert.equal(g.members.find((m) => m.userId === o.user.id)!.role, "owner");
    assert.equal(g.members.find((m) => m.userId === b.user.id)!.role, "member");
    assert.equal(g.members[0]!.lastReadMessageId, "0");
    const evs = (await events(c)).filter((e) => e.type === "conversation.created" && e.conversationId === g.id);
    assert.equal(evs.length, 1);
    const seen = await s.api.get<{ conversation: Conversation }>(`/conversations/${g.id}`, tok(b));
    assert.equal(seen.status, 200);
    assert.equal(seen.body.conversation.myRole, "member");
  });

  test("create with an unknown or other-app member is 404 and creates nothing", async () => {
    const o = await reg();
    const foreign = await reg(otherApp);
    const before = await s.api.get<Page<Conversation>>("/conversations", tok(o));
    expectError(await s.api.post("/conversations", { ...tok(o), body: { name: "x", memberIds: [foreign.user.id] } }), 404, "not_found");
    expectError(await s.api.post("/conversations", { ...tok(o), body: { name: "x", memberIds: ["usr_nope"] } }), 404, "not_found");
    const afterList = await s.api.get<Page<Conversation>>("/conversations", tok(o));
    assert.equal(afterList.body.items.length, before.body.items.length);
  });

  test("rename and make public: owner and admins may (event conversation.updated); members get 403", async () => {
    const o = await reg();
    const adm = await reg();
    const mem = await reg();
    const g = await group(o, [adm.user.id, mem.user.id]);
    assert.equal((await s.api.put(`/conversations/${g.id}/members/${adm.user.id}/role`, { ...tok(o), body: { role: "admin" } })).status, 200);
    const since = await lastSeq(mem);
    const r1 = await s.api.patch<{ conversation: Conversation }>(`/conversations/${g.id}`, { ...tok(o), body: { name: "Renamed" } });
    assert.equal(r1.status, 200);
    assert.equal(r1.body.conversation.name, "Renamed");
    const r2 = await s.api.patch<{ conversation: Conversation }>(`/conversations/${g.id}`, { ...tok(adm), body: { isPublic: true } });
    assert.equal(r2.status, 200);
    assert.equal(r2.body.conversation.isPublic, true);
    assert.equal(r2.body.conversation.name, "Renamed");
    expectError(await s.api.patch(`/conversations/${g.id}`, { ...tok(mem), body: { name: "Nope" } }), 403, "forbidden");
    const upd = (await events(mem, since)).filter((e) => e.type === "conversation.updated");
    assert.equal(upd.length, 2);
  });

  test("add members: owner/admin only, skips existing ones, events reach the added users", async () => {
    const o = await reg();
    const mem = await reg();
    const n1 = await reg();
    const n2 = await reg();
    const g = await group(o, [mem.user.id]);
    expectError(await s.api.post(`/conversations/${g.id}/members`, { ...tok(mem), body: { userIds: [n1.user.id] } }), 403, "forbidden");
    const res = await s.api.post<{ conversation: Conversation }>(`/conversations/${g.id}/members`, {
      ...tok(o),
      body: { userIds: [n1.user.id, n2.user.id, mem.user.id, n1.user.id] },
    });
    assert.equal(res.status, 200);
    assert.equal(res.body.conversation.members.length, 4);
    const added = (await events(n1)).filter((e) => e.type === "member.added" && e.conversationId === g.id);
    assert.equal(added.length, 2, "one event per added user, both visible now that n1 is a member");
    const mine = added.find((e) => (e.data as { members: { userId: string }[] }).members[0]!.userId === n1.user.id);
    assert.ok(mine);
    assert.equal((await s.api.get(`/conversations/${g.id}`, tok(n2))).status, 200);
  });

  test("remove: admins remove members but not the owner; members cannot remove others; member.removed reaches the removed user", async () => {
    const o = await reg();
    const adm = await reg();
    const m1 = await reg();
    const m2 = await reg();
    const g = await group(o, [adm.user.id, m1.user.id, m2.user.id]);
    await s.api.put(`/conversations/${g.id}/members/${adm.user.id}/role`, { ...tok(o), body: { role: "admin" } });
    expectError(await s.api.del(`/conversations/${g.id}/members/${m2.user.id}`, tok(m1)), 403, "forbidden");
    expectError(await s.api.del(`/conversations/${g.id}/members/${o.user.id}`, tok(adm)), 403, "forbidden");
    const since = await lastSeq(m1);
    assert.equal((await s.api.del(`/conversations/${g.id}/members/${m1.user.id}`, tok(adm))).status, 204);
    expectError(await s.api.get(`/conversations/${g.id}`, tok(m1)), 404, "not_found");
    const removed = (await events(m1, since)).filter((e) => e.type === "member.removed");
    assert.equal(removed.length, 1);
    assert.deepEqual(removed[0]!.data, { conversationId: g.id, userId: m1.user.id });
    expectError(await s.api.del(`/conversations/${g.id}/members/${m1.user.id}`, tok(o)), 404, "not_found");
  });

  test("leave: anyone may remove themselves", async () => {
    const o = await reg();
    const m1 = await reg();
    const g = await group(o, [m1.user.id]);
    assert.equal((await s.api.del(`/conversations/${g.id}/members/${m1.user.id}`, tok(m1))).status, 204);
    const res = await s.api.get<{ conversation: Conversation }>(`/conversations/${g.id}`, tok(o));
    assert.deepEqual(
      res.body.conversation.members.map((m) => m.userId),
      [o.user.id],
    );
  });

  test("when the owner leaves, the oldest admin becomes owner, else the oldest member; an empty group stays", async () => {
    const o = await reg();
    const m1 = await reg();
    const a1 = await reg();
    const a2 = await reg();
    const g = await group(o, [m1.user.id]);
    await s.api.post(`/conversations/${g.id}/members`, { ...tok(o), body: { userIds: [a1.user.id] } });
    await new Promise((r) => setTimeout(r, 5));
    await s.api.post(`/conversations/${g.id}/members`, { ...tok(o), body: { userIds: [a2.user.id] } });
    await s.api.put(`/conversations/${g.id}/members/${a2.user.id}/role`, { ...tok(o), body: { role: "admin" } });
    await s.api.put(`/conversations/${g.id}/members/${a1.user.id}/role`, { ...tok(o), body: { role: "admin" } });
    const since = await lastSeq(a1);
    assert.equal((await s.api.del(`/conversations/${g.id}/members/${o.user.id}`, tok(o))).status, 204);
    let c = (await s.api.get<{ conversation: Conversation }>(`/conversations/${g.id}`, tok(a1))).body.conversation;
    assert.equal(c.myRole, "owner", "a1 joined before a2");
    const upd = (await events(a1, since)).filter((e) => e.type === "member.updated");
    assert.equal(upd.length, 1);
    assert.equal((upd[0]!.data as { member: { userId: string; role: string } }).member.role, "owner");
    // Admins leave too: the remaining admin, then the plain member inherits.
    await s.api.del(`/conversations/${g.id}/members/${a1.user.id}`, tok(a1));
    c = (await s.api.get<{ conversation: Conversation }>(`/conversations/${g.id}`, tok(a2))).body.conversation;
    assert.equal(c.myRole, "owner");
    await s.api.del(`/conversations/${g.id}/members/${a2.user.id}`, tok(a2));
    c = (await s.api.get<{ conversation: Conversation }>(`/conversations/${g.id}`, tok(m1))).body.conversation;
    assert.equal(c.myRole, "owner");
    assert.equal((await s.api.del(`/conversations/${g.id}/members/${m1.user.id}`, tok(m1))).status, 204);
    assert.equal(await s.services.db.getRepository(MemberEntity).countBy({ conversationId: g.id }), 0);
    assert.equal(await s.services.db.getRepository(ConversationEntity).countBy({ id: g.id }), 1);
  });

  test("roles: only the owner sets them, the owner's own role is fixed, member.updated is sent", async () => {
    const o = await reg();
    const adm = await reg();
    const m1 = await reg();
    const g = await group(o, [adm.user.id, m1.user.id]);
    const r = await s.api.put(`/conversations/${g.id}/members/${adm.user.id}/role`, { ...tok(o), body: { role: "admin" } });
    assert.equal(r.status, 200);
    assert.equal(r.body.member.role, "admin");
    expectError(await s.api.put(`/conversations/${g.id}/members/${m1.user.id}/role`, { ...tok(adm), body: { role: "admin" } }), 403, "forbidden");
    expectError(await s.api.put(`/conversations/${g.id}/members/${o.user.id}/role`, { ...tok(o), body: { role: "member" } }), 403, "forbidden");
    const back = await s.api.put(`/conversations/${g.id}/members/${adm.user.id}/role`, { ...tok(o), body: { role: "member" } });
    assert.equal(back.body.member.role, "member");
    expectError(await s.api.patch(`/conversations/${g.id}`, { ...tok(adm), body: { name: "x" } }), 403, "forbidden");
    const upd = (await events(m1)).filter((e) => e.type === "member.updated" && e.conversationId === g.id);
    assert.equal(upd.length, 2);
  });

  test("public groups: search by name prefix (myRole null for non-members), join is idempotent, private ones 404", async () => {
    const o = await reg();
    const j = await reg();
    const tag = `Zq${Math.random().toString(36).slice(2, 8)}`;
    const pubs: Conversation[] = [];
    for (const n of ["a", "b", "c"]) pubs.push(await group(o, [], { name: `${tag} ${n}`, isPublic: true }));
    const priv = await group(o, [], { name: `${tag} private` });
    const page1 = await s.api.get<Page<Conversation>>(`/conversations/public?q=${encodeURIComponent(tag)}&limit=2`, tok(j));
    assert.equal(page1.status, 200);
    assert.deepEqual(
      page1.body.items.map((c) => c.name),
      [`${tag} a`, `${tag} b`],
    );
    assert.equal(page1.body.items[0]!.myRole, null);
    assert.ok(page1.body.nextCursor);
    const page2 = await s.api.get<Page<Conversation>>(`/conversations/public?q=${encodeURIComponent(tag)}&limit=2&cursor=${page1.body.nextCursor}`, tok(j));
    assert.deepEqual(
      page2.body.items.map((c) => c.name),
      [`${tag} c`],
    );
    assert.equal(page2.body.nextCursor, null);
    const none = await s.api.get<Page<Conversation>>(`/conversations/public?q=${encodeURIComponent("%")}`, tok(j));
    assert.equal(none.body.items.length, 0, "LIKE wildcards are escaped");

    expectError(await s.api.get(`/conversations/${pubs[0]!.id}`, tok(j)), 404, "not_found");
    expectError(await s.api.post(`/conversations/${priv.id}/join`, tok(j)), 404, "not_found");
    const since = await lastSeq(o);
    const j1 = await s.api.post<{ conversation: Conversation }>(`/conversations/${pubs[0]!.id}/join`, tok(j));
    assert.equal(j1.status, 200);
    assert.equal(j1.body.conversation.myRole, "member");
    const j2 = await s.api.post<{ conversation: Conversation }>(`/conversations/${pubs[0]!.id}/join`, tok(j));
    assert.equal(j2.status, 200);
    assert.equal(j2.body.conversation.members.length, 2);
    const added = (await events(o, since)).filter((e) => e.type === "member.added");
    assert.equal(added.length, 1, "joining twice sends one event");
    const again = await s.api.get<Page<Conversation>>(`/conversations/public?q=${encodeURIComponent(tag)}`, tok(j));
    assert.equal(again.body.items.find((c) => c.id === pubs[0]!.id)!.myRole, "member");
  });
});

describe("access control (IDOR)", () => {
  test("a non-member and a user of another app get 404 on every conversation route", async () => {
    const o = await reg();
    const m1 = await reg();
    const outsider = await reg();
    const foreign = await reg(otherApp);
    const g = await group(o, [m1.user.id]);
    const d = await dm(o, m1);
    for (const c of [g, d]) {
      for (const who of [outsider, foreign]) {
        const calls: [string, () => Promise<Res>][] = [
          ["GET", () => s.api.get(`/conversations/${c.id}`, tok(who))],
          ["PATCH", () => s.api.patch(`/conversations/${c.id}`, { ...tok(who), body: { name: "pwned" } })],
          ["JOIN", () => s.api.post(`/conversations/${c.id}/join`, tok(who))],
          ["ADD", () => s.api.post(`/conversations/${c.id}/members`, { ...tok(who), body: { userIds: [who.user.id] } })],
          ["REMOVE other", () => s.api.del(`/conversations/${c.id}/members/${m1.user.id}`, tok(who))],
          ["REMOVE self", () => s.api.del(`/conversations/${c.id}/members/${who.user.id}`, tok(who))],
          ["ROLE", () => s.api.put(`/conversations/${c.id}/members/${m1.user.id}/role`, { ...tok(who), body: { role: "admin" } })],
        ];
        for (const [name, call] of calls) {
          const res = await call();
          assert.equal(res.status, 404, `${c.kind} ${name}: ${res.status} ${JSON.stringify(res.body)}`);
          assert.equal(errorCode(res), "not_found");
        }
      }
    }
    // Nothing changed.
    const after = await s.api.get<{ conversation: Conversation }>(`/conversations/${g.id}`, tok(o));
    assert.equal(after.body.conversation.name, "Team");
    assert.equal(after.body.conversation.members.length, 2);
    // Listing never shows them either.
    const list = await s.api.get<Page<Conversation>>("/conversations", tok(foreign));
    assert.equal(list.body.items.length, 0);
  });

  test("adding a user of another app to a group is 404", async () => {
    const o = await reg();
    const foreign = await reg(otherApp);
    const g = await group(o, []);
    expectError(await s.api.post(`/conversations/${g.id}/members`, { ...tok(o), body: { userIds: [foreign.user.id] } }), 404, "not_found");
  });

  test("every route needs a token (401)", async () => {
    for (const [m, p] of [
      ["GET", "/conversations"],
      ["POST", "/conversations"],
      ["POST", "/conversations/direct"],
      ["GET", "/conversations/public"],
      ["GET", "/conversations/x"],
    ] as const) {
      const res = await s.api.req(m, p);
      assert.equal(res.status, 401, `${m} ${p}`);
    }
  });
});

describe("conversation list", () => {
  test("200 conversations: order, pagination, unread counts, last messages, and a fixed query count", async () => {
    const heavy = await reg();
    const light = await reg();
    const partner = await reg();
    const base = Date.now() + 10_000;
    const expected = new Map<string, { unread: number; last: number; at: number }>();
    const makeConvs = async (user: AuthResponse, n: number): Promise<void> => {
      for (let i = 0; i < n; i++) {
        const g = await group(user, [partner.user.id], { name: `G${i}` });
        const t0 = base + i * 10;
        const k = i % 4; // unread messages from the partner
        for (let j = 0; j < k; j++) await addMessage(g.id, partner.user.id, t0 + j);
        if (i % 5 === 0) await addMessage(g.id, partner.user.id, t0 + 5, { deleted: true }); // tombstones do not count
        let last = await addMessage(g.id, user.user.id, t0 + 6); // own messages do not count
        let unread = k;
        if (i % 7 === 0) {
          // A message the user has read: the read mark moves past it.
          last = await addMessage(g.id, partner.user.id, t0 + 7);
          await s.services.db.getRepository(MemberEntity).update({ conversationId: g.id, userId: user.user.id }, { lastReadMessageId: last - 1 });
          unread = 1;
        }
        expected.set(g.id, { unread, last, at: t0 });
      }
    };
    await makeConvs(heavy, 200);
    await makeConvs(light, 5);

    const seen: Conversation[] = [];
    let cursor: string | null = null;
    do {
      const q: string = cursor ? `?limit=100&cursor=${cursor}` : "?limit=100";
      const res: Res<Page<Conversation>> = await s.api.get<Page<Conversation>>(`/conversations${q}`, tok(heavy));
      assert.equal(res.status, 200);
      seen.push(...res.body.items);
      cursor = res.body.nextCursor;
    } while (cursor);
    assert.equal(seen.length, 200);
    assert.equal(new Set(seen.map((c) => c.id)).size, 200);
    const times = seen.map((c) => Date.parse(c.lastActivityAt));
    assert.deepEqual(
      times,
      [...times].sort((x, y) => y - x),
      "newest activity first",
    );
    for (const c of seen) {
      const e = expected.get(c.id)!;
      assert.equal(c.unreadCount, e.unread, `unread of ${c.name}`);
      assert.equal(c.lastMessage?.id, String(e.last), `last message of ${c.name}`);
      assert.equal(c.myRole, "owner");
      assert.equal(c.users.length, 2);
      assert.equal(c.members.length, 2);
    }

    // Query count: one page of 100 for the heavy user vs the 5 of the light user.
    let big!: Res<Page<Conversation>>;
    let small!: Res<Page<Conversation>>;
    const bigCount = (await recordQueries(s.services, async () => (big = await s.api.get<Page<Conversation>>("/conversations?limit=100", tok(heavy))))).length;
    const smallCount = (await recordQueries(s.services, async () => (small = await s.api.get<Page<Conversation>>("/conversations?limit=100", tok(light)))))
      .length;
    assert.equal(big.body.items.length, 100);
    assert.equal(small.body.items.length, 5);
    console.log(`queries: ${bigCount} for 100 conversations, ${smallCount} for 5`);
    assert.equal(bigCount, smallCount);
    // A page, members, users, last messages (+ their uploads, reactions, mentions, pins, polls),
    // unread counts, invitations, mention and thread-unread counts, auth: whatever the page size.
    assert.ok(bigCount <= 13, `expected a handful of queries, got ${bigCount}`);
  });

  test("a cursor that is not ours is 400, not 500", async () => {
    const u = await reg();
    expectError(await s.api.get("/conversations?cursor=garbage", tok(u)), 400, "validation_failed");
  });
});

describe("bad input never 500s", () => {
  test("every route answers 4xx with an error body for missing, wrong-type and huge fields", async () => {
    const o = await reg();
    const m1 = await reg();
    const g = await group(o, [m1.user.id]);
    const huge = "x".repeat(100_000);
    const many = Array.from({ length: 1001 }, (_, i) => `usr_${i}`);
    const cases: [string, string, unknown][] = [
      ["POST", "/conversations/direct", {}],
      ["POST", "/conversations/direct", { userId: 42 }],
      ["POST", "/conversations/direct", { userId: "" }],
      ["POST", "/conversations/direct", { userId: huge }],
      ["POST", "/conversations/direct", [1, 2]],
      ["POST", "/conversations/direct", null],
      ["POST", "/conversations", {}],
      ["POST", "/conversations", { name: "x" }],
      ["POST", "/conversations", { name: "", memberIds: [] }],
      ["POST", "/conversations", { name: "   ", memberIds: [] }],
      ["POST", "/conversations", { name: "x".repeat(101), memberIds: [] }],
      ["POST", "/conversations", { name: "x", memberIds: "abc" }],
      ["POST", "/conversations", { name: "x", memberIds: [1] }],
      ["POST", "/conversations", { name: "x", memberIds: many }],
      ["POST", "/conversations", { name: "x", memberIds: [huge] }],
      ["POST", "/conversations", { name: "x", memberIds: [], isPublic: "yes" }],
      ["POST", "/conversations", { name: { a: 1 }, memberIds: [] }],
      ["PATCH", `/conversations/${g.id}`, {}],
      ["PATCH", `/conversations/${g.id}`, { name: 5 }],
      ["PATCH", `/conversations/${g.id}`, { name: huge }],
      ["PATCH", `/conversations/${g.id}`, { isPublic: "true" }],
      ["PATCH", `/conversations/${huge.slice(0, 5000)}`, { name: "x" }],
      ["POST", `/conversations/${g.id}/members`, {}],
      ["POST", `/conversations/${g.id}/members`, { userIds: [] }],
      ["POST", `/conversations/${g.id}/members`, { userIds: "x" }],
      ["POST", `/conversations/${g.id}/members`, { userIds: many }],
      ["POST", `/conversations/${g.id}/members`, { userIds: [null] }],
      ["PUT", `/conversations/${g.id}/members/${m1.user.id}/role`, {}],
      ["PUT", `/conversations/${g.id}/members/${m1.user.id}/role`, { role: "owner" }],
      ["PUT", `/conversations/${g.id}/members/${m1.user.id}/role`, { role: 1 }],
      ["PUT", `/conversations/${g.id}/members/${huge.slice(0, 5000)}/role`, { role: "admin" }],
      ["DELETE", `/conversations/${g.id}/members/${huge.slice(0, 5000)}`, undefined],
      ["GET", `/conversations/${huge.slice(0, 5000)}`, undefined],
      ["POST", `/conversations/${huge.slice(0, 5000)}/join`, undefined],
      ["GET", "/conversations?limit=0", undefined],
      ["GET", "/conversations?limit=abc", undefined],
      ["GET", "/conversations?limit=100000", undefined],
      ["GET", "/conversations?limit=1&limit=2", undefined],
      ["GET", `/conversations?cursor=${huge.slice(0, 1000)}`, undefined],
      ["GET", `/conversations?cursor=${Buffer.from(JSON.stringify({ t: "x", i: 1 })).toString("base64url")}`, undefined],
      ["GET", "/conversations/public?limit=-1", undefined],
      ["GET", `/conversations/public?q=${huge.slice(0, 1000)}`, undefined],
      ["GET", "/conversations/public?cursor=%%%", undefined],
    ];
    for (const [method, path, body] of cases) {
      const res = await s.api.req(method, path, { ...tok(o), ...(body === undefined ? {} : { body }) });
      assert.ok(res.status >= 400 && res.status < 500, `${method} ${path.slice(0, 80)} ${JSON.stringify(body)?.slice(0, 80)}: ${res.status}`);
      errorCode(res);
    }
    const raw = await s.api.post("/conversations", { ...tok(o), raw: "{not json", contentType: "application/json" });
    expectError(raw, 400, "invalid_json");
    const text = await s.api.post("/conversations/direct", { ...tok(o), raw: "userId=x", contentType: "text/plain" });
    expectError(text, 415, "unsupported_media_type");
  });
});
