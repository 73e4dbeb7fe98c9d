// First load: the script tag brings a loader of a few KB and the UI arrives when the visitor opens
// the chat; assets are compressed (brotli or gzip, as accepted), the UI is content-hashed and
// immutable, widget.js stays the stable short-lived URL. Prints the bytes before and after opening.
import assert from "node:assert/strict";
import http from "node:http";
import { after, before, describe, test } from "node:test";
import type { Browser, Page, Response } from "playwright-core";
import type { AuthResponse } from "@parley/sdk/protocol";
import { startServer, type TestServer } from "../../server/test/helpers/harness.js";
import { BROWSER_SKIP, eventually, expectText, hostPageHtml, launchBrowser, loginViaForm, startHostSite, type HostSite } from "./helpers/browser.js";
import { DESKTOP, openDevicePage, withViewportMeta } from "./helpers/devices.js";

interface Transfer {
  url: string;
  bytes: number;
  encoding: string;
  cache: string;
}

/** Records every response from the chat server with its bytes on the wire (headers + encoded body). */
function recordTransfers(page: Page, origin: string): Transfer[] {
  const seen: Transfer[] = [];
  page.on("requestfinished", (req) => {
    if (!req.url().startsWith(origin)) return;
    void (async () => {
      const sizes = await req.sizes().catch(() => null);
      const res: Response | null = await req.response().catch(() => null);
      const headers = res ? await res.allHeaders().catch(() => ({}) as Record<string, string>) : {};
      seen.push({
        url: req.url().slice(origin.length),
        bytes: sizes ? sizes.responseHeadersSize + sizes.responseBodySize : 0,
        encoding: headers["content-encoding"] ?? "",
        cache: headers["cache-control"] ?? "",
      });
    })();
  });
  return seen;
}

const total = (ts: Transfer[]) => ts.reduce((n, t) => n + t.bytes, 0);
const kb = (n: number) => `${(n / 1024).toFixed(1)} KB`;

/** A GET with node:http (fetch would add its own Accept-Encoding and decode). */
function get(url: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: http.IncomingHttpHeaders; bytes: number }> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { headers }, (res) => {
        let bytes = 0;
        res.on("data", (c: Buffer) => (bytes += c.length));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, bytes }));
      })
      .on("error", reject);
  });
}

