/**
 * How fast the widget draws the conversation list on a page load, with the offline cache warm
 * (IndexedDB filled by an earlier visit) and cold (no cache: the list comes from the network),
 * on a throttled network (Chrome DevTools' Network.emulateNetworkConditions).
 *
 *   npm run build && node --import tsx widget/bench/offline.ts [--rounds 5] [--latency 150] [--kbps 1600]
 *
 * Starts a Parley server (SQLite, throwaway data) and a host page that embeds the widget inline,
 * signs a visitor with 30 conversations in once, then loads the page `rounds` times cold and warm
 * (the HTTP cache is warm in both: only IndexedDB differs). Prints medians: from navigation start,
 * and from the moment widget.js finished loading, to the first conversation row in the DOM.
 * Figures are printed, not asserted.
 */
import { chromium, type BrowserContext } from "playwright-core";
import { startServer } from "../../server/test/helpers/harness.js";
import { CHROMIUM_PATH, startHostSite } from "../test/helpers/browser.js";

const args = process.argv.slice(2);
const arg = (name: string, def: number): number => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : def;
};
const ROUNDS = arg("--rounds", 5);
const LATENCY = arg("--latency", 150);
const KBPS = arg("--kbps", 1600);
const CONVERSATIONS = 30;

const s = await startServer();
const site = await startHostSite();
const app = await s.createTenant("Bench host", [site.origin]);
const creds = { email: "bench.visitor@example.com", password: "correct horse battery" };
const me = await s.api.register(app.id, { ...creds, displayName: "Bench Visitor" });
for (let i = 0; i < CONVERSATIONS; i++) {
  const peer = await s.api.register(app.id, { displayName: `Peer ${i}` });
  const dm = await s.api.post<{ conversation: { id: string } }>("/conversations/direct", {
    app: app.id,
    token: me.accessToken,
    body: { userId: peer.user.id },
  });
  for (let k = 0; k < 3; k++)
    await s.api.post(`/conversations/${dm.body.conversation.id}/messages`, { app: app.id, token: peer.accessToken, body: { text: `hello ${i}.${k}` } });
}

const pageUrl = site.page(
  "/",
  `<!doctype html><html><head><meta charset="utf-8"><title>Bench</title></head><body style="margin:0">
<div style="width:400px;height:640px"><script src="${s.url}/widget.js" data-app-id="${app.id}" data-mode="inline" async></script></div></body></html>`,
);
const blankUrl = site.page("/blank", "<!doctype html><title>blank</title>");

// Records the first frame with a conversation row (inside two shadow roots) as window.__listPaint.
const PAINT_PROBE = `(() => {
  const tick = () => {
    const row = document.querySelector("parley-chat")?.shadowRoot?.querySelector("parley-list")?.shadowRoot?.querySelector("[part=conversation]");
    if (row) window.__listPaint = performance.now();
    else requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
})();`;

const browser = await chromium.launch({
  executablePath: CHROMIUM_PATH ?? "chromium",
  headless: true,
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
});
const context = await browser.newContext({ viewport: { width: 1000, height: 800 } });
await context.addInitScript(PAINT_PROBE);

/** Signs in once (the session stays in localStorage for every later load). */
async function signIn(ctx: BrowserContext): Promise<void> {
  const page = await ctx.newPage();
  await page.goto(pageUrl);
  const signin = page.locator("parley-signin");
  await signin.locator("input[name=email]").fill(creds.email);
  await signin.locator("input[name=password]").fill(creds.password);
  await signin.locator("[part=signin-submit]").click();
  await page.locator("[part=conversation]").first().waitFor({ timeout: 30_000 });
  await page.close();
}

/** IndexedDB on the host origin, from a page without the widget (which would hold it open). */
async function onBlank<T>(fn: string): Promise<T> {
  const page = await context.newPage();
  await page.goto(blankUrl);
  const out = (await page.evaluate(fn)) as T;
  await page.close();
  return out;
}
const wipeCache = (): Promise<void> =>
  onBlank(
    `(async () => { for (const d of await indexedDB.databases()) if (d.name?.startsWith("parley:")) await new Promise((r) => { const q = indexedDB.deleteDatabase(d.name); q.onsuccess = q.onerror = q.onblocked = r; }); })()`,
  );
