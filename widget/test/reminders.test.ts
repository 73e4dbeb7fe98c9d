// Reminders in the widget (issue 55, acceptance 5 and 7), in Chromium with a real server. "Remind
// me" is in a message's ⋯ menu: set by keyboard (↓ to it, Enter; the dialog's first choice has the
// focus; "Reminder set for …" is said; the message has the focus again) and by pointer with "Pick a
// date and time" (a past time refused at the field, then a good one). The profile lists them
// (time, sender, first line); another device of the same user sees each change live; Delete
// removes one everywhere. One set 3 s ahead fires once in the widget, within 5 s of its time: the
// notice names the message, its Open shows the message in its conversation, and the reminder
// leaves both devices' lists. While the tab is hidden (and notifications allowed) a browser
// notification too, once, whose click shows the message. Arabic right to left. axe finds nothing
// serious with the dialog, the list and the notice open. Screenshots
// (docs/screenshots/reminders-*.png): the dialog, the list, the notice; phone (390 px) and desktop,
// light and dark.
import assert from "node:assert/strict";
import { mkdir } from "node:fs/promises";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import type { Browser, Page } from "playwright-core";
import type { AuthResponse, Conversation, Message, Page as ListPage, Reminder } from "@parley/sdk/protocol";
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
  startHostSite,
  type HostSite,
} from "./helpers/browser.js";
import { DESKTOP, openDevicePage, PHONE, withViewportMeta, type DeviceTab } from "./helpers/devices.js";

const SCREENSHOTS = path.resolve(import.meta.dirname, "../../docs/screenshots");
const PASSWORD = "correct horse battery";

/** The focused element, through shadow roots: its part and the message it is in. */
const focused = (page: Page) =>
  page.evaluate<{ part: string; id: string }>(`(() => {
    let el = document.activeElement;
    while (el && el.shadowRoot && el.shadowRoot.activeElement) el = el.shadowRoot.activeElement;
    return { part: (el && el.getAttribute("part")) || "", id: (el && el.closest("li[data-id]") && el.closest("li[data-id]").dataset.id) || "" };
  })()`);

/** Takes `name`-<device>-light.png and -dark.png of what is shown (the widget's theme and the page's colour scheme switched). */
async function shoot(page: Page, name: string, device: "phone" | "desktop"): Promise<void> {
  for (const theme of ["light", "dark"] as const) {
    await page.emulateMedia({ colorScheme: theme });
    await page.evaluate(`document.querySelector("parley-chat").setAttribute("theme", "${theme}")`);
    await page.screenshot({ path: path.join(SCREENSHOTS, `${name}-${device}-${theme}.png`) });
    assert.deepEqual(await axeSerious(page), [], `axe, ${name}, ${device}, ${theme}`);
  }
}

