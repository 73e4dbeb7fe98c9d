import assert from "node:assert/strict";
import { mkdir, stat } from "node:fs/promises";
import http from "node:http";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import jwt from "jsonwebtoken";
import type { Browser, BrowserContext, Page } from "playwright-core";
import type { AuthResponse, Message, Page as ApiPage, Conversation } from "@parley/sdk/protocol";
import { startServer, type TestServer } from "../../server/test/helpers/harness.js";
import {
  eventually,
  expectCount,
  expectText,
  hostPageHtml,
  BROWSER_SKIP,
  launchBrowser,
  loginViaForm,
  makePng,
  messageAction,
  messageWithText,
  openHostPage,
  openPanel,
  registerViaForm,
  startHostSite,
  type HostSite,
} from "./helpers/browser.js";

const ARTIFACTS = path.resolve(import.meta.dirname, "../../test-artifacts");

interface Tab {
  context: BrowserContext;
  page: Page;
  dialogs: string[];
  errors: string[];
}

describe("widget in a real browser, embedded by script tag", { timeout: 180_000, skip: BROWSER_SKIP }, () => {
  let s: TestServer;
  let site: HostSite;
  let browser: Browser;
  let app: { id: string; secret: string };
  let pageUrl: string;
  let a: Tab; // Alice: registered through the widget's form
  let b: Tab; // Bob: registered through the API, signed in through the form
  let bob: AuthResponse;
  let convId = "";
  const contexts: BrowserContext[] = [];

  const alice = { displayName: "Alice Widget", email: "alice.widget@example.com", password: "correct horse battery" };
  const bobCreds = { displayName: "Bob Builder", email: "bob.builder@example.com", password: "another good password" };

  const open = async (url: string): Promise<Tab> => {
    const t = await openHostPage(browser, url);
    contexts.push(t.context);
    return t;
  };
  const messages = async (): Promise<Message[]> => {
    const res = await s.api.get<ApiPage<Message>>(`/conversations/${convId}/messages`, { token: bob.accessToken });
    assert.equal(res.status, 200);
    return res.body.items;
  };
  /** Types into the composer of an open thread and presses Enter. */
  const send = async (page: Page, text: string): Promise<void> => {
    const input = page.locator("[part=composer-input]");
    await input.fill(text);
    await input.press("Enter");
  };

  before(async () => {
    s = await startServer();
    site = await startHostSite();
    app = await s.createTenant("Widget host site", [site.origin]);
    pageUrl = site.page("/", hostPageHtml({ parleyUrl: s.url, appId: app.id }));
    bob = await s.api.register(app.id, bobCreds);
    browser = await launchBrowser();
  });

  after(async () => {
    for (const c of contexts) await c.close().catch(() => undefined);
    await browser?.close().catch(() => undefined);
    await site?.close();
    await s?.close();
  });

  test("two visitors chat through the embed: a new DM badges the launcher live, the reply arrives live, and the sender sees Sent then Seen", async () => {
    a = await open(pageUrl);
    b = await open(pageUrl);
    await registerViaForm(a.page, alice);
    await loginViaForm(b.page, bobCreds);
    // Bob closes his panel and keeps browsing the host site.
    await b.page.locator("[part=close]").click();
    await b.page.locator("[part=panel]").waitFor({ state: "detached" });
    await expectCount(b.page.locator("[part=badge]"), 0);

    // Alice starts a chat with Bob by searching his name.
    await a.page.locator("[part=new-chat]").click();
    await a.page.locator("[part=user-search]").fill("Bob Build");
    const result = a.page.locator(`[part=user-result][data-id="${bob.user.id}"]`);
    await result.waitFor({ state: "visible" });
    await expectText(result, /Bob Builder/);
    await result.click();
    await a.page.locator("[part=composer-input]").waitFor({ state: "visible" });
    await send(a.page, "Hello Bob!");
    const mine = messageWithText(a.page, "Hello Bob!");
    await eventually(() => mine.getAttribute("data-status", { timeout: 500 }), { check: (v) => v === "sent", message: "Alice's message is sent" });
    assert.equal(await mine.getAttribute("data-mine"), "true");
    await expectText(mine.locator("[part=receipt]"), "Sent");
    // The message box is as tall as its content after a send, and with two lines (issue 52: 2-3 px
    // short under box-sizing: border-box; WebKit showed a scrollbar and a clipped second line).
    const box = a.page.locator("[part=composer-input]");
    const overflow = () => box.evaluate((ta: HTMLTextAreaElement) => ta.scrollHeight - ta.clientHeight);
    assert.equal(await overflow(), 0, "empty after the send");
    await box.fill("two\nlines");
    assert.equal(await overflow(), 0, "two lines");
    await box.fill("");

    // Bob's launcher shows the new DM without a reload.
    await expectText(b.page.locator("[part=launcher] [part=badge]"), "1");
    const convs = await s.api.get<ApiPage<Conversation>>("/conversations", { token: bob.accessToken });
    assert.equal(convs.body.items.length, 1);
    convId = convs.body.items[0]!.id;

    // Bob opens the launcher and the conversation, and reads the message.
    await b.page.locator("[part=launcher]").click();
    const row = b.page.locator(`[part=conversation][data-id="${convId}"]`);
    await row.waitFor({ state: "visible" });
    await expectText(row.locator("[part=unread]"), "1");
    await expectText(row, /Alice Widget/);
    await row.click();
    const got = messageWithText(b.page, "Hello Bob!");
    await got.waitFor({ state: "visible" });
    assert.equal(await got.getAttribute("data-mine"), "false");
    await expectCount(b.page.locator("[part=badge]"), 0);

    // Bob replies; it appears in Alice's open thread, and her message reads "Seen".
    await send(b.page, "Hi Alice!");
    const reply = messageWithText(a.page, "Hi Alice!");
    await reply.waitFor({ state: "visible" });
    assert.equal(await reply.getAttribute("data-mine"), "false");
    await expectText(mine.locator("[part=receipt]"), "Seen");
    assert.deepEqual(a.dialogs.concat(b.dialogs), []);
  });

  test("edits, reactions and deletions by the sender show up live in the other visitor's open thread", async () => {
    assert.ok(convId, "needs the conversation of the first test");
    await send(a.page, "oops, wrong chat");
    const oopsA = messageWithText(a.page, "oops, wrong chat");
    await eventually(() => oopsA.getAttribute("data-status", { timeout: 500 }), { check: (v) => v === "sent" });
    const oopsId = (await oopsA.getAttribute("data-id"))!;
    const oopsB = b.page.locator(`[part=message][data-id="${oopsId}"]`);
    await expectText(oopsB.locator("[part=message-text]"), "oops, wrong chat");

    // Edit: action-edit fills the composer; change the text; Enter saves.
    const helloA = messageWithText(a.page, "Hello Bob!");
    const helloId = (await helloA.getAttribute("data-id"))!;
    await messageAction(helloA, "action-edit");
    const input = a.page.locator("[part=composer-input]");
    assert.equal(await input.inputValue(), "Hello Bob!");
    await input.fill("Hello Bob, edited!");
    await input.press("Enter");

    // React with the first quick reaction.
    await messageAction(a.page.locator(`[part=message][data-id="${helloId}"]`), "action-react", 0);

    // Delete the other message.
    await messageAction(oopsA, "action-delete");

    const helloB = b.page.locator(`[part=message][data-id="${helloId}"]`);
    await expectText(helloB.locator("[part=message-text]"), "Hello Bob, edited!");
    await helloB.locator("[part=edited]").waitFor({ state: "visible" });
    await expectText(helloB.locator("[part=reaction]"), /^👍\s*1$/);
    await oopsB.locator("[part=deleted]").waitFor({ state: "visible" });
    await expectCount(oopsB.locator("[part=message-text]"), 0);
    await expectText(b.page.locator(`[part=message][data-id="${helloId}"] [part=reaction]`), /1/);

    // The server agrees.
    const stored = await messages();
    assert.equal(stored.find((m) => m.id === helloId)?.text, "Hello Bob, edited!");
    assert.ok(stored.find((m) => m.id === oopsId)?.deletedAt);
  });

  test("message text is never markup: script-ish payloads render literally, no dialog, only the https link is a safe anchor", async () => {
    assert.ok(convId, "needs the conversation of the first test");
    const payloads = [
      "<img src=x onerror=alert(1)>",
      "javascript:alert(1)",
      '<a href="javascript:alert(2)">x</a>',
      '<img src=x onerror="window.__xss=1">',
      "<script>window.__xss=2</script>",
      "https://example.com/ok",
    ];
    for (const p of payloads) {
      await send(a.page, p);
      await expectCount(messageWithText(a.page, p), 1);
    }
    for (const p of payloads) {
      const texts = b.page.locator("[part=message-text]").filter({ hasText: p });
      await expectCount(texts, 1);
      assert.equal(await texts.textContent(), p, "shown literally");
    }
    // Give any injected handler a moment to fire, then check nothing ran.
    await b.page.waitForTimeout(300);
    for (const t of [a, b]) {
      assert.deepEqual(t.dialogs, [], "no dialog opened");
      assert.equal(await t.page.evaluate(() => (window as unknown as { __xss?: unknown }).__xss), undefined);
      // A string, not a function: tsx's transform would inject helpers the page does not have.
      const dangerous = await t.page.evaluate<string[]>(`(() => {
        const found = [];
        const walk = (root) => {
          for (const el of root.querySelectorAll("*")) {
            for (const at of el.getAttributeNames()) if (/^on/i.test(at)) found.push(el.tagName + "[" + at + "]");
            if (el.tagName === "SCRIPT" && root !== document) found.push("SCRIPT in shadow DOM");
            if (el.tagName === "IMG" && el.getAttribute("src") === "x") found.push("IMG src=x");
            if (el.shadowRoot) walk(el.shadowRoot);
          }
        };
        walk(document);
        return found;
      })()`);
      assert.deepEqual(dangerous, []);
    }
    const anchors = await b.page
      .locator("[part=message-text] a")
      .evaluateAll((els) => els.map((e) => ({ href: e.getAttribute("href"), rel: e.getAttribute("rel") ?? "", text: e.textContent })));
    assert.equal(anchors.length, 1, `exactly one link: ${JSON.stringify(anchors)}`);
    const [link] = anchors;
    assert.match(link!.href ?? "", /^https:/);
    assert.equal(link!.text, "https://example.com/ok");
    assert.ok(link!.rel.split(/\s+/).includes("noopener"), `rel=${link!.rel}`);
    assert.ok(link!.rel.split(/\s+/).includes("noreferrer"), `rel=${link!.rel}`);
  });

  test("a host-signed token in data-token signs the visitor in: the launcher opens straight to the conversation list", async () => {
    const token = jwt.sign({ sub: "host-user-42", name: "Hana Host", exp: Math.floor(Date.now() / 1000) + 3600 }, app.secret, { algorithm: "HS256" });
    const url = site.page("/signed-in", hostPageHtml({ parleyUrl: s.url, appId: app.id, token }));
    const h = await open(url);
    await h.page.locator("[part=launcher]").click();
    await h.page.locator("[part=new-chat]").waitFor({ state: "visible", timeout: 15_000 });
    await expectCount(h.page.locator("[part=signin-submit]"), 0);
    await expectCount(h.page.locator("parley-signin"), 0);
    await expectCount(h.page.locator("[part=error]"), 0);
    // The host's user now exists in Parley under the host's name.
    const found = await s.api.get<ApiPage<{ id: string; displayName: string }>>(`/users?q=${encodeURIComponent("Hana")}`, { token: bob.accessToken });
    assert.equal(found.status, 200);
    assert.ok(
      found.body.items.some((u) => u.displayName === "Hana Host"),
      JSON.stringify(found.body),
    );
    await h.context.close();
  });

  test("an image attached in the widget uploads with progress and the other visitor sees it loaded (through the SDK, with the token)", async () => {
    assert.ok(convId, "needs the conversation of the first test");
    const before = (await messages()).length;
    const png = makePng(8, 6);
    await a.page.locator("[part=attach]").setInputFiles({ name: "dot.png", mimeType: "image/png", buffer: png });
    await a.page.locator("[part=composer-input]").press("Enter");
    // At once: an upload progress bar or the message itself.
    await eventually(async () => (await a.page.locator("[part=progress]").count()) + (await a.page.locator("[part=message] [part=image]").count()), {
      check: (n) => n > 0,
      timeout: 5_000,
      message: "the sender sees progress or the message right away",
    });
    const imgB = b.page.locator("[part=message] [part=image]");
    await imgB.waitFor({ state: "attached", timeout: 15_000 });
    const natural = await eventually(
      () => imgB.evaluate((el: HTMLImageElement) => ({ w: el.naturalWidth, h: el.naturalHeight, complete: el.complete, src: el.src })),
      {
        check: (v) => v.complete && v.w > 0,
        timeout: 15_000,
        message: "Bob's image loads",
      },
    );
    assert.equal(natural.w, 8);
    assert.equal(natural.h, 6);
    assert.match(natural.src, /^blob:/);
    assert.equal(await imgB.getAttribute("alt"), "dot.png");
    const imgA = a.page.locator("[part=message] [part=image]");
    await eventually(() => imgA.evaluate((el: HTMLImageElement) => el.naturalWidth), { check: (w) => w === 8, timeout: 15_000 });
    await expectCount(a.page.locator("[part=progress]"), 0);
    const after = await messages();
    assert.equal(after.length, before + 1);
    const withImage = after.filter((m) => m.attachments.length > 0);
    assert.equal(withImage.length, 1);
    assert.equal(withImage[0]!.attachments[0]!.mime, "image/png");
    assert.equal(withImage[0]!.attachments[0]!.name, "dot.png");
  });

  test("keyboard only: Tab to the launcher, Enter opens, Tab to the conversation, Enter opens it, type + Enter sends, Escape closes and refocuses the launcher", async () => {
    assert.ok(convId, "needs the conversation of the first test");
    // Alice on a fresh page load (her session is kept in this context's storage).
    const k = await open(pageUrl);
    await loginViaForm(k.page, alice);
    await k.page.reload();
    await k.page.locator("[part=launcher]").waitFor({ state: "visible" });
    const kb = k.page.keyboard;
    /** The focused element, through shadow roots: its part and data-id. */
    const focused = () =>
      k.page.evaluate(() => {
        let el: Element | null = document.activeElement;
        while (el?.shadowRoot?.activeElement) el = el.shadowRoot.activeElement;
        return { tag: el?.tagName.toLowerCase() ?? "", part: el?.getAttribute("part") ?? "", id: el?.getAttribute("data-id") ?? "" };
      });
    const tabUntil = async (want: (f: Awaited<ReturnType<typeof focused>>) => boolean, what: string, max = 15): Promise<void> => {
      const seen: string[] = [];
      for (let i = 0; i < max; i++) {
        const f = await focused();
        if (want(f)) return;
        seen.push(f.part || f.tag);
        await kb.press("Tab");
      }
      const f = await focused();
      assert.ok(want(f), `Tab never reached ${what}; focus went: ${seen.join(" → ")} → ${f.part || f.tag}`);
    };

    await tabUntil((f) => f.part === "launcher", "the launcher");
    await kb.press("Enter");
    await k.page.locator("[part=panel]").waitFor({ state: "visible" });
    await tabUntil((f) => f.part === "conversation" && f.id === convId, "the conversation row");
    await kb.press("Enter");
    await k.page.locator("[part=messages]").waitFor({ state: "visible" });
    // Right behaviour: opening a conversation puts focus in its composer. If it does not, note it,
    // Tab on to the composer to check the rest, and fail at the end.
    const problems: string[] = [];
    const afterOpen = await eventually(focused, { check: (f) => f.part === "composer-input", timeout: 3_000 }).catch(() => null);
    if (!afterOpen) {
      problems.push(`after Enter on the conversation row, focus went to ${JSON.stringify(await focused())} instead of the composer`);
      await tabUntil((f) => f.part === "composer-input", "the composer", 80);
    }
    const text = `typed with the keyboard ${Date.now()}`;
    await kb.type(text);
    await kb.press("Enter");
    await eventually(messages, { check: (ms) => ms.some((m) => m.text === text), message: "the keyboard message reaches the server" });
    await kb.press("Escape");
    await k.page.locator("[part=panel]").waitFor({ state: "detached" });
    await eventually(focused, { check: (f) => f.part === "launcher", timeout: 3_000, message: "focus returns to the launcher" });
    assert.equal(await k.page.locator("[part=launcher]").getAttribute("aria-expanded"), "false");
    await k.context.close();
    assert.deepEqual(problems, [], "keyboard focus management");
  });

  test("screenshots of the open panel in light and dark theme; widget.js is cacheable and revalidates with its ETag", async () => {
    assert.ok(convId, "needs the conversation of the first test");
    await mkdir(ARTIFACTS, { recursive: true });
    const darkUrl = site.page("/dark", hostPageHtml({ parleyUrl: s.url, appId: app.id, theme: "dark" }));
    const backgrounds: Record<string, string> = {};
    for (const [theme, url] of [
      ["light", pageUrl],
      ["dark", darkUrl],
    ] as const) {
      const page = await a.context.newPage(); // Alice's context: already signed in
      await page.goto(url);
      await openPanel(page);
      await page.locator(`[part=conversation][data-id="${convId}"]`).click();
      await messageWithText(page, "Hello Bob, edited!").waitFor({ state: "visible" });
      await eventually(() => page.locator("[part=message] [part=image]").evaluate((el: HTMLImageElement) => el.naturalWidth), { check: (w) => w > 0 });
      const file = path.join(ARTIFACTS, `widget-${theme}.png`);
      await page.locator("[part=panel]").screenshot({ path: file, animations: "disabled" });
      const info = await stat(file);
      assert.ok(info.size > 5_000, `${file} is ${info.size} bytes`);
      assert.equal(await page.locator("parley-chat").getAttribute("theme"), theme);
      backgrounds[theme] = await page.locator("[part=panel]").evaluate((el) => getComputedStyle(el).backgroundColor);
      await page.close();
    }
    const luminance = (rgb: string): number => {
      const [r, g, bl] = (rgb.match(/\d+(\.\d+)?/g) ?? []).map(Number);
      return 0.2126 * r! + 0.7152 * g! + 0.0722 * bl!;
    };
    assert.ok(luminance(backgrounds["light"]!) > 180, `light panel background ${backgrounds["light"]}`);
    assert.ok(luminance(backgrounds["dark"]!) < 80, `dark panel background ${backgrounds["dark"]}`);

    const res = await fetch(`${s.url}/widget.js`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get("content-type") ?? "", /javascript/);
    assert.match(res.headers.get("cache-control") ?? "", /max-age=\d+/);
    const etag = res.headers.get("etag");
    assert.ok(etag, "widget.js has an ETag");
    // widget.js is the small loader (issue 18); it names the content-hashed UI module it loads.
    const ui = /widget-ui-[A-Za-z0-9_-]{8}\.js/.exec(await res.text())?.[0];
    assert.ok(ui, "widget.js names the UI module");
    assert.ok((await (await fetch(`${s.url}/${ui}`)).text()).length > 10_000, "the UI module is served");
    // node:http, not fetch: fetch adds "Cache-Control: no-cache" to conditional requests, which
    // rightly disables freshness checks on the server.
    const again = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      http
        // The same representation as the first answer: each encoding has its own ETag.
        .get(`${s.url}/widget.js`, { headers: { "If-None-Match": etag, "Accept-Encoding": res.headers.get("content-encoding") ?? "identity" } }, (res) => {
          let body = "";
          res.on("data", (c) => (body += c));
          res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
        })
        .on("error", reject);
    });
    assert.equal(again.status, 304);
    assert.equal(again.body, "");
  });
});
