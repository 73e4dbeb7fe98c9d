/**
 * Acceptance 2 of the console (issue 32), in Chromium: a report filed from the widget appears in
 * an open console queue without a reload; the moderator bans the sender there with a reason; that
 * user's next send in the widget is refused with the reason; the audit logs show the ban by that
 * console account. Then the moderation page on a phone and a desktop, light and dark: axe finds
 * nothing serious or critical, nothing is wider than the screen.
 *
 * Needs `npm run build` (the server serves console/dist and the widget).
 */
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { serveAxe, axeSerious } from "./helpers/a11y.js";
import type { Browser, BrowserContext, Page } from "playwright-core";
import type { AuditEntry, AuthResponse, Conversation, Page as ListPage } from "@parley/sdk/protocol";
import { ConsoleAuditEntity } from "../../server/src/console/console.entities.js";
import { consoleAccount } from "../../server/test/helpers/console.js";
import { startServer, type TestServer } from "../../server/test/helpers/harness.js";
import {
  BROWSER_SKIP,
  expectText,
  hostPageHtml,
  launchBrowser,
  loginViaForm,
  messageAction,
  messageWithText,
  startHostSite,
  type HostSite,
} from "../../widget/test/helpers/browser.js";
import { DESKTOP, openDevicePage, withViewportMeta } from "../../widget/test/helpers/devices.js";

const ROOT = path.resolve(import.meta.dirname, "../..");
const ARTIFACTS = path.join(ROOT, "test-artifacts");
const SCREENSHOTS = path.join(ROOT, "docs/screenshots");
const PASSWORD = "correct horse battery";
const BAN_REASON = "Spamming links";

