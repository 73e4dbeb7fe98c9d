/**
 * Roles in the console's pages (issue 32, acceptance 3, the browser part; the API's 403/404 on
 * every route are server/test/console*.test.ts): an operator invites a viewer from the app's page
 * (the link shown to copy); the viewer signs up from it and sees the app's keys and webhooks with
 * no control that would change them; a moderator sees neither keys nor webhooks; an account sees
 * no app it has no role on. Needs `npm run build`.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { consoleAccount, PASSWORD } from "../../server/test/helpers/console.js";
import { startServer, type TestServer } from "../../server/test/helpers/harness.js";
import { BROWSER_SKIP, launchBrowser } from "../../widget/test/helpers/browser.js";

describe("console roles in the browser: what a viewer and a moderator see", { skip: BROWSER_SKIP, timeout: 240_000 }, () => {
  let s: TestServer;
  let browser: Browser;
  let appId = "";
  let otherAppId = "";
  const contexts: BrowserContext[] = [];

  before(async () => {
    s = await startServer({ WEBHOOK_ALLOW_PRIVATE: "1" });
    browser = await launchBrowser();
  });
  after(async () => {
    for (const c of contexts) await c.close();
    await browser?.close();
    await s?.close();
  });

  /** A page signed in with a console session cookie the API handed out. */
  const signedIn = async (cookie: string): Promise<Page> => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
    contexts.push(context);
    const [name, value] = cookie.split("=") as [string, string];
    await context.addCookies([{ name, value, url: s.url, httpOnly: true, sameSite: "Strict" }]);
    const page = await context.newPage();
    page.on("pageerror", (e) => console.error("page error:", e.message));
    return page;
  };

  test("an operator invites a viewer from the app's page; the viewer signs up from the link and can look but change nothing", async () => {
    const op = await consoleAccount(s, { email: "op@parley.example", role: "operator" });
    const made = await op.browser.post("/apps", { name: "Acme Store", allowedOrigins: ["https://acme.example"] });
    appId = made.body.app.id;
    otherAppId = (await op.browser.post("/apps", { name: "Other Shop", allowedOrigins: [] })).body.app.id;
    assert.equal((await op.browser.post(`/apps/${appId}/keys`, { name: "backend" })).status, 201);
    assert.equal((await op.browser.post(`/apps/${appId}/webhooks`, { url: "https://hooks.acme.example/parley", events: ["message.new"] })).status, 201);

    const page = await signedIn(op.browser.cookie);
    await page.goto(`${s.url}/console/#/apps/${appId}/members`);
    await page.getByRole("heading", { name: "Invite someone to this app" }).waitFor();
    // Bad input at its field, then a link for a viewer.
    await page.getByLabel("E-mail").fill("not an e-mail");
    await page.getByRole("button", { name: "Make the link" }).click();
    await page.locator("console-invite #f-email-error").waitFor();
    await page.getByLabel("E-mail").fill("vera@acme.example");
    await page.getByLabel("Role").selectOption("viewer");
    await page.getByRole("button", { name: "Make the link" }).click();
    const link = ((await page.locator("console-invite [data-invite-link]").textContent()) ?? "").trim();
    assert.match(link, /\/console\/#\/signup\/\S+$/);

    const viewer = await (await browser.newContext()).newPage();
    contexts.push(viewer.context());
    await viewer.goto(link);
    await viewer.getByText("vera@acme.example is invited as viewer of Acme Store.").waitFor();
    await viewer.getByLabel("Password", { exact: true }).fill(PASSWORD);
    await viewer.getByLabel("Password again").fill(PASSWORD);
    await viewer.getByRole("button", { name: "Create account" }).click();
    // No second factor required of a viewer: straight to the apps, which hold only Acme Store.
    await viewer.getByRole("heading", { name: "Apps" }).waitFor();
    await viewer.getByRole("link", { name: "Acme Store" }).waitFor();
    assert.equal(await viewer.getByText("Other Shop").count(), 0);
    assert.equal(await viewer.getByRole("button", { name: "Create app" }).count(), 0);
    assert.equal(await viewer.getByRole("heading", { name: "Invite an operator" }).count(), 0);

    await viewer.getByRole("link", { name: "Acme Store" }).click();
    await viewer.getByText("backend", { exact: true }).waitFor();
    await viewer.getByText("Your role can look but not change anything here.").waitFor();
    for (const name of ["Create key", "Revoke"]) assert.equal(await viewer.getByRole("button", { name }).count(), 0, name);
    assert.equal(await viewer.getByRole("heading", { name: "Invite someone to this app" }).count(), 0);
    await viewer.getByRole("link", { name: "Webhooks" }).click();
    await viewer.getByText("https://hooks.acme.example/parley").waitFor();
    await viewer.getByText("No deliveries yet.").waitFor();
    for (const name of ["Add endpoint", "Replay", "Send a test event", "Remove endpoint", "Save"])
      assert.equal(await viewer.getByRole("button", { name }).count(), 0, name);

    // Another app's page: as if it did not exist.
    await viewer.goto(`${s.url}/console/#/apps/${otherAppId}`);
    await viewer.getByText("There is nothing here.").waitFor();
  });

  test("a moderator sees neither keys nor webhooks", async () => {
    const mod = await consoleAccount(s, { email: "mo@acme.example", role: "moderator", appId });
    const page = await signedIn(mod.browser.cookie);
    await page.goto(`${s.url}/console/#/apps/${appId}`);
    await page.getByRole("heading", { name: "Acme Store" }).waitFor();
    await page.getByText("Your role: moderator").waitFor();
    assert.equal(await page.getByRole("link", { name: "Server keys" }).count(), 0);
    assert.equal(await page.getByRole("link", { name: "Webhooks" }).count(), 0);
    assert.equal(await page.getByText("backend", { exact: true }).count(), 0);
    await page.goto(`${s.url}/console/#/apps/${appId}/webhooks`);
    await page.getByRole("heading", { name: "Acme Store" }).waitFor();
    assert.equal(await page.getByText("https://hooks.acme.example/parley").count(), 0);
  });
});
