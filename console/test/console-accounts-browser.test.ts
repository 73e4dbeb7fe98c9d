/**
 * Every console account, for operators, in Chromium: the Accounts page found from the header,
 * filtered by e-mail; an account made an operator and back from its row; a deletion refused at the
 * field for a mistyped e-mail and, for an app's only owner, with the reason in the page's language,
 * then done (the account's session ends); the last operator refused giving up their own flag at
 * their row, after a confirmation. A German browser reads the refusals in German. Owners see no
 * Accounts link and are sent to their apps. Phone and desktop, light and dark: axe finds nothing
 * serious or critical, nothing is wider than the screen. Screenshot: docs/screenshots/console-accounts.png.
 *
 * Needs the console built (`npx rollup -c`): the server serves console/dist.
 */
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import type { Browser, BrowserContext, Page } from "playwright-core";
import type { ConsoleSessionResponse } from "@parley/sdk/protocol";
import DE from "../src/app/locales/de.js";
import { EN } from "../src/app/strings.js";
import { axeSerious, overflows, serveAxe } from "./helpers/a11y.js";
import { ConsoleAccountEntity } from "../../server/src/console/console.entities.js";
import { type ConsoleBrowser, consoleAccount } from "../../server/test/helpers/console.js";
import { startServer, type TestServer } from "../../server/test/helpers/harness.js";
import { BROWSER_SKIP, launchBrowser } from "../../widget/test/helpers/browser.js";

const ROOT = path.resolve(import.meta.dirname, "../..");
const ARTIFACTS = path.join(ROOT, "test-artifacts");
const SCREENSHOTS = path.join(ROOT, "docs/screenshots");
const VIEWPORTS = { desktop: { width: 1280, height: 860 }, phone: { width: 390, height: 844 } } as const;

const OP = "ops@parley.example";
const OLIVE = "olive@acme.example";
const VAL = "val@acme.example";

