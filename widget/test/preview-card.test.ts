// The link-preview card in the widget (issue 33), in Chromium with a real server that unfurls a
// real local page with Open Graph tags on 127.0.0.2 (PREVIEW_ALLOW_PRIVATE, as the server's own
// previews tests do): Ann sends a link from the composer; the card comes to every member's widget
// live (message.updated): a link to the page (new tab, no referrer, ugc), the site's name, the
// title as text (its markup shown, never run or parsed), the description, and the image the server
// re-encoded and serves itself, with its width and height. Neither browser ever asks the linked
// host for anything (request log). The card is reached by Tab; only the sender has "Remove
// preview", which removes it for everyone. Hebrew right to left; axe at 390 px dark and 1100 px
// dark. Screenshots: docs/screenshots/preview-phone-dark.png, preview-desktop-dark.png.
import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { mkdir } from "node:fs/promises";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import type { Browser, Page } from "playwright-core";
import type { AuthResponse, Conversation } from "@parley/sdk/protocol";
import { startServer, type TestServer } from "../../server/test/helpers/harness.js";
import { axeSerious } from "./helpers/a11y.js";
import {
  BROWSER_SKIP,
  eventually,
  expectCount,
  expectText,
  hostPageHtml,
  launchBrowser,
  loginViaForm,
  makePng,
  messageWithText,
  startHostSite,
  type HostSite,
} from "./helpers/browser.js";
import { DESKTOP, openDevicePage, PHONE, withViewportMeta, type DeviceTab } from "./helpers/devices.js";

const SCREENSHOTS = path.resolve(import.meta.dirname, "../../docs/screenshots");
const PASSWORD = "correct horse battery";
const LINKED = "127.0.0.2";

/** The focused element's part, through shadow roots. */
const focusedPart = (page: Page) =>
  page.evaluate<string>(`(() => {
    let el = document.activeElement;
    while (el && el.shadowRoot && el.shadowRoot.activeElement) el = el.shadowRoot.activeElement;
    return (el && el.getAttribute("part")) || "";
  })()`);

