// Calls in the widget (issue 53), in real Chromium with fake camera and microphone, against a real
// server: Ann presses Video call in her DM with Ben; Ben's widget rings (an alert dialog with her
// name); he answers with video; each call view plays the other's video (its time goes on); Ann
// mutes and Ben's side hears silence; Ann hangs up and both views close; both threads show the
// call's entry in the reader's language (English, and German on a page of Ben's in German).
// A declined call and a cancelled one leave their entries ("Call declined"; "Call cancelled" for
// the caller, "Missed call" for the one rung), on a dark phone and in Arabic (right to left).
// axe finds nothing serious on the ringing dialog and the call view; screenshots in docs/screenshots.
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { chromium, type Browser, type Page } from "playwright-core";
import { startServer, type TestServer } from "../../server/test/helpers/harness.js";
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
import { axeSerious } from "./helpers/a11y.js";
import { DESKTOP, PHONE, openDevicePage, withViewportMeta, type DeviceTab } from "./helpers/devices.js";

const SHOTS = path.resolve(import.meta.dirname, "../../docs/screenshots");

describe("calls in the widget", { timeout: 300_000, skip: BROWSER_SKIP }, () => {
  let s: TestServer;
  let site: HostSite;
  let browser: Browser;
  let app = "";
  let dm = "";
  let annToken = "";
  const pw = "correct horse battery";
  const ann = { email: "ann.calls@example.com", password: pw };
  const ben = { email: "ben.calls@example.com", password: pw };
  const tabs: DeviceTab[] = [];

  before(async () => {
    mkdirSync(SHOTS, { recursive: true });
    s = await startServer();
    site = await startHostSite();
    app = (await s.createTenant("Calls", [site.origin])).id;
    const a = await s.api.register(app, { ...ann, displayName: "Ann Lee" });
    annToken = a.accessToken;
    const b = await s.api.register(app, { ...ben, displayName: "Ben Okafor" });
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

  /** A signed-in tab on the DM: a desktop or a phone, light or dark, in a language. */
  async function tab(
    who: { email: string; password: string },
    o: { device?: typeof DESKTOP | typeof PHONE; dark?: boolean; lang?: string } = {},
  ): Promise<DeviceTab> {
    let html = hostPageHtml({ parleyUrl: s.url, appId: app, theme: o.dark ? "dark" : "light" });
    if (o.lang) html = html.replace('<html lang="en">', `<html lang="${o.lang}">`);
    const t = await openDevicePage(browser, site.page(`/${who.email}-${tabs.length}`, withViewportMeta(html)), o.device ?? DESKTOP, {
      colorScheme: o.dark ? "dark" : "light",
    });
    tabs.push(t);
    await loginViaForm(t.page, who);
    await openConversation(t.page, dm);
    return t;
  }

  /** The remote video plays: it has frames, and its time goes on between two readings. */
  async function playing(page: Page): Promise<void> {
    const video = page.locator("video[part=call-remote]");
    const read = () => video.evaluate((v: HTMLVideoElement) => ({ ready: v.readyState, time: v.currentTime, w: v.videoWidth }));
    const first = await eventually(read, { check: (r) => r.ready >= 2 && r.w > 0, timeout: 30_000, message: "the remote video has frames" });
    await eventually(read, { check: (r) => r.time > first.time + 0.2, timeout: 15_000, message: "the remote video plays on" });
  }

  const entry = (page: Page) => page.locator("[part=system-message] [part=message-text]").last();
  const closed = (page: Page) =>
    page
      .locator("[part=call]")
      .waitFor({ state: "detached", timeout: 15_000 })
      .catch(async (e: Error) => {
        const state = await page
          .locator("parley-call")
          .evaluate((el: any) => ({ phase: el.phase, call: el.call?.state, reason: el.call?.endReason, pc: el.session?.pc.connectionState }));
        throw new Error(`${e.message}; the call view: ${JSON.stringify(state)}`);
      });

  test("a video call: Ann calls, Ben's widget rings, he answers, both see the other's video, Ann mutes, hangs up; both threads say it in their language", async () => {
    const a = await tab(ann);
    const b = await tab(ben);
    await a.page.locator("[part=call-video]").click();
    // Ann's view says whom she calls; Ben's rings: an alert dialog named by who calls.
    await expectText(a.page.locator("[part=call-status]"), "Calling Ben Okafor…");
    const ringing = b.page.locator("[part=call]");
    await ringing.waitFor({ timeout: 15_000 });
    assert.equal(await ringing.getAttribute("role"), "alertdialog");
    assert.equal(await ringing.getAttribute("aria-modal"), "true");
    await expectText(b.page.locator("[part=call-name]"), "Ann Lee is calling");
    await expectText(b.page.locator("[part=call-status]"), "Incoming video call");
    // The panel is open: the focus moved into the dialog, on Answer.
    assert.equal(await b.page.locator("[part=call-answer]").evaluate((el) => (el.getRootNode() as ShadowRoot).activeElement === el), true);
    assert.deepEqual(await axeSerious(b.page), [], "the ringing dialog");
    await b.page.screenshot({ path: path.join(SHOTS, "call-ringing-desktop-light.png") });

    // Escape never hangs up (nor closes the panel): the dialog stays.
    await b.page.keyboard.press("Escape");
    assert.equal(await ringing.isVisible(), true);
    await b.page.locator("[part=call-answer-video]").click();
    await Promise.all([playing(a.page), playing(b.page)]);
    await expectText(a.page.locator("[part=call-status]"), /^\d+:\d\d$/);
    assert.equal(await a.page.locator("[part=call]").getAttribute("role"), "dialog");
    assert.equal(await a.page.locator("video[part=call-local]").isVisible(), true, "Ann's own camera, as a tile");
    assert.deepEqual(await axeSerious(a.page), [], "the call view");
    await a.page.screenshot({ path: path.join(SHOTS, "call-video-desktop-light.png") });

    // Ann mutes: her microphone track sends silence, and Ben's side hears it go quiet.
    await a.page.locator("[part=call-mute]").click();
    assert.equal(await a.page.locator("[part=call-mute]").getAttribute("aria-pressed"), "true");
    assert.equal(await a.page.locator("parley-call").evaluate((el: any) => el.session.localStream.getAudioTracks()[0].enabled), false);
    const level = () =>
      b.page.locator("parley-call").evaluate(async (el: any) => {
        let v = -1;
        (await el.session.pc.getStats()).forEach((r: any) => r.type === "inbound-rtp" && r.kind === "audio" && (v = r.audioLevel ?? -1));
        return v;
      });
    await eventually(level, { check: (v) => v >= 0 && v < 0.01, timeout: 15_000, message: "Ben hears silence from Ann" });

    await a.page.locator("[part=call-hangup]").click();
    await Promise.all([closed(a.page), closed(b.page)]);
    await expectText(entry(a.page), /^Video call · \d+ (sec|min)$/);
    await expectText(entry(b.page), /^Video call · \d+ (sec|min)$/);
    // The same entry, on a page of Ben's in German.
    const de = await tab(ben, { lang: "de" });
    await expectText(entry(de.page), /^Videoanruf · \d+ (Sek|Min)\.$/);
    for (const t of [a, b, de]) assert.deepEqual(t.errors, []);
  });

  test("a declined call (a dark phone rings): both threads say “Call declined”", async () => {
    const a = await tab(ann);
    const b = await tab(ben, { device: PHONE, dark: true });
    await a.page.locator("[part=call-voice]").click();
    await b.page.locator("[part=call]").waitFor({ timeout: 15_000 });
    await expectText(b.page.locator("[part=call-status]"), "Incoming voice call");
    assert.equal(await b.page.locator("[part=call-answer-video]").count(), 0, "a voice call is answered without video");
    assert.deepEqual(await axeSerious(b.page), []);
    await b.page.screenshot({ path: path.join(SHOTS, "call-ringing-phone-dark.png") });
    await b.page.locator("[part=call-decline]").click();
    await Promise.all([closed(a.page), closed(b.page)]);
    await expectText(entry(a.page), "Call declined");
    await expectText(entry(b.page), "Call declined");
    for (const t of [a, b]) assert.deepEqual(t.errors, []);
  });

  test("a video call on a dark phone, and a cancelled one in Arabic: “Call cancelled” for the caller, a missed call for the one rung", async () => {
    const a = await tab(ann, { device: PHONE, dark: true });
    const b = await tab(ben, { lang: "ar" });
    await a.page.locator("[part=call-video]").click();
    await b.page.locator("[part=call]").waitFor({ timeout: 15_000 });
    // Arabic: right to left, in Arabic words.
    assert.equal(await b.page.locator("[part=call]").getAttribute("dir"), "rtl");
    await expectText(b.page.locator("[part=call-name]"), "Ann Lee يتصل بك");
    assert.deepEqual(await axeSerious(b.page), []);
    await b.page.screenshot({ path: path.join(SHOTS, "call-ringing-rtl.png") });
    await b.page.locator("[part=call-answer-video]").click();
    await Promise.all([playing(a.page), playing(b.page)]);
    // On a phone the call takes the screen, the visitor's camera a tile in its corner.
    const box = await a.page.locator("[part=call]").boundingBox();
    assert.ok(box && box.width >= 389 && box.height >= 800, JSON.stringify(box));
    const tile = await a.page.locator("video[part=call-local]").boundingBox();
    assert.ok(tile && tile.width < 200, JSON.stringify(tile));
    assert.deepEqual(await axeSerious(a.page), []);
    await a.page.screenshot({ path: path.join(SHOTS, "call-video-phone-dark.png") });
    await b.page.screenshot({ path: path.join(SHOTS, "call-video-rtl.png") });
    await b.page.locator("[part=call-hangup]").click();
    await Promise.all([closed(a.page), closed(b.page)]);
    await expectText(entry(b.page), /^مكالمة فيديو · /);

    // Cancelled: Ann hangs up before Ben answers.
    await a.page.locator("[part=call-voice]").click();
    await b.page.locator("[part=call]").waitFor({ timeout: 15_000 });
    await a.page.locator("[part=call-hangup]").click();
    await Promise.all([closed(a.page), closed(b.page)]);
    await expectText(entry(a.page), "Call cancelled");
    await expectText(entry(b.page), "مكالمة فائتة");
    for (const t of [a, b]) assert.deepEqual(t.errors, []);
  });

  test("the microphone refused: the view says so in words, with Close, and nobody is rung", async () => {
    // A browser that does not grant the camera and microphone on its own (no fake prompt): the
    // permission is refused, as when the visitor says no.
    const strict = await chromium.launch({
      executablePath: CHROMIUM_PATH ?? "chromium",
      headless: true,
      args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--use-fake-device-for-media-stream"],
    });
    try {
      const html = hostPageHtml({ parleyUrl: s.url, appId: app });
      const t = await openDevicePage(strict, site.page("/refused", withViewportMeta(html)), DESKTOP);
      await t.context.clearPermissions();
      await loginViaForm(t.page, ann);
      await openConversation(t.page, dm);
      await t.page.locator("[part=call-voice]").click();
      await expectText(t.page.locator("[part=call-error]"), /allow the microphone or camera/);
      assert.equal(await t.page.locator("[part=call-error]").getAttribute("role"), "alert");
      assert.equal(await t.page.locator("[part=call-hangup]").count(), 0);
      assert.deepEqual(await axeSerious(t.page), []);
      await t.page.locator("[part=call-close]").click();
      await closed(t.page);
      const calls = await s.api.get<{ items: { state: string }[] }>(`/conversations/${dm}/calls`, { token: annToken });
      assert.equal(calls.status, 200);
      assert.equal(calls.body.items.filter((c) => c.state !== "ended").length, 0, "no call was started");
      assert.deepEqual(t.errors, []);
    } finally {
      await strict.close();
    }
  });
});