describe("the console in a browser: every console account, for operators", { skip: BROWSER_SKIP, timeout: 300_000 }, () => {
  let s: TestServer;
  let browser: Browser;
  const contexts: BrowserContext[] = [];
  let page: Page;
  let op: { browser: ConsoleBrowser; me: ConsoleSessionResponse };
  let olive: { browser: ConsoleBrowser; me: ConsoleSessionResponse };
  let val: { browser: ConsoleBrowser; me: ConsoleSessionResponse };

  before(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    mkdirSync(SCREENSHOTS, { recursive: true });
    s = await startServer();
    browser = await launchBrowser();
    const { id: appId } = await s.createTenant("Acme Store", ["https://acme.example"]);
    op = await consoleAccount(s, { email: OP, role: "operator" });
    olive = await consoleAccount(s, { email: OLIVE, role: "owner", appId });
    val = await consoleAccount(s, { email: VAL, role: "viewer", appId });
    page = await browserPage(op.browser.cookie);
  });
  after(async () => {
    for (const c of contexts) await c.close();
    await browser?.close();
    await s?.close();
  });

  async function browserPage(cookie: string | null, locale = "en-US"): Promise<Page> {
    const context = await browser.newContext({ viewport: VIEWPORTS.desktop, locale });
    contexts.push(context);
    await serveAxe(context);
    if (cookie) {
      const [name, value] = cookie.split("=") as [string, string];
      await context.addCookies([{ name, value, url: s.url, httpOnly: true, sameSite: "Strict" }]);
    }
    const p = await context.newPage();
    p.on("pageerror", (e) => console.error("page error:", e.message));
    return p;
  }
  const row = (p: Page, accountId: string) => p.locator(`console-accounts tr[data-account="${accountId}"]`);
  /** The Accounts page, loaded afresh (a goto to the hash it is on would keep its state). */
  const open = async (p: Page): Promise<void> => {
    await p.goto(`${s.url}/console/#/accounts`);
    await p.reload();
    await row(p, olive.me.account.id).waitFor();
  };
  const note = (p: Page, text: string) => p.locator("console-accounts [role=status]").filter({ hasText: text }).waitFor();

  test("an operator finds the Accounts page in the header, filters it, and makes an account an operator and back", async () => {
    await page.goto(`${s.url}/console/#/apps`);
    await page.getByRole("link", { name: "Accounts" }).click();
    await page.getByRole("heading", { name: "Console accounts" }).waitFor();
    assert.ok(page.url().endsWith("#/accounts"));
    await row(page, olive.me.account.id).waitFor();
    assert.match((await row(page, olive.me.account.id).textContent()) ?? "", /owner of Acme Store/);
    await row(page, op.me.account.id).locator("[data-you]").waitFor();
    assert.equal(await row(page, op.me.account.id).locator("[data-operator]").count(), 1);

    await page.getByLabel("Find by e-mail").fill("VAL@");
    await page.getByRole("button", { name: "Search" }).click();
    await row(page, olive.me.account.id).waitFor({ state: "detached" });
    // The search's answer drawn (the list is "Loading…" in between).
    await row(page, val.me.account.id).waitFor();
    assert.equal(await page.locator("console-accounts tr[data-account]").count(), 1);

    await row(page, val.me.account.id).getByRole("button", { name: "Make operator" }).click();
    await note(page, `${VAL} is now an operator.`);
    await row(page, val.me.account.id).locator("[data-operator]").waitFor();
    assert.equal((await val.browser.get<ConsoleSessionResponse>("/me")).body.account.operator, true);
    const back = row(page, val.me.account.id).getByRole("button", { name: "Remove as operator" });
    assert.ok(await back.evaluate((e) => e === (e.getRootNode() as ShadowRoot).activeElement), "focus stays on the row's button");
    await back.click();
    await note(page, `${VAL} is no longer an operator.`);
    assert.equal(await row(page, val.me.account.id).locator("[data-operator]").count(), 0);
    assert.equal((await val.browser.get<ConsoleSessionResponse>("/me")).body.account.operator, false);

    await page.getByLabel("Find by e-mail").fill("nobody-like-this");
    await page.getByRole("button", { name: "Search" }).click();
    await page.getByText(EN.accountsNone).waitFor();
  });

  test("a deletion is refused at the field for a mistyped e-mail and, for an app's only owner, with the reason; then done", async () => {
    await open(page);
    await page.getByRole("button", { name: `Delete ${OLIVE}` }).click();
    await page.getByRole("heading", { name: `Delete ${OLIVE}` }).waitFor();
    const confirm = page.getByLabel(`Type ${OLIVE} to confirm`);
    await confirm.fill("olive@");
    await page.getByRole("button", { name: "Delete account" }).click();
    // In English the server's own words, which name what to type; in German, the console's (below).
    await page.getByText(`Type ${OLIVE} to delete this account`).waitFor();
    assert.equal(await confirm.getAttribute("aria-invalid"), "true");
    assert.ok(await confirm.evaluate((e) => e === (e.getRootNode() as ShadowRoot).activeElement), "focus at the field");

    await confirm.fill(OLIVE);
    await page.getByRole("button", { name: "Delete account" }).click();
    await page.locator("console-accounts [role=alert]").filter({ hasText: EN.errLastOwner }).waitFor();
    assert.equal((await olive.browser.get("/me")).status, 200, "not deleted");
    await page.getByRole("button", { name: "Cancel" }).click();

    await page.getByRole("button", { name: `Delete ${VAL}` }).click();
    await page.getByLabel(`Type ${VAL} to confirm`).fill(VAL);
    await page.getByRole("button", { name: "Delete account" }).click();
    await note(page, `${VAL} is deleted.`);
    assert.equal(await row(page, val.me.account.id).count(), 0);
    assert.equal((await val.browser.get("/me")).status, 401, "its session ended");
  });

  test("the last operator giving up their own flag confirms first, and is refused at their row", async () => {
    await s.services.db.getRepository(ConsoleAccountEntity).update({ operator: true }, { operator: false });
    await s.services.db.getRepository(ConsoleAccountEntity).update({ id: op.me.account.id }, { operator: true });
    await open(page);
    assert.equal(await page.getByRole("button", { name: `Delete ${OP}` }).count(), 0, "no deleting oneself");
    await row(page, op.me.account.id).getByRole("button", { name: "Remove as operator" }).click();
    await page.getByText(EN.accountsSelfConfirm).waitFor();
    const yes = page.getByRole("button", { name: EN.accountsSelfYes });
    assert.ok(await yes.evaluate((e) => e === (e.getRootNode() as ShadowRoot).activeElement), "focus on the confirmation");
    await yes.click();
    const error = row(page, op.me.account.id).locator("[data-row-error]");
    await error.waitFor();
    assert.equal(((await error.textContent()) ?? "").trim(), EN.errLastOperator);
    assert.equal((await op.browser.get<ConsoleSessionResponse>("/me")).body.account.operator, true);
  });

  test("a German operator reads the refusals in German; an owner sees no Accounts link and is sent to the apps", async () => {
    const de = await browserPage(op.browser.cookie, "de-DE");
    await de.goto(`${s.url}/console/#/accounts`);
    await de.getByRole("heading", { name: DE.accountsTitle }).waitFor();
    await de.getByRole("button", { name: DE.accountsDeleteOf(OLIVE) }).click();
    await de.getByLabel(DE.accountsDeleteConfirm(OLIVE)).fill("x");
    await de.getByRole("button", { name: DE.accountsDeleteYes }).click();
    await de.getByText(DE.fieldMismatch).waitFor();
    await de.getByLabel(DE.accountsDeleteConfirm(OLIVE)).fill(OLIVE);
    await de.getByRole("button", { name: DE.accountsDeleteYes }).click();
    await de.locator("console-accounts [role=alert]").filter({ hasText: DE.errLastOwner }).waitFor();

    const owner = await browserPage(olive.browser.cookie);
    await owner.goto(`${s.url}/console/#/accounts`);
    await owner.getByRole("heading", { name: "Apps" }).first().waitFor();
    assert.equal(await owner.getByRole("link", { name: "Accounts" }).count(), 0);
    assert.equal(await owner.locator("console-accounts").count(), 0);
  });

  test("the Accounts page on a phone and a desktop, light and dark: axe clean, nothing wider than the screen", async () => {
    const failures: string[] = [];
    for (const [vp, size] of Object.entries(VIEWPORTS))
      for (const scheme of ["light", "dark"] as const) {
        await page.setViewportSize(size);
        await page.emulateMedia({ colorScheme: scheme });
        await open(page);
        // The deletion form open, with its refusal at the field.
        await page.getByRole("button", { name: `Delete ${OLIVE}` }).click();
        await page.getByRole("button", { name: "Delete account" }).click();
        await page.getByLabel(`Type ${OLIVE} to confirm`).and(page.locator("[aria-invalid=true]")).waitFor();
        const found = await axeSerious(page);
        if (found.length) failures.push(`accounts ${vp} ${scheme}: ${found.join("; ")}`);
        if (await overflows(page)) failures.push(`accounts ${vp} ${scheme}: wider than the screen`);
        const shot =
          vp === "desktop" && scheme === "light"
            ? path.join(SCREENSHOTS, "console-accounts.png")
            : path.join(ARTIFACTS, `console-accounts-${vp}-${scheme}.png`);
        await page.screenshot({ path: shot, fullPage: true });
      }
    assert.deepEqual(failures, []);
  });
});
