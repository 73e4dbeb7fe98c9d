// An unread-message e-mail's link opens the widget on its conversation (issue 55, acceptance 1), in
// Chromium, end to end: a real SMTP server (smtp-server) receives the e-mail the server sends to a
// host-signed user who was away (the address set by the host's backend), the link is read from it
// as a mail client would (mailparser), and opened on the host's page: the panel opens on that
// conversation with Ann's message, and the parameter leaves the address (a reload does not open it
// again). A link to a conversation that is not the visitor's opens the list.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import jwt from "jsonwebtoken";
import type { Browser } from "playwright-core";
import type { AuthResponse } from "@parley/sdk/protocol";
import { startServer, type TestServer } from "../../server/test/helpers/harness.js";
import { SmtpSink } from "../../server/test/helpers/smtp.js";
import { BROWSER_SKIP, eventually, expectText, hostPageHtml, launchBrowser, messageWithText, startHostSite, type HostSite } from "./helpers/browser.js";
import { DESKTOP, openDevicePage } from "./helpers/devices.js";

describe("an e-mail's link opens the widget on its conversation", { timeout: 120_000, skip: BROWSER_SKIP }, () => {
  let s: TestServer;
  let site: HostSite;
  let browser: Browser;
  const smtp = new SmtpSink();

  before(async () => {
    await smtp.start();
    s = await startServer({
      SMTP_URL: `smtp://127.0.0.1:${smtp.port}`,
      SMTP_FROM: "chat@example.com",
      EMAIL_WAIT_MINUTES: String(0.5 / 60),
      EMAIL_SWEEP_SEC: "0.1",
      PRESENCE_GRACE_MS: "100",
      PUBLIC_URL: "https://chat.example",
    });
    site = await startHostSite();
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await site?.close();
    await s?.close();
    await smtp.close();
  });

  test("the link in the e-mail opens the panel on the conversation, once", async () => {
    const app = await s.createTenant("Link Shop", [site.origin]);
    // The e-mails' link goes to the host's page with the widget.
    await s.services.email.putSettings({ appId: app.id, server: "test" }, { link: `${site.origin}/shop?parley-conversation={conversationId}` });
    const token = jwt.sign({ sub: "bob", name: "Bob", exp: Math.floor(Date.now() / 1000) + 600 }, app.secret, { algorithm: "HS256" });
    const bob = (await s.api.post<AuthResponse>("/auth/host-token", { app: app.id, body: { token } })).body;
    await s.services.email.putRecipient({ appId: app.id, server: "test" }, { sub: "bob", email: "bob@link.example" });
    const ann = await s.api.register(app.id, { displayName: "Ann" });
    const dm = (await s.api.post("/conversations/direct", { token: ann.accessToken, body: { userId: bob.user.id } })).body.conversation.id as string;
    const other = await s.api.register(app.id, { displayName: "Cat" });
    const notHis = (await s.api.post("/conversations/direct", { token: ann.accessToken, body: { userId: other.user.id } })).body.conversation.id as string;
    assert.equal((await s.api.post(`/conversations/${dm}/messages`, { token: ann.accessToken, body: { text: "your parcel is ready" } })).status, 201);

    const mail = (await eventually(() => smtp.to("bob@link.example")[0], { timeout: 15_000, check: Boolean, message: "Bob's e-mail" }))!;
    const link = /https?:\/\/\S+parley-conversation=[\w-]+/.exec(mail.mail.text ?? "")?.[0];
    assert.equal(link, `${site.origin}/shop?parley-conversation=${dm}`);

    site.page("/shop", hostPageHtml({ parleyUrl: s.url, appId: app.id, token }));
    const { page, context } = await openDevicePage(browser, link!, DESKTOP, { waitForLauncher: false });
    await messageWithText(page, "your parcel is ready").waitFor({ timeout: 15_000 });
    await expectText(page.locator("[part=title]"), "Ann");
    assert.equal(new URL(page.url()).searchParams.get("parley-conversation"), null, "the parameter leaves the address");

    // A link to someone else's conversation: the list, nothing of theirs.
    await page.goto(`${site.origin}/shop?parley-conversation=${notHis}`);
    await page.locator("[part=new-chat]").waitFor({ timeout: 15_000 });
    assert.equal(await page.locator("[part=message]").count(), 0);
    await context.close();
  });
});
