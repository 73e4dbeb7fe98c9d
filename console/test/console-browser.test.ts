/**
 * The console in Chromium (issue 32, acceptances 1 and 6): from a fresh data dir, the invite CLI's
 * link → password → TOTP enrolment (the QR's key read off the page) → sign in again with a code →
 * create an app → a key shown once → a webhook → a chat user's message delivered and shown in the
 * log → one delivery's request and response → replay, delivered again. Then every page on a phone
 * and a desktop, light and dark: axe finds nothing serious or critical, nothing is wider than the
 * screen; and bad input in every form is answered at its field. Screenshots go to test-artifacts/.
 *
 * Needs `npm run build` (the server serves console/dist).
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { mkdirSync } from "node:fs";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { serveAxe, axeSerious, overflows } from "./helpers/a11y.js";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { totpCode } from "../../server/src/console/totp.js";
import { TEST_JWT_SECRET, startServer, type TestServer } from "../../server/test/helpers/harness.js";
import { WebhookReceiver } from "../../server/test/helpers/webhook-receiver.js";
import { BROWSER_SKIP, launchBrowser } from "../../widget/test/helpers/browser.js";

const ROOT = path.resolve(import.meta.dirname, "../..");
const ARTIFACTS = path.join(ROOT, "test-artifacts");
const PASSWORD = "correct horse console";
const EMAIL = "ops@parley.example";

const VIEWPORTS = {
  desktop: { width: 1280, height: 860 },
  phone: { width: 390, height: 844 },
} as const;

describe("the console in a browser: invite → TOTP → app → key → webhook → delivery → replay", { skip: BROWSER_SKIP, timeout: 300_000 }, () => {
  let s: TestServer;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  const receiver = new WebhookReceiver();
  let secret = "";
  let lastStep = 0;
  let appId = "";

  before(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    s = await startServer({ WEBHOOK_ALLOW_PRIVATE: "1", WEBHOOK_RETRY_BASE_MS: "200" });
    await receiver.start();
    browser = await launchBrowser();
    context = await browser.newContext({ viewport: VIEWPORTS.desktop });
    await serveAxe(context);
    page = await context.newPage();
    page.on("pageerror", (e) => console.error("page error:", e.message));
  });
  after(async () => {
    await browser?.close();
    await receiver.close();
    await s?.close();
  });

  /** A code for a time step the server has not seen (it takes each step once), waiting for the clock if need be. */
  const nextCode = async (): Promise<string> => {
    const want = Math.max(lastStep + 1, Math.floor(Date.now() / 30_000));
    while (want > Math.floor(Date.now() / 30_000) + 1) await new Promise((r) => setTimeout(r, 30_000 - (Date.now() % 30_000) + 50));
    lastStep = want;
    return totpCode(secret, want * 30_000 + 1_000);
  };

  test("the invite CLI's link → password → enrol TOTP → sign out → sign in with a code", async () => {
    const env: NodeJS.ProcessEnv = { ...process.env, DATA_DIR: s.dataDir, JWT_SECRET: TEST_JWT_SECRET, NODE_ENV: "production" };
    delete env["DATABASE_URL"];
    if (s.databaseUrl) env["DATABASE_URL"] = s.databaseUrl;
    const child = spawn(process.execPath, ["--import", "tsx", "server/src/cli.ts", "console:invite", "--email", EMAIL, "--role", "operator", "--url", s.url], {
      cwd: ROOT,
      env,
      stdio: ["ignore", "pipe", "inherit"],
    });
    let out = "";
    child.stdout.on("data", (d: Buffer) => (out += d));
    assert.equal((await once(child, "exit"))[0], 0);
    const link = /https?:\/\/\S+\/console\/#\/signup\/\S+/.exec(out)?.[0];
    assert.ok(link, out);

    // Served by the node itself: the page (never framed, its own scripts only), and /console to it.
    const bare = await fetch(`${s.url}/console`, { redirect: "manual" });
    assert.equal(bare.status, 302);
    assert.equal(new URL(bare.headers.get("location") ?? "", s.url).pathname, "/console/");
    const res = await page.goto(link);
    assert.equal(res?.status(), 200);
    assert.match(res?.headers()["content-security-policy"] ?? "", /script-src 'self'/);
    assert.match(res?.headers()["content-security-policy"] ?? "", /frame-ancestors 'none'/);
    assert.equal(res?.headers()["cache-control"], "no-cache");
    assert.equal((await fetch(`${s.url}/console/not-a-chunk-12345678.js`)).status, 404);
    await page.getByText(`${EMAIL} is invited as operator.`).waitFor();
    await page.screenshot({ path: path.join(ARTIFACTS, "console-signup-desktop-light.png") });
    // Bad input, at the field: two passwords that differ, then one the server finds too short.
    await page.getByLabel("Password", { exact: true }).fill("short");
    await page.getByLabel("Password again").fill("shorter");
    await page.getByRole("button", { name: "Create account" }).click();
    await page.getByText("The passwords are not the same").waitFor();
    assert.equal(await page.getByLabel("Password again").getAttribute("aria-invalid"), "true");
    await page.getByLabel("Password again").fill("short");
    await page.getByRole("button", { name: "Create account" }).click();
    const passwordError = page.locator("console-signup #f-password-error");
    await passwordError.waitFor();
    assert.match((await passwordError.textContent()) ?? "", /8/);
    assert.equal(await page.getByLabel("Password", { exact: true }).getAttribute("aria-invalid"), "true");
    await page.getByLabel("Password", { exact: true }).fill(PASSWORD);
    await page.getByLabel("Password again").fill(PASSWORD);
    await page.getByRole("button", { name: "Create account" }).click();

    // Operators enrol a second factor before anything else: the key is on the page beside its QR code.
    await page.getByRole("heading", { name: "Turn on two-factor sign-in" }).waitFor();
    await page.getByRole("img", { name: "QR code of the two-factor key" }).waitFor();
    secret = ((await page.locator("console-totp code.secret-key").textContent()) ?? "").trim();
    assert.match(secret, /^[A-Z2-7]{16,}$/);
    assert.deepEqual(await axeSerious(page), []);
    await page.screenshot({ path: path.join(ARTIFACTS, "console-totp-desktop-light.png") });
    await page.getByLabel("The app's current 6-digit code").fill("12");
    await page.getByRole("button", { name: "Turn on" }).click();
    await page.getByText("Enter the 6-digit code from your authenticator app").waitFor();
    await page.getByLabel("The app's current 6-digit code").fill(await nextCode());
    await page.getByRole("button", { name: "Turn on" }).click();
    await page.getByRole("heading", { name: "Your recovery codes" }).waitFor();
    assert.equal(await page.locator("console-totp ul.codes li").count(), 10);
    await page.getByRole("button", { name: "I have saved them" }).click();
    await page.getByRole("heading", { name: "Apps" }).waitFor();
    await page.getByText("No apps yet.").waitFor();

    // Sign out, then in: the password first, then the code the server asks for.
    await page.getByRole("button", { name: "Sign out" }).click();
    await page.getByRole("heading", { name: "Sign in to the console" }).waitFor();
    await page.getByLabel("E-mail").fill(EMAIL);
    await page.getByLabel("Password").fill("wrong password");
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.locator("console-signin #f-password-error").getByText("Wrong e-mail or password").waitFor();
    await page.getByLabel("Password").fill(PASSWORD);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.locator("console-signin #f-code-error").waitFor();
    await page.getByLabel("Authenticator code").fill(await nextCode());
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("heading", { name: "Apps" }).waitFor();
  });

  test("create an app → a key shown once → a webhook → a chat message delivered and shown → its detail → replay", async () => {
    await page.getByRole("button", { name: "Create app" }).click();
    await page.getByRole("button", { name: "Create app" }).last().click();
    await page.locator("console-apps #f-name-error").waitFor();
    await page.getByLabel("Name").fill("Acme Store");
    await page.getByLabel("Allowed origins").fill("not an origin");
    await page.getByRole("button", { name: "Create app" }).last().click();
    await page.locator("console-apps #f-allowedOrigins-error").waitFor();
    await page.getByLabel("Allowed origins").fill("https://acme.example");
    await page.getByRole("button", { name: "Create app" }).last().click();
    await page.getByRole("heading", { name: "App created: Acme Store" }).waitFor();
    assert.match((await page.locator("console-apps [data-secret]").textContent()) ?? "", /^sk_/);
    await page.getByRole("link", { name: "Open Acme Store" }).click();
    await page.getByRole("heading", { name: "Server keys" }).waitFor();
    appId = /#\/apps\/([^/]+)/.exec(page.url())![1]!;

    await page.getByLabel("Key name").fill("production backend");
    await page.getByRole("button", { name: "Create key" }).click();
    const shown = (await page.locator("console-app [data-secret]").textContent()) ?? "";
    assert.match(shown, /\S{20,}/);
    await page.getByText("production backend", { exact: true }).waitFor();
    await page.screenshot({ path: path.join(ARTIFACTS, "console-keys-desktop-light.png") });
    // Shown once: a reload lists the key without its secret.
    await page.reload();
    await page.getByText("production backend", { exact: true }).waitFor();
    assert.equal(await page.locator("console-app [data-secret]").count(), 0);
    assert.ok(!((await page.locator("console-app").textContent()) ?? "").includes(shown));

    await page.getByRole("link", { name: "Webhooks" }).click();
    await page.getByText("No webhook endpoints yet.").waitFor();
    await page.getByLabel("Endpoint URL").fill("ftp://nowhere");
    await page.getByRole("button", { name: "Add endpoint" }).last().click();
    await page.locator("console-webhooks #f-url-error").waitFor();
    await page.getByLabel("Endpoint URL").fill(receiver.url);
    await page.getByRole("button", { name: "Add endpoint" }).last().click();
    await page.locator(`console-webhooks [data-endpoint] h3`).getByText(receiver.url).waitFor();
    await page.getByText("No deliveries yet.").waitFor();

    // A chat user's message, through the chat API.
    const ada = await s.api.register(appId, { displayName: "Ada" });
    const bob = await s.api.register(appId, { displayName: "Bob" });
    const dm = (await s.api.post("/conversations/direct", { token: ada.accessToken, body: { userId: bob.user.id } })).body.conversation;
    const sent = await s.api.post(`/conversations/${dm.id}/messages`, { token: ada.accessToken, body: { text: "hello from the shop" } });
    assert.equal(sent.status, 201);
    await receiver.until((all) => all.some((r) => r.body?.type === "message.new"), "message.new");
    const first = receiver.received.find((r) => r.body?.type === "message.new")!;

    // The log, refreshed, shows it delivered; filtering by "Failed" hides it.
    const row = page.locator(`console-webhooks tr[data-status="delivered"]`).filter({ hasText: "message.new" });
    for (let i = 0; !(await row.count()); i++) {
      assert.ok(i < 100, "the delivery shows in the log");
      await page.getByRole("button", { name: "Refresh" }).click();
      await page.locator("console-webhooks table, console-webhooks .empty").first().waitFor();
    }
    await page.getByLabel("Status").selectOption("failed");
    await page.getByText("No deliveries with this status.").waitFor();
    await page.getByLabel("Status").selectOption("delivered");
    await row.waitFor();
    await row.getByRole("button", { name: "Details" }).click();
    const detail = page.locator("console-webhooks .detail");
    await detail.waitFor();
    assert.ok(((await detail.locator("pre").textContent()) ?? "").includes("hello from the shop"));
    assert.match((await detail.locator("[data-response]").textContent()) ?? "", /HTTP 200/);
    await page.screenshot({ path: path.join(ARTIFACTS, "console-webhooks-desktop-light.png"), fullPage: true });

    // Replay from its seq: delivered again.
    await page.getByLabel("Replay from seq").fill("-1");
    await page.getByRole("button", { name: "Replay" }).click();
    await page.locator("console-webhooks #f-fromSeq-error").waitFor();
    await page.getByLabel("Replay from seq").fill(String(first.body.seq));
    await page.getByRole("button", { name: "Replay" }).click();
    await page.getByText(/events? queued again/).waitFor();
    await receiver.until((all) => all.filter((r) => r.body?.type === "message.new").length >= 2, "the replayed message.new");
    const again = receiver.received.filter((r) => r.body?.type === "message.new")[1]!;
    assert.equal(again.body.seq, first.body.seq);

    // The unread setting: out of range at its field, then saved.
    await page.getByLabel("Notify after (seconds)").fill("-5");
    await page.getByRole("button", { name: "Save" }).click();
    await page.locator("console-webhooks #f-unreadAfterSec-error").waitFor();
    await page.getByLabel("Notify after (seconds)").fill("600");
    await page.getByRole("button", { name: "Save" }).click();
    await page.getByText("Saved.").waitFor();
  });

  test("every page on a phone and a desktop, light and dark: axe clean, nothing wider than the screen", async () => {
    const pages: [string, string, string][] = [
      ["apps", "#/apps", "Apps"],
      ["keys", `#/apps/${appId}`, "Server keys"],
      ["webhooks", `#/apps/${appId}/webhooks`, "Deliveries"],
      ["account", "#/account", "Signed-in browsers"],
    ];
    const failures: string[] = [];
    for (const [vp, size] of Object.entries(VIEWPORTS))
      for (const scheme of ["light", "dark"] as const) {
        await page.setViewportSize(size);
        await page.emulateMedia({ colorScheme: scheme });
        for (const [name, hash, heading] of pages) {
          await page.goto(`${s.url}/console/${hash}`);
          await page.getByRole("heading", { name: heading, exact: true }).first().waitFor();
          await page.locator("[role=status]").filter({ hasText: "Loading" }).first().waitFor({ state: "detached" });
          const found = await axeSerious(page);
          if (found.length) failures.push(`${name} ${vp} ${scheme}: ${found.join("; ")}`);
          if (await overflows(page)) failures.push(`${name} ${vp} ${scheme}: wider than the screen`);
          await page.screenshot({ path: path.join(ARTIFACTS, `console-${name}-${vp}-${scheme}.png`), fullPage: true });
        }
      }
    // Signed out: the sign-in page.
    const fresh = await browser.newContext({ viewport: VIEWPORTS.phone, colorScheme: "dark" });
    await serveAxe(fresh);
    const signin = await fresh.newPage();
    await signin.goto(`${s.url}/console/`);
    await signin.getByRole("heading", { name: "Sign in to the console" }).waitFor();
    failures.push(...(await axeSerious(signin)).map((f) => `signin phone dark: ${f}`));
    if (await overflows(signin)) failures.push("signin phone dark: wider than the screen");
    await signin.screenshot({ path: path.join(ARTIFACTS, "console-signin-phone-dark.png") });
    await fresh.close();
    assert.deepEqual(failures, []);
  });

  test("the theme switch cycles system → light → dark and is kept", async () => {
    await page.setViewportSize(VIEWPORTS.desktop);
    await page.emulateMedia({ colorScheme: "light" });
    await page.goto(`${s.url}/console/#/apps`);
    await page.getByRole("heading", { name: "Apps" }).waitFor();
    const theme = () => page.locator("parley-console").getAttribute("theme");
    const bg = () => page.locator("parley-console").evaluate((e) => getComputedStyle(e).backgroundColor);
    await page.evaluate(() => localStorage.removeItem("parley-console:theme"));
    await page.reload();
    await page.getByRole("heading", { name: "Apps" }).waitFor();
    assert.equal(await theme(), "auto");
    const light = await bg();
    await page.getByRole("button", { name: "Theme: system" }).click();
    assert.equal(await theme(), "light");
    await page.getByRole("button", { name: "Theme: light" }).click();
    assert.equal(await theme(), "dark");
    assert.notEqual(await bg(), light);
    await page.reload();
    await page.getByRole("heading", { name: "Apps" }).waitFor();
    assert.equal(await theme(), "dark");
  });
});
