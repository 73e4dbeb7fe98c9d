import assert from "node:assert/strict";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import mysql from "mysql2/promise";
import type { AuthResponse, ChatEvent, Conversation, Message, Page, SyncResponse } from "@parley/sdk/protocol";
import { loadConfig } from "../src/config.js";
import { MemberEntity } from "../src/conversations/member.entity.js";
import { openDatabase } from "../src/db/data-source.js";
import { SCHEMA } from "../src/schema.js";
import { createApp } from "../src/http/app.js";
import { MessageEntity } from "../src/messages/message.entity.js";
import { ReactionEntity } from "../src/messages/reaction.entity.js";
import { createServices } from "../src/services.js";
import { createLogger } from "../src/shared/logger.js";
import { ApiClient, errorCode } from "./helpers/api.js";
import { startServer, TEST_DB, TEST_JWT_SECRET, type TestServer } from "./helpers/harness.js";
import { sleep } from "./helpers/sockets.js";

let s: TestServer;
let app: string;

before(async () => {
  s = await startServer();
  app = (await s.createTenant()).id;
});
after(() => s?.close());

const tok = (u: AuthResponse) => ({ token: u.accessToken });
const reg = (): Promise<AuthResponse> => s.api.register(app);

async function group(owner: AuthResponse, memberIds: string[], extra: { name?: string; isPublic?: boolean } = {}): Promise<Conversation> {
  const res = await s.api.post<{ conversation: Conversation }>("/conversations", { ...tok(owner), body: { name: extra.name ?? "Team", memberIds, ...extra } });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return res.body.conversation;
}

async function lastSeq(u: AuthResponse): Promise<number> {
  const res = await s.api.get<SyncResponse>("/sync?since=0&limit=1000", tok(u));
  assert.equal(res.status, 200);
  assert.equal(res.body.hasMore, false);
  return res.body.lastSeq;
}

async function eventsSince(u: AuthResponse, since: number): Promise<ChatEvent[]> {
  const res = await s.api.get<SyncResponse>(`/sync?since=${since}&limit=1000`, tok(u));
  assert.equal(res.status, 200);
  return res.body.events;
}

/**
 * Another Parley node on the same database (MySQL only: several nodes need a shared server
 * database). Writers within one node are serialised, so races need a second node.
 */
async function extraNode(): Promise<{ api: ApiClient; close(): Promise<void> }> {
  const db = await openDatabase({ url: s.databaseUrl, sqliteFile: path.join(s.dataDir, "parley.sqlite") }, SCHEMA);
  const services = await createServices(s.services.config, db, createLogger("silent"));
  const server = createServer(createApp(services).callback());
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    api: new ApiClient(`http://127.0.0.1:${(server.address() as AddressInfo).port}`),
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      services.presence.close();
      await db.destroy();
    },
  };
}

/**
 * MySQL: runs `fire` while the app's event-log row is locked, so the first writer to insert
 * holds its row lock (it waits to append its event) while every other node's writer has
 * already checked "not there yet" and waits on that same row. Released once `waiters`
 * transactions wait on a lock: the race then happens every time, not by luck.
 */
async function withRaceForced<T>(appId: string, waiters: number, fire: () => Promise<T>): Promise<T> {
  const c = await mysql.createConnection(s.databaseUrl!);
  const dbName = new URL(s.databaseUrl!).pathname.slice(1);
  try {
    await c.query("START TRANSACTION");
    await c.query("SELECT lastSeq FROM apps WHERE id = ? FOR UPDATE", [appId]);
    const pending = fire();
    // Writers blocked on a lock show up as statements still running in this database (InnoDB's
    // own LOCK WAIT view is not reliable here); seen twice in a row, so none is just passing by.
    const deadline = Date.now() + 5000;
    let stable = 0;
    while (stable < 2) {
      const [rows] = await c.query<mysql.RowDataPacket[]>(
        "SELECT COUNT(*) AS n FROM information_schema.PROCESSLIST WHERE DB = ? AND COMMAND = 'Query' AND ID <> CONNECTION_ID()",
        [dbName],
      );
      stable = Number(rows[0]!["n"]) >= waiters ? stable + 1 : 0;
      if (Date.now() > deadline) throw new Error(`only ${rows[0]!["n"]} of ${waiters} writers reached the race`);
      await sleep(50);
    }
    await c.query("COMMIT");
    return await pending;
  } finally {
    await c.end();
  }
}

