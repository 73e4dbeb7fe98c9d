import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { Browser, BrowserContext, Locator, Page } from "playwright-core";
import type { Message } from "@parley/sdk/protocol";
import { startServer, type TestServer } from "../../server/test/helpers/harness.js";
import {
  BROWSER_SKIP,
  eventually,
  expectCount,
  hostPageHtml,
  launchBrowser,
  loginViaForm,
  messageWithText,
  openConversation,
  startHostSite,
  type HostSite,
} from "./helpers/browser.js";

// A send the server refuses for good (here: the DM partner has blocked the sender) stays in the
// thread as failed, with its reason in plain words and two buttons: Retry and Discard.

describe("a send refused for good shows why, with Retry and Discard", { timeout: 180_000, skip: BROWSER_SKIP }, () => {
  let s: TestServer;
  let site: HostSite;
  let browser: Browser;
  let app: string;
  let pageUrl: string;
  let context: BrowserContext | undefined;

  before(async () => {
    s = await startServer();
    site = await startHostSite();
    app = (await s.createTenant("Failed sends", [site.origin])).id;
    pageUrl = site.page("/", hostPageHtml({ parleyUrl: s.url, appId: app }));
    browser = await launchBrowser();
  });
  after(async () => {
    await context?.close().catch(() => undefined);
    await browser?.close();
    await site?.close();
    await s?.close();
  });

  /** The element inside the thread's shadow root that has focus: its part. */
  const focusedPart = (page: Page): Promise<string | null> =>
    page.evaluate(`document.querySelector("parley-chat").shadowRoot.querySelector("parley-thread").shadowRoot.activeElement?.getAttribute("part") ?? null`);

  /** The outbox size in this user's IndexedDB (the SDK's durable outbox). */
  const outbox = (page: Page, userId: string): Promise<number> =>
    page.evaluate(`(async () => {
      const db = await new Promise((resolve, reject) => { const r = indexedDB.open(${JSON.stringify(`parley:${app}:${userId}`)}); r.onsuccess = () => resolve(r.result); r.onerror = () => reject(r.error); });
      const n = await new Promise((resolve, reject) => { const r = db.transaction("outbox").objectStore("outbox").count(); r.onsuccess = () => resolve(r.result); r.onerror = () => reject(r.error); });
      db.close();
      return n;
    })()`);

  const history = async (token: string, conversationId: string): Promise<string[]> => {
    const res = await s.api.get<{ items: Message[] }>(`/conversations/${conversationId}/messages?limit=100`, { app, token });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return res.body.items.map((m) => m.text ?? "").reverse();
  };

  test("a refused send shows its reason; Discard removes it for good (also after a reload); Retry sends it once allowed", async () => {
    const creds = { email: "failed.sender@example.com", password: "correct horse battery" };
    const me = await s.api.register(app, { ...creds, displayName: "Failed Sender" });
    const peer = await s.api.register(app, { displayName: "Blocking Peer" });
    const dm = (await s.api.post<{ conversation: { id: string } }>("/conversations/direct", { app, token: me.accessToken, body: { userId: peer.user.id } }))
      .body.conversation.id;
    const blocked = await s.api.post("/blocks", { app, token: peer.accessToken, body: { userId: me.user.id } });
    assert.ok(blocked.status < 300, JSON.stringify(blocked.body));

    context = await browser.newContext({ viewport: { width: 1100, height: 800 } });
    const page = await context.newPage();
    page.on("pageerror", (e) => assert.fail(`page error: ${e.message}`));
    await page.goto(pageUrl);
    await loginViaForm(page, creds);
    const openThread = (): Promise<void> => openConversation(page, dm);
    await openThread();
    const input = page.locator("[part=composer-input]");
    for (const text of ["keep me", "discard me"]) {
      await input.fill(text);
      await input.press("Enter");
    }
    const failed = (text: string): Locator => messageWithText(page, text).and(page.locator("[data-status=failed]"));
    await failed("keep me").waitFor({ timeout: 15_000 });
    await failed("discard me").waitFor({ timeout: 15_000 });

    // The reason in plain words (the error code through the strings), and two named 44 px buttons.
    const gone = failed("discard me");
    // The reason's words come with the extras chunk: "Not sent" alone until it has arrived (slow under load).
    await gone.locator("[part=failed]").filter({ hasText: "Not sent: you can't send messages here" }).waitFor({ timeout: 15_000 });
    assert.match((await gone.locator("[part=failed]").textContent()) ?? "", /^Not sent: you can't send messages here Retry/);
    const retry = gone.getByRole("button", { name: "Retry", exact: true });
    const discard = gone.getByRole("button", { name: "Discard", exact: true });
    for (const b of [retry, discard]) {
      const box = await b.boundingBox();
      assert.ok(box && box.width >= 44 && box.height >= 44, `44 px target: ${JSON.stringify(box)}`);
    }
    assert.equal(await outbox(page, me.user.id), 2, "both kept on the device as failed");

    // Keyboard: from the message, Tab reaches Retry, then Discard; Enter discards.
    await gone.focus();
    await page.keyboard.press("Tab");
    assert.equal(await focusedPart(page), "retry");
    await page.keyboard.press("Tab");
    assert.equal(await focusedPart(page), "discard");
    await page.keyboard.press("Enter");
    await expectCount(messageWithText(page, "discard me"), 0);
    assert.notEqual(await page.evaluate(`document.activeElement?.tagName`), "BODY", "focus stays in the widget");
    await eventually(() => outbox(page, me.user.id), { check: (n) => n === 1, message: "dropped from the stored outbox" });

    // A reload brings back only the one still failed.
    await page.reload();
    await openThread();
    await failed("keep me").waitFor({ timeout: 15_000 });
    await expectCount(messageWithText(page, "discard me"), 0);

    // Allowed again: Retry (by keyboard) sends it, once.
    const unblocked = await s.api.del(`/blocks/${me.user.id}`, { app, token: peer.accessToken });
    assert.ok(unblocked.status < 300, JSON.stringify(unblocked.body));
    const keep = failed("keep me");
    await keep.focus();
    await page.keyboard.press("Tab");
    assert.equal(await focusedPart(page), "retry");
    await page.keyboard.press("Enter");
    await messageWithText(page, "keep me").and(page.locator("[data-status=sent]")).waitFor({ timeout: 15_000 });
    await expectCount(page.locator("[part=message][data-status=failed]"), 0);
    assert.deepEqual(await history(me.accessToken, dm), ["keep me"], "stored once; the discarded one never went out");
    await eventually(() => outbox(page, me.user.id), { check: (n) => n === 0, message: "the outbox is empty" });
  });
});
