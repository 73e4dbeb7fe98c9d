// Message actions without a mouse: keyboard-only and touch-only runs reach every action, a delete
// can be undone, and focus lands predictably; the thread is a few tab stops, not one per message.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { Browser, Page } from "playwright-core";
import type { AuthResponse, Message, Page as ApiPage } from "@parley/sdk/protocol";
import { startServer, type TestServer } from "../../server/test/helpers/harness.js";
import {
  BROWSER_SKIP,
  eventually,
  expectCount,
  hostPageHtml,
  launchBrowser,
  loginViaForm,
  messageWithText,
  startHostSite,
  type HostSite,
} from "./helpers/browser.js";
import { DESKTOP, PHONE, openDevicePage, withViewportMeta } from "./helpers/devices.js";

/** The focused element, through shadow roots: its tag, part, data-id and text. */
const focused = (page: Page) =>
  page.evaluate<{ tag: string; part: string; id: string; text: string }>(`(() => {
    let el = document.activeElement;
    while (el && el.shadowRoot && el.shadowRoot.activeElement) el = el.shadowRoot.activeElement;
    return { tag: el ? el.tagName.toLowerCase() : "", part: (el && el.getAttribute("part")) || "", id: (el && el.getAttribute("data-id")) || "", text: ((el && el.textContent) || "").trim().slice(0, 40) };
  })()`);