describe("the link-preview card", { timeout: 300_000, skip: BROWSER_SKIP }, () => {
  let s: TestServer;
  let site: HostSite;
  let origin: Server;
  let linked = "";
  const linkedHits: string[] = [];
  let browser: Browser;
  let app: string;
  let group: string;
  const users: Record<"ann" | "ben" | "cat", AuthResponse> = {} as never;
  const email = (who: string) => `${who}.preview@example.com`;
  let ann: DeviceTab & { requests: string[] };
  let ben: DeviceTab & { requests: string[] };

  async function open(who: keyof typeof users, device: typeof DESKTOP | typeof PHONE, lang = "en") {
    const html = withViewportMeta(hostPageHtml({ parleyUrl: s.url, appId: app, theme: "dark" })).replace('<html lang="en">', `<html lang="${lang}">`);
    const tab = await openDevicePage(browser, site.page(`/${who}-${lang}`, html), device, { colorScheme: "dark" });
    const requests: string[] = [];
    tab.page.on("request", (r) => requests.push(r.url()));
    await loginViaForm(tab.page, { email: email(who), password: PASSWORD });
    await tab.page.locator(`[part=conversation][data-id="${group}"]`).click({ timeout: 15_000 });
    await tab.page.locator("parley-thread [part=composer-input]").waitFor({ state: "visible" });
    return { ...tab, requests };
  }
  const toLinked = (reqs: string[]) => reqs.filter((u) => new URL(u).hostname === LINKED);

  before(async () => {
    const photo = makePng(600, 300);
    origin = createServer((req, res) => {
      const p = new URL(req.url ?? "/", "http://x").pathname;
      linkedHits.push(p);
      if (p === "/article")
        res.writeHead(200, { "Content-Type": "text/html; charset=utf-8" }).end(`<!doctype html><html><head>
          <meta property="og:title" content="&lt;b&gt;Spring&lt;/b&gt; menu &amp; prices">
          <meta property="og:description" content="Our new spring menu: fresh peas, wild garlic, rhubarb tart and a long list of things worth tasting before the season ends, all cooked by our own team.">
          <meta property="og:site_name" content="Bistro Example">
          <meta property="og:image" content="/photo.png">
          </head><body>menu</body></html>`);
      else if (p === "/photo.png") res.writeHead(200, { "Content-Type": "image/png" }).end(photo);
      else res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => origin.listen(0, LINKED, resolve));
    linked = `http://${LINKED}:${(origin.address() as AddressInfo).port}`;
    s = await startServer({ PREVIEW_ALLOW_PRIVATE: `${LINKED}/32` });
    site = await startHostSite();
    app = (await s.createTenant("Previews widget", [site.origin])).id;
    for (const [who, name] of [
      ["ann", "Ann Link"],
      ["ben", "Ben Link"],
      ["cat", "Cat Link"],
    ] as const)
      users[who] = await s.api.register(app, { email: email(who), password: PASSWORD, displayName: name });
    const created = await s.api.post<{ conversation: Conversation }>("/conversations", {
      app,
      token: users.ann.accessToken,
      body: { name: "Dinner plans", memberIds: [users.ben.user.id, users.cat.user.id] },
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    group = created.body.conversation.id;
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await site?.close();
    await s?.close();
    origin?.closeAllConnections();
    await new Promise<void>((resolve) => (origin ? origin.close(() => resolve()) : resolve()));
  });

  test("a sent link gets its card in every member's widget, with the image from Parley; the browsers never contact the linked host", async () => {
    ann = await open("ann", DESKTOP);
    ben = await open("ben", PHONE);
    const box = ann.page.locator("[part=composer-input]");
    await box.fill(`Dinner there? ${linked}/article`);
    await box.press("Enter");

    for (const { page } of [ann, ben]) {
      const card = messageWithText(page, "Dinner there?").locator("[part=preview]");
      await card.waitFor({ timeout: 15_000 });
      const link = card.locator("[part=preview-link]");
      assert.equal(await link.getAttribute("href"), `${linked}/article`);
      assert.equal(await link.getAttribute("target"), "_blank");
      assert.equal(await link.getAttribute("rel"), "noopener noreferrer ugc");
      await expectText(card.locator(".pv-site"), "Bistro Example");
      // The title as text: the server took its markup out; nothing in it is parsed as HTML here.
      await expectText(card.locator(".pv-title"), "Spring menu & prices");
      assert.equal(await card.locator("b, script").count(), 0);
      await expectText(card.locator(".pv-desc"), /^Our new spring menu/);
      const img = card.locator("[part=preview-image]");
      const src = (await img.getAttribute("src")) ?? "";
      assert.ok(src.startsWith(`${s.url}/v1/previews/`), src);
      assert.equal(await img.getAttribute("alt"), "");
      assert.ok(Number(await img.getAttribute("width")) > 0 && Number(await img.getAttribute("height")) > 0);
      await eventually(() => img.evaluate((i: HTMLImageElement) => (i.complete ? i.naturalWidth : 0)), {
        check: (w) => w > 0,
        message: "the image loads from Parley",
      });
      // Clamped to three lines.
      const lines = await card.locator(".pv-desc").evaluate((el) => el.getBoundingClientRect().height / parseFloat(getComputedStyle(el).lineHeight || "18"));
      assert.ok(lines <= 3.2, `the description takes ${lines} lines`);
    }
    assert.ok(linkedHits.includes("/article") && linkedHits.includes("/photo.png"), "the server fetched the page and its image");
    assert.deepEqual(toLinked(ann.requests), [], "Ann's browser never contacted the linked host");
    assert.deepEqual(toLinked(ben.requests), [], "Ben's browser never contacted the linked host");
    await mkdir(SCREENSHOTS, { recursive: true });
    await ben.page.screenshot({ path: path.join(SCREENSHOTS, "preview-phone-dark.png") });
    await ann.page.screenshot({ path: path.join(SCREENSHOTS, "preview-desktop-dark.png") });
    assert.deepEqual(await axeSerious(ben.page), [], "axe, 390 px, dark");
    assert.deepEqual(await axeSerious(ann.page), [], "axe, 1100 px, dark");
  });

  test("the card is reached by Tab; only the sender may remove it, and it goes for everyone", async () => {
    const msg = messageWithText(ben.page, "Dinner there?");
    await msg.focus();
    // The message, then the link in its text, then the card.
    await ben.page.keyboard.press("Tab");
    await ben.page.keyboard.press("Tab");
    assert.equal(await focusedPart(ben.page), "preview-link");
    await msg.click();
    await msg.locator("[part=action-reply]").waitFor();
    assert.equal(await msg.locator("[part=preview-remove]").count(), 0, "Ben did not send it");

    const mine = messageWithText(ann.page, "Dinner there?");
    await mine.hover();
    const remove = mine.locator("[part=preview-remove]");
    assert.equal(await remove.getAttribute("aria-label"), "Remove preview");
    await remove.click();
    await expectCount(mine.locator("[part=preview]"), 0);
    await expectCount(msg.locator("[part=preview]"), 0);
    assert.deepEqual(toLinked(ann.requests), []);
    assert.deepEqual(toLinked(ben.requests), []);
    assert.deepEqual(ann.errors, []);
    assert.deepEqual(ben.errors, []);
  });

  test("right to left in Hebrew: the card mirrored, axe clean", async () => {
    await s.api.post(`/conversations/${group}/messages`, { app, token: users.ben.accessToken, body: { text: `${linked}/article` } });
    const cat = await open("cat", PHONE, "he");
    const card = cat.page.locator("[part=preview]").last();
    await card.waitFor({ timeout: 15_000 });
    assert.equal(await card.evaluate((el) => getComputedStyle(el).direction), "rtl");
    // The accent border is at the start: the right, in Hebrew.
    assert.notEqual(await card.locator("a").evaluate((el) => getComputedStyle(el).borderRightWidth), "0px");
    assert.deepEqual(await axeSerious(cat.page), [], "axe, 390 px, dark, Hebrew");
    assert.deepEqual(toLinked(cat.requests), []);
    await cat.context.close();
  });
});
