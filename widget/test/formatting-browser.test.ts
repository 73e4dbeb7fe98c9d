// Message formatting in Chromium (issue 33): Ann writes bold, a list, a code block and a link in
// her widget; Ben's widget, on a phone in the dark theme, draws them as <strong>, <ul><li>,
// <pre><code> and <a rel="noopener noreferrer" target="_blank">; the code block scrolls inside
// its bubble and never widens the page at 390 px; a Hebrew list runs right to left; the list's
// preview shows the text without its markup; axe finds nothing serious. A plain message never
// fetches the formatting chunk. Screenshot: docs/screenshots/widget-formatting-phone-dark.png.
import assert from "node:assert/strict";
import { mkdir } from "node:fs/promises";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import type { Browser } from "playwright-core";
import type { AuthResponse } from "@parley/sdk/protocol";
import { startServer, type TestServer } from "../../server/test/helpers/harness.js";
import { axeSerious, contrastFailures } from "./helpers/a11y.js";
import {
  BROWSER_SKIP,
  eventually,
  expectText,
  hostPageHtml,
  launchBrowser,
  loginViaForm,
  messageWithText,
  openConversation,
  startHostSite,
  type HostSite,
} from "./helpers/browser.js";
import { DESKTOP, openDevicePage, PHONE, withViewportMeta, type DeviceTab } from "./helpers/devices.js";

const SCREENSHOTS = path.resolve(import.meta.dirname, "../../docs/screenshots");
/** The formatting chunk, as the build names it. */
const CHUNK = /\/formatting-[\w-]+\.js$/;
const LONG_LINE = `const release = { notes: "${"a line of code far wider than a phone ".repeat(4).trim()}" };`;
const FORMATTED = [
  "> Is v2 out yet?",
  "**Release notes** for _v2_, out ~~Monday~~ today:",
  "- faster `sync`",
  "- fewer bugs",
  "```",
  LONG_LINE,
  "```",
  "Read [the docs](https://example.com/docs).",
].join("\n");

