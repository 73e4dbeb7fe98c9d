/**
 * The widget with a 5,000-message thread, scrolled as a reader scrolls: the mouse wheel, 600 px a
 * turn, from the newest message to the first one (older pages load on the way) and back down,
 * then a sentence typed into the composer. Once without CPU throttling and once at 4x (Chrome
 * DevTools' Emulation.setCPUThrottlingRate, a mid-range phone).
 *
 *   npm run build && npm run bench:widget          (this and widget/bench/offline.ts)
 *   node --import tsx widget/bench/long-thread.ts [--messages 5000] [--throttle 1,4]
 *
 * Prints, per throttle rate: the most DOM nodes in the list, long tasks (over 50 ms, the
 * browser's own `longtask` entries) while scrolling up, down and typing, and keystroke-to-paint
 * (keydown to the frame after it) median, p95 and max. Figures are printed, not asserted; the
 * node cap is asserted by widget/test/long-thread.test.ts.
 */
import type { Page } from "playwright-core";
import { startServer } from "../../server/test/helpers/harness.js";
import { eventually, hostPageHtml, launchBrowser, loginViaForm, messageWithText, startHostSite } from "../test/helpers/browser.js";
import { DESKTOP, openDevicePage, withViewportMeta } from "../test/helpers/devices.js";
import { formatLongTasks, keystrokeToPaint, quantile, seedLongThread, takeLongTasks, watchLongTasks } from "../test/helpers/long-thread.js";

const args = process.argv.slice(2);
const arg = (name: string, def: string): string => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1]! : def;
};
const TOTAL = Number(arg("--messages", "5000"));
const RATES = arg("--throttle", "1,4").split(",").map(Number);
const WHEEL_PX = 600;

/** Nodes in the thread's shadow root, the first and last message drawn, and the scroll position. */
const LIST_STATS = `(() => {
  const root = document.querySelector("parley-chat").shadowRoot.querySelector("parley-thread").shadowRoot;
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_ALL);
  let nodes = 0;
  while (walker.nextNode()) nodes++;
  const rows = root.querySelectorAll("li[data-id]");
  const list = root.querySelector("[part=messages]");
  return { nodes, firstId: rows[0]?.getAttribute("data-id") || "", lastId: rows[rows.length - 1]?.getAttribute("data-id") || "", top: list.scrollTop, bottomGap: list.scrollHeight - list.scrollTop - list.clientHeight };
})()`;
interface Stats {
  nodes: number;
  firstId: string;
  lastId: string;
  top: number;
  bottomGap: number;
}
const stats = (page: Page) => page.evaluate<Stats>(LIST_STATS);
/** Two animation frames: the wheel's scroll has been applied and drawn. */
const frames = (page: Page) => page.evaluate("new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)))");

const s = await startServer({ RATE_LIMIT_MESSAGES_PER_USER: "1000000", RATE_LIMIT_MESSAGES_PER_APP: "1000000" });
const site = await startHostSite();
const app = (await s.createTenant("Bench long thread", [site.origin])).id;
const url = site.page("/", withViewportMeta(hostPageHtml({ parleyUrl: s.url, appId: app })));
const t0 = Date.now();
const thread = await seedLongThread(s, app, TOTAL, "bench");
console.log(`seeded ${TOTAL} messages in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
const browser = await launchBrowser();

try {
  for (const rate of RATES) {
    const { page, context } = await openDevicePage(browser, url, DESKTOP);
    await loginViaForm(page, thread.annLogin);
    await page.locator(`[part=conversation][data-id="${thread.dm}"]`).click();
    await messageWithText(page, `message ${TOTAL - 1}`).waitFor();
    const cdp = await context.newCDPSession(page);
    await cdp.send("Emulation.setCPUThrottlingRate", { rate });
    const box = (await page.locator("[part=messages]").boundingBox())!;
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await watchLongTasks(page);
    let maxNodes = 0;

    // Up to the first message: a wheel turn, two frames; at the top, wait for the older page.
    let up = 0;
    for (let st = await stats(page); !(st.firstId === thread.ids[0] && st.top <= 0); up++) {
      if (up > 20_000) throw new Error(`never reached the first message: ${JSON.stringify(st)}`);
      await page.mouse.wheel(0, -WHEEL_PX);
      await frames(page);
      const before = st;
      st = await stats(page);
      if (st.top <= 0 && st.firstId === before.firstId && st.firstId !== thread.ids[0])
        st = await eventually(() => stats(page), { check: (v) => v.firstId !== before.firstId, timeout: 30_000, interval: 20, message: "an older page" });
      maxNodes = Math.max(maxNodes, st.nodes);
    }
    const upTasks = await takeLongTasks(page);

    // Back down to the newest.
    let down = 0;
    for (let st = await stats(page); !(st.lastId === thread.ids[thread.ids.length - 1] && st.bottomGap < 2); down++) {
      if (down > 20_000) throw new Error(`never reached the newest message: ${JSON.stringify(st)}`);
      await page.mouse.wheel(0, WHEEL_PX);
      await frames(page);
      st = await stats(page);
      maxNodes = Math.max(maxNodes, st.nodes);
    }
    const downTasks = await takeLongTasks(page);

    const keys = await keystrokeToPaint(page, "typing into a long thread stays quick");
    const typingTasks = await takeLongTasks(page);
    console.log(
      [
        `${TOTAL.toLocaleString("en")}-message thread, CPU ${rate}x: at most ${maxNodes} DOM nodes in the list`,
        `  long tasks: scrolling up ${formatLongTasks(upTasks)} over ${up} wheel turns, scrolling down ${formatLongTasks(downTasks)} over ${down}, typing ${formatLongTasks(typingTasks)}`,
        `  keystroke to paint: median ${quantile(keys, 0.5).toFixed(1)} ms, p95 ${quantile(keys, 0.95).toFixed(1)} ms, max ${Math.max(...keys).toFixed(1)} ms (${keys.length} keys)`,
      ].join("\n"),
    );
    await context.close();
  }
} finally {
  await browser.close();
  await site.close();
  await s.close();
}
