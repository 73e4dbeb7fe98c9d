import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import jwt from "jsonwebtoken";
import { chromium, type Browser, type BrowserContext, type Page, type Route } from "playwright-core";
import type { AuthResponse, Message } from "@parley/sdk/protocol";
import { startServer, type TestServer } from "../../server/test/helpers/harness.js";
import {
  BROWSER_SKIP,
  CHROMIUM_PATH,
  eventually,
  expectCount,
  hostPageHtml,
  messageWithText,
  activeConversation,
  openConversation,
  openPanel,
  startHostSite,
  type HostSite,
} from "./helpers/browser.js";

// A host-token page works offline-first (issue 31, acceptance 5). The page carries a token the
// host's backend signed (data-token); with a session of the token's user kept in the browser, the
// widget draws from the device cache at once and the token is exchanged in the background. Each
// visitor is a browser context of their own (own localStorage and IndexedDB).
//
// As in offline.test.ts: `context.setOffline(true)` cuts every request, so each context serves the
// host pages and the widget's files through a route that keeps what it fetched online (a browser's
// HTTP cache), and Chromium's Local Network Access checks are off (a routed page has no address
// space, and the Parley server is on loopback).

const DELAY_MS = 4_000;
/** How soon after the load the list and the conversation must be drawn with every answer held DELAY_MS. */
const DRAWN_WITHIN_MS = 1_500;

