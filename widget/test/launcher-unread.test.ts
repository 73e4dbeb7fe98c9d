import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { Browser, BrowserContext, Page, Route } from "playwright-core";
import { startServer, type TestServer } from "../../server/test/helpers/harness.js";
import { BROWSER_SKIP, eventually, expectText, hostPageHtml, launchBrowser, loginViaForm, openPanel, startHostSite, type HostSite } from "./helpers/browser.js";

// The loader's launcher (embed.ts) shows a signed-in visitor's last known unread count at once,
// before the full UI is fetched; the UI then takes over with the live count.

describe("the launcher shows the last unread count before the UI loads", { timeout: 180_000, skip: BROWSER_SKIP }, () => {
  let s: TestServer;
  let site: HostSite;
  let browser: Browser;
  let app: string;
  let pageUrl: string;
  let context: BrowserContext | undefined;

  before(async () => {
    s = await startServer();
    site = await startHostSite();
    app = (await s.createTenant("Launcher unread", [site.origin])).id;
    pageUrl = site.page("/", hostPageHtml({ parleyUrl: s.url, appId: app }));
    browser = await launchBrowser();
  });
  after(async () => {
    await context?.close().catch(() => undefined);
    await browser?.close();
    await site?.close();
    await s?.close();
  });

  const UI = /\/widget-ui-[\w-]+\.js$/;

  /** Holds back the UI module's request: `asked` resolves once the page wants it, `release` lets it through. */
  const holdUi = async (ctx: BrowserContext): Promise<{ asked: Promise<void>; release: () => Promise<void> }> => {
    let open!: () => void;
    const gate = new Promise<void>((r) => (open = r));
    let wanted!: () => void;
    const asked = new Promise<void>((r) => (wanted = r));
    const handler = async (route: Route): Promise<void> => {
      wanted();
      await gate;
      await route.continue().catch(() => undefined);
    };
    await ctx.route(UI, handler);
    return { asked, release: async () => (open(), await ctx.unroute(UI, handler)) };
  };

  const uiDefined = (page: Page): Promise<boolean> => page.evaluate(`!!customElements.get("parley-chat")`);
  const saved = (page: Page): Promise<string | null> => page.evaluate(`localStorage.getItem(${JSON.stringify(`parley:${app}:unread`)})`);

  test("a signed-in visitor's launcher shows the saved count and its accessible name before the UI, then the live count; none after sign-out", async () => {
    const creds = { email: "unread.visitor@example.com", password: "correct horse battery" };
    const me = await s.api.register(app, { ...creds, displayName: "Unread Visitor" });
    const peer = await s.api.register(app, { displayName: "Chatty Peer" });
    const dm = (await s.api.post<{ conversation: { id: string } }>("/conversations/direct", { app, token: peer.accessToken, body: { userId: me.user.id } }))
      .body.conversation.id;
    const say = async (text: string): Promise<void> => {
      const res = await s.api.post(`/conversations/${dm}/messages`, { app, token: peer.accessToken, body: { text } });
      assert.equal(res.status, 201, JSON.stringify(res.body));
    };

    context = await browser.newContext({ viewport: { width: 1100, height: 800 } });
    const page = await context.newPage();
    page.on("pageerror", (e) => assert.fail(`page error: ${e.message}`));
    await page.goto(pageUrl);
    await loginViaForm(page, creds);
    await page.locator("[part=close]").click();
    for (const t of ["one", "two", "three"]) await say(t);
    const launcher = page.locator("[part=launcher]");
    const badge = page.locator("[part=badge]");
    await expectText(badge, "3");
    assert.equal(await saved(page), "3", "the UI saved the count");

    // Reload with the UI held back: the loader's launcher shows the saved count at once.
    const held = await holdUi(context);
    await page.reload({ waitUntil: "domcontentloaded" });
    await expectText(badge, "3");
    assert.equal(await launcher.getAttribute("aria-label"), "Open chat, 3 unread");
    await held.asked; // the page wants the UI (signed in: fetched when idle) and has not got it
    assert.equal(await uiDefined(page), false, "drawn before the UI loaded");
    assert.equal(await badge.isVisible(), true);

    // Meanwhile one more arrives; once the UI is in, the live count replaces the saved one.
    await say("four");
    await held.release();
    await page.waitForFunction(`!!customElements.get("parley-chat")`);
    await expectText(badge, "4");
    assert.equal(await launcher.getAttribute("aria-label"), "Open chat, 4 unread");
    await page.waitForFunction(`localStorage.getItem(${JSON.stringify(`parley:${app}:unread`)}) === "4"`);

    // Sign out: the saved count goes; the next load's launcher has no badge.
    await openPanel(page);
    await page.locator("[part=profile]").click();
    await page.locator("[part=signout]").click();
    await page.locator("parley-signin").waitFor({ state: "visible" });
    assert.equal(await saved(page), null, "removed on sign-out");
    const again = await holdUi(context);
    await page.reload({ waitUntil: "domcontentloaded" });
    await launcher.waitFor({ state: "visible" });
    assert.equal(await uiDefined(page), false, "the loader's launcher");
    assert.equal(await launcher.getAttribute("aria-label"), "Open chat");
    assert.equal(await badge.count(), 0);
    await again.release();

    // A German page: the loader's launcher is named in German before the UI (issue 52: English
    // until the language's chunk came), and the UI keeps the name.
    const german = site.page("/de", hostPageHtml({ parleyUrl: s.url, appId: app }).replace('<html lang="en">', '<html lang="de">'));
    const heldDe = await holdUi(context);
    await page.goto(german, { waitUntil: "domcontentloaded" });
    await launcher.waitFor({ state: "visible" });
    assert.equal(await uiDefined(page), false, "the loader's launcher");
    assert.equal(await launcher.getAttribute("aria-label"), "Chat öffnen");
    await heldDe.release();
    await page.locator("[part=launcher]").hover();
    await page.waitForFunction(`!!customElements.get("parley-chat")`);
    await eventually(() => launcher.getAttribute("aria-label"), { check: (l) => l === "Chat öffnen", message: "the UI's German name" });
  });
});
