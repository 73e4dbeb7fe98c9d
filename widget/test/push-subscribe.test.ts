// Web push from the profile (issue 31), in Chromium against a real server: the host page serves its
// one-line service worker (`importScripts(".../parley-sw.js")`) and the visitor has allowed
// notifications. Headless Chromium reaches no push service, so the page's PushManager alone is
// replaced: its subscriptions are devices of a local push service run here (real P-256 keys and
// auth secrets, helpers/push.ts), and everything else is real — the widget, the server's routes and
// rows, web-push's encrypted sending, and the decryption of what arrives.
// - nothing is subscribed when the page or the profile loads; pressing the control subscribes with
//   the app's key and gives the subscription to the server: a message while the visitor has no
//   socket reaches this device as one push, "New message from Ben Okafor";
// - "Turn off" unsubscribes the browser and removes it on the server: no more pushes to it;
// - the push service refusing shows an error at the control, whose retry then subscribes;
// - signing out removes the subscription on the server; after signing in again (a new session),
//   opening the profile gives the browser's subscription to the server again (reused, not remade);
// - a subscription made with another key than the app's is replaced by one made with it; the old
//   one's row goes when the push service answers 410 for it;
// - the busy state shows while subscribing, and the pressed button keeps the focus.
import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, test } from "node:test";
import type { Browser, BrowserContext, Page } from "playwright-core";
import type { AuthResponse, Conversation, PushPayload } from "@parley/sdk/protocol";
import { startServer, type TestServer } from "../../server/test/helpers/harness.js";
import { type PushDevice, PushReceiver } from "../../server/test/helpers/push.js";
import { BROWSER_SKIP, eventually, expectText, hostPageHtml, launchBrowser, loginViaForm, openPanel } from "./helpers/browser.js";

const PASSWORD = "correct horse battery";

/**
 * The page's PushManager, backed by the test (`__parleyPush`): `subscribe` answers the existing
 * subscription when made with the same key and refuses another key (InvalidStateError), as
 * browsers do; `unsubscribe` drops it. Plain JavaScript: it runs in the page.
 */
const FAKE_PUSH_MANAGER = `(() => {
  const b64url = (buf) => btoa(String.fromCharCode(...new Uint8Array(buf.buffer ? buf.buffer : buf))).replace(/\\+/g, "-").replace(/\\//g, "_").replace(/=+$/, "");
  const bytes = (s) => Uint8Array.from(atob(s.replace(/-/g, "+").replace(/_/g, "/")), (c) => c.charCodeAt(0)).buffer;
  const call = async (op, arg) => {
    const r = await window.__parleyPush(op, arg);
    if (r && r.error) throw new DOMException(r.error.message, r.error.name);
    return r;
  };
  const wrap = (s) =>
    s && {
      endpoint: s.json.endpoint,
      expirationTime: null,
      options: { userVisibleOnly: true, applicationServerKey: bytes(s.key) },
      toJSON: () => ({ ...s.json, expirationTime: null }),
      unsubscribe: () => call("unsubscribe", s.json.endpoint),
    };
  PushManager.prototype.subscribe = async function (o) {
    const k = o.applicationServerKey;
    return wrap(await call("subscribe", { userVisibleOnly: o.userVisibleOnly, key: typeof k === "string" ? k : b64url(k) }));
  };
  PushManager.prototype.getSubscription = async function () {
    return wrap(await call("get"));
  };
})()`;