describe("a host-token page works offline-first", { timeout: 300_000, skip: BROWSER_SKIP }, () => {
  let s: TestServer;
  let site: HostSite;
  let browser: Browser;
  let app: { id: string; secret: string };
  const contexts: BrowserContext[] = [];

  before(async () => {
    s = await startServer();
    site = await startHostSite();
    app = await s.createTenant("Host token offline", [site.origin]);
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
  /**
   * A user of the host site: their host token, the host page that embeds Parley with it, and (made
   * over REST with the same token) their Parley session and a DM with a peer who said `hello`.
   */
  const hostUser = async (name: string, hello: string) => {
    const sub = `${name}-${++n}-${Math.random().toString(36).slice(2, 7)}`;
    const token = jwt.sign({ sub, name: `${name} ${n}`, exp: Math.floor(Date.now() / 1000) + 600 }, app.secret, { algorithm: "HS256" });
    const me = await s.api.post<AuthResponse>("/auth/host-token", { app: app.id, body: { token } });
    assert.equal(me.status, 200, JSON.stringify(me.body));
    const peer = await s.api.register(app.id, { displayName: `Peer of ${name}` });
    const dm = await s.api.post<{ conversation: { id: string } }>("/conversations/direct", {
      app: app.id,
      token: me.body.accessToken,
      body: { userId: peer.user.id },
    });
    assert.ok(dm.status === 201 || dm.status === 200, JSON.stringify(dm.body));
    const conversationId = dm.body.conversation.id;
    const said = await s.api.post(`/conversations/${conversationId}/messages`, { app: app.id, token: peer.accessToken, body: { text: hello } });
    assert.equal(said.status, 201, JSON.stringify(said.body));
    const url = site.page(`/shop-${sub}`, hostPageHtml({ parleyUrl: s.url, appId: app.id, token }));
    return { sub, token, me: me.body, peer, conversationId, url };
  };

  /** A visitor's browser: the host pages and every file of the Parley server's are kept once fetched, as in an HTTP cache. */
  const newContext = async (): Promise<BrowserContext> => {
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
    await context.route(`${site.origin}/shop-*`, keep);
    await context.route(new RegExp(`^${s.url.replace(/[.]/g, "\\.")}/[\\w.-]+\\.js$`), keep);
    return context;
  };

  const openTab = async (context: BrowserContext, url: string): Promise<Page> => {
    const page = await context.newPage();
    page.on("pageerror", (e) => assert.fail(`page error: ${e.message}`));
    await page.goto(url);
    await page.locator("[part=launcher]").waitFor({ state: "visible", timeout: 15_000 });
    return page;
  };

  const row = (page: Page, conversationId: string) => page.locator(`[part=conversation][data-id="${conversationId}"]`);

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

  /** The texts the server holds in the conversation, oldest first. */
  const history = async (token: string, conversationId: string): Promise<string[]> => {
    const res = await s.api.get<{ items: Message[] }>(`/conversations/${conversationId}/messages?limit=100`, { app: app.id, token });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return res.body.items.map((m) => m.text ?? "").reverse();
  };

  /** The session the widget keeps in localStorage (null when none). */
  const kept = (page: Page): Promise<{ user: { id: string }; refreshToken: string } | null> =>
    page.evaluate((key) => JSON.parse(localStorage.getItem(key) ?? "null"), `parley:${app.id}:session`);

  /** What this user has in IndexedDB: the Parley database names of the origin, its outbox size, cached texts and cursor. */
  const idb = (page: Page, userId: string): Promise<{ names: string[]; outbox: number; threads: string[]; lastSeq: number }> =>
    page.evaluate(`(${IDB_PROBE})(${JSON.stringify({ name: `parley:${app.id}:${userId}` })})`);

  test("three sends made offline show as pending after a reload offline, drawn from the cache; online, each is stored once, in order", async () => {
    const v = await hostUser("Ada", "hello Ada");
    const context = await newContext();
    const page = await openTab(context, v.url);
    await openThread(page, v.conversationId);
    await messageWithText(page, "hello Ada").waitFor();
    await connected(page, true);
    await eventually(() => idb(page, v.me.user.id), { check: (d) => d.lastSeq > 0 && d.threads.includes("hello Ada"), message: "the state is cached" });

    await context.setOffline(true);
    await connected(page, false);
    for (const t of ["offline one", "offline two", "offline three"]) await send(page, t);
    assert.deepEqual(await shown(page, "pending"), ["offline one", "offline two", "offline three"]);
    await eventually(() => idb(page, v.me.user.id), { check: (d) => d.outbox === 3, message: "three sends in the outbox" });

    // Reloaded offline: no sign-in form; the conversation it had open reopens from the cache with
    // the sends pending, and the list behind it is drawn from the cache too.
    await page.reload();
    await openPanel(page);
    await messageWithText(page, "hello Ada").waitFor({ timeout: 15_000 });
    assert.equal(await activeConversation(page), v.conversationId, "the conversation open before the reload is open again");
    await expectCount(page.locator("parley-signin"), 0);
    await eventually(() => shown(page, "pending"), {
      check: (p) => p.join("|") === "offline one|offline two|offline three",
      message: "pending after the reload",
    });
    await page.locator("[part=back]").click();
    await row(page, v.conversationId).waitFor({ state: "visible", timeout: 15_000 });
    await openThread(page, v.conversationId);
    assert.deepEqual(await history(v.me.accessToken, v.conversationId), ["hello Ada"], "nothing reached the server while offline");
    const offlineSession = await kept(page);
    assert.equal(offlineSession?.user.id, v.me.user.id);

    await context.setOffline(false);
    await eventually(() => shown(page, "sent"), {
      timeout: 30_000,
      check: (x) => x.join("|") === "hello Ada|offline one|offline two|offline three",
      message: "shown as sent",
    });
    await eventually(() => history(v.me.accessToken, v.conversationId), { check: (h) => h.length >= 4 });
    assert.deepEqual(
      await history(v.me.accessToken, v.conversationId),
      ["hello Ada", "offline one", "offline two", "offline three"],
      "each stored once, in order",
    );
    assert.deepEqual(await shown(page, "pending"), []);
    await eventually(() => idb(page, v.me.user.id), { check: (d) => d.outbox === 0, message: "the outbox is empty" });
    // Online again, the token was exchanged in the background and its session adopted, quietly.
    await eventually(() => kept(page), {
      timeout: 30_000,
      check: (k) => k?.user.id === v.me.user.id && k.refreshToken !== offlineSession?.refreshToken,
      message: "the exchanged session adopted",
    });
    await expectCount(page.locator("parley-signin"), 0);
  });

  test(`with every API answer held ${DELAY_MS / 1000} s, the conversation open before the reload and the list draw from the cache within ${DRAWN_WITHIN_MS / 1000} s of the load`, async (t) => {
    const v = await hostUser("Bea", "hello Bea");
    const context = await newContext();
    const page = await openTab(context, v.url);
    await openThread(page, v.conversationId);
    await messageWithText(page, "hello Bea").waitFor();
    await eventually(() => idb(page, v.me.user.id), { check: (d) => d.lastSeq > 0 && d.threads.includes("hello Bea"), message: "the thread is cached" });

    // A slow Parley server: every REST answer comes DELAY_MS late (the socket is not held).
    await context.route(`${s.url}/v1/**`, async (route) => {
      await new Promise((r) => setTimeout(r, DELAY_MS));
      await route.continue().catch(() => undefined);
    });
    const answers: { path: string; at: number }[] = [];
    // Only the reloaded page's requests: one the page before it made just before (the scheduled
    // list of the open conversation, say) may still be answered, unheld, after this point.
    const sinceReload = new Set<import("playwright-core").Request>();
    let reloaded = false;
    page.on("request", (r) => void (reloaded && sinceReload.add(r)));
    page.on("response", (r) => {
      if (sinceReload.has(r.request()) && r.url().startsWith(`${s.url}/v1/`)) answers.push({ path: new URL(r.url()).pathname, at: Date.now() });
    });
    const loadStart = Date.now();
    reloaded = true;
    await page.reload();
    // The panel opens on the conversation this tab had open, without a click on its row.
    await openPanel(page);
    await messageWithText(page, "hello Bea").waitFor({ timeout: 15_000 });
    const threadAt = Date.now();
    assert.equal(await activeConversation(page), v.conversationId);
    await page.locator("[part=back]").click();
    await row(page, v.conversationId).waitFor({ state: "visible", timeout: 15_000 });
    const listAt = Date.now();
    t.diagnostic(`conversation drawn ${threadAt - loadStart} ms, list ${listAt - loadStart} ms after the load began`);
    assert.deepEqual([...answers], [], "drawn before any answer of the server");
    assert.ok(threadAt - loadStart < DRAWN_WITHIN_MS, `the conversation drawn ${threadAt - loadStart} ms after the load`);
    assert.ok(listAt - loadStart < DRAWN_WITHIN_MS, `the list drawn ${listAt - loadStart} ms after the load`);
    await openThread(page, v.conversationId);

    // The exchange answers late; its session is adopted without a sign-in form or a blank list.
    const before = await kept(page);
    await eventually(() => answers.some((a) => a.path === "/v1/auth/host-token"), { timeout: 20_000, message: "the exchange answered" });
    await eventually(() => kept(page), { check: (k) => !!k && k.refreshToken !== before?.refreshToken, message: "adopted" });
    await expectCount(page.locator("parley-signin"), 0);
    await messageWithText(page, "hello Bea").waitFor();
    await context.unroute(`${s.url}/v1/**`);

    // Back at the list, a reload shows the list: only a conversation left open is reopened.
    await page.locator("[part=back]").click();
    await row(page, v.conversationId).waitFor({ state: "visible" });
    await page.reload();
    await openPanel(page);
    await row(page, v.conversationId).waitFor({ state: "visible", timeout: 15_000 });
    await expectCount(page.locator("[part=composer-input]"), 0);
  });

  test("a token for another user on the same browser: the first user's session and device data go first, nothing of theirs shows, their unsent message never leaves", async () => {
    const a = await hostUser("Cy", "private to Cy");
    const b = await hostUser("Dee", "hello Dee");
    const context = await newContext();
    const page = await openTab(context, a.url);
    await openThread(page, a.conversationId);
    await messageWithText(page, "private to Cy").waitFor();
    await connected(page, true);
    await context.setOffline(true);
    await connected(page, false);
    await send(page, "never sent: another user came");
    await eventually(() => idb(page, a.me.user.id), {
      check: (d) => d.outbox === 1 && d.threads.includes("private to Cy"),
      message: "Cy's data on the device",
    });
    await page.close();
    await context.setOffline(false);

    // The host site is up but the Parley server cannot be reached: Dee's sign-in fails, and yet
    // Cy's session and device data are already gone.
    await context.route(`${s.url}/v1/**`, (route) => route.abort("connectionrefused"));
    // (Dee's page was never fetched in this browser: fetched now, and kept.)
    const dee = await openTab(context, b.url);
    await openPanel(dee);
    await dee.locator("parley-signin").waitFor({ state: "visible", timeout: 15_000 });
    await expectCount(dee.locator("[part=conversation]"), 0);
    assert.equal(await kept(dee), null, "Cy's session is gone");
    await eventually(() => idb(dee, a.me.user.id), { check: (d) => d.names.length === 0, message: "no Parley database left" });
    assert.doesNotMatch((await dee.locator("parley-chat").textContent()) ?? "", /private to Cy|never sent/);
    await context.unroute(`${s.url}/v1/**`);

    // The Parley server back: Dee signs in and sees only her own.
    await dee.reload();
    await openPanel(dee);
    await row(dee, b.conversationId).waitFor({ state: "visible", timeout: 15_000 });
    await expectCount(dee.locator("[part=conversation]"), 1);
    await expectCount(row(dee, a.conversationId), 0);
    assert.doesNotMatch((await dee.locator("parley-list").textContent()) ?? "", /private to Cy/);
    assert.equal((await kept(dee))?.user.id, b.me.user.id);
    await connected(dee, true);
    const d = await eventually(() => idb(dee, b.me.user.id), { check: (x) => x.lastSeq > 0 });
    assert.deepEqual(d.names, [`parley:${app.id}:${b.me.user.id}`], "only Dee's database");
    assert.deepEqual(await history(a.me.accessToken, a.conversationId), ["private to Cy"], "Cy's unsent message never went out");
  });
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
