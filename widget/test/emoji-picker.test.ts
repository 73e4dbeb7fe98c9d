// The emoji picker in Chromium (issue 33, "Any emoji"): Ann, whose page is in German, opens it from
// a message's actions by keyboard alone, types "Katze", arrows to 🐱 and presses Enter; Ben sees
// her 🐱 on his message. Neither the picker nor any dataset is fetched before it opens, and then
// only the visitor's language's. Ben, on a phone in the dark theme, puts 👍 with a medium skin tone
// into his message at the caret; the tone and the emoji are remembered (recently used) and
// Escape gives the focus back to the emoji button; with storage blocked it still works. Hebrew is
// right to left (the grid mirrored, ArrowLeft goes forward) with Hebrew names; Arabic finds 🐱 by
// its Arabic name. axe at 390 px dark and 1280 px light. Screenshots:
// docs/screenshots/emoji-picker-phone-dark.png, emoji-picker-rtl.png.
import assert from "node:assert/strict";
import { mkdir } from "node:fs/promises";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import type { Browser, Page } from "playwright-core";
import type { AuthResponse } from "@parley/sdk/protocol";
import { startServer, type TestServer } from "../../server/test/helpers/harness.js";
import { axeSerious } from "./helpers/a11y.js";
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
import { openDevicePage, PHONE, withViewportMeta, type DeviceTab } from "./helpers/devices.js";

const SCREENSHOTS = path.resolve(import.meta.dirname, "../../docs/screenshots");
/** The picker's chunk and the datasets (emoji-<locale>-<hash>.js), as the build names them. */
const PICKER = /\/parley-emoji-[\w-]{8}\.js$/;
const DATASET = /\/emoji-([a-zA-Z-]+)-[\w-]{8}\.js$/;
const WIDE = { viewport: { width: 1280, height: 800 } } as const;

/** The focused element, through shadow roots: its tag and part. */
const focused = (page: Page) =>
  page.evaluate<{ tag: string; part: string; label: string }>(`(() => {
    let el = document.activeElement;
    while (el && el.shadowRoot && el.shadowRoot.activeElement) el = el.shadowRoot.activeElement;
    return { tag: el ? el.tagName.toLowerCase() : "", part: (el && el.getAttribute("part")) || "", label: (el && el.getAttribute("aria-label")) || "" };
  })()`);

/** The options' accessible names and text, and the one the list points at. */
const options = (page: Page) =>
  page.locator("[part=emoji-list]").evaluate((list) => ({
    names: [...list.querySelectorAll("[role=option]")].map((o) => o.getAttribute("aria-label") ?? ""),
    glyphs: [...list.querySelectorAll("[role=option]")].map((o) => o.textContent ?? ""),
    active: list.getAttribute("aria-activedescendant"),
    activeName: list.querySelector(`#${list.getAttribute("aria-activedescendant")}`)?.getAttribute("aria-label"),
  }));

