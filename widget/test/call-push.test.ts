// A ring reaches a closed tab (issue 53, acceptance 6), in Chromium against a real server and a local
// push service (server/test/helpers/push.ts): Ben signed in on a host page that serves Parley's
// one-line service worker, then left it (no socket). Ann calls him: the server sends his device one
// push, decrypted here; handed to the service worker through DevTools (ServiceWorker.deliverPushMessage)
// it shows "Ann Lee is calling", "Incoming video call". Its click (dispatched in the service worker:
// DevTools cannot click a notification) with no window of the host open opens the host page with
// `?parley-call=<id>&parley-conversation=<id>`; Chromium lets only a real click open a window, so
// the test records the URL the worker asks for at `clients.openWindow` and opens it itself. There the
// widget opens the DM and rings: the alert dialog with Ann's name takes the focus, the parameters
// leave the address; Ben declines and Ann's side hears it. A click with the host's window open posts
// it `{ type: "parley-open", conversationId, callId }` instead.
import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, test } from "node:test";
import type { Browser, BrowserContext, CDPSession, Page, Worker } from "playwright-core";
import type { AuthResponse, PushPayload } from "@parley/sdk/protocol";
import { callEvent, cmd, ok, party, type Party } from "../../server/test/helpers/calls.js";
import { startServer, type TestServer } from "../../server/test/helpers/harness.js";
import { PushReceiver } from "../../server/test/helpers/push.js";
import type { ClientSocket } from "../../server/test/helpers/sockets.js";
import { activeConversation, BROWSER_SKIP, eventually, expectText, hostPageHtml, launchBrowser, loginViaForm } from "./helpers/browser.js";

const PASSWORD = "correct horse battery";

