import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { AuthResponse, Conversation, Message, SearchResponse } from "@parley/sdk/protocol";
import { rowMarks } from "../src/db/sql.js";
import { SearchService } from "../src/search/search.service.js";
import { documentText } from "../src/search/terms.js";
import { assertClientError, type ReqOptions, type Res } from "./helpers/api.js";
import { startServer, TEST_DB, type TestServer } from "./helpers/harness.js";

/**
 * Red team round 3, G3: no single user may occupy the database with searches. Searches are limited
 * per user and per app (429 with Retry-After), and one search's cost is bounded whatever the
 * caller's membership: past its budget it answers what it found with a cursor to continue, and
 * following the cursors finds every hit exactly once.
 */

let s: TestServer;
let app: string;
const uniq = Math.random().toString(36).slice(2, 8);
const tok = (u: AuthResponse): ReqOptions => ({ token: u.accessToken });

function ok<T>(res: Res<T>, status = 200): T {
  assert.equal(res.status, status, JSON.stringify(res.body));
  return res.body;
}

async function group(owner: AuthResponse, name: string): Promise<string> {
  return ok(await s.api.post<{ conversation: Conversation }>("/conversations", { ...tok(owner), body: { name, memberIds: [] } }), 201).conversation.id;
}

async function send(u: AuthResponse, conversationId: string, text: string): Promise<Message> {
  return ok(await s.api.post<Message>(`/conversations/${conversationId}/messages`, { ...tok(u), body: { text } }), 201);
}

before(async () => {
  // The production defaults would do, but smaller numbers keep the test short.
  s = await startServer({ RATE_LIMIT_SEARCH_PER_USER: "5", RATE_LIMIT_SEARCH_PER_APP: "8" });
  app = (await s.createTenant("Search limits")).id;
});
after(() => s?.close());

describe("search is bounded", () => {
  test("past the per-user limit a search is 429 with Retry-After; past the app's, every user's is", async () => {
    const [ann, ben] = [await s.api.register(app), await s.api.register(app)];
    const q = `/search?q=${encodeURIComponent(`hello ${uniq}`)}`;
    for (let i = 0; i < 5; i++) ok(await s.api.get(q, tok(ann)));
    const refused = await s.api.get(q, tok(ann));
    assertClientError(refused, { status: 429, code: "rate_limited" });
    assert.ok(Number(refused.headers.get("retry-after")) >= 1, `Retry-After: ${refused.headers.get("retry-after")}`);
    // Ann's refusals took nothing from the app: Ben has the app's last three.
    for (let i = 0; i < 3; i++) ok(await s.api.get(q, tok(ben)));
    assertClientError(await s.api.get(q, tok(ben)), { status: 429, code: "rate_limited" });
  });

  test("a search whose budget is spent answers what it found with a cursor; the cursors find every hit once", async () => {
    const owner = await s.api.register(app);
    const rooms = [await group(owner, "One"), await group(owner, "Two"), await group(owner, "Three")];
    const word = `ocelot${uniq}`;
    const expected: string[] = [];
    for (let i = 0; i < 24; i++) {
      const text = i % 3 === 0 ? `${word} number ${i}` : `filler ${i}`;
      await send(owner, rooms[i % 3]!, text);
      if (i % 3 === 0) expected.unshift(text);
    }
    const { db, membership, presenter, conversations } = s.services;
    // No time at all: each search reads one window of 4 ids (SQLite: of the index; MariaDB: of the
    // caller's messages, as for a member of more conversations than the recent read takes), then stops.
    const bounded = new SearchService(
      { db, membership, presenter, conversations },
      { budgetMs: 0, windowIds: 4, recentScanRows: 50, recentScanConversationsMax: 0 },
    );
    const seen: string[] = [];
    let partial = 0;
    let cursor: string | undefined;
    for (let page = 0; page < 100; page++) {
      const res: SearchResponse = await bounded.search({ appId: app, user: owner.user.id }, { q: word, limit: 5, ...(cursor ? { cursor } : {}) });
      seen.push(...res.items.map((h) => h.message.text ?? ""));
      if (res.nextCursor !== null && res.items.length < 5) partial++;
      if (res.nextCursor === null) break;
      cursor = res.nextCursor;
    }
    assert.deepEqual(seen, expected, "every hit once, newest first");
    if (TEST_DB === "sqlite") assert.ok(partial > 0, "some pages stopped at the budget with fewer hits than asked");
  });

  test("MariaDB: a full-text query slower than the budget is stopped by the server; the page answers the recent hits and a cursor", {
    skip: TEST_DB !== "mysql",
  }, async () => {
    const ann = await s.api.register(app);
    const mine = await group(ann, "Mine");
    const noisy = await group(ann, "Noisy");
    const word = `lemur${uniq}`;
    const old = [await send(ann, mine, `${word} the oldest`), await send(ann, mine, `${word} the second oldest`)];
    for (let i = 0; i < 12; i++) await send(ann, mine, `chatter ${i}`);
    const recentHit = await send(ann, mine, `${word} the newest`);
    // Another conversation of the app (not Ann's after she leaves it) with 180,000 messages holding
    // the word: InnoDB's FULLTEXT pays for every one of them, whoever asks: about 95 ms unbounded on a
    // quiet box, so MariaDB's statement timer has ~85 ms to stop it. With 60,000 (about 35 ms) a
    // loaded CI run once saw the query answer whole: the timer fires late when the box is busy.
    const rows = 180_000;
    const [senderRow] = (await s.services.db.query("SELECT id FROM users WHERE appId = ? LIMIT 1", [app])) as { id: string }[];
    const at = Date.now();
    for (let done = 0; done < rows; done += 2000) {
      const n = Math.min(2000, rows - done);
      await s.services.db.query(
        `INSERT INTO messages (appId, conversationId, senderId, text, createdAt) VALUES ${rowMarks(n, 5)}`,
        Array.from({ length: n }, () => [app, noisy, senderRow!.id, `${word} noise`, at]).flat(),
      );
    }
    await s.services.db.query("INSERT INTO message_search (messageId, appId, terms) SELECT id, appId, ? FROM messages WHERE conversationId = ?", [
      documentText(noisy, `${word} noise`),
      noisy,
    ]);
    ok(await s.api.del(`/conversations/${noisy}/members/${ann.user.id}`, tok(ann)), 204);
    const { db, membership, presenter, conversations } = s.services;
    const bounded = new SearchService({ db, membership, presenter, conversations }, { budgetMs: 10, recentScanRows: 4 });
    const first = await bounded.search({ appId: app, user: ann.user.id }, { q: word, limit: 5 });
    assert.deepEqual(
      first.items.map((h) => h.message.id),
      [recentHit.id],
      "the recent read's hit, then the full-text query stopped at the budget (without the bound it answers all three)",
    );
    assert.notEqual(first.nextCursor, null, "a cursor to continue");
    const rest: string[] = [];
    let cursor = first.nextCursor;
    for (let page = 0; cursor !== null && page < 20; page++) {
      const res = await bounded.search({ appId: app, user: ann.user.id }, { q: word, limit: 5, cursor });
      rest.push(...res.items.map((h) => h.message.id));
      cursor = res.nextCursor;
    }
    assert.deepEqual(rest, [old[1]!.id, old[0]!.id], "the older hits, each once, none of the other conversation's");
  });
});