describe("web push from the profile: subscribe on the visitor's press, turn off, retry, sign-out", { timeout: 300_000, skip: BROWSER_SKIP }, () => {
  let s: TestServer;
  let host: Server;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let url = "";
  let app: string;
  let ada: AuthResponse;
  let ben: AuthResponse;
  let dm: Conversation;
  const r = new PushReceiver();
  const login = { email: "ada.push@example.com", password: PASSWORD };

  /** The browser's push subscription as the fake PushManager holds it, and what the page asked of it. */
  const browserPush = {
    current: null as { device: PushDevice; key: string } | null,
    subscribes: [] as { userVisibleOnly: boolean; key: string }[],
    unsubscribes: 0,
    /** Set: the next subscribe fails as Chromium's does without a push service. */
    refuse: false,
    /** Set: subscribe answers once it settles. */
    gate: null as Promise<void> | null,
  };
  const view = (c: { device: PushDevice; key: string } | null) => c && { json: c.device.subscription(), key: c.key };

  const rowsOf = (userId: string): Promise<{ endpoint: string }[]> =>
    s.services.db.query("SELECT endpoint FROM push_subscriptions WHERE userId = ? ORDER BY endpoint", [userId]);
  const appKey = async (): Promise<string> => (await s.api.get<{ publicKey: string }>("/push/key", { token: ada.accessToken })).body.publicKey;
  const until = (fn: () => Promise<boolean>, message: string) => eventually(fn, { check: (v) => v === true, message, timeout: 15_000 });
  const send = async (text: string): Promise<void> => {
    const res = await s.api.post(`/conversations/${dm.id}/messages`, { token: ben.accessToken, body: { text } });
    assert.equal(res.status, 201, JSON.stringify(res.body));
  };
  const info = () => page.locator("parley-info");
  const openProfile = async (): Promise<void> => {
    await openPanel(page);
    await page.locator("[part=profile]").click();
    await info().locator("[part=profile]").waitFor();
  };
  /** Ada leaves the page (her socket closes) and is offline once the presence grace is over. */
  const leave = async (): Promise<void> => {
    await page.goto("about:blank");
    await until(async () => !s.services.presence.isOnline(ada.user.id), "Ada offline");
  };
  /** Ada comes back to the host page, signed in from the last time. */
  const comeBack = async (): Promise<void> => {
    await page.goto(url);
    await page.evaluate(() => navigator.serviceWorker.ready.then(() => undefined));
    await openPanel(page);
    await page.locator("[part=new-chat]").waitFor({ timeout: 15_000 });
  };

  before(async () => {
    s = await startServer({ PUSH_ALLOW_PRIVATE: "1", PRESENCE_GRACE_MS: "50" });
    await r.start();
    // The host site: a page embedding Parley, and its own service worker of one line.
    host = createServer((req, res) => {
      if (req.url === "/sw.js") {
        res
          .writeHead(200, { "Content-Type": "application/javascript", "Cache-Control": "no-store" })
          .end(`importScripts(${JSON.stringify(`${s.url}/parley-sw.js`)});\n`);
      } else if (req.url === "/") {
        const html = hostPageHtml({ parleyUrl: s.url, appId: app }).replace("</body>", '<script>navigator.serviceWorker.register("/sw.js");</script>\n</body>');
        res.writeHead(200, { "Content-Type": "text/html; charset=utf-8", "Cache-Control": "no-store" }).end(html);
      } else res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => host.listen(0, "127.0.0.1", resolve));
    const origin = `http://127.0.0.1:${(host.address() as AddressInfo).port}`;
    url = `${origin}/`;
    app = (await s.createTenant("Push widget", [origin])).id;
    ada = await s.api.register(app, { ...login, displayName: "Ada Lovelace" });
    ben = await s.api.register(app, { email: "ben.push@example.com", password: PASSWORD, displayName: "Ben Okafor" });
    dm = (await s.api.post<{ conversation: Conversation }>("/conversations/direct", { token: ben.accessToken, body: { userId: ada.user.id } })).body
      .conversation;

    browser = await launchBrowser();
    context = await browser.newContext({ viewport: { width: 1100, height: 800 } });
    await context.grantPermissions(["notifications"], { origin });
    await context.exposeFunction("__parleyPush", async (op: string, arg: unknown) => {
      const b = browserPush;
      if (op === "get") return view(b.current);
      if (op === "unsubscribe") {
        b.unsubscribes++;
        if (b.current?.device.endpoint === arg) b.current = null;
        return true;
      }
      const o = arg as { userVisibleOnly: boolean; key: string };
      b.subscribes.push(o);
      await b.gate;
      if (b.refuse) return { error: { name: "AbortError", message: "Registration failed - push service not available" } };
      if (b.current && b.current.key !== o.key)
        return { error: { name: "InvalidStateError", message: "A subscription with a different applicationServerKey already exists" } };
      b.current ??= { device: r.device(), key: o.key };
      return view(b.current);
    });
    await context.addInitScript(FAKE_PUSH_MANAGER);
    page = await context.newPage();
    await page.goto(url);
    await page.locator("[part=launcher]").waitFor({ state: "visible", timeout: 15_000 });
    await page.evaluate(() => navigator.serviceWorker.ready.then(() => undefined));
    await loginViaForm(page, login);
  });
  after(async () => {
    await browser?.close();
    await new Promise<void>((resolve) => (host ? host.close(() => resolve()) : resolve()));
    await s?.close();
    await r.close();
  });

  test("nothing is subscribed on load; pressing the control subscribes with the app's key, and a message while away arrives as one push", async () => {
    assert.equal(await page.evaluate("Notification.permission"), "granted");
    await openProfile();
    const control = info().locator("[part=notify]");
    await expectText(control, "Also notify me when this tab is closed");
    await expectText(info().locator("[part=notify-status]"), "Notifications are on");
    assert.deepEqual(browserPush.subscribes, [], "nothing subscribed before the press");
    assert.deepEqual(await rowsOf(ada.user.id), [], "nothing on the server before the press");

    await control.click();
    await expectText(info().locator("[part=notify-status]"), "Notifications are on for this device, also when the tab is closed");
    await expectText(info().locator("[part=notify-off]"), "Turn off");
    assert.equal(
      await info()
        .locator("[part=notify-off]")
        .evaluate((el) => (el.getRootNode() as ShadowRoot).activeElement === el),
      true,
      "the pressed button keeps the focus, now Turn off",
    );
    assert.deepEqual(browserPush.subscribes, [{ userVisibleOnly: true, key: await appKey() }]);
    const device = browserPush.current?.device;
    assert.ok(device, "the browser holds a subscription");
    assert.deepEqual(await rowsOf(ada.user.id), [{ endpoint: device.endpoint }]);

    await leave();
    await send("Are you coming tonight?");
    const [pushed, ...more] = await r.until(device, 1);
    assert.equal(more.length, 0);
    const payload = JSON.parse(device.decrypt(pushed!.body)) as PushPayload;
    assert.equal(payload.title, "New message from Ben Okafor");
    assert.equal(payload.conversationId, dm.id);
    await s.services.pushNotifier.idle();
    assert.equal(r.of(device).length, 1, "exactly one push");
    await comeBack();
  });

  test("Turn off unsubscribes the browser and removes the subscription on the server: no more pushes to this device", async () => {
    await openProfile();
    const device = browserPush.current?.device;
    assert.ok(device);
    await info().locator("[part=notify-off]").click();
    await expectText(info().locator("[part=notify]"), "Also notify me when this tab is closed");
    assert.equal(browserPush.current, null, "the browser's subscription is gone");
    await until(async () => (await rowsOf(ada.user.id)).length === 0, "removed on the server");

    // Another device of Ada's (another session) shows pushes are still being sent.
    const other = r.device();
    const session = await s.api.post<AuthResponse>("/auth/login", { app, body: login });
    assert.equal((await s.api.post("/push/subscriptions", { token: session.body.accessToken, body: other.subscription() })).status, 201);
    const before = r.of(device).length;
    await leave();
    await send("Still there?");
    await r.until(other, 1);
    await s.services.pushNotifier.idle();
    assert.equal(r.of(device).length, before, "nothing to the device turned off");
    assert.equal((await s.api.del("/push/subscriptions", { token: session.body.accessToken, body: { endpoint: other.endpoint } })).status, 204);
    await comeBack();
  });

  test("the push service refusing shows the error at the control; its retry subscribes", async () => {
    await openProfile();
    browserPush.refuse = true;
    const control = info().locator("[part=notify]");
    await control.click();
    const error = info().locator("[part=notify-error]");
    await expectText(error, /could not be turned on/);
    assert.equal(await error.getAttribute("role"), "alert");
    await expectText(control, "Retry");
    assert.equal(await control.getAttribute("aria-describedby"), await error.getAttribute("id"), "the error describes the control");
    assert.deepEqual(await rowsOf(ada.user.id), []);

    browserPush.refuse = false;
    let open = () => {};
    browserPush.gate = new Promise((resolve) => (open = resolve));
    await control.click();
    await expectText(control, "Turning on notifications…");
    assert.equal(await info().locator("[part=notify-error]").count(), 0, "the error goes as it is tried again");
    open();
    browserPush.gate = null;
    await expectText(info().locator("[part=notify-status]"), "Notifications are on for this device, also when the tab is closed");
    assert.equal(await info().locator("[part=notify-error]").count(), 0);
    const device = browserPush.current?.device;
    assert.ok(device);
    assert.deepEqual(await rowsOf(ada.user.id), [{ endpoint: device.endpoint }]);
  });

  test("signing out removes the subscription on the server; signed in again, opening the profile gives it back", async () => {
    const device = browserPush.current?.device;
    assert.ok(device);
    await openProfile();
    await page.locator("[part=signout]").click();
    await page.locator("parley-signin").waitFor();
    await until(async () => (await rowsOf(ada.user.id)).length === 0, "removed at sign-out");

    const unsubscribes = browserPush.unsubscribes;
    await loginViaForm(page, login);
    assert.deepEqual(await rowsOf(ada.user.id), [], "not before the profile opens");
    await openProfile();
    await expectText(info().locator("[part=notify-status]"), "Notifications are on for this device, also when the tab is closed");
    await until(async () => (await rowsOf(ada.user.id)).length === 1, "given again to the server");
    assert.deepEqual(await rowsOf(ada.user.id), [{ endpoint: device.endpoint }], "the browser's own subscription, reused");
    assert.equal(browserPush.current?.device, device, "not made anew");
    assert.equal(browserPush.unsubscribes, unsubscribes);

    const before = r.of(device).length;
    await leave();
    await send("Welcome back");
    await r.until(device, before + 1);
    await comeBack();
  });

  test("a subscription made with another key than the app's is replaced when the profile opens; the old one's row goes at the push service's 410", async () => {
    const old = browserPush.current?.device;
    assert.ok(old);
    browserPush.current = { device: old, key: "BOther-key-of-a-rotated-app" };
    const unsubscribes = browserPush.unsubscribes;
    await openProfile();
    await until(async () => browserPush.current !== null && browserPush.current.device !== old, "subscribed anew");
    assert.equal(browserPush.unsubscribes, unsubscribes + 1, "the old one unsubscribed");
    assert.equal(browserPush.current?.key, await appKey());
    const fresh = browserPush.current!.device;
    await expectText(info().locator("[part=notify-status]"), "Notifications are on for this device, also when the tab is closed");
    await until(async () => (await rowsOf(ada.user.id)).some((x) => x.endpoint === fresh.endpoint), "the new endpoint on the server");

    // As a push service does, the receiver answers 410 for the endpoint unsubscribed.
    r.answer = (d) => (d.path === new URL(old.endpoint).pathname ? 410 : 201);
    const before = r.of(old).length;
    await leave();
    await send("New keys");
    await r.until(fresh, 1);
    await s.services.pushNotifier.idle();
    assert.equal(r.of(old).length, before + 1, "one push to the old endpoint, answered 410");
    assert.deepEqual(await rowsOf(ada.user.id), [{ endpoint: fresh.endpoint }]);
    await comeBack();
  });
});