describe("a call's push opens the widget on the ringing call (Chromium)", { timeout: 300_000, skip: BROWSER_SKIP }, () => {
  let s: TestServer;
  let host: Server;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let cdp: CDPSession;
  let origin = "";
  let registrationId = "";
  let app = "";
  let dm = "";
  let ben: AuthResponse;
  let ann: Party;
  const sockets: ClientSocket[] = [];
  const r = new PushReceiver();
  const login = { email: "ben.ring@example.com", password: PASSWORD };

  before(async () => {
    s = await startServer({ PUSH_ALLOW_PRIVATE: "1", PRESENCE_GRACE_MS: "50" });
    await r.start();
    host = createServer((req, res) => {
      if (req.url === "/sw.js") {
        res
          .writeHead(200, { "Content-Type": "application/javascript", "Cache-Control": "no-store" })
          .end(`importScripts(${JSON.stringify(`${s.url}/parley-sw.js`)});\n`);
      } else if (req.url?.startsWith("/?") || req.url === "/") {
        const html = hostPageHtml({ parleyUrl: s.url, appId: app }).replace(
          "</body>",
          `<script>window.parleyMessages = []; navigator.serviceWorker.addEventListener("message", (e) => window.parleyMessages.push(e.data)); navigator.serviceWorker.register("/sw.js");</script>\n</body>`,
        );
        res.writeHead(200, { "Content-Type": "text/html; charset=utf-8", "Cache-Control": "no-store" }).end(html);
      } else res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => host.listen(0, "127.0.0.1", resolve));
    origin = `http://127.0.0.1:${(host.address() as AddressInfo).port}`;
    app = (await s.createTenant("Ringing pushes", [origin])).id;
    ben = await s.api.register(app, { ...login, displayName: "Ben Okafor" });
    ann = await party(s, await s.api.register(app, { email: "ann.ring@example.com", password: PASSWORD, displayName: "Ann Lee" }), sockets);
    dm = (await s.api.post("/conversations/direct", { token: ann.auth.accessToken, body: { userId: ben.user.id } })).body.conversation.id;

    browser = await launchBrowser();
    context = await browser.newContext({ viewport: { width: 1100, height: 800 } });
    await context.grantPermissions(["notifications"], { origin });
    page = await context.newPage();
    cdp = await context.newCDPSession(page);
    const registered = new Promise<string>((resolve) => {
      cdp.on("ServiceWorker.workerRegistrationUpdated", ({ registrations }) => {
        const mine = registrations.find((x) => x.scopeURL === `${origin}/` && !x.isDeleted);
        if (mine) resolve(mine.registrationId);
      });
    });
    await cdp.send("ServiceWorker.enable");
    await page.goto(`${origin}/`);
    await page.locator("[part=launcher]").waitFor({ state: "visible", timeout: 15_000 });
    await loginViaForm(page, login);
    await page.evaluate(() => navigator.serviceWorker.ready.then(() => undefined));
    registrationId = await registered;
  });
  after(async () => {
    for (const so of sockets) so.close();
    await browser?.close();
    await new Promise<void>((resolve) => (host ? host.close(() => resolve()) : resolve()));
    await s?.close();
    await r.close();
  });

  /** The host's service worker as it runs now (the browser stops an idle one and starts another). */
  const worker = (): Promise<Worker> =>
    eventually(
      async () =>
        context
          .serviceWorkers()
          .filter((w) => w.url() === `${origin}/sw.js`)
          .at(-1),
      {
        check: (w) => w !== undefined,
        message: "the host's service worker",
      },
    ) as Promise<Worker>;
  // (Strings: tsx would wrap the functions of a callback in a helper the service worker does not have.)
  const shown = async (): Promise<{ title: string; body: string; tag: string; requireInteraction: boolean }[]> =>
    (await worker()).evaluate(`self.registration.getNotifications().then((list) =>
      list.map((n) => ({ title: n.title, body: n.body, tag: n.tag, requireInteraction: n.requireInteraction })))`);
  /**
   * Hands `data` to the service worker until it shows what `ok` wants: DevTools' delivery is fire
   * and forget, and a push handed over while the browser stops an idle worker is dropped (a push
   * service would deliver it again, so this does too; the same push shown twice replaces itself).
   */
  const deliverUntil = async (data: string, ok: (list: Awaited<ReturnType<typeof shown>>) => boolean) => {
    const deadline = Date.now() + 30_000;
    for (;;) {
      await cdp.send("ServiceWorker.deliverPushMessage", { origin, registrationId, data });
      try {
        return await eventually(() => shown().catch(() => []), { check: ok, message: "the call's notification", timeout: 5_000 });
      } catch (err) {
        if (Date.now() > deadline) throw err;
      }
    }
  };
  /** Clicks the notification tagged `tag` in the service worker; `opened()` then answers the URL it asked to open. */
  const click = async (tag: string): Promise<void> => {
    const w = await worker();
    // Chromium opens a window only for a real click; the URL asked for is what the test needs.
    await w.evaluate(`(async () => {
      self.opened = undefined;
      const real = (self.realOpenWindow ??= self.clients.openWindow.bind(self.clients));
      Object.defineProperty(self.clients, "openWindow", {
        configurable: true,
        value: (url) => ((self.opened = url), real(url).catch(() => null)),
      });
      const n = (await self.registration.getNotifications()).find((x) => x.tag === ${JSON.stringify(tag)});
      if (!n) throw new Error("no notification tagged ${tag}");
      try {
        // An untrusted event's waitUntil throws; the handler's work goes on regardless.
        self.dispatchEvent(new NotificationEvent("notificationclick", { notification: n }));
      } catch {}
    })()`);
  };
  const opened = async (): Promise<string | null> => (await worker()).evaluate<string | null>("self.opened ?? null");

  test("Ben's tab is closed: Ann's call sends one push; its click opens the page on the DM with the call ringing", async () => {
    const device = r.device();
    assert.equal((await s.api.post("/push/subscriptions", { token: ben.accessToken, body: device.subscription() })).status, 201);
    // Ben leaves: his socket closes, and he is offline once the presence grace is over.
    await page.goto("about:blank");
    await eventually(async () => s.services.presence.isOnline(ben.user.id), { check: (v) => v === false, message: "Ben offline" });

    const call = ok(await cmd(ann, "call.start", { conversationId: dm, video: true }));
    const [pushed] = await r.until(device, 1);
    await s.services.pushNotifier.idle();
    assert.equal(r.of(device).length, 1, "one push");
    const payload = device.decrypt(pushed!.body);
    assert.deepEqual((JSON.parse(payload) as PushPayload).call, { id: call.id, kind: "video" });

    const [n, ...more] = await deliverUntil(payload, (l) => l.some((x) => x.tag === dm));
    assert.equal(more.length, 0);
    assert.deepEqual(n, { title: "Ann Lee is calling", body: "Incoming video call", tag: dm, requireInteraction: true });

    await click(dm);
    // No window of the host is open: the service worker opens one.
    const url = (await eventually(opened, { check: (u) => u !== null, message: "the URL the service worker opens" }))!;
    const asked = new URL(url);
    assert.equal(`${asked.origin}${asked.pathname}`, `${origin}/`);
    assert.equal(asked.searchParams.get("parley-call"), call.id);
    assert.equal(asked.searchParams.get("parley-conversation"), dm);
    await eventually(shown, { check: (l) => !l.some((x) => x.tag === dm), message: "the notification closed" });

    // The page it opens: the widget shows the DM, and rings (the dialog, focused, says who and how).
    await page.goto(url);
    const ringing = page.locator("[part=call]");
    await ringing.waitFor({ timeout: 20_000 });
    assert.equal(await ringing.getAttribute("role"), "alertdialog");
    await expectText(page.locator("[part=call-name]"), "Ann Lee is calling");
    await expectText(page.locator("[part=call-status]"), "Incoming video call");
    await eventually(() => activeConversation(page), { check: (id) => id === dm, message: "the DM open" });
    await eventually(() => page.locator("[part=call-answer]").evaluate((el) => (el.getRootNode() as ShadowRoot).activeElement === el), {
      check: (v) => v,
      message: "the focus on Answer",
    });
    assert.equal(new URL(page.url()).search, "", "the parameters left the address");

    // It is that call: declining it here ends it for Ann.
    await page.locator("[part=call-decline]").click();
    assert.equal((await callEvent(ann, "call.ended", call.id)).data.call.endReason, "declined");
  });

  test("with the host's window open, the click posts it the call instead of opening one", async () => {
    // (Ben's page is open and signed in: its socket rings the call itself; the click brings it forward on it.)
    await page.evaluate(() => navigator.serviceWorker.ready.then(() => undefined));
    const payload: PushPayload = {
      title: "Ann Lee is calling",
      body: "Incoming voice call",
      conversationId: dm,
      call: { id: "call_test", kind: "audio" },
      appId: app,
    };
    await deliverUntil(JSON.stringify(payload), (l) => l.some((x) => x.tag === dm && x.body === "Incoming voice call"));
    await click(dm);
    const messages = await eventually(() => page.evaluate(() => (window as unknown as { parleyMessages: unknown[] }).parleyMessages), {
      check: (m) => m.length > 0,
      message: "the parley-open message",
    });
    assert.deepEqual(messages, [{ type: "parley-open", conversationId: dm, callId: "call_test" }]);
    assert.equal(await opened(), null, "no window opened");
  });
});