describe("message actions by keyboard and by touch", { timeout: 180_000, skip: BROWSER_SKIP }, () => {
  let s: TestServer;
  let site: HostSite;
  let browser: Browser;
  let app: string;
  let url: string;
  let ann: AuthResponse, ben: AuthResponse;
  let dm = "";
  const ids: Record<string, string> = {};
  const pw = "correct horse battery";
  const annLogin = { email: "ann.keys@example.com", password: pw };

  before(async () => {
    s = await startServer();
    site = await startHostSite();
    app = (await s.createTenant("Keys", [site.origin])).id;
    url = site.page("/", withViewportMeta(hostPageHtml({ parleyUrl: s.url, appId: app })));
    ann = await s.api.register(app, { ...annLogin, displayName: "Ann Keys" });
    ben = await s.api.register(app, { email: "ben.keys@example.com", password: pw, displayName: "Ben Keys" });
    dm = (await s.api.post("/conversations/direct", { token: ann.accessToken, body: { userId: ben.user.id } })).body.conversation.id;
    for (const [who, text] of [
      [ben, "first from Ben"],
      [ann, "keep me"],
      [ann, "delete me, then undo"],
      [ann, "really delete me"],
      [ben, "last from Ben"],
    ] as const) {
      ids[text] = (await s.api.post(`/conversations/${dm}/messages`, { token: who.accessToken, body: { text } })).body.id;
    }
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await site?.close();
    await s?.close();
  });

  const stored = async (): Promise<Message[]> => (await s.api.get<ApiPage<Message>>(`/conversations/${dm}/messages`, { token: ben.accessToken })).body.items;
  const press = async (page: Page, key: string, times = 1) => {
    for (let i = 0; i < times; i++) await page.keyboard.press(key);
  };
  const tabTo = async (page: Page, want: (f: Awaited<ReturnType<typeof focused>>) => boolean, what: string, max = 12, key = "Tab"): Promise<number> => {
    const seen: string[] = [];
    for (let i = 0; i <= max; i++) {
      const f = await focused(page);
      if (want(f)) return i;
      seen.push(f.part || f.tag);
      await page.keyboard.press(key);
    }
    assert.fail(`${key} never reached ${what}: ${seen.join(" → ")}`);
  };
  /** From the toolbar's first button: Tab to More (⋯), Enter opens its menu on its first item. */
  const openMoreMenu = async (page: Page): Promise<void> => {
    await tabTo(page, (f) => f.part === "action-more", "More", 5);
    await press(page, "Enter");
    await eventually(() => focused(page), { check: (f) => f.part === "action-thread", message: "the menu's first item has the focus" });
  };

  test("keyboard only: the thread is a handful of tab stops, arrows move between messages, Enter opens the actions, a delete is undone and focus lands on the message", async () => {
    const { page, context } = await openDevicePage(browser, url, DESKTOP);
    await loginViaForm(page, annLogin);
    await page.locator(`[part=conversation][data-id="${dm}"]`).focus();
    await press(page, "Enter");
    await eventually(() => focused(page), { check: (f) => f.part === "composer-input", message: "opening a conversation focuses the composer" });

    // From the panel's first control to the composer: a few stops, however long the thread.
    await page.locator("[part=back]").focus();
    const stops = await tabTo(page, (f) => f.part === "composer-input", "the composer");
    // back, voice call, video call (a DM, where the browser has WebRTC), search, details, close,
    // skip link, the message list, the file button: then the composer.
    assert.ok(stops <= 9, `${stops} tab stops from the header to the composer`);
    // The skip link is one of them and jumps straight to the composer.
    await page.locator("[part=back]").focus();
    await tabTo(page, (f) => f.part === "skip", "the skip link");
    assert.ok((await page.locator("[part=skip]").boundingBox())!.width > 40, "the skip link is visible when focused");
    await press(page, "Enter");
    assert.equal((await focused(page)).part, "composer-input");

    // Shift+Tab from the composer reaches the list's one tab stop: the newest message.
    await tabTo(page, (f) => f.part === "message", "a message", 6, "Shift+Tab");
    assert.equal((await focused(page)).id, ids["last from Ben"]);
    await press(page, "ArrowUp");
    assert.equal((await focused(page)).id, ids["really delete me"]);
    await press(page, "ArrowUp");
    assert.equal((await focused(page)).id, ids["delete me, then undo"]);

    // Enter opens its actions; Escape goes back to the message; Enter again, then Delete.
    await press(page, "Enter");
    await eventually(() => focused(page), { check: (f) => f.part === "action-react" });
    await press(page, "Escape");
    assert.equal((await focused(page)).id, ids["delete me, then undo"]);
    await press(page, "Enter");
    await eventually(() => focused(page), { check: (f) => f.part === "action-react" });
    // Past the three quick reactions, "+" (the emoji picker) and Reply to More (⋯), whose menu opens
    // on its first item (Reply in thread); then down it to Delete (past Edit, Pin and Remind me).
    await openMoreMenu(page);
    await tabTo(page, (f) => f.part === "action-delete", "Delete", 4, "ArrowDown");
    await press(page, "Enter");
    await expectCount(messageWithText(page, "delete me, then undo"), 0);
    // Focus goes to the next message, never to <body>.
    assert.equal((await focused(page)).id, ids["really delete me"]);
    const undo = page.locator("[part=toast] [part=undo]");
    await undo.waitFor({ state: "visible" });
    await tabTo(page, (f) => f.part === "undo", "Undo", 15);
    await press(page, "Enter");
    await messageWithText(page, "delete me, then undo").waitFor({ state: "visible" });
    await eventually(() => focused(page), { check: (f) => f.id === ids["delete me, then undo"], message: "focus returns to the restored message" });

    // A second delete goes through once its undo window ends; the undone one never did.
    await press(page, "ArrowDown");
    assert.equal((await focused(page)).id, ids["really delete me"]);
    await press(page, "Enter");
    await eventually(() => focused(page), { check: (f) => f.part === "action-react" });
    await openMoreMenu(page);
    await tabTo(page, (f) => f.part === "action-delete", "Delete", 4, "ArrowDown");
    await press(page, "Enter");
    await eventually(stored, {
      timeout: 15_000,
      check: (ms) => !!ms.find((m) => m.id === ids["really delete me"])?.deletedAt,
      message: "the delete reaches the server after the undo window",
    });
    assert.equal((await stored()).find((m) => m.id === ids["delete me, then undo"])?.deletedAt ?? null, null, "the undone delete never reached the server");
    await page.locator(`[part=message][data-id="${ids["really delete me"]}"] [part=deleted]`).waitFor();
    await context.close();
  });

  test("touch only: a tap shows a message's actions, React/Reply/Edit/Delete work by tap, and Undo brings a deleted message back", async () => {
    const { page, context } = await openDevicePage(browser, url, PHONE);
    await loginViaForm(page, annLogin);
    await page.locator(`[part=conversation][data-id="${dm}"]`).tap();
    const keep = messageWithText(page, "keep me");
    await keep.waitFor();
    await keep.tap();
    await keep.locator("[part=action-react]").first().tap();
    await eventually(stored, { check: (ms) => (ms.find((m) => m.id === ids["keep me"])?.reactions.length ?? 0) === 1, message: "reaction by tap" });

    await keep.tap();
    await keep.locator("[part=action-more]").tap();
    await keep.locator("[part=action-edit]").tap();
    await page.locator("[part=composer-input]").fill("keep me, edited by tap");
    await page.locator("[part=send]").tap();
    await eventually(stored, { check: (ms) => ms.find((m) => m.id === ids["keep me"])?.text === "keep me, edited by tap", message: "edit by tap" });

    const victim = page.locator(`[part=message][data-id="${ids["delete me, then undo"]}"]`);
    await victim.tap();
    await victim.locator("[part=action-more]").tap();
    await victim.locator("[part=action-delete]").tap();
    await expectCount(victim, 0);
    await page.locator("[part=undo]").tap();
    await victim.waitFor({ state: "visible" });
    assert.equal((await focused(page)).id, ids["delete me, then undo"]);
    await context.close();
  });
});
