// Pins in the widget (issue 33), in Chromium with a real server: Ann, who owns the group, pins a
// message from its actions by keyboard ("Message pinned"); the 📌 mark ("Pinned by Ann Pin" for
// screen readers) appears in Ben's widget live (message.updated); Ben, a plain member, has no Pin
// action. The pinned list, from the header's details (a chunk of its own): empty at first ("No
// pinned messages"), then newest first with sender, text and time; choosing one closes the
// details and shows the message in the conversation, focused; Unpin only for those who may; a
// pinned message's deletion takes it from the open list (pin.updated). Hebrew right to left; axe at
// 390 px dark and 1100 px dark. Screenshots: docs/screenshots/pins-phone-dark.png, pins-desktop-dark.png.
import assert from "node:assert/strict";
import { mkdir } from "node:fs/promises";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import type { Browser, Page } from "playwright-core";
import type { AuthResponse, Conversation, Message } from "@parley/sdk/protocol";
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
  messageAction,
  messageWithText,
  openConversation,
  startHostSite,
  type HostSite,
} from "./helpers/browser.js";
import { DESKTOP, openDevicePage, PHONE, withViewportMeta, type DeviceTab } from "./helpers/devices.js";

const SCREENSHOTS = path.resolve(import.meta.dirname, "../../docs/screenshots");
const PASSWORD = "correct horse battery";
/** The pinned list's chunk, as the build names it. */
const PINS_CHUNK = /\/parley-pins-[\w-]+\.js$/;

/** The focused element, through shadow roots: its part and the message it is in. */
const focused = (page: Page) =>
  page.evaluate<{ part: string; id: string }>(`(() => {
    let el = document.activeElement;
    while (el && el.shadowRoot && el.shadowRoot.activeElement) el = el.shadowRoot.activeElement;
    return { part: (el && el.getAttribute("part")) || "", id: (el && el.closest("li[data-id]") && el.closest("li[data-id]").dataset.id) || "" };
  })()`);

