// Scheduled sends in the widget (issue 55, acceptance 4 and 7), in Chromium with a real server.
// Send's clock button opens a menu (pointer and keyboard: ↑ ↓ Home End, Escape back to the button)
// of "Later today", "Tomorrow morning" and "Pick a date and time", whose form refuses a past time
// at the field; choosing schedules the box's text and empties it. The bar over the composer lists
// the conversation's scheduled messages: Edit changes the text, Cancel removes one, Send now sends
// it; one set a few seconds ahead reaches the other member at its time and leaves the list; one
// refused at its time (the author muted) says why. axe finds nothing serious with the menu or
// the list open; the menu sits at the composer's end, mirrored in Arabic. Screenshots:
// docs/screenshots/later-*.png, phone and desktop, light and dark.
import assert from "node:assert/strict";
import { mkdir } from "node:fs/promises";
import path from "node:path";
import { after, before, beforeEach, describe, test } from "node:test";
import type { Browser, Locator, Page } from "playwright-core";
import type { AuthResponse, Conversation, ScheduledMessage } from "@parley/sdk/protocol";
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
  startHostSite,
  type HostSite,
} from "./helpers/browser.js";
import { openDevicePage, PHONE, withViewportMeta, type DeviceTab } from "./helpers/devices.js";

const SCREENSHOTS = path.resolve(import.meta.dirname, "../../docs/screenshots");
const PASSWORD = "correct horse battery";
const PHONE_800 = { ...PHONE, viewport: { width: 390, height: 800 } } as const;
const DESKTOP_1280 = { viewport: { width: 1280, height: 800 } } as const;

/** The focused element's part, through shadow roots. */
const focusedPart = (page: Page) =>
  page.evaluate<string>(`(() => {
    let el = document.activeElement;
    while (el && el.shadowRoot && el.shadowRoot.activeElement) el = el.shadowRoot.activeElement;
    return (el && el.getAttribute("part")) || "";
  })()`);

/** A datetime-local value `ms` from now in the page's clock (seconds kept when not whole minutes). */
const fieldIn = (page: Page, ms: number) =>
  page.evaluate<string>(`(() => {
    const d = new Date(Date.now() + ${ms});
    const p = (n) => String(n).padStart(2, "0");
    const s = d.getSeconds() ? ":" + p(d.getSeconds()) : "";
    return d.getFullYear() + "-" + p(d.getMonth() + 1) + "-" + p(d.getDate()) + "T" + p(d.getHours()) + ":" + p(d.getMinutes()) + s;
  })()`);

/** Sets a field's value as typing would (the input event included). */
const setField = (loc: Locator, value: string) =>
  loc.evaluate((el, v) => {
    (el as HTMLInputElement).value = v;
    el.dispatchEvent(new Event("input", { bubbles: true, composed: true }));
  }, value);

