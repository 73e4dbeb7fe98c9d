// A 5,000-message thread in Chromium: the list stays under 2,000 DOM nodes while the visitor
// scrolls to the very first message and back, the message under the eyes stays put when older
// ones are added above, and the figures (nodes, long tasks, keystroke-to-paint) are printed.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { Browser, Page } from "playwright-core";
import { startServer, type TestServer } from "../../server/test/helpers/harness.js";
import { BROWSER_SKIP, eventually, hostPageHtml, launchBrowser, loginViaForm, messageWithText, startHostSite, type HostSite } from "./helpers/browser.js";
import { DESKTOP, openDevicePage, withViewportMeta } from "./helpers/devices.js";
import { formatLongTasks, keystrokeToPaint, type LongThread, quantile, seedLongThread, takeLongTasks, watchLongTasks } from "./helpers/long-thread.js";

const TOTAL = 5_000;
const NODE_CAP = 2_000;

/** Every node (elements, text, Lit's comment markers) in the thread's shadow root, and its messages. */
const LIST_STATS = `(() => {
  const root = document.querySelector("parley-chat").shadowRoot.querySelector("parley-thread").shadowRoot;
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_ALL);
  let nodes = 0;
  while (walker.nextNode()) nodes++;
  const ids = [...root.querySelectorAll("li[data-id]")].map((li) => li.getAttribute("data-id"));
  const list = root.querySelector("[part=messages]");
  return { nodes, elements: root.querySelectorAll("*").length, messages: ids.length, firstId: ids[0] || "", lastId: ids[ids.length - 1] || "", scrollTop: list.scrollTop, scrollHeight: list.scrollHeight, clientHeight: list.clientHeight };
})()`;

interface Stats {
  nodes: number;
  elements: number;
  messages: number;
  firstId: string;
  lastId: string;
  scrollTop: number;
  scrollHeight: number;
  clientHeight: number;
}