describe("the emoji picker", { timeout: 300_000, skip: BROWSER_SKIP }, () => {
  let s: TestServer;
  let site: HostSite;
  let browser: Browser;
  let app: string;
  let ann: AuthResponse;
  let dm = "";
  let benMsg = "";
  let ben: DeviceTab;
  const pw = "correct horse battery";
  const login = (who: string) => ({ email: `${who}.emoji@example.com`, password: pw });
  /** The host page, in a language (its <html lang>). */
  const pageIn = (name: string, lang: string, theme: "light" | "dark" = "light") =>
    site.page(`/${name}`, withViewportMeta(hostPageHtml({ parleyUrl: s.url, appId: app, theme })).replace('<html lang="en">', `<html lang="${lang}">`));
  /** Every picker or dataset chunk a page asks for, by name ("picker", "de", …). */
  const logChunks = (page: Page): string[] => {
    const log: string[] = [];
    page.on("request", (r) => {
      const p = new URL(r.url()).pathname;
      if (PICKER.test(p)) log.push("picker");
      else {
        const m = DATASET.exec(p);
        if (m) log.push(m[1]!);
      }
    });
    return log;
  };

  before(async () => {
    s = await startServer();
    site = await startHostSite();
    app = (await s.createTenant("Emoji", [site.origin])).id;
    ann = await s.api.register(app, { ...login("ann"), displayName: "Ann Lee" });
    const b = await s.api.register(app, { ...login("ben"), displayName: "Ben Ōkubo" });
    dm = (await s.api.post<{ conversation: { id: string } }>("/conversations/direct", { token: ann.accessToken, body: { userId: b.user.id } })).body
      .conversation.id;
    const r = await s.api.post<{ id: string }>(`/conversations/${dm}/messages`, { token: b.accessToken, body: { text: "Hallo Ann, wie geht's?" } });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    benMsg = r.body.id;
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await site?.close();
    await s?.close();
  });

  test("reacting with an emoji picked by search works by keyboard alone (German: “Katze” finds 🐱); nothing is fetched before it opens", async () => {
    ben = await openDevicePage(browser, pageIn("ben", "en", "dark"), PHONE, { colorScheme: "dark" });
    const benChunks = logChunks(ben.page);
    await loginViaForm(ben.page, login("ben"));
    await openConversation(ben.page, dm);

    const { page, context, errors } = await openDevicePage(browser, pageIn("ann", "de"), WIDE);
    const chunks = logChunks(page);
    await loginViaForm(page, login("ann"));
    await openConversation(page, dm);
    const msg = messageWithText(page, "Hallo Ann");
    await msg.waitFor();
    await page.waitForLoadState("networkidle");
    assert.deepEqual(chunks, [], "no picker and no dataset before the picker opens");

    // Keyboard only: the message, Enter (its actions), Tab past the three quick reactions to "+".
    await msg.focus();
    await page.keyboard.press("Enter");
    await eventually(() => focused(page), { check: (f) => f.part === "action-react", message: "the first action is focused" });
    for (let i = 0; i < 3; i++) await page.keyboard.press("Tab");
    assert.deepEqual(await focused(page), { tag: "button", part: "action-react-more", label: "Weitere Reaktionen" });
    await page.keyboard.press("Enter");
    const search = page.locator("[part=emoji-search]");
    await eventually(() => focused(page), { check: (f) => f.part === "emoji-search", message: "the search box is focused" });
    assert.equal(await search.getAttribute("aria-label"), "Emojis suchen");
    await page.locator("[part=emoji-list]").waitFor();
    assert.deepEqual(chunks.sort(), ["de", "picker"], "the picker and the German dataset only");
    // The categories are named in German; so is every emoji.
    assert.equal(await page.locator("[part=emoji-categories] button").first().getAttribute("aria-label"), "Smileys & Emotionen");
    assert.deepEqual(await axeSerious(page), [], "axe, 1280 px, light, the picker open");

    await page.keyboard.type("Katze");
    await expectText(page.locator("parley-emoji [role=status]"), /^Gefundene Emojis: \d+$/);
    const found = await options(page);
    const cat = found.names.indexOf("Katzengesicht");
    assert.ok(cat >= 0, `🐱 among ${found.names.join(", ")}`);
    assert.equal(found.glyphs[cat], "🐱");
    await page.keyboard.press("ArrowDown");
    assert.equal((await focused(page)).part, "emoji-list");
    for (let i = 0; i < cat; i++) await page.keyboard.press("ArrowRight");
    assert.equal((await options(page)).activeName, "Katzengesicht");
    await page.keyboard.press("Enter");

    // The picker closes, the focus is back on the message (its actions are drawn again with the
    // reaction), and the reaction is on it, for Ben too.
    await page.locator("parley-emoji").waitFor({ state: "detached" });
    await eventually(() => focused(page), { check: (f) => f.part === "message", message: "the message has the focus" });
    await expectText(msg.locator("[part=reaction]"), /^🐱\s*1$/);
    await expectText(ben.page.locator(`[part=message][data-id="${benMsg}"] [part=reaction]`), /^🐱\s*1$/);
    assert.deepEqual(benChunks, [], "Ben opened no picker: he fetched none");
    assert.deepEqual(errors, []);
    await context.close();
  });

  test("the composer's emoji goes in at the caret, with the skin tone chosen; tone and recents are remembered; Escape returns focus", async () => {
    const { page } = ben;
    const chunks = logChunks(page);
    const box = page.locator("[part=composer-input]");
    await box.fill("Hi there");
    await box.focus();
    await page.keyboard.press("Home");
    for (let i = 0; i < 3; i++) await page.keyboard.press("ArrowRight");
    // The emoji button is just after the message box.
    await page.keyboard.press("Tab");
    assert.deepEqual(await focused(page), { tag: "button", part: "emoji-button", label: "Insert emoji" });
    await page.keyboard.press("Enter");
    await page.locator("[part=emoji-list]").waitFor();
    assert.deepEqual(chunks.sort(), ["en", "picker"]);

    // Escape closes it, and the focus is back on the button.
    await page.keyboard.press("Escape");
    await page.locator("parley-emoji").waitFor({ state: "detached" });
    assert.equal((await focused(page)).part, "emoji-button");
    assert.equal(await page.locator("[part=panel]").isVisible(), true, "Escape closed the picker, not the chat");

    await page.keyboard.press("Enter");
    await page.locator("[part=emoji-list]").waitFor();
    // The tone menu shows hands; each is named (“Medium skin tone”).
    assert.equal(await page.locator("[part=emoji-skin] option").nth(3).getAttribute("aria-label"), "Medium skin tone");
    await page.locator("[part=emoji-skin]").selectOption("3");
    await mkdir(SCREENSHOTS, { recursive: true });
    await page.screenshot({ path: path.join(SCREENSHOTS, "emoji-picker-phone-dark.png") });
    await page.locator("[part=emoji-search]").focus();
    await page.keyboard.type("thumbs up");
    await expectText(page.locator("parley-emoji [role=status]"), /^Emoji found: \d+$/);
    const found = await options(page);
    assert.equal(found.names[0], "thumbs up");
    assert.equal(found.glyphs[0], "👍🏽", "the medium skin tone");
    // On a phone, in the dark theme: inside the screen, readable, axe clean.
    const rect = await page.locator("[part=emoji-picker]").boundingBox();
    assert.ok(rect && rect.x >= 0 && rect.x + rect.width <= 390 && rect.y >= 0, JSON.stringify(rect));
    assert.deepEqual(await axeSerious(page), [], "axe, 390 px, dark, the picker open");

    // Enter in the search box picks the first result: at the caret, and the focus back in the box.
    await page.keyboard.press("Enter");
    await page.locator("parley-emoji").waitFor({ state: "detached" });
    assert.equal(await box.inputValue(), "Hi 👍🏽there");
    assert.equal((await focused(page)).part, "composer-input");
    assert.equal(await box.evaluate((t: HTMLTextAreaElement) => t.selectionStart), "Hi 👍🏽".length);

    // Opened again (after a reload too): the tone is kept, and 👍 leads the recently used.
    await page.reload();
    await openConversation(page, dm);
    await page.locator("[part=emoji-button]").click();
    await page.locator("[part=emoji-list]").waitFor();
    assert.equal(await page.locator("[part=emoji-skin]").inputValue(), "3");
    await expectText(page.locator("parley-emoji .heading").first(), "Recently used");
    assert.equal((await options(page)).glyphs[0], "👍🏽");
    assert.equal(await page.locator("[part=emoji-categories] button").first().getAttribute("aria-label"), "Recently used");
    await page.keyboard.press("Escape");
    assert.deepEqual(ben.errors, []);
  });

  test("with its storage refused, the picker still opens and picks (nothing is remembered)", async () => {
    const tab = await openDevicePage(browser, pageIn("blocked", "en"), PHONE);
    // The picker's keys throw, as blocked storage does (the rest of the widget keeps its session).
    await tab.context.addInitScript(`(() => {
      const { getItem, setItem } = Storage.prototype;
      const no = (key) => { if (String(key).startsWith("parley:emoji")) throw new DOMException("blocked", "SecurityError"); };
      Storage.prototype.getItem = function (key) { no(key); return getItem.call(this, key); };
      Storage.prototype.setItem = function (key, value) { no(key); return setItem.call(this, key, value); };
    })()`);
    await tab.page.reload();
    await tab.page.locator("[part=launcher]").waitFor();
    await loginViaForm(tab.page, login("ben"));
    await openConversation(tab.page, dm);
    await tab.page.locator("[part=emoji-button]").click();
    await tab.page.locator("[part=emoji-search]").fill("grinning face");
    await tab.page.locator("[part=emoji-list] [role=option]").first().click();
    assert.match(await tab.page.locator("[part=composer-input]").inputValue(), /😀/);
    // Opened again: no recently used (nothing could be kept), the default tone.
    await tab.page.locator("[part=emoji-button]").click();
    await tab.page.locator("[part=emoji-list]").waitFor();
    assert.equal(await tab.page.locator("[part=emoji-categories] button").first().getAttribute("aria-label"), "Smileys & emotion");
    assert.equal(await tab.page.locator("[part=emoji-skin]").inputValue(), "0");
    assert.deepEqual(tab.errors, []);
    await tab.context.close();
  });

  test("Hebrew: right to left, Hebrew names, ArrowLeft goes forward; Arabic finds 🐱 by its name", async () => {
    const he = await openDevicePage(browser, pageIn("he", "he", "dark"), PHONE, { colorScheme: "dark" });
    await loginViaForm(he.page, login("ben"));
    await openConversation(he.page, dm);
    const page = he.page;
    await page.locator("[part=emoji-button]").click();
    await page.locator("[part=emoji-list]").waitFor();
    const layout = await page.locator("[part=emoji-picker]").evaluate((el) => {
      const cats = [...el.querySelectorAll(".cats button")].map((b) => b.getBoundingClientRect());
      const opts = [...el.querySelectorAll("[role=option]")].slice(0, 2).map((o) => o.getBoundingClientRect());
      const r = el.getBoundingClientRect();
      return { dir: getComputedStyle(el).direction, cats: cats.slice(0, 2).map((c) => c.left), opts: opts.map((o) => o.left), left: r.left, right: r.right };
    });
    assert.equal(layout.dir, "rtl");
    assert.ok(layout.cats[0]! > layout.cats[1]!, `the first category is rightmost: ${JSON.stringify(layout)}`);
    assert.ok(layout.opts[0]! > layout.opts[1]!, `the grid runs right to left: ${JSON.stringify(layout)}`);
    assert.ok(layout.left >= 0 && layout.right <= 390, JSON.stringify(layout));
    const names = (await options(page)).names;
    assert.ok(
      names.slice(0, 40).every((n) => /[\u0590-\u05FF]/.test(n)),
      `Hebrew names: ${names.slice(0, 40).join(", ")}`,
    );
    await page.locator("[part=emoji-list]").focus();
    await page.keyboard.press("ArrowLeft");
    assert.equal((await options(page)).active, "o1", "ArrowLeft is forward in right to left");
    await page.locator("[part=emoji-search]").fill("חתול");
    assert.ok((await options(page)).glyphs.includes("🐱"), "חתול finds 🐱");
    assert.deepEqual(await axeSerious(page), [], "axe, Hebrew, 390 px, dark");
    await page.screenshot({ path: path.join(SCREENSHOTS, "emoji-picker-rtl.png") });
    assert.deepEqual(he.errors, []);
    await he.context.close();

    const ar = await openDevicePage(browser, pageIn("ar", "ar"), PHONE);
    const arChunks = logChunks(ar.page);
    await loginViaForm(ar.page, login("ben"));
    await openConversation(ar.page, dm);
    await ar.page.locator("[part=emoji-button]").click();
    await ar.page.locator("[part=emoji-search]").fill("قطة");
    await ar.page.locator("[part=emoji-list]").waitFor();
    assert.ok((await options(ar.page)).glyphs.includes("🐱"), "قطة finds 🐱");
    assert.deepEqual(arChunks.sort(), ["ar", "picker"]);
    assert.deepEqual(ar.errors, []);
    await ar.context.close();
  });
});
