// A message's toolbar and its More menu (issue 52, acceptance 5), in Chromium with a real server.
// Hovering, tapping or Enter on a message shows one row under it: three quick reactions, more
// reactions, reply and More (⋯); the rest (reply in thread, edit or report, pin, mute, delete,
// ban) is in More's menu. The toolbar is one row as tall as a button, in the flow (it covers no
// other message); the menu opens by pointer, touch and keyboard (↑ ↓ Home End, Escape back to ⋯,
// Tab and a press outside close it), stays inside the panel (above the toolbar at the bottom of
// the list), and its Pin reaches the server. axe finds nothing serious with it open. Phone
// (390x800) and desktop (1280x800), light and dark, and Arabic right to left. Screenshots:
// docs/screenshots/message-toolbar-*.png.
import assert from "node:assert/strict";
import { mkdir } from "node:fs/promises";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import type { Browser, Locator, Page } from "playwright-core";
import type { AuthResponse, Conversation, Message, PinsResponse } from "@parley/sdk/protocol";
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
  messageWithText,
  showMessageToolbar,
  startHostSite,
  type HostSite,
} from "./helpers/browser.js";
import { openDevicePage, PHONE, withViewportMeta, type DeviceTab } from "./helpers/devices.js";

const SCREENSHOTS = path.resolve(import.meta.dirname, "../../docs/screenshots");
const PASSWORD = "correct horse battery";
const PHONE_800 = { ...PHONE, viewport: { width: 390, height: 800 } } as const;
const DESKTOP_1280 = { viewport: { width: 1280, height: 800 } } as const;

type Box = { x: number; y: number; width: number; height: number };
const inside = (inner: Box, outer: Box, slack = 0.5): boolean =>
  inner.x >= outer.x - slack &&
  inner.y >= outer.y - slack &&
  inner.x + inner.width <= outer.x + outer.width + slack &&
  inner.y + inner.height <= outer.y + outer.height + slack;
const overlap = (a: Box, b: Box): boolean => a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;

/** The focused element, through shadow roots: its part, role and the message it is in. */
const focused = (page: Page) =>
  page.evaluate<{ part: string; role: string; id: string }>(`(() => {
    let el = document.activeElement;
    while (el && el.shadowRoot && el.shadowRoot.activeElement) el = el.shadowRoot.activeElement;
    const li = el && el.closest("li[data-id]");
    return { part: (el && el.getAttribute("part")) || "", role: (el && el.getAttribute("role")) || "", id: (li && li.dataset.id) || "" };
  })()`);

/** The toolbar's buttons' boxes, the toolbar's own, and every other message's row (page-side code as a string: tsx would wrap named functions in a helper the page does not have). */
const LAYOUT = new Function(
  "li",
  `const box = (el) => { const r = el.getBoundingClientRect(); return { x: r.x, y: r.y, width: r.width, height: r.height }; };
  const bar = li.querySelector("[part=actions]");
  return {
    bar: box(bar),
    buttons: [...bar.querySelectorAll(":scope > button")].map(box),
    others: [...li.parentElement.querySelectorAll("li[data-id]")].filter((x) => x !== li).map(box),
  };`,
) as (li: Element) => { bar: Box; buttons: Box[]; others: Box[] };
const layout = (msg: Locator) => msg.evaluate(LAYOUT);

