// Voice messages in the widget (issue 33), in Chromium with a fake microphone
// (--use-fake-device-for-media-stream: a beep every second) and a real server: Ann, on a desktop in
// the dark theme, opens the recorder from the composer's "+" menu by keyboard, sees the level meter
// move and the clock run, stops after ~2 s, reviews and sends. Ben, on a phone in the dark theme,
// gets the player with the server's length ("Voice message, 0:02"), plays it (the slider's value
// advances while the audio plays, the played bars are drawn solid), scrubs by keyboard (End, Home,
// arrows, the spoken value "0:01 of 0:02"), changes the speed (1× → 1.5× → 2×); after a reload the
// voice message is still there and plays. Only one plays at a time. The app's maximum (2 s here)
// stops a recording by itself and says so. A blocked microphone is said in the recorder. Hebrew
// right to left: the slider's arrows follow the reading direction. axe at 390 px dark and 1100 px
// light. Screenshots: docs/screenshots/voice-*.png.
import assert from "node:assert/strict";
import { mkdir } from "node:fs/promises";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { chromium, type Browser, type Page } from "playwright-core";
import type { AuthResponse, Conversation, Message } from "@parley/sdk/protocol";
import { startServer, type TestServer } from "../../server/test/helpers/harness.js";
import { axeSerious } from "./helpers/a11y.js";
import { BROWSER_SKIP, CHROMIUM_PATH, eventually, expectText, hostPageHtml, loginViaForm, startHostSite, type HostSite } from "./helpers/browser.js";
import { DESKTOP, openDevicePage, PHONE, withViewportMeta, type DeviceTab } from "./helpers/devices.js";

const SCREENSHOTS = path.resolve(import.meta.dirname, "../../docs/screenshots");
const PASSWORD = "correct horse battery";

/** The focused element through shadow roots: its part and accessible name. */
const focused = (page: Page) =>
  page.evaluate<{ part: string; name: string }>(`(() => {
    let el = document.activeElement;
    while (el && el.shadowRoot && el.shadowRoot.activeElement) el = el.shadowRoot.activeElement;
    return { part: (el && el.getAttribute("part")) || "", name: el ? (el.getAttribute("aria-label") || el.textContent || "").replace(/\\s+/g, " ").trim() : "" };
  })()`);

async function tabTo(page: Page, part: string, max = 20): Promise<void> {
  for (let i = 0; i < max; i++) {
    if ((await focused(page)).part === part) return;
    await page.keyboard.press("Tab");
  }
  assert.equal((await focused(page)).part, part, `Tab reaches ${part}`);
}

/** The player's slider: its value and spoken value, and how many bars are drawn played. */
const slider = (page: Page, nth = 0) =>
  page
    .locator("[part=voice-wave]")
    .nth(nth)
    .evaluate((el) => ({
      now: Number(el.getAttribute("aria-valuenow")),
      max: Number(el.getAttribute("aria-valuemax")),
      text: el.getAttribute("aria-valuetext") ?? "",
      played: el.querySelectorAll("rect.on").length,
      bars: el.querySelectorAll("rect").length,
    }));

