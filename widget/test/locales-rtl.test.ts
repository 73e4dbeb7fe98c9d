// The widget in other languages (issue 31, acceptance item 1), in Chromium on a phone (390x844):
// - German, Russian and Arabic: in the list, a conversation, the details and the profile, no
//   control's label is cut or runs out of its box or off the screen; axe finds nothing serious;
// - Arabic and Hebrew are laid out right to left: the panel says dir=rtl and its lang, the back
//   arrow sits at the right and points right, the composer's send button is at its left, the
//   visitor's own bubbles on the left and the other person's on the right; screenshots go to
//   test-artifacts/;
// - the language follows data-lang, else the page's <html lang>; changing the element's lang at run
//   time re-renders in the new language and direction, without a reload.
import assert from "node:assert/strict";
import { mkdir } from "node:fs/promises";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import type { Browser, Page } from "playwright-core";
import type { AuthResponse, Conversation } from "@parley/sdk/protocol";
import { startServer, type TestServer } from "../../server/test/helpers/harness.js";
import { EN } from "../src/i18n/i18n.js";
import { LOCALES } from "../src/i18n/language.js";
import { axeSerious } from "./helpers/a11y.js";
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
import { openDevicePage, PHONE, withViewportMeta } from "./helpers/devices.js";

const PASSWORD = "correct horse battery";
const ARTIFACTS = path.resolve(import.meta.dirname, "../../test-artifacts");

/** Every visible control (through the shadow roots) whose label is cut, overflows its box, or leaves the screen. */
const OVERFLOWING = `(() => {
  const out = [];
  const roots = [document.querySelector("parley-chat").shadowRoot];
  while (roots.length) {
    const root = roots.pop();
    for (const el of root.querySelectorAll("*")) {
      if (el.shadowRoot) roots.push(el.shadowRoot);
      const tag = el.tagName.toLowerCase();
      if (!(tag === "button" || tag === "label" || tag === "a" || (tag === "input" && el.type !== "file") || tag === "textarea")) continue;
      const r = el.getBoundingClientRect();
      const cs = getComputedStyle(el);
      if (r.width < 2 || r.height < 2 || cs.visibility === "hidden" || el.closest(".sr-only") || el.classList.contains("sr-only")) continue;
      const what = tag + (el.getAttribute("part") ? "[part=" + el.getAttribute("part") + "]" : "") + ' "' + (el.textContent || el.placeholder || "").trim().slice(0, 30) + '"';
      if (el.scrollWidth > el.clientWidth + 1 && tag !== "textarea" && tag !== "input") out.push(what + " cut: " + el.scrollWidth + " > " + el.clientWidth);
      if (r.left < -1 || r.right > innerWidth + 1) out.push(what + " off screen: " + Math.round(r.left) + ".." + Math.round(r.right));
    }
  }
  return out;
})()`;

