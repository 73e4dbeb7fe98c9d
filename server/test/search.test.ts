import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { AuthResponse, Conversation, Message, SearchResponse } from "@parley/sdk/protocol";
import { assertClientError, type ReqOptions, type Res } from "./helpers/api.js";
import { Search1763930000000 } from "../src/db/migrations/1763930000000-Search.js";
import { SearchService } from "../src/search/search.service.js";
import { startServer, type TestServer } from "./helpers/harness.js";

/**
 * Message search (issue 17, acceptance 1 and 5): GET /v1/search finds messages by words
 * (stopwords and short words included, the last word as a prefix) and by CJK text written without
 * spaces, only in the caller's app and in conversations they are a member of now; deleted
 * messages and edited-away text never match, nor the messages of a deleted account; pages by
 * cursor without gaps or repeats; snippets and highlights mark the match. Then a bad-input table.
 */

let s: TestServer;
let app: string;
let otherApp: string;
let alice: AuthResponse;
let bob: AuthResponse;
let carol: AuthResponse;
let mallory: AuthResponse;
let shared: string;
let secret: string;
let bobOnly: string;
let foreign: string;

const tok = (u: AuthResponse): ReqOptions => ({ token: u.accessToken });

function ok<T>(res: Res<T>, status = 200): T {
  assert.equal(res.status, status, JSON.stringify(res.body));
  return res.body;
}

async function group(owner: AuthResponse, name: string, joiners: AuthResponse[]): Promise<string> {
  const { conversation } = ok(
    await s.api.post<{ conversation: Conversation }>("/conversations", { ...tok(owner), body: { name, memberIds: [], isPublic: true } }),
    201,
  );
  for (const u of joiners) ok(await s.api.post(`/conversations/${conversation.id}/join`, tok(u)));
  return conversation.id;
}

async function send(u: AuthResponse, conversationId: string, text: string): Promise<Message> {
  return ok(await s.api.post<Message>(`/conversations/${conversationId}/messages`, { ...tok(u), body: { text } }), 201);
}

async function search(u: AuthResponse, q: string, extra: Record<string, string> = {}): Promise<SearchResponse> {
  const qs = new URLSearchParams({ q, ...extra });
  return ok(await s.api.get<SearchResponse>(`/search?${qs}`, tok(u)));
}

/** The texts found for `q`, newest first. */
async function found(u: AuthResponse, q: string, extra: Record<string, string> = {}): Promise<string[]> {
  return (await search(u, q, extra)).items.map((h) => h.message.text ?? "");
}

/** Whether the search index holds a row for the message (the final page load alone would hide a deleted one). */
async function indexed(id: string): Promise<boolean> {
  const rows: unknown[] = await s.services.db.query("SELECT messageId FROM message_search WHERE messageId = ?", [Number(id)]);
  return rows.length > 0;
}

const uniq = Math.random().toString(36).slice(2, 8);

