/**
 * An app's console members in Chromium: an owner invites, from the members tab, an e-mail that
 * already has a console account (a viewer of another app) and copies the link; that account opens
 * it signed out, signs in on the link's page and accepts, landing on the app with its new role;
 * signed in as another account, the link says so and offers to sign out. The owner changes the
 * member's role with its select, is refused demoting themself as the only owner (the server's 409
 * shown at that row), revokes a pending invitation and removes the member. Admins and viewers see
 * no members tab. The tab on a phone and a desktop, light and dark: axe finds nothing serious or
 * critical and nothing is wider than the screen. Screenshot: docs/screenshots/console-members.png,
 * the rest in test-artifacts/.
 *
 * Needs the console built (`npx rollup -c`): the server serves console/dist.
 */
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import type { Browser, BrowserContext, Page } from "playwright-core";
import type { ConsoleSessionResponse } from "@parley/sdk/protocol";
import { axeSerious, overflows, serveAxe } from "./helpers/a11y.js";
import { ConsoleBrowser, consoleAccount, PASSWORD } from "../../server/test/helpers/console.js";
import { startServer, type TestServer } from "../../server/test/helpers/harness.js";
import { BROWSER_SKIP, launchBrowser } from "../../widget/test/helpers/browser.js";

const ROOT = path.resolve(import.meta.dirname, "../..");
const ARTIFACTS = path.join(ROOT, "test-artifacts");
const SCREENSHOTS = path.join(ROOT, "docs/screenshots");
const VIEWPORTS = { desktop: { width: 1280, height: 860 }, phone: { width: 390, height: 844 } } as const;

const OWNER = "owner@acme.example";
const VERA = "vera@other.example";
const SAM = "sam@other.example";

