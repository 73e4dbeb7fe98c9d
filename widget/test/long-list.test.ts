// A visitor in 2,000 conversations: the list loads older pages as its end comes near, keeps a
// bounded number of DOM nodes while scrolling to the last conversation and back to the first,
// keeps the row under the eyes in place when the window slides, and stays one tab stop whose
// arrow keys, Home and End reach every conversation, drawn or not.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { Browser, Page } from "playwright-core";
import type { AuthResponse, Conversation } from "@parley/sdk/protocol";
import { startServer, type TestServer } from "../../server/test/helpers/harness.js";
import { BROWSER_SKIP, eventually, hostPageHtml, launchBrowser, loginViaForm, startHostSite, type HostSite } from "./helpers/browser.js";
import { DESKTOP, openDevicePage, withViewportMeta } from "./helpers/devices.js";

const TOTAL = 2_000;
/** The list's shadow root, every node counted (elements, text, Lit's markers). */
const NODE_CAP = 1_500;
const ROW_CAP = 50;

const LIST_STATS = `(() => {
  const root = document.querySelector("parley-chat").shadowRoot.querySelector("parley-list").shadowRoot;
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_ALL);
  let nodes = 0;
  while (walker.nextNode()) nodes++;
  const ids = [...root.querySelectorAll("[part=conversation]")].map((b) => b.getAttribute("data-id"));
  const list = root.querySelector("[part=conversations]");
  return { nodes, rows: ids.length, firstId: ids[0] || "", lastId: ids[ids.length - 1] || "", loading: !!root.querySelector(".more"), scrollTop: list.scrollTop, scrollHeight: list.scrollHeight, clientHeight: list.clientHeight };
})()`;

interface Stats {
  nodes: number;
  rows: number;
  firstId: string;
  lastId: string;
  loading: boolean;
  scrollTop: number;
  scrollHeight: number;
  clientHeight: number;
}

/** The focused element inside the list's shadow root, and the rows that are tab stops. */
const FOCUS = `(() => {
  const root = document.querySelector("parley-chat").shadowRoot.querySelector("parley-list").shadowRoot;
  const f = root.activeElement;
  return { id: f && f.getAttribute("data-id"), stops: [...root.querySelectorAll("[part=conversation][tabindex='0']")].map((b) => b.getAttribute("data-id")), rows: root.querySelectorAll("[part=conversation]").length };
})()`;