/** True once the cache holds the whole list and a cursor (evaluated in a page of the host origin). */
const CACHE_CHECK = `(async () => {
  const name = (await indexedDB.databases()).map((d) => d.name).find((n) => n?.startsWith("parley:"));
  if (!name) return false;
  const db = await new Promise((r) => { const q = indexedDB.open(name); q.onsuccess = () => r(q.result); });
  const get = (store, fn) => new Promise((r) => { try { const q = fn(db.transaction(store).objectStore(store)); q.onsuccess = () => r(q.result); q.onerror = () => r(null); } catch { r(null); } });
  const meta = await get("meta", (s) => s.get("state"));
  const n = await get("conversations", (s) => s.count());
  db.close();
  return !!meta && meta.lastSeq > 0 && meta.order.length >= ${CONVERSATIONS} && n >= ${CONVERSATIONS};
})()`;

/** One throttled page load; milliseconds from navigation start and from widget.js loaded to the list's first paint. */
async function load(opts: { untilCached?: boolean } = {}): Promise<{ fromNav: number; fromScript: number }> {
  const page = await context.newPage();
  const cdp = await context.newCDPSession(page);
  await cdp.send("Network.enable");
  await cdp.send("Network.emulateNetworkConditions", {
    offline: false,
    latency: LATENCY,
    downloadThroughput: (KBPS * 1024) / 8,
    uploadThroughput: (KBPS * 512) / 8,
  });
  await page.goto(pageUrl);
  await page.waitForFunction("window.__listPaint !== undefined", undefined, { timeout: 60_000 }).catch(async (err: unknown) => {
    console.error(
      "no list painted; the store:",
      await page.evaluate(
        `(() => { const s = document.querySelector("parley-chat").chat.store.state; return JSON.stringify({ conversations: s.conversationOrder.length, lastSeq: s.lastSeq, cached: s.cached, connection: s.connection, sync: s.sync }); })()`,
      ),
    );
    throw err;
  });
  const out = await page.evaluate(`(() => {
    const script = performance.getEntriesByType("resource").find((e) => e.name.endsWith("/widget.js"));
    return { fromNav: window.__listPaint, fromScript: window.__listPaint - (script ? script.responseEnd : 0) };
  })()`);
  // A cold load stays until the cache holds what it fetched (written once caught up), for the warm one.
  for (let tries = 0; opts.untilCached && !(await page.evaluate(CACHE_CHECK)); tries++) {
    if (tries > 300) throw new Error("the cache was never written");
    await new Promise((r) => setTimeout(r, 100));
  }
  await page.close({ runBeforeUnload: true });
  return out as { fromNav: number; fromScript: number };
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

await signIn(context);
await load(); // primes the HTTP cache (widget.js, the UI and the persistence chunk)
const cold: { fromNav: number; fromScript: number }[] = [];
const warm: { fromNav: number; fromScript: number }[] = [];
for (let i = 0; i < ROUNDS; i++) {
  await wipeCache();
  cold.push(await load({ untilCached: true }));
  if (!(await onBlank<boolean>(CACHE_CHECK))) throw new Error("no warm cache to measure");
  warm.push(await load());
}

const fmt = (xs: { fromNav: number; fromScript: number }[]) =>
  `${median(xs.map((x) => x.fromNav))
    .toFixed(0)
    .padStart(5)} ms from navigation, ${median(xs.map((x) => x.fromScript))
    .toFixed(0)
    .padStart(5)} ms from widget.js loaded`;
console.log(`First conversation-list paint, ${CONVERSATIONS} conversations, network ${LATENCY} ms latency / ${KBPS} kbit/s down, median of ${ROUNDS}:`);
console.log(`  cold cache (no IndexedDB): ${fmt(cold)}`);
console.log(`  warm cache (IndexedDB):    ${fmt(warm)}`);

await browser.close();
await site.close();
await s.close();
process.exit(0);
