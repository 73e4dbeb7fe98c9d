// Polls in the widget (issue 33), in Chromium with a real server: Ann asks a poll in a group with the
// composer's "+" menu and the poll form by keyboard alone (the form says what is wrong at the field:
// no question, a repeated option); Ben, on a phone in the dark theme, votes by keyboard (Enter on
// the message, Shift+Tab into the card, Space; an arrow changes the vote), and Ann's card follows
// live with the counts as text ("1 vote, 100%": the radio's accessible name); Ben retracts; Ann
// closes it and Ben's card says Closed. A poll that closed by its time while Ben's card was drawn
// open: his vote is refused (409 poll_closed) and the card shows it closed. Hebrew right to left.
// axe at 390 px dark and 1100 px light. Screenshots: docs/screenshots/poll-phone-dark.png,
// poll-desktop-dark.png, poll-form-desktop-dark.png.
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
  expectText,
  hostPageHtml,
  launchBrowser,
  loginViaForm,
  messageWithText,
  startHostSite,
  type HostSite,
} from "./helpers/browser.js";
import { DESKTOP, openDevicePage, PHONE, withViewportMeta, type DeviceTab } from "./helpers/devices.js";

const SCREENSHOTS = path.resolve(import.meta.dirname, "../../docs/screenshots");
const PASSWORD = "correct horse battery";

/** The focused element, through shadow roots: its tag, part, type and accessible text. */
export const focused = (page: Page) =>
  page.evaluate<{ tag: string; part: string; name: string; type: string }>(`(() => {
    let el = document.activeElement;
    while (el && el.shadowRoot && el.shadowRoot.activeElement) el = el.shadowRoot.activeElement;
    return { tag: el ? el.localName : "", part: (el && el.getAttribute("part")) || "", type: (el && el.getAttribute("type")) || "",
      name: el ? (el.getAttribute("aria-label") || (el.labels && el.labels[0] ? el.labels[0].textContent : el.textContent) || "").replace(/\\s+/g, " ").trim() : "" };
  })()`);

/** Presses Tab until the focused element has part `part` (at most `max` presses). */
export async function tabTo(page: Page, part: string, max = 15): Promise<void> {
  for (let i = 0; i < max; i++) {
    if ((await focused(page)).part === part) return;
    await page.keyboard.press("Tab");
  }
  assert.equal((await focused(page)).part, part, `Tab reaches ${part}`);
}

