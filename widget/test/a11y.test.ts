// Accessibility and theming in Chromium: axe-core in the page and a contrast walk over every text
// node, for every view, light and dark, desktop and phone; a screenshot of each lands in
// test-artifacts/. Then the screen-reader and keyboard details: the launcher's name carries the
// unread count, new messages are announced with their sender, the list is one tab stop.
import assert from "node:assert/strict";
import { mkdir } from "node:fs/promises";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import type { Browser, Page } from "playwright-core";
import type { AuthResponse } from "@parley/sdk/protocol";
import { startServer, type TestServer } from "../../server/test/helpers/harness.js";
import {
  BROWSER_SKIP,
  eventually,
  expectText,
  hostPageHtml,
  launchBrowser,
  loginViaForm,
  messageWithText,
  openPanel,
  startHostSite,
  type HostSite,
} from "./helpers/browser.js";
import { axeSerious, contrastFailures } from "./helpers/a11y.js";
import { DESKTOP, PHONE, openDevicePage, withViewportMeta } from "./helpers/devices.js";

const ARTIFACTS = path.resolve(import.meta.dirname, "../../test-artifacts");

describe("accessibility and theming of every view", { timeout: 300_000, skip: BROWSER_SKIP }, () => {
  let s: TestServer;
  let site: HostSite;
  let browser: Browser;
  let app: string;
  let ann: AuthResponse, ben: AuthResponse;
  let dm = "";
  const pw = "correct horse battery";
  const annLogin = { email: "ann.a11y@example.com", password: pw };

  before(async () => {
    s = await startServer();
    site = await startHostSite();
    app = (await s.createTenant("A11y", [site.origin])).id;
    ann = await s.api.register(app, { ...annLogin, displayName: "Ann Lee" });
    ben = await s.api.register(app, { email: "ben.a11y@example.com", password: pw, displayName: "Ben Ōkubo" });
    const cat = await s.api.register(app, { email: "cat.a11y@example.com", password: pw, displayName: "山田 花子" });
    dm = (await s.api.post("/conversations/direct", { token: ann.accessToken, body: { userId: ben.user.id } })).body.conversation.id;
    await s.api.post("/conversations/direct", { token: cat.accessToken, body: { userId: ann.user.id } });
    const say = async (who: AuthResponse, text: string, extra: Record<string, unknown> = {}) =>
      (await s.api.post(`/conversations/${dm}/messages`, { token: who.accessToken, body: { text, ...extra } })).body.id as string;
    const first = await say(ben, "Hi Ann! Have you seen https://example.com/docs yet?");
    await say(ann, "Not yet, reading it now.", { replyToId: first });
    const edited = await say(ben, "It has a section on themes");
    await s.api.patch(`/messages/${edited}`, { token: ben.accessToken, body: { text: "It has a whole section on themes" } });
    await s.api.put(`/messages/${first}/reactions/${encodeURIComponent("👍")}`, { token: ann.accessToken });
    const gone = await say(ann, "oops");
    await s.api.del(`/messages/${gone}`, { token: ann.accessToken });
    await say(ben, "See you at the meetup!");
    await s.api.post("/contacts/requests", { token: ben.accessToken, body: { userId: ann.user.id } });
    browser = await launchBrowser();
    await mkdir(ARTIFACTS, { recursive: true });
  });
  after(async () => {
    await browser?.close();
    await site?.close();
    await s?.close();
  });

  /** Each view, reached as a visitor would, from the list. */
  const views: Record<string, (page: Page) => Promise<void>> = {
    list: async (page) => {
      await page.locator(`[part=conversation][data-id="${dm}"]`).waitFor();
    },
    thread: async (page) => {
      await page.locator(`[part=conversation][data-id="${dm}"]`).click();
      await messageWithText(page, "See you at the meetup!").waitFor();
      await page.locator("[part=deleted]").waitFor();
      // Show one message's actions, as a hover or focus would.
      await messageWithText(page, "whole section on themes").hover();
      await page.locator("[part=actions]").waitFor();
    },
    people: async (page) => {
      await page.locator("[part=new-chat]").click();
      await page.locator("[part=user-result]").first().waitFor();
    },
    profile: async (page) => {
      await page.locator("[part=profile]").click();
      await page.locator("[part=request]").waitFor();
    },
  };

  const combos = [
    { name: "desktop light", device: DESKTOP, theme: "light", scheme: "light" },
    { name: "desktop dark", device: DESKTOP, theme: "dark", scheme: "light" },
    { name: "phone light", device: PHONE, theme: "auto", scheme: "light" },
    { name: "phone dark", device: PHONE, theme: "auto", scheme: "dark" },
  ] as const;

  for (const combo of combos) {
    test(`${combo.name}: axe finds no serious or critical violation and every text passes AA, in sign-in, list, thread, people and profile`, async () => {
      const url = site.page(`/${combo.theme}`, withViewportMeta(hostPageHtml({ parleyUrl: s.url, appId: app, theme: combo.theme })));
      const { page, context, errors } = await openDevicePage(browser, url, combo.device, { colorScheme: combo.scheme });
      const slug = combo.name.replace(" ", "-");
      const report: string[] = [];
      const check = async (view: string): Promise<void> => {
        const violations = await axeSerious(page);
        const contrast = await contrastFailures(page);
        assert.ok(contrast.checked >= 2, `${view}: ${contrast.checked} text nodes checked`);
        report.push(`${view}: axe ${violations.length} serious/critical, ${contrast.checked} texts checked, ${contrast.failures.length} below AA`);
        assert.deepEqual(violations, [], `${combo.name} ${view}: axe`);
        assert.deepEqual(contrast.failures, [], `${combo.name} ${view}: contrast`);
        await page.locator("[part=panel]").screenshot({ path: path.join(ARTIFACTS, `view-${view}-${slug}.png`), animations: "disabled" });
      };

      await openPanel(page);
      await page.locator("parley-signin [part=signin-submit]").waitFor();
      await check("signin");
      await loginViaForm(page, annLogin);
      for (const [view, go] of Object.entries(views)) {
        await go(page);
        await check(view);
        if (view !== "list") {
          await page.locator("[part=back]").click();
          await page.locator("[part=new-chat]").waitFor();
        }
      }
      console.log(`${combo.name}:\n  ${report.join("\n  ")}`);
      assert.deepEqual(errors, []);
      await context.close();
    });
  }

  test("the dark theme reaches every element: inner views paint with the root's tokens, not their own", async () => {
    const url = site.page("/dark-tokens", withViewportMeta(hostPageHtml({ parleyUrl: s.url, appId: app, theme: "dark" })));
    const { page, context } = await openDevicePage(browser, url, DESKTOP);
    await loginViaForm(page, annLogin);
    await page.locator("parley-chat").evaluate((el) => el.style.setProperty("--parley-surface", "rgb(1, 2, 3)"));
    const rowBg = await page.locator("[part=filter]").evaluate((el) => getComputedStyle(el).backgroundColor);
    assert.equal(rowBg, "rgb(17, 24, 39)", "the list's input uses the dark background token");
    await page.locator(`[part=conversation][data-id="${dm}"]`).click();
    const bubble = messageWithText(page, "See you at the meetup!").locator(".bubble");
    await eventually(() => bubble.evaluate((el) => getComputedStyle(el).backgroundColor), {
      check: (c) => c === "rgb(1, 2, 3)",
      message: "a page's --parley-surface reaches the thread",
    });
    await context.close();
  });

  test("screen readers: the launcher's name has the unread count, new messages are announced with their sender, role=log is not on the list", async () => {
    const url = site.page("/sr", withViewportMeta(hostPageHtml({ parleyUrl: s.url, appId: app })));
    const { page, context } = await openDevicePage(browser, url, DESKTOP);
    await loginViaForm(page, annLogin);
    await page.locator("[part=close]").click();
    await s.api.post(`/conversations/${dm}/messages`, { token: ben.accessToken, body: { text: "Knock knock" } });
    const launcher = page.locator("[part=launcher]");
    await eventually(() => launcher.getAttribute("aria-label"), {
      check: (l) => /^Open chat, \d+ unread$/.test(l ?? ""),
      message: "unread count in the launcher's name",
    });

    await launcher.click();
    await page.locator(`[part=conversation][data-id="${dm}"]`).click();
    await messageWithText(page, "See you at the meetup!").waitFor();
    const list = page.locator("[part=messages]");
    assert.equal(await list.evaluate((el) => el.tagName), "OL");
    assert.equal(await list.getAttribute("role"), null, "the list keeps its list semantics");
    await s.api.post(`/conversations/${dm}/messages`, { token: ben.accessToken, body: { text: "Are you there?" } });
    await expectText(page.locator("parley-thread [role=log]"), /Ben Ōkubo: Are you there\?/);
    // Each message names its sender for a screen reader, and the list has one tab stop.
    const msg = messageWithText(page, "Are you there?");
    assert.match((await msg.textContent()) ?? "", /^\s*Ben Ōkubo:/);
    const stops = await page.locator("[part=message][tabindex='0']").count();
    assert.equal(stops, 1);
    await context.close();
  });
});