describe("message search", () => {
  before(async () => {
    s = await startServer();
    app = (await s.createTenant("Search site")).id;
    otherApp = (await s.createTenant("Other site")).id;
    [alice, bob, carol] = [await s.api.register(app), await s.api.register(app), await s.api.register(app)];
    mallory = await s.api.register(otherApp);
    shared = await group(alice, "Shared", [bob, carol]);
    secret = await group(bob, "Bob and Carol", [carol]);
    bobOnly = await group(bob, "Bob alone", []);
    foreign = await group(mallory, "Elsewhere", []);
  });
  after(() => s?.close());

  test("finds messages by words: stopwords with others, short words, the last word as a prefix, accents folded", async () => {
    await send(alice, shared, `The cat is on the mat ${uniq}`);
    await send(bob, shared, `A dog is in the garden ${uniq}`);
    await send(carol, shared, `Crème brûlée at 8 ${uniq}`);
    assert.deepEqual(await found(alice, `the cat ${uniq}`), [`The cat is on the mat ${uniq}`]);
    assert.deepEqual(await found(alice, `is the ${uniq}`), [`A dog is in the garden ${uniq}`, `The cat is on the mat ${uniq}`]);
    assert.deepEqual(await found(alice, `${uniq} a dog`), [`A dog is in the garden ${uniq}`]);
    assert.deepEqual(await found(bob, `${uniq} gard`), [`A dog is in the garden ${uniq}`], "the last word is a prefix");
    assert.deepEqual(await found(bob, `gard ${uniq}`), [], "only the last word is a prefix");
    assert.deepEqual(await found(carol, `creme brulee ${uniq}`), [`Crème brûlée at 8 ${uniq}`]);
    assert.deepEqual(await found(carol, `BRÛLÉE 8 ${uniq}`), [`Crème brûlée at 8 ${uniq}`], "case and accents do not matter");
    assert.deepEqual(await found(alice, `cat dog ${uniq}`), [], "every term must match");
    assert.deepEqual(await found(alice, "!!! ???"), [], "a query without words finds nothing");
  });

  test("finds Japanese, Chinese and Korean text written without spaces", async () => {
    await send(alice, shared, "東京都に住んでいます");
    await send(bob, shared, "我爱北京天安门");
    await send(carol, shared, "안녕하세요 여러분");
    await send(carol, shared, "カタカナのテキスト");
    assert.deepEqual(await found(alice, "東京"), ["東京都に住んでいます"]);
    assert.deepEqual(await found(alice, "住んで"), ["東京都に住んでいます"]);
    assert.deepEqual(await found(alice, "京都"), ["東京都に住んでいます"]);
    assert.deepEqual(await found(alice, "北京"), ["我爱北京天安门"]);
    assert.deepEqual(await found(alice, "天安门"), ["我爱北京天安门"]);
    assert.deepEqual(await found(alice, "门"), ["我爱北京天安门"], "a single character (the last of its run)");
    assert.deepEqual(await found(alice, "安녕"), [], "a bigram across scripts that is in no text");
    assert.deepEqual(await found(alice, "안녕"), ["안녕하세요 여러분"]);
    assert.deepEqual(await found(alice, "여러분"), ["안녕하세요 여러분"]);
    assert.deepEqual(await found(alice, "テキスト"), ["カタカナのテキスト"]);
    assert.deepEqual(await found(alice, "京北"), [], "characters out of order do not match");
    const hit = (await search(alice, "北京")).items[0]!;
    assert.equal(hit.snippet, "我爱北京天安门");
    assert.deepEqual(hit.highlights, [[2, 4]]);
  });

  test("never finds another app's messages, nor a conversation the caller is not in", async () => {
    const word = `zebra${uniq}`;
    await send(mallory, foreign, `${word} in another app`);
    await send(bob, secret, `${word} between bob and carol`);
    await send(bob, bobOnly, `${word} bob alone`);
    assert.deepEqual(await found(alice, word), []);
    assert.deepEqual(await found(carol, word), [`${word} between bob and carol`]);
    assert.deepEqual(await found(bob, word), [`${word} bob alone`, `${word} between bob and carol`]);
    assert.deepEqual(await found(mallory, word), [`${word} in another app`]);
  });

  test("a user in more conversations than the query can name is filtered by membership all the same", async () => {
    const word = `okapi${uniq}`;
    await send(alice, shared, `${word} for all three`);
    await send(bob, secret, `${word} for bob and carol`);
    await send(mallory, foreign, `${word} elsewhere`);
    // With no room for conversation tokens in the full-text query, a join on members decides.
    const { db, membership, presenter, conversations } = s.services;
    const joined = new SearchService({ db, membership, presenter, conversations }, { conversationTokensMax: 0 });
    const texts = async (u: AuthResponse, conversationId?: string): Promise<string[]> =>
      (await joined.search({ appId: app, user: u.user.id }, { q: word, limit: 20, ...(conversationId ? { conversationId } : {}) })).items.map(
        (h) => h.message.text ?? "",
      );
    assert.deepEqual(await texts(alice), [`${word} for all three`]);
    assert.deepEqual(await texts(carol), [`${word} for bob and carol`, `${word} for all three`]);
    assert.deepEqual(await texts(carol, shared), [`${word} for all three`]);
  });

  test("a member who left finds nothing of that conversation, old messages included", async () => {
    const room = await group(alice, "Leavers", [bob, carol]);
    const word = `quokka${uniq}`;
    await send(alice, room, `${word} said before`);
    assert.deepEqual(await found(carol, word), [`${word} said before`]);
    ok(await s.api.del(`/conversations/${room}/members/${carol.user.id}`, tok(carol)), 204);
    await send(alice, room, `${word} said after`);
    assert.deepEqual(await found(carol, word), []);
    assertClientError(await s.api.get(`/search?q=${word}&conversationId=${room}`, tok(carol)), { status: 404 });
    assert.deepEqual(await found(bob, word), [`${word} said after`, `${word} said before`]);
  });

  test("deleted messages and edited-away text never match; the new text does", async () => {
    const word = `narwhal${uniq}`;
    const gone = await send(alice, shared, `${word} to be deleted`);
    const edited = await send(alice, shared, `${word} original wording`);
    ok(await s.api.del(`/messages/${gone.id}`, tok(alice)), 204);
    ok(await s.api.patch(`/messages/${edited.id}`, { ...tok(alice), body: { text: `fresh phrasing ${uniq}x` } }));
    assert.deepEqual(await found(bob, word), []);
    assert.deepEqual(await found(bob, `original wording`), []);
    assert.equal(await indexed(gone.id), false, "a deleted message leaves the index");
    // The index alone (a search otherwise matches recent messages in app code first) agrees.
    const { db, membership, presenter, conversations } = s.services;
    const indexOnly = new SearchService({ db, membership, presenter, conversations }, { recentScanRows: 0 });
    const byIndex = async (q: string): Promise<string[]> =>
      (await indexOnly.search({ appId: app, user: bob.user.id }, { q, limit: 20 })).items.map((h) => h.message.text ?? "");
    assert.deepEqual(await byIndex("original wording"), []);
    assert.deepEqual(await byIndex(word), []);
    assert.deepEqual(await byIndex(`fresh phrasing ${uniq}x`), [`fresh phrasing ${uniq}x`]);
    assert.deepEqual(await found(bob, `fresh phrasing ${uniq}x`), [`fresh phrasing ${uniq}x`]);
    const hit = (await search(bob, `fresh ${uniq}x`)).items[0]!;
    assert.equal(hit.message.id, edited.id);
    assert.notEqual(hit.message.editedAt, null);
  });

  test("a deleted account's messages match no more", async () => {
    const dave = await s.api.register(app);
    const room = await group(alice, "With Dave", [dave, bob]);
    const word = `wombat${uniq}`;
    const daves = await send(dave, room, `${word} from dave`);
    await send(bob, room, `${word} from bob`);
    assert.deepEqual(await found(alice, word), [`${word} from bob`, `${word} from dave`]);
    ok(await s.api.del("/me", { ...tok(dave), body: { password: "correct horse battery" } }), 204);
    assert.deepEqual(await found(alice, word), [`${word} from bob`]);
    assert.equal(await indexed(daves.id), false, "a tombstoned message leaves the index");
  });

  test("pages by cursor, newest first, without gaps or repeats; conversationId narrows", async () => {
    const room = await group(alice, "Paging", [bob]);
    const word = `pager${uniq}`;
    const sent: string[] = [];
    for (let i = 0; i < 23; i++) sent.push((await send(i % 2 ? bob : alice, i % 3 ? room : shared, `${word} number ${i}`)).id);
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page: SearchResponse = await search(alice, word, { limit: "5", ...(cursor ? { cursor } : {}) });
      assert.ok(page.items.length <= 5);
      seen.push(...page.items.map((h) => h.message.id));
      // Each conversation of the page once, as the conversation list shows it.
      const convs = page.conversations.map((c) => c.id);
      assert.deepEqual(convs, [...new Set(page.items.map((h) => h.message.conversationId))]);
      for (const c of page.conversations) assert.ok(c.members.some((m) => m.userId === alice.user.id));
      cursor = page.nextCursor;
      pages++;
    } while (cursor);
    assert.equal(pages, 5);
    assert.deepEqual(seen, [...sent].reverse());
    const inRoom = await search(alice, word, { conversationId: room, limit: "50" });
    assert.deepEqual(
      inRoom.items.map((h) => h.message.id),
      sent.filter((_, i) => i % 3 !== 0).reverse(),
    );
    assert.deepEqual(
      inRoom.conversations.map((c) => c.id),
      [room],
    );
    assert.equal((await search(alice, word)).items.length, 20, "20 by default");
  });

  test("the read of recent messages, by conversation or by the app's newest, and the full-text index find the same pages", async () => {
    const { db, membership, presenter, conversations } = s.services;
    const room = await group(alice, "Scan", [bob]);
    const word = `lemur${uniq}`;
    for (let i = 0; i < 15; i++) await send(bob, i % 4 ? room : shared, i % 3 ? `${word} ${i} ${i % 2 ? "odd" : "even"}` : `nothing ${i}`);
    // Every path: no read (the index alone), reads that stop early in one or all conversations, one
    // that sees all; and the same through the app's newest messages (a member of many conversations).
    const services = [0, 1, 3, 7, 2000].flatMap((rows) =>
      [undefined, 0].map(
        (recentScanConversationsMax) =>
          new SearchService(
            { db, membership, presenter, conversations },
            { recentScanRows: rows, ...(recentScanConversationsMax === undefined ? {} : { recentScanConversationsMax }) },
          ),
      ),
    );
    const all = async (svc: SearchService, q: string, limit: number, conversationId?: string): Promise<string[]> => {
      const out: string[] = [];
      let cursor: string | undefined;
      for (;;) {
        const page = await svc.search(
          { appId: app, user: bob.user.id },
          { q, limit, ...(cursor ? { cursor } : {}), ...(conversationId ? { conversationId } : {}) },
        );
        out.push(...page.items.map((h) => h.message.id));
        if (!page.nextCursor) return out;
        cursor = page.nextCursor;
      }
    };
    for (const [q, conv] of [
      [word, undefined],
      [`odd ${word}`, undefined],
      [`${word} ev`, undefined],
      [word, room],
    ] as const) {
      for (const limit of [1, 2, 5, 50]) {
        const expected = await all(services[0]!, q, limit, conv);
        assert.ok(expected.length > 0, q);
        for (const svc of services.slice(1)) assert.deepEqual(await all(svc, q, limit, conv), expected, `${q} limit ${limit}`);
      }
    }
  });

  test("snippets show the text around the first match, highlights mark the matched words", async () => {
    const word = `ibis${uniq}`;
    const long = `${"lorem ipsum dolor sit amet ".repeat(10)}the ${word} flies over ${word} again ${"and then some more words ".repeat(10)}`;
    await send(alice, shared, long);
    const hit = (await search(bob, word)).items[0]!;
    assert.ok(hit.snippet.startsWith("…") && hit.snippet.endsWith("…"));
    assert.ok(hit.snippet.length <= 162);
    assert.equal(hit.highlights.length, 2);
    for (const [a, b] of hit.highlights) assert.equal(hit.snippet.slice(a, b), word);
    await send(alice, shared, `Prefixes ${uniq}: Programming progress`);
    const pre = (await search(bob, `${uniq} prog`)).items[0]!;
    assert.deepEqual(
      pre.highlights.map(([a, b]) => pre.snippet.slice(a, b)),
      [uniq, "Programming", "progress"],
    );
  });

  test("the migration indexes the messages that were there before it: live text only", async () => {
    const word = `tapir${uniq}`;
    await send(alice, shared, `${word} kept`);
    const edited = await send(alice, shared, `${word} before the edit`);
    const gone = await send(alice, shared, `${word} deleted`);
    ok(await s.api.patch(`/messages/${edited.id}`, { ...tok(alice), body: { text: `${word} after the edit` } }));
    ok(await s.api.del(`/messages/${gone.id}`, tok(alice)), 204);
    const expected = [`${word} after the edit`, `${word} kept`];
    assert.deepEqual(await found(bob, word), expected);
    // Down and up again, on this database: the index is rebuilt from the messages table alone.
    const q = s.services.db.createQueryRunner();
    try {
      const migration = new Search1763930000000();
      await migration.down(q);
      await migration.up(q);
    } finally {
      await q.release();
    }
    assert.deepEqual(await found(bob, word), expected);
    assert.deepEqual(await found(bob, `${word} before`), []);
    assert.equal(await indexed(gone.id), false);
    assert.deepEqual(await found(bob, "東京"), ["東京都に住んでいます"]);
  });

  test("bad input is a 4xx with the error body, never a 500", async () => {
    const cases: [string, string, ReqOptions, number][] = [
      ["no q", "/search", tok(alice), 400],
      ["empty q", "/search?q=", tok(alice), 400],
      ["blank q", "/search?q=%20%20%20", tok(alice), 400],
      ["too long q", `/search?q=${"a".repeat(201)}`, tok(alice), 400],
      ["q twice", "/search?q=a&q=b", tok(alice), 400],
      ["bad cursor", "/search?q=cat&cursor=nope", tok(alice), 400],
      ["cursor of a wrong shape", `/search?q=cat&cursor=${Buffer.from('{"i":-1}').toString("base64url")}`, tok(alice), 400],
      ["limit 0", "/search?q=cat&limit=0", tok(alice), 400],
      ["limit 51", "/search?q=cat&limit=51", tok(alice), 400],
      ["limit not a number", "/search?q=cat&limit=ten", tok(alice), 400],
      ["unknown conversation", "/search?q=cat&conversationId=cnv_nothing", tok(alice), 404],
      ["over-long conversation id", `/search?q=cat&conversationId=${"c".repeat(300)}`, tok(alice), 404],
      ["another app's conversation", `/search?q=cat&conversationId=${foreign}`, tok(alice), 404],
      ["a conversation of the app the caller is not in", `/search?q=cat&conversationId=${secret}`, tok(alice), 404],
      ["no token", "/search?q=cat", {}, 401],
      ["bad token", "/search?q=cat", { token: "nope" }, 401],
    ];
    for (const [what, path, o, status] of cases) {
      const res = await s.api.get(path, o);
      assert.equal(res.status, status, `${what}: ${res.status} ${JSON.stringify(res.body)}`);
      assertClientError(res, { status });
    }
    // 200 characters is fine, whatever they are.
    ok(await s.api.get(`/search?q=${encodeURIComponent("東".repeat(200))}`, tok(alice)));
    ok(await s.api.get(`/search?q=${encodeURIComponent('"+-*()<>~@ AND OR NOT NEAR x')}`, tok(alice)));
  });
});
