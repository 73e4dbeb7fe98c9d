import assert from "node:assert/strict";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import mysql from "mysql2/promise";
import type { AuthResponse, Conversation, Message, SyncResponse } from "@parley/sdk/protocol";
import { newId, openDb, seedUsers, type Db } from "../bench/seed.js";
import { startServer, TEST_DB, TEST_JWT_SECRET, type TestServer } from "./helpers/harness.js";
import { recordQueries, type Recorded } from "./helpers/queries.js";

// /sync at scale (issue 14): a catch-up reads what concerns the caller, never the app's whole
// log; the cursor moves on for a quiet user; group updates are stored once per conversation;
// old events are pruned and a cursor older than them answers 410 sync_expired.

const DAY = 86_400_000;
const EVENT_COLS = ["appId", "seq", "conversationId", "userId", "messageId", "type", "data", "createdAt"];

let s: TestServer;
let seed: Db;

before(async () => {
  s = await startServer();
  seed = await openDb(TEST_DB === "mysql" ? { mysqlUrl: s.databaseUrl! } : { sqliteFile: path.join(s.dataDir, "parley.sqlite") });
});
after(async () => {
  await seed?.close();
  await s?.close();
});

const sync = (token: string, since: number, limit = 500) => s.api.get<SyncResponse>(`/sync?since=${since}&limit=${limit}`, { token });
const headOf = async (token: string): Promise<number> => (await s.api.get<{ lastSeq: number }>("/sync/head", { token })).body.lastSeq;

/**
 * Other people's events, appended straight to the log (as the writers would: next seqs, the
 * app's counter bumped): `count` message events spread over conversations the caller is not in.
 */
async function appendNoise(appId: string, count: number, createdAt = Date.now()): Promise<void> {
  const [head] = (await s.services.db.query("SELECT lastSeq FROM apps WHERE id = ?", [appId])) as { lastSeq: string | number }[];
  const first = Number(head!.lastSeq) + 1;
  const convs = Array.from({ length: 50 }, () => newId("cnv"));
  const rows: unknown[][] = [];
  for (let i = 0; i < count; i++) {
    const data = JSON.stringify({ message: { id: String(1_000_000 + first + i), text: `noise ${i}` } });
    rows.push([appId, first + i, convs[i % convs.length], null, null, "message.new", data, createdAt]);
  }
  await seed.insert("events", EVENT_COLS, rows);
  await s.services.db.query("UPDATE apps SET lastSeq = ? WHERE id = ?", [first + count - 1, appId]);
}

