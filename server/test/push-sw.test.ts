/**
 * Parley's service worker (issue 31, acceptance 3, the browser part), in headless Chromium: a host
 * page on its own origin registers a one-line service worker that imports the server's
 * `/parley-sw.js`; a push the server really sent (to a local push service, decrypted here with the
 * device's key) is handed to the service worker through the DevTools protocol
 * (ServiceWorker.deliverPushMessage), and the notification it shows is read back with
 * `registration.getNotifications()`; the host's own pushes are left to the host's own handler. Its click is driven by dispatching a `notificationclick` in the
 * service worker (DevTools has no command to click a notification): the host's window gets
 * `{ type: "parley-open", conversationId }`.
 *
 * The service worker is built from widget/src/sw/ here, with the options rollup.config.mjs uses,
 * and served by the server from WIDGET_DIR: the test needs no `npm run build`.
 */
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { build } from "esbuild";
import { type Browser, type BrowserContext, type CDPSession, chromium, type Page } from "playwright-core";
import type { AuthResponse, PushPayload } from "@parley/sdk/protocol";
import { browserAvailability } from "../../scripts/test/services.js";
import { startServer, TEST_DB, type TestServer } from "./helpers/harness.js";
import { PushReceiver } from "./helpers/push.js";

const ROOT = path.resolve(import.meta.dirname, "../..");
const chromiumFound = browserAvailability();
const SKIP: string | false = process.env["PARLEY_TEST_SKIP_BROWSER"] || (chromiumFound.ok ? false : `Chromium unavailable: ${chromiumFound.reason}`);

interface Shown {
  title: string;
  body: string;
  tag: string;
  data: { parley?: PushPayload } | null;
}

