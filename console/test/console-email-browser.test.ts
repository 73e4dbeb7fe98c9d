/**
 * An app's e-mail settings in the console, in Chromium (issue 55): with no SMTP server anywhere
 * the page says nothing is sent; an owner turns on the app's own SMTP server, a port out of range
 * and a link that is not http(s) are answered at their fields; saved with a password, which is
 * never answered (the console's and the server API's GET), never drawn back into the page, and
 * kept when the form is saved again without it. Pointed at a real SMTP server (smtp-server) with
 * a From address and the text quoted, a user away with an unread message gets the e-mail through
 * it. Each change is in the audit log. A viewer reads the settings and cannot change them (no
 * control, and 403 from the API); Forget, asked twice, goes back to the server's defaults. On a
 * phone, dark, and in Arabic: axe finds nothing serious or critical and nothing is wider than the
 * screen. Screenshot: docs/screenshots/console-email.png.
 *
 * Needs the console built (`npm run build`): the server serves console/dist.
 */
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import type { Browser, BrowserContext, Page } from "playwright-core";
import type { EmailSettings } from "@parley/sdk/protocol";
import { ConsoleBrowser, consoleAccount } from "../../server/test/helpers/console.js";
import { startServer, type TestServer } from "../../server/test/helpers/harness.js";
import { SmtpSink } from "../../server/test/helpers/smtp.js";
import { connect, eventually } from "../../server/test/helpers/sockets.js";
import { BROWSER_SKIP, launchBrowser } from "../../widget/test/helpers/browser.js";
import { axeSerious, overflows, serveAxe } from "./helpers/a11y.js";

const ROOT = path.resolve(import.meta.dirname, "../..");
const SCREENSHOTS = path.join(ROOT, "docs/screenshots");
const PASSWORD = "s3cret-smtp-pass";

