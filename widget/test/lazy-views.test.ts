// The views a visitor may never open are chunks of their own (people search and new group;
// details and the profile), fetched the first time one is shown: opening the chat fetches
// neither, starting a chat fetches people search and focuses it, the profile fetches details.
// A chunk that cannot be fetched (connection refused) says so with a Retry that works once the
// network is back, and raises no page error. Phone, dark, axe clean.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { Browser } from "playwright-core";
import { startServer, type TestServer } from "../../server/test/helpers/harness.js";
import { axeSerious } from "./helpers/a11y.js";
import { BROWSER_SKIP, expectText, hostPageHtml, launchBrowser, loginViaForm, startHostSite, type HostSite } from "./helpers/browser.js";
import { openDevicePage, PHONE, withViewportMeta } from "./helpers/devices.js";

const CHUNK = /\/parley-(people|info)-[\w-]+\.js$/;

describe("lazy views", { timeout: 300_000, skip: BROWSER_SKIP }, () => {
  let s: TestServer;
  let site: HostSite;
  let browser: Browser;
  let url = "";
  const annLogin = { email: "ann.lazy@example.com", password: "correct horse battery" };

  before(async () => {
    s = await startServer();
    site = await startHostSite();
    const app = (await s.createTenant("Lazy views", [site.origin])).id;
    await s.api.register(app, { ...annLogin, displayName: "Ann Lazy" });
    url = site.page("/lazy", withViewportMeta(hostPageHtml({ parleyUrl: s.url, appId: app, theme: "dark" })));
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await site?.close();
    await s?.close();
  });

  test("fetched only when first shown: new chat brings people search (focused), the profile brings details", async () => {
    const { page, context, errors } = await openDevicePage(browser, url, PHONE, { colorScheme: "dark" });
    const fetched: string[] = [];
    page.on("request", (r) => {
      const m = CHUNK.exec(new URL(r.url()).pathname);
      if (m) fetched.push(m[1]!);
    });
    await loginViaForm(page, annLogin);
    await page.locator("[part=new-chat]").waitFor();
    assert.deepEqual([...fetched], [], "neither chunk is fetched by opening the chat");

    await page.locator("[part=new-chat]").click();
    const search = page.locator("parley-people input[type=search]");
    await search.waitFor();
    assert.deepEqual([...fetched], ["people"]);
    // Focus lands in the search field once the view has arrived (keyboard users start typing).
    await page.waitForFunction(() => {
      const chat = document.querySelector("parley-chat")!.shadowRoot!;
      return chat.querySelector("parley-people")?.shadowRoot?.activeElement?.matches("input[type=search]") ?? false;
    });

    await page.locator("[part=back]").click();
    await page.locator("[part=profile]").click();
    await page.locator("parley-info input[name=displayName]").waitFor();
    assert.ok(fetched.includes("info"), `details fetched with the profile (${fetched.join(", ")})`);
    assert.deepEqual(await axeSerious(page), [], "axe, phone, dark");
    assert.deepEqual(errors, []);
    await context.close();
  });

  test("a refused chunk says so with a Retry that works once the network is back; no page error", async () => {
    const { page, context, errors } = await openDevicePage(browser, url, PHONE, { colorScheme: "dark" });
    await loginViaForm(page, annLogin);
    let refused = 0;
    await page.route(CHUNK, (route) => (refused++, route.abort("connectionrefused")));
    await page.locator("[part=new-chat]").click();
    const alert = page.locator("parley-chat [role=alert]", { hasText: "could not be loaded" });
    await expectText(alert, /^This view could not be loaded\. ?Retry$/);
    assert.ok(refused >= 1);
    assert.deepEqual(await axeSerious(page), [], "axe, the failed view");

    await page.unroute(CHUNK);
    await alert.getByRole("button", { name: "Retry" }).click();
    await page.locator("parley-people input[type=search]").waitFor();
    assert.deepEqual(errors, []);
    await context.close();
  });
});
