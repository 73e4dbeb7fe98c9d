// A call that rings in a hidden tab, and the devices of a call (issue 53), in real Chromium with
// fake camera, microphone and speakers, against a real server. Ben's page is in German, its
// visibility emulated as a background tab's (document.hidden and visibilitychange):
// - hidden, Ann's call puts "Ann Lee ruft an" in his tab's title, a ring tone plays (WebAudio: a
//   running AudioContext whose oscillators start) and a browser notification says it; shown, the
//   page's title is back while the ring goes on; Ann cancels: the tone stops (its context closed)
//   and the title is the page's own. Declined and answered calls stop it as well.
// - in the call (Ann on a phone), Devices opens a menu of the microphone, the camera and the
//   speaker (the browser has setSinkId): another microphone replaces the live track that is sent
//   (replaceTrack: the same sender, no new negotiation), another speaker plays the other side's
//   media; Escape closes the menu and never the call; Tab stays in the dialog.
// - in a group, on a server without group calls (no Janus), the call buttons are there and pressing
//   one says "Group calls aren't set up on this chat server." with Close; nobody is rung.
// axe finds nothing serious; screenshots in docs/screenshots.
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { chromium, type Browser, type Page } from "playwright-core";
import { startServer, type TestServer } from "../../server/test/helpers/harness.js";
import { axeSerious } from "./helpers/a11y.js";
import {
  BROWSER_SKIP,
  CHROMIUM_PATH,
  eventually,
  expectText,
  hostPageHtml,
  loginViaForm,
  openConversation,
  startHostSite,
  type HostSite,
} from "./helpers/browser.js";
import { DESKTOP, PHONE, openDevicePage, withViewportMeta, type DeviceTab } from "./helpers/devices.js";

const SHOTS = path.resolve(import.meta.dirname, "../../docs/screenshots");

/** Records the page's audio contexts, oscillators started and notifications, and lets the test hide and show the tab. */
const INSTRUMENT = `(() => {
  window.__contexts = [];
  window.__tones = 0;
  window.__notes = [];
  const Ctx = window.AudioContext;
  window.AudioContext = class extends Ctx {
    constructor(...a) {
      super(...a);
      window.__contexts.push(this);
    }
  };
  const start = OscillatorNode.prototype.start;
  OscillatorNode.prototype.start = function (...a) {
    window.__tones++;
    return start.apply(this, a);
  };
  const Real = window.Notification;
  window.Notification = class extends Real {
    constructor(title, options) {
      super(title, options);
      window.__notes.push({ title, body: options && options.body });
    }
  };
  let hidden = false;
  Object.defineProperty(document, "hidden", { configurable: true, get: () => hidden });
  Object.defineProperty(document, "visibilityState", { configurable: true, get: () => (hidden ? "hidden" : "visible") });
  window.__hide = (h) => {
    hidden = h;
    document.dispatchEvent(new Event("visibilitychange"));
  };
})()`;

