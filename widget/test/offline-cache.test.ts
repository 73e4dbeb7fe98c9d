// The offline cache's limits (issue 22), in Chromium through the SDK the widget's own bundle
// carries (the constructor of <parley-chat>'s client), reading and writing IndexedDB directly:
// - a size cap: at most `maxMessages` messages over all conversations are kept on the device,
//   the newest page of each, newest conversations first; the oldest conversations' messages go;
// - a database the cache cannot use (another layout, written by a newer version; or corrupted
//   records): the chat works from memory, with one warning.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { Browser } from "playwright-core";
import { startServer, type TestServer } from "../../server/test/helpers/harness.js";
import { BROWSER_SKIP, eventually, hostPageHtml, launchBrowser, openHostPage, openPanel, startHostSite, type HostSite } from "./helpers/browser.js";

const PER_CONVERSATION = 40;
const CAP = 70;

describe("the offline cache's limits", { timeout: 300_000, skip: BROWSER_SKIP }, () => {
  let s: TestServer;
  let site: HostSite;
  let browser: Browser;
  let app = "";
  let url = "";

  before(async () => {
    s = await startServer();
    site = await startHostSite();
    app = (await s.createTenant("Cache cap", [site.origin])).id;
    url = site.page("/cap", hostPageHtml({ parleyUrl: s.url, appId: app }));
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await site?.close();
    await s?.close();
  });

  test(`keeps at most maxMessages (${CAP}): the newest conversations' newest pages, the oldest conversation's messages dropped`, async () => {
    const creds = { email: "cap.visitor@example.com", password: "correct horse battery" };
    const me = await s.api.register(app, { ...creds, displayName: "Cap Visitor" });
    // Three DMs of 40 messages each; the last one written to is the newest in the list.
    const dms: string[] = [];
    for (const name of ["Oldest", "Middle", "Newest"]) {
      const peer = await s.api.register(app, { displayName: `${name} Peer` });
      const dm = (await s.api.post("/conversations/direct", { token: me.accessToken, body: { userId: peer.user.id } })).body.conversation.id as string;
      for (let i = 0; i < PER_CONVERSATION; i++) {
        const r = await s.api.post(`/conversations/${dm}/messages`, { token: peer.accessToken, body: { text: `${name} ${i}` } });
        assert.equal(r.status, 201, JSON.stringify(r.body));
      }
      dms.push(dm);
    }

    const { page, context, errors } = await openHostPage(browser, url);
    await openPanel(page); // loads the UI bundle, and with it the SDK
    await page.locator("parley-signin").waitFor();
    await page.evaluate(
      async ({ server, appId, creds, ids, cap }) => {
        const chat = document.querySelector("parley-chat") as unknown as { chat: { constructor: new (o: unknown) => any } };
        const Client = chat.chat.constructor;
        const c = new Client({
          server,
          appId,
          storage: "memory",
          persistence: "indexeddb",
          persistenceOptions: { maxMessages: cap, pageSize: 50, writeDelayMs: 0 },
        });
        await c.login(creds.email, creds.password);
        for (const id of ids) await c.conversation(id).loadOlder(50);
        (window as unknown as { capClient: unknown }).capClient = c;
      },
      { server: s.url, appId: app, creds, ids: dms, cap: CAP },
    );

    const name = `parley:${app}:${me.user.id}`;
    const [oldest, middle, newest] = dms as [string, string, string];
    // The threads load one after the other and each load is written: the oldest and the middle
    // also fill the cap (40 + 30) before the newest is loaded. Wait for the write that has the newest.
    const kept = await eventually(() => page.evaluate<Record<string, number>>(`(${THREADS_PROBE})(${JSON.stringify(name)})`), {
      check: (t) => Object.values(t).reduce((a, b) => a + b, 0) === CAP && t[newest] !== undefined,
      timeout: 20_000,
      message: `${CAP} messages cached, the newest conversation's among them`,
    });
    assert.equal(kept[newest], PER_CONVERSATION, "the newest conversation: its whole page");
    assert.equal(kept[middle], CAP - PER_CONVERSATION, "the next: what the cap leaves");
    assert.equal(kept[oldest], undefined, "the oldest conversation's messages are not kept");
    assert.deepEqual(errors, []);
    await context.close();
  });

  /** A visitor with one DM of three messages from a peer. */
  const visitorWithDm = async (tag: string) => {
    const creds = { email: `cache.${tag}@example.com`, password: "correct horse battery" };
    const me = await s.api.register(app, { ...creds, displayName: `Cache ${tag}` });
    const peer = await s.api.register(app, { displayName: `Peer ${tag}` });
    const dm = (await s.api.post("/conversations/direct", { token: me.accessToken, body: { userId: peer.user.id } })).body.conversation.id as string;
    for (const text of ["one", "two", "three"]) await s.api.post(`/conversations/${dm}/messages`, { token: peer.accessToken, body: { text } });
    return { creds, me, dm };
  };

  for (const [what, seed] of [
    [
      "a database of another layout (a newer version of the widget wrote it)",
      `(name) => new Promise((resolve, reject) => {
        const r = indexedDB.open(name, 7);
        r.onupgradeneeded = () => r.result.createObjectStore("something-else");
        r.onsuccess = () => (r.result.close(), resolve(true));
        r.onerror = () => reject(r.error);
      })`,
    ],
    [
      "corrupted records (wrong types in every store)",
      `(name) => new Promise((resolve, reject) => {
        const r = indexedDB.open(name, 1);
        r.onupgradeneeded = () => {
          const db = r.result;
          db.createObjectStore("conversations", { keyPath: "id" }).put({ id: "c1", members: "nobody", lastMessage: 42 });
          db.createObjectStore("threads", { keyPath: "id" }).put({ id: "c1", messages: "not a list" });
          db.createObjectStore("outbox", { keyPath: "clientMessageId" }).put({ clientMessageId: "x", conversationId: 7 });
          db.createObjectStore("meta").put({ lastSeq: "many", order: null }, "state");
        };
        r.onsuccess = () => (r.result.close(), resolve(true));
        r.onerror = () => reject(r.error);
      })`,
    ],
  ] as const) {
    test(`with ${what} the chat works from memory, with one warning`, async () => {
      const v = await visitorWithDm(what.slice(2, 12).replace(/\W/g, ""));
      const { page, context, errors } = await openHostPage(browser, url);
      const warnings: string[] = [];
      page.on("console", (m) => {
        if (m.type() === "warning" && m.text().includes("[parley]")) warnings.push(m.text());
      });
      await page.evaluate(`(${seed})(${JSON.stringify(`parley:${app}:${v.me.user.id}`)})`);
      await openPanel(page);
      await page.locator("parley-signin").waitFor();
      const texts = await page.evaluate(
        async ({ server, appId, creds, dm }) => {
          const chat = document.querySelector("parley-chat") as unknown as { chat: { constructor: new (o: unknown) => any } };
          const c = new chat.chat.constructor({ server, appId, storage: "memory", persistence: "indexeddb", persistenceOptions: { writeDelayMs: 0 } });
          await c.login(creds.email, creds.password);
          const sent = await c.conversation(dm).send("still works");
          await c.conversation(dm).loadOlder(50);
          return {
            list: c.store.state.conversationOrder as string[],
            texts: (c.conversation(dm).messages as Array<{ text: string }>).map((m) => m.text),
            sent: sent.text as string,
          };
        },
        { server: s.url, appId: app, creds: v.creds, dm: v.dm },
      );
      assert.deepEqual(texts.list, [v.dm], "the list is the server's, nothing of the stored records");
      assert.deepEqual(texts.texts, ["one", "two", "three", "still works"]);
      await eventually(() => warnings.length, { check: (n) => n >= 1, message: "a warning" });
      assert.equal(warnings.length, 1, warnings.join("\n"));
      assert.match(warnings[0]!, /offline cache is off/);
      assert.deepEqual(errors, []);
      await context.close();
    });
  }
});

/** Messages per conversation id in the `threads` store of IndexedDB database `name`. */
const THREADS_PROBE = `async (name) => {
  const db = await new Promise((resolve, reject) => {
    const r = indexedDB.open(name);
    r.onsuccess = () => resolve(r.result);
    r.onerror = () => reject(r.error);
  });
  if (!db.objectStoreNames.contains("threads")) { db.close(); return {}; }
  const all = await new Promise((resolve, reject) => {
    const r = db.transaction("threads").objectStore("threads").getAll();
    r.onsuccess = () => resolve(r.result);
    r.onerror = () => reject(r.error);
  });
  db.close();
  return Object.fromEntries(all.map((t) => [t.id, t.messages.length]));
}`;