describe("voice messages in the widget", { timeout: 300_000, skip: BROWSER_SKIP }, () => {
  let s: TestServer;
  let site: HostSite;
  let browser: Browser;
  let app: string;
  let dm: string;
  const users: Record<"ann" | "ben", AuthResponse> = {} as never;
  const email = (who: string) => `${who}.voice@example.com`;
  let ann: DeviceTab;
  let ben: DeviceTab;

  async function open(who: keyof typeof users, device: typeof DESKTOP | typeof PHONE, theme: "light" | "dark", lang = "en"): Promise<DeviceTab> {
    const html = withViewportMeta(hostPageHtml({ parleyUrl: s.url, appId: app, theme })).replace('<html lang="en">', `<html lang="${lang}">`);
    const tab = await openDevicePage(browser, site.page(`/${who}-${lang}-${device.viewport.width}-${theme}`, html), device, { colorScheme: theme });
    await loginViaForm(tab.page, { email: email(who), password: PASSWORD });
    await tab.page.locator(`[part=conversation][data-id="${dm}"]`).click({ timeout: 15_000 });
    await tab.page.locator("parley-thread [part=composer-input]").waitFor({ state: "visible" });
    return tab;
  }

  /** Opens the recorder from the "+" menu by keyboard (the menu's second item: ArrowDown to it). */
  async function openRecorder(page: Page, item = "Voice message"): Promise<void> {
    await page.locator("[part=composer-input]").focus();
    await tabTo(page, "tools-button");
    await page.keyboard.press("Enter");
    await eventually(() => focused(page), { check: (f) => f.part === "tool", message: "the menu's first item" });
    for (let i = 0; i < 3 && !(await focused(page)).name.includes(item); i++) await page.keyboard.press("ArrowDown");
    assert.ok((await focused(page)).name.includes(item), `the menu's ${item} item`);
    await page.keyboard.press("Enter");
    await page.locator("parley-voice-recorder [role=dialog]").waitFor();
  }

  before(async () => {
    s = await startServer({ VOICE_MAX_SECONDS: "60" });
    site = await startHostSite();
    app = (await s.createTenant("Voice widget", [site.origin])).id;
    users.ann = await s.api.register(app, { email: email("ann"), password: PASSWORD, displayName: "Ann Voice" });
    users.ben = await s.api.register(app, { email: email("ben"), password: PASSWORD, displayName: "Ben Voice" });
    const c = await s.api.post<{ conversation: Conversation }>("/conversations/direct", {
      app,
      token: users.ann.accessToken,
      body: { userId: users.ben.user.id },
    });
    dm = c.body.conversation.id;
    await s.api.post(`/conversations/${dm}/messages`, { app, token: users.ann.accessToken, body: { text: "Listen to this" } });
    browser = await chromium.launch({
      executablePath: CHROMIUM_PATH ?? "chromium",
      headless: true,
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--use-fake-ui-for-media-stream",
        "--use-fake-device-for-media-stream",
        "--autoplay-policy=no-user-gesture-required",
      ],
    });
    await mkdir(SCREENSHOTS, { recursive: true });
  });
  after(async () => {
    await browser?.close();
    await site?.close();
    await s?.close();
  });

  test("Ann records ~2 s by keyboard (meter and clock move), reviews and sends", async () => {
    ann = await open("ann", DESKTOP, "dark");
    ben = await open("ben", PHONE, "dark");
    const { page } = ann;
    await openRecorder(page);
    assert.equal(await page.getByRole("dialog", { name: "Record a voice message" }).count(), 1);
    // Recording: the clock runs, the meter moves with the fake device's beeps, Stop has the focus.
    await eventually(() => focused(page), { check: (f) => f.part === "voice-stop", message: "Stop has the focus once recording" });
    const levels: number[] = [];
    await eventually(
      async () => {
        levels.push(await page.locator("[part=voice-level]").evaluate((m) => (m as HTMLMeterElement).value));
        return page.locator("parley-voice-recorder [role=timer]").textContent();
      },
      { check: (t) => t === "0:02", timeout: 10_000, message: "the clock reaches 0:02" },
    );
    assert.ok(Math.max(...levels) > 0.005 && new Set(levels.map((l) => l.toFixed(4))).size > 2, `the meter moves: ${levels.slice(0, 12).join(", ")}`);
    await expectText(page.locator("parley-voice-recorder .clock .muted"), "up to 1:00");
    await page.screenshot({ path: path.join(SCREENSHOTS, "voice-recording-desktop-dark.png") });
    await page.keyboard.press("Enter");
    // Review: listen, then Send (focused).
    await eventually(() => focused(page), { check: (f) => f.part === "voice-send", message: "Send has the focus to review" });
    assert.equal(await page.locator("parley-voice-recorder audio").count(), 1);
    assert.deepEqual(await axeSerious(page), [], "axe, 1100 px, dark, reviewing");
    await page.keyboard.press("Enter");
    await page.locator("parley-voice-recorder").waitFor({ state: "detached" });
    // The server has it: Opus in WebM, about 2 s, 64 peaks with some sound in them.
    const sent = await eventually(
      async () =>
        (await s.api.get<{ items: Message[] }>(`/conversations/${dm}/messages`, { app, token: users.ben.accessToken })).body.items.find(
          (m) => m.attachments[0]?.voice,
        ),
      { check: (m) => m !== undefined, message: "the voice message is stored" },
    );
    const voice = sent!.attachments[0]!.voice!;
    assert.equal(sent!.attachments[0]!.mime, "audio/webm");
    assert.ok(voice.durationMs > 1500 && voice.durationMs < 4000, `length ${voice.durationMs}`);
    assert.equal(voice.peaks.length, 64);
    assert.ok(Math.max(...voice.peaks) === 255 && voice.peaks.some((p) => p < 128), `a real waveform: ${voice.peaks.join(",")}`);
    // Ann's own player shows it too.
    await page.locator("[part=voice]").waitFor();
  });

  test("Ben plays it on a phone, scrubs by keyboard and changes the speed; after a reload it is still there and plays", async () => {
    const { page } = ben;
    const player = page.locator("[part=voice]");
    await player.waitFor({ timeout: 15_000 });
    const label = await player.getAttribute("aria-label");
    assert.match(label ?? "", /^Voice message, 0:0[2-3]$/);
    const start = await slider(page);
    assert.deepEqual([start.now, start.played, start.bars], [0, 0, 64]);
    assert.match(start.text, /^0:00 of 0:0[2-3]$/);
    assert.deepEqual(await axeSerious(page), [], "axe, 390 px, dark, the player");
    await page.screenshot({ path: path.join(SCREENSHOTS, "voice-player-phone-dark.png") });

    // Play: the audio runs (the slider's value and the played bars advance), then it ends by itself.
    await page.locator("[part=voice-play]").click();
    await eventually(() => page.locator("[part=voice-play]").getAttribute("aria-label"), { check: (l) => l === "Pause", message: "playing" });
    await eventually(() => slider(page), { check: (v) => v.now >= 1 && v.played > 10, timeout: 10_000, message: "the position advances as it plays" });
    await eventually(() => page.locator("[part=voice-play]").getAttribute("aria-label"), { check: (l) => l === "Play", timeout: 10_000, message: "it ends" });

    // Scrub by keyboard: End, Home, then an arrow (5 s, bounded by the length), spoken as "m:ss of m:ss".
    await page.locator("[part=voice-wave]").focus();
    await page.keyboard.press("End");
    const end = await slider(page);
    assert.equal(end.now, end.max);
    assert.equal(end.played, 64);
    await page.keyboard.press("Home");
    assert.equal((await slider(page)).now, 0);
    await page.keyboard.press("ArrowRight");
    assert.equal((await slider(page)).now, end.max, "ArrowRight moves forward (to the end of a 2 s recording)");
    await page.keyboard.press("ArrowLeft");
    assert.equal((await slider(page)).now, 0);
    // Pointer: the middle of the waveform is the middle of the recording.
    const box = (await page.locator("[part=voice-wave]").boundingBox())!;
    await page.mouse.click(box.x + box.width / 2, box.y + box.height / 2);
    const mid = await slider(page);
    assert.ok(mid.played >= 28 && mid.played <= 36, `half played: ${mid.played}`);
    assert.match(mid.text, /^0:01 of 0:0[2-3]$/);

    // Speed: 1× → 1.5× → 2×, named for screen readers; playing from the middle at 2× ends sooner.
    const speed = page.locator("[part=voice-speed]");
    assert.equal(await speed.getAttribute("aria-label"), "Playback speed 1×");
    await speed.click();
    await expectText(speed, "1.5×");
    await speed.click();
    assert.equal(await speed.getAttribute("aria-label"), "Playback speed 2×");
    await page.locator("[part=voice-play]").click();
    await eventually(() => page.locator("[part=voice-play]").getAttribute("aria-label"), {
      check: (l) => l === "Play",
      timeout: 10_000,
      message: "it ends at 2×",
    });

    // A reload: the voice message is still there, with its length, and plays.
    await page.reload();
    await loginViaForm(page, { email: email("ben"), password: PASSWORD }).catch(() => undefined);
    const again = page.locator("[part=voice]");
    await again.waitFor({ timeout: 20_000 }).catch(async () => {
      await page.locator(`[part=conversation][data-id="${dm}"]`).click({ timeout: 15_000 });
      await again.waitFor({ timeout: 15_000 });
    });
    assert.equal(await again.getAttribute("aria-label"), label);
    await page.locator("[part=voice-play]").click();
    await eventually(() => slider(page), { check: (v) => v.now >= 1, timeout: 10_000, message: "it plays after the reload" });
  });

  test("one voice message plays at a time; the app's maximum stops a recording; a blocked microphone is said; Hebrew right to left", async () => {
    // A second voice message from Ben, so two players are on Ann's screen.
    const { page } = ann;
    await openRecorder(ben.page);
    await eventually(() => focused(ben.page), { check: (f) => f.part === "voice-stop" });
    await expectText(ben.page.locator("parley-voice-recorder [role=timer]"), "0:01", 10_000);
    await ben.page.locator("[part=voice-stop]").click();
    await ben.page.locator("[part=voice-send]").click();
    await eventually(() => page.locator("[part=voice]").count(), { check: (n) => n === 2, timeout: 15_000, message: "Ann has two players" });
    await page.locator("[part=voice-play]").nth(0).click();
    await eventually(() => page.locator("[part=voice-play]").nth(0).getAttribute("aria-label"), { check: (l) => l === "Pause" });
    await page.locator("[part=voice-play]").nth(1).click();
    await eventually(
      async () => [
        await page.locator("[part=voice-play]").nth(0).getAttribute("aria-label"),
        await page.locator("[part=voice-play]").nth(1).getAttribute("aria-label"),
      ],
      { check: (l) => l[0] === "Play" && l[1] === "Pause", message: "starting the second pauses the first" },
    );

    // The app allows 2 s: the recorder says so and stops by itself there.
    await s.services.apps.update(app, { voiceMaxSeconds: 2 });
    await openRecorder(page);
    await expectText(page.locator("parley-voice-recorder .clock .muted"), "up to 0:02");
    await expectText(page.locator("parley-voice-recorder [role=status]"), "Voice messages can be up to 0:02 long, so the recording stopped there.", 10_000);
    await eventually(() => focused(page), { check: (f) => f.part === "voice-send" });
    // Escape discards it: the focus goes back to the "+" button, nothing was sent.
    await page.keyboard.press("Escape");
    await page.locator("parley-voice-recorder").waitFor({ state: "detached" });
    assert.equal((await focused(page)).part, "tools-button");
    await s.services.apps.update(app, { voiceMaxSeconds: null });

    // A blocked microphone, in Hebrew, right to left.
    const he = await open("ann", PHONE, "dark", "he");
    await he.context.grantPermissions([]);
    await he.page.evaluate(() => {
      navigator.mediaDevices.getUserMedia = () => Promise.reject(new DOMException("denied", "NotAllowedError"));
    });
    await openRecorder(he.page, "הודעה קולית");
    await expectText(he.page.locator("parley-voice-recorder [role=alert]"), "המיקרופון חסום. יש לאשר אותו לאתר הזה בהגדרות הדפדפן ולנסות שוב.");
    await he.page.keyboard.press("Escape");
    // The slider in Hebrew: ArrowLeft goes forward (the reading direction), its value spoken in Hebrew.
    const wave = he.page.locator("[part=voice-wave]").first();
    await wave.focus();
    await he.page.keyboard.press("Home");
    await he.page.keyboard.press("ArrowLeft");
    const v = await slider(he.page);
    assert.equal(v.now, v.max, "ArrowLeft moves forward right to left");
    assert.match(v.text, /^0:0\d מתוך 0:0\d$/);
    await he.page.screenshot({ path: path.join(SCREENSHOTS, "voice-player-rtl.png") });
    assert.deepEqual(await axeSerious(he.page), [], "axe, 390 px, dark, Hebrew");
    const light = await open("ben", DESKTOP, "light");
    await light.page.locator("[part=voice]").first().waitFor();
    assert.deepEqual(await axeSerious(light.page), [], "axe, 1100 px, light, the players");
    await light.page.screenshot({ path: path.join(SCREENSHOTS, "voice-player-desktop-light.png") });
  });
});