describe("a call ringing in a hidden tab, and a call's devices", { timeout: 180_000, skip: BROWSER_SKIP }, () => {
  let s: TestServer;
  let site: HostSite;
  let browser: Browser;
  let app = "";
  let dm = "";
  let annToken = "";
  let benId = "";
  const pw = "correct horse battery";
  const ann = { email: "ann.ring@example.com", password: pw };
  const ben = { email: "ben.ring@example.com", password: pw };
  const tabs: DeviceTab[] = [];

  before(async () => {
    mkdirSync(SHOTS, { recursive: true });
    s = await startServer();
    site = await startHostSite();
    app = (await s.createTenant("Ringing", [site.origin])).id;
    const a = await s.api.register(app, { ...ann, displayName: "Ann Lee" });
    const b = await s.api.register(app, { ...ben, displayName: "Ben Okafor" });
    annToken = a.accessToken;
    benId = b.user.id;
    dm = (await s.api.post("/conversations/direct", { token: a.accessToken, body: { userId: b.user.id } })).body.conversation.id;
    browser = await chromium.launch({
      executablePath: CHROMIUM_PATH ?? "chromium",
      headless: true,
      args: [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--use-fake-device-for-media-stream",
        "--use-fake-ui-for-media-stream",
        "--autoplay-policy=no-user-gesture-required",
      ],
    });
  });
  after(async () => {
    for (const t of tabs) await t.context.close().catch(() => undefined);
    await browser?.close();
    await site?.close();
    await s?.close();
  });

  async function tab(
    who: { email: string; password: string },
    o: { device?: typeof DESKTOP | typeof PHONE; dark?: boolean; lang?: string; instrument?: boolean },
  ) {
    let html = hostPageHtml({ parleyUrl: s.url, appId: app, theme: o.dark ? "dark" : "light" });
    if (o.lang) html = html.replace('<html lang="en">', `<html lang="${o.lang}">`);
    const t = await openDevicePage(browser, site.page(`/${who.email}`, withViewportMeta(html)), o.device ?? DESKTOP, {
      colorScheme: o.dark ? "dark" : "light",
    });
    tabs.push(t);
    if (o.instrument) {
      await t.context.grantPermissions(["notifications"], { origin: site.origin });
      await t.page.addInitScript(INSTRUMENT);
      await t.page.reload();
      await t.page.locator("[part=launcher]").waitFor({ state: "visible", timeout: 15_000 });
    }
    await loginViaForm(t.page, who);
    await openConversation(t.page, dm);
    return t;
  }

  /** The ring: whether the newest audio context runs, and how many notes have started. */
  const ring = (page: Page) =>
    page.evaluate(() => ({ state: (window as any).__contexts.at(-1)?.state as string | undefined, tones: (window as any).__tones as number }));
  const ringing = (page: Page) =>
    eventually(() => ring(page), { check: (r) => r.state === "running" && r.tones > 0, message: "the ring tone plays", timeout: 15_000 });
  const silent = (page: Page) => eventually(() => ring(page), { check: (r) => r.state === "closed", message: "the ring tone stopped", timeout: 15_000 });
  const title = (page: Page, want: string) => eventually(() => page.title(), { check: (t) => t === want, message: `the title is ${want}`, timeout: 15_000 });
  const closed = (page: Page) => page.locator("[part=call]").waitFor({ state: "detached", timeout: 15_000 });
  const focused = (page: Page) =>
    page.locator("parley-call").evaluate((el) => {
      const a = el.shadowRoot!.activeElement as HTMLElement | null;
      return a ? (a.getAttribute("part") ?? a.tagName) : "";
    });

  test("hidden: the title and a ring tone (and a notification) until Ann cancels; a declined call stops the ring too", async () => {
    const a = await tab(ann, {});
    const b = await tab(ben, { device: PHONE, lang: "de", instrument: true });
    const page = await b.page.title();
    await b.page.evaluate(() => (window as any).__hide(true));
    await a.page.locator("[part=call-video]").click();
    await title(b.page, "Ann Lee ruft an");
    await ringing(b.page);
    assert.deepEqual(await b.page.evaluate(() => (window as any).__notes), [{ title: "Ann Lee ruft an", body: "Eingehender Videoanruf" }]);
    // Shown again: the page's title, while the call still rings; hidden again, the ring's.
    await b.page.evaluate(() => (window as any).__hide(false));
    await title(b.page, page);
    assert.equal((await ring(b.page)).state, "running");
    assert.deepEqual(await axeSerious(b.page), []);
    await b.page.screenshot({ path: path.join(SHOTS, "call-ringing-phone-light-de.png") });
    await b.page.evaluate(() => (window as any).__hide(true));
    await title(b.page, "Ann Lee ruft an");
    await a.page.locator("[part=call-hangup]").click();
    await Promise.all([closed(a.page), closed(b.page)]);
    await silent(b.page);
    await title(b.page, page);

    // Declined (with the tab shown): the ring stops as the dialog closes.
    await b.page.evaluate(() => (window as any).__hide(false));
    await a.page.locator("[part=call-voice]").click();
    await b.page.locator("[part=call-decline]").waitFor({ timeout: 15_000 });
    await ringing(b.page);
    await b.page.locator("[part=call-decline]").click();
    await Promise.all([closed(a.page), closed(b.page)]);
    await silent(b.page);
    for (const t of [a, b]) assert.deepEqual(t.errors, []);
    for (const t of tabs.splice(0)) await t.context.close();
  });

  test("answered while hidden: the ring stops; in the call, Devices switches the microphone and the speaker live, Escape closes the menu, not the call", async () => {
    const a = await tab(ann, { device: PHONE });
    const b = await tab(ben, { dark: true, lang: "de", instrument: true });
    const page = await b.page.title();
    await a.page.locator("[part=call-video]").click();
    await ringing(b.page);
    assert.deepEqual(await axeSerious(b.page), []);
    await b.page.screenshot({ path: path.join(SHOTS, "call-ringing-desktop-dark-de.png") });
    await b.page.evaluate(() => (window as any).__hide(true));
    await title(b.page, "Ann Lee ruft an");
    await b.page.locator("[part=call-answer-video]").click();
    await silent(b.page);
    await title(b.page, page);
    // Each side plays the other's video.
    for (const p of [a.page, b.page])
      await eventually(() => p.locator("video[part=call-remote]").evaluate((v: HTMLVideoElement) => v.readyState >= 2 && v.videoWidth > 0), {
        check: (ok) => ok,
        timeout: 30_000,
        message: "the remote video has frames",
      });

    // Devices: a menu of three labelled choices; the focus goes to the first.
    const devices = a.page.locator("[part=call-devices]");
    await devices.click();
    await a.page.locator("[part=call-devices][aria-expanded=true]").waitFor({ timeout: 5000 });
    await eventually(() => focused(a.page), { check: (f) => f === "call-pick-microphone", message: "the focus is on the microphone choice" });
    assert.equal(await a.page.locator("[part=call-pick-camera]").count(), 1);
    const mic = a.page.locator("[part=call-pick-microphone]");
    const options = await mic.locator("option").evaluateAll((os) => os.map((o) => ({ value: (o as HTMLOptionElement).value, label: o.textContent!.trim() })));
    assert.ok(options.length >= 2, `fake microphones: ${JSON.stringify(options)}`);
    const sent = () =>
      a.page.locator("parley-call").evaluate((el: any) => {
        const sender = el.session.pc.getSenders().find((x: RTCRtpSender) => x.track?.kind === "audio");
        return {
          label: sender.track.label as string,
          id: sender.track.id as string,
          local: el.session.localStream.getAudioTracks().map((t: MediaStreamTrack) => t.id),
        };
      });
    const before = await sent();
    const other = options.find((o) => o.label !== before.label)!;
    await mic.selectOption(other.value);
    const after = await eventually(sent, { check: (x) => x.label === other.label, message: "the other microphone is sent", timeout: 10_000 });
    assert.notEqual(after.id, before.id);
    assert.deepEqual(after.local, [after.id], "the call's own stream holds the new microphone alone");
    // The speaker: the other side's media plays to the chosen output.
    const speaker = a.page.locator("[part=call-pick-speaker]");
    const outputs = await speaker.locator("option").evaluateAll((os) => os.map((o) => (o as HTMLOptionElement).value));
    const out = outputs.find((o) => o !== "default")!;
    assert.ok(out, `fake speakers: ${JSON.stringify(outputs)}`);
    await speaker.selectOption(out);
    await eventually(() => a.page.locator("video[part=call-remote]").evaluate((v: HTMLMediaElement & { sinkId: string }) => v.sinkId), {
      check: (id) => id === out,
      message: "the remote media plays to the chosen speaker",
    });
    assert.deepEqual(await axeSerious(a.page), [], "the devices menu");
    await a.page.screenshot({ path: path.join(SHOTS, "call-devices-phone-light.png") });

    // Keyboard: Tab goes round the dialog's controls; Escape closes the menu (focus back on Devices), the call goes on.
    for (let i = 0; i < 8; i++) await a.page.keyboard.press("Tab");
    assert.notEqual(await focused(a.page), "");
    await a.page.locator("[part=call-pick-speaker]").focus();
    await a.page.keyboard.press("Escape");
    await a.page.locator("[part=call-devices][aria-expanded=false]").waitFor({ timeout: 5000 });
    await eventually(() => focused(a.page), { check: (f) => f === "call-devices", message: "the focus is back on Devices" });
    await a.page.keyboard.press("Escape");
    assert.equal(await a.page.locator("[part=call]").isVisible(), true, "Escape never hangs up");
    await expectText(a.page.locator("[part=call-status]"), /^\d+:\d\d$/);
    // On the phone the call takes the screen, Ann's own camera a small tile in its corner (picture in picture).
    const tile = (await a.page.locator("video[part=call-local]").boundingBox())!;
    assert.ok(tile.width < 150 && tile.y < 100, JSON.stringify(tile));
    assert.deepEqual(await axeSerious(b.page), [], "the call view, dark");
    await a.page.screenshot({ path: path.join(SHOTS, "call-video-phone-light.png") });
    await b.page.screenshot({ path: path.join(SHOTS, "call-video-desktop-dark-de.png") });

    await a.page.locator("[part=call-hangup]").click();
    await Promise.all([closed(a.page), closed(b.page)]);
    for (const t of [a, b]) assert.deepEqual(t.errors, []);
  });

  test("a group's call buttons on a server without group calls: pressing one says so in words, and nobody is rung", async () => {
    const a = await tab(ann, {});
    const cal = await s.api.register(app, { email: "cal.ring@example.com", password: pw, displayName: "Cal Diaz" });
    const g = await s.api.post<{ conversation: { id: string } }>("/conversations", {
      token: annToken,
      body: { name: "Standup", memberIds: [benId, cal.user.id] },
    });
    assert.equal(g.status, 201, JSON.stringify(g.body));
    await openConversation(a.page, g.body.conversation.id);
    await a.page.locator("[part=call-voice]").click();
    await expectText(a.page.locator("[part=call-error]"), "Group calls aren't set up on this chat server.");
    await a.page.locator("[part=call-close]").click();
    await closed(a.page);
    const calls = await s.api.get<{ items: unknown[] }>(`/conversations/${g.body.conversation.id}/calls`, { token: annToken });
    assert.deepEqual(calls.body.items, [], "no call was started");
    assert.deepEqual(a.errors, []);
  });
});
