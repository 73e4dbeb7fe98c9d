// Jump to a message: a reply's quote is a button that brings its original into view even when it
// is far above the loaded history (older pages load until it is there), focuses it (a screen
// reader reads it, sender first) and highlights it; the list stays windowed. By mouse and by
// keyboard (Enter on the message opens its actions; Shift+Tab reaches the quote).
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { Browser, Page } from "playwright-core";
import type { AuthResponse } from "@parley/sdk/protocol";
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

const TOTAL = 1_500;
const NODE_CAP = 2_000;

/** The focused message (id, text, in view?), the loaded count and the thread's node count. */
const THREAD = `(() => {
  const root = document.querySelector("parley-chat").shadowRoot.querySelector("parley-thread").shadowRoot;
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_ALL);
  let nodes = 0;
  while (walker.nextNode()) nodes++;
  const f = root.activeElement;
  const list = root.querySelector("[part=messages]").getBoundingClientRect();
  const r = f && f.getBoundingClientRect();
  return {
    focusedId: f && f.getAttribute("data-id"),
    focusedText: f ? f.textContent : "",
    inView: !!r && r.top >= list.top && r.bottom <= list.bottom,
    flash: !!f && f.classList.contains("flash"),
    loaded: document.querySelector("parley-chat").chat.conversation(document.querySelector("parley-chat").activeId).messages.length,
    nodes,
  };
})()`;

interface ThreadStats {
  focusedId: string | null;
  focusedText: string;
  inView: boolean;
  flash: boolean;
  loaded: number;
  nodes: number;
}

describe("jump to a message far above", { timeout: 600_000, skip: BROWSER_SKIP }, () => {
  let s: TestServer;
  let site: HostSite;
  let browser: Browser;
  let url: string;
  let ann: AuthResponse, ben: AuthResponse;
  let dm = "";
  const ids: string[] = [];
  const pw = "correct horse battery";
  const annLogin = { email: "ann.jump@example.com", password: pw };

  before(async () => {
    s = await startServer({ RATE_LIMIT_MESSAGES_PER_USER: "1000000", RATE_LIMIT_MESSAGES_PER_APP: "1000000" });
    site = await startHostSite();
    const app = (await s.createTenant("Jump", [site.origin])).id;
    url = site.page("/", withViewportMeta(hostPageHtml({ parleyUrl: s.url, appId: app })));
    ann = await s.api.register(app, { ...annLogin, displayName: "Ann Jump" });
    ben = await s.api.register(app, { email: "ben.jump@example.com", password: pw, displayName: "Ben Jump" });
    dm = (await s.api.post("/conversations/direct", { token: ann.accessToken, body: { userId: ben.user.id } })).body.conversation.id;
    const post = async (who: AuthResponse, text: string, replyToId?: string): Promise<string> => {
      const res = await s.api.post(`/conversations/${dm}/messages`, { token: who.accessToken, body: { text, ...(replyToId ? { replyToId } : {}) } });
      assert.equal(res.status, 201, JSON.stringify(res.body));
      return res.body.id as string;
    };
    ids.push(await post(ben, "the original question, long ago"));
    // In order, a few at a time (ids follow arrival order).
    for (let i = 1; i < TOTAL; i += 10) {
      ids.push(...(await Promise.all(Array.from({ length: Math.min(10, TOTAL - i) }, (_, j) => post(j % 2 ? ann : ben, `filler ${i + j}`)))));
    }
    ids.push(await post(ann, "answering the very first message", ids[0]));
    ids.push(await post(ben, "and this one answers filler 700", ids[700]));
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await site?.close();
    await s?.close();
  });

  const thread = (page: Page) => page.evaluate<ThreadStats>(THREAD);
  const open = async (page: Page) => {
    await loginViaForm(page, annLogin);
    await page.locator(`[part=conversation][data-id="${dm}"]`).click();
    await messageWithText(page, "and this one answers filler 700").waitFor();
  };

  test("clicking a reply's quote loads the history up to the original, scrolls it into view, focuses and highlights it", async () => {
    const { page, context, errors } = await openDevicePage(browser, url, DESKTOP);
    await open(page);
    const reply = messageWithText(page, "answering the very first message");
    const quote = reply.locator("[part=quote]");
    // Not loaded yet: a placeholder, still a way to it.
    await expectText(quote, "An earlier message");
    const before = await thread(page);
    assert.ok(before.loaded < 200, `${before.loaded} messages loaded before the jump`);

    await quote.click();
    const st = await eventually(() => thread(page), {
      check: (v) => v.focusedId === ids[0],
      timeout: 60_000,
      interval: 50,
      message: "the original is focused",
    });
    assert.ok(st.loaded >= TOTAL, `${st.loaded} messages loaded`);
    assert.ok(st.inView, "the original is in view");
    assert.ok(st.flash, "the original is highlighted");
    // What a screen reader reads on focus: the sender first, then the text.
    assert.match(st.focusedText, /^\s*Ben Jump:\s*the original question, long ago/);
    assert.ok(st.nodes <= NODE_CAP, `${st.nodes} nodes in the thread`);
    // The jump-to-latest button brings the reply back; its quote now shows the original.
    await page.locator("[part=jump]").click();
    await expectText(quote, /Ben Jump\s+the original question, long ago/);
    assert.deepEqual(errors, []);
    await context.close();
  });

  test("by keyboard: Enter on the reply opens its actions, Shift+Tab reaches the quote, Enter jumps", async () => {
    const { page, context, errors } = await openDevicePage(browser, url, DESKTOP);
    await open(page);
    // Shift+Tab from the composer reaches the list's one stop, the newest message (the reply).
    await page.locator("[part=composer-input]").focus();
    await eventually(
      async () => {
        await page.keyboard.press("Shift+Tab");
        return thread(page);
      },
      { check: (v) => v.focusedId === ids[ids.length - 1], interval: 20, message: "the newest message is focused" },
    );
    await page.keyboard.press("Enter");
    await messageWithText(page, "and this one answers filler 700").locator("[part=actions]").waitFor();
    await page.keyboard.press("Shift+Tab");
    assert.equal(
      await page.evaluate<string | null>(
        `document.querySelector("parley-chat").shadowRoot.querySelector("parley-thread").shadowRoot.activeElement.getAttribute("part")`,
      ),
      "quote",
    );
    await page.keyboard.press("Enter");
    const st = await eventually(() => thread(page), {
      check: (v) => v.focusedId === ids[700],
      timeout: 60_000,
      interval: 50,
      message: "filler 700 is focused",
    });
    assert.ok(st.inView && st.flash);
    assert.match(st.focusedText, /filler 700/);
    assert.ok(st.nodes <= NODE_CAP, `${st.nodes} nodes in the thread`);
    // Arrow keys carry on from there.
    await page.keyboard.press("ArrowDown");
    await eventually(() => thread(page), { check: (v) => v.focusedId === ids[701], interval: 20, message: "ArrowDown moves on" });
    assert.deepEqual(errors, []);
    await context.close();
  });
});
