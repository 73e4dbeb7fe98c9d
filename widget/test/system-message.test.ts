// System messages (no sender, posted by the host's backend: "Order #123 shipped") in Chromium, light
// and dark: a centered muted line with no avatar, sender or actions, never "mine" or grouped,
// announced without a sender, previewed in the list without "You:", with no axe violation and
// every text at AA.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { Browser } from "playwright-core";
import type { AuthResponse } from "@parley/sdk/protocol";
import { startServer, type TestServer } from "../../server/test/helpers/harness.js";
import { ParleyServer } from "../../sdk/src/server/index.js";
import {
  BROWSER_SKIP,
  eventually,
  expectText,
  hostPageHtml,
  launchBrowser,
  loginViaForm,
  messageWithText,
  startHostSite,
  type HostSite,
} from "./helpers/browser.js";
import { axeSerious, contrastFailures } from "./helpers/a11y.js";
import { DESKTOP, openDevicePage } from "./helpers/devices.js";

describe("system messages in the widget", { timeout: 300_000, skip: BROWSER_SKIP }, () => {
  let s: TestServer;
  let site: HostSite;
  let browser: Browser;
  let app: string;
  let parley: ParleyServer;
  let ben: AuthResponse;
  let dm = "";
  const pw = "correct horse battery";
  const annLogin = { email: "ann.system@example.com", password: pw };

  /** A system message, as the host's backend posts it: the server API without `from`. */
  const postSystem = async (text: string): Promise<string> => {
    const message = await parley.sendMessage(dm, { text });
    assert.equal(message.senderId, null);
    return message.id;
  };
  const say = async (who: AuthResponse, text: string): Promise<void> => {
    const r = await s.api.post(`/conversations/${dm}/messages`, { token: who.accessToken, body: { text } });
    assert.equal(r.status, 201, JSON.stringify(r.body));
  };

  before(async () => {
    s = await startServer();
    site = await startHostSite();
    app = (await s.createTenant("System", [site.origin])).id;
    const key = await s.services.serverKeys.create(app);
    parley = new ParleyServer({ server: s.url, keyId: key.id, secret: key.secret });
    const ann = await s.api.register(app, { ...annLogin, displayName: "Ann Lee" });
    ben = await s.api.register(app, { email: "ben.system@example.com", password: pw, displayName: "Ben Ōkubo" });
    dm = (await s.api.post("/conversations/direct", { token: ann.accessToken, body: { userId: ben.user.id } })).body.conversation.id;
    await say(ann, "Where is my order?");
    await say(ben, "Packing it now");
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await site?.close();
    await s?.close();
  });

  for (const theme of ["light", "dark"] as const) {
    test(`${theme}: a centered muted line without avatar, sender, actions or grouping, announced without a sender; axe and AA clean`, async () => {
      const shipped = `Order #123 shipped (${theme})`;
      await postSystem(shipped);
      const url = site.page(`/${theme}`, hostPageHtml({ parleyUrl: s.url, appId: app, theme }));
      const { page, context, errors } = await openDevicePage(browser, url, DESKTOP);
      await loginViaForm(page, annLogin);

      // The list's preview: the text alone, no "You:" (nor anyone's name).
      const row = page.locator(`[part=conversation][data-id="${dm}"]`);
      await expectText(row.locator(".preview"), shipped);

      await row.click();
      const line = page.locator("[part=system-message]").filter({ hasText: shipped });
      await line.waitFor();
      assert.equal(await messageWithText(page, shipped).count(), 0, "not drawn as a bubble");
      assert.equal(await line.locator("[part=avatar], .sender, .bubble, .sr-only").count(), 0, "no avatar, sender or bubble");
      const style = await line.evaluate((el) => {
        const cs = getComputedStyle(el);
        const list = el.parentElement!.getBoundingClientRect();
        const box = el.getBoundingClientRect();
        return {
          alignSelf: cs.alignSelf,
          textAlign: cs.textAlign,
          color: cs.color,
          offCenter: Math.abs(box.left + box.width / 2 - (list.left + list.width / 2)),
        };
      });
      // Muted: the theme's --parley-muted default (#4b5563 light, #9ca3af dark).
      assert.equal(style.color, theme === "light" ? "rgb(75, 85, 99)" : "rgb(156, 163, 175)");
      assert.equal(style.alignSelf, "center");
      assert.equal(style.textAlign, "center");
      assert.ok(style.offCenter <= 2, `centered in the list (off by ${style.offCenter}px)`);

      // No actions: hovered, clicked or opened with Enter, it shows none.
      await line.hover();
      await line.click();
      await line.press("Enter");
      await messageWithText(page, "Packing it now").hover();
      await page.locator("[part=actions]").waitFor();
      await line.hover();
      await eventually(() => page.locator("[part=actions]").count(), { check: (n) => n === 0, message: "no actions on a system message" });

      assert.deepEqual(await axeSerious(page), [], `${theme}: axe`);
      const contrast = await contrastFailures(page);
      assert.ok(contrast.checked >= 2);
      assert.deepEqual(contrast.failures, [], `${theme}: contrast`);

      // Live: announced as its text alone; a sender's next bubble after it starts a new group.
      const live = `Order #123 out for delivery (${theme})`;
      await postSystem(live);
      await page.locator("[part=system-message]").filter({ hasText: live }).waitFor();
      const log = page.locator("parley-thread [role=log]");
      await eventually(() => log.locator("p").allTextContents(), { check: (ps) => ps.includes(live), message: `announced as "${live}"` });
      const reply = `Thanks! (${theme})`;
      await say(ben, reply);
      const bubble = messageWithText(page, reply);
      await bubble.waitFor();
      assert.equal(await bubble.getAttribute("class").then((c) => /\bgrouped\b/.test(c ?? "")), false, "not grouped across a system message");
      assert.equal(await bubble.getAttribute("data-mine"), "false");
      await expectText(log.locator("p").last(), `Ben Ōkubo: ${reply}`);

      assert.deepEqual(errors, []);
      await context.close();
    });
  }
});
