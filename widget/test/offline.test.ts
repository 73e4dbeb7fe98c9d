import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { chromium, type Browser, type BrowserContext, type ConsoleMessage, type Page, type Route } from "playwright-core";
import type { AuthResponse, Message } from "@parley/sdk/protocol";
import { startServer, type TestServer } from "../../server/test/helpers/harness.js";
import {
  BROWSER_SKIP,
  CHROMIUM_PATH,
  eventually,
  expectCount,
  hostPageHtml,
  loginViaForm,
  messageWithText,
  openConversation,
  openPanel,
  startHostSite,
  type HostSite,
} from "./helpers/browser.js";

// The widget's offline persistence (issue 22): an IndexedDB cache of the user's recent state and
// a durable outbox. Each test is a visitor in its own browser context (own storage); the tabs of
// one visitor are pages of one context, sharing IndexedDB, BroadcastChannel and Web Locks.
//
// Offline reloads: `context.setOffline(true)` cuts every request, the host page's and the
// widget's scripts included, where a real browser would have them in its HTTP cache. Every
// context here serves the host page and the widget's files (stable and hashed) through a route
// that keeps what it fetched online: the page reloads offline, as from a browser's cache. A page
// a route answered has no address space Chromium knows, so its Local Network Access checks would
// refuse it the (loopback) Parley server: they are off in this browser.