describe(`Parley's service worker shows pushes and opens their conversation (Chromium, ${TEST_DB})`, { skip: SKIP, timeout: 120_000 }, () => {
  let s: TestServer;
  let swDir: string;
  let host: Server;
  let origin = "";
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let cdp: CDPSession;
  let registrationId = "";
  const r = new PushReceiver();
  /** What DevTools said of the worker (errors, running states): printed when a wait fails. */
  const workerLog: string[] = [];

  before(async () => {
    swDir = await mkdtemp(path.join(tmpdir(), "parley-sw-"));
    await build({
      entryPoints: [path.join(ROOT, "widget/src/sw/parley-sw.ts")],
      outfile: path.join(swDir, "parley-sw.js"),
      bundle: true,
      format: "iife",
      target: "es2020",
      minify: true,
      tsconfig: path.join(ROOT, "tsconfig.json"),
      logLevel: "silent",
    });
    s = await startServer({ WIDGET_DIR: swDir, PUSH_ALLOW_PRIVATE: "1" });
    await r.start();
    // The host site: a page, and its own service worker of one line.
    host = createServer((req, res) => {
      if (req.url === "/sw.js") {
        // The one line, and the host's own push handler for its own pushes (it tells them apart by their shape).
        res
          .writeHead(200, { "Content-Type": "application/javascript", "Cache-Control": "no-store" })
          .end(`importScripts(${JSON.stringify(`${s.url}/parley-sw.js`)});
self.addEventListener("push", (event) => {
  const text = event.data ? event.data.text() : "";
  if (text.includes('"conversationId"')) return;
  event.waitUntil(self.registration.showNotification("Host: " + text, { tag: "host" }));
});
`);
      } else if (req.url === "/") {
        res.writeHead(200, { "Content-Type": "text/html; charset=utf-8" }).end(`<!doctype html><title>Acme Store</title><h1>Acme Store</h1>
<script>
  window.parleyMessages = [];
  navigator.serviceWorker.addEventListener("message", (e) => window.parleyMessages.push(e.data));
</script>`);
      } else res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => host.listen(0, "127.0.0.1", resolve));
    origin = `http://127.0.0.1:${(host.address() as AddressInfo).port}`;

    browser = await chromium.launch({
      executablePath: chromiumFound.ok ? chromiumFound.url : "/usr/bin/chromium",
      headless: true,
      args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
    });
    context = await browser.newContext();
    await context.grantPermissions(["notifications"], { origin });
    page = await context.newPage();
    await page.goto(`${origin}/`);
    cdp = await context.newCDPSession(page);
    const registered = new Promise<string>((resolve) => {
      cdp.on("ServiceWorker.workerRegistrationUpdated", ({ registrations }) => {
        const mine = registrations.find((x) => x.scopeURL === `${origin}/` && !x.isDeleted);
        if (mine) resolve(mine.registrationId);
      });
    });
    cdp.on("ServiceWorker.workerErrorReported", ({ errorMessage }) =>
      workerLog.push(`error: ${errorMessage.errorMessage} (${errorMessage.sourceURL}:${errorMessage.lineNumber})`),
    );
    cdp.on("ServiceWorker.workerVersionUpdated", ({ versions }) => {
      for (const v of versions) workerLog.push(`version ${v.versionId}: ${v.status} ${v.runningStatus}`);
    });
    await cdp.send("ServiceWorker.enable");
    await page.evaluate(async () => {
      await navigator.serviceWorker.register("/sw.js");
      await navigator.serviceWorker.ready;
    });
    registrationId = await registered;
  });
  after(async () => {
    await browser?.close();
    await new Promise<void>((resolve) => (host ? host.close(() => resolve()) : resolve()));
    await s?.close();
    await r.close();
    if (swDir) await rm(swDir, { recursive: true, force: true });
  });

  const shown = (): Promise<Shown[]> =>
    page.evaluate(async () => {
      const reg = await navigator.serviceWorker.ready;
      return (await reg.getNotifications()).map((n) => ({ title: n.title, body: n.body, tag: n.tag, data: n.data as Shown["data"] }));
    });
  // A bound for a hang, not a guess at timing: two shared cores under CI's parallel suites are slow.
  const until = async <T>(what: string, read: () => Promise<T>, ok: (v: T) => boolean, ms = 30_000): Promise<T> => {
    const deadline = Date.now() + ms;
    for (;;) {
      const v = await read();
      if (ok(v)) return v;
      if (Date.now() > deadline) throw new Error(`${what}: last seen ${JSON.stringify(v)}; the worker: ${workerLog.slice(-20).join("; ")}`);
      await new Promise((res) => setTimeout(res, 50));
    }
  };
  const deliver = (data: string) => cdp.send("ServiceWorker.deliverPushMessage", { origin, registrationId, data });
  /**
   * Delivers `data` until `ok` holds for what is shown. DevTools' delivery is fire-and-forget: a
   * push handed over while the browser is stopping the idle worker (30 s without events, which a
   * slow CI machine reaches while the server registers users) is dropped without a word; a push
   * service would redeliver it, so this does too. Showing the same push twice replaces it (one tag).
   */
  const deliverUntil = async (what: string, data: string, ok: (list: Shown[]) => boolean): Promise<Shown[]> => {
    const deadline = Date.now() + 30_000;
    for (;;) {
      await deliver(data);
      try {
        return await until(what, shown, ok, 5_000);
      } catch (err) {
        if (Date.now() > deadline) throw err;
      }
    }
  };

  test("the server serves /parley-sw.js as a script any origin may import", async () => {
    const res = await fetch(`${s.url}/parley-sw.js`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get("content-type") ?? "", /^application\/javascript/);
    assert.equal(res.headers.get("access-control-allow-origin"), "*");
    assert.match(await res.text(), /notificationclick/);
  });

  test("a push the server sent, delivered through DevTools, shows 'New message from Ada' tagged with the conversation", async () => {
    const app = (await s.createTenant("Shop", [origin])).id;
    const ada: AuthResponse = await s.api.register(app, { displayName: "Ada" });
    const bob: AuthResponse = await s.api.register(app, { displayName: "Bob" });
    const device = r.device();
    assert.equal((await s.api.post("/push/subscriptions", { token: bob.accessToken, body: device.subscription() })).status, 201);
    const dm = (await s.api.post("/conversations/direct", { token: ada.accessToken, body: { userId: bob.user.id } })).body.conversation;
    await s.api.post(`/conversations/${dm.id}/messages`, { token: ada.accessToken, body: { text: "hello" } });
    const [pushed] = await r.until(device, 1);
    const payload = device.decrypt(pushed!.body);

    const [n, ...more] = await deliverUntil("the notification", payload, (list) => list.length > 0);
    assert.equal(more.length, 0);
    assert.equal(n!.title, "New message from Ada");
    assert.equal(n!.body, "");
    assert.equal(n!.tag, dm.id);
    assert.deepEqual(n!.data?.parley, JSON.parse(payload));

    // A newer push of the same conversation replaces it (one notification per conversation).
    const newer: PushPayload = { ...(JSON.parse(payload) as PushPayload), body: "are you there?", messageId: "999" };
    const [replaced, ...others] = await deliverUntil("the replacement", JSON.stringify(newer), (list) => list[0]?.body === "are you there?");
    assert.equal(others.length, 0);
    assert.equal(replaced!.tag, dm.id);
  });

  test("a push that is not Parley's is left to the host's own handler: Parley shows nothing for it", async () => {
    const parleys = (await shown()).filter((x) => x.data?.parley).length;
    await deliverUntil("the host's own notification", JSON.stringify({ hello: "host" }), (l) => l.some((x) => x.title === 'Host: {"hello":"host"}'));
    const list = await deliverUntil("the host's next notification", "plain text", (l) => l.some((x) => x.title === "Host: plain text"));
    assert.equal(list.filter((x) => x.data?.parley).length, parleys, "no notification of Parley's for them");
    assert.deepEqual(
      list.filter((x) => x.tag === "host").map((x) => [x.title, x.data]),
      [["Host: plain text", null]],
    );
  });

  test("clicking a notification tells the host's open window to open the conversation, and closes it", async () => {
    const [sw] = context.serviceWorkers().filter((w) => w.url() === `${origin}/sw.js`);
    assert.ok(sw, "the host's service worker");
    const tag = (await shown()).find((x) => x.data?.parley)?.tag;
    assert.ok(tag, "Ada's notification is there");
    const clicked = await sw.evaluate(async (tag) => {
      const scope = self as unknown as {
        registration: { getNotifications(): Promise<(Notification & { tag: string })[]> };
        dispatchEvent(e: Event): boolean;
      };
      const n = (await scope.registration.getNotifications()).find((x) => x.tag === tag);
      if (!n) return null;
      const NotificationEventCtor = (globalThis as unknown as { NotificationEvent: new (type: string, init: { notification: Notification }) => Event })
        .NotificationEvent;
      // An event the page dispatches itself is untrusted, so its waitUntil throws: the handler's work goes on regardless.
      try {
        scope.dispatchEvent(new NotificationEventCtor("notificationclick", { notification: n }));
      } catch {
        // reported in the worker, not here
      }
      return n.tag;
    }, tag);
    assert.equal(clicked, tag);
    const messages = await until(
      "the parley-open message",
      () => page.evaluate(() => (window as unknown as { parleyMessages: unknown[] }).parleyMessages),
      (m) => m.length > 0,
    );
    assert.deepEqual(messages, [{ type: "parley-open", conversationId: tag }]);
    await until("the notification closed", shown, (l) => !l.some((x) => x.tag === tag));
  });
});