describe("a message's toolbar and its More menu", { timeout: 300_000, skip: BROWSER_SKIP }, () => {
  let s: TestServer;
  let site: HostSite;
  let browser: Browser;
  let app: string;
  let group: string;
  const users: Record<"ann" | "ben" | "cat", AuthResponse> = {} as never;
  const email = (who: string) => `${who}.toolbar@example.com`;
  const texts: string[] = [];

  /** Ann (the group's owner) in the group, on a device, in a theme and a language. */
  async function open(device: typeof PHONE_800 | typeof DESKTOP_1280, theme: "light" | "dark", lang = "en"): Promise<DeviceTab> {
    const html = withViewportMeta(hostPageHtml({ parleyUrl: s.url, appId: app, theme })).replace('<html lang="en">', `<html lang="${lang}">`);
    const tab = await openDevicePage(browser, site.page(`/${theme}-${lang}-${device.viewport.width}`, html), device, { colorScheme: theme });
    await loginViaForm(tab.page, { email: email("ann"), password: PASSWORD });
    await tab.page.locator(`[part=conversation][data-id="${group}"]`).click({ timeout: 15_000 });
    await tab.page.locator("parley-thread [part=composer-input]").waitFor({ state: "visible" });
    await messageWithText(tab.page, texts.at(-1)!).waitFor({ timeout: 15_000 });
    // The mouse out of the list: the sign-in's clicks left it there, and the message under it
    // would take the toolbar whenever the list's layout moves (a phone has no mouse at all).
    await tab.page.mouse.move(0, 0);
    return tab;
  }

  /** Shows `msg`'s toolbar as a mouse or a finger would. */
  async function showToolbar(msg: Locator, touch: boolean): Promise<void> {
    if (!touch) return showMessageToolbar(msg);
    await msg.locator("[part=message-text]").tap();
    await msg.locator("[part=action-more]").waitFor({ state: "visible" });
  }

  /** The toolbar is one row of buttons, as tall as one, covering no other message. */
  async function assertOneRow(msg: Locator, where: string): Promise<void> {
    const { bar, buttons, others } = await layout(msg);
    assert.equal(buttons.length, 6, `${where}: three quick reactions, more reactions, reply, More`);
    const tops = buttons.map((b) => b.y);
    assert.ok(Math.max(...tops) - Math.min(...tops) <= 2, `${where}: one row: tops ${tops.join(", ")}`);
    const tallest = Math.max(...buttons.map((b) => b.height));
    assert.ok(tallest >= 44, `${where}: 44 px targets (${tallest})`);
    assert.ok(bar.height <= tallest + 8, `${where}: the toolbar (${bar.height} px) is one button row (${tallest} px)`);
    const covered = others.filter((o) => overlap(bar, o));
    assert.deepEqual(covered, [], `${where}: the toolbar covers no other message`);
  }

  /** The open menu is inside the panel and the message list; so is the toolbar. */
  async function assertInsidePanel(page: Page, msg: Locator, where: string): Promise<void> {
    const panel = (await page.locator("[part=panel]").boundingBox())!;
    const list = (await page.locator("parley-thread [part=messages]").boundingBox())!;
    const bar = (await msg.locator("[part=actions]").boundingBox())!;
    const menu = (await msg.locator("[part=action-menu]").boundingBox())!;
    for (const [name, b] of [
      ["toolbar", bar],
      ["menu", menu],
    ] as const) {
      assert.ok(inside(b, panel), `${where}: the ${name} ${JSON.stringify(b)} is inside the panel ${JSON.stringify(panel)}`);
      assert.ok(inside(b, list), `${where}: the ${name} ${JSON.stringify(b)} is inside the message list ${JSON.stringify(list)}`);
    }
  }

  before(async () => {
    s = await startServer();
    site = await startHostSite();
    app = (await s.createTenant("Toolbar", [site.origin])).id;
    for (const [who, name] of [
      ["ann", "Ann Tool"],
      ["ben", "Ben Tool"],
      ["cat", "Cat Tool"],
    ] as const)
      users[who] = await s.api.register(app, { email: email(who), password: PASSWORD, displayName: name });
    const created = await s.api.post<{ conversation: Conversation }>("/conversations", {
      app,
      token: users.ann.accessToken,
      body: { name: "Workshop", memberIds: [users.ben.user.id, users.cat.user.id] },
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    group = created.body.conversation.id;
    // Enough messages to fill the list, so that the newest ones sit at its bottom.
    for (let i = 1; i <= 16; i++) {
      const who = i % 3 === 0 ? "ann" : i % 2 ? "ben" : "cat";
      const text = `${who} says: note number ${i} about the workshop`;
      const r = await s.api.post<Message>(`/conversations/${group}/messages`, { app, token: users[who].accessToken, body: { text } });
      assert.equal(r.status, 201, JSON.stringify(r.body));
      texts.push(text);
    }
    browser = await launchBrowser();
    await mkdir(SCREENSHOTS, { recursive: true });
  });
  after(async () => {
    await browser?.close();
    await site?.close();
    await s?.close();
  });

  test("desktop, light: one row; the menu opens by click, closes by a click outside; Pin from it reaches the server; axe clean", async () => {
    const { page, context, errors } = await open(DESKTOP_1280, "light");
    // A message of Ben's, in the middle of the list, then the newest one (at the list's bottom).
    const msg = messageWithText(page, "note number 13");
    await msg.scrollIntoViewIfNeeded();
    await showToolbar(msg, false);
    await assertOneRow(msg, "desktop");
    const more = msg.locator("[part=action-more]");
    assert.equal(await more.getAttribute("aria-haspopup"), "menu");
    assert.equal(await more.getAttribute("aria-expanded"), "false");
    assert.equal(await more.getAttribute("aria-label"), "More actions");
    // What moved into the menu is not in the toolbar.
    for (const part of ["action-thread", "action-report", "action-pin", "action-mute", "action-ban", "action-delete"])
      await expectCount(msg.locator(`[part=${part}]`), 0);

    await more.click();
    const menu = msg.locator("[part=action-menu]");
    await menu.waitFor({ state: "visible" });
    assert.equal(await more.getAttribute("aria-expanded"), "true");
    assert.equal(await menu.getAttribute("role"), "menu");
    assert.equal(await menu.getAttribute("aria-label"), "More actions");
    const items = menu.locator("[role=menuitem]");
    // Ann owns the group; Ben is a plain member: Reply in thread, Report, Pin, Remind me, Mute, Delete, Ban.
    assert.deepEqual(await items.evaluateAll((els) => els.map((e) => e.getAttribute("part"))), [
      "action-thread",
      "action-report",
      "action-pin",
      "action-remind",
      "action-mute",
      "action-delete",
      "action-ban",
    ]);
    assert.deepEqual(
      (await items.allTextContents()).map((t) => t.trim()),
      ["Reply in thread", "Report", "Pin", "Remind me", "Mute sender", "Delete", "Ban sender"],
    );
    await eventually(() => focused(page), { check: (f) => f.part === "action-thread", message: "the first item has the focus" });
    await assertInsidePanel(page, msg, "desktop light");
    assert.deepEqual(await axeSerious(page), [], "axe, 1280 px, light, the menu open");
    await page.locator("[part=panel]").screenshot({ path: path.join(SCREENSHOTS, "message-toolbar-desktop-light.png") });

    // A click outside (the message box) closes it.
    await page.locator("parley-thread [part=composer-input]").click();
    await expectCount(menu, 0);
    assert.equal(await more.getAttribute("aria-expanded"), "false");

    // Pin, from the menu: the server has it, and the menu is closed.
    await msg.hover();
    await more.click();
    await menu.locator("[part=action-pin]").click();
    await expectText(page.locator("[part=toast]"), "Message pinned");
    await expectCount(menu, 0);
    await msg.locator("[part=pin-mark]").waitFor();
    const pins = await s.api.get<PinsResponse>(`/conversations/${group}/pins`, { app, token: users.ben.accessToken });
    assert.equal(pins.status, 200, JSON.stringify(pins.body));
    assert.deepEqual(
      pins.body.pins.map((p) => p.message.text),
      [texts[12]],
      "pinned on the server",
    );
    // Pressing ⋯ again shows Unpin; pressing it once more closes the menu.
    await msg.hover();
    await more.click();
    await expectText(menu.locator("[part=action-pin]"), "Unpin");
    await more.click();
    await expectCount(menu, 0);

    // Ann's own message: the toolbar ends where her bubble ends; Edit instead of Report, no Mute or Ban.
    const mine = messageWithText(page, "note number 12");
    await showToolbar(mine, false);
    await assertOneRow(mine, "desktop, the visitor's own message");
    const ends = await mine.evaluate((li) => [
      li.querySelector(".bubble")!.getBoundingClientRect().right,
      li.querySelector("[part=actions]")!.getBoundingClientRect().right,
    ]);
    assert.ok(Math.abs(ends[0]! - ends[1]!) <= 1, `the toolbar ends with the bubble: ${ends.join(", ")}`);
    await mine.locator("[part=action-more]").click();
    assert.deepEqual(await mine.locator("[part=action-menu] [role=menuitem]").evaluateAll((els) => els.map((e) => e.getAttribute("part"))), [
      "action-thread",
      "action-edit",
      "action-pin",
      "action-remind",
      "action-delete",
    ]);
    await assertInsidePanel(page, mine, "desktop light, the visitor's own message");
    await page.keyboard.press("Escape");
    await expectCount(mine.locator("[part=action-menu]"), 0);

    // The newest message sits at the bottom of the list: its menu opens above its toolbar.
    const last = messageWithText(page, "note number 16");
    await showToolbar(last, false);
    await assertOneRow(last, "desktop, the newest message");
    await last.locator("[part=action-more]").click();
    const lastMenu = last.locator("[part=action-menu]");
    await lastMenu.waitFor({ state: "visible" });
    const [bar, up] = [(await last.locator("[part=actions]").boundingBox())!, (await lastMenu.boundingBox())!];
    assert.ok(up.y + up.height <= bar.y + 1, `above the toolbar: menu ${JSON.stringify(up)}, toolbar ${JSON.stringify(bar)}`);
    await assertInsidePanel(page, last, "desktop light, the newest message");
    assert.deepEqual(errors, []);
    await context.close();
  });

  test("keyboard: Enter on the message, Tab to More, Enter opens the menu on its first item; arrows move; Escape and Tab close it", async () => {
    const { page, context, errors } = await open(DESKTOP_1280, "dark");
    const msg = messageWithText(page, "note number 11");
    await msg.scrollIntoViewIfNeeded();
    await msg.focus();
    await page.keyboard.press("Enter");
    await eventually(() => focused(page), { check: (f) => f.part === "action-react", message: "the toolbar's first button has the focus" });
    // 👍 ❤️ 😂, +, Reply, then More.
    for (let i = 0; i < 5; i++) await page.keyboard.press("Tab");
    assert.equal((await focused(page)).part, "action-more");
    const more = msg.locator("[part=action-more]");
    const menu = msg.locator("[part=action-menu]");

    await page.keyboard.press("Enter");
    await eventually(() => focused(page), {
      check: (f) => f.part === "action-thread" && f.role === "menuitem",
      message: "Enter: the first item has the focus",
    });
    assert.equal(await more.getAttribute("aria-expanded"), "true");
    await page.keyboard.press("ArrowDown");
    assert.equal((await focused(page)).part, "action-report");
    await page.keyboard.press("ArrowDown");
    assert.equal((await focused(page)).part, "action-pin");
    await page.keyboard.press("ArrowUp");
    assert.equal((await focused(page)).part, "action-report");
    await page.keyboard.press("End");
    assert.equal((await focused(page)).part, "action-ban");
    await page.keyboard.press("ArrowDown");
    assert.equal((await focused(page)).part, "action-thread", "ArrowDown on the last item goes round to the first");
    await page.keyboard.press("ArrowUp");
    assert.equal((await focused(page)).part, "action-ban", "ArrowUp on the first goes round to the last");
    await page.keyboard.press("Home");
    assert.equal((await focused(page)).part, "action-thread");

    // Escape closes the menu (not the panel) and gives the focus back to More.
    await page.keyboard.press("Escape");
    await expectCount(menu, 0);
    assert.equal((await focused(page)).part, "action-more");
    assert.equal(await more.getAttribute("aria-expanded"), "false");
    assert.ok(await page.locator("[part=panel]").isVisible(), "the panel is still open");
    // Escape again: back to the message, as before.
    await page.keyboard.press("Escape");
    assert.deepEqual(await focused(page), { part: "message", role: "", id: await msg.getAttribute("data-id") });

    // Space opens it too; Tab closes it and goes on from More.
    await page.keyboard.press("Enter");
    await eventually(() => focused(page), { check: (f) => f.part === "action-react" });
    for (let i = 0; i < 5; i++) await page.keyboard.press("Tab");
    await page.keyboard.press("Space");
    await eventually(() => focused(page), { check: (f) => f.part === "action-thread", message: "Space: the first item has the focus" });
    await page.screenshot({ path: path.join(SCREENSHOTS, "message-toolbar-desktop-dark.png"), clip: (await page.locator("[part=panel]").boundingBox())! });
    assert.deepEqual(await axeSerious(page), [], "axe, 1280 px, dark, the menu open");
    await page.keyboard.press("Tab");
    await expectCount(menu, 0);
    const after = await focused(page);
    assert.notEqual(after.role, "menuitem", "Tab left the menu");
    assert.notEqual(after.part, "action-more", "Tab went on from More");

    // Enter on an item runs it: Reply in thread opens the thread with its reply box focused.
    await msg.focus();
    await page.keyboard.press("Enter");
    await eventually(() => focused(page), { check: (f) => f.part === "action-react" });
    for (let i = 0; i < 5; i++) await page.keyboard.press("Tab");
    await page.keyboard.press("Enter");
    await eventually(() => focused(page), { check: (f) => f.part === "action-thread" });
    await page.keyboard.press("Enter");
    await page.locator("parley-replies [part=empty]").waitFor();
    await expectCount(menu, 0);
    assert.deepEqual(errors, []);
    await context.close();
  });

  for (const theme of ["light", "dark"] as const) {
    test(`phone, ${theme}: by touch, one row, the menu inside the panel (above the toolbar at the bottom); axe clean`, async () => {
      const { page, context, errors } = await open(PHONE_800, theme);
      const panel = (await page.locator("[part=panel]").boundingBox())!;
      assert.deepEqual([panel.width, panel.height], [390, 800], "the panel fills the phone");
      const last = messageWithText(page, "note number 16");
      await showToolbar(last, true);
      await assertOneRow(last, `phone ${theme}`);
      await last.locator("[part=action-more]").tap();
      const menu = last.locator("[part=action-menu]");
      await menu.waitFor({ state: "visible" });
      await assertInsidePanel(page, last, `phone ${theme}`);
      for (const b of await menu.locator("[role=menuitem]").evaluateAll((els) => els.map((e) => e.getBoundingClientRect().height)))
        assert.ok(b >= 44, `44 px items (${b})`);
      assert.deepEqual(await axeSerious(page), [], `axe, 390 px, ${theme}, the menu open`);
      await page.screenshot({ path: path.join(SCREENSHOTS, `message-toolbar-phone-${theme}.png`) });
      // A tap outside (the message box) closes it.
      await page.locator("parley-thread [part=composer-input]").tap();
      await expectCount(menu, 0);
      assert.deepEqual(errors, []);
      await context.close();
    });
  }

  for (const [device, name] of [
    [PHONE_800, "phone"],
    [DESKTOP_1280, "desktop"],
  ] as const) {
    test(`Arabic, right to left, ${name}: the toolbar and the menu in Arabic, mirrored, inside the panel`, async () => {
      const { page, context, errors } = await open(device, name === "phone" ? "dark" : "light", "ar");
      const touch = name === "phone";
      for (const text of ["note number 13", "note number 16", "note number 15"]) {
        const msg = messageWithText(page, text);
        await msg.scrollIntoViewIfNeeded();
        await showToolbar(msg, touch);
        await assertOneRow(msg, `Arabic ${name}, ${text}`);
        const more = msg.locator("[part=action-more]");
        assert.equal(await more.getAttribute("aria-label"), "المزيد من الإجراءات");
        if (touch) await more.tap();
        else await more.click();
        const menu = msg.locator("[part=action-menu]");
        await menu.waitFor({ state: "visible" });
        assert.equal(await menu.evaluate((el) => getComputedStyle(el).direction), "rtl");
        await expectText(menu.locator("[part=action-thread]"), "الرد في سلسلة");
        // Right to left: the first quick reaction is the rightmost, More the leftmost.
        const { buttons } = await layout(msg);
        assert.ok(buttons[0]!.x > buttons[5]!.x, `mirrored: ${JSON.stringify(buttons.map((b) => b.x))}`);
        await assertInsidePanel(page, msg, `Arabic ${name}, ${text}`);
        if (text === "note number 16") {
          assert.deepEqual(await axeSerious(page), [], `axe, Arabic, ${name}, the menu open`);
          await page.screenshot(
            touch
              ? { path: path.join(SCREENSHOTS, "message-toolbar-rtl-phone.png") }
              : { path: path.join(SCREENSHOTS, "message-toolbar-rtl-desktop.png"), clip: (await page.locator("[part=panel]").boundingBox())! },
          );
        }
        await page.keyboard.press("Escape");
        await expectCount(menu, 0);
      }
      assert.deepEqual(errors, []);
      await context.close();
    });
  }
});