describe("reminders in the widget", { timeout: 300_000, skip: BROWSER_SKIP }, () => {
  let s: TestServer;
  let site: HostSite;
  let browser: Browser;
  let app: string;
  let group: string;
  const users: Record<"ann" | "ben", AuthResponse> = {} as never;
  const email = (who: string) => `${who}.remind@example.com`;
  const msgs: Record<string, Message> = {};
  /** Ann on a desktop, and Ann on a phone: two devices of one user. */
  let desk: DeviceTab;
  let phone: DeviceTab;

  async function open(device: typeof DESKTOP | typeof PHONE, lang = "en"): Promise<DeviceTab> {
    const html = withViewportMeta(hostPageHtml({ parleyUrl: s.url, appId: app, theme: "light" })).replace('<html lang="en">', `<html lang="${lang}">`);
    const tab = await openDevicePage(browser, site.page(`/ann-${lang}-${device.viewport.width}`, html), device);
    await loginViaForm(tab.page, { email: email("ann"), password: PASSWORD });
    return tab;
  }
  async function openGroup(page: Page): Promise<void> {
    await page.locator(`[part=conversation][data-id="${group}"]`).click({ timeout: 15_000 });
    await page.locator("parley-thread [part=composer-input]").waitFor({ state: "visible" });
  }
  async function openProfile(page: Page): Promise<void> {
    if (await page.locator("[part=back]").isVisible()) await page.locator("[part=back]").click();
    await page.locator("[part=profile]").click();
    await page.locator("parley-reminders h3").waitFor();
  }
  const reminders = async (): Promise<Reminder[]> => (await s.api.get<ListPage<Reminder>>("/reminders", { app, token: users.ann.accessToken })).body.items;
  const post = async (text: string): Promise<Message> => {
    const r = await s.api.post<Message>(`/conversations/${group}/messages`, { app, token: users.ben.accessToken, body: { text } });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    return r.body;
  };

  before(async () => {
    s = await startServer();
    site = await startHostSite();
    app = (await s.createTenant("Reminders widget", [site.origin])).id;
    users.ann = await s.api.register(app, { email: email("ann"), password: PASSWORD, displayName: "Ann Lee" });
    users.ben = await s.api.register(app, { email: email("ben"), password: PASSWORD, displayName: "Ben Okafor" });
    const created = await s.api.post<{ conversation: Conversation }>("/conversations", {
      app,
      token: users.ben.accessToken,
      body: { name: "Launch team", memberIds: [users.ann.user.id] },
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    group = created.body.conversation.id;
    msgs.slides = await post("Can you send me the slides before the review? The **client** wants the numbers on page 3.");
    msgs.lunch = await post("Lunch at noon on Friday, the place by the river");
    msgs.invoice = await post("Don't forget the invoice for October");
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await site?.close();
    await s?.close();
  });

  test("Remind me by keyboard: ⋯, ↓ to it, Enter; a choice; said; the reminder is on the server, the focus back on the message", async () => {
    desk = await open(DESKTOP);
    await openGroup(desk.page);
    const msg = messageWithText(desk.page, "Can you send me the slides");
    await msg.focus();
    await desk.page.keyboard.press("Enter");
    await eventually(() => focused(desk.page), { check: (f) => f.part === "action-react" });
    for (let i = 0; i < 6 && (await focused(desk.page)).part !== "action-more"; i++) await desk.page.keyboard.press("Tab");
    await desk.page.keyboard.press("Enter");
    await eventually(() => focused(desk.page), { check: (f) => f.part === "action-thread" });
    for (let i = 0; i < 8 && (await focused(desk.page)).part !== "action-remind"; i++) await desk.page.keyboard.press("ArrowDown");
    assert.equal((await focused(desk.page)).part, "action-remind");
    await desk.page.keyboard.press("Enter");
    const dialog = desk.page.locator("parley-remind [part=remind-dialog]");
    await dialog.waitFor({ state: "visible" });
    await expectText(dialog.locator("h3"), "Remind me");
    assert.deepEqual(
      (await dialog.locator("[part=remind-choice]").allTextContents()).map((t) => t.trim().replace(/\d{1,2}:\d{2}.*$/, "TIME")),
      ["In 20 minutes", "In 1 hour", "Tomorrow, TIME"],
    );
    await eventually(() => focused(desk.page), { check: (f) => f.part === "remind-choice", message: "the first choice has the focus" });
    await mkdir(SCREENSHOTS, { recursive: true });
    await shoot(desk.page, "reminders-dialog", "desktop");
    // Tab to "In 1 hour", Enter.
    await desk.page.keyboard.press("Tab");
    const before = Date.now();
    await desk.page.keyboard.press("Enter");
    await expectText(desk.page.locator("[part=toast]"), /^Reminder set for /);
    assert.equal(await desk.page.locator(".toast-slot").getAttribute("role"), "status", "the notice is said to screen readers");
    await expectCount(desk.page.locator("parley-remind"), 0);
    await eventually(() => focused(desk.page), { check: (f) => f.part === "message" && f.id === msgs.slides!.id, message: "the message has the focus again" });
    const [r] = await reminders();
    assert.equal(r?.messageId, msgs.slides!.id);
    const ahead = Date.parse(r!.remindAt) - before;
    assert.ok(ahead > 59 * 60_000 && ahead < 61 * 60_000, `in an hour (${ahead} ms)`);
  });

  test("Remind me by pointer with a date and time: a past time refused at the field, then set", async () => {
    phone = await open(PHONE);
    await openGroup(phone.page);
    const msg = messageWithText(phone.page, "Lunch at noon");
    await messageAction(msg, "action-remind");
    const dialog = phone.page.locator("parley-remind [part=remind-dialog]");
    await dialog.waitFor({ state: "visible" });
    await dialog.locator("[part=remind-pick]").click();
    assert.equal(await dialog.locator("[part=remind-pick]").getAttribute("aria-expanded"), "true");
    const field = dialog.locator("[part=remind-when]");
    await eventually(() => focused(phone.page), { check: (f) => f.part === "remind-when", message: "the field has the focus" });
    await field.fill("2020-01-01T09:00");
    await dialog.locator("[part=remind-save]").click();
    await expectText(dialog.locator("[part=remind-error]"), "Choose a time in the future.");
    assert.equal(await field.getAttribute("aria-invalid"), "true");
    assert.equal(await field.getAttribute("aria-describedby"), "remind-error", "the error describes the field");
    await shoot(phone.page, "reminders-dialog", "phone");
    const at = new Date(Date.now() + 2 * 86_400_000);
    at.setHours(14, 30, 0, 0);
    const local = new Date(at.getTime() - at.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
    await field.fill(local);
    await expectCount(dialog.locator("[part=remind-error]"), 0);
    await dialog.locator("[part=remind-save]").click();
    await expectText(phone.page.locator("[part=toast]"), /^Reminder set for /);
    await eventually(reminders, { check: (l) => l.some((x) => x.messageId === msgs.lunch!.id && Date.parse(x.remindAt) === at.getTime()) });
  });

  test("the profile lists them, soonest first, with sender and first line; another device sees each change; Delete removes one", async () => {
    await openProfile(desk.page);
    await openProfile(phone.page);
    for (const tab of [desk, phone]) {
      const rows = tab.page.locator("[part=reminder]");
      await expectCount(rows, 2);
      await expectText(rows.first().locator(".text"), "Ben Okafor Can you send me the slides before the review? The client wants the numbers on p…");
      await expectText(rows.nth(1).locator(".text"), "Ben Okafor Lunch at noon on Friday, the place by the river");
    }
    // A third, set by the server API (as another device would): both lists get it at once.
    const r = await s.api.post<Reminder>(`/messages/${msgs.invoice!.id}/reminders`, {
      app,
      token: users.ann.accessToken,
      body: { remindAt: new Date(Date.now() + 30 * 60_000).toISOString() },
    });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    for (const tab of [desk, phone]) await expectText(tab.page.locator("[part=reminder]").first().locator(".text"), /Don't forget the invoice/);
    await shoot(desk.page, "reminders-list", "desktop");
    await shoot(phone.page, "reminders-list", "phone");
    // Delete on the desktop: gone there and on the phone, and on the server.
    await desk.page.locator(`[part=reminder][data-id="${r.body.id}"] [part=reminder-delete]`).click();
    await expectText(desk.page.locator("[part=toast]"), "Reminder deleted");
    for (const tab of [desk, phone]) await expectCount(tab.page.locator("[part=reminder]"), 2);
    assert.ok(!(await reminders()).some((x) => x.id === r.body.id));
    await eventually(() => focused(desk.page), { check: (f) => f.part === "reminder-open", message: "the focus on the next row" });
  });

  test("one set 3 s ahead fires once, within 5 s, in the widget: the notice names the message, Open shows it, it leaves both lists", async (t) => {
    // Counts the reminder.due events the page's client hears (the widget shows one notice for each).
    await desk.page.evaluate(`(() => { window.__due = 0; document.querySelector("parley-chat").chat.on("reminder.due", () => window.__due++); })()`);
    const remindAt = Date.now() + 3_000;
    const r = await s.api.post<Reminder>(`/messages/${msgs.slides!.id}/reminders`, {
      app,
      token: users.ann.accessToken,
      body: { remindAt: new Date(remindAt).toISOString() },
    });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    for (const tab of [desk, phone]) await expectCount(tab.page.locator("[part=reminder]"), 3);
    const notice = desk.page.locator("[part=reminder-notice]");
    await notice.waitFor({ state: "visible", timeout: 10_000 });
    const late = Date.now() - remindAt;
    assert.ok(late < 5_000, `shown ${late} ms after its time`);
    t.diagnostic(`the notice was shown ${late} ms after the reminder's time`);
    await expectText(notice.locator(".text"), "Reminder: Ben Okafor — “Can you send me the slides before the review? The client wa…”");
    await expectText(desk.page.locator("parley-reminder-due [role=status]"), /^Reminder: Ben Okafor — /);
    // It left the list on both devices; the phone shows its own notice.
    for (const tab of [desk, phone]) await expectCount(tab.page.locator("[part=reminder]"), 2);
    await phone.page.locator("[part=reminder-notice]").waitFor({ state: "visible" });
    assert.ok(!(await reminders()).some((x) => x.id === r.body.id), "gone on the server");
    assert.equal(await desk.page.evaluate("window.__due"), 1, "one reminder.due");
    await expectCount(notice, 1);
    await shoot(desk.page, "reminders-due", "desktop");
    await shoot(phone.page, "reminders-due", "phone");
    // Open: the conversation, the message focused; the notice goes.
    await notice.locator("[part=reminder-open]").click();
    await desk.page.locator("parley-thread [part=composer-input]").waitFor();
    await eventually(() => focused(desk.page), { check: (f) => f.part === "message" && f.id === msgs.slides!.id, message: "the message has the focus" });
    await expectCount(notice, 0);
    assert.equal(await desk.page.evaluate("window.__due"), 1, "still one");
    assert.deepEqual(desk.errors, []);
    assert.deepEqual(phone.errors, []);
    await phone.context.close();
  });

  test("while the tab is hidden: a browser notification too, once, naming the sender; its click shows the message", async () => {
    const tab = await open(DESKTOP);
    // A hidden tab whose visitor allowed notifications; the page's Notification records what it is asked to show.
    await tab.page.evaluate(`(() => {
      Object.defineProperty(document, "hidden", { configurable: true, get: () => true });
      window.__notes = [];
      window.Notification = class { static permission = "granted"; constructor(title, o) { this.title = title; Object.assign(this, o); window.__notes.push(this); } close() {} };
    })()`);
    const r = await s.api.post<Reminder>(`/messages/${msgs.invoice!.id}/reminders`, {
      app,
      token: users.ann.accessToken,
      body: { remindAt: new Date(Date.now() + 1_000).toISOString() },
    });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    await tab.page.locator("[part=reminder-notice]").waitFor({ state: "visible", timeout: 10_000 });
    const notes = await eventually(
      () => tab.page.evaluate<{ title: string; body: string; tag: string }[]>("window.__notes.map((n) => ({ title: n.title, body: n.body, tag: n.tag }))"),
      { check: (n) => n.length > 0 },
    );
    assert.deepEqual(notes, [{ title: "Reminder: Ben Okafor", body: "Don't forget the invoice for October", tag: group }]);
    await tab.page.evaluate("window.__notes[0].onclick()");
    await tab.page.locator("parley-thread [part=composer-input]").waitFor();
    await eventually(() => focused(tab.page), { check: (f) => f.part === "message" && f.id === msgs.invoice!.id, message: "the message has the focus" });
    await expectCount(tab.page.locator("[part=reminder-notice]"), 0);
    await tab.context.close();
  });

  test("right to left in Arabic: the dialog, the list and the notice in Arabic, mirrored; axe clean", async () => {
    const ar = await open(PHONE, "ar");
    await openGroup(ar.page);
    await messageAction(messageWithText(ar.page, "Don't forget the invoice"), "action-remind");
    const dialog = ar.page.locator("parley-remind [part=remind-dialog]");
    await dialog.waitFor({ state: "visible" });
    await expectText(dialog.locator("h3"), "ذكّرني");
    assert.equal(await dialog.evaluate((el) => getComputedStyle(el).direction), "rtl");
    await expectText(dialog.locator("[part=remind-choice]").first(), "بعد 20 دقيقة");
    assert.deepEqual(await axeSerious(ar.page), [], "axe, Arabic, the dialog");
    await ar.page.screenshot({ path: path.join(SCREENSHOTS, "reminders-dialog-phone-ar.png") });
    await dialog.locator("[part=remind-choice]").first().click();
    await expectText(ar.page.locator("[part=toast]"), /^تم ضبط التذكير: /);
    await openProfile(ar.page);
    await expectText(ar.page.locator("parley-reminders h3"), "التذكيرات");
    assert.equal(await ar.page.locator("parley-reminders ul").evaluate((el) => getComputedStyle(el).direction), "rtl");
    // One due now: its notice in Arabic, right to left.
    const r = await s.api.post<Reminder>(`/messages/${msgs.lunch!.id}/reminders`, {
      app,
      token: users.ann.accessToken,
      body: { remindAt: new Date(Date.now() + 1_000).toISOString() },
    });
    assert.equal(r.status, 201);
    const notice = ar.page.locator("[part=reminder-notice]");
    await expectText(notice.locator(".text"), "تذكير: Ben Okafor — «Lunch at noon on Friday, the place by the river»");
    assert.equal(await notice.evaluate((el) => getComputedStyle(el).direction), "rtl");
    await expectText(notice.locator("[part=reminder-open]"), "فتح");
    assert.deepEqual(await axeSerious(ar.page), [], "axe, Arabic, the list and the notice");
    await ar.page.screenshot({ path: path.join(SCREENSHOTS, "reminders-due-phone-ar.png") });
    assert.deepEqual(ar.errors, []);
    await ar.context.close();
  });
});