describe("config: token lifetimes", () => {
  test("ACCESS_TOKEN_TTL_SEC=1: expiresIn is 1 and ~2 s later the access token is 401 token_expired, while the refresh token still works", async () => {
    const s2 = await startServer({ ACCESS_TOKEN_TTL_SEC: "1" });
    try {
      const app2 = (await s2.createTenant()).id;
      const u = await s2.api.register(app2);
      assert.equal(u.expiresIn, 1);
      await sleep(2200);
      const me = await s2.api.get("/me", tok(u));
      assert.equal(me.status, 401);
      assert.equal(errorCode(me), "token_expired");
      const refreshed = await s2.api.post<AuthResponse>("/auth/refresh", { app: app2, body: { refreshToken: u.refreshToken } });
      assert.equal(refreshed.status, 200, JSON.stringify(refreshed.body));
      assert.equal(refreshed.body.expiresIn, 1);
    } finally {
      await s2.close();
    }
  });

  test("token lifetimes default to 900 s and 30 days, are read from the environment, and out-of-range values are refused", () => {
    const base = { NODE_ENV: "test", JWT_SECRET: TEST_JWT_SECRET, DATA_DIR: s.dataDir };
    const d = loadConfig(base);
    assert.equal(d.accessTokenTtlSec, 900);
    assert.equal(d.refreshTokenTtlSec, 30 * 24 * 3600);
    const c = loadConfig({ ...base, ACCESS_TOKEN_TTL_SEC: "60", REFRESH_TOKEN_TTL_SEC: "3600" });
    assert.equal(c.accessTokenTtlSec, 60);
    assert.equal(c.refreshTokenTtlSec, 3600);
    for (const bad of [
      { ACCESS_TOKEN_TTL_SEC: "0" },
      { ACCESS_TOKEN_TTL_SEC: "86401" },
      { ACCESS_TOKEN_TTL_SEC: "1.5" },
      { REFRESH_TOKEN_TTL_SEC: "abc" },
      { ACCESS_TOKEN_TTL_SEC: "7200", REFRESH_TOKEN_TTL_SEC: "3600" },
    ]) {
      assert.throws(() => loadConfig({ ...base, ...bad }), /TTL_SEC/, JSON.stringify(bad));
    }
  });
});

describe("races between nodes", () => {
  /** The API of every node: on MySQL this one plus two more on the same database. */
  let nodes: ApiClient[] = [];
  const extras: Array<{ close(): Promise<void> }> = [];
  before(async () => {
    nodes = [s.api];
    if (TEST_DB === "mysql") {
      for (let i = 0; i < 2; i++) {
        const n = await extraNode();
        extras.push(n);
        nodes.push(n.api);
      }
    }
  });
  after(async () => {
    for (const n of extras) await n.close();
  });

  /** Fires `count` calls spread over the nodes, the race forced on MySQL. */
  const race = <T>(count: number, call: (api: ApiClient) => Promise<T>): Promise<T[]> => {
    const fire = () => Promise.all(Array.from({ length: count }, (_, i) => call(nodes[i % nodes.length]!)));
    return TEST_DB === "mysql" ? withRaceForced(app, Math.min(count, nodes.length), fire) : fire();
  };

  test("10 concurrent joins of the same user all answer 200, store one member row and log one member.added", async () => {
    const owner = await reg();
    const joiner = await reg();
    const conv = await group(owner, [], { name: "Open race", isPublic: true });
    const since = await lastSeq(owner);
    const answers = await race(10, (api) => api.post<{ conversation: Conversation }>(`/conversations/${conv.id}/join`, tok(joiner)));
    for (const a of answers) {
      assert.equal(a.status, 200, JSON.stringify(a.body));
      assert.equal(a.body.conversation.myRole, "member", "every answer shows the caller as a member");
    }
    assert.equal(await s.services.db.getRepository(MemberEntity).countBy({ conversationId: conv.id, userId: joiner.user.id }), 1);
    const added = (await eventsSince(owner, since)).filter((e) => e.type === "member.added");
    assert.equal(added.length, 1, "one member.added for one new member");
  });

  test("two admins adding the same user at once both answer 200 and log one member.added", async () => {
    const owner = await reg();
    const admin = await reg();
    const newcomer = await reg();
    const conv = await group(owner, [admin.user.id]);
    assert.equal((await s.api.put(`/conversations/${conv.id}/members/${admin.user.id}/role`, { ...tok(owner), body: { role: "admin" } })).status, 200);
    const since = await lastSeq(owner);
    const answers = await race(2, (api) =>
      api.post<{ conversation: Conversation }>(`/conversations/${conv.id}/members`, {
        ...tok(api === nodes[0] ? owner : admin),
        body: { userIds: [newcomer.user.id] },
      }),
    );
    for (const a of answers) {
      assert.equal(a.status, 200, JSON.stringify(a.body));
      assert.ok(a.body.conversation.members.some((m) => m.userId === newcomer.user.id));
    }
    assert.equal(await s.services.db.getRepository(MemberEntity).countBy({ conversationId: conv.id, userId: newcomer.user.id }), 1);
    const added = (await eventsSince(owner, since)).filter((e) => e.type === "member.added");
    assert.equal(added.length, 1);
  });

  test("5 concurrent PUTs of the same emoji by the same user make count 1 and one reaction.updated", async () => {
    const ann = await reg();
    const bob = await reg();
    const conv = await group(ann, [bob.user.id]);
    const sent = await s.api.post<Message>(`/conversations/${conv.id}/messages`, { ...tok(ann), body: { text: "react to me" } });
    assert.equal(sent.status, 201);
    const since = await lastSeq(ann);
    const emoji = encodeURIComponent("👍");
    const answers = await race(5, (api) => api.put<Message>(`/messages/${sent.body.id}/reactions/${emoji}`, tok(bob)));
    for (const a of answers) assert.equal(a.status, 200, JSON.stringify(a.body));
    assert.equal(await s.services.db.getRepository(ReactionEntity).countBy({ messageId: Number(sent.body.id) }), 1);
    const got = await s.api.get<Message>(`/messages/${sent.body.id}`, tok(ann));
    assert.deepEqual(
      got.body.reactions.map((r) => [r.emoji, r.count]),
      [["👍", 1]],
    );
    const events = (await eventsSince(ann, since)).filter((e) => e.type === "reaction.updated");
    assert.equal(events.length, 1, "one reaction.updated for one stored reaction");
    assert.equal(events[0]!.type === "reaction.updated" && events[0]!.data.count, 1);
  });
});