describe("the console in a browser: an app's e-mail settings", { skip: BROWSER_SKIP, timeout: 240_000 }, () => {
  let s: TestServer;
  let browser: Browser;
  const contexts: BrowserContext[] = [];
  const smtp = new SmtpSink();
  let appId = "";
  let owner: ConsoleBrowser;
  let page: Page;

  before(async () => {
    mkdirSync(SCREENSHOTS, { recursive: true });
    await smtp.start();
    // No SMTP_URL: until the app has its own server, nothing is sent.
    s = await startServer({ EMAIL_WAIT_MINUTES: String(0.5 / 60), EMAIL_SWEEP_SEC: "0.1", PRESENCE_GRACE_MS: "100", PUBLIC_URL: "https://chat.example" });
    browser = await launchBrowser();
    appId = (await s.createTenant("Acme Store", ["https://acme.example"])).id;
    owner = (await consoleAccount(s, { email: "owner@acme.example", role: "owner", appId })).browser;
    page = await signedIn(owner.cookie);
  });
  after(async () => {
    for (const c of contexts) await c.close();
    await browser?.close();
    await s?.close();
    await smtp.close();
  });

  async function signedIn(cookie: string, viewport = { width: 1280, height: 860 }, colorScheme: "light" | "dark" = "light"): Promise<Page> {
    const context = await browser.newContext({ viewport, colorScheme });
    contexts.push(context);
    await serveAxe(context);
    const [name, value] = cookie.split("=") as [string, string];
    await context.addCookies([{ name, value, url: s.url, httpOnly: true, sameSite: "Strict" }]);
    const p = await context.newPage();
    p.on("pageerror", (e) => console.error("page error:", e.message));
    return p;
  }

  const stored = async (): Promise<{ host: string | null; password: string | null } | undefined> =>
    (await s.services.db.query("SELECT host, password FROM email_settings WHERE appId = ?", [appId]))[0];
  const field = (name: string) => page.locator(`console-email [id="f-${name}"]`);
  const fieldError = (name: string) => page.locator(`console-email [id="f-${name}-error"]`);
  const save = () => page.locator("console-email").getByRole("button", { name: "Save" }).click();

  test("an owner sets the app's SMTP server: errors at their fields, the password write-only, an e-mail goes out through it", async () => {
    await page.goto(`${s.url}/console/#/apps/${appId}/email`);
    await page.getByRole("heading", { name: "E-mail for unread messages" }).waitFor();
    await page.locator("console-email [data-source=none]").getByText("no e-mail is sent").waitFor();
    assert.equal(await field("smtp.host").count(), 0, "the server's fields only with the app's own server");

    await page.getByLabel("Use this app's own SMTP server").check();
    await field("smtp.host").fill("smtp.acme.example");
    await field("smtp.port").fill("99999");
    await field("link").fill("ftp://acme.example/help");
    await save();
    await fieldError("smtp.port").waitFor();
    await fieldError("link").waitFor();
    assert.equal(await field("smtp.port").getAttribute("aria-invalid"), "true");
    assert.ok(await field("smtp.port").evaluate((e) => e === (e.getRootNode() as ShadowRoot).activeElement), "focus moves to the first field in error");
    assert.equal(await stored(), undefined, "nothing saved");

    await field("smtp.port").fill("2525");
    await field("smtp.user").fill("mailer");
    await field("smtp.password").fill(PASSWORD);
    await field("link").fill("https://acme.example/help?parley-conversation={conversationId}");
    await save();
    await page.locator("console-email").getByText("Saved.").waitFor();
    await page.locator("console-email [data-source=app]").waitFor();
    assert.deepEqual(await stored(), { host: "smtp.acme.example", password: PASSWORD });
    // Write-only: neither API answers it, and the page never has it.
    const viaConsole = await owner.get<EmailSettings>(`/apps/${appId}/email/settings`);
    assert.equal(viaConsole.status, 200);
    assert.deepEqual(viaConsole.body.smtp, { host: "smtp.acme.example", port: 2525, secure: false, user: "mailer", password: { set: true } });
    assert.ok(!JSON.stringify(viaConsole.body).includes(PASSWORD));
    const key = await s.services.serverKeys.create(appId);
    const viaServer = await s.api.get("/server/email/settings", {
      headers: { Authorization: `Basic ${Buffer.from(`${key.id}:${key.secret}`).toString("base64")}` },
    });
    assert.ok(!JSON.stringify(viaServer.body).includes(PASSWORD));
    await page.reload();
    await field("smtp.password").waitFor();
    assert.equal(await field("smtp.password").inputValue(), "");
    await page.getByText("A password is stored. Leave this empty to keep it.").waitFor();
    const drawn = await page
      .locator("console-email")
      .evaluate((e) => [e.shadowRoot?.innerHTML ?? "", ...[...(e.shadowRoot?.querySelectorAll("input") ?? [])].map((i) => i.value)].join("\n"));
    assert.ok(!drawn.includes(PASSWORD), "the password is nowhere in the page");
    // Saved again without typing it: kept.
    await page.getByLabel("Quote the messages' text").check();
    await save();
    await page.locator("console-email").getByText("Saved.").waitFor();
    assert.equal((await stored())?.password, PASSWORD);

    // Pointed at a real SMTP server (no account there: a new server forgets the old password).
    await field("smtp.host").fill("127.0.0.1");
    await field("smtp.port").fill(String(smtp.port));
    await field("smtp.user").fill("");
    await field("from").fill("help@acme.example");
    await save();
    await page.locator("console-email").getByText("Saved.").waitFor();
    assert.deepEqual(await stored(), { host: "127.0.0.1", password: null });
    const ada = await s.api.register(appId, { displayName: "Ada", email: "ada@acme.example", password: "correct horse battery" });
    const bob = await s.api.register(appId, { displayName: "Bob", email: "bob@acme.example", password: "correct horse battery" });
    (await connect(s, bob.accessToken)).close();
    const opened = await s.api.post("/conversations/direct", { token: ada.accessToken, body: { userId: bob.user.id } });
    assert.ok(opened.status < 300, JSON.stringify(opened.body));
    const dm = opened.body.conversation.id;
    assert.equal((await s.api.post(`/conversations/${dm}/messages`, { token: ada.accessToken, body: { text: "the blue one is back" } })).status, 201);
    await eventually(async () => smtp.to("bob@acme.example").length > 0, "Bob's e-mail through the app's SMTP server", 15_000);
    const mail = smtp.to("bob@acme.example")[0]!.mail;
    assert.equal(mail.from?.value[0]?.address, "help@acme.example");
    assert.match(mail.text ?? "", /the blue one is back/, "the text quoted, as set");
    assert.match(mail.text ?? "", new RegExp(`https://acme\\.example/help\\?parley-conversation=${dm}`));

    const audit = await owner.get<{ items: { action: string }[] }>(`/apps/${appId}/audit?action=email.settings`);
    assert.equal(audit.status, 200);
    assert.equal(audit.body.items.length, 3, "three saves in the audit log");
  });

  test("a viewer reads the settings and cannot change them; Forget, asked twice, goes back to the server's defaults", async () => {
    const viewer = await consoleAccount(s, { email: "vera@acme.example", role: "viewer", appId });
    const v = await signedIn(viewer.browser.cookie);
    await v.goto(`${s.url}/console/#/apps/${appId}/email`);
    await v.getByText("Your role can look but not change anything here.").waitFor();
    await v.getByText("help@acme.example").waitFor();
    assert.equal(await v.getByRole("textbox").count(), 0);
    assert.equal(await v.getByRole("button", { name: "Save" }).count(), 0);
    assert.equal((await viewer.browser.req("PUT", `/apps/${appId}/email/settings`, { enabled: false })).status, 403);
    assert.equal((await viewer.browser.del(`/apps/${appId}/email/settings`)).status, 403);

    await page.goto(`${s.url}/console/#/apps/${appId}/email`);
    await page.getByRole("button", { name: "Forget these settings" }).click();
    await page.getByText("the server's defaults apply again").waitFor();
    assert.ok(await stored(), "not yet: the first click asks");
    await page.locator("console-email").getByRole("button", { name: "Confirm" }).click();
    await page.getByText("Settings forgotten: the server's defaults apply.").waitFor();
    await page.locator("console-email [data-source=none]").waitFor();
    assert.equal(await stored(), undefined);
    assert.equal((await owner.get(`/apps/${appId}/audit?action=email.settings.forgotten`)).body.items.length, 1);
  });

  test("on a phone, dark, and in Arabic: axe finds nothing serious, nothing wider than the screen", async () => {
    assert.equal(
      (await owner.req("PUT", `/apps/${appId}/email/settings`, { smtp: { host: "smtp.acme.example", port: 587, user: "mailer", password: PASSWORD } })).status,
      200,
    );
    for (const [scheme, lang] of [
      ["dark", "en"],
      ["light", "ar"],
    ] as const) {
      const p = await signedIn(owner.cookie, { width: 390, height: 844 }, scheme);
      if (lang === "ar") await p.addInitScript(() => localStorage.setItem("parley-console:lang", "ar"));
      await p.goto(`${s.url}/console/#/apps/${appId}/email`);
      await p.locator('console-email [id="f-smtp.host"]').waitFor();
      if (lang === "ar") await p.getByText("يُرسل البريد عبر خادم SMTP الخاص بهذا التطبيق.").waitFor();
      assert.deepEqual(await axeSerious(p), [], `${scheme} ${lang}`);
      assert.equal(await overflows(p), false, `${scheme} ${lang}`);
      if (scheme === "dark") await p.screenshot({ path: path.join(SCREENSHOTS, "console-email.png"), fullPage: true });
    }
  });
});