describe("pins in the widget", { timeout: 300_000, skip: BROWSER_SKIP }, () => {
  let s: TestServer;
  let site: HostSite;
  let browser: Browser;
  let app: string;
  let group: string;
  let dm = "";
  const users: Record<"ann" | "ben" | "cat", AuthResponse> = {} as never;
  const email = (who: string) => `${who}.pins@example.com`;
  const msgs: Record<string, Message> = {};
  let ann: DeviceTab & { chunks: string[] };
  let ben: DeviceTab & { chunks: string[] };

  async function open(who: keyof typeof users, device: typeof DESKTOP | typeof PHONE, lang = "en") {
    const html = withViewportMeta(hostPageHtml({ parleyUrl: s.url, appId: app, theme: "dark" })).replace('<html lang="en">', `<html lang="${lang}">`);
    const tab = await openDevicePage(browser, site.page(`/${who}-${lang}`, html), device, { colorScheme: "dark" });
    const chunks: string[] = [];
    tab.page.on("request", (r) => PINS_CHUNK.test(new URL(r.url()).pathname) && chunks.push("pins"));
    await loginViaForm(tab.page, { email: email(who), password: PASSWORD });
    await tab.page.locator(`[part=conversation][data-id="${group}"]`).click({ timeout: 15_000 });
    await tab.page.locator("parley-thread [part=composer-input]").waitFor({ state: "visible" });
    return { ...tab, chunks };
  }
  const post = async (who: keyof typeof users, text: string): Promise<Message> => {
    const r = await s.api.post<Message>(`/conversations/${group}/messages`, { app, token: users[who].accessToken, body: { text } });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    return r.body;
  };
  /** Opens the details from the header and shows the pinned list. */
  async function openPins(page: Page): Promise<void> {
    await page.locator("[part=info]").click();
    await page.locator("[part=pins-button]").click();
    await page.locator("parley-pins").waitFor();
    assert.equal(await page.locator("[part=pins-button]").getAttribute("aria-expanded"), "true");
  }

  before(async () => {
    s = await startServer();
    site = await startHostSite();
    app = (await s.createTenant("Pins widget", [site.origin])).id;
    for (const [who, name] of [
      ["ann", "Ann Pin"],
      ["ben", "Ben Pin"],
      ["cat", "Cat Pin"],
    ] as const)
      users[who] = await s.api.register(app, { email: email(who), password: PASSWORD, displayName: name });
    const created = await s.api.post<{ conversation: Conversation }>("/conversations", {
      app,
      token: users.ann.accessToken,
      body: { name: "Newsroom", memberIds: [users.ben.user.id, users.cat.user.id] },
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    group = created.body.conversation.id;
    msgs.first = await post("ben", "First news: the press is fixed");
    msgs.second = await post("cat", "Second news: deadline moved to Monday");
    msgs.third = await post("ann", "Third news: coffee machine");
    dm = (await s.api.post<{ conversation: Conversation }>("/conversations/direct", { app, token: users.cat.accessToken, body: { userId: users.ben.user.id } }))
      .body.conversation.id;
    const r = await s.api.post<Message>(`/conversations/${dm}/messages`, { app, token: users.cat.accessToken, body: { text: "Just between us: the menu" } });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await site?.close();
    await s?.close();
  });

  test("the owner pins from the actions by keyboard; the mark appears in Ben's widget live; a plain member has no Pin", async () => {
    ann = await open("ann", DESKTOP);
    ben = await open("ben", PHONE);
    assert.deepEqual(ann.chunks, [], "no pinned list's chunk before it is opened");

    // Ann's list is empty at first.
    await openPins(ann.page);
    await expectText(ann.page.locator("parley-pins [role=status]"), "No pinned messages");
    assert.deepEqual(ann.chunks, ["pins"]);
    await ann.page.locator("[part=back]").click();
    await ann.page.locator("parley-thread [part=composer-input]").waitFor();

    const msg = messageWithText(ann.page, "Second news");
    await msg.focus();
    await ann.page.keyboard.press("Enter");
    await eventually(() => focused(ann.page), { check: (f) => f.part === "action-react" });
    // Tab to the toolbar's More (⋯); Enter opens its menu; down it to Pin.
    for (let i = 0; i < 6 && (await focused(ann.page)).part !== "action-more"; i++) await ann.page.keyboard.press("Tab");
    assert.equal((await focused(ann.page)).part, "action-more");
    await ann.page.keyboard.press("Enter");
    await eventually(() => focused(ann.page), { check: (f) => f.part === "action-thread" });
    for (let i = 0; i < 6 && (await focused(ann.page)).part !== "action-pin"; i++) await ann.page.keyboard.press("ArrowDown");
    assert.equal((await focused(ann.page)).part, "action-pin");
    await ann.page.keyboard.press("Enter");
    await expectText(ann.page.locator("[part=toast]"), "Message pinned");
    await expectText(msg.locator("[part=pin-mark] [aria-hidden]"), "📌 Pinned");

    // Ben's widget: live, with who pinned it for screen readers and as the title.
    const benMsg = messageWithText(ben.page, "Second news");
    const mark = benMsg.locator("[part=pin-mark]");
    await mark.waitFor({ timeout: 10_000 });
    assert.equal(await mark.getAttribute("title"), "Pinned by Ann Pin");
    await expectText(mark.locator(".sr-only"), "Pinned by Ann Pin");

    // Ben is a plain member: his actions (the More menu's) have no Pin.
    await benMsg.click();
    await benMsg.locator("[part=action-more]").click();
    await benMsg.locator("[part=action-menu] [part=action-report]").waitFor();
    assert.equal(await benMsg.locator("[part=action-pin]").count(), 0);
    // Ann's actions on that message now say Unpin.
    await msg.hover();
    await msg.locator("[part=action-more]").click();
    await expectText(msg.locator("[part=action-pin]"), "Unpin");
  });

  test("the pinned list from the header's details: newest first, choosing one shows the message; Unpin only for those who may", async () => {
    // A second pin (newer), by the server API's twin for members.
    assert.equal((await s.api.put(`/messages/${msgs.first!.id}/pin`, { app, token: users.ann.accessToken })).status, 200);
    await messageWithText(ben.page, "First news").locator("[part=pin-mark]").waitFor();
    await openPins(ben.page);
    const rows = ben.page.locator("[part=pin]");
    await expectCount(rows, 2);
    assert.deepEqual(
      (await rows.locator("[part=pin-jump] .text").allTextContents()).map((t) => t.trim()),
      ["First news: the press is fixed", "Second news: deadline moved to Monday"],
      "newest pin first",
    );
    await expectText(rows.first().locator(".who"), /^You \d/);
    await expectText(rows.nth(1).locator(".who"), /^Cat Pin \d/);
    assert.equal(await ben.page.locator("[part=pin-unpin]").count(), 0, "a plain member may not unpin");
    await mkdir(SCREENSHOTS, { recursive: true });
    await ben.page.screenshot({ path: path.join(SCREENSHOTS, "pins-phone-dark.png") });
    assert.deepEqual(await axeSerious(ben.page), [], "axe, 390 px, dark, the pinned list");

    // Choosing one: the details close, the conversation shows the message, focused.
    await rows.nth(1).locator("[part=pin-jump]").click();
    await ben.page.locator("parley-thread [part=composer-input]").waitFor();
    await eventually(() => focused(ben.page), { check: (f) => f.id === msgs.second!.id && f.part === "message", message: "the pinned message has the focus" });
    assert.deepEqual(ben.errors, []);
  });

  test("in a direct conversation either member pins", async () => {
    await openConversation(ben.page, dm);
    const msg = messageWithText(ben.page, "Just between us");
    await messageAction(msg, "action-pin");
    await expectText(ben.page.locator("[part=toast]"), "Message pinned");
    await expectText(msg.locator("[part=pin-mark] .sr-only"), "Pinned by You");
    await openConversation(ben.page, group);
  });

  test("an owner unpins from the list; a pinned message's deletion takes it from the open list", async () => {
    await openPins(ann.page);
    const rows = ann.page.locator("[part=pin]");
    await expectCount(rows, 2);
    await ann.page.screenshot({ path: path.join(SCREENSHOTS, "pins-desktop-dark.png") });
    assert.deepEqual(await axeSerious(ann.page), [], "axe, 1100 px, dark, the pinned list");
    // Unpin the newest: one row left, and Ben's mark goes (live).
    await rows.first().locator("[part=pin-unpin]").click();
    await expectCount(rows, 1);
    await expectCount(messageWithText(ben.page, "First news").locator("[part=pin-mark]"), 0);
    // The other one's message is deleted (by its sender): the list, still open, is empty.
    assert.equal((await s.api.del(`/messages/${msgs.second!.id}`, { app, token: users.cat.accessToken })).status, 204);
    await expectText(ann.page.locator("parley-pins [role=status]"), "No pinned messages");
    const pins = await s.api.get<{ pins: unknown[] }>(`/conversations/${group}/pins`, { app, token: users.ann.accessToken });
    assert.deepEqual(pins.body.pins, []);
    assert.deepEqual(ann.errors, []);
  });

  test("right to left in Hebrew: the mark and the list in Hebrew, axe clean", async () => {
    assert.equal((await s.api.put(`/messages/${msgs.third!.id}/pin`, { app, token: users.ann.accessToken })).status, 200);
    const cat = await open("cat", PHONE, "he");
    const mark = messageWithText(cat.page, "Third news").locator("[part=pin-mark]");
    await mark.waitFor();
    assert.equal(await mark.getAttribute("title"), "הוצמדה על ידי Ann Pin");
    assert.equal(await mark.evaluate((el) => getComputedStyle(el).direction), "rtl");
    await openPins(cat.page);
    await expectText(cat.page.locator("[part=pins-button]"), "📌 הודעות מוצמדות");
    await expectCount(cat.page.locator("[part=pin]"), 1);
    assert.deepEqual(await axeSerious(cat.page), [], "axe, 390 px, dark, Hebrew");
    assert.deepEqual(cat.errors, []);
    await cat.context.close();
  });
});