describe("the console's live report queue: a widget report → ban with a reason → the widget's next send refused with it", {
  skip: BROWSER_SKIP,
  timeout: 300_000,
}, () => {
  let s: TestServer;
  let site: HostSite;
  let browser: Browser;
  let consoleContext: BrowserContext;
  let consolePage: Page;
  let app = "";
  let group = "";
  let basic = "";
  let moderatorId = "";
  const users: Record<"ann" | "ben", AuthResponse> = {} as never;
  const email = (who: string): string => `${who}.live@example.com`;

  before(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    s = await startServer();
    site = await startHostSite();
    app = (await s.createTenant("Live queue", [site.origin])).id;
    const key = await s.services.serverKeys.create(app);
    basic = `Basic ${Buffer.from(`${key.id}:${key.secret}`).toString("base64")}`;
    users.ann = await s.api.register(app, { email: email("ann"), password: PASSWORD, displayName: "Ann Reporter" });
    users.ben = await s.api.register(app, { email: email("ben"), password: PASSWORD, displayName: "Ben Spammer" });
    const created = await s.api.post<{ conversation: Conversation }>("/conversations", {
      app,
      token: users.ann.accessToken,
      body: { name: "Club", memberIds: [users.ben.user.id] },
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    group = created.body.conversation.id;
    const said = await s.api.post(`/conversations/${group}/messages`, {
      app,
      token: users.ben.accessToken,
      body: { text: "ben: cheap watches at spam.example" },
    });
    assert.equal(said.status, 201, JSON.stringify(said.body));

    // A console moderator of the app, signed in: the browser holds the session's cookie.
    const mod = await consoleAccount(s, { email: "moderator@live.example", role: "moderator", appId: app });
    moderatorId = mod.me.account.id;
    browser = await launchBrowser();
    consoleContext = await browser.newContext({ viewport: { width: 1280, height: 860 } });
    await serveAxe(consoleContext);
    await consoleContext.addCookies([{ name: "parley_console", value: mod.browser.cookie.split("=")[1]!, url: s.url, httpOnly: true, sameSite: "Strict" }]);
    consolePage = await consoleContext.newPage();
    consolePage.on("pageerror", (e) => console.error("console page error:", e.message));
  });
  after(async () => {
    await browser?.close();
    await site?.close();
    await s?.close();
  });

  async function openGroup(who: "ann" | "ben") {
    const url = site.page(`/${who}`, withViewportMeta(hostPageHtml({ parleyUrl: s.url, appId: app })));
    const tab = await openDevicePage(browser, url, DESKTOP);
    await loginViaForm(tab.page, { email: email(who), password: PASSWORD });
    await tab.page.locator(`[part=conversation][data-id="${group}"]`).click({ timeout: 15_000 });
    await tab.page.locator("[part=composer-input]").waitFor({ state: "visible" });
    return tab;
  }

  test("acceptance 2: reported in the widget, live in the queue, banned there, refused in the widget with the reason, in the audit logs", async () => {
    // The moderator's queue is open (and live) before anything is reported; the page is never reloaded.
    await consolePage.goto(`${s.url}/console/#/apps/${app}/moderation`);
    const queue = consolePage.locator("console-moderation");
    await queue.getByText("No open reports.").waitFor();
    await queue.locator("[data-live=on]").waitFor();
    await consolePage.evaluate("window.__notReloaded = true");

    // Ben's widget has the group open, as it will be when he sends next.
    const ben = await openGroup("ben");
    // Ann reports Ben's message from her widget.
    const ann = await openGroup("ann");
    const spam = messageWithText(ann.page, "cheap watches");
    await spam.waitFor({ timeout: 15_000 });
    await messageAction(spam, "action-report");
    const dialog = ann.page.locator("parley-moderate [part=moderate-dialog]");
    await dialog.waitFor({ state: "visible" });
    await dialog.getByLabel("Spam").check();
    await dialog.locator("[part=moderate-note]").fill("Links to a scam shop");
    await dialog.locator("[part=moderate-submit]").click();
    await expectText(ann.page.locator("[part=toast]"), "Reported. Thank you.");

    // In the console, without a reload: the report, its note and the message's text; announced politely.
    const row = queue.locator("[data-report]");
    await row.getByText("Links to a scam shop").waitFor({ timeout: 15_000 });
    await row.getByText("cheap watches at spam.example").waitFor();
    await expectText(queue.locator("[role=status][aria-live=polite]"), "New report: Spam");
    assert.equal(await consolePage.evaluate("window.__notReloaded"), true, "the console page was not reloaded");

    // Open it: the message in its context; ban the sender from the conversation with a reason.
    await row.getByRole("button", { name: "Open" }).click();
    await queue.locator("ol.context li.reported").getByText("cheap watches at spam.example").waitFor();
    await consolePage.screenshot({ path: path.join(ARTIFACTS, "console-moderation-report.png") });
    await queue.getByRole("button", { name: "Ban", exact: true }).click();
    // A ban needs a reason: said at the field.
    await queue.getByRole("button", { name: "Ban them" }).click();
    await queue.locator("#f-reason-error").waitFor();
    assert.equal(await queue.getByLabel("Reason", { exact: true }).getAttribute("aria-invalid"), "true");
    await queue.getByLabel("Reason", { exact: true }).fill(BAN_REASON);
    await queue.getByRole("button", { name: "Ban them" }).click();
    await expectText(queue.locator("[role=status][aria-live=polite]"), "Banned; the report is resolved.");
    await queue.getByText("No open reports.").waitFor();
    await queue.locator("[data-sanction]").getByText(BAN_REASON, { exact: false }).waitFor();

    // Ben's next send in his widget is refused, with the moderator's reason.
    const input = ben.page.locator("[part=composer-input]");
    await input.fill("am I banned?");
    await input.press("Enter");
    const failed = messageWithText(ben.page, "am I banned?").and(ben.page.locator("[data-status=failed]"));
    await failed.waitFor({ timeout: 15_000 });
    await expectText(failed.locator("[part=failed]"), new RegExp(`^Not sent: you are banned from this conversation\\. Reason: ${BAN_REASON}`));

    // The audit logs: the console's names the account; the moderation log names it as the actor.
    const rows = await s.services.db.getRepository(ConsoleAuditEntity).findBy({ appId: app, action: "moderation.ban" });
    assert.deepEqual(
      rows.map((r) => [r.accountId, r.target?.startsWith(users.ben.user.id)]),
      [[moderatorId, true]],
    );
    const log = await s.api.req<ListPage<AuditEntry>>("GET", "/server/moderation/audit", { headers: { Authorization: basic } });
    const ban = log.body.items.find((e) => e.action === "ban.conversation");
    assert.deepEqual([ban?.actorServerKey, ban?.targetUserId, ban?.reason], [`console:${moderatorId}`, users.ben.user.id, BAN_REASON]);
    await ben.context.close();
    await ann.context.close();
  });

  test("the rules: the word filter tried before it is saved, then saved and applied; slow mode's bad input at its field; a moderator cannot name chat moderators", async () => {
    await consolePage.setViewportSize({ width: 1280, height: 860 });
    await consolePage.goto(`${s.url}/console/#/apps/${app}/moderation`);
    const rules = consolePage.locator("console-moderation");
    await rules.getByLabel("Blocked words").fill("scamshop");
    await rules.getByLabel("Masked words").fill("darn");
    await rules.getByLabel("Try a message").fill("visit s-c-a-m-s-h-o-p today");
    await rules.getByRole("button", { name: "Try", exact: true }).click();
    await expectText(rules.locator("[data-tried]"), "Blocked: scamshop");
    await rules.getByLabel("Try a message").fill("oh darn");
    await rules.getByRole("button", { name: "Try", exact: true }).click();
    await expectText(rules.locator("[data-tried]"), "Sent as: oh ****");
    await rules.getByRole("button", { name: "Save the word filter" }).click();
    await expectText(rules.locator("p.notice").first(), "Word filter saved.");
    const refused = await s.api.post(`/conversations/${group}/messages`, { app, token: users.ann.accessToken, body: { text: "scamshop deals" } });
    assert.deepEqual([refused.status, refused.body.error?.code], [400, "content_blocked"]);

    await rules.getByLabel("Conversation id").fill(group);
    await rules.getByLabel("Seconds between a member's messages").fill("99999");
    await rules.getByRole("button", { name: "Set slow mode" }).click();
    await rules.locator("#f-seconds-error").waitFor();
    assert.equal(await rules.getByLabel("Seconds between a member's messages").getAttribute("aria-invalid"), "true");
    await rules.getByLabel("Seconds between a member's messages").fill("30");
    await rules.getByRole("button", { name: "Set slow mode" }).click();
    await expectText(rules.locator("p.notice").first(), "Slow mode set.");

    // A console moderator reads the chat's moderators but cannot change them: no form.
    await rules.getByText("No chat user moderates this app.").waitFor();
    assert.equal(await rules.getByRole("button", { name: "Add a moderator" }).count(), 0);
  });

  test("the moderation page on a phone and a desktop, light and dark: axe clean, nothing wider than the screen", async () => {
    mkdirSync(SCREENSHOTS, { recursive: true });
    for (const [width, height] of [
      [390, 844],
      [1280, 860],
    ] as const) {
      for (const scheme of ["light", "dark"] as const) {
        await consolePage.setViewportSize({ width, height });
        await consolePage.emulateMedia({ colorScheme: scheme });
        await consolePage.goto(`${s.url}/console/#/apps/${app}/moderation`);
        const page = consolePage.locator("console-moderation");
        await page.getByRole("button", { name: "Resolved" }).click();
        await page.locator("[data-report]").first().waitFor();
        await page.locator("[data-report]").first().getByRole("button", { name: "Open" }).click();
        await page.locator("ol.context").waitFor();
        assert.deepEqual(await axeSerious(consolePage), [], `${width} px ${scheme}`);
        assert.equal(
          await consolePage.evaluate(() => document.documentElement.scrollWidth > window.innerWidth + 1),
          false,
          `${width} px ${scheme}: sideways scroll`,
        );
        if (width === 1280 && scheme === "light") await consolePage.screenshot({ path: path.join(SCREENSHOTS, "console-moderation.png") });
      }
    }
  });
});
