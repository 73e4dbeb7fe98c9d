// A visitor whose tab is hidden (issue 31, acceptance item 2), in Chromium with the Page
// Visibility state emulated (document.hidden and visibilitychange, as a background tab has them):
// - a message from someone else puts "(1)" before the page's title, a second "(2)"; showing the
//   tab again restores the title;
// - with notifications allowed (the browser's permission, granted to the host's origin), each
//   message shows one notification, "New message from Ben" for a 1:1 conversation and "New
//   message in <group>" for a group, tagged with the conversation; clicking one opens the panel on
//   that conversation;
// - with data-sound="on" the chime plays (its notes are started);
// - a conversation the visitor muted from its details (server-side, their own flag) gives neither
//   a title count nor a notification nor a chime, while another conversation still does.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { Browser, Page } from "playwright-core";
import type { AuthResponse, Conversation } from "@parley/sdk/protocol";
import { startServer, type TestServer } from "../../server/test/helpers/harness.js";
import { BROWSER_SKIP, eventually, expectText, hostPageHtml, launchBrowser, loginViaForm, startHostSite, type HostSite } from "./helpers/browser.js";
import { DESKTOP, openDevicePage } from "./helpers/devices.js";

const PASSWORD = "correct horse battery";

/** Records what the page shows (notifications, chime notes, messages that arrived) and lets the test hide and show the tab. */
const INSTRUMENT = `(() => {
  window.__notes = [];
  window.__chimes = 0;
  window.__arrived = [];
  const Real = window.Notification;
  window.Notification = class extends Real {
    constructor(title, options) {
      super(title, options);
      window.__notes.push(this);
    }
  };
  const start = AudioScheduledSourceNode.prototype.start;
  AudioScheduledSourceNode.prototype.start = function (...a) {
    window.__chimes++;
    return start.apply(this, a);
  };
  document.addEventListener("parley-message", (e) => window.__arrived.push(e.detail.id));
  let hidden = false;
  Object.defineProperty(document, "hidden", { configurable: true, get: () => hidden });
  Object.defineProperty(document, "visibilityState", { configurable: true, get: () => (hidden ? "hidden" : "visible") });
  window.__hide = (h) => {
    hidden = h;
    document.dispatchEvent(new Event("visibilitychange"));
  };
})()`;

