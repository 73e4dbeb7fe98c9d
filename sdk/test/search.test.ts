// Message search in the SDK (issue 17): ChatClient.search against a real server — hits with
// snippets and highlights, the conversation filter, paging by cursor, and errors as ChatError.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { startServer, type TestServer } from "../../server/test/helpers/harness.js";
import { ChatError } from "../src/index.js";
import { clientFactory } from "./helpers/clients.js";

let s: TestServer;
let app: string;
const clients = clientFactory(() => ({ server: s.url, appId: app }));
const n = Math.random().toString(36).slice(2, 8);

before(async () => {
  s = await startServer();
  app = (await s.createTenant("SDK search", ["*"])).id;
});
after(async () => {
  clients.closeAll();
  await s?.close();
});

describe("ChatClient.search", () => {
  test("finds my conversations' messages by words and CJK text, pages by cursor, filters by conversation", async () => {
    const alice = await clients.signUp("Alice");
    const bob = await clients.signUp("Bob");
    const carol = await clients.signUp("Carol");
    const withBob = await alice.createGroup({ name: "Alice and Bob", memberIds: [], isPublic: true });
    await bob.join(withBob.id);
    const withCarol = await carol.createGroup({ name: "Carol alone", memberIds: [], isPublic: true });
    await alice.conversation(withBob.id).send(`The quick brown fox ${n}`);
    await bob.conversation(withBob.id).send(`東京で会いましょう ${n}`);
    await carol.conversation(withCarol.id).send(`The quick brown fox ${n} (carol's)`);
    for (let i = 0; i < 5; i++) await bob.conversation(withBob.id).send(`page ${n} item ${i}`);

    const fox = await bob.search(`${n} quick fo`);
    assert.deepEqual(
      fox.items.map((h) => h.message.text),
      [`The quick brown fox ${n}`],
    );
    const [hit] = fox.items;
    assert.deepEqual(
      hit!.highlights.map(([a, b]) => hit!.snippet.slice(a, b)),
      ["quick", "fox", n],
    );
    assert.deepEqual(
      fox.conversations.map((c) => c.id),
      [withBob.id],
    );

    const tokyo = await alice.search("東京");
    assert.deepEqual(
      tokyo.items.map((h) => h.message.text),
      [`東京で会いましょう ${n}`],
    );

    const first = await alice.search(`${n} item`, { limit: 3 });
    assert.equal(first.items.length, 3);
    assert.ok(first.nextCursor);
    const second = await alice.search(`${n} item`, { limit: 3, cursor: first.nextCursor });
    assert.deepEqual(
      [...first.items, ...second.items].map((h) => h.message.text),
      [4, 3, 2, 1, 0].map((i) => `page ${n} item ${i}`),
    );
    assert.equal(second.nextCursor, null);

    assert.equal((await alice.search(`fox ${n}`, { conversationId: withBob.id })).items.length, 1);
    await assert.rejects(alice.search(`fox ${n}`, { conversationId: withCarol.id }), (e: unknown) => e instanceof ChatError && e.code === "not_found");
    await assert.rejects(alice.search("   "), (e: unknown) => e instanceof ChatError && e.code === "validation_failed");
  });
});
