// Voice messages across engines (issue 52, acceptance 1): a visitor in each engine records one
// through the widget (the "+" menu, the fake or mock microphone, Stop, Send): Chromium and Firefox
// make Opus in WebM, WebKit AAC in MP4, as Safari does (the server mends WebKit's last fragment).
// Each is stored with its true length: the server's, from the frames, against what Chromium's own
// decoder makes of the stored file. Each plays in the other two engines: Play pressed with the
// keyboard, trusted input (WebKit refuses a play() without a user gesture), and the player's
// position read as it advances. Firefox and WebKit play into a PulseAudio null sink the test starts
// (helpers/audio-sink.ts).
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import jwt from "jsonwebtoken";
import type { AuthResponse, Conversation, Message } from "@parley/sdk/protocol";
import { startServer, type TestServer } from "../../server/test/helpers/harness.js";
import { NO_AUDIO_SINK, startAudioSink, type AudioSink } from "./helpers/audio-sink.js";
import { hostPageHtml, startHostSite, type HostSite } from "./helpers/browser.js";
import { click, ENGINES, run, until, type EngineBrowser, type EngineName, type EnginePage } from "./helpers/engines.js";

const REQUIRED = process.env["CI"] === "true" || process.env["CI"] === "1";
const engines = ENGINES.filter((e) => !e.skip);
const skip = REQUIRED ? false : NO_AUDIO_SINK || (engines.length < 2 && "fewer than two engines here");
/** The container each engine records to (the first of the recorder's types it supports). */
const RECORDS: Record<EngineName, string> = { chromium: "audio/webm", firefox: "audio/webm", webkit: "audio/mp4" };

