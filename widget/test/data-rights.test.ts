// Data rights in the widget (issue 17), in Chromium on a phone in the dark theme: the profile's
// "Your data" downloads everything of the visitor's as JSON and nothing of anyone else's, and
// deletes the account after a password check (a wrong password deletes nothing); the view is a
// lazy chunk fetched only when the profile opens; axe and AA clean.
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { after, before, describe, test } from "node:test";
import type { Browser } from "playwright-core";
import type { AuthResponse } from "@parley/sdk/protocol";
import { startServer, type TestServer } from "../../server/test/helpers/harness.js";
import { axeSerious, contrastFailures } from "./helpers/a11y.js";
import { BROWSER_SKIP, eventually, expectText, hostPageHtml, launchBrowser, loginViaForm, startHostSite, type HostSite } from "./helpers/browser.js";
import { openDevicePage, PHONE, withViewportMeta } from "./helpers/devices.js";

describe("your data in the widget: download and delete the account", { timeout: 300_000, skip: BROWSER_SKIP }, () => {
  let s: TestServer;
  let site: HostSite;
  let browser: Browser;
  let app: string;
  let ann: AuthResponse;
  let ben: AuthResponse;
  let dm = "";
  const annLogin = { email: "ann.data@example.com", password: "correct horse battery" };
  const mine = "Ann's own words, for the export";
  const theirs = "Ben's words, never in Ann's export";

  before(async () => {
    s = await startServer();
    site = await startHostSite();
    app = (await s.createTenant("Data rights", [site.origin])).id;
    ann = await s.api.register(app, { ...annLogin, displayName: "Ann Data" });
    ben = await s.api.register(app, { email: "ben.data@example.com", password: "another good password", displayName: "Ben Data" });
    dm = (await s.api.post("/conversations/direct", { token: ann.accessToken, body: { userId: ben.user.id } })).body.conversation.id;
    for (const [who, text] of [
      [ann, mine],
      [ben, theirs],
    ] as const) {
      const r = await s.api.post(`/conversations/${dm}/messages`, { token: who.accessToken, body: { text } });
      assert.equal(r.status, 201, JSON.stringify(r.body));
    }
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await site?.close();
    await s?.close();
  });

  test("download: the JSON has the visitor's profile and messages and not another's; the chunk loads only with the profile; axe and AA clean", async () => {
    const url = site.page("/data-dark", withViewportMeta(hostPageHtml({ parleyUrl: s.url, appId: app, theme: "dark" })));
    const { page, context, errors } = await openDevicePage(browser, url, PHONE, { colorScheme: "dark" });
    const chunks: string[] = [];
    page.on("request", (r) => {
      if (/\/parley-data-[\w-]+\.js$/.test(new URL(r.url()).pathname)) chunks.push(r.url());
    });
    await loginViaForm(page, annLogin);
    assert.deepEqual(chunks, [], "not loaded before the profile opens");

    await page.locator("[part=profile]").click();
    const download = page.locator("parley-data [part=download-data]");
    await download.waitFor();
    assert.equal(chunks.length, 1, "one chunk, fetched when the profile opened");

    const [file] = await Promise.all([page.waitForEvent("download"), download.click()]);
    assert.equal(file.suggestedFilename(), "parley-data.json");
    const json = await readFile((await file.path())!, "utf8");
    const data = JSON.parse(json) as { profile?: { email?: string; displayName?: string } };
    assert.equal(data.profile?.email, annLogin.email);
    assert.ok(json.includes(mine), "her message is in it");
    assert.ok(!json.includes(theirs), "the other member's message is not");
    await expectText(page.locator("parley-data [part=data-status]"), "Your data is downloaded");

    await page.locator("parley-data [part=delete-account]").click();
    await page.locator("parley-data [part=confirm-delete] input[name=password]").waitFor();
    assert.deepEqual(await axeSerious(page), [], "axe, phone, dark");
    const contrast = await contrastFailures(page);
    assert.deepEqual(contrast.failures, [], "contrast, phone, dark");
    assert.deepEqual(errors, []);
    await context.close();
  });

  test("a refused chunk (offline, a blocking proxy) leaves the profile working and no page error; the next opening loads it", async () => {
    const url = site.page("/data-refused", withViewportMeta(hostPageHtml({ parleyUrl: s.url, appId: app })));
    const { page, context, errors } = await openDevicePage(browser, url, PHONE);
    let refused = 0;
    await page.route(/\/parley-data-[\w-]+\.js$/, (route) => (refused++, route.abort("connectionrefused")));
    await loginViaForm(page, annLogin);
    await page.locator("[part=profile]").click();
    await page.locator("parley-info [part=profile]").waitFor();
    await eventually(() => refused, { check: (n) => n === 1, message: "the chunk was asked for and refused" });
    assert.equal(await page.locator("parley-data [part=download-data]").count(), 0);
    await page.unroute(/\/parley-data-[\w-]+\.js$/);
    await page.locator("[part=back]").click();
    await page.locator("[part=profile]").click();
    await page.locator("parley-data [part=download-data]").waitFor();
    assert.deepEqual(errors, [], "no page error from the refused import");
    await context.close();
  });

  test("delete: a wrong password deletes nothing; the right one deletes the account and shows the sign-in view", async () => {
    const url = site.page("/data-delete", withViewportMeta(hostPageHtml({ parleyUrl: s.url, appId: app })));
    const { page, context, errors } = await openDevicePage(browser, url, PHONE);
    await loginViaForm(page, annLogin);
    await page.locator("[part=profile]").click();
    await page.locator("parley-data [part=delete-account]").click();
    const form = page.locator("parley-data [part=confirm-delete]");
    await form.locator("input[name=password]").fill("not my password");
    await form.locator("button.danger").click();
    await expectText(page.locator("parley-data [part=data-status][role=alert]"), "Check your password and try again.");
    assert.equal((await s.api.post("/auth/login", { app, body: annLogin })).status, 200, "nothing deleted");

    await form.locator("input[name=password]").fill(annLogin.password);
    await form.locator("button.danger").click();
    await page.locator("parley-signin").waitFor({ state: "visible" });
    assert.equal((await s.api.post("/auth/login", { app, body: annLogin })).status, 401, "the account is gone");
    const history = await s.api.get(`/conversations/${dm}/messages`, { token: ben.accessToken });
    assert.equal(history.status, 200);
    const text = JSON.stringify(history.body);
    assert.ok(!text.includes(mine), "her message is a tombstone for Ben");
    assert.ok(text.includes(theirs));
    assert.ok(!text.includes(ann.user.displayName), "her name is gone");
    assert.deepEqual(errors, []);
    await context.close();
  });
});