describe("message formatting in the widget", { timeout: 300_000, skip: BROWSER_SKIP }, () => {
  let s: TestServer;
  let site: HostSite;
  let browser: Browser;
  let app: string;
  let ann: AuthResponse;
  let dm = "";
  let ben: DeviceTab;
  const fetched: string[] = [];
  const pw = "correct horse battery";
  const login = (who: string) => ({ email: `${who}.formatting@example.com`, password: pw });

  before(async () => {
    s = await startServer();
    site = await startHostSite();
    app = (await s.createTenant("Formatting", [site.origin])).id;
    ann = await s.api.register(app, { ...login("ann"), displayName: "Ann Lee" });
    const b = await s.api.register(app, { ...login("ben"), displayName: "Ben Ōkubo" });
    dm = (await s.api.post<{ conversation: { id: string } }>("/conversations/direct", { token: ann.accessToken, body: { userId: b.user.id } })).body
      .conversation.id;
    const r = await s.api.post(`/conversations/${dm}/messages`, { token: ann.accessToken, body: { text: "Plain hello from Ann, see you at 5." } });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await site?.close();
    await s?.close();
  });

  test("a plain message does not fetch the formatting chunk", async () => {
    const url = site.page("/ben", withViewportMeta(hostPageHtml({ parleyUrl: s.url, appId: app, theme: "dark" })));
    ben = await openDevicePage(browser, url, PHONE, { colorScheme: "dark" });
    ben.page.on("request", (r) => {
      if (CHUNK.test(new URL(r.url()).pathname)) fetched.push(r.url());
    });
    await loginViaForm(ben.page, login("ben"));
    await expectText(ben.page.locator(`[part=conversation][data-id="${dm}"] .preview`), "Plain hello from Ann, see you at 5.");
    await openConversation(ben.page, dm);
    await messageWithText(ben.page, "Plain hello from Ann").waitFor();
    // Whatever a page fetches while idle has had its time.
    await ben.page.waitForLoadState("networkidle");
    assert.deepEqual(fetched, [], "no formatting chunk for a plain message");
  });

  test("bold, a list, a code block and a link from Ann's widget are semantic elements in Ben's; the code scrolls inside its bubble at 390 px", async () => {
    const a = await openDevicePage(browser, site.page("/ann", hostPageHtml({ parleyUrl: s.url, appId: app })), DESKTOP);
    await loginViaForm(a.page, login("ann"));
    await openConversation(a.page, dm);
    const box = a.page.locator("[part=composer-input]");
    await box.fill(FORMATTED);
    await box.press("Enter");
    await messageWithText(a.page, "Release notes").locator("strong").waitFor();
    await a.context.close();

    const { page } = ben;
    const msg = messageWithText(page, "Release notes");
    const text = msg.locator("[part=message-text]");
    await expectText(text.locator("strong"), "Release notes");
    await expectText(text.locator("em"), "v2");
    await expectText(text.locator("s"), "Monday");
    await expectText(text.locator("blockquote"), "Is v2 out yet?");
    await expectText(text.locator("li code"), "sync");
    assert.equal(await text.locator("ul").evaluate((el) => getComputedStyle(el).listStyleType), "disc");
    assert.deepEqual(await text.locator("ul > li").allTextContents(), ["faster sync", "fewer bugs"]);
    assert.equal(await text.locator("pre > code").textContent(), LONG_LINE);
    const link = text.locator("a", { hasText: "the docs" });
    assert.equal(await link.getAttribute("href"), "https://example.com/docs");
    assert.equal(await link.getAttribute("target"), "_blank");
    assert.match((await link.getAttribute("rel")) ?? "", /\bnoopener\b.*\bnoreferrer\b/);
    assert.ok(fetched.length > 0, "the formatting chunk came with the first formatted message");
    assert.equal(await page.locator("parley-chat").getAttribute("theme"), "dark");

    // The code block scrolls inside its bubble: the page and the message list stay 390 px wide.
    const layout = await text.locator("pre").evaluate((pre) => {
      const list = pre.closest("[part=messages]")!;
      const r = pre.getBoundingClientRect();
      return {
        page: document.documentElement.scrollWidth,
        width: innerWidth,
        listScroll: list.scrollWidth - list.clientWidth,
        preScrolls: pre.scrollWidth > pre.clientWidth,
        left: r.left,
        right: r.right,
        overflowX: getComputedStyle(pre).overflowX,
        font: getComputedStyle(pre).fontFamily,
      };
    });
    assert.equal(layout.width, 390);
    assert.ok(layout.page <= 390, `the page is ${layout.page} px wide`);
    assert.ok(layout.listScroll <= 0, `the message list scrolls sideways by ${layout.listScroll} px`);
    assert.ok(layout.preScrolls && layout.overflowX === "auto", JSON.stringify(layout));
    assert.ok(layout.left >= 0 && layout.right <= 390, JSON.stringify(layout));
    assert.match(layout.font, /mono/i);

    assert.deepEqual(await axeSerious(page), [], "axe, phone, dark, formatted message");
    const contrast = await contrastFailures(page);
    assert.deepEqual(contrast.failures, [], "contrast, phone, dark, formatted message");
    await mkdir(SCREENSHOTS, { recursive: true });
    // (The pointer off the message: its actions hide.)
    await page.locator("[part=title]").hover();
    await page.screenshot({ path: path.join(SCREENSHOTS, "widget-formatting-phone-dark.png") });
    assert.deepEqual(ben.errors, []);
  });

  test("a Hebrew list and quote run right to left; the list's preview is the text without its markup", async () => {
    const r = await s.api.post(`/conversations/${dm}/messages`, { token: ann.accessToken, body: { text: "> ציטוט\n- **שלום**\n- עולם" } });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    const { page } = ben;
    const ul = messageWithText(page, "עולם").locator("ul");
    await ul.waitFor();
    const dir = await ul.evaluate((el) => {
      const cs = getComputedStyle(el);
      const q = getComputedStyle(el.parentElement!.querySelector("blockquote")!);
      return {
        dir: cs.direction,
        start: parseFloat(cs.paddingRight),
        end: parseFloat(cs.paddingLeft),
        quote: q.direction,
        border: parseFloat(q.borderRightWidth),
      };
    });
    assert.equal(dir.dir, "rtl");
    assert.ok(dir.start > dir.end, JSON.stringify(dir));
    assert.equal(dir.quote, "rtl");
    assert.ok(dir.border > 0, JSON.stringify(dir));

    await page.locator("[part=back]").click();
    const preview = page.locator(`[part=conversation][data-id="${dm}"] .preview`);
    await eventually(() => preview.textContent(), { check: (t) => t === "ציטוט\nשלום\nעולם", message: "the preview without markup" });
    assert.deepEqual(ben.errors, []);
    await ben.context.close();
  });
});