describe("the widget in other languages, and right to left", { timeout: 600_000, skip: BROWSER_SKIP }, () => {
  let s: TestServer;
  let site: HostSite;
  let browser: Browser;
  let app: string;
  let ada: AuthResponse;
  let ben: AuthResponse;
  let dm: Conversation;
  const email = (who: string) => `${who}.locales@example.com`;

  before(async () => {
    await mkdir(ARTIFACTS, { recursive: true });
    s = await startServer();
    site = await startHostSite();
    app = (await s.createTenant("Locales widget", [site.origin])).id;
    ada = await s.api.register(app, { email: email("ada"), password: PASSWORD, displayName: "Ada Lovelace" });
    ben = await s.api.register(app, { email: email("ben"), password: PASSWORD, displayName: "Ben Okafor" });
    const made = await s.api.post<{ conversation: Conversation }>("/conversations/direct", { app, token: ada.accessToken, body: { userId: ben.user.id } });
    assert.ok(made.status === 200 || made.status === 201, JSON.stringify(made.body));
    dm = made.body.conversation;
    for (const [who, text] of [
      [ben, "Hello Ada, is the order on its way?"],
      [ada, "Yes, it left this morning."],
    ] as const) {
      const r = await s.api.post(`/conversations/${dm.id}/messages`, { app, token: who.accessToken, body: { text } });
      assert.equal(r.status, 201, JSON.stringify(r.body));
    }
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await site?.close();
    await s?.close();
  });

  /** Ada signed in on a phone, on a page whose script tag says `data-lang` (or whose html says `pageLang`). */
  async function open(o: { dataLang?: string; pageLang?: string }) {
    let html = withViewportMeta(hostPageHtml({ parleyUrl: s.url, appId: app }));
    if (o.dataLang) html = html.replace("data-app-id=", `data-lang="${o.dataLang}" data-app-id=`);
    if (o.pageLang) html = html.replace('<html lang="en">', `<html lang="${o.pageLang}">`);
    const url = site.page(`/${o.dataLang ?? "page-" + o.pageLang}`, html);
    const tab = await openDevicePage(browser, url, PHONE);
    await loginViaForm(tab.page, { email: email("ada"), password: PASSWORD });
    return tab;
  }

  const panel = (page: Page) => page.locator("[part=panel]");
  const strings = async (code: string): Promise<Record<string, string>> => (await import(`../src/i18n/locales/${code}.ts`)).default;

  /** The list, the conversation, its details and the profile, each checked for cut or overflowing labels. */
  async function walk(page: Page, code: string): Promise<void> {
    const t = await strings(code);
    const check = async (view: string) => assert.deepEqual(await page.evaluate<string[]>(OVERFLOWING), [], `${code}, ${view}`);
    await expectText(page.locator("[part=title]"), t["title"]!);
    await check("list");
    await page.locator(`parley-list [part=conversation][data-id="${dm.id}"]`).click();
    await messageWithText(page, "Hello Ada").waitFor();
    await check("conversation");
    await page.locator("[part=info]").click();
    // (On a timeout, say what the panel shows instead: a view that could not be loaded, say.)
    await page
      .locator("parley-info [part=mute]")
      .waitFor()
      .catch(async (e: Error) => {
        throw new Error(
          `${e.message}\nthe panel shows: ${await page
            .locator(".body")
            .first()
            .textContent()
            .catch(() => "?")}`,
        );
      });
    await expectText(page.locator("parley-info [part=mute]"), t["muteConversation"]!);
    await check("details");
    await page.locator("[part=back]").click();
    await page.locator("[part=back]").click();
    await page.locator("[part=profile]").click();
    await page.locator("parley-info [part=profile]").waitFor();
    await check("profile");
    await page.locator("[part=back]").click();
  }

  for (const code of ["de", "ru", "ar"]) {
    test(`${code} on a phone: every label fits, axe clean`, async () => {
      const tab = await open({ dataLang: code });
      const { page } = tab;
      assert.equal(await panel(page).getAttribute("lang"), code);
      await walk(page, code);
      assert.deepEqual(await axeSerious(page), [], `axe, ${code}`);
      await page.screenshot({ path: path.join(ARTIFACTS, `widget-locale-${code}-phone.png`) });
      assert.deepEqual(tab.errors, []);
      await tab.context.close();
    });
  }

  test("the composer's placeholder fits on one line at 390 px in every language (issue 52: German and Russian wrapped, the second line cut; English did too)", async () => {
    const tab = await open({ dataLang: "en" });
    const { page } = tab;
    await page.locator(`parley-list [part=conversation][data-id="${dm.id}"]`).click();
    const box = page.locator("[part=composer-input]");
    await box.waitFor();
    const wide: string[] = [];
    for (const code of ["en", ...Object.keys(LOCALES)]) {
      const want = code === "en" ? EN.messagePlaceholder : (await strings(code))["messagePlaceholder"]!;
      await page.evaluate(`document.querySelector("parley-chat").setAttribute("lang", ${JSON.stringify(code)})`);
      await eventually(() => box.getAttribute("placeholder"), { check: (p) => p === want, message: `${code}'s placeholder` });
      // The placeholder typed in as text: the box's content height against one line's (a wrap adds a line).
      // (Text in the box shows Send's clock button, which the empty box, the placeholder's, has not: hidden while measuring.)
      const [text = 0, room = 0] = await box.evaluate((ta: HTMLTextAreaElement) =>
        [ta.placeholder, "x"].map((value) => {
          const clock = ta.parentElement?.querySelector<HTMLElement>("[part=schedule-button]");
          if (clock) clock.style.display = "none";
          ta.value = value;
          ta.style.height = "0";
          const h = ta.scrollHeight;
          ta.value = "";
          ta.style.height = "";
          if (clock) clock.style.display = "";
          return h;
        }),
      );
      if (text > room) wide.push(`${code} "${want}": ${text} px high, one line is ${room}`);
    }
    assert.deepEqual(wide, []);
    await tab.context.close();
  });

  for (const code of ["ar", "he"]) {
    test(`${code}: mirrored, the back arrow, the composer and the bubbles`, async () => {
      const tab = await open({ dataLang: code });
      const { page } = tab;
      const t = await strings(code);
      assert.equal(await panel(page).getAttribute("dir"), "rtl");
      assert.equal(await panel(page).evaluate((el) => getComputedStyle(el).direction), "rtl");
      await page.locator(`parley-list [part=conversation][data-id="${dm.id}"]`).click();
      const theirs = messageWithText(page, "Hello Ada");
      const mine = messageWithText(page, "it left this morning");
      await theirs.waitFor();
      await mine.waitFor();
      const box = async (sel: string) => (await page.locator(sel).first().boundingBox())!;
      const width = PHONE.viewport.width;
      // The back button at the right end of the header, its arrow drawn pointing right.
      const back = await box("[part=back]");
      assert.ok(back.x > width / 2, `back at x=${back.x}`);
      const arrow = await page.locator("[part=back] svg").evaluate((el) => getComputedStyle(el).transform);
      assert.equal(arrow, "matrix(-1, 0, 0, 1, 0, 0)");
      // The composer: the box starts at the right, the send button at its left.
      const send = await box("parley-thread [part=send]");
      const input = await box("parley-thread [part=composer-input]");
      assert.ok(send.x < input.x, `send at ${send.x}, input at ${input.x}`);
      assert.equal((await page.locator("parley-thread [part=send]").textContent())?.trim(), t["send"]);
      // The visitor's own bubble at the left, the other person's at the right.
      const a = (await mine.locator(".bubble").boundingBox())!;
      const b = (await theirs.locator(".bubble").boundingBox())!;
      assert.ok(a.x < b.x && a.x < width / 3 && b.x + b.width > (2 * width) / 3, `mine ${a.x}..${a.x + a.width}, theirs ${b.x}..${b.x + b.width}`);
      assert.deepEqual(await axeSerious(page), [], `axe, ${code}, conversation`);
      await page.screenshot({ path: path.join(ARTIFACTS, `widget-locale-${code}-rtl-conversation.png`) });
      assert.deepEqual(tab.errors, []);
      await tab.context.close();
    });
  }

  test("the page's <html lang> is followed without data-lang; changing the element's lang re-renders without a reload", async () => {
    const tab = await open({ pageLang: "fr-CA" });
    const { page } = tab;
    const fr = await strings("fr");
    await expectText(page.locator("[part=title]"), fr["title"]!);
    assert.equal(await panel(page).getAttribute("lang"), "fr-CA");
    const loads = { before: await page.evaluate(() => performance.getEntriesByType("navigation").length) };

    await page.locator("parley-chat").evaluate((el) => el.setAttribute("lang", "he"));
    const he = await strings("he");
    await expectText(page.locator("[part=title]"), he["title"]!);
    assert.equal(await panel(page).getAttribute("dir"), "rtl");
    await expectText(page.locator("[part=profile]"), he["profile"]!);

    await page.locator("parley-chat").evaluate((el) => el.setAttribute("lang", "en"));
    await expectText(page.locator("[part=title]"), EN.title);
    assert.equal(await panel(page).getAttribute("dir"), "ltr");
    // The same document all along: no navigation, the session and the list kept.
    assert.equal(await page.evaluate(() => performance.getEntriesByType("navigation").length), loads.before);
    await page.locator(`parley-list [part=conversation][data-id="${dm.id}"]`).waitFor();

    // Japanese asked for, then English while Japanese is still on its way: English stays.
    let release!: () => Promise<void>;
    const held = new Promise<string>((resolve) => {
      void page.route(/\/ja-[\w-]+\.js$/, (route) => {
        release = () => route.continue();
        resolve(route.request().url());
      });
    });
    await page.locator("parley-chat").evaluate((el) => el.setAttribute("lang", "ja"));
    const url = await held;
    await page.locator("parley-chat").evaluate((el) => el.setAttribute("lang", "en"));
    await release();
    // The same module record as the widget's import: once this resolves, so has the widget's; then
    // its continuation (a microtask) and Lit's render (another) have run before the timer and frame.
    await page.evaluate(async (u) => {
      await import(u);
      await new Promise((r) => setTimeout(r, 0));
      await new Promise((r) => requestAnimationFrame(r));
    }, url);
    assert.equal(await page.locator("[part=title]").textContent(), EN.title);
    assert.equal(await panel(page).getAttribute("lang"), "en");
    assert.deepEqual(tab.errors, []);
    await tab.context.close();
  });
});