describe("first load: a small loader, the UI on open", { timeout: 180_000, skip: BROWSER_SKIP }, () => {
  let s: TestServer;
  let site: HostSite;
  let browser: Browser;
  let app: string;
  let url: string;
  let ann: AuthResponse, ben: AuthResponse;
  const pw = "correct horse battery";
  const annLogin = { email: "ann.first@example.com", password: pw };

  before(async () => {
    s = await startServer();
    site = await startHostSite();
    app = (await s.createTenant("First load", [site.origin])).id;
    url = site.page("/", withViewportMeta(hostPageHtml({ parleyUrl: s.url, appId: app })));
    ann = await s.api.register(app, { ...annLogin, displayName: "Ann First" });
    ben = await s.api.register(app, { email: "ben.first@example.com", password: pw, displayName: "Ben First" });
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await site?.close();
    await s?.close();
  });

  test("a new visitor downloads only the loader until the chat is opened; then the hashed, compressed UI", async () => {
    const context = await browser.newContext(DESKTOP);
    const page = await context.newPage();
    const transfers = recordTransfers(page, s.url);
    await page.addInitScript(`(() => {
      new MutationObserver((_, obs) => {
        const chat = document.querySelector("parley-chat");
        if (chat && chat.shadowRoot && chat.shadowRoot.querySelector("[part=launcher]")) { window.__launcherAt = performance.now(); obs.disconnect(); }
      }).observe(document, { childList: true, subtree: true });
    })()`);
    await page.goto(url);
    await page.locator("[part=launcher]").waitFor({ state: "visible" });
    await page.waitForLoadState("networkidle");
    const before = [...transfers];
    assert.deepEqual(
      before.map((t) => t.url.split("?")[0]),
      ["/widget.js"],
      "only the loader before opening",
    );
    // Chromium offers brotli over HTTPS only; over plain HTTP it gets gzip.
    assert.match(before[0]!.encoding, /^(br|gzip)$/, "compressed");
    assert.match(before[0]!.cache, /max-age=300\b/);

    const timing = await page.evaluate<{ launcher: number; script: number }>(`(() => {
      const entry = performance.getEntriesByType("resource").find((e) => e.name.endsWith("/widget.js"));
      return { launcher: window.__launcherAt, script: entry ? entry.responseEnd : NaN };
    })()`);

    await page.evaluate(`(window.opened = 0), document.querySelector("parley-chat").addEventListener("parley-opened", () => window.opened++)`);
    await page.locator("[part=launcher]").click();
    await page.locator("parley-signin [part=signin-submit]").waitFor({ state: "visible" });
    await page.waitForLoadState("networkidle");
    // The click and the loader's open on its release (embed.ts) are one opening to the host.
    assert.equal(await page.evaluate("window.opened"), 1, "the host is told of one opening");
    const afterOpen = transfers.slice(before.length);
    const ui = afterOpen.find((t) => /^\/widget-ui-[A-Za-z0-9_-]{8}\.js$/.test(t.url));
    assert.ok(ui, `the hashed UI module is fetched on open: ${afterOpen.map((t) => t.url).join(", ")}`);
    assert.match(ui.encoding, /^(br|gzip)$/);
    assert.match(ui.cache, /immutable/);
    assert.match(ui.cache, /max-age=31536000/);
    const assets = afterOpen.filter((t) => t.url.endsWith(".js"));
    console.log(
      [
        `first load: ${kb(total(before))} transferred before the chat is opened (${before.map((t) => `${t.url} ${kb(t.bytes)} ${t.encoding}`).join(", ")})`,
        `  after opening: ${kb(total(afterOpen))} more in all (${afterOpen.map((t) => `${t.url.split("?")[0]} ${kb(t.bytes)}${t.encoding ? " " + t.encoding : ""}`).join(", ")})`,
        `  launcher drawn ${(timing.launcher - timing.script).toFixed(0)} ms after widget.js arrived`,
      ].join("\n"),
    );
    assert.ok(total(before) <= 25 * 1024, `before opening: ${kb(total(before))}`);
    // The 40 KB goal is for what a browser transfers over HTTPS, where it accepts brotli; Chromium
    // does not offer brotli over plain HTTP (this test server), so here the UI comes gzipped. The
    // brotli size is checked on the wire in the last test. gzip runs ~4.9 KB above brotli for this
    // bundle (44.1 vs 39.5 KB with the offline outbox hook, the list pager and DM drafts), so the
    // plain-HTTP allowance is 45 KB.
    assert.ok(ui.bytes <= (ui.encoding === "br" ? 40 : 45) * 1024, `the UI: ${kb(ui.bytes)} ${ui.encoding}`);
    // A visitor with no session also gets the sign-in form, a chunk of its own since pages that sign
    // visitors in with a host token (or a kept session) never need it (issue 31); it is all they add.
    const signin = assets.filter((t) => t !== ui);
    assert.deepEqual(
      signin.map((t) => t.url.replace(/-[A-Za-z0-9_-]{8}\.js$/, "")),
      ["/parley-signin"],
    );
    assert.ok(total(signin) <= 2 * 1024, `the sign-in form: ${kb(total(signin))} ${ui.encoding}`);

    // And the UI works: sign in from the form the upgraded element draws.
    await loginViaForm(page, annLogin);
    await context.close();
  });

  test("a signed-in visitor gets the UI while the browser is idle, so the unread badge is live without opening", async () => {
    const { page, context, errors } = await openDevicePage(browser, url, DESKTOP);
    await page.locator("[part=launcher]").click();
    await page
      .locator("[part=panel]")
      .waitFor({ state: "visible", timeout: 5_000 })
      .catch(() => assert.fail(`panel did not open: ${errors.join("; ")}`));
    await loginViaForm(page, annLogin);
    await page.locator("[part=close]").click();
    await page.reload();
    await page.locator("[part=launcher]").waitFor({ state: "visible" });
    // The full UI defines <parley-chat> without a click (from the network or, immutable, the cache).
    await page.waitForFunction("!!customElements.get('parley-chat')", null, { timeout: 10_000 });
    const dm = (await s.api.post("/conversations/direct", { token: ben.accessToken, body: { userId: ann.user.id } })).body.conversation.id;
    await s.api.post(`/conversations/${dm}/messages`, { token: ben.accessToken, body: { text: "are you there?" } });
    await expectText(page.locator("[part=badge]"), "1");
    assert.match((await page.locator("[part=launcher]").getAttribute("aria-label")) ?? "", /1 unread/);
    await context.close();
  });

  test("a UI fetch that failed (a network blip) is tried again at the next click, not kept as a dead launcher", async () => {
    const context = await browser.newContext(DESKTOP);
    const page = await context.newPage();
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(e.message));
    // The first fetch of the UI module fails as a dropped connection does; later ones pass.
    let failed = 0;
    await page.route(/\/widget-ui-[A-Za-z0-9_-]{8}\.js$/, (route) => (failed++ === 0 ? route.abort("connectionreset") : route.continue()));
    await page.goto(url);
    await page.locator("[part=launcher]").waitFor({ state: "visible" });
    const dropped = page.waitForEvent("requestfailed", (r) => /\/widget-ui-/.test(r.url()));
    await page.locator("[part=launcher]").click();
    await dropped;
    assert.equal(await page.locator("[part=panel]").count(), 0, "no panel without the UI");
    // The page learns of the failure just after the browser reports it: click until the chat opens
    // (a launcher that kept the failed fetch never does).
    const signin = page.locator("parley-signin [part=signin-submit]");
    await eventually(
      async () => {
        await page.locator("[part=launcher]").click();
        await signin.waitFor({ state: "visible", timeout: 3_000 });
      },
      { timeout: 15_000, message: "the chat did not open after a failed UI fetch" },
    );
    assert.equal(failed, 2, "the UI was fetched again");
    assert.deepEqual(errors, [], "no uncaught error in the page");
    await context.close();
  });

  for (const input of ["mouse", "touch", "keyboard"] as const) {
    test(`a ${input} press on the launcher that the UI's arrival interrupts (pressed before, released after) still opens the chat, once`, async () => {
      // Hovering (or touching) fetches the UI; on a slow box or network it may arrive between the
      // press and the release. The loader's launcher was then swapped for the UI's under the
      // pointer and a mouse's click was lost (seen in CI: the sign-in form never came). A Space
      // key's click comes at its release, on the button that had its press: lost the same way.
      const context = await browser.newContext({ ...DESKTOP, hasTouch: input === "touch" });
      const page = await context.newPage();
      const errors: string[] = [];
      page.on("pageerror", (e) => errors.push(e.message));
      let release = (): void => undefined;
      const held = new Promise<void>((r) => (release = r));
      await page.route(/\/widget-ui-[A-Za-z0-9_-]{8}\.js$/, async (route) => (await held, route.continue()));
      await page.goto(url);
      const launcher = page.locator("[part=launcher]");
      await launcher.waitFor({ state: "visible" });
      const box = (await launcher.boundingBox())!;
      const [x, y] = [box.x + box.width / 2, box.y + box.height / 2];
      // The loader's icon is the UI's: the same place, size and colour.
      const icon = () =>
        launcher.locator("svg").evaluate((svg) => {
          const r = svg.getBoundingClientRect();
          return [r.x, r.y, r.width, r.height, getComputedStyle(svg.querySelector("path")!).fill];
        });
      const stubIcon = await icon();
      await page.evaluate(`(window.opened = 0), document.querySelector("parley-chat").addEventListener("parley-opened", () => window.opened++)`);
      const cdp = input === "touch" ? await context.newCDPSession(page) : undefined;
      if (cdp) await cdp.send("Input.dispatchTouchEvent", { type: "touchStart", touchPoints: [{ x, y }] });
      else if (input === "keyboard") {
        await launcher.focus();
        // Held: the second press is the key's repeat.
        await page.keyboard.down(" ");
        await page.keyboard.down(" ");
      } else {
        await page.mouse.move(x, y);
        await page.mouse.down();
      }
      release();
      await page.waitForFunction(`customElements.get("parley-chat") !== undefined`);
      await page.evaluate(`document.querySelector("parley-chat").updateComplete`);
      assert.deepEqual(await icon(), stubIcon, "the UI's launcher icon where the loader's was");
      if (cdp) await cdp.send("Input.dispatchTouchEvent", { type: "touchEnd", touchPoints: [] });
      else if (input === "keyboard") await page.keyboard.up(" ");
      else await page.mouse.up();
      await page.locator("parley-signin [part=signin-submit]").waitFor({ state: "visible", timeout: 10_000 });
      // Opened once, not opened and closed again by a click that did come: still open a few frames on.
      await page.evaluate(`new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(() => setTimeout(r, 0))))`);
      assert.equal(await page.locator("[part=launcher]").getAttribute("aria-expanded"), "true");
      assert.ok(await page.locator("parley-signin [part=signin-submit]").isVisible(), "the chat is still open");
      assert.equal(await page.evaluate("window.opened"), 1, "the host is told of one opening");
      assert.deepEqual(errors, [], "no uncaught error in the page");
      await context.close();
    });
  }

  test("widget.js and the UI: brotli or gzip as accepted, identity otherwise; ETags revalidate; unknown files 404", async () => {
    const loader = await get(`${s.url}/widget.js`, { "Accept-Encoding": "gzip" });
    assert.equal(loader.status, 200);
    assert.equal(loader.headers["content-encoding"], "gzip");
    assert.match(String(loader.headers["vary"]), /Accept-Encoding/i);
    const plain = await get(`${s.url}/widget.js`);
    assert.equal(plain.headers["content-encoding"], undefined);
    assert.ok(loader.bytes < plain.bytes);
    const again = await get(`${s.url}/widget.js`, { "Accept-Encoding": "gzip", "If-None-Match": String(loader.headers["etag"]) });
    assert.equal(again.status, 304);
    assert.equal(again.bytes, 0);

    const src = await (await fetch(`${s.url}/widget.js`)).text();
    const name = /widget-ui-[A-Za-z0-9_-]{8}\.js/.exec(src)?.[0];
    assert.ok(name, "the loader names the hashed UI");
    const br = await get(`${s.url}/${name}`, { "Accept-Encoding": "br, gzip" });
    assert.equal(br.status, 200);
    assert.equal(br.headers["content-encoding"], "br");
    assert.equal(br.headers["access-control-allow-origin"], "*");
    assert.match(String(br.headers["cache-control"]), /immutable/);
    assert.ok(br.bytes <= 40 * 1024, `the UI is ${kb(br.bytes)} with brotli`);
    console.log(
      `widget UI on the wire: ${kb(br.bytes)} brotli, ${kb((await get(`${s.url}/${name}`, { "Accept-Encoding": "gzip" })).bytes)} gzip, ${kb((await get(`${s.url}/${name}`)).bytes)} identity`,
    );
    assert.equal((await get(`${s.url}/widget-ui-AAAAAAAA.js`)).status, 404);
    assert.equal((await get(`${s.url}/v1/healthz`)).status, 200, "other routes are untouched");
  });
});