describe("the console in a browser: an app's members and invitations for existing accounts", { skip: BROWSER_SKIP, timeout: 300_000 }, () => {
  let s: TestServer;
  let browser: Browser;
  const contexts: BrowserContext[] = [];
  let page: Page;
  let appId = "";
  let owner: ConsoleBrowser;
  let vera: ConsoleBrowser;
  let veraId = "";
  /** The token of the invitation for Sam, revoked by the owner in the second test. */
  let samToken = "";

  before(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    mkdirSync(SCREENSHOTS, { recursive: true });
    s = await startServer();
    browser = await launchBrowser();
    ({ id: appId } = await s.createTenant("Acme Store", ["https://acme.example"]));
    const { id: otherAppId } = await s.createTenant("Other Shop", []);
    owner = (await consoleAccount(s, { email: OWNER, role: "owner", appId })).browser;
    const v = await consoleAccount(s, { email: VERA, role: "viewer", appId: otherAppId });
    vera = v.browser;
    veraId = v.me.account.id;
    await consoleAccount(s, { email: SAM, role: "viewer", appId: otherAppId });
    page = await browserPage(owner.cookie);
    await page.context().grantPermissions(["clipboard-read", "clipboard-write"], { origin: s.url });
  });
  after(async () => {
    for (const c of contexts) await c.close();
    await browser?.close();
    await s?.close();
  });

  /** A page, signed in with a console session cookie the API handed out, or signed out. */
  async function browserPage(cookie: string | null): Promise<Page> {
    const context = await browser.newContext({ viewport: VIEWPORTS.desktop });
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

  const memberRow = (p: Page, accountId: string) => p.locator(`console-members tr[data-member="${accountId}"]`);
  const inviteRows = (p: Page) => p.locator("console-members tr[data-invite]");

  /** Makes a link on the members tab, as the owner: the e-mail and role typed and chosen. */
  async function invite(email: string, role: string): Promise<string> {
    await page.getByLabel("E-mail").fill(email);
    await page.getByLabel("Role", { exact: true }).selectOption(role);
    await page.getByRole("button", { name: "Make the link" }).click();
    await inviteRows(page).filter({ hasText: email }).waitFor();
    return ((await page.locator("console-invite [data-invite-link]").textContent()) ?? "").trim();
  }

  test("an owner invites an existing account from the members tab; it signs in on the link's page, accepts and lands on the app as admin", async () => {
    await page.goto(`${s.url}/console/#/apps/${appId}/members`);
    await page.getByRole("heading", { name: "Members", exact: true }).waitFor();
    const me = (await owner.get<ConsoleSessionResponse>("/me")).body.account.id;
    await memberRow(page, me).locator("[data-you]").waitFor();
    assert.match((await memberRow(page, me).textContent()) ?? "", new RegExp(OWNER));
    assert.equal(await page.getByLabel(`Role of ${OWNER}`, { exact: true }).inputValue(), "owner");
    await page.getByText("No pending invitations.").waitFor();

    const link = await invite(VERA, "admin");
    assert.match(link, /\/console\/#\/signup\/\S+$/);
    const pending = inviteRows(page).filter({ hasText: VERA });
    assert.match((await pending.textContent()) ?? "", new RegExp(`admin.*${OWNER}`, "s"), "role and who invited");
    await page.getByRole("button", { name: "Copy" }).click();
    await page.locator("console-invite").getByRole("button", { name: "Copied" }).waitFor();
    assert.equal(await page.evaluate(() => navigator.clipboard.readText()), link);

    // Vera opens it signed out: no password to choose, her sign-in on the same page, then accept.
    const v = await browserPage(null);
    await v.goto(link);
    await v.getByRole("heading", { name: "Accept your invitation" }).waitFor();
    await v.getByText(`You already have a console account (${VERA}). Sign in to accept the invitation.`).waitFor();
    assert.equal(await v.getByLabel("Password again").count(), 0, "no sign-up form");
    assert.deepEqual(await axeSerious(v), [], "the link's page, signed out");
    await v.screenshot({ path: path.join(ARTIFACTS, "console-accept-signed-out.png"), fullPage: true });
    assert.equal(await v.getByLabel("E-mail").inputValue(), VERA);
    await v.getByLabel("Password", { exact: true }).fill(PASSWORD);
    await v.getByRole("button", { name: "Sign in" }).click();
    await v.getByText(`You are signed in as ${VERA}.`).waitFor();
    assert.deepEqual(await axeSerious(v), [], "the accept page");
    await v.screenshot({ path: path.join(ARTIFACTS, "console-accept-signed-in.png"), fullPage: true });
    assert.match(v.url(), /#\/signup\//, "still on the link's page");
    await v.getByRole("button", { name: "Accept invitation" }).click();
    await v.getByRole("heading", { name: "Acme Store" }).waitFor();
    await v.getByText("Your role: admin").waitFor();
    assert.ok(v.url().endsWith(`#/apps/${appId}`), v.url());
    assert.equal(await v.getByRole("link", { name: "Members" }).count(), 0, "admins see no members tab");
    const roles = (await vera.get<ConsoleSessionResponse>("/me")).body.account.roles;
    assert.deepEqual(
      roles.find((r) => r.appId === appId),
      { appId, role: "admin" },
    );

    // The owner's list follows on its next load: Vera is a member, her invitation gone.
    await page.reload();
    await memberRow(page, veraId).waitFor();
    assert.equal(await inviteRows(page).filter({ hasText: VERA }).count(), 0);
  });

  test("a link for another account's e-mail says so, and signing out brings its sign-in", async () => {
    const link = await invite(SAM, "moderator");
    samToken = link.split("/signup/")[1]!;
    const v = await browserPage(vera.cookie);
    await v.goto(link);
    const other = v.locator("console-signup [data-other-email]");
    await other.waitFor();
    assert.match((await other.textContent()) ?? "", new RegExp(`signed in as ${VERA}, but this invitation is for ${SAM}`));
    assert.equal(await v.getByRole("button", { name: "Accept invitation" }).count(), 0);
    await v.locator("console-signup").getByRole("button", { name: "Sign out" }).click();
    await v.getByText(`You already have a console account (${SAM}).`, { exact: false }).waitFor();
    assert.equal(await v.getByLabel("E-mail").inputValue(), SAM);
    assert.equal((await vera.get("/me")).status, 401, "that session is over");
  });

  test("the owner changes a role, is refused demoting themself as the only owner at that row, revokes an invitation and removes a member", async () => {
    // Vera's session ended with the sign-out above: a new one for the checks.
    vera = await signIn(VERA);
    await page.goto(`${s.url}/console/#/apps/${appId}/members`);
    const row = memberRow(page, veraId);
    await row.waitFor();

    // Her role, with the select and Save.
    await page.getByLabel(`Role of ${VERA}`, { exact: true }).selectOption("moderator");
    await page.getByRole("button", { name: `Save the role of ${VERA}` }).click();
    await page
      .locator("console-members [data-note]")
      .filter({ hasText: `${VERA} is now moderator.` })
      .waitFor();
    assert.equal(await page.getByRole("button", { name: `Save the role of ${VERA}` }).count(), 0);
    assert.equal(await page.getByLabel(`Role of ${VERA}`, { exact: true }).inputValue(), "moderator");
    assert.deepEqual(
      (await vera.get<ConsoleSessionResponse>("/me")).body.account.roles.find((r) => r.appId === appId),
      { appId, role: "moderator" },
    );

    // Themself, as the only owner: confirmed, then refused with the server's message at their row.
    const me = (await owner.get<ConsoleSessionResponse>("/me")).body.account.id;
    const refused = await owner.req("PUT", `/apps/${appId}/members/${me}`, { role: "admin" });
    assert.equal(refused.status, 409);
    assert.equal(refused.body.error.details.reason, "last_owner");
    const mine = page.getByLabel(`Role of ${OWNER}`, { exact: true });
    await mine.selectOption("admin");
    await page.getByRole("button", { name: `Save the role of ${OWNER}` }).click();
    await page.getByText("You are changing your own role").waitFor();
    await page.getByRole("button", { name: "Yes, change my role" }).click();
    const error = memberRow(page, me).locator("[data-row-error]");
    await error.waitFor();
    // Said in the page's language (app/errors.ts), not in the server's words.
    assert.equal(((await error.textContent()) ?? "").trim(), "An app keeps at least one owner: make someone else owner first.");
    assert.equal(await mine.getAttribute("aria-invalid"), "true");
    assert.equal(await memberRow(page, veraId).locator("[data-row-error]").count(), 0, "at that row only");
    assert.ok(await mine.evaluate((e) => e === (e.getRootNode() as ShadowRoot).activeElement), "focus back at the select");
    await memberRow(page, me).getByRole("button", { name: "Cancel" }).click();
    assert.equal(await mine.inputValue(), "owner");
    assert.equal(await memberRow(page, me).locator("[data-row-error]").count(), 0);

    // Sam's invitation: revoked, and its link no longer works.
    await page.getByRole("button", { name: `Revoke the invitation of ${SAM}` }).click();
    await page.getByText(`Revoke the invitation of ${SAM}? Its link stops working.`).waitFor();
    await page.getByRole("button", { name: "Yes, revoke" }).click();
    await page
      .locator("console-members [data-note]")
      .filter({ hasText: `The invitation of ${SAM} is revoked.` })
      .waitFor();
    assert.equal(await inviteRows(page).count(), 0);
    await page.getByText("No pending invitations.").waitFor();
    assert.equal((await fetch(`${s.url}/v1/console/invites/${samToken}`)).status, 404);

    // Vera: removed, after a confirmation.
    await page.getByRole("button", { name: `Remove ${VERA}` }).click();
    await page.getByText(`Remove ${VERA} from this app? They lose access at once.`).waitFor();
    await page.getByRole("button", { name: "Yes, remove" }).click();
    await row.waitFor({ state: "detached" });
    await page
      .locator("console-members [data-note]")
      .filter({ hasText: `${VERA} is removed from this app.` })
      .waitFor();
    assert.equal(
      (await vera.get<ConsoleSessionResponse>("/me")).body.account.roles.find((r) => r.appId === appId),
      undefined,
    );
    await page.reload();
    await memberRow(page, me).waitFor();
    assert.equal(await memberRow(page, veraId).count(), 0);
  });

  test("admins and viewers see no members tab and no invite form", async () => {
    for (const [email, role] of [
      ["ada@acme.example", "admin"],
      ["val@acme.example", "viewer"],
    ] as const) {
      const who = await consoleAccount(s, { email, role, appId });
      const p = await browserPage(who.browser.cookie);
      await p.goto(`${s.url}/console/#/apps/${appId}/members`);
      await p.getByText(`Your role: ${role}`).waitFor();
      await p.getByRole("link", { name: "Audit log" }).waitFor();
      assert.equal(await p.getByRole("link", { name: "Members" }).count(), 0, role);
      assert.equal(await p.locator("console-members").count(), 0, role);
      assert.equal(await p.getByRole("heading", { name: "Invite someone to this app" }).count(), 0, role);
      assert.equal((await who.browser.get(`/apps/${appId}/members`)).status, 403, role);
    }
  });

  test("the members tab on a phone and a desktop, light and dark: axe clean, nothing wider than the screen", async () => {
    await page.goto(`${s.url}/console/#/apps/${appId}/members`);
    await invite("new.person@acme.example", "viewer");
    const failures: string[] = [];
    for (const [vp, size] of Object.entries(VIEWPORTS))
      for (const scheme of ["light", "dark"] as const) {
        await page.setViewportSize(size);
        await page.emulateMedia({ colorScheme: scheme });
        await page.reload();
        await page.getByRole("heading", { name: "Members", exact: true }).waitFor();
        await inviteRows(page).first().waitFor();
        // A confirmation open, as drawn at its row.
        await page.getByRole("button", { name: "Remove ada@acme.example" }).click();
        await page.getByRole("button", { name: "Yes, remove" }).waitFor();
        const found = await axeSerious(page);
        if (found.length) failures.push(`members ${vp} ${scheme}: ${found.join("; ")}`);
        if (await overflows(page)) failures.push(`members ${vp} ${scheme}: wider than the screen`);
        await page.getByRole("button", { name: "Cancel" }).click();
        const shot =
          vp === "desktop" && scheme === "light" ? path.join(SCREENSHOTS, "console-members.png") : path.join(ARTIFACTS, `console-members-${vp}-${scheme}.png`);
        await page.screenshot({ path: shot, fullPage: true });
      }
    assert.deepEqual(failures, []);
  });

  /** A new session of an account by e-mail and password, through the API. */
  async function signIn(email: string): Promise<ConsoleBrowser> {
    const b = new ConsoleBrowser(s);
    const res = await b.post("/session", { email, password: PASSWORD });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return b;
  }
});