/** Runs `fn` and returns the SELECT statements it made (recorded from TypeORM's logger). */
const record = (fn: () => Promise<void>): Promise<Recorded[]> => recordQueries(s.services, fn, /^\s*\(?\s*SELECT\b/i);

/**
 * How each statement reads the events table, from the database's own plan: one line per access,
 * e.g. `events ix_events_conversation (appId=? AND conversationId=? AND seq>? AND seq<?)`.
 */
async function eventAccesses(q: Recorded): Promise<string[]> {
  if (TEST_DB === "mysql") {
    const rows: { table: string | null; type: string | null; key: string | null; ref: string | null }[] = await s.services.db.query(
      `EXPLAIN ${q.sql}`,
      q.params,
    );
    return rows.filter((r) => r.table === "events" || r.table === "e").map((r) => `events ${r.key ?? "-"} ${r.type} ${r.ref ?? ""}`.trim());
  }
  const rows: { detail: string }[] = await s.services.db.query(`EXPLAIN QUERY PLAN ${q.sql}`, q.params);
  return rows.map((r) => r.detail).filter((d) => /^(SCAN|SEARCH) (events|e)\b/.test(d));
}

/** True when an access reads one conversation's or one user's seq range through its index. */
function perCallerRange(access: string): boolean {
  return TEST_DB === "mysql"
    ? /^events ix_events_(conversation|user) (ref|range)\b/.test(access)
    : /USING (COVERING )?INDEX ix_events_(conversation|user) \(appId=\? AND (conversationId|userId)=\? AND seq>\? AND seq<\?\)/.test(access);
}

/** MariaDB's own count of index and row reads for these statements, on a connection of ours. */
async function rowsRead(statements: Recorded[]): Promise<number> {
  const c = await mysql.createConnection({ uri: s.databaseUrl! });
  try {
    const reads = async (): Promise<number> => {
      const [rows] = await c.query("SHOW SESSION STATUS LIKE 'Handler_read%'");
      return (rows as { Variable_name: string; Value: string }[]).reduce((a, r) => a + Number(r.Value), 0);
    };
    const before = await reads();
    for (const q of statements) await c.query(q.sql, q.params);
    return (await reads()) - before;
  } finally {
    await c.end();
  }
}

describe("a quiet user's /sync", () => {
  let appId: string;
  let quiet: AuthResponse;
  /** One who talks: their catch-up has events to give. */
  let talker: AuthResponse;
  let since = 0;

  before(async () => {
    appId = (await s.createTenant("Quiet")).id;
    const [q, ann, bob] = await Promise.all([s.api.register(appId), s.api.register(appId), s.api.register(appId)]);
    quiet = q!;
    talker = bob!;
    // The quiet user is in one conversation (nothing happens there) and has a cursor.
    assert.equal((await s.api.post("/conversations/direct", { token: quiet.accessToken, body: { userId: ann!.user.id } })).status, 201);
    since = (await sync(quiet.accessToken, 0)).body.lastSeq;
    // Others talk.
    const dm = (await s.api.post<{ conversation: Conversation }>("/conversations/direct", { token: ann!.accessToken, body: { userId: bob!.user.id } })).body
      .conversation;
    for (let i = 0; i < 20; i++)
      assert.equal((await s.api.post(`/conversations/${dm.id}/messages`, { token: bob!.accessToken, body: { text: `busy ${i}` } })).status, 201);
  });

  test("returns no event and a cursor advanced to the app's head", async () => {
    const head = await headOf(quiet.accessToken);
    assert.ok(head > since);
    const res = await sync(quiet.accessToken, since);
    assert.equal(res.status, 200);
    assert.deepEqual(res.body, { events: [], lastSeq: head, hasMore: false });
    // From there: nothing, and the cursor stays.
    assert.deepEqual((await sync(quiet.accessToken, head)).body, { events: [], lastSeq: head, hasMore: false });
  });

  test("a catch-up with events to give reads them with plain statements, and gives them whole", async () => {
    const from = since;
    let res: Awaited<ReturnType<typeof sync>> | undefined;
    const statements = await record(async () => {
      res = await sync(talker.accessToken, from, 10);
    });
    assert.equal(res!.status, 200);
    // Issue 34: in a reconnect storm, building these statements through TypeORM's query builder
    // (which quotes the table it names) was a tenth of the server's time.
    for (const q of statements) assert.doesNotMatch(q.sql, /\b(FROM|JOIN)\s+[`"]\w+[`"]/, `plain SQL, not the query builder's: ${q.sql}`);
    const { events, lastSeq, hasMore } = res!.body;
    assert.equal(events.length, 10);
    assert.equal(hasMore, true);
    assert.equal(lastSeq, events[events.length - 1]!.seq);
    for (const [i, e] of events.entries()) {
      assert.equal(typeof e.seq, "number");
      if (i > 0) assert.ok(e.seq > events[i - 1]!.seq, "in seq order");
      assert.match(e.at, /^\d{4}-\d\d-\d\dT/);
      assert.equal(typeof e.data, "object");
    }
    assert.ok(
      events.some((e) => e.type === "message.new" && (e.data as { message: { text: string } }).message.text.startsWith("busy ")),
      JSON.stringify(events.map((e) => e.type)),
    );
  });

  test("reads one index range per conversation of theirs and one of their own events, whatever the size of the app", async () => {
    const measure = async (): Promise<{ statements: Recorded[]; accesses: string[]; reads: number | null }> => {
      const statements = await record(async () => {
        assert.equal((await sync(quiet.accessToken, since)).status, 200);
      });
      const accesses: string[] = [];
      for (const q of statements) accesses.push(...(await eventAccesses(q)));
      return { statements, accesses, reads: TEST_DB === "mysql" ? await rowsRead(statements) : null };
    };
    const small = await measure();
    await appendNoise(appId, 30_000);
    await s.services.db.query(TEST_DB === "mysql" ? "ANALYZE TABLE events" : "ANALYZE");
    const big = await measure();
    console.log(
      `# quiet user's sync: ${big.statements.length} statements; events read through: ${big.accesses.join(" | ")}${big.reads === null ? "" : `; handler reads ${small.reads} (small app) vs ${big.reads} (+30,000 events)`}`,
    );

    assert.ok(big.accesses.length >= 2, "the conversation range and the user range");
    assert.deepEqual(
      big.accesses.filter((a) => !perCallerRange(a)),
      [],
      "every read of events is a per-conversation or per-user index range",
    );
    assert.equal(big.statements.length, small.statements.length);
    assert.deepEqual(big.accesses, small.accesses, "the same plan in a small and a big app");
    if (big.reads !== null) assert.equal(big.reads, small.reads, "MariaDB reads as many rows in the big app as in the small one");
    // And the answer is still right: nothing for the quiet user, the cursor at the head.
    const res = await sync(quiet.accessToken, since);
    assert.deepEqual(res.body, { events: [], lastSeq: await headOf(quiet.accessToken), hasMore: false });
  });
});

describe("a 1,000-member group", () => {
  test("stores each message once (not once per member): event rows and sync bytes grow with messages", async () => {
    const appId = (await s.createTenant("Big group")).id;
    const users = await seedUsers(seed, appId, 1000, { jwtSecret: TEST_JWT_SECRET, passwordHash: "x", prefix: "big" });
    const owner = users[0]!;
    const reader = users[999]!;
    const created = await s.api.post<{ conversation: Conversation }>("/conversations", {
      token: owner.token,
      body: { name: "Everyone", memberIds: users.slice(1, 500).map((u) => u.id) },
    });
    assert.equal(created.status, 201, JSON.stringify(created.body).slice(0, 300));
    const conv = created.body.conversation.id;
    assert.equal(
      (await s.api.post(`/conversations/${conv}/members`, { token: owner.token, body: { userIds: users.slice(500).map((u) => u.id) } })).status,
      200,
    );
    assert.equal((await s.api.patch(`/conversations/${conv}`, { token: owner.token, body: { name: "Everyone!" } })).status, 200);

    const count = async (since: number): Promise<{ rows: number; bytes: number; types: Record<string, number> }> => {
      const rows: { type: string; n: string | number; bytes: string | number }[] = await s.services.db.query(
        "SELECT type, COUNT(*) AS n, SUM(LENGTH(data)) AS bytes FROM events WHERE appId = ? AND conversationId = ? AND seq > ? GROUP BY type",
        [appId, conv, since],
      );
      return {
        rows: rows.reduce((a, r) => a + Number(r.n), 0),
        bytes: rows.reduce((a, r) => a + Number(r.bytes), 0),
        types: Object.fromEntries(rows.map((r) => [r.type, Number(r.n)])),
      };
    };
    const setup = await count(0);
    assert.deepEqual(setup.types, { "conversation.created": 1, "member.added": 500, "conversation.updated": 1 }, "one event per added member, one per change");

    const cursor = await headOf(reader.token);
    const sent: Message[] = [];
    for (let i = 0; i < 100; i++) {
      const res = await s.api.post<Message>(`/conversations/${conv}/messages`, { token: owner.token, body: { text: `hello everyone ${i}` } });
      assert.equal(res.status, 201);
      sent.push(res.body);
    }
    const messages = await count(cursor);
    const answer = await sync(reader.token, cursor);
    const syncBytes = Buffer.byteLength(JSON.stringify(answer.body));
    console.log(
      `# 1,000-member group: setup ${setup.rows} rows / ${setup.bytes} B (conversation.created + 500 member.added + 1 rename); ` +
        `100 messages: ${messages.rows} rows / ${messages.bytes} B stored (${(messages.bytes / 100).toFixed(0)} B a message); a member's /sync ${syncBytes} B`,
    );
    assert.deepEqual(messages.types, { "message.new": 100 }, "one stored event per message");
    assert.ok(messages.bytes < 100 * 1000, `${messages.bytes} B for 100 messages: no member list in message events`);
    assert.deepEqual(
      answer.body.events.map((e) => e.type === "message.new" && e.data.message.id),
      sent.map((m) => m.id),
    );
    assert.ok(syncBytes < 100 * 1500, `a member's /sync for 100 messages is ${syncBytes} B`);
    // Adding 500 members stored 500 small events, not a growing member list in each.
    assert.ok(setup.bytes - 2 * 1000 * 400 < 500 * 1000, `member.added events: ${setup.bytes} B in all`);
  });
});

describe("event retention", () => {
  test("prunes old events in chunks, records the floor, and answers a cursor below it 410 sync_expired", async () => {
    const appId = (await s.createTenant("Retention")).id;
    // 2,500 events from 40 days ago (more than two prune chunks), then today's conversation.
    await appendNoise(appId, 2500, Date.now() - 40 * DAY);
    const [ann, bob] = await Promise.all([s.api.register(appId), s.api.register(appId)]);
    const dm = (await s.api.post<{ conversation: Conversation }>("/conversations/direct", { token: ann!.accessToken, body: { userId: bob!.user.id } })).body
      .conversation;
    const sent: Message[] = [];
    for (let i = 0; i < 10; i++)
      sent.push((await s.api.post<Message>(`/conversations/${dm.id}/messages`, { token: ann!.accessToken, body: { text: `kept ${i}` } })).body);
    const head = await headOf(bob!.accessToken);
    // Of today's events, those up to the 4th message are made old as well.
    const [old] = (await s.services.db.query("SELECT seq FROM events WHERE appId = ? AND messageId = ? AND type = 'message.new'", [
      appId,
      Number(sent[3]!.id),
    ])) as { seq: string | number }[];
    const floor = Number(old!.seq);
    await s.services.db.query("UPDATE events SET createdAt = ? WHERE appId = ? AND seq > 2500 AND seq <= ?", [Date.now() - 31 * DAY, appId, floor]);
    assert.equal((await sync(bob!.accessToken, 0)).status, 200, "nothing pruned yet");

    const deleted = await s.services.retention.prune();
    const [row] = (await s.services.db.query("SELECT prunedSeq FROM apps WHERE id = ?", [appId])) as { prunedSeq: string | number }[];
    assert.equal(Number(row!.prunedSeq), floor);
    const [left] = (await s.services.db.query("SELECT COUNT(*) AS n, MIN(seq) AS lo FROM events WHERE appId = ?", [appId])) as {
      n: string | number;
      lo: string | number;
    }[];
    assert.equal(Number(left!.n), head - floor, "only events after the floor are left");
    assert.equal(Number(left!.lo), floor + 1);
    assert.ok(deleted >= floor, `${deleted} deleted`);

    for (const since of [0, floor - 1]) {
      const res = await s.api.get<{ error: { code: string; details?: { prunedSeq?: number } } }>(`/sync?since=${since}`, { token: bob!.accessToken });
      assert.equal(res.status, 410, `since=${since}`);
      assert.equal(res.body.error.code, "sync_expired");
      assert.equal(res.body.error.details?.prunedSeq, floor);
    }
    // From the floor on, everything retained is there, in order.
    const res = await sync(bob!.accessToken, floor);
    assert.equal(res.status, 200);
    assert.deepEqual(
      res.body.events.map((e) => e.type === "message.new" && e.data.message.text),
      sent.slice(4).map((m) => m.text),
    );
    assert.equal(res.body.lastSeq, head);
    // Nothing old enough: a second prune deletes nothing.
    assert.equal(await s.services.retention.prune(), 0);
  });

  test("the job runs by itself on its interval (EVENT_RETENTION_DAYS, EVENT_PRUNE_INTERVAL_SEC)", async () => {
    const t = await startServer({ EVENT_RETENTION_DAYS: String(1 / 86_400), EVENT_PRUNE_INTERVAL_SEC: "1" });
    try {
      const appId = (await t.createTenant("Short retention")).id;
      const [ann, bob] = await Promise.all([t.api.register(appId), t.api.register(appId)]);
      const dm = (await t.api.post<{ conversation: Conversation }>("/conversations/direct", { token: ann!.accessToken, body: { userId: bob!.user.id } })).body
        .conversation;
      assert.equal((await t.api.post(`/conversations/${dm.id}/messages`, { token: ann!.accessToken, body: { text: "soon gone" } })).status, 201);
      const head = (await t.api.get<{ lastSeq: number }>("/sync/head", { token: bob!.accessToken })).body.lastSeq;
      const deadline = Date.now() + 8000;
      let pruned = 0;
      while (Date.now() < deadline && pruned < head) {
        await new Promise((r) => setTimeout(r, 250));
        const [row] = (await t.services.db.query("SELECT prunedSeq FROM apps WHERE id = ?", [appId])) as { prunedSeq: string | number }[];
        pruned = Number(row!.prunedSeq);
      }
      assert.equal(pruned, head);
      assert.equal((await t.api.get(`/sync?since=0`, { token: bob!.accessToken })).status, 410);
      assert.equal((await t.api.get(`/sync?since=${head}`, { token: bob!.accessToken })).status, 200);
    } finally {
      await t.close();
    }
  });
});
