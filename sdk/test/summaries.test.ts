import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { EntityManager } from "typeorm";
import type { ChatClient, Conversation } from "../src/index.js";
import { ConversationEntity } from "../../server/src/conversations/conversation.entity.js";
import { startServer, type TestServer } from "../../server/test/helpers/harness.js";
import { clientFactory, until } from "./helpers/clients.js";

/**
 * A conversation's summary (last message, unread count) comes two ways: REST snapshots (the list,
 * a refresh) and live or caught-up `message.new` events. Whatever order they meet in, the count
 * must be the server's: each message counted once. Both tests control the order the CI run under
 * load once met by chance (sdk.test.ts "catch-up": 32 for 31).
 */

let s: TestServer;
let app: string;
const clients = clientFactory(() => ({ server: s.url, appId: app }));

before(async () => {
  s = await startServer();
  app = (await s.createTenant("Summaries site", ["*"])).id;
});
after(async () => {
  clients.closeAll();
  await s?.close();
});

/** The conversation as the server presents it to `viewer` now. */
function serverView(viewer: ChatClient, id: string): Promise<Conversation> {
  const http = (viewer as unknown as { http: { request<T>(m: string, p: string): Promise<T> } }).http;
  return http.request<{ conversation: Conversation }>("GET", `/conversations/${id}`).then((r) => r.conversation);
}

/**
 * Runs `between` once, right after the next read of a conversation's row by the server's shared
 * manager (where GET /conversations/:id starts presenting it) and before that read returns.
 */
function afterNextConversationRead(between: () => Promise<unknown>): { fired: () => boolean; restore: () => void } {
  const m: EntityManager = s.services.db.manager;
  const original = m.findOneBy.bind(m);
  let fired = false;
  m.findOneBy = (async (entity: unknown, where: unknown) => {
    const row = await (original as (e: unknown, w: unknown) => Promise<unknown>)(entity, where);
    if (entity === ConversationEntity && !fired) {
      fired = true;
      await between();
    }
    return row;
  }) as EntityManager["findOneBy"];
  return { fired: () => fired, restore: () => void (m.findOneBy = original) };
}

/**
 * A client whose answers to GET /conversations/:id are counted once read (`answered`), and the
 * next of which can be held, read, until `hold` has run. Joining a conversation refreshes it in
 * the background: a test waits for that answer before it makes its own, so the two never cross.
 */
async function watched(name: string): Promise<{ chat: ChatClient; answered: () => number; hold: (fn: () => Promise<void>) => void }> {
  let answered = 0;
  let held: (() => Promise<void>) | null = null;
  const chat = await clients.signUp(name, {
    fetch: async (input, init) => {
      const res = await globalThis.fetch(input, init);
      if (!/\/conversations\/cnv_\w+$/.test(String(input))) return res;
      const body = await res.text();
      const fn = held;
      held = null;
      await fn?.();
      answered++;
      return new Response(body, { status: res.status, headers: res.headers });
    },
  });
  return { chat, answered: () => answered, hold: (fn) => void (held = fn) };
}

describe("conversation summaries and events", () => {
  test("a message committed while the server presents the conversation is counted once, after the catch-up too", async () => {
    const { chat: ann, answered: annAnswered } = await watched("Ann");
    const { chat: ben, answered } = await watched("Ben");
    const conv = await ann.direct(ben.user!.id);
    const one = await conv.send("one");
    await until(() => ben.store.state.conversations[conv.id]?.lastMessage?.id === one.id, "Ben has the first message");
    // Nothing else presents the conversation from here on: the next read of its row is Ben's refresh.
    await until(() => answered() === 1 && annAnswered() === 1, "both refreshes on joining answered");
    ben.disconnect();
    await until(() => ben.store.state.connection === "disconnected", "Ben offline");

    // Ben's refresh reads the conversation's row (last message: one), then Ann's "two" commits,
    // then the rest of the presentation (the unread count) is read.
    let two = "";
    const hook = afterNextConversationRead(async () => (two = (await conv.send("two")).id));
    try {
      await ben.conversation(conv.id).refresh();
      assert.equal(answered(), 2);
    } finally {
      hook.restore();
    }
    assert.ok(hook.fired(), "the send landed between the server's reads");

    const recovered = new Promise((r) => ben.on("connection.recovered", r));
    ben.connect();
    await recovered;
    const mine = ben.store.state.conversations[conv.id]!;
    const server = await serverView(ben, conv.id);
    assert.equal(server.unreadCount, 2);
    assert.equal(mine.lastMessage?.id, two);
    assert.equal(mine.unreadCount, server.unreadCount, "each message counted once");
  });

  test("a snapshot answered before a live message and applied after it does not take the message back", async () => {
    const ann = await clients.signUp("Ada");
    const { chat: ben, answered, hold } = await watched("Bo");
    const conv = await ann.direct(ben.user!.id);
    const one = await conv.send("one");
    await until(() => ben.store.state.conversations[conv.id]?.lastMessage?.id === one.id, "Bo has the first message");
    await until(() => answered() === 1, "Bo's refresh on joining answered");

    // Bo's refresh is answered (last message: one), then "two" reaches Bo live, then the answer is applied.
    let two = "";
    hold(async () => {
      two = (await conv.send("two")).id;
      await until(() => ben.store.state.conversations[conv.id]?.lastMessage?.id === two, "Bo has the live message");
    });
    await ben.conversation(conv.id).refresh();
    assert.ok(two, "the answer was held");

    const mine = ben.store.state.conversations[conv.id]!;
    const server = await serverView(ben, conv.id);
    assert.equal(server.unreadCount, 2);
    assert.equal(mine.lastMessage?.id, two, "the newer last message stays");
    assert.equal(mine.unreadCount, server.unreadCount);
    assert.equal(mine.lastActivityAt, server.lastActivityAt);
    assert.equal(ben.store.state.conversationOrder[0], conv.id);
  });
});