describe("polls in the widget", { timeout: 300_000, skip: BROWSER_SKIP }, () => {
  let s: TestServer;
  let site: HostSite;
  let browser: Browser;
  let app: string;
  let group: string;
  const users: Record<"ann" | "ben" | "cat", AuthResponse> = {} as never;
  const email = (who: string) => `${who}.polls@example.com`;
  let ann: DeviceTab;
  let ben: DeviceTab;

  async function open(who: keyof typeof users, device: typeof DESKTOP | typeof PHONE, theme: "light" | "dark", lang = "en"): Promise<DeviceTab> {
    const html = withViewportMeta(hostPageHtml({ parleyUrl: s.url, appId: app, theme })).replace('<html lang="en">', `<html lang="${lang}">`);
    const tab = await openDevicePage(browser, site.page(`/${who}-${lang}-${device.viewport.width}`, html), device, { colorScheme: theme });
    await loginViaForm(tab.page, { email: email(who), password: PASSWORD });
    await tab.page.locator(`[part=conversation][data-id="${group}"]`).click({ timeout: 15_000 });
    await tab.page.locator("parley-thread [part=composer-input]").waitFor({ state: "visible" });
    return tab;
  }
  /** The options' accessible names (what a screen reader says) in a page's card for the poll asking `question`. */
  const rows = (page: Page, question: string) =>
    messageWithText(page, question)
      .locator("[part=poll-option] input")
      .evaluateAll((els) => els.map((e) => e.getAttribute("aria-label") ?? ""));
  const norm = (xs: string[]) => xs.map((x) => x.replace(/\s+/g, " ").trim());

  before(async () => {
    s = await startServer();
    site = await startHostSite();
    app = (await s.createTenant("Polls widget", [site.origin])).id;
    for (const [who, name] of [
      ["ann", "Ann Poll"],
      ["ben", "Ben Poll"],
      ["cat", "Cat Poll"],
    ] as const)
      users[who] = await s.api.register(app, { email: email(who), password: PASSWORD, displayName: name });
    const created = await s.api.post<{ conversation: Conversation }>("/conversations", {
      app,
      token: users.ann.accessToken,
      body: { name: "Lunch club", memberIds: [users.ben.user.id, users.cat.user.id] },
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    group = created.body.conversation.id;
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await site?.close();
    await s?.close();
  });

  test("Ann asks a poll with the form by keyboard alone; the form's errors are at their fields", async () => {
    ann = await open("ann", DESKTOP, "dark");
    ben = await open("ben", PHONE, "dark");
    const { page } = ann;
    await page.locator("[part=composer-input]").focus();
    await tabTo(page, "tools-button");
    await page.keyboard.press("Enter");
    await eventually(() => focused(page), { check: (f) => f.name.endsWith("Poll"), message: "the menu's Poll item is focused" });
    await page.keyboard.press("Enter");
    await eventually(() => focused(page), { check: (f) => f.tag === "input" && f.name === "Question", message: "the question has the focus" });
    assert.equal(await page.getByRole("dialog", { name: "New poll" }).count(), 1);
    // A modal dialog: Shift+Tab on its first field goes round to its last button, and Tab back.
    await page.keyboard.press("Shift+Tab");
    assert.equal((await focused(page)).part, "poll-form-send");
    await page.keyboard.press("Tab");
    assert.equal((await focused(page)).name, "Question");

    // Send with nothing typed: the question says what is missing, and has the focus.
    await tabTo(page, "poll-form-send");
    await page.keyboard.press("Enter");
    await eventually(() => focused(page), { check: (f) => f.name === "Question" });
    await expectText(page.locator("parley-poll-form #eq"), "Write a question.");
    assert.equal(await page.locator("parley-poll-form [name=q]").getAttribute("aria-invalid"), "true");

    // Enter moves on: the question to the first option, each option to the next; the last adds a row.
    await page.keyboard.type("Where do we eat on Friday?");
    await page.keyboard.press("Enter");
    assert.equal((await focused(page)).name, "Option 1");
    await page.keyboard.type("Tacos");
    await page.keyboard.press("Enter");
    await page.keyboard.type("tacos");
    await page.keyboard.press("Enter");
    await eventually(() => focused(page), { check: (f) => f.name === "Option 3", message: "Enter in the last row adds one" });
    await page.keyboard.type("Ramen");
    await tabTo(page, "poll-form-send");
    await page.keyboard.press("Enter");
    // The repeated option (whatever its case) is marked, and has the focus.
    await eventually(() => focused(page), { check: (f) => f.name === "Option 2", message: "the duplicate row has the focus" });
    await expectText(page.locator("parley-poll-form #ed"), "This option is already in the list.");
    await page.keyboard.press("ControlOrMeta+a");
    await page.keyboard.type("Sushi");
    await mkdir(SCREENSHOTS, { recursive: true });
    await page.screenshot({ path: path.join(SCREENSHOTS, "poll-form-desktop-dark.png") });
    assert.deepEqual(await axeSerious(page), [], "axe, 1100 px, dark, the form open");
    await tabTo(page, "poll-form-send");
    await page.keyboard.press("Enter");
    await page.locator("parley-poll-form").waitFor({ state: "detached" });
    assert.equal((await focused(page)).part, "composer-input", "after the send, the message box has the focus");

    // The poll is in both widgets: three options, nobody voted.
    for (const p of [page, ben.page]) {
      await eventually(() => rows(p, "Where do we eat on Friday?"), { check: (r) => r.length === 3, message: "three options" });
      assert.deepEqual(norm(await rows(p, "Where do we eat on Friday?")), ["Tacos, 0 votes, 0%", "Sushi, 0 votes, 0%", "Ramen, 0 votes, 0%"]);
    }
    const history = await s.api.get<{ items: Message[] }>(`/conversations/${group}/messages?limit=10`, { app, token: users.ann.accessToken });
    const poll = history.body.items.find((m) => m.poll)!;
    assert.equal(poll.text, "Where do we eat on Friday?");
    assert.deepEqual(
      poll.poll!.options.map((o) => o.text),
      ["Tacos", "Sushi", "Ramen"],
    );
    assert.equal(poll.poll!.multiple, false);
    assert.equal(poll.poll!.anonymous, false);
  });

  test("Ben votes by keyboard on a phone; Ann's card follows live, the counts as text; an arrow changes the vote; Retract; Close", async () => {
    const q = "Where do we eat on Friday?";
    const { page } = ben;
    const msg = messageWithText(page, q);
    await msg.focus();
    await page.keyboard.press("Enter");
    await eventually(() => focused(page), { check: (f) => f.part === "action-react", message: "the message's actions are open" });
    await page.keyboard.press("Shift+Tab");
    const first = await focused(page);
    assert.equal(first.type, "radio", JSON.stringify(first));
    await page.keyboard.press("Home").catch(() => undefined);
    // Space on the focused option votes for it.
    await page.keyboard.press("Space");
    const chosen = (await focused(page)).name.split(",")[0]!;
    assert.ok(["Tacos", "Sushi", "Ramen"].includes(chosen), chosen);
    // Ann's card, live; the radio's accessible name says it as a screen reader hears it.
    await eventually(() => rows(ann.page, q), { check: (r) => norm(r).includes(`${chosen}, 1 vote, 100%`), message: "Ann sees Ben's vote" });
    assert.equal(await ann.page.getByRole("radio", { name: `${chosen}, 1 vote, 100%` }).count(), 1);
    await expectText(messageWithText(ann.page, q).locator("[part=poll] > p").last(), "1 vote");
    // Named poll: who voted, on request.
    await ann.page.locator("[part=poll-voters] summary").click();
    await expectText(ann.page.locator("[part=poll-voters] li"), `${chosen}: Ben Poll`);

    // An arrow key moves to the other option and changes the vote (single choice: one at a time).
    await page.keyboard.press("ArrowUp");
    const next = (await focused(page)).name.split(",")[0]!;
    assert.notEqual(next, chosen);
    await eventually(() => rows(ann.page, q), {
      check: (r) => norm(r).includes(`${next}, 1 vote, 100%`) && norm(r).includes(`${chosen}, 0 votes, 0%`),
      message: "Ann sees the changed vote",
    });
    await page.screenshot({ path: path.join(SCREENSHOTS, "poll-phone-dark.png") });
    assert.deepEqual(await axeSerious(page), [], "axe, 390 px, dark, a poll voted");

    // Ann votes too, by pointer: two votes, 50 % each.
    await messageWithText(ann.page, q).locator("[part=poll-option]", { hasText: "Tacos" }).click();
    const tacos = next === "Tacos" ? "Tacos, 2 votes, 100%" : "Tacos, 1 vote, 50%";
    await eventually(() => rows(page, q), { check: (r) => norm(r).includes(tacos), message: `Ben sees ${tacos}` });
    await expectText(messageWithText(page, q).locator("[part=poll] > p").last(), "2 votes");

    // Ben retracts: his choice is gone, the counts go down for both.
    await msg.locator("[part=poll-retract]").click();
    await eventually(() => rows(ann.page, q), { check: (r) => norm(r).includes("Tacos, 1 vote, 100%"), message: "Ann sees the retraction" });
    assert.equal(await msg.locator("input:checked").count(), 0);
    await expectText(messageWithText(ann.page, q).locator("[part=poll] > p").last(), "1 vote");

    // Ben may not close it; Ann, who asked, closes it: Ben's card says Closed at once.
    assert.equal(await msg.locator("[part=poll-close]").count(), 0);
    await messageWithText(ann.page, q).locator("[part=poll-close]").click();
    await expectText(ann.page.locator("[part=toast]"), "Poll closed");
    await expectText(msg.locator("[part=poll] > p").last(), "1 vote · Closed");
    assert.equal(await msg.locator("fieldset[disabled]").count(), 1);
    await ann.page.screenshot({ path: path.join(SCREENSHOTS, "poll-desktop-dark.png") });
    assert.deepEqual(ann.errors, []);
    assert.deepEqual(ben.errors, []);
  });

  test("a vote on a poll that closed meanwhile is refused (409 poll_closed) and the card shows it closed", async () => {
    const q = "Coffee or tea?";
    const closesAt = new Date(Date.now() + 3_000).toISOString();
    const made = await s.api.post<Message>(`/conversations/${group}/polls`, {
      app,
      token: users.cat.accessToken,
      body: { question: q, options: ["Coffee", "Tea"], closesAt },
    });
    assert.equal(made.status, 201, JSON.stringify(made.body));
    const { page } = ben;
    const refused: number[] = [];
    page.on("response", (r) => r.url().includes("/poll/vote") && refused.push(r.status()));
    const card = messageWithText(page, q).locator("[part=poll]");
    await card.waitFor();
    await eventually(() => Date.now() > Date.parse(closesAt) + 200, { check: Boolean, timeout: 10_000 });
    // Drawn before its time was up, the card may still be open: the vote goes to the server. (A
    // redraw meanwhile would already show it closed, so the change is dispatched as the browser would.)
    await card.evaluate((fs) => {
      const input = fs.querySelector("input")!;
      input.checked = true;
      input.dispatchEvent(new Event("change", { bubbles: true }));
    });
    await eventually(() => refused, { check: (r) => r.includes(409), message: "the server refused the vote" });
    await expectText(card.locator("p").last(), /^0 votes · Closed$/);
    assert.equal(await card.evaluate((fs) => (fs as HTMLFieldSetElement).disabled), true);
    assert.equal(await card.locator("input:checked").count(), 0, "the refused choice is not shown as made");
    assert.equal(await page.locator("[part=error]").count(), 0, "no error banner: the card says it");
  });

  test("right to left in Hebrew: the card's counts in Hebrew plural forms, mirrored; axe clean", async () => {
    const cat = await open("cat", PHONE, "dark", "he");
    const q = "Where do we eat on Friday?";
    const card = messageWithText(cat.page, q).locator("[part=poll]");
    await card.waitFor();
    assert.equal(await card.evaluate((el) => getComputedStyle(el).direction), "rtl");
    assert.deepEqual(norm(await rows(cat.page, q)), ["Tacos, קול אחד, 100%", "Sushi, 0 קולות, 0%", "Ramen, 0 קולות, 0%"]);
    await expectText(card.locator("p").last(), "קול אחד · נסגר");
    // The bar grows from the right.
    const [bar, fill] = await card
      .locator("[part=poll-option]")
      .first()
      .locator(".bar, .bar span")
      .evaluateAll((els) => els.map((e) => e.getBoundingClientRect().right));
    assert.ok(Math.abs(bar! - fill!) < 1, `the fill starts at the bar's right edge (${bar}, ${fill})`);
    assert.deepEqual(await axeSerious(cat.page), [], "axe, 390 px, dark, Hebrew");
    assert.deepEqual(cat.errors, []);
    await cat.context.close();
  });
});