describe("the widget works offline-first: a local cache and a durable outbox", { timeout: 300_000, skip: BROWSER_SKIP }, () => {
  let s: TestServer;
  let site: HostSite;
  let browser: Browser;
  let app: { id: string; secret: string };
  let pageUrl: string;
  const contexts: BrowserContext[] = [];

  before(async () => {
    s = await startServer();
    site = await startHostSite();
    app = await s.createTenant("Offline host site", [site.origin]);
    pageUrl = site.page("/", hostPageHtml({ parleyUrl: s.url, appId: app.id }));
    browser = await chromium.launch({
      executablePath: CHROMIUM_PATH ?? "chromium",
      headless: true,
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-features=LocalNetworkAccessChecks,BlockInsecurePrivateNetworkRequests",
      ],
    });
  });

  after(async () => {
    for (const c of contexts) await c.close().catch(() => undefined);
    await browser?.close().catch(() => undefined);
    await site?.close();
    await s?.close();
  });

  let n = 0;
  /** A visitor, a peer and their DM (made over REST). */
  const visitorWithPeer = async () => {
    const tag = `${++n}-${Math.random().toString(36).slice(2, 7)}`;
    const creds = { email: `offline.${tag}@example.com`, password: "correct horse battery" };
    const me = await s.api.register(app.id, { ...creds, displayName: `Visitor ${tag}` });
    const peer = await s.api.register(app.id, { displayName: `Peer ${tag}` });
    const res = await s.api.post<{ conversation: { id: string } }>("/conversations/direct", {
      app: app.id,
      token: me.accessToken,
      body: { userId: peer.user.id },
    });
    assert.ok(res.status === 201 || res.status === 200, JSON.stringify(res.body));
    return { creds, me, peer, conversationId: res.body.conversation.id };
  };

  /** A browser context (one visitor's browser) whose page and widget files survive going offline. */
  const newContext = async (init?: string): Promise<{ context: BrowserContext; warnings: string[] }> => {
    const context = await browser.newContext({ viewport: { width: 1100, height: 800 } });
    contexts.push(context);
    const kept = new Map<string, { body: Buffer; headers: Record<string, string>; status: number }>();
    const keep = async (route: Route): Promise<void> => {
      const url = route.request().url();
      let hit = kept.get(url);
      if (!hit) {
        const res = await route.fetch();
        // The body comes decoded: its encoding and length headers no longer apply.
        const { "content-encoding": _e, "content-length": _l, ...headers } = res.headers();
        hit = { body: await res.body(), headers, status: res.status() };
        if (res.ok()) kept.set(url, hit);
      }
      await route.fulfill({ status: hit.status, headers: hit.headers, body: hit.body });
    };
    await context.route(pageUrl, keep);
    await context.route(/\/(widget|widget-ui-[\w-]+|persistence-[\w-]+)\.js$/, keep);
    if (init) await context.addInitScript(init);
    const warnings: string[] = [];
    context.on("console", (m: ConsoleMessage) => {
      if (m.type() === "warning" && m.text().includes("[parley]")) warnings.push(m.text());
    });
    return { context, warnings };
  };

  const openTab = async (context: BrowserContext): Promise<Page> => {
    const page = await context.newPage();
    page.on("pageerror", (e) => assert.fail(`page error: ${e.message}`));
    await page.goto(pageUrl);
    await page.locator("[part=launcher]").waitFor({ state: "visible", timeout: 15_000 });
    return page;
  };

  const openThread = openConversation;

  const send = async (page: Page, text: string): Promise<void> => {
    const input = page.locator("[part=composer-input]");
    await input.fill(text);
    await input.press("Enter");
    await messageWithText(page, text).waitFor({ state: "visible" });
  };

  /** Waits for the widget to show the connection lost (offline) or back (online). */
  const connected = async (page: Page, yes: boolean): Promise<void> => {
    if (yes) await expectCount(page.locator("[part=status]"), 0, 30_000);
    else await page.locator("[part=status]").waitFor({ state: "visible" });
  };

  /** The texts shown in the thread with a given status, in order. */
  const shown = (page: Page, status: "pending" | "sent" | "failed"): Promise<string[]> =>
    page.locator(`[part=message][data-status=${status}] [part=message-text]`).allTextContents();

  /** The texts the server holds in the conversation, oldest first (its history over REST). */
  const history = async (token: string, conversationId: string): Promise<string[]> => {
    const res = await s.api.get<{ items: Message[] }>(`/conversations/${conversationId}/messages?limit=100`, { app: app.id, token });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return res.body.items.map((m) => m.text ?? "").reverse(); // the page comes newest first
  };

  /** What this user has in IndexedDB: the Parley database names of the origin, its outbox size, cached texts and cursor. */
  const idb = (page: Page, userId: string): Promise<{ names: string[]; outbox: number; threads: string[]; lastSeq: number }> =>
    page.evaluate(`(${IDB_PROBE})(${JSON.stringify({ name: `parley:${app.id}:${userId}` })})`);

  const peerSays = async (peer: AuthResponse, conversationId: string, text: string): Promise<void> => {
    const res = await s.api.post(`/conversations/${conversationId}/messages`, { app: app.id, token: peer.accessToken, body: { text } });
    assert.equal(res.status, 201, JSON.stringify(res.body));
  };

  test("three sends made offline show as pending after a reload offline, then are delivered once each, in order, and shown as sent", async () => {
    const v = await visitorWithPeer();
    const { context, warnings } = await newContext();
    const page = await openTab(context);
    await loginViaForm(page, v.creds);
    await openThread(page, v.conversationId);
    await connected(page, true);

    await context.setOffline(true);
    await connected(page, false);
    for (const t of ["offline one", "offline two", "offline three"]) await send(page, t);
    assert.deepEqual(await shown(page, "pending"), ["offline one", "offline two", "offline three"]);
    // On the device before anything else happens.
    await eventually(() => idb(page, v.me.user.id), { check: (d) => d.outbox === 3 && d.lastSeq > 0, message: "three sends in the outbox, the state cached" });

    await page.reload();
    await openThread(page, v.conversationId);
    await eventually(() => shown(page, "pending"), {
      check: (p) => p.join("|") === "offline one|offline two|offline three",
      message: "pending after the reload",
    });
    assert.deepEqual(await history(v.me.accessToken, v.conversationId), [], "nothing reached the server while offline");

    await context.setOffline(false);
    await eventually(() => shown(page, "sent"), {
      timeout: 30_000,
      check: (x) => x.join("|") === "offline one|offline two|offline three",
      message: "shown as sent",
    });
    await eventually(() => history(v.me.accessToken, v.conversationId), { check: (h) => h.length >= 3 });
    assert.deepEqual(await history(v.me.accessToken, v.conversationId), ["offline one", "offline two", "offline three"], "each stored once, in order");
    assert.deepEqual(await shown(page, "pending"), []);
    await eventually(() => idb(page, v.me.user.id), { check: (d) => d.outbox === 0, message: "the outbox is empty" });
    assert.deepEqual(warnings, []);
  });

  test("sends still pending when the tab closed are delivered once when the site is opened again", async () => {
    const v = await visitorWithPeer();
    const { context } = await newContext();
    const page = await openTab(context);
    await loginViaForm(page, v.creds);
    await openThread(page, v.conversationId);
    await connected(page, true);
    await context.setOffline(true);
    await connected(page, false);
    await send(page, "left behind 1");
    await send(page, "left behind 2");
    await eventually(() => idb(page, v.me.user.id), { check: (d) => d.outbox === 2 });
    await page.close();
    await context.setOffline(false);
    assert.deepEqual(await history(v.me.accessToken, v.conversationId), []);

    // Later: the site again. The widget resumes the session by itself and sends, chat closed.
    const again = await openTab(context);
    await eventually(() => history(v.me.accessToken, v.conversationId), { timeout: 30_000, check: (h) => h.length === 2, message: "delivered" });
    await eventually(() => idb(again, v.me.user.id), { check: (d) => d.outbox === 0, message: "the outbox is empty" });
    await openThread(again, v.conversationId);
    await eventually(() => shown(again, "sent"), { check: (x) => x.join("|") === "left behind 1|left behind 2" });
    assert.deepEqual(await history(v.me.accessToken, v.conversationId), ["left behind 1", "left behind 2"], "each stored once");
  });

  test("two tabs with sends made offline show each other's pending sends and converge without duplicates", async () => {
    const v = await visitorWithPeer();
    const { context } = await newContext();
    const one = await openTab(context);
    await loginViaForm(one, v.creds);
    await openThread(one, v.conversationId);
    const two = await openTab(context);
    await openThread(two, v.conversationId);
    await connected(one, true);
    await connected(two, true);
    // Which tab puts each send on the wire (Socket.IO frames of the `message.send` command).
    const wire: Record<string, string[]> = { one: [], two: [] };
    for (const [tab, page] of [
      ["one", one],
      ["two", two],
    ] as const) {
      page.on("websocket", (ws) =>
        ws.on("framesent", (f) => {
          const m = /^\d+\["message\.send",\{.*"text":"([^"]*)"/.exec(String(f.payload));
          if (m) wire[tab]!.push(m[1]!);
        }),
      );
    }

    await context.setOffline(true);
    await connected(one, false);
    await connected(two, false);
    await send(one, "tab one a");
    await send(two, "tab two a");
    await send(one, "tab one b");
    await send(two, "tab two b");
    const all = ["tab one a", "tab two a", "tab one b", "tab two b"];
    for (const page of [one, two])
      await eventually(() => shown(page, "pending"), {
        check: (p) => [...p].sort().join("|") === [...all].sort().join("|"),
        message: "every tab shows every pending send",
      });

    await context.setOffline(false);
    for (const page of [one, two]) {
      await eventually(() => shown(page, "sent"), {
        timeout: 30_000,
        check: (x) => [...x].sort().join("|") === [...all].sort().join("|"),
        message: "both tabs show the four sent",
      });
      assert.deepEqual(await shown(page, "pending"), []);
    }
    const h = await history(v.me.accessToken, v.conversationId);
    assert.deepEqual([...h].sort(), [...all].sort(), "each stored exactly once");
    // Each tab's own sends keep their order.
    assert.ok(h.indexOf("tab one a") < h.indexOf("tab one b") && h.indexOf("tab two a") < h.indexOf("tab two b"), h.join(", "));
    for (const page of [one, two]) assert.deepEqual(await shown(page, "sent"), h, "both tabs converge on the server's order");
    // One tab flushed the outbox, every send once (the other tab sent nothing).
    const senders = Object.entries(wire).filter(([, texts]) => texts.length > 0);
    assert.equal(senders.length, 1, JSON.stringify(wire));
    assert.deepEqual([...senders[0]![1]].sort(), [...all].sort(), JSON.stringify(wire));
  });

  test("a warm reload draws the list and the last thread from the cache before any answer, then adds what arrived meanwhile, once", async () => {
    const v = await visitorWithPeer();
    await peerSays(v.peer, v.conversationId, "before the reload");
    const { context } = await newContext();
    const page = await openTab(context);
    await loginViaForm(page, v.creds);
    await openThread(page, v.conversationId);
    await messageWithText(page, "before the reload").waitFor();
    await eventually(() => idb(page, v.me.user.id), {
      check: (d) => d.threads.includes("before the reload") && d.lastSeq > 0,
      message: "the thread is cached",
    });
    await page.close();
    await peerSays(v.peer, v.conversationId, "while you were away");

    // Every API answer is held until released; the socket may connect, but nothing it says is
    // applied before the catch-up (GET /v1/sync) answers.
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let answered = 0;
    const asked: string[] = [];
    await context.route(`${s.url}/v1/**`, async (route) => {
      asked.push(new URL(route.request().url()).pathname + new URL(route.request().url()).search);
      await gate;
      await route.continue().catch(() => undefined);
    });
    const again = await context.newPage();
    again.on("response", (r) => void (r.url().startsWith(`${s.url}/v1/`) && answered++));
    await again.goto(pageUrl);
    await openPanel(again);
    const row = again.locator(`[part=conversation][data-id="${v.conversationId}"]`);
    await row.waitFor({ state: "visible", timeout: 15_000 });
    assert.match((await row.textContent()) ?? "", /before the reload/, "the list's preview comes from the cache");
    await row.click();
    await messageWithText(again, "before the reload").waitFor();
    await expectCount(messageWithText(again, "while you were away"), 0);
    assert.equal(answered, 0, "drawn before any answer from the server");

    release();
    await messageWithText(again, "while you were away").waitFor({ timeout: 30_000 });
    await eventually(() => again.locator("[part=message-text]").allTextContents(), {
      check: (t) => t.filter((x) => x === "before the reload").length === 1 && t.filter((x) => x === "while you were away").length === 1,
      message: "each message shown once",
    });
    // A catch-up from the cached cursor, not a reload of the lists.
    assert.ok(
      asked.some((p) => /^\/v1\/sync\?since=[1-9]/.test(p)),
      asked.join(", "),
    );
    assert.ok(!asked.some((p) => p === "/v1/conversations" || p.startsWith("/v1/sync/head")), asked.join(", "));
    await context.unroute(`${s.url}/v1/**`);
  });

  test("a send refused for good while it waited offline shows as failed, stays failed after a reload, and is not retried by itself", async () => {
    const v = await visitorWithPeer();
    const { context } = await newContext();
    const page = await openTab(context);
    await loginViaForm(page, v.creds);
    await openThread(page, v.conversationId);
    await connected(page, true);
    await context.setOffline(true);
    await connected(page, false);
    await send(page, "to someone who blocks me");
    await eventually(() => idb(page, v.me.user.id), { check: (d) => d.outbox === 1 && d.lastSeq > 0 });
    // Meanwhile the peer blocks the visitor: the server refuses the send for good.
    const blocked = await s.api.post("/blocks", { app: app.id, token: v.peer.accessToken, body: { userId: v.me.user.id } });
    assert.ok(blocked.status < 300, JSON.stringify(blocked.body));

    await context.setOffline(false);
    await eventually(() => shown(page, "failed"), { timeout: 30_000, check: (f) => f.join("|") === "to someone who blocks me", message: "shown as failed" });
    await page.locator("[part=retry]").waitFor({ state: "visible" });
    // Kept on the device as failed (with its reason), not as pending: a reload shows it failed again.
    await page.reload();
    await openThread(page, v.conversationId);
    await eventually(() => shown(page, "failed"), { check: (f) => f.join("|") === "to someone who blocks me", message: "still failed after the reload" });
    await connected(page, true);
    assert.deepEqual(await shown(page, "pending"), []);
    assert.equal((await idb(page, v.me.user.id)).outbox, 1);
    assert.deepEqual(await history(v.me.accessToken, v.conversationId), []);
  });

  test("sign-out deletes the cache and the outbox; the next user of the browser sees nothing of the first", async () => {
    const v = await visitorWithPeer();
    await peerSays(v.peer, v.conversationId, "private to the first user");
    const { context } = await newContext();
    const page = await openTab(context);
    await loginViaForm(page, v.creds);
    await openThread(page, v.conversationId);
    await messageWithText(page, "private to the first user").waitFor();
    await connected(page, true);
    await context.setOffline(true);
    await connected(page, false);
    await send(page, "never sent: signed out first");
    await eventually(() => idb(page, v.me.user.id), { check: (d) => d.outbox === 1 && d.threads.includes("private to the first user") });

    await page.locator("[part=back]").click();
    await page.locator("[part=profile]").click();
    await page.locator("[part=signout]").click();
    await page.locator("parley-signin").waitFor({ state: "visible" });
    await eventually(() => idb(page, v.me.user.id), { check: (d) => d.names.length === 0, message: "no Parley database left" });

    await context.setOffline(false);
    const other = await visitorWithPeer();
    await loginViaForm(page, other.creds);
    await page.locator(`[part=conversation][data-id="${other.conversationId}"]`).waitFor();
    await expectCount(page.locator(`[part=conversation][data-id="${v.conversationId}"]`), 0);
    assert.doesNotMatch((await page.locator("parley-list").textContent()) ?? "", /private to the first user/);
    const d = await eventually(() => idb(page, other.me.user.id), { check: (x) => x.lastSeq > 0 });
    assert.deepEqual(d.names, [`parley:${app.id}:${other.me.user.id}`], "only the second user's database");
    assert.equal(d.outbox, 0);
    assert.ok(!d.threads.includes("private to the first user"));
    assert.deepEqual(await history(v.me.accessToken, v.conversationId), ["private to the first user"], "the wiped send never went out");
  });

  for (const [what, init] of [
    [
      "IndexedDB missing (a private window)",
      `Object.defineProperty(window, "indexedDB", { configurable: true, get() { throw new DOMException("The user denied permission to access the database.", "SecurityError"); } });`,
    ],
    ["IndexedDB over quota", `IDBObjectStore.prototype.put = function () { throw new DOMException("The quota has been exceeded.", "QuotaExceededError"); };`],
  ] as const) {
    test(`with ${what} the widget works from memory, with one warning`, async () => {
      const v = await visitorWithPeer();
      await peerSays(v.peer, v.conversationId, "hello from the peer");
      const { context, warnings } = await newContext(init);
      const page = await openTab(context);
      await loginViaForm(page, v.creds);
      await openThread(page, v.conversationId);
      await messageWithText(page, "hello from the peer").waitFor();
      await connected(page, true);
      await send(page, "from memory 1");
      await send(page, "from memory 2");
      await eventually(() => shown(page, "sent"), { check: (x) => x.join("|") === "hello from the peer|from memory 1|from memory 2" });
      await peerSays(v.peer, v.conversationId, "live still works");
      await messageWithText(page, "live still works").waitFor();
      assert.deepEqual(await history(v.me.accessToken, v.conversationId), ["hello from the peer", "from memory 1", "from memory 2", "live still works"]);
      assert.equal(warnings.length, 1, warnings.join("\n"));
      assert.match(warnings[0]!, /offline cache is off/);
    });
  }
});

/** Runs in the page (as source text: the test runner's transpiler adds helpers the page lacks). */
const IDB_PROBE = `async ({ name }) => {
  const names = (await indexedDB.databases()).map((d) => d.name || "").filter((x) => x.startsWith("parley:"));
  if (!names.includes(name)) return { names, outbox: -1, threads: [], lastSeq: -1 };
  const db = await new Promise((resolve, reject) => {
    const r = indexedDB.open(name);
    r.onsuccess = () => resolve(r.result);
    r.onerror = () => reject(r.error);
  });
  const get = (store, fn) => new Promise((resolve, reject) => {
    const r = fn(db.transaction(store).objectStore(store));
    r.onsuccess = () => resolve(r.result);
    r.onerror = () => reject(r.error);
  });
  const outbox = await get("outbox", (s) => s.count());
  const threads = await get("threads", (s) => s.getAll());
  const meta = await get("meta", (s) => s.get("state"));
  db.close();
  return { names, outbox, threads: threads.flatMap((t) => t.messages.map((m) => m.text || "")), lastSeq: meta ? meta.lastSeq : 0 };
}`;
