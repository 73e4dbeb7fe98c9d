// The e-mails as a reader sees them (issue 55, acceptance 7): the unread-messages e-mail and a
// reminder's, as the server really sends them (a real SMTP server, smtp-server, receives them; they
// are parsed as a mail client would, mailparser), their HTML drawn in Chromium at a phone's width
// (390 px) and a desktop's (1280 px). What the drawing must show: the Open link to the host's page
// on the conversation, the one-click unsubscribe link, the reader's language (English for Bob,
// German for Ada, set in her profile), the app's opt-in text, and nothing wider than the phone's
// screen. Screenshots: docs/screenshots/email-unread-{phone,desktop}.png,
// email-reminder-{phone,desktop}.png.
import assert from "node:assert/strict";
import { mkdir } from "node:fs/promises";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import type { Browser } from "playwright-core";
import type { AuthResponse, Conversation, Message, Reminder } from "@parley/sdk/protocol";
import { startServer, type TestServer } from "../../server/test/helpers/harness.js";
import { SmtpSink, type Received } from "../../server/test/helpers/smtp.js";
import { BROWSER_SKIP, eventually, launchBrowser } from "./helpers/browser.js";

const SCREENSHOTS = path.resolve(import.meta.dirname, "../../docs/screenshots");
const SHOP = "https://shop.example";
const WIDTHS = { phone: 390, desktop: 1280 } as const;

describe("the e-mails drawn in Chromium", { timeout: 120_000, skip: BROWSER_SKIP }, () => {
  let s: TestServer;
  let browser: Browser;
  let app: string;
  const smtp = new SmtpSink();
  const users: Record<"ada" | "bob" | "cho" | "dev", AuthResponse & { email: string }> = {} as never;

  before(async () => {
    await smtp.start();
    s = await startServer({
      SMTP_URL: `smtp://127.0.0.1:${smtp.port}`,
      SMTP_FROM: "chat@example.com",
      EMAIL_WAIT_MINUTES: String(0.5 / 60),
      EMAIL_SWEEP_SEC: "0.1",
      SCHEDULED_SWEEP_SEC: "0.1",
      PRESENCE_GRACE_MS: "100",
      PUBLIC_URL: "https://chat.example",
    });
    app = (await s.createTenant("Acme Store", [SHOP])).id;
    await s.services.email.putSettings({ appId: app, server: "test" }, { includeText: true, link: `${SHOP}/help?parley-conversation={conversationId}` });
    for (const [who, name] of [
      ["ada", "Ada Lovelace"],
      ["bob", "Bob Marley"],
      ["cho", "Cho Chang"],
      ["dev", "Dev Patel"],
    ] as const) {
      const email = `${who}.mail@example.com`;
      users[who] = { ...(await s.api.register(app, { email, password: "correct horse battery", displayName: name })), email };
    }
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await s?.close();
    await smtp.close();
  });

  const post = async (who: keyof typeof users, c: Conversation, text: string): Promise<Message> => {
    const r = await s.api.post<Message>(`/conversations/${c.id}/messages`, { token: users[who].accessToken, body: { text } });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    return r.body;
  };
  const mailTo = (who: keyof typeof users): Promise<Received> =>
    eventually(() => smtp.to(users[who].email)[0], { timeout: 15_000, check: Boolean, message: `an e-mail to ${who}` }) as Promise<Received>;

  /** Draws `html` at each width: the checks, then the screenshot. */
  async function draw(html: string, name: string, want: { lang: string; open: string; text: RegExp }): Promise<void> {
    await mkdir(SCREENSHOTS, { recursive: true });
    for (const [device, width] of Object.entries(WIDTHS)) {
      const context = await browser.newContext({ viewport: { width, height: 700 }, javaScriptEnabled: false });
      const page = await context.newPage();
      await page.setContent(html, { waitUntil: "load" });
      assert.equal(await page.locator("html").getAttribute("lang"), want.lang, `${name}: in the reader's language`);
      const open = page.locator(`a[href="${want.open}"]`);
      assert.equal(await open.count(), 1, `${name}: one Open link to the conversation on the host's page`);
      assert.ok(await open.isVisible(), `${name}: the Open link is visible`);
      const unsubscribe = page.locator('a[href^="https://chat.example/v1/email/unsubscribe?token="]');
      assert.equal(await unsubscribe.count(), 1, `${name}: the unsubscribe link`);
      assert.ok(await unsubscribe.isVisible());
      assert.match((await page.locator("body").textContent()) ?? "", want.text);
      // Nothing wider than the screen: no sideways scrolling on a phone.
      const wide = await page.evaluate<{ scroll: number; client: number }>(
        "({ scroll: document.documentElement.scrollWidth, client: document.documentElement.clientWidth })",
      );
      assert.ok(wide.scroll <= wide.client, `${name} at ${width} px: ${wide.scroll} px wide in ${wide.client}`);
      await page.screenshot({ path: path.join(SCREENSHOTS, `${name}-${device}.png`), fullPage: true });
      await context.close();
    }
  }

  test("the unread-messages e-mail: who wrote where, the text (the app opted in), Open and unsubscribe; English", async () => {
    const team = (
      await s.api.post<{ conversation: Conversation }>("/conversations", {
        token: users.cho.accessToken,
        body: { name: "Spring launch", memberIds: [users.bob.user.id, users.dev.user.id] },
      })
    ).body.conversation;
    const dm = (
      await s.api.post<{ conversation: Conversation }>("/conversations/direct", { token: users.ada.accessToken, body: { userId: users.bob.user.id } })
    ).body.conversation;
    await post("ada", dm, "Your order #4521 has shipped — the tracking link is in your account. Anything else I can help with?");
    await post("cho", team, "Final banner copy is in the shared folder; can you check the German version before Friday?");
    await post("dev", team, "Deploy is scheduled for 09:00 tomorrow.");
    const got = await mailTo("bob");
    const html = String(got.mail.html);
    assert.ok(html.length > 0, "an HTML part");
    await draw(html, "email-unread", {
      lang: "en",
      open: `${SHOP}/help?parley-conversation=${dm.id}`,
      text: /Ada Lovelace[\s\S]*Your order #4521 has shipped/,
    });
  });

  test("a reminder's e-mail: the message, Open and unsubscribe; in German, as Ada set", async () => {
    assert.equal((await s.api.put("/me/email", { token: users.ada.accessToken, body: { locale: "de" } })).status, 200);
    const dm = (
      await s.api.post<{ conversation: Conversation }>("/conversations/direct", { token: users.dev.accessToken, body: { userId: users.ada.user.id } })
    ).body.conversation;
    const m = await post("dev", dm, "The contract draft is attached. Please sign page 4 and send it back by Thursday.");
    const r = await s.api.post<Reminder>(`/messages/${m.id}/reminders`, {
      token: users.ada.accessToken,
      body: { remindAt: new Date(Date.now() + 500).toISOString() },
    });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    // (Dev's message is unread, and Ada away: an unread-messages e-mail may come too.)
    const got = (await eventually(() => smtp.to(users.ada.email).find((r) => /^Erinnerung: /.test(r.mail.subject ?? "")), {
      timeout: 15_000,
      check: Boolean,
      message: "the reminder's e-mail",
    }))!;
    await draw(String(got.mail.html), "email-reminder", {
      lang: "de",
      open: `${SHOP}/help?parley-conversation=${dm.id}`,
      text: /Dev Patel[\s\S]*Please sign page 4/,
    });
  });
});
