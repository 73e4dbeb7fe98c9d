/**
 * The console in the visitor's language, in Chromium (issue 32): a German browser gets the German
 * sign-in, its document in de-DE; an Arabic one the console right to left (the header mirrored,
 * nothing wider than a phone, axe clean light and dark); the language menu changes the language
 * and keeps it. Screenshot: docs/screenshots/console-rtl.png.
 *
 * Needs the console built (`npm run build`, or `npx rollup -c`): the server serves console/dist.
 */
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { consoleAccount } from "../../server/test/helpers/console.js";
import { startServer, type TestServer } from "../../server/test/helpers/harness.js";
import { BROWSER_SKIP, launchBrowser } from "../../widget/test/helpers/browser.js";
import ar from "../src/app/locales/ar.js";
import de from "../src/app/locales/de.js";
import fr from "../src/app/locales/fr.js";
import { axeSerious, overflows, serveAxe } from "./helpers/a11y.js";

const SCREENSHOTS = path.join(path.resolve(import.meta.dirname, "../.."), "docs/screenshots");

describe("the console in the visitor's language", { skip: BROWSER_SKIP, timeout: 300_000 }, () => {
  let s: TestServer;
  let browser: Browser;
  const contexts: BrowserContext[] = [];
  let appId = "";
  let ownerCookie = "";

  before(async () => {
    mkdirSync(SCREENSHOTS, { recursive: true });
    s = await startServer();
    browser = await launchBrowser();
    ({ id: appId } = await s.createTenant("متجر أكمي", ["https://acme.example"]));
    ownerCookie = (await consoleAccount(s, { email: "owner@acme.example", role: "owner", appId })).browser.cookie;
  });
  after(async () => {
    for (const c of contexts) await c.close();
    await browser?.close();
    await s?.close();
  });

  async function pageIn(locale: string, opts: { cookie?: string; width?: number; dark?: boolean } = {}): Promise<Page> {
    const context = await browser.newContext({
      locale,
      viewport: { width: opts.width ?? 1280, height: 860 },
      colorScheme: opts.dark ? "dark" : "light",
    });
    contexts.push(context);
    await serveAxe(context);
    if (opts.cookie) {
      const [name, value] = opts.cookie.split("=") as [string, string];
      await context.addCookies([{ name, value, url: s.url, httpOnly: true, sameSite: "Strict" }]);
    }
    const p = await context.newPage();
    p.on("pageerror", (e) => console.error("page error:", e.message));
    return p;
  }

  test("a German browser gets the German sign-in, the document in de-DE", async () => {
    const page = await pageIn("de-DE");
    await page.goto(`${s.url}/console/`);
    await page.getByRole("heading", { name: de.signInTitle }).waitFor();
    await page.getByRole("button", { name: de.signIn }).waitFor();
    assert.deepEqual(await page.evaluate(() => [document.documentElement.lang, document.documentElement.dir]), ["de-DE", "ltr"]);
    // A wrong password's refusal is the page's, in German too.
    await page.getByLabel(de.email).fill("owner@acme.example");
    await page.getByLabel(de.password, { exact: true }).fill("wrong password here");
    await page.getByRole("button", { name: de.signIn }).click();
    await page.getByText(de.wrongCredentials).waitFor();
  });

  test("an Arabic browser gets the console right to left: mirrored, nothing wider than a phone, axe clean light and dark", async () => {
    for (const [width, dark] of [
      [390, false],
      [390, true],
      [1280, false],
      [1280, true],
    ] as const) {
      const page = await pageIn("ar-EG", { cookie: ownerCookie, width, dark });
      await page.goto(`${s.url}/console/#/apps/${appId}`);
      await page.getByRole("heading", { name: "متجر أكمي" }).waitFor();
      await page.getByRole("link", { name: ar.tabNames.members }).waitFor();
      assert.deepEqual(await page.evaluate(() => [document.documentElement.lang, document.documentElement.dir]), ["ar-EG", "rtl"]);
      // Mirrored: the brand starts the header at the right.
      const brand = (await page.getByRole("link", { name: ar.product }).boundingBox())!;
      assert.ok(brand.x + brand.width > width - 40, `the brand at the right (x ${brand.x}, width ${brand.width})`);
      assert.equal(await overflows(page), false, `wider than ${width} px`);
      assert.deepEqual(await axeSerious(page), [], `axe at ${width} px ${dark ? "dark" : "light"}`);
      if (width === 390 && !dark) await page.screenshot({ path: path.join(SCREENSHOTS, "console-rtl.png") });
    }
  });

  test("the language menu changes the language and keeps it", async () => {
    const page = await pageIn("en-US");
    await page.goto(`${s.url}/console/`);
    await page.getByRole("heading", { name: "Sign in to the console" }).waitFor();
    await Promise.all([page.waitForEvent("load"), page.getByRole("combobox", { name: "Language" }).selectOption("fr")]);
    await page.getByRole("heading", { name: fr.signInTitle }).waitFor();
    assert.equal(await page.evaluate(() => document.documentElement.lang), "fr");
    await page.reload();
    await page.getByRole("heading", { name: fr.signInTitle }).waitFor();
    await Promise.all([page.waitForEvent("load"), page.getByRole("combobox", { name: fr.language }).selectOption("en")]);
    await page.getByRole("heading", { name: "Sign in to the console" }).waitFor();
  });
});