describe("public group previews", () => {
  test("a non-member sees the members but no lastMessage and unreadCount 0; a member sees the last message", async () => {
    const owner = await reg();
    const member = await reg();
    const outsider = await reg();
    const tag = `Pv${Math.random().toString(36).slice(2, 8)}`;
    const conv = await group(owner, [member.user.id], { name: `${tag} lounge`, isPublic: true });
    const secret = `only for members ${tag}`;
    assert.equal((await s.api.post(`/conversations/${conv.id}/messages`, { ...tok(owner), body: { text: secret } })).status, 201);

    const seen = await s.api.get<Page<Conversation>>(`/conversations/public?q=${encodeURIComponent(tag)}`, tok(outsider));
    assert.equal(seen.status, 200);
    const preview = seen.body.items.find((c) => c.id === conv.id)!;
    assert.ok(preview);
    assert.equal(preview.lastMessage, null);
    assert.equal(preview.unreadCount, 0);
    assert.equal(preview.myRole, null);
    assert.deepEqual(preview.members.map((m) => m.userId).sort(), [owner.user.id, member.user.id].sort());
    assert.equal(JSON.stringify(seen.body).includes(secret), false, "no message text reaches a non-member");

    const inside = await s.api.get<Page<Conversation>>(`/conversations/public?q=${encodeURIComponent(tag)}`, tok(member));
    const mine = inside.body.items.find((c) => c.id === conv.id)!;
    assert.equal(mine.lastMessage?.text, secret);
    assert.equal(mine.unreadCount, 1);
  });
});

describe("blocks in an existing direct conversation", () => {
  test("once the other member blocks you, sending into the DM is 403 forbidden and stores nothing; unblocking lifts it; groups are not affected", async () => {
    const ann = await reg();
    const bob = await reg();
    const dm = await s.api.post<{ conversation: Conversation }>("/conversations/direct", { ...tok(ann), body: { userId: bob.user.id } });
    assert.equal(dm.status, 201);
    const id = dm.body.conversation.id;
    const send = (u: AuthResponse, conv: string, text: string) => s.api.post<Message>(`/conversations/${conv}/messages`, { ...tok(u), body: { text } });
    assert.equal((await send(ann, id, "hi")).status, 201);
    const shared = await group(ann, [bob.user.id]);

    assert.equal((await s.api.post("/blocks", { ...tok(bob), body: { userId: ann.user.id } })).status, 204);
    const before = await s.services.db.getRepository(MessageEntity).countBy({ conversationId: id });
    const refused = await send(ann, id, "are you there?");
    assert.equal(refused.status, 403);
    assert.equal(errorCode(refused), "forbidden");
    assert.equal(await s.services.db.getRepository(MessageEntity).countBy({ conversationId: id }), before, "nothing stored");
    assert.equal((await send(bob, id, "the blocker may still write")).status, 201);
    assert.equal((await send(ann, shared.id, "groups still work")).status, 201);

    assert.equal((await s.api.del(`/blocks/${ann.user.id}`, tok(bob))).status, 204);
    assert.equal((await send(ann, id, "back again")).status, 201);
  });
});