describe("voice messages recorded and played in every engine", { timeout: 300_000, skip }, () => {
  let s: TestServer;
  let site: HostSite;
  let sink: AudioSink;
  let group: string;
  const tabs = new Map<EngineName, { browser: EngineBrowser; page: EnginePage; me: AuthResponse }>();
  const sent = new Map<EngineName, Message>();

  /** The message `from` sent, as the engine's page shows it. */
  const bubble = (from: EngineName) => `deep("[part=message]", true).find((m) => m.dataset.id === ${JSON.stringify(sent.get(from)!.id)})`;

  before(async () => {
    sink = await startAudioSink();
    s = await startServer({ VOICE_MAX_SECONDS: "60" });
    site = await startHostSite();
    const app = await s.createTenant("Voice engines", [site.origin]);
    const tokens = new Map<EngineName, string>();
    for (const e of engines) {
      const token = jwt.sign({ sub: `voice-${e.name}`, name: `Voice ${e.name}`, exp: Math.floor(Date.now() / 1000) + 3600 }, app.secret, {
        algorithm: "HS256",
      });
      tokens.set(e.name, token);
      const me = (await s.api.post<AuthResponse>("/auth/host-token", { app: app.id, body: { token } })).body;
      tabs.set(e.name, { me } as never);
    }
    const [first, ...rest] = [...tabs.values()].map((t) => t.me);
    const created = await s.api.post<{ conversation: Conversation }>("/conversations", {
      token: first!.accessToken,
      body: { name: "Voice in every engine", memberIds: rest.map((m) => m.user.id) },
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    group = created.body.conversation.id;
    for (const e of engines) {
      const browser = await e.launch();
      const page = await browser.newPage();
      tabs.set(e.name, { ...tabs.get(e.name)!, browser, page });
      await page.goto(site.page(`/voice-${e.name}`, hostPageHtml({ parleyUrl: s.url, appId: app.id, token: tokens.get(e.name)! })));
      await click(page, "[part=launcher]", "the launcher");
      await click(page, `[part=conversation][data-id="${group}"]`, "the group in the list");
      await until(page, `deep("[part=composer-input]")`, "the composer");
    }
  });
  after(async () => {
    for (const t of tabs.values()) await t.browser?.close();
    await site?.close();
    await s?.close();
    await sink?.close();
  });

  for (const e of engines) {
    test(`${e.name} records one (${RECORDS[e.name]}), stored with its true length`, async () => {
      const { page, me } = tabs.get(e.name)!;
      await click(page, "[part=tools-button]", "the + button");
      // The menu offers it only where the browser can record (voice/voice-types.ts).
      await until(page, `deep("[part=tool]", true).find((b) => b.textContent.includes("Voice message"))`, "the menu's Voice message");
      await run(page, `void deep("[part=tool]", true).find((b) => b.textContent.includes("Voice message")).click()`);
      await until(
        page,
        `deep("parley-voice-recorder")?.shadowRoot.querySelector("[role=timer]")?.textContent === "0:02"`,
        "two seconds recorded",
        20_000,
      ).catch(async (err: Error) => {
        throw new Error(`${err.message}; the recorder says ${JSON.stringify(await run(page, `deep("parley-voice-recorder")?.shadowRoot?.textContent`))}`);
      });
      await click(page, "[part=voice-stop]", "Stop");
      await click(page, "[part=voice-send]", "Send");
      const message = await pollFor(
        async () =>
          (await s.api.get<{ items: Message[] }>(`/conversations/${group}/messages`, { token: me.accessToken })).body.items.find(
            (m) => m.senderId === me.user.id && m.attachments[0]?.voice,
          ),
        async () =>
          `the recorder says ${JSON.stringify(await run(page, `deep("parley-voice-recorder")?.shadowRoot?.textContent?.replace(/\\s+/g, " ")`))}; the page shows ${JSON.stringify(
            await run(
              page,
              `deep("[part=message],[role=alert],[role=status]", true).map((m) => (m.dataset.status || "") + ":" + m.textContent.replace(/\\s+/g, " "))`,
            ),
          )}`,
      );
      sent.set(e.name, message);
      const file = message.attachments[0]!;
      assert.equal(file.mime, RECORDS[e.name]);
      // The true length: what Chromium's decoder makes of the stored bytes (WebKit's MP4 included).
      const judge = tabs.get("chromium")?.page ?? page;
      const decoded = await run<number>(
        judge,
        `window.decodedMs = null, fetch(${JSON.stringify(`${s.url}/v1/uploads/${file.id}`)}, { headers: { Authorization: "Bearer ${me.accessToken}" } })
          .then((r) => r.arrayBuffer()).then((b) => new AudioContext().decodeAudioData(b)).then((a) => (window.decodedMs = a.duration * 1000), (err) => (window.decodedMs = String(err))), 0`,
      ).then(async () => {
        await until(judge, `window.decodedMs !== null`, "the stored file decoded");
        return run<number>(judge, "window.decodedMs");
      });
      assert.equal(typeof decoded, "number", `decoded: ${decoded}`);
      const stored = file.voice!.durationMs;
      // WebKit writes a fragment a second and may keep only the whole ones: one to two seconds.
      assert.ok(stored > 900 && stored < 4000, `about two seconds: ${stored}`);
      // AAC's encoder delay aside (48 ms), both read the same audio.
      assert.ok(Math.abs(stored - decoded) <= 60, `${e.name}: stored ${stored} ms, decoded ${Math.round(decoded)} ms`);
    });
  }

  for (const e of engines) {
    test(`${e.name} plays the others' (Play pressed, the position advances)`, async () => {
      const { page } = tabs.get(e.name)!;
      const others = engines.map((x) => x.name).filter((n) => n !== e.name);
      assert.deepEqual(
        others.filter((n) => !sent.has(n)),
        [],
        "every other engine sent one",
      );
      for (const from of others) {
        const player = `${bubble(from)}?.querySelector("[part=voice-play]")`;
        await until(page, player, `${from}'s voice message`);
        // Enter on the focused button: a trusted press, as a click would be, without the pointer's hover.
        await run(page, `void ${player}.focus()`);
        await page.keys("Enter");
        // The played bars: 64 over the recording's two seconds, so they move every 31 ms as it plays.
        const played = `${bubble(from)}.querySelectorAll("[part=voice-wave] rect.on").length`;
        await until(page, `${played} > 0`, `${from}'s recording playing in ${e.name}`, 15_000).catch(async (err: Error) => {
          const label = await run(page, `${player}.getAttribute("aria-label")`);
          const notices = await run(page, `deep("[role=status],[role=alert]", true).map((n) => n.textContent.trim()).filter(Boolean)`);
          const fetched = await run(page, `performance.getEntriesByType("resource").map((r) => r.name).filter((n) => n.includes("/uploads/"))`);
          throw new Error(
            `${err.message}; Play says ${JSON.stringify(label)}; notices ${JSON.stringify(notices)}; errors ${JSON.stringify(page.errors)}; fetched ${JSON.stringify(fetched)}; sent ${JSON.stringify([...sent.values()].map((m) => m.attachments[0]!.id))}`,
          );
        });
        const at = await run<number>(page, played);
        await until(page, `${played} > ${at}`, `the position advances in ${e.name}`, 10_000);
        // Stop it: the next one plays alone.
        if ((await run(page, `${player}.getAttribute("aria-label")`)) === "Pause") await page.keys("Enter");
      }
    });
  }
});

async function pollFor<T>(read: () => Promise<T | undefined>, why: () => Promise<string>, ms = 15_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await read();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for the voice message to be stored; ${await why()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
