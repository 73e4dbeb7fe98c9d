import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { FetchLike } from "../src/http.js";
import type { Message } from "../src/index.js";
import { startServer, type TestServer } from "../../server/test/helpers/harness.js";
import { clientFactory, serverHistory, until } from "./helpers/clients.js";

let s: TestServer;
let app: string;
const clients = clientFactory(() => ({ server: s.url, appId: app }));

before(async () => {
  s = await startServer();
  app = (await s.createTenant("Expiry site", ["*"])).id;
});
after(async () => {
  clients.closeAll();
  await s.close();
});

/** Every event of the app so far is made older than the retention window, and pruned. */
async function pruneEverything(): Promise<number> {
  await s.services.db.query("UPDATE events SET createdAt = ? WHERE appId = ?", [Date.now() - 40 * 86_400_000, app]);
  await s.services.retention.prune();
  const [row] = (await s.services.db.query("SELECT prunedSeq FROM apps WHERE id = ?", [app])) as { prunedSeq: string | number }[];
  return Number(row!.prunedSeq);
}

describe("an expired sync cursor", () => {
  test("410 sync_expired once, then the list and the open thread reload from the head, and live events go on: every message once", async () => {
    const ann = await clients.signUp("Ann");
    // Ben's /sync answers are recorded.
    const syncStatuses: number[] = [];
    const recording: FetchLike = async (input, init) => {
      const res = await globalThis.fetch(input, init);
      if (String(input).includes("/v1/sync?")) syncStatuses.push(res.status);
      return res;
    };
    const ben = await clients.signUp("Ben", { fetch: recording, sync: { retryDelay: 100, retryDelayMax: 300 } });
    const conv = await ann.direct(ben.user!.id);
    const first = await conv.send("before the long absence");
    await until(() => ben.conversation(conv.id).messages.length === 1, "Ben has the first message");
    ben.conversation(conv.id).markRead();
    await until(() => ben.store.state.conversations[conv.id]?.unreadCount === 0, "Ben read it");
    // Ben has a thread open too (under a root of his own, so the timeline's counts stay as below).
    const root = await ben.conversation(conv.id).send("a root of Ben's");
    await ben.conversation(conv.id).thread(root.id).load();

    ben.disconnect();
    await until(() => ben.store.state.connection === "disconnected", "Ben offline");
    const cursor = ben.store.state.lastSeq;
    const gap: Message[] = [];
    for (let i = 0; i < 60; i++) gap.push(await conv.send(`while Ben was away ${i}`));
    const missedReply = await conv.thread(root.id).send("a reply while Ben was away");
    // Someone new writes to Ben meanwhile: a conversation Ben has never seen.
    const cat = await clients.signUp("Cat");
    const catDm = await cat.direct(ben.user!.id);
    await catDm.send("hello Ben, I am new");
    const floor = await pruneEverything();
    assert.ok(floor > cursor, "Ben's cursor is older than what the server keeps");

    syncStatuses.length = 0;
    ben.connect();
    await until(() => ben.store.state.connection === "connected" && ben.store.state.sync === "idle" && syncStatuses.length > 1, "Ben caught up", 10_000);
    assert.equal(syncStatuses.filter((x) => x === 410).length, 1, `one expired answer, then never that cursor again: ${syncStatuses.join(",")}`);
    assert.ok(
      syncStatuses.slice(1).every((x) => x === 200),
      syncStatuses.join(","),
    );
    const head = await (ben as unknown as { http: { request<T>(m: string, p: string): Promise<T> } }).http.request<{ lastSeq: number }>("GET", "/sync/head");
    assert.equal(ben.store.state.lastSeq, head.lastSeq, "the cursor is at the head");

    // The list is the server's: Cat's conversation is there, the DM's counters are right.
    assert.ok(ben.store.state.conversations[catDm.id], "the conversation created during the absence is listed");
    assert.equal(ben.store.state.conversations[catDm.id]!.lastMessage?.text, "hello Ben, I am new");
    assert.equal(ben.store.state.conversations[conv.id]!.unreadCount, 60);
    assert.equal(ben.store.state.conversations[conv.id]!.lastMessage?.id, gap[59]!.id);
    assert.equal(ben.store.state.conversationOrder[0], catDm.id);
    // The open thread is its newest page, without a hole: older pages load on demand.
    const thread = ben.conversation(conv.id);
    assert.deepEqual(
      thread.messages.map((m) => m.text),
      gap.slice(10).map((m) => m.text),
    );
    assert.equal(thread.hasOlder, true);
    // The open thread of replies is reloaded too: the reply whose events were pruned is there.
    await until(
      () =>
        ben
          .conversation(conv.id)
          .thread(root.id)
          .messages.some((m) => m.id === missedReply.id),
      "the missed reply in Ben's thread",
    );

    // Live again.
    const live = await conv.send("welcome back");
    await until(() => thread.messages.at(-1)?.id === live.id, "the live message arrives");
    while (thread.hasOlder) await thread.loadOlder();
    const all = [first, root, ...gap, live];
    assert.deepEqual(
      thread.messages.map((m) => m.id),
      all.map((m) => m.id),
      "every message once, in order",
    );
    assert.deepEqual(
      thread.messages.map((m) => m.id),
      (await serverHistory(ben, conv.id)).map((m) => m.id),
    );
    assert.equal(ben.store.state.conversations[conv.id]!.unreadCount, 61);
    assert.equal(syncStatuses.filter((x) => x === 410).length, 1);
  });
});
