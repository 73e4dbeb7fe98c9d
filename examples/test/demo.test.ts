// `npm start` as a newcomer runs it: the demo app, users and history are seeded, the printed
// script-tag page works for two people in two browsers, and a restart changes nothing.
import assert from "node:assert/strict";
import { mkdir, rm } from "node:fs/promises";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import type { Browser } from "playwright-core";
import {
  ARTIFACTS,
  DEMO_EMAILS,
  SEEDED_DM,
  allMessages,
  api,
  apiLogin,
  badgeCount,
  eventually,
  BROWSER_SKIP,
  launchBrowser,
  newTab,
  spawnDemoServer,
  tempDataDir,
  widgetLogin,
  widgetMessage,
  widgetSend,
  type DemoServer,
  type Tab,
} from "./helpers.js";

describe("the demo started by `npm start`", { timeout: 240_000, skip: BROWSER_SKIP }, () => {
  let dataDir = "";
  let bareDir = "";
  let server: DemoServer | undefined;
  let browser: Browser | undefined;
  const tabs: Tab[] = [];
  const run = Date.now().toString(36);
  const hello = `Hello Bob, from the demo test ${run}`;
  const reply = `Hi Alice, got it ${run}`;
  let firstAppId = "";

  before(async () => {
    dataDir = await tempDataDir();
    bareDir = await tempDataDir();
    server = await spawnDemoServer(dataDir);
    browser = await launchBrowser();
  });

  after(async () => {
    for (const t of tabs) await t.context.close().catch(() => undefined);
    await browser?.close().catch(() => undefined);
    await server?.stop();
    await rm(dataDir, { recursive: true, force: true });
    await rm(bareDir, { recursive: true, force: true });
  });

  test("prints where to click, the demo app id and the four users", () => {
    const s = server!;
    assert.match(s.scriptTagUrl ?? "", /^http:\/\/localhost:\d+\/examples\/script-tag\/$/, s.output());
    assert.match(s.appId ?? "", /\S/, "demo app id printed");
    firstAppId = s.appId!;
    assert.deepEqual([...s.users.keys()], DEMO_EMAILS);
    assert.equal(s.users.get("alice@demo.parley.chat"), "Alice Martin");
    assert.equal(s.users.get("bob@demo.parley.chat"), "Bob Chen");
    assert.match(s.output(), /password: parley-demo-pass/);
  });

  test("alice and bob chat through the script-tag page in two browsers", async () => {
    const url = server!.scriptTagUrl!;
    const alice = await newTab(browser!, url);
    tabs.push(alice);
    const bob = await newTab(browser!, url);
    tabs.push(bob);
    // The page is the one-line embed, filled in with this server and the demo app.
    const src = await alice.page.locator("script[data-app-id]").getAttribute("src");
    assert.equal(src, `${server!.base}/widget.js`);
    assert.equal(await alice.page.locator("script[data-app-id]").getAttribute("data-app-id"), firstAppId);

    await widgetLogin(alice.page, "alice@demo.parley.chat");
    await widgetLogin(bob.page, "bob@demo.parley.chat");

    // Alice opens her existing DM with Bob: the seeded history is there.
    await alice.page.locator("[part=conversation]", { hasText: "Bob Chen" }).click();
    for (const text of SEEDED_DM) await widgetMessage(alice.page, text).waitFor({ timeout: 15_000 });

    // Bob's list has loaded (both seeded conversations) before his badge is read.
    await bob.page.locator("[part=conversation]", { hasText: "Alice Martin" }).waitFor({ timeout: 15_000 });
    await bob.page.locator("[part=conversation]", { hasText: "Launch team" }).waitFor({ timeout: 15_000 });
    const listUnread = async (): Promise<number> => {
      const counts = await bob.page.locator("[part=conversation] [part=unread]").allTextContents();
      return counts.reduce((n, t) => n + Number(t.trim()), 0);
    };
    const bobBadgeBefore = await eventually(async () => [await badgeCount(bob.page), await listUnread()], { check: ([badge, list]) => badge === list }).then(
      ([n]) => n!,
    );
    await widgetSend(alice.page, hello);
    await eventually(() => alice.page.locator(`[part=message][data-status=sent]`, { hasText: hello }).count(), {
      check: (n) => n === 1,
      timeout: 15_000,
      message: "alice's message confirmed",
    });

    // Bob is told (badge goes up, live), opens the DM, sees it and replies.
    await eventually(() => badgeCount(bob.page), { check: (n) => n === bobBadgeBefore + 1, timeout: 15_000, message: "bob's badge counts the new message" });
    await bob.page.locator("[part=conversation]", { hasText: "Alice Martin" }).click();
    await widgetMessage(bob.page, hello).waitFor({ timeout: 15_000 });
    await widgetMessage(bob.page, SEEDED_DM[0]!).waitFor({ timeout: 15_000 });
    await widgetSend(bob.page, reply);

    // Alice sees the reply live in her open thread.
    await widgetMessage(alice.page, reply).waitFor({ timeout: 15_000 });
    assert.equal(await widgetMessage(alice.page, reply).getAttribute("data-mine"), "false");
    assert.equal(await widgetMessage(alice.page, hello).getAttribute("data-mine"), "true");
    // Both have the DM open at the bottom: what arrived is marked read, so no badge is left.
    await eventually(() => badgeCount(alice.page), { check: (n) => n === 0, timeout: 10_000, message: "alice's badge cleared" });
    await eventually(() => badgeCount(bob.page), { check: (n) => n === bobBadgeBefore, timeout: 10_000, message: "bob's badge back to before" });

    await mkdir(ARTIFACTS, { recursive: true });
    await alice.page.screenshot({ path: path.join(ARTIFACTS, "demo.png") });
    assert.deepEqual(alice.errors, [], "no page errors (alice)");
    assert.deepEqual(bob.errors, [], "no page errors (bob)");
    for (const t of tabs.splice(0)) await t.context.close();
  });

  test("a restart on the same DATA_DIR is idempotent: same app, same users, no duplicate history", async () => {
    const code = await server!.stop();
    assert.equal(code, 0, "SIGTERM shuts down cleanly");
    server = await spawnDemoServer(dataDir);
    const s = server;
    assert.equal(s.appId, firstAppId, "same demo app id printed");
    assert.deepEqual([...s.users.keys()], DEMO_EMAILS);

    const alice = await apiLogin(s.url, firstAppId, "alice@demo.parley.chat");
    const users = await api(s.url, "GET", "/users?limit=50", { token: alice.accessToken });
    assert.equal(users.status, 200);
    assert.deepEqual(users.body.items.map((u: { displayName: string }) => u.displayName).sort(), ["Alice Martin", "Bob Chen", "Carol Diaz", "Dave Okafor"]);

    const convs = await api(s.url, "GET", "/conversations?limit=50", { token: alice.accessToken });
    assert.equal(convs.status, 200);
    const dms = convs.body.items.filter((c: any) => c.kind === "direct");
    assert.equal(dms.length, 1, "one DM (with Bob)");
    assert.ok(dms[0].users.some((u: { displayName: string }) => u.displayName === "Bob Chen"));
    const groups = convs.body.items.filter((c: any) => c.name === "Launch team");
    assert.equal(groups.length, 1, "one seeded group");

    const texts = (await allMessages(s.url, alice.accessToken, dms[0].id)).map((m) => m.text);
    assert.deepEqual(texts, [...SEEDED_DM, hello, reply]);
  });

  test("PARLEY_DEMO=0 starts the bare server: no /examples/, no demo users printed", async () => {
    const s = await spawnDemoServer(bareDir, { PARLEY_DEMO: "0" });
    try {
      const status = async (p: string): Promise<number> => {
        const res = await fetch(s.url + p);
        await res.arrayBuffer(); // drain, so the connection is idle at shutdown
        return res.status;
      };
      assert.equal(await status("/v1/healthz"), 200);
      assert.equal(await status("/examples/"), 404);
      assert.equal(await status("/examples/script-tag/"), 404);
      assert.equal(await status("/widget.js"), 200, "the widget is still served");
      assert.equal(s.appId, null);
      assert.equal(s.scriptTagUrl, null);
      assert.equal(s.users.size, 0);
      assert.doesNotMatch(s.output(), /demo\.parley\.chat|Parley demo is running/);
    } finally {
      assert.equal(await s.stop(), 0);
    }
  });
});
