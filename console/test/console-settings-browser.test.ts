/**
 * An app's settings and users in Chromium (issue 32): an owner saves settings (a bad origin and a
 * group size out of range answered at their fields, the header following the new name), rotates
 * the secret (shown once, with copy), disables and enables the app; finds a user by sub, downloads
 * the export and deletes the account with the sub typed; deletes an app with its name typed. A
 * viewer reads the settings with no control to change them; a moderator finds users but has no
 * export or delete. Both pages on a phone and a desktop, light and dark: axe finds nothing
 * serious or critical and nothing is wider than the screen. Screenshots: docs/screenshots/
 * console-settings.png and console-users.png, the rest in test-artifacts/.
 *
 * Needs the console built (`npm run build`, or `npx rollup -c`): the server serves console/dist.
 */
import assert from "node:assert/strict";
import { mkdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import jwt from "jsonwebtoken";
import { serveAxe, axeSerious, overflows } from "./helpers/a11y.js";
import type { Browser, BrowserContext, Page } from "playwright-core";
import type { AuthResponse, DataExport } from "@parley/sdk/protocol";
import { consoleAccount } from "../../server/test/helpers/console.js";
import { startServer, type TestServer } from "../../server/test/helpers/harness.js";
import { BROWSER_SKIP, launchBrowser } from "../../widget/test/helpers/browser.js";

const ROOT = path.resolve(import.meta.dirname, "../..");
const ARTIFACTS = path.join(ROOT, "test-artifacts");
const SCREENSHOTS = path.join(ROOT, "docs/screenshots");

const VIEWPORTS = {
  desktop: { width: 1280, height: 860 },
  phone: { width: 390, height: 844 },
} as const;

describe("the console in a browser: an app's settings and its users", { skip: BROWSER_SKIP, timeout: 300_000 }, () => {
  let s: TestServer;
  let browser: Browser;
  const contexts: BrowserContext[] = [];
  let page: Page;
  let appId = "";
  let secret = "";
  let ownerCookie = "";
  const sub = "buyer-7";

  before(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    mkdirSync(SCREENSHOTS, { recursive: true });
    s = await startServer();
    browser = await launchBrowser();
    ({ id: appId, secret } = await s.createTenant("Acme Store", ["https://acme.example"]));
    const owner = await consoleAccount(s, { email: "owner@acme.example", role: "owner", appId });
    ownerCookie = owner.browser.cookie;
    page = await signedIn(ownerCookie);
  });
  after(async () => {
    for (const c of contexts) await c.close();
    await browser?.close();
    await s?.close();
  });

  /** A page signed in with a console session cookie the API handed out. */
  async function signedIn(cookie: string): Promise<Page> {
    const context = await browser.newContext({ viewport: VIEWPORTS.desktop, acceptDownloads: true });
    contexts.push(context);
    await serveAxe(context);
    const [name, value] = cookie.split("=") as [string, string];
    await context.addCookies([{ name, value, url: s.url, httpOnly: true, sameSite: "Strict" }]);
    const p = await context.newPage();
    p.on("pageerror", (e) => console.error("page error:", e.message));
    return p;
  }

  /** Chat users of the app: Ada (a Parley account) and Bob (signed in by the host as `buyer-7`), with messages. */
  async function chatUsers(): Promise<{ ada: AuthResponse; bob: AuthResponse }> {
    const ada = await s.api.register(appId, { email: "ada@acme.example", displayName: "Ada Lovelace" });
    const token = jwt.sign({ sub, name: "Bob Builder", exp: Math.floor(Date.now() / 1000) + 60 }, secret, { algorithm: "HS256" });
    const bob = (await s.api.post<AuthResponse>("/auth/host-token", { app: appId, body: { token } })).body;
    const dm = (await s.api.post("/conversations/direct", { token: ada.accessToken, body: { userId: bob.user.id } })).body.conversation.id;
    for (const [who, text] of [
      [bob, "is the blue one in stock?"],
      [ada, "yes, two left"],
      [bob, "great, ordering now"],
    ] as const)
      assert.equal((await s.api.post(`/conversations/${dm}/messages`, { token: who.accessToken, body: { text } })).status, 201);
    return { ada, bob };
  }

  test("settings: a bad origin, a group size and a presence group size out of range at their fields; saved, the header follows; the secret rotated and shown once; disable and enable", async () => {
    await page.goto(`${s.url}/console/#/apps/${appId}/settings`);
    await page.getByRole("heading", { name: "Settings", exact: true }).waitFor();
    const origins = page.getByLabel("Allowed origins");
    assert.equal(await origins.inputValue(), "https://acme.example");

    await origins.fill("https://acme.example\nnot an origin");
    await page.getByRole("button", { name: "Save" }).click();
    const originError = page.locator("console-settings #f-allowedOrigins-error");
    await originError.waitFor();
    assert.match((await originError.textContent()) ?? "", /not an origin/);
    assert.equal(await origins.getAttribute("aria-invalid"), "true");
    assert.ok(await origins.evaluate((e) => e === (e.getRootNode() as ShadowRoot).activeElement), "focus moves to the field in error");

    await origins.fill("https://acme.example\nhttps://blog.acme.example");
    await page.getByLabel("Largest group", { exact: true }).fill("1");
    await page.getByRole("button", { name: "Save" }).click();
    await page.locator("console-settings #f-groupMaxMembers-error").waitFor();
    const presence = page.getByLabel("Largest group with live online status");
    await presence.fill("1");
    await page.getByRole("button", { name: "Save" }).click();
    await page.locator("console-settings #f-presenceGroupMax-error").waitFor();
    assert.equal(await presence.getAttribute("aria-invalid"), "true");
    await presence.fill("500");
    await page.getByLabel("Name", { exact: true }).fill("Acme Outlet");
    await page.getByLabel("Largest group", { exact: true }).fill("25");
    await page.getByLabel("Adding people to groups").selectOption("off");
    await page.getByLabel("Display and group names pass the word filter").check();
    await page.getByRole("button", { name: "Save" }).click();
    await page.getByText("Settings saved.").waitFor();
    await page.getByRole("heading", { name: "Acme Outlet" }).waitFor();
    const app = await s.services.apps.lookup(appId);
    assert.deepEqual(
      [app.name, app.allowedOrigins, app.groupMaxMembers, Boolean(app.groupDirectAdd), app.presenceGroupMax],
      ["Acme Outlet", ["https://acme.example", "https://blog.acme.example"], 25, false, 500],
    );
    assert.equal((await s.services.moderation.wordFilter({ appId, server: "test" })).names, true);

    // The secret: a first click asks, the second rotates; the new one is shown once, with copy.
    await page.getByLabel("The old secret keeps working for").selectOption("3600");
    await page.getByRole("button", { name: "Rotate secret" }).click();
    await page.getByText("Rotate the secret?").waitFor();
    await page.getByRole("button", { name: "Confirm" }).click();
    const shown = ((await page.locator("console-settings [data-secret]").textContent()) ?? "").trim();
    assert.match(shown, /^sk_/);
    assert.notEqual(shown, secret);
    assert.match((await page.locator("console-settings [data-previous]").textContent()) ?? "", /The old secret works until/);
    await page.getByRole("button", { name: "Copy" }).click();
    const hostSignIn = (key: string) =>
      s.api.post("/auth/host-token", { app: appId, body: { token: jwt.sign({ sub: "tester", name: "T", exp: Math.floor(Date.now() / 1000) + 60 }, key) } });
    assert.equal((await hostSignIn(shown)).status, 200);
    assert.equal((await hostSignIn(secret)).status, 200, "the old one, within its hour");
    secret = shown;
    await page.reload();
    await page.getByRole("heading", { name: "App secret" }).waitFor();
    assert.equal(await page.locator("console-settings [data-secret]").count(), 0);
    assert.ok(!((await page.locator("console-settings").textContent()) ?? "").includes(shown), "shown once");

    // Disable (asked twice), the header says so; enable again.
    await page.getByRole("button", { name: "Disable app" }).click();
    await page.getByText("Disable the app?").waitFor();
    await page.getByRole("button", { name: "Confirm" }).click();
    await page.locator("console-app h1 .pill").getByText("Disabled").waitFor();
    assert.equal((await s.api.post("/auth/host-token", { app: appId, body: { token: "x" } })).status, 403);
    await page.getByRole("button", { name: "Enable app" }).click();
    await page.locator("console-settings [data-state=enabled]").waitFor();
    assert.equal(await page.locator("console-app h1 .pill").count(), 0);
  });

  test("users: find one by sub, download the export, delete the account with the sub typed", async () => {
    const { bob } = await chatUsers();
    await page.goto(`${s.url}/console/#/apps/${appId}/users`);
    await page.getByRole("heading", { name: "Users", exact: true }).waitFor();
    await page.locator("console-users [data-user]").first().waitFor();
    assert.deepEqual(await page.locator("console-users [data-user] strong").allTextContents(), ["Ada Lovelace", "Bob Builder", "T"]);

    await page.getByLabel("Find a user").fill(sub);
    await page.getByRole("button", { name: "Search" }).click();
    await page.locator(`console-users [data-user="${bob.user.id}"]`).waitFor();
    await page.getByRole("button", { name: "Show Bob Builder" }).click();
    const detail = page.locator(`console-users [data-detail="${bob.user.id}"]`);
    await detail.waitFor();
    assert.equal(await detail.locator("[data-count=messages]").textContent(), "2");
    assert.equal(await detail.locator("[data-count=conversations]").textContent(), "1");
    assert.match((await detail.locator("[data-ban]").textContent()) ?? "", /Not banned from the app/);

    // The export: a JSON file with his messages.
    const [download] = await Promise.all([page.waitForEvent("download"), page.getByRole("button", { name: "Download export" }).click()]);
    assert.equal(download.suggestedFilename(), `parley-export-${bob.user.id}.json`);
    const data = JSON.parse(readFileSync((await download.path())!, "utf8")) as DataExport;
    assert.deepEqual(data.messages.map((m) => m.text).sort(), ["great, ordering now", "is the blue one in stock?"]);
    await page.getByText("The export is downloaded.").waitFor();

    // Deletion: the wrong confirmation at its field, then his sub.
    const confirm = page.getByLabel(`Type ${sub} to confirm`);
    await confirm.fill("bob");
    await page.getByRole("button", { name: "Delete account" }).click();
    await page.locator("console-users #f-confirm-error").waitFor();
    assert.equal(await confirm.getAttribute("aria-invalid"), "true");
    await confirm.fill(sub);
    await page.getByRole("button", { name: "Delete account" }).click();
    await page.getByText("Bob Builder's account is deleted.").waitFor();
    assert.equal(await page.locator(`console-users [data-user="${bob.user.id}"]`).count(), 0);
    assert.equal((await s.api.post("/auth/refresh", { app: appId, body: { refreshToken: bob.refreshToken } })).status, 401);
  });

  test("a viewer reads the settings with no control to change them; a moderator finds users but cannot export or delete them", async () => {
    const viewer = await consoleAccount(s, { email: "vera@acme.example", role: "viewer", appId });
    const v = await signedIn(viewer.browser.cookie);
    await v.goto(`${s.url}/console/#/apps/${appId}/settings`);
    await v.getByRole("heading", { name: "Settings", exact: true }).waitFor();
    await v.getByText("Your role can look but not change anything here.").waitFor();
    await v.getByText("https://blog.acme.example").waitFor();
    for (const name of ["Save", "Rotate secret", "Disable app", "Delete app for good"]) assert.equal(await v.getByRole("button", { name }).count(), 0, name);
    assert.equal(await v.getByRole("textbox").count(), 0);
    assert.equal(await v.getByRole("link", { name: "Users" }).count(), 0, "viewers do not look people up");

    const mod = await consoleAccount(s, { email: "mo@acme.example", role: "moderator", appId });
    const m = await signedIn(mod.browser.cookie);
    await m.goto(`${s.url}/console/#/apps/${appId}/users`);
    await m.getByRole("button", { name: "Show Ada Lovelace" }).click();
    await m.locator("console-users [data-detail]").waitFor();
    for (const name of ["Download export", "Delete account"]) assert.equal(await m.getByRole("button", { name }).count(), 0, name);
    assert.equal(await m.getByRole("link", { name: "Settings" }).count(), 0);
  });

  test("settings and users on a phone and a desktop, light and dark: axe clean, nothing wider than the screen", async () => {
    const pages: [string, string, string][] = [
      ["settings", `#/apps/${appId}/settings`, "Settings"],
      ["users", `#/apps/${appId}/users`, "Users"],
    ];
    const failures: string[] = [];
    for (const [vp, size] of Object.entries(VIEWPORTS))
      for (const scheme of ["light", "dark"] as const) {
        await page.setViewportSize(size);
        await page.emulateMedia({ colorScheme: scheme });
        for (const [name, hash, heading] of pages) {
          await page.goto(`${s.url}/console/${hash}`);
          await page.getByRole("heading", { name: heading, exact: true }).waitFor();
          await page.locator("[role=status]").filter({ hasText: "Loading" }).first().waitFor({ state: "detached" });
          if (name === "users") {
            // With a user open: the profile, counts, ban state, export and deletion.
            await page.getByRole("button", { name: "Show Ada Lovelace" }).click();
            await page.locator("console-users [data-detail]").waitFor();
          }
          const found = await axeSerious(page);
          if (found.length) failures.push(`${name} ${vp} ${scheme}: ${found.join("; ")}`);
          if (await overflows(page)) failures.push(`${name} ${vp} ${scheme}: wider than the screen`);
          const shot =
            vp === "desktop" && scheme === "light"
              ? path.join(SCREENSHOTS, `console-${name}.png`)
              : path.join(ARTIFACTS, `console-${name}-${vp}-${scheme}.png`);
          await page.screenshot({ path: shot, fullPage: true });
        }
      }
    assert.deepEqual(failures, []);
  });

  test("deleting an app asks for its name typed, then goes back to the apps", async () => {
    const { id: doomed } = await s.createTenant("Old Shop", []);
    const op = await consoleAccount(s, { email: "op@parley.example", role: "operator" });
    const p = await signedIn(op.browser.cookie);
    await p.goto(`${s.url}/console/#/apps/${doomed}/settings`);
    await p.getByRole("heading", { name: "Delete app" }).waitFor();
    const confirm = p.getByLabel("Type the app's name, Old Shop, to confirm");
    await confirm.fill("Old");
    await p.getByRole("button", { name: "Delete app for good" }).click();
    await p.locator("console-settings #f-confirm-error").waitFor();
    assert.equal(await confirm.getAttribute("aria-invalid"), "true");
    await confirm.fill("Old Shop");
    await p.getByRole("button", { name: "Delete app for good" }).click();
    await p.getByRole("heading", { name: "Apps" }).waitFor();
    await p.getByRole("link", { name: "Acme Outlet" }).waitFor();
    assert.equal(await p.getByText("Old Shop").count(), 0);
    assert.equal((await s.api.post("/auth/login", { app: doomed, body: { email: "a@b.example", password: "whatever password" } })).status, 404);
  });
});
