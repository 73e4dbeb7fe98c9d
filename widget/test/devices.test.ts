// The widget on phones, zoomed desktops and hostile host pages, driven in Chromium as a visitor
// would: tap targets, hit-testing, input sizes, the launcher's corner, offset and z-index.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { Browser, Page } from "playwright-core";
import type { AuthResponse, Message, Page as ApiPage } from "@parley/sdk/protocol";
import { startServer, type TestServer } from "../../server/test/helpers/harness.js";
import { BROWSER_SKIP, eventually, hostPageHtml, launchBrowser, loginViaForm, messageWithText, startHostSite, type HostSite } from "./helpers/browser.js";
import { DESKTOP, PHONE, hitsItself, openDevicePage, widgetControls, withViewportMeta } from "./helpers/devices.js";

describe("the widget on devices", { timeout: 180_000, skip: BROWSER_SKIP }, () => {
  let s: TestServer;
  let site: HostSite;
  let browser: Browser;
  let app: string;
  let url: string;
  let ann: AuthResponse, ben: AuthResponse;
  let dm = "";
  const pw = "correct horse battery";
  const annLogin = { email: "ann.devices@example.com", password: pw };

  before(async () => {
    s = await startServer();
    site = await startHostSite();
    app = (await s.createTenant("Devices", [site.origin])).id;
    url = site.page("/", withViewportMeta(hostPageHtml({ parleyUrl: s.url, appId: app })));
    ann = await s.api.register(app, { ...annLogin, displayName: "Ann Devices" });
    ben = await s.api.register(app, { email: "ben.devices@example.com", password: pw, displayName: "Ben Devices" });
    dm = (await s.api.post("/conversations/direct", { token: ann.accessToken, body: { userId: ben.user.id } })).body.conversation.id;
    for (let i = 0; i < 12; i++)
      await s.api.post(`/conversations/${dm}/messages`, { token: i % 2 ? ann.accessToken : ben.accessToken, body: { text: `message number ${i}` } });
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await site?.close();
    await s?.close();
  });

  const storedTexts = async (): Promise<string[]> =>
    (await s.api.get<ApiPage<Message>>(`/conversations/${dm}/messages`, { token: ben.accessToken })).body.items.map((m) => m.text ?? "");

  /** Opens the DM in the panel and waits for its history. */
  const openDm = async (page: Page): Promise<void> => {
    await page.locator(`[part=conversation][data-id="${dm}"]`).click();
    await messageWithText(page, "message number 11").waitFor({ state: "visible" });
  };

  const assertControlsUsable = async (page: Page, where: string): Promise<void> => {
    const controls = await widgetControls(page);
    assert.ok(controls.length > 3, `${where}: controls found: ${JSON.stringify(controls)}`);
    const covered = controls.filter((c) => !c.hitsItself).map((c) => `${c.what} is covered by ${c.hit}`);
    assert.deepEqual(covered, [], `${where}: every control is the topmost thing under its centre`);
    const small = controls.filter((c) => c.w < 44 || c.h < 44).map((c) => `${c.what} ${c.w}x${c.h}`);
    assert.deepEqual(small, [], `${where}: every touch target is at least 44x44 px`);
    const tinyText = controls.filter((c) => (c.kind === "input" || c.kind === "textarea") && c.fontSize < 16).map((c) => `${c.what} ${c.fontSize}px`);
    assert.deepEqual(tinyText, [], `${where}: no input below 16 px (iOS zooms into those)`);
  };

  test("phone: the panel fills the screen (dynamic viewport), the launcher hides while it is open, and tapping Send sends with the panel still open", async () => {
    const { page, context, errors } = await openDevicePage(browser, url, PHONE);
    await loginViaForm(page, annLogin);
    const panel = await page.locator("[part=panel]").boundingBox();
    assert.deepEqual(panel && [panel.x, panel.y, panel.width, panel.height], [0, 0, 390, 844], "full-screen panel");
    assert.equal(await page.locator("[part=launcher]").isVisible(), false, "the launcher is hidden while the panel is open on a phone");
    await assertControlsUsable(page, "phone list");

    await openDm(page);
    await assertControlsUsable(page, "phone thread");
    const input = page.locator("[part=composer-input]");
    await input.tap();
    await page.keyboard.type("sent from a phone");
    const send = page.locator("[part=send]");
    assert.ok((await hitsItself(send)).ok, "Send is not covered by anything");
    await send.tap();
    await eventually(storedTexts, { check: (t) => t.includes("sent from a phone"), message: "the tapped message reaches the server" });
    await eventually(() => messageWithText(page, "sent from a phone").getAttribute("data-status", { timeout: 500 }), { check: (v) => v === "sent" });
    assert.equal(await page.locator("[part=panel]").isVisible(), true, "the panel stays open");
    assert.equal(await input.inputValue(), "");

    // The close button brings the launcher back.
    await page.locator("[part=close]").tap();
    await page.locator("[part=panel]").waitFor({ state: "detached" });
    await page.locator("[part=launcher]").waitFor({ state: "visible" });
    assert.deepEqual(errors, []);
    await context.close();
  });

  test("phone: message actions by touch — a tap shows them, 44 px each, none covering another message", async () => {
    const { page, context } = await openDevicePage(browser, url, PHONE);
    await loginViaForm(page, annLogin);
    await openDm(page);
    const msg = messageWithText(page, "message number 9");
    await msg.tap();
    const actions = msg.locator("[part=actions]");
    await actions.waitFor({ state: "visible" });
    await assertControlsUsable(page, "phone thread with actions open");
    await msg.locator("[part=action-reply]").tap();
    await page.locator("[part=composer-input]").fill("a reply by touch");
    await page.locator("[part=send]").tap();
    await eventually(
      async () =>
        (await s.api.get<ApiPage<Message>>(`/conversations/${dm}/messages`, { token: ben.accessToken })).body.items.find((m) => m.text === "a reply by touch"),
      {
        check: (m) => !!m?.replyToId,
        message: "the reply is stored with its quote",
      },
    );
    await context.close();
  });

  test("desktop zoomed to 200 % and 400 %: header, close button and composer stay on screen and usable", async () => {
    // 200 % of 1280x800 is a 640x400 CSS viewport; 400 % is 320x200 (WCAG reflow).
    for (const [zoom, viewport] of [
      ["200%", { width: 640, height: 400 }],
      ["400%", { width: 320, height: 200 }],
    ] as const) {
      const { page, context } = await openDevicePage(browser, url, { viewport, deviceScaleFactor: zoom === "200%" ? 2 : 4 });
      await loginViaForm(page, annLogin);
      await openDm(page);
      for (const part of ["header", "close", "back", "composer-input", "send"]) {
        const loc = page.locator(`[part=${part}]`);
        const box = await loc.boundingBox();
        assert.ok(
          box && box.y >= 0 && box.x >= 0 && box.y + box.height <= viewport.height + 0.5 && box.x + box.width <= viewport.width + 0.5,
          `${zoom}: ${part} on screen: ${JSON.stringify(box)}`,
        );
        if (part !== "header") assert.ok((await hitsItself(loc)).ok, `${zoom}: ${part} is usable (not covered)`);
      }
      await page.locator("[part=composer-input]").fill(`typed at ${zoom}`);
      await page.locator("[part=send]").click();
      await eventually(storedTexts, { check: (t) => t.includes(`typed at ${zoom}`) });
      await page.locator("[part=close]").click();
      await page.locator("[part=panel]").waitFor({ state: "detached" });
      await context.close();
    }
  });

  test("corner, offset and z-index: by attribute and by CSS custom property", async () => {
    const { page, context } = await openDevicePage(browser, url, DESKTOP);
    const launcher = page.locator("[part=launcher]");
    const box = async () => (await launcher.boundingBox())!;
    const chat = page.locator("parley-chat");
    const b = await box();
    assert.deepEqual([Math.round(1100 - b.x - b.width), Math.round(800 - b.y - b.height)], [20, 20], "bottom-right, 20 px by default");

    await chat.evaluate((el) => {
      el.setAttribute("corner", "top-left");
      el.setAttribute("offset", "32");
      el.setAttribute("z-index", "5");
    });
    await eventually(box, { check: (v) => Math.round(v.x) === 32 && Math.round(v.y) === 32, message: "top-left, 32 px" });
    const z = await page.evaluate(
      () => getComputedStyle(document.querySelector("parley-chat")!.shadowRoot!.querySelector("[part=launcher]")!.parentElement!).zIndex,
    );
    assert.equal(z, "5");
    // The panel opens on the same side, below the launcher.
    await launcher.click();
    const panel = (await page.locator("[part=panel]").boundingBox())!;
    assert.ok(Math.round(panel.x) === 32 && panel.y > 32 + 56, JSON.stringify(panel));
    await launcher.click();

    // CSS custom properties from the page, once the attributes are gone.
    await chat.evaluate((el) => {
      el.removeAttribute("offset");
      el.removeAttribute("z-index");
      el.setAttribute("corner", "bottom-left");
      const style = document.createElement("style");
      style.textContent = "parley-chat { --parley-offset: 8px; --parley-z-index: 7; }";
      document.head.append(style);
    });
    await eventually(box, { check: (v) => Math.round(v.x) === 8 && Math.round(800 - v.y - v.height) === 8, message: "bottom-left, 8 px from the page's CSS" });
    assert.equal(
      await page.evaluate(() => getComputedStyle(document.querySelector("parley-chat")!.shadowRoot!.querySelector("[part=launcher]")!.parentElement!).zIndex),
      "7",
    );
    await context.close();
  });

  test("a hostile host stylesheet (all: unset on everything, !important rules) leaves the launcher in its corner, on top and readable", async () => {
    const hostile = withViewportMeta(hostPageHtml({ parleyUrl: s.url, appId: app })).replace(
      "</head>",
      `<style>
        * { all: unset !important; }
        body * { position: static !important; transform: none !important; display: inline !important; font-size: 40px !important; color: red !important; line-height: 5 !important; }
        button, div, section, span, svg { display: none !important; visibility: hidden !important; width: 0 !important; opacity: 0.1 !important; }
        main { position: relative !important; z-index: 99999 !important; }
      </style></head>`,
    );
    const hostileUrl = site.page("/hostile", hostile);
    const { page, context } = await openDevicePage(browser, hostileUrl, DESKTOP);
    const launcher = page.locator("[part=launcher]");
    const b = (await launcher.boundingBox())!;
    assert.deepEqual([Math.round(b.width), Math.round(b.height)], [56, 56]);
    assert.deepEqual([Math.round(1100 - b.x - b.width), Math.round(800 - b.y - b.height)], [20, 20], "still 20 px from the bottom-right corner");
    assert.ok((await hitsItself(launcher)).ok, "nothing of the page covers it");
    const look = await launcher.evaluate((el) => ({ bg: getComputedStyle(el).backgroundColor, opacity: getComputedStyle(el).opacity }));
    assert.equal(look.bg, "rgb(79, 70, 229)");
    assert.equal(look.opacity, "1");
    await loginViaForm(page, annLogin);
    const font = await page.locator("[part=title]").evaluate((el) => ({ size: getComputedStyle(el).fontSize, color: getComputedStyle(el).color }));
    assert.deepEqual(font, { size: "16px", color: "rgb(17, 24, 39)" }, "the page's font size and colour do not leak in");
    await context.close();
  });
});
