/**
 * Link preview settings in the console (issue 33), in Chromium: an owner turns an app's link
 * previews off and on and sets the hosts they are fetched from and never from; a host that is not
 * one is answered at its own field (aria-invalid, focus there), the good lists are stored
 * normalized and read back after a reload. Phone and desktop, light and dark: axe finds nothing
 * serious or critical and nothing is wider than the screen.
 *
 * Needs the console built (`npm run build`, or `npx rollup -c`): the server serves console/dist.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { consoleAccount } from "../../server/test/helpers/console.js";
import { startServer, type TestServer } from "../../server/test/helpers/harness.js";
import { BROWSER_SKIP, launchBrowser } from "../../widget/test/helpers/browser.js";
import { axeSerious, overflows, serveAxe } from "./helpers/a11y.js";

describe("the console in a browser: an app's link preview settings", { skip: BROWSER_SKIP, timeout: 180_000 }, () => {
  let s: TestServer;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let appId = "";

  before(async () => {
    s = await startServer();
    browser = await launchBrowser();
    ({ id: appId } = await s.createTenant("Acme Store", ["https://acme.example"]));
    const owner = await consoleAccount(s, { email: "owner@acme.example", role: "owner", appId });
    context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
    await serveAxe(context);
    const [name, value] = owner.browser.cookie.split("=") as [string, string];
    await context.addCookies([{ name, value, url: s.url, httpOnly: true, sameSite: "Strict" }]);
    page = await context.newPage();
    page.on("pageerror", (e) => console.error("page error:", e.message));
  });
  after(async () => {
    await context?.close();
    await browser?.close();
    await s?.close();
  });

  test("off and on, the host lists: a bad host at its field, the good lists stored normalized and read back", async () => {
    await page.goto(`${s.url}/console/#/apps/${appId}/settings`);
    await page.getByRole("heading", { name: "Settings", exact: true }).waitFor();
    const on = page.getByLabel("Show a card for the first link in a message");
    assert.equal(await on.isChecked(), true, "on by default");
    const allow = page.getByLabel("Fetch previews only from");
    const deny = page.getByLabel("Never fetch previews from");
    assert.equal(await allow.inputValue(), "");

    // A host that is not one: refused at its field, nothing stored.
    await deny.fill("ads.example\nnot a host!");
    await page.getByRole("button", { name: "Save" }).click();
    const denyError = page.locator("console-settings #f-previewDeny-error");
    await denyError.waitFor();
    assert.match((await denyError.textContent()) ?? "", /\S/);
    assert.equal(await deny.getAttribute("aria-invalid"), "true");
    assert.ok(await deny.evaluate((e) => e === (e.getRootNode() as ShadowRoot).activeElement), "focus moves to the field in error");
    assert.deepEqual((await s.services.apps.lookup(appId)).previewDeny ?? [], [], "nothing stored");

    await on.uncheck();
    await allow.fill("News.Example\n*.acme.example");
    await deny.fill("ads.example");
    await page.getByRole("button", { name: "Save" }).click();
    await page.getByText("Settings saved.").waitFor();
    const app = await s.services.apps.lookup(appId);
    assert.deepEqual([app.linkPreviews, app.previewAllow, app.previewDeny], [false, ["news.example", "*.acme.example"], ["ads.example"]]);

    // Read back after a reload: the form and the summary.
    await page.reload();
    await page.getByRole("heading", { name: "Settings", exact: true }).waitFor();
    assert.equal(await page.getByLabel("Show a card for the first link in a message").isChecked(), false);
    assert.equal(await page.getByLabel("Fetch previews only from").inputValue(), "news.example\n*.acme.example");
    assert.equal(await page.getByLabel("Never fetch previews from").inputValue(), "ads.example");

    await page.getByLabel("Show a card for the first link in a message").check();
    await page.getByRole("button", { name: "Save" }).click();
    await page.getByText("Settings saved.").waitFor();
    assert.equal((await s.services.apps.lookup(appId)).linkPreviews, true);

    for (const [viewport, theme] of [
      [{ width: 390, height: 844 }, "dark"],
      [{ width: 1280, height: 860 }, "light"],
    ] as const) {
      await page.setViewportSize(viewport);
      await page.emulateMedia({ colorScheme: theme });
      assert.equal(await overflows(page), false, `nothing wider than the screen (${viewport.width}px, ${theme})`);
      assert.deepEqual(await axeSerious(page), [], `axe (${viewport.width}px, ${theme})`);
    }
  });
});