describe("a list of 2,000 conversations", { timeout: 600_000, skip: BROWSER_SKIP }, () => {
  let s: TestServer;
  let site: HostSite;
  let browser: Browser;
  let url: string;
  let ann: AuthResponse;
  /** Ann's conversations in the server's order (most recent first). */
  const order: string[] = [];
  const pw = "correct horse battery";
  const annLogin = { email: "ann.list@example.com", password: pw };

  before(async () => {
    s = await startServer();
    site = await startHostSite();
    const app = (await s.createTenant("Long list", [site.origin])).id;
    url = site.page("/", withViewportMeta(hostPageHtml({ parleyUrl: s.url, appId: app })));
    ann = await s.api.register(app, { ...annLogin, displayName: "Ann List" });
    for (let i = 0; i < TOTAL; i += 20) {
      await Promise.all(
        Array.from({ length: 20 }, async (_, j) => {
          const res = await s.api.post("/conversations", { token: ann.accessToken, body: { name: `Group ${String(i + j).padStart(4, "0")}`, memberIds: [] } });
          assert.equal(res.status, 201, JSON.stringify(res.body));
        }),
      );
    }
    for (let cursor: string | null = null; ; ) {
      const res: { body: { items: Conversation[]; nextCursor: string | null } } = await s.api.get(
        `/conversations?limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`,
        { token: ann.accessToken },
      );
      order.push(...res.body.items.map((c) => c.id));
      cursor = res.body.nextCursor;
      if (!cursor) break;
    }
    assert.equal(order.length, TOTAL);
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await site?.close();
    await s?.close();
  });

  const stats = (page: Page) => page.evaluate<Stats>(LIST_STATS);

  test("scrolling to the last conversation and back to the first keeps the list under the node cap and the reading position steady", async () => {
    const { page, context, errors } = await openDevicePage(browser, url, DESKTOP);
    await loginViaForm(page, annLogin);
    await page.locator(`[part=conversation][data-id="${order[0]}"]`).waitFor();
    const list = page.locator("parley-list [part=conversations]");
    let max = await stats(page);
    const track = (st: Stats) => {
      if (st.nodes > max.nodes) max = st;
      assert.ok(st.nodes <= NODE_CAP, `${st.nodes} nodes in the list (${st.rows} rows)`);
      assert.ok(st.rows <= ROW_CAP, `${st.rows} rows drawn`);
    };
    track(max);

    // Down to the very last conversation: each scroll to the end slides the window or loads a page.
    const atEnd = (v: Stats) => v.scrollHeight - v.scrollTop - v.clientHeight < 2;
    let down = 0;
    let anchorChecks = 0;
    for (let st = await stats(page); !(st.lastId === order[TOTAL - 1] && atEnd(st) && !st.loading); down++) {
      assert.ok(down < 2_000, "reached the last conversation");
      const before = st;
      await list.evaluate((el) => (el.scrollTop = el.scrollHeight));
      st = await eventually(() => stats(page), {
        check: (v) => v.lastId !== before.lastId || (atEnd(v) && !v.loading && v.lastId === order[TOTAL - 1]),
        timeout: 15_000,
        interval: 20,
        message: `rows after ${before.lastId}`,
      });
      track(st);
    }
    const bottom = await stats(page);

    // Back up to the first: the row at the top stays where it was when the window slides.
    let up = 0;
    for (let st = await stats(page); !(st.firstId === order[0] && st.scrollTop === 0); up++) {
      assert.ok(up < 2_000, "reached the first conversation");
      const before = st;
      const top = await list.evaluate((el) => {
        el.scrollTop = 0;
        const row = el.querySelector("[data-id]") as HTMLElement;
        return { id: row.dataset["id"]!, y: row.getBoundingClientRect().top };
      });
      st = await eventually(() => stats(page), {
        check: (v) => v.firstId !== before.firstId || (v.firstId === order[0] && v.scrollTop === 0),
        timeout: 15_000,
        interval: 20,
        message: `rows above ${before.firstId}`,
      });
      track(st);
      const y = await list.evaluate((el, id) => el.querySelector<HTMLElement>(`[data-id="${id}"]`)?.getBoundingClientRect().top ?? null, top.id);
      if (y !== null && st.firstId !== before.firstId) {
        assert.ok(Math.abs(y - top.y) <= 2, `row ${top.id} moved from ${top.y} to ${y}`);
        anchorChecks++;
      }
    }
    assert.ok(anchorChecks > 10, `${anchorChecks} anchoring checks`);
    console.log(
      [
        `${TOTAL} conversations: at most ${max.nodes} DOM nodes in the list's shadow root (${max.rows} rows drawn), cap ${NODE_CAP}`,
        `  down to the last in ${down} scrolls (pages loaded on the way; ${bottom.rows} rows drawn at the end), back to the first in ${up}; ${anchorChecks} anchoring checks held within 2 px`,
      ].join("\n"),
    );
    assert.deepEqual(errors, []);
    await context.close();
  });

  test("the list stays one tab stop; End, Home and the arrows reach rows that were not drawn", async () => {
    const { page, context } = await openDevicePage(browser, url, DESKTOP);
    await loginViaForm(page, annLogin);
    await page.locator(`[part=conversation][data-id="${order[0]}"]`).waitFor();
    // Load the whole list first (the previous test proved paging): scroll to the end until done.
    const list = page.locator("parley-list [part=conversations]");
    await eventually(
      async () => {
        await list.evaluate((el) => (el.scrollTop = el.scrollHeight));
        return page.evaluate<number>(`document.querySelector("parley-chat").chat.store.state.conversationOrder.length`);
      },
      { check: (n) => n === TOTAL, timeout: 120_000, interval: 50, message: "all conversations loaded" },
    );
    await eventually(
      async () => {
        await list.evaluate((el) => (el.scrollTop = 0));
        return stats(page);
      },
      { check: (v) => v.firstId === order[0] && v.scrollTop === 0, timeout: 60_000, interval: 20, message: "back at the top" },
    );

    type Focus = { id: string | null; stops: string[]; rows: number };
    const focus = () => page.evaluate<Focus>(FOCUS);
    const expectFocus = async (index: number) => {
      const f = await eventually(focus, { check: (v) => v.id === order[index], interval: 20, message: `row ${index} focused` });
      assert.deepEqual(f.stops, [order[index]], "exactly one tab stop, the focused row");
      assert.ok(f.rows <= ROW_CAP, `${f.rows} rows drawn`);
      // Focus moves first; the scroll that brings the row into view follows in a later frame
      // (a loaded machine makes that gap visible), so wait for it as for the focus.
      const row = page.locator(`[part=conversation][data-id="${order[index]}"]`);
      const inView = () =>
        row.evaluate((el) => {
          const r = el.getBoundingClientRect();
          const l = (el.closest("[part=conversations]") as HTMLElement).getBoundingClientRect();
          return r.top >= l.top - 1 && r.bottom <= l.bottom + 1;
        });
      await eventually(inView, { check: (v) => v, interval: 20, message: `row ${index} is scrolled into view` });
    };

    // Tab from the filter box lands on the list's one stop, the first row.
    await page.locator("parley-list [part=filter]").focus();
    await page.keyboard.press("Tab");
    await expectFocus(0);
    await page.keyboard.press("End");
    await expectFocus(TOTAL - 1);
    await page.keyboard.press("ArrowUp");
    await expectFocus(TOTAL - 2);
    await page.keyboard.press("Home");
    await expectFocus(0);
    // Arrow down past the drawn rows: the window follows.
    for (let i = 1; i <= ROW_CAP + 15; i++) {
      await page.keyboard.press("ArrowDown");
      await expectFocus(i);
    }
    // And back up past where the window starts now.
    const f = await focus();
    const drawnFirst = (await stats(page)).firstId;
    const fromIndex = order.indexOf(f.id!);
    const firstIndex = order.indexOf(drawnFirst);
    for (let i = fromIndex - 1; i >= Math.max(0, firstIndex - 5); i--) {
      await page.keyboard.press("ArrowUp");
      await expectFocus(i);
    }
    // Enter opens the focused conversation.
    const target = (await focus()).id!;
    await page.keyboard.press("Enter");
    await page.locator("parley-thread").waitFor();
    assert.equal(await page.evaluate<string>(`document.querySelector("parley-chat").activeId`), target);
    await context.close();
  });
});