describe("a 5,000-message thread", { timeout: 600_000, skip: BROWSER_SKIP }, () => {
  let s: TestServer;
  let site: HostSite;
  let browser: Browser;
  let url: string;
  let thread: LongThread;

  before(async () => {
    s = await startServer({ RATE_LIMIT_MESSAGES_PER_USER: "1000000", RATE_LIMIT_MESSAGES_PER_APP: "1000000" });
    site = await startHostSite();
    const app = (await s.createTenant("Long", [site.origin])).id;
    url = site.page("/", withViewportMeta(hostPageHtml({ parleyUrl: s.url, appId: app })));
    thread = await seedLongThread(s, app, TOTAL);
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await site?.close();
    await s?.close();
  });

  const stats = (page: Page) => page.evaluate<Stats>(LIST_STATS);

  test("scrolling to the first message and back keeps the list under 2,000 DOM nodes and the reading position steady", async () => {
    const { page, context } = await openDevicePage(browser, url, DESKTOP);
    const { dm, ids } = thread;
    await loginViaForm(page, thread.annLogin);
    await watchLongTasks(page);
    await page.locator(`[part=conversation][data-id="${dm}"]`).click();
    await messageWithText(page, `message ${TOTAL - 1}`).waitFor();
    const list = page.locator("[part=messages]");
    let max = await stats(page);
    const track = (st: Stats) => {
      if (st.nodes > max.nodes) max = st;
      assert.ok(st.nodes <= NODE_CAP, `${st.nodes} nodes in the list (${st.messages} messages)`);
    };
    track(max);

    // Up to the very first message: scroll to the top, wait for what is above to arrive.
    let steps = 0;
    let anchorChecks = 0;
    for (let st = await stats(page); st.firstId !== ids[0]; steps++) {
      assert.ok(steps < 1_000, "reached the first message");
      const before = st;
      const top = await list.evaluate((el) => {
        el.scrollTop = 0;
        const li = el.querySelector("li[data-id]") as HTMLElement;
        return { id: li.dataset["id"]!, y: li.getBoundingClientRect().top };
      });
      st = await eventually(() => stats(page), {
        check: (v) => v.firstId !== before.firstId,
        timeout: 15_000,
        interval: 20,
        message: `older messages above ${before.firstId}`,
      });
      track(st);
      // The message that was at the top is where it was: older ones went in above it, off screen.
      const y = await list.evaluate((el, id) => el.querySelector<HTMLElement>(`li[data-id="${id}"]`)?.getBoundingClientRect().top ?? null, top.id);
      if (y !== null) {
        assert.ok(Math.abs(y - top.y) <= 2, `message ${top.id} moved from ${top.y} to ${y}`);
        anchorChecks++;
      }
    }
    assert.ok(anchorChecks > 10, `${anchorChecks} anchoring checks`);
    await messageWithText(page, "message 0").waitFor();
    const scrollUpTasks = await takeLongTasks(page);

    // And back down to the newest, by scrolling.
    const atEnd = (v: Stats) => v.scrollHeight - v.scrollTop - v.clientHeight < 40;
    for (let st = await stats(page); !(st.lastId === ids[ids.length - 1] && atEnd(st)); ) {
      const before = st;
      await list.evaluate((el) => (el.scrollTop = el.scrollHeight));
      st = await eventually(() => stats(page), {
        check: (v) => v.lastId !== before.lastId || atEnd(v),
        timeout: 15_000,
        interval: 20,
        message: "newer messages below",
      });
      track(st);
    }
    await page.locator("[part=jump]").waitFor({ state: "detached" });
    const scrollDownTasks = await takeLongTasks(page);

    // Typing in the composer: keystroke to the next paint, in the page.
    const keys = await keystrokeToPaint(page, "typing into a long thread stays quick");
    const typingTasks = await takeLongTasks(page);
    const fmt = formatLongTasks;
    console.log(
      [
        `5,000-message thread: ${TOTAL} messages loaded, at most ${max.nodes} DOM nodes in the list (${max.elements} elements, ${max.messages} messages rendered), cap ${NODE_CAP}`,
        `  scrolled to the top in ${steps} steps; ${anchorChecks} anchoring checks held within 2 px`,
        `  long tasks: scrolling up ${fmt(scrollUpTasks)}, scrolling down ${fmt(scrollDownTasks)}, typing ${fmt(typingTasks)}`,
        `  keystroke to paint: median ${quantile(keys, 0.5).toFixed(1)} ms, max ${Math.max(...keys).toFixed(1)} ms over ${keys.length} keys`,
      ].join("\n"),
    );
    await context.close();
  });

  test("a hover that lands after the reader scrolled away shows that message's actions without pulling the list back to it", async () => {
    const { page, context } = await openDevicePage(browser, url, DESKTOP);
    await loginViaForm(page, thread.annLogin);
    await page.locator(`[part=conversation][data-id="${thread.dm}"]`).click();
    await messageWithText(page, `message ${TOTAL - 1}`).waitFor();
    // The real pointer off the list: only the hover below moves the toolbar.
    await page.mouse.move(0, 0);
    const list = page.locator("[part=messages]");
    // The browser tells of a hover after a scroll with a later frame, and on a busy machine the
    // reader can be elsewhere by then (the CI of 2026-11-29: scrolled to the top, then taken 2,153
    // px back down to where the mouse had been). Here the reader goes to the top and the newest
    // message, now far below the view, is hovered in the same task.
    const { hovered, top } = await list.evaluate((el) => {
      const rows = el.querySelectorAll<HTMLElement>("li[data-id]");
      const last = rows[rows.length - 1]!;
      el.scrollTop = 0;
      const first = el.querySelector<HTMLElement>("li[data-id]")!;
      last.dispatchEvent(new PointerEvent("pointerover", { pointerType: "mouse", bubbles: true, composed: true }));
      return { hovered: last.dataset["id"]!, top: { id: first.dataset["id"]!, y: first.getBoundingClientRect().top } };
    });
    await list.locator(`li[data-id="${hovered}"] [part=actions]`).waitFor({ state: "attached" });
    const now = await list.evaluate(
      (el, id) =>
        new Promise<{ y: number | null; scrollTop: number }>((resolve) =>
          requestAnimationFrame(() =>
            requestAnimationFrame(() =>
              resolve({ y: el.querySelector<HTMLElement>(`li[data-id="${id}"]`)?.getBoundingClientRect().top ?? null, scrollTop: el.scrollTop }),
            ),
          ),
        ),
      top.id,
    );
    assert.ok(now.y !== null && Math.abs(now.y - top.y) <= 2, `message ${top.id} moved from ${top.y} to ${now.y} (scrollTop ${now.scrollTop})`);
    await context.close();
  });

  test("older messages that land before the browser has reported a scroll up keep the reader's place, not the bottom", async () => {
    const { page, context } = await openDevicePage(browser, url, DESKTOP);
    await loginViaForm(page, thread.annLogin);
    await page.locator(`[part=conversation][data-id="${thread.dm}"]`).click();
    await messageWithText(page, `message ${TOTAL - 1}`).waitFor();
    const loaded = (): Promise<number> =>
      page.evaluate<number>(`document.querySelector("parley-chat").shadowRoot.querySelector("parley-thread").messages.length`);
    const count = await loaded();
    // A scroll event comes with a later frame: on a busy machine (or phone) older messages asked
    // for earlier can land first (the CI of stop 68, with extra load: "message 4861 moved from 178
    // to -1975.125", the list sent to the bottom). The event's listener is held back here, as if
    // that frame had not come yet, while older messages are asked for and arrive.
    const list = page.locator("[part=messages]");
    const top = await page.evaluate<{ id: string; y: number }>(`(() => {
      const el = document.querySelector("parley-chat").shadowRoot.querySelector("parley-thread").shadowRoot.querySelector("[part=messages]");
      window.holdScroll = (e) => e.stopImmediatePropagation();
      el.addEventListener("scroll", window.holdScroll, { capture: true });
      el.scrollTop = 0;
      const li = el.querySelector("li[data-id]");
      el.dispatchEvent(new CustomEvent("parley-load-older", { bubbles: true, composed: true }));
      return { id: li.dataset.id, y: li.getBoundingClientRect().top };
    })()`);
    await eventually(loaded, { check: (n) => n > count, timeout: 15_000, message: "older messages loaded" });
    const now = await list.evaluate(
      (el, id) => ({
        y: el.querySelector<HTMLElement>(`li[data-id="${id}"]`)?.getBoundingClientRect().top ?? null,
        fromBottom: el.scrollHeight - el.scrollTop - el.clientHeight,
      }),
      top.id,
    );
    assert.ok(now.y !== null && Math.abs(now.y - top.y) <= 2, `message ${top.id} moved from ${top.y} to ${now.y} (${now.fromBottom} px from the bottom)`);
    await list.evaluate((el) => el.removeEventListener("scroll", (window as unknown as { holdScroll: EventListener }).holdScroll, { capture: true }));
    await context.close();
  });
});