describe("a visitor whose tab is hidden: title count, sound, notifications, mute", { timeout: 300_000, skip: BROWSER_SKIP }, () => {
  let s: TestServer;
  let site: HostSite;
  let browser: Browser;
  let app: string;
  let ada: AuthResponse;
  let ben: AuthResponse;
  let dm: Conversation;
  let club: Conversation;
  let page: Page;
  const email = (who: string) => `${who}.notify@example.com`;

  const send = async (c: Conversation, text: string): Promise<string> => {
    const r = await s.api.post<{ id: string }>(`/conversations/${c.id}/messages`, { app, token: ben.accessToken, body: { text } });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    return r.body.id;
  };
  /** Waits until `fn` says true. */
  const until = (fn: () => Promise<boolean>, message: string) => eventually(fn, { check: (v) => v === true, message, timeout: 15_000 });
  const notes = () =>
    page.evaluate<Array<{ title: string; body: string; tag: string }>>("window.__notes.map((n) => ({ title: n.title, body: n.body, tag: n.tag }))");
  const arrived = (id: string) => until(async () => (await page.evaluate<string[]>("window.__arrived")).includes(id), `message ${id} arrived`);

  before(async () => {
    s = await startServer();
    site = await startHostSite();
    app = (await s.createTenant("Notifications widget", [site.origin])).id;
    ada = await s.api.register(app, { email: email("ada"), password: PASSWORD, displayName: "Ada Lovelace" });
    ben = await s.api.register(app, { email: email("ben"), password: PASSWORD, displayName: "Ben Okafor" });
    const d = await s.api.post<{ conversation: Conversation }>("/conversations/direct", { app, token: ben.accessToken, body: { userId: ada.user.id } });
    dm = d.body.conversation;
    const g = await s.api.post<{ conversation: Conversation }>("/conversations", {
      app,
      token: ben.accessToken,
      body: { name: "Book club", memberIds: [ada.user.id] },
    });
    assert.equal(g.status, 201, JSON.stringify(g.body));
    club = g.body.conversation;
    await send(dm, "Hi Ada");
    browser = await launchBrowser();
    const html = hostPageHtml({ parleyUrl: s.url, appId: app }).replace("data-app-id=", 'data-sound="on" data-app-id=');
    const tab = await openDevicePage(browser, site.page("/notify", html), DESKTOP, { waitForLauncher: false });
    page = tab.page;
    await tab.context.grantPermissions(["notifications"], { origin: site.origin });
    await page.addInitScript(INSTRUMENT);
    await page.reload();
    await page.locator("[part=launcher]").waitFor({ state: "visible", timeout: 15_000 });
    await loginViaForm(page, { email: email("ada"), password: PASSWORD });
    await page.locator(`parley-list [part=conversation][data-id="${club.id}"]`).waitFor();
  });
  after(async () => {
    await browser?.close();
    await site?.close();
    await s?.close();
  });

  test("hidden: the count in the title, a notification per message with the conversation's name, the chime; a click opens that conversation; shown again, the title as it was", async () => {
    assert.equal(await page.evaluate("Notification.permission"), "granted");
    await page.evaluate("window.__hide(true)");
    await send(dm, "Are you coming tonight?");
    await until(async () => (await page.title()) === "(1) Acme Store", "title (1)");
    await send(club, "Chapter 3 for Thursday");
    await until(async () => (await page.title()) === "(2) Acme Store", "title (2)");
    await until(async () => (await notes()).length === 2, "two notifications");
    assert.deepEqual(await notes(), [
      { title: "New message from Ben Okafor", body: "Are you coming tonight?", tag: dm.id },
      { title: "New message in Book club", body: "Ben Okafor: Chapter 3 for Thursday", tag: club.id },
    ]);
    assert.ok((await page.evaluate<number>("window.__chimes")) >= 2, "the chime's notes were started");

    // The 1:1 notification is clicked: the panel opens on that conversation.
    await page.evaluate('window.__notes[0].dispatchEvent(new Event("click"))');
    await expectText(page.locator("[part=title]"), "Ben Okafor");
    await page.locator("parley-thread [part=message-text]", { hasText: "Are you coming tonight?" }).waitFor();

    await page.evaluate("window.__hide(false)");
    await until(async () => (await page.title()) === "Acme Store", "title restored");
  });

  test("a conversation muted from its details: no count, no notification, no chime; another conversation still alerts", async () => {
    await page.locator("[part=back]").click();
    await page.locator(`parley-list [part=conversation][data-id="${club.id}"]`).click();
    await page.locator("[part=info]").click();
    const mute = page.locator("parley-info [part=mute]");
    await expectText(mute, "Mute notifications");
    await mute.click();
    await until(async () => (await mute.getAttribute("aria-pressed")) === "true", "muted");
    const seen = await s.api.get<{ conversation: Conversation }>(`/conversations/${club.id}`, { app, token: ada.accessToken });
    assert.equal(seen.body.conversation.muted, true, "stored on the server");

    const before = { notes: (await notes()).length, chimes: await page.evaluate<number>("window.__chimes") };
    await page.evaluate("window.__hide(true)");
    await arrived(await send(club, "Muted: nobody should hear this"));
    // A message in the DM after it: once its alert is shown, the muted one's would have been too.
    await arrived(await send(dm, "Still there?"));
    await until(async () => (await notes()).length === before.notes + 1, "the DM's notification");
    assert.deepEqual((await notes()).at(-1), { title: "New message from Ben Okafor", body: "Still there?", tag: dm.id });
    assert.equal(await page.title(), "(1) Acme Store", "only the DM's message is counted");
    assert.equal(await page.evaluate<number>("window.__chimes"), before.chimes + 2, "one chime (two notes), for the DM");
    await page.evaluate("window.__hide(false)");
    await until(async () => (await page.title()) === "Acme Store", "title restored");
  });
});
