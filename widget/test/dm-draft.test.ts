// A DM is created on the first send, not on the click: opening a person shows an empty DM (their
// name and presence, "Say hello", a composer) that exists only in the widget; leaving it creates
// nothing on the server; the first message creates the conversation and goes into it; the person
// starting the DM meanwhile swaps the draft for the real conversation.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { Browser, Page } from "playwright-core";
import type { AuthResponse, Conversation } from "@parley/sdk/protocol";
import { startServer, type TestServer } from "../../server/test/helpers/harness.js";
import {
  BROWSER_SKIP,
  eventually,
  expectText,
  hostPageHtml,
  launchBrowser,
  loginViaForm,
  messageWithText,
  startHostSite,
  type HostSite,
} from "./helpers/browser.js";
import { DESKTOP, openDevicePage, withViewportMeta } from "./helpers/devices.js";

describe("a DM created on the first send", { timeout: 180_000, skip: BROWSER_SKIP }, () => {
  let s: TestServer;
  let site: HostSite;
  let browser: Browser;
  let url: string;
  let ann: AuthResponse, ben: AuthResponse, cat: AuthResponse;
  const pw = "correct horse battery";
  const annLogin = { email: "ann.draft@example.com", password: pw };

  before(async () => {
    s = await startServer();
    site = await startHostSite();
    const app = (await s.createTenant("Drafts", [site.origin])).id;
    url = site.page("/", withViewportMeta(hostPageHtml({ parleyUrl: s.url, appId: app })));
    ann = await s.api.register(app, { ...annLogin, displayName: "Ann Draft" });
    ben = await s.api.register(app, { email: "ben.draft@example.com", password: pw, displayName: "Ben Draft" });
    cat = await s.api.register(app, { email: "cat.draft@example.com", password: pw, displayName: "Cat Draft" });
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await site?.close();
    await s?.close();
  });

  /** The conversations the server has for a user (REST, not the widget's view). */
  const conversationsOf = async (who: AuthResponse): Promise<Conversation[]> => {
    const res = await s.api.get<{ items: Conversation[] }>("/conversations", { token: who.accessToken });
    assert.equal(res.status, 200);
    return res.body.items;
  };

  /** New chat → search → pick the person. */
  const pick = async (page: Page, name: string, id: string): Promise<void> => {
    await page.locator("[part=new-chat]").click();
    await page.locator("[part=user-search]").fill(name);
    const result = page.locator(`[part=user-result][data-id="${id}"]`);
    await result.waitFor({ state: "visible" });
    await result.click();
  };

  test("opening a person shows an empty DM; leaving it creates nothing; the first message creates the conversation and is sent into it", async () => {
    const { page, context, errors } = await openDevicePage(browser, url, DESKTOP);
    await loginViaForm(page, annLogin);
    await pick(page, "Ben Draft", ben.user.id);

    // The draft: header with the name and a presence line, the empty state, the composer.
    await expectText(page.locator("[part=header] h2"), "Ben Draft");
    await expectText(page.locator("[part=presence]"), /Offline|Last seen|Online/);
    await expectText(page.locator("parley-thread [part=empty]"), /Say hello to Ben Draft/);
    await page.locator("[part=composer-input]").waitFor({ state: "visible" });
    assert.equal(await page.locator("[part=info]").count(), 0, "no details for a conversation that does not exist yet");
    // Typing in the draft tells nobody (there is no conversation to type in yet); nothing exists.
    await page.locator("[part=composer-input]").fill("not sent");
    assert.deepEqual(await conversationsOf(ann), []);

    // Leaving without sending: nothing was created, for either of them.
    await page.locator("[part=back]").click();
    await page.locator("parley-list [part=empty]").waitFor({ state: "visible" });
    assert.deepEqual(await conversationsOf(ann), []);
    assert.deepEqual(await conversationsOf(ben), []);

    // Back to Ben, and send: the conversation is created and the message lands in it.
    await pick(page, "Ben Draft", ben.user.id);
    await expectText(page.locator("parley-thread [part=empty]"), /Say hello to Ben Draft/);
    const input = page.locator("[part=composer-input]");
    await input.fill("Hello Ben, first message");
    await input.press("Enter");
    const mine = messageWithText(page, "Hello Ben, first message");
    await eventually(() => mine.getAttribute("data-status", { timeout: 1_000 }), { check: (v) => v === "sent", message: "the first message is sent" });
    // Now a real conversation: details available, focus still in the composer for the next line.
    await page.locator("[part=info]").waitFor({ state: "visible" });
    assert.equal(
      await input.evaluate((el) => el.getRootNode() instanceof ShadowRoot && (el.getRootNode() as ShadowRoot).activeElement === el),
      true,
      "focus stays in the composer",
    );

    const convs = await conversationsOf(ann);
    assert.equal(convs.length, 1);
    assert.equal(convs[0]!.kind, "direct");
    assert.deepEqual(convs[0]!.members.map((m) => m.userId).sort(), [ann.user.id, ben.user.id].sort());
    assert.equal(convs[0]!.lastMessage?.text, "Hello Ben, first message");
    const history = await s.api.get<{ items: Array<{ text: string }> }>(`/conversations/${convs[0]!.id}/messages`, { token: ben.accessToken });
    assert.deepEqual(
      history.body.items.map((m) => m.text),
      ["Hello Ben, first message"],
    );

    // A second message goes into the same conversation, not a new one.
    await input.fill("and a second");
    await input.press("Enter");
    await eventually(() => messageWithText(page, "and a second").getAttribute("data-status", { timeout: 1_000 }), { check: (v) => v === "sent" });
    assert.equal((await conversationsOf(ann)).length, 1);

    // Opening Ben again opens the existing DM (its history), not a draft.
    await page.locator("[part=back]").click();
    await pick(page, "Ben Draft", ben.user.id);
    await messageWithText(page, "Hello Ben, first message").waitFor({ state: "visible" });
    await page.locator("[part=info]").waitFor({ state: "visible" });
    assert.equal((await conversationsOf(ann)).length, 1);
    assert.deepEqual(errors, []);
    await context.close();
  });

  test("while Ann drafts to Cat, Cat starts the DM: Ann's draft becomes the real conversation, with Cat's message", async () => {
    const { page, context, errors } = await openDevicePage(browser, url, DESKTOP);
    await loginViaForm(page, annLogin);
    await pick(page, "Cat Draft", cat.user.id);
    await expectText(page.locator("parley-thread [part=empty]"), /Say hello to Cat Draft/);
    assert.equal((await conversationsOf(ann)).filter((c) => c.users.some((u) => u.id === cat.user.id)).length, 0);

    const dm = (await s.api.post("/conversations/direct", { token: cat.accessToken, body: { userId: ann.user.id } })).body.conversation.id as string;
    const sent = await s.api.post(`/conversations/${dm}/messages`, { token: cat.accessToken, body: { text: "Hi Ann, Cat here" } });
    assert.equal(sent.status, 201);
    await messageWithText(page, "Hi Ann, Cat here").waitFor({ state: "visible" });
    await page.locator("[part=info]").waitFor({ state: "visible" });

    // Ann answers into that conversation: still one DM with Cat.
    const input = page.locator("[part=composer-input]");
    await input.fill("Hi Cat");
    await input.press("Enter");
    await eventually(() => messageWithText(page, "Hi Cat").getAttribute("data-status", { timeout: 1_000 }), { check: (v) => v === "sent" });
    const withCat = (await conversationsOf(ann)).filter((c) => c.users.some((u) => u.id === cat.user.id));
    assert.deepEqual(
      withCat.map((c) => c.id),
      [dm],
    );
    assert.deepEqual(errors, []);
    await context.close();
  });
});
