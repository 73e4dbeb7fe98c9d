// The profile's choice of e-mail about unread messages (issue 55), in Chromium, against a real
// server whose deployment sends e-mail (SMTP_URL to a real SMTP server, smtp-server): on a German
// page the profile offers "E-Mails zu ungelesenen Nachrichten" with where they go; choosing "Nie"
// says Gespeichert, and the server then has `never` and the widget's language (`de`, the e-mails'
// language) and this device's time zone; quiet hours are saved once both times are set and cleared
// when both are; after a reload the choice is still "Nie" and the hours are shown. In an app whose e-mail is turned off the
// choice is not offered at all.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { Browser } from "playwright-core";
import type { AuthResponse, EmailRecipient } from "@parley/sdk/protocol";
import { startServer, type TestServer } from "../../server/test/helpers/harness.js";
import { SmtpSink } from "../../server/test/helpers/smtp.js";
import { BROWSER_SKIP, eventually, expectText, hostPageHtml, launchBrowser, loginViaForm, openPanel, startHostSite, type HostSite } from "./helpers/browser.js";
import { DESKTOP, openDevicePage } from "./helpers/devices.js";

describe("the profile's e-mail choice in Chromium", { timeout: 120_000, skip: BROWSER_SKIP }, () => {
  let s: TestServer;
  let site: HostSite;
  let browser: Browser;
  const smtp = new SmtpSink();
  const pw = "correct horse battery";

  before(async () => {
    await smtp.start();
    s = await startServer({ SMTP_URL: `smtp://127.0.0.1:${smtp.port}`, SMTP_FROM: "chat@example.com" });
    site = await startHostSite();
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await site?.close();
    await s?.close();
    await smtp.close();
  });

  async function appWithUser(name: string): Promise<{ app: string; url: string; login: { email: string; password: string }; user: AuthResponse }> {
    const app = (await s.createTenant(name, [site.origin])).id;
    const url = site.page(`/${app}`, hostPageHtml({ parleyUrl: s.url, appId: app }).replace('<html lang="en">', '<html lang="de">'));
    const login = { email: `ann-${app}@example.com`, password: pw };
    return { app, url, login, user: await s.api.register(app, { ...login, displayName: "Ann" }) };
  }
  const mine = async (u: AuthResponse): Promise<EmailRecipient> => (await s.api.get<EmailRecipient>("/me/email", { token: u.accessToken })).body;

  test("offered in the visitor's language with the address; a choice is kept on the server with the language, and after a reload", async () => {
    const { url, login, user } = await appWithUser("Mail on");
    assert.deepEqual(await mine(user), { email: login.email, preference: "every", locale: null, sending: true, quietHours: null, timeZone: null });
    const { page, context } = await openDevicePage(browser, url, DESKTOP);
    await loginViaForm(page, login);
    await page.locator("[part=profile]").click();
    const choice = page.getByLabel("E-Mails zu ungelesenen Nachrichten");
    await choice.waitFor();
    assert.equal(await choice.inputValue(), "every");
    await expectText(page.locator("parley-info #email-to"), `Geht an ${login.email}`);
    assert.equal(await choice.getAttribute("aria-describedby"), "email-to");

    await choice.selectOption({ label: "Nie" });
    await expectText(page.locator("[part=toast]"), "Gespeichert");
    const zone = await page.evaluate(() => Intl.DateTimeFormat().resolvedOptions().timeZone);
    assert.deepEqual(await mine(user), { email: login.email, preference: "never", locale: "de", sending: true, quietHours: null, timeZone: zone });

    // Quiet hours: saved once both times are set, in this device's time zone; cleared when both are.
    const quiet = page.locator("parley-info [part=email-quiet]");
    await quiet.getByLabel("Von").fill("22:00");
    await quiet.getByLabel("Bis").fill("07:30");
    await eventually(async () => (await mine(user)).quietHours?.to === "07:30", { check: Boolean, message: "the quiet hours saved" });
    assert.deepEqual((await mine(user)).quietHours, { from: "22:00", to: "07:30" });
    // The clear's answer comes back only once a new start is typed (a slow network; seen in CI):
    // what was typed stays, and the new hours are saved once both are set.
    let releaseClear = (): void => undefined;
    const clearHeld = new Promise<void>((r) => (releaseClear = r));
    let clearAnswered = (): void => undefined;
    const clearDone = new Promise<void>((r) => (clearAnswered = r));
    await page.route(/\/v1\/me\/email$/, async (route) => {
      const req = route.request();
      if (req.method() !== "PUT" || JSON.parse(req.postData() ?? "{}").quietHours !== null) return route.continue();
      const answer = await route.fetch();
      await clearHeld;
      await route.fulfill({ response: answer });
      clearAnswered();
    });
    await quiet.getByLabel("Von").fill("");
    await quiet.getByLabel("Bis").fill("");
    await eventually(async () => (await mine(user)).quietHours === null, { check: Boolean, message: "the quiet hours cleared" });
    await quiet.getByLabel("Von").fill("21:00");
    releaseClear();
    await clearDone;
    // The view has the clear's answer and has drawn itself from it.
    await page.locator("parley-info").evaluate(async (el: HTMLElement & { mail?: EmailRecipient; updateComplete: Promise<unknown> }) => {
      const until = Date.now() + 10_000;
      while (el.mail?.quietHours !== null) {
        if (Date.now() > until) throw new Error("the clear's answer never reached the view");
        await new Promise((r) => setTimeout(r, 20));
      }
      await el.updateComplete;
    });
    assert.equal(await quiet.getByLabel("Von").inputValue(), "21:00", "the start typed after the clear was sent stays");
    await page.unroute(/\/v1\/me\/email$/);
    await quiet.getByLabel("Bis").fill("06:00");
    await eventually(async () => (await mine(user)).quietHours?.from === "21:00", { check: Boolean, message: "the quiet hours saved again" });

    // A reload keeps the session: the profile asks the server again.
    await page.reload();
    await openPanel(page);
    await page.locator("[part=profile]").click();
    await page.getByLabel("E-Mails zu ungelesenen Nachrichten").waitFor();
    assert.equal(await page.getByLabel("E-Mails zu ungelesenen Nachrichten").inputValue(), "never");
    assert.deepEqual(
      [
        await page.locator("parley-info [part=email-quiet]").getByLabel("Von").inputValue(),
        await page.locator("parley-info [part=email-quiet]").getByLabel("Bis").inputValue(),
      ],
      ["21:00", "06:00"],
    );
    await context.close();
  });

  test("not offered where the app's e-mail is turned off", async () => {
    const { app, url, login, user } = await appWithUser("Mail off");
    await s.services.email.putSettings({ appId: app, server: "test" }, { enabled: false });
    assert.equal((await mine(user)).sending, false);
    const { page, context } = await openDevicePage(browser, url, DESKTOP);
    await loginViaForm(page, login);
    // The profile asks the server; once its answer is in and drawn, there is no e-mail choice.
    const answered = page.waitForResponse((r) => new URL(r.url()).pathname === "/v1/me/email");
    await page.locator("[part=profile]").click();
    assert.equal((await (await answered).json()).sending, false);
    await page.locator("parley-info").evaluate((e) => (e as HTMLElement & { updateComplete: Promise<boolean> }).updateComplete);
    await page.getByRole("heading", { name: "Kontakte" }).waitFor();
    assert.equal(await page.locator("parley-info [part=email]").count(), 0);
    await context.close();
  });
});