describe("scheduled sends in the widget", { timeout: 300_000, skip: BROWSER_SKIP }, () => {
  let s: TestServer;
  let site: HostSite;
  let browser: Browser;
  let app: string;
  let group: string;
  const users: Record<"ann" | "ben", AuthResponse> = {} as never;
  const email = (who: string) => `${who}.later@example.com`;
  const tabs: DeviceTab[] = [];

  /** Someone signed in on the group, on a device, in a theme and a language. */
  async function open(who: "ann" | "ben", device: typeof PHONE_800 | typeof DESKTOP_1280, theme: "light" | "dark", lang = "en"): Promise<DeviceTab> {
    const html = withViewportMeta(hostPageHtml({ parleyUrl: s.url, appId: app, theme })).replace('<html lang="en">', `<html lang="${lang}">`);
    const tab = await openDevicePage(browser, site.page(`/${who}-${theme}-${lang}-${device.viewport.width}`, html), device, { colorScheme: theme });
    tabs.push(tab);
    await loginViaForm(tab.page, { email: email(who), password: PASSWORD });
    await tab.page.locator(`[part=conversation][data-id="${group}"]`).click({ timeout: 15_000 });
    await tab.page.locator("parley-thread [part=composer-input]").waitFor({ state: "visible" });
    // The mouse out of the list: a message under it would show its toolbar in the screenshots.
    await tab.page.mouse.move(0, 0);
    return tab;
  }

  const mine = async (): Promise<ScheduledMessage[]> =>
    (await s.api.get<{ items: ScheduledMessage[] }>(`/scheduled?conversationId=${group}`, { app, token: users.ann.accessToken })).body.items;

  /** Each test starts with nothing scheduled (a failed one before it leaves none behind). */
  beforeEach(async () => {
    for (const m of await mine()) await s.api.del(`/scheduled/${m.id}`, { app, token: users.ann.accessToken });
  });

  before(async () => {
    s = await startServer();
    site = await startHostSite();
    app = (await s.createTenant("Later", [site.origin])).id;
    users.ann = await s.api.register(app, { email: email("ann"), password: PASSWORD, displayName: "Ann Later" });
    users.ben = await s.api.register(app, { email: email("ben"), password: PASSWORD, displayName: "Ben Later" });
    // Ben owns the group: he may mute Ann (the refused send below).
    const created = await s.api.post<{ conversation: Conversation }>("/conversations", {
      app,
      token: users.ben.accessToken,
      body: { name: "Planning", memberIds: [users.ann.user.id] },
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    group = created.body.conversation.id;
    await s.api.post(`/conversations/${group}/messages`, { app, token: users.ben.accessToken, body: { text: "Let's plan the week" } });
    browser = await launchBrowser();
    await mkdir(SCREENSHOTS, { recursive: true });
  });
  after(async () => {
    for (const t of tabs) await t.context.close().catch(() => undefined);
    await browser?.close();
    await site?.close();
    await s?.close();
  });

  test("the menu by pointer and keyboard; a past time refused at the field; the list: edit, cancel, send now; axe clean", async () => {
    const { page, errors } = await open("ann", DESKTOP_1280, "light");
    const ben = await open("ben", DESKTOP_1280, "light");
    const button = page.locator("[part=schedule-button]");
    const box = page.locator("parley-thread [part=composer-input]");
    // Drawn once its chunk is here, shown once the box has text (nothing to schedule before).
    await button.waitFor({ state: "attached", timeout: 15_000 });
    assert.equal(await button.isVisible(), false, "hidden while the box is empty");
    await box.fill("Agenda for Monday");
    await button.waitFor({ state: "visible" });
    assert.equal(await button.getAttribute("aria-haspopup"), "menu");
    assert.equal(await button.getAttribute("aria-label"), "Schedule message");
    assert.equal(await button.getAttribute("aria-expanded"), "false");

    // Pointer: the menu opens on its first item.
    await button.click();
    const menu = page.locator("[part=schedule-menu]");
    await menu.waitFor({ state: "visible" });
    assert.equal(await menu.getAttribute("role"), "menu");
    assert.equal(await menu.getAttribute("aria-label"), "Schedule message");
    assert.equal(await button.getAttribute("aria-expanded"), "true");
    const items = menu.locator("[role=menuitem]");
    const parts = await items.evaluateAll((els) => els.map((e) => e.getAttribute("part")));
    assert.deepEqual(
      parts.filter((p) => p !== "schedule-later-today"),
      ["schedule-tomorrow", "schedule-pick"],
      "later today (while today has room), tomorrow morning, a date and time",
    );
    assert.match((await menu.locator("[part=schedule-tomorrow]").textContent()) ?? "", /Tomorrow morning.*9:00/s);
    await eventually(() => focusedPart(page), { check: (p) => p === parts[0], message: "the first item has the focus" });
    // ↓ ↑ Home End move round the items; Escape gives the focus back to the button.
    await page.keyboard.press("End");
    assert.equal(await focusedPart(page), "schedule-pick");
    await page.keyboard.press("ArrowDown");
    assert.equal(await focusedPart(page), parts[0]);
    await page.keyboard.press("ArrowUp");
    assert.equal(await focusedPart(page), "schedule-pick");
    await page.keyboard.press("Home");
    assert.equal(await focusedPart(page), parts[0]);
    await page.keyboard.press("Escape");
    await expectCount(menu, 0);
    assert.equal(await focusedPart(page), "schedule-button");
    assert.equal(await button.getAttribute("aria-expanded"), "false");
    assert.equal(await page.locator("[part=composer-input]").isVisible(), true, "Escape closed the menu, not the conversation");

    // Keyboard: Enter opens it, End and Enter pick "Pick a date and time"; its field has the focus.
    await page.keyboard.press("Enter");
    await menu.waitFor({ state: "visible" });
    await page.keyboard.press("End");
    await page.keyboard.press("Enter");
    const at = page.locator("[part=schedule-at]");
    await at.waitFor({ state: "visible" });
    assert.equal(await focusedPart(page), "schedule-at");
    assert.equal(await page.locator("[part=schedule-form]").getAttribute("role"), "dialog");
    // A past time: refused at the field, nothing scheduled, the box keeps its text.
    await setField(at, await fieldIn(page, -3_600_000));
    await page.keyboard.press("Enter");
    await expectText(page.locator("[part=schedule-error]"), "Pick a time in the future.");
    assert.equal(await at.getAttribute("aria-invalid"), "true");
    assert.equal(await focusedPart(page), "schedule-at");
    // More than a year ahead: refused too.
    await setField(at, await fieldIn(page, 400 * 86_400_000));
    await page.locator("[part=schedule-submit]").click();
    await expectText(page.locator("[part=schedule-error]"), "Pick a time within a year.");
    assert.deepEqual(await mine(), []);
    assert.equal(await box.inputValue(), "Agenda for Monday");
    // In an hour: scheduled; the box is emptied; the bar counts it.
    await setField(at, await fieldIn(page, 3_600_000));
    await page.locator("[part=schedule-submit]").click();
    await expectCount(page.locator("[part=schedule-form]"), 0);
    await eventually(() => box.inputValue(), { check: (v) => v === "", message: "the box is emptied" });
    await expectText(page.locator("[part=toast]"), /^Scheduled for /);
    await expectText(page.locator("[part=scheduled-toggle]"), "Scheduled (1)");

    // "Tomorrow morning" by pointer: 09:00 tomorrow.
    await box.fill("Reminder: bring the slides");
    await button.click();
    await menu.locator("[part=schedule-tomorrow]").click();
    await expectText(page.locator("[part=scheduled-toggle]"), "Scheduled (2)");
    const tomorrow = (await mine()).find((m) => m.text === "Reminder: bring the slides")!;
    const nine = await page.evaluate<string>(`(() => { const d = new Date(); d.setDate(d.getDate() + 1); d.setHours(9, 0, 0, 0); return d.toISOString(); })()`);
    assert.equal(new Date(tomorrow.sendAt).toISOString(), nine);

    // The list: both, soonest first, each with its time and text.
    const toggle = page.locator("[part=scheduled-toggle]");
    await toggle.click();
    assert.equal(await toggle.getAttribute("aria-expanded"), "true");
    const rows = page.locator("[part=scheduled-item]");
    await expectCount(rows, 2);
    assert.deepEqual(
      (await rows.locator("[part=scheduled-text]").allTextContents()).map((t) => t.trim()),
      ["Agenda for Monday", "Reminder: bring the slides"],
    );
    assert.equal(await rows.locator("[part=scheduled-time]").count(), 2);
    assert.deepEqual(await axeSerious(page), [], "axe, the scheduled list open");

    // Edit: a new text.
    // (By id: while it is edited, its text is in a field, which hasText does not read.)
    const first = page.locator(`[part=scheduled-item][data-id="${await rows.filter({ hasText: "Agenda for Monday" }).getAttribute("data-id")}"]`);
    await first.locator("[part=scheduled-edit]").click();
    const form = first.locator("[part=scheduled-edit-form]");
    await form.locator("textarea").fill("Agenda for Monday, v2");
    await form.locator("button[type=submit]").click();
    await expectText(rows.first().locator("[part=scheduled-text]"), "Agenda for Monday, v2");
    assert.ok(
      (await mine()).some((m) => m.text === "Agenda for Monday, v2"),
      "the server has the new text",
    );

    // Cancel: it leaves the list and the server.
    await rows.filter({ hasText: "bring the slides" }).locator("[part=scheduled-cancel]").click();
    await expectCount(rows, 1);
    assert.deepEqual(
      (await mine()).map((m) => m.text),
      ["Agenda for Monday, v2"],
    );

    // Send now: Ben gets it; the list is empty.
    await rows.first().locator("[part=scheduled-send-now]").click();
    await messageWithText(ben.page, "Agenda for Monday, v2").waitFor({ timeout: 10_000 });
    await expectText(page.locator("[part=scheduled-list]"), "No scheduled messages");
    assert.deepEqual(errors, []);
  });

  test("one set a few seconds ahead reaches the other member at its time and leaves the list", async () => {
    const { page } = await open("ann", DESKTOP_1280, "light");
    const ben = await open("ben", DESKTOP_1280, "light");
    const box = page.locator("parley-thread [part=composer-input]");
    await box.fill("Right on time");
    await page.locator("[part=schedule-button]").click();
    await page.locator("[part=schedule-pick]").click();
    await setField(page.locator("[part=schedule-at]"), await fieldIn(page, 4_000));
    await page.locator("[part=schedule-submit]").click();
    await expectText(page.locator("[part=scheduled-toggle]"), "Scheduled (1)");
    const sendAt = Date.parse((await mine()).find((m) => m.text === "Right on time")!.sendAt);
    assert.ok(sendAt > Date.now(), "still to come");
    await messageWithText(ben.page, "Right on time").waitFor({ timeout: 15_000 });
    const arrived = Date.now();
    assert.ok(arrived >= sendAt - 1_000, `not before its time (${arrived - sendAt} ms)`);
    assert.ok(arrived <= sendAt + 5_000, `at its time (${arrived - sendAt} ms late)`);
    await expectCount(page.locator("[part=scheduled]"), 0);
  });

  test("one refused at its time says why", async () => {
    const { page } = await open("ann", DESKTOP_1280, "light");
    const box = page.locator("parley-thread [part=composer-input]");
    await box.fill("This one will be refused");
    await page.locator("[part=schedule-button]").click();
    await page.locator("[part=schedule-pick]").click();
    await setField(page.locator("[part=schedule-at]"), await fieldIn(page, 3_000));
    await page.locator("[part=schedule-submit]").click();
    await expectText(page.locator("[part=scheduled-toggle]"), "Scheduled (1)");
    const muted = await s.api.put(`/moderation/conversations/${group}/mutes/${users.ann.user.id}`, {
      app,
      token: users.ben.accessToken,
      body: { durationSec: 600 },
    });
    assert.equal(muted.status, 200, JSON.stringify(muted.body));
    await page.locator("[part=scheduled-toggle]").click();
    const row = page.locator("[part=scheduled-item]", { hasText: "This one will be refused" });
    await expectText(row.locator("[part=scheduled-failed]"), "Not sent: you are muted here", 15_000);
    assert.equal(await row.getAttribute("data-status"), "failed");
    await expectCount(row.locator("[part=scheduled-edit], [part=scheduled-send-now]"), 0);
    await expectText(row.locator("[part=scheduled-cancel]"), "Remove");
    await row.locator("[part=scheduled-cancel]").click();
    await expectCount(row, 0);
    await s.api.del(`/moderation/conversations/${group}/mutes/${users.ann.user.id}`, { app, token: users.ben.accessToken });
  });

  test("Arabic: the menu at the composer's end, mirrored; its items in Arabic", async () => {
    for (const [lang, dir] of [
      ["en", "ltr"],
      ["ar", "rtl"],
    ] as const) {
      const { page } = await open("ann", PHONE_800, "light", lang);
      await page.locator("parley-thread [part=composer-input]").fill(lang === "ar" ? "اجتماع الغد" : "Tomorrow's meeting");
      await page.locator("[part=schedule-button]").click();
      const menu = page.locator("[part=schedule-menu]");
      await menu.waitFor({ state: "visible" });
      const panel = (await page.locator("[part=panel]").boundingBox())!;
      const box = (await menu.boundingBox())!;
      const send = (await page.locator("[part=send]").boundingBox())!;
      if (dir === "rtl") {
        assert.ok(box.x - panel.x <= 12, `${lang}: the menu at the left edge (${box.x - panel.x} px in)`);
        assert.ok(send.x < panel.x + panel.width / 2, `${lang}: Send at the left`);
        await expectText(menu.locator("[part=schedule-tomorrow] span").first(), "صباح الغد");
        assert.equal(await menu.getAttribute("aria-label"), "جدولة الإرسال");
      } else {
        assert.ok(panel.x + panel.width - (box.x + box.width) <= 12, `${lang}: the menu at the right edge`);
        assert.ok(send.x > panel.x + panel.width / 2, `${lang}: Send at the right`);
      }
      assert.deepEqual(await axeSerious(page), [], `axe, ${lang}, the menu open`);
      if (dir === "rtl") await page.locator("[part=panel]").screenshot({ path: path.join(SCREENSHOTS, "later-schedule-menu-phone-light-ar.png") });
      await page.keyboard.press("Escape");
    }
  });

  test("screenshots: the menu and the list, phone and desktop, light and dark", async () => {
    // Two waiting, one in an hour and one tomorrow, so the list has something to show.
    for (const [text, ms] of [
      ["Send the minutes to the team", 3_600_000],
      ["Happy birthday, Ben! 🎂", 26 * 3_600_000],
    ] as const) {
      const r = await s.api.post(`/conversations/${group}/scheduled`, {
        app,
        token: users.ann.accessToken,
        body: { text, sendAt: new Date(Date.now() + ms).toISOString() },
      });
      assert.equal(r.status, 201, JSON.stringify(r.body));
    }
    for (const [device, name] of [
      [PHONE_800, "phone"],
      [DESKTOP_1280, "desktop"],
    ] as const) {
      for (const theme of ["light", "dark"] as const) {
        const { page } = await open("ann", device, theme);
        await expectText(page.locator("[part=scheduled-toggle]"), "Scheduled (2)");
        await page.locator("parley-thread [part=composer-input]").fill("See you at the workshop");
        await page.locator("[part=schedule-button]").click();
        await page.locator("[part=schedule-menu]").waitFor({ state: "visible" });
        // No message's toolbar in the picture (one under the pointer before the thread moved keeps it).
        await page.evaluate(`(() => {
          const chat = document.querySelector("parley-chat");
          const thread = chat && chat.shadowRoot.querySelector("parley-thread");
          if (thread) thread.active = "";
        })()`);
        assert.deepEqual(await axeSerious(page), [], `axe, ${name} ${theme}, the menu open`);
        await page.locator("[part=panel]").screenshot({ path: path.join(SCREENSHOTS, `later-schedule-menu-${name}-${theme}.png`) });
        await page.keyboard.press("Escape");
        await page.locator("[part=scheduled-toggle]").click();
        await expectCount(page.locator("[part=scheduled-item]"), 2);
        assert.deepEqual(await axeSerious(page), [], `axe, ${name} ${theme}, the list open`);
        await page.locator("[part=panel]").screenshot({ path: path.join(SCREENSHOTS, `later-scheduled-list-${name}-${theme}.png`) });
      }
    }
  });
});
