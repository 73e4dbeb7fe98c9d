// A blocked member's messages in a group (red-team finding G6): in the widget of the member who
// blocked them, each is collapsed to "Message from a person you blocked" with a Show button, its
// text nowhere in the page (nor in the live region when it arrives, nor quoted in a reply) until
// shown. Enter on the message focuses Show, Enter on Show reveals the text and gives the focus to
// the message; a pointer click works too. The strings are the host's to translate (setStrings).
// Another member's widget shows the same messages as usual. axe finds nothing serious.
import assert from "node:assert/strict";
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
  messageWithText,
  startHostSite,
  type HostSite,
} from "./helpers/browser.js";
import { DESKTOP, openDevicePage } from "./helpers/devices.js";

const PASSWORD = "correct horse battery";

/** The focused element inside <parley-thread>: its tag, part and the message it is in. */
const focusInThread = (page: Page) =>
  page.evaluate<{ tag: string | null; part: string | null; id: string | null }>(`(() => {
    const el = document.querySelector("parley-chat").shadowRoot.querySelector("parley-thread")?.shadowRoot?.activeElement;
    return { tag: el?.localName ?? null, part: el?.getAttribute("part") ?? null, id: el?.closest("li[data-id]")?.dataset.id ?? null };
  })()`);

describe("a blocked member's messages in a group", { timeout: 300_000, skip: BROWSER_SKIP }, () => {
  let s: TestServer;
  let site: HostSite;
  let browser: Browser;
  let app: string;
  let group: string;
  const users: Record<"ann" | "ben" | "cat", AuthResponse> = {} as never;
  const email = (who: string): string => `${who}.blocked@example.com`;
  const sent: Record<string, Message> = {};

  const post = async (who: keyof typeof users, text: string, extra: Record<string, unknown> = {}): Promise<Message> => {
    const res = await s.api.post<Message>(`/conversations/${group}/messages`, { app, token: users[who].accessToken, body: { text, ...extra } });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    return res.body;
  };

  before(async () => {
    s = await startServer();
    site = await startHostSite();
    app = (await s.createTenant("Blocked widget", [site.origin])).id;
    for (const [who, name] of [
      ["ann", "Ann Block"],
      ["ben", "Ben Block"],
      ["cat", "Cat Block"],
    ] as const) {
      users[who] = await s.api.register(app, { email: email(who), password: PASSWORD, displayName: name });
    }
    const created = await s.api.post<{ conversation: Conversation }>("/conversations", {
      app,
      token: users.ann.accessToken,
      body: { name: "Garden club", memberIds: [users.ben.user.id, users.cat.user.id] },
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    group = created.body.conversation.id;
    sent.first = await post("ben", "first secret from Ben");
    sent.second = await post("ben", "second secret from Ben");
    sent.cat = await post("cat", "Cat quoting Ben", { replyToId: sent.first.id });
    const blocked = await s.api.post("/blocks", { app, token: users.ann.accessToken, body: { userId: users.ben.user.id } });
    assert.equal(blocked.status, 204, JSON.stringify(blocked.body));
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await site?.close();
    await s?.close();
  });

  async function openGroup(who: keyof typeof users) {
    const tab = await openDevicePage(browser, site.page(`/${who}`, hostPageHtml({ parleyUrl: s.url, appId: app })), DESKTOP);
    await loginViaForm(tab.page, { email: email(who), password: PASSWORD });
    await tab.page.locator(`[part=conversation][data-id="${group}"]`).click({ timeout: 15_000 });
    await tab.page.locator("parley-thread [part=composer-input]").waitFor({ state: "visible" });
    return tab;
  }

  const message = (page: Page, m: Message) => page.locator(`parley-thread [part=message][data-id="${m.id}"]`);

  test("collapsed with a notice in the blocker's widget; Show reveals it, by keyboard and by pointer", async () => {
    const { page, errors } = await openGroup("ann");
    const first = message(page, sent.first!);
    await expectText(first.locator("[part=blocked-notice]"), "Message from a person you blocked", 15_000);
    await expectText(message(page, sent.second!).locator("[part=blocked-notice]"), "Message from a person you blocked");
    await expectCount(page.locator("parley-thread [part=message-text]", { hasText: "secret from Ben" }), 0);
    await expectText(message(page, sent.cat!).locator("[part=message-text]"), "Cat quoting Ben");
    const quote = await message(page, sent.cat!).locator("[part=quote]").textContent();
    assert.ok(!quote?.includes("secret"), `the quote does not show the text: ${quote}`);
    assert.equal(await first.locator("[part=show-blocked]").textContent(), "Show message");
    assert.deepEqual(await axeSerious(page), [], "axe, with collapsed messages");

    // Keyboard: the message, Enter focuses Show, Enter shows the text; the message has the focus.
    await first.focus();
    await page.keyboard.press("Enter");
    await eventually(() => focusInThread(page), { check: (f) => f.part === "show-blocked" && f.id === sent.first!.id, message: "Show has the focus" });
    await page.keyboard.press("Enter");
    await expectText(first.locator("[part=message-text]"), "first secret from Ben");
    await expectCount(first.locator("[part=blocked-notice]"), 0);
    await eventually(() => focusInThread(page), { check: (f) => f.tag === "li" && f.id === sent.first!.id, message: "the shown message has the focus" });
    const quoteNow = await message(page, sent.cat!).locator("[part=quote]").textContent();
    assert.ok(quoteNow?.includes("first secret from Ben"), "once shown, its quote shows it too");

    // Pointer: the second one, with the host's strings.
    await page.evaluate(`window.Parley.setStrings({ blockedMessage: "Nachricht einer blockierten Person", showMessage: "Anzeigen" })`);
    const second = message(page, sent.second!);
    await expectText(second.locator("[part=blocked-notice]"), "Nachricht einer blockierten Person");
    await second.locator("[part=show-blocked]", { hasText: "Anzeigen" }).click();
    await expectText(second.locator("[part=message-text]"), "second secret from Ben");

    // A new one, live: collapsed too, and not read out by the live region.
    const live = await post("ben", "third secret from Ben");
    const cat = await post("cat", "Cat again");
    await expectText(page.locator("parley-thread [role=log]"), /Cat Block: Cat again/);
    await expectText(message(page, live).locator("[part=blocked-notice]"), "Nachricht einer blockierten Person");
    assert.ok(!(await page.locator("parley-thread [role=log]").textContent())?.includes("secret"), "Ben's message is not announced");
    await expectText(message(page, cat).locator("[part=message-text]"), "Cat again");
    assert.deepEqual(errors, []);
  });

  test("another member's widget shows them as usual", async () => {
    const { page } = await openGroup("cat");
    await expectText(messageWithText(page, "first secret from Ben").locator("[part=message-text]"), "first secret from Ben", 15_000);
    await expectCount(page.locator("parley-thread [part=blocked-notice]"), 0);
  });
});
