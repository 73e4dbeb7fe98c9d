import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { Browser } from "playwright-core";
import type { AuthResponse, Conversation, Me } from "@parley/sdk/protocol";
import { startServer, type TestServer } from "../../server/test/helpers/harness.js";
import {
  eventually,
  expectText,
  hostPageHtml,
  BROWSER_SKIP,
  launchBrowser,
  loginViaForm,
  openHostPage,
  startHostSite,
  type HostSite,
} from "./helpers/browser.js";

describe("widget views beyond the thread", { timeout: 120_000, skip: BROWSER_SKIP }, () => {
  let s: TestServer;
  let site: HostSite;
  let browser: Browser;
  let app: string;
  let url: string;
  const pw = "correct horse battery";
  let ann: AuthResponse, ben: AuthResponse, cat: AuthResponse;

  before(async () => {
    s = await startServer();
    site = await startHostSite();
    app = (await s.createTenant("Views", [site.origin])).id;
    url = site.page("/", hostPageHtml({ parleyUrl: s.url, appId: app }));
    ann = await s.api.register(app, { email: "ann.views@example.com", password: pw, displayName: "Ann Views" });
    ben = await s.api.register(app, { email: "ben.views@example.com", password: pw, displayName: "Ben Views" });
    cat = await s.api.register(app, { email: "cat.views@example.com", password: pw, displayName: "Cat Views" });
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await site?.close();
    await s?.close();
  });

  test("new group from the widget: name and members picked by search; group info shows roles, renames, removes", async () => {
    const { page, context } = await openHostPage(browser, url);
    await loginViaForm(page, { email: "ann.views@example.com", password: pw });
    await page.locator("[part=new-group]").click();
    await page.locator("input[name=groupName]").fill("Book club");
    for (const name of ["Ben Views", "Cat Views"]) {
      await page.locator("[part=user-search]").fill(name);
      await page.locator("[part=user-result]", { hasText: name }).click();
    }
    await page.locator("[part=create-group]").click();
    await expectText(page.locator("[part=header] h2"), "Book club");
    const list = await s.api.get<{ items: Conversation[] }>("/conversations", { token: ann.accessToken });
    const group = list.body.items.find((c) => c.name === "Book club")!;
    assert.deepEqual(group.members.map((m) => m.role).sort(), ["member", "member", "owner"]);

    await page.locator("[part=info]").click();
    await eventually(async () => assert.equal(await page.locator("[part=member]").count(), 3));
    await expectText(page.locator("[part=member]", { hasText: "Ann Views" }), /owner/);
    await page.locator("input[name=name]").fill("Book club 2");
    await page.locator("parley-info button.primary").click();
    await eventually(async () => {
      const c = await s.api.get<{ conversation: Conversation }>(`/conversations/${group.id}`, { token: ann.accessToken });
      assert.equal(c.body.conversation.name, "Book club 2");
    });
    await page.locator("[part=member]", { hasText: "Cat Views" }).locator("[part=remove-member]").click();
    await eventually(async () => assert.equal(await page.locator("[part=member]").count(), 2));
    const after = await s.api.get<{ conversation: Conversation }>(`/conversations/${group.id}`, { token: ann.accessToken });
    assert.deepEqual(after.body.conversation.members.map((m) => m.userId).sort(), [ann.user.id, ben.user.id].sort());
    await context.close();
  });

  test("profile: name and bio are saved; a contact request from a DM's info is accepted in the other user's profile", async () => {
    const a = await openHostPage(browser, url);
    await loginViaForm(a.page, { email: "ann.views@example.com", password: pw });
    await a.page.locator("[part=profile]").click();
    await a.page.locator("parley-info input[name=displayName]").fill("Ann Renamed");
    await a.page.locator("parley-info textarea[name=bio]").fill("Reads a lot");
    await a.page.locator("[part=profile] button.primary").click();
    await eventually(async () => {
      const me = await s.api.get<Me>("/me", { token: ann.accessToken });
      assert.deepEqual([me.body.displayName, me.body.bio], ["Ann Renamed", "Reads a lot"]);
    });

    // A DM with Cat, then "add contact" from its info view.
    await s.api.post("/conversations/direct", { token: ann.accessToken, body: { userId: cat.user.id } });
    await a.page.locator("[part=back]").click();
    await a.page.locator("[part=conversation]", { hasText: "Cat Views" }).click();
    await a.page.locator("[part=info]").click();
    await a.page.locator("[part=add-contact]").click();
    await eventually(async () => {
      const c = await s.api.get("/contacts", { token: cat.accessToken });
      assert.equal(c.body.incoming.length, 1);
    });

    const c = await openHostPage(browser, url);
    await loginViaForm(c.page, { email: "cat.views@example.com", password: pw });
    await c.page.locator("[part=profile]").click();
    await c.page.locator("[part=request]").locator("[part=accept]").click();
    await expectText(c.page.locator("[part=contact]"), /Ann Renamed/);
    const contacts = await s.api.get("/contacts", { token: ann.accessToken });
    assert.deepEqual(
      contacts.body.contacts.map((x: { user: { id: string } }) => x.user.id),
      [cat.user.id],
    );
    await a.context.close();
    await c.context.close();
  });

  test("offline shows 'Reconnecting…'; on a narrow screen the open panel fills the viewport", async () => {
    const { page, context } = await openHostPage(browser, url);
    await loginViaForm(page, { email: "ben.views@example.com", password: pw });
    // The real conditions, not a poll that a short outage can slip between: the widget's socket is
    // in its room on the server before it is cut, and the page records every banner it draws.
    const room = `user:${ben.user.id}`;
    await eventually(async () => assert.ok((await s.io.in(room).fetchSockets()).length > 0, "the widget's socket is not connected yet"), { timeout: 30_000 });
    // A string, not a function: tsx would wrap a function's inner helpers in a `__name` the page lacks.
    await page.evaluate(`{
      window.banners = [];
      const root = document.querySelector("parley-chat").shadowRoot;
      new MutationObserver(() => {
        const t = root.querySelector("[part=status]")?.textContent?.trim();
        if (t && window.banners.at(-1) !== t) window.banners.push(t);
      }).observe(root, { subtree: true, childList: true, characterData: true });
    }`);
    s.io.in(room).disconnectSockets(true);
    await page.waitForFunction(() => (window as unknown as { banners: string[] }).banners.some((t) => /Reconnecting/.test(t)), undefined, { timeout: 30_000 });
    await page.locator("[part=status]").waitFor({ state: "detached", timeout: 30_000 });
    await eventually(async () => assert.ok((await s.io.in(room).fetchSockets()).length > 0, "the widget did not reconnect"), { timeout: 30_000 });
    await page.setViewportSize({ width: 375, height: 700 });
    const box = await page.locator("[part=panel]").boundingBox();
    assert.ok(box && box.width >= 370 && box.height >= 690, JSON.stringify(box));
    await context.close();
  });
});
