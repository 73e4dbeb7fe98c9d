// @parley/sdk/rich voice messages against a real server: sendVoice uploads, marks and sends a real
// Chromium recording; the other client's store gets it with its length and waveform; refusals
// (a text file, a waveform of the wrong size, the app's maximum) are ChatErrors with their status.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { startServer, type TestServer } from "../../server/test/helpers/harness.js";
import { chromiumWebm } from "../../server/test/helpers/voice-files.js";
import { isChatError } from "../src/index.js";
import { sendVoice, VOICE_PEAKS, voiceSettings } from "../src/rich.js";
import { clientFactory, until } from "./helpers/clients.js";

let s: TestServer;
let app: string;
const clients = clientFactory(() => ({ server: s.url, appId: app }));
const peaks = Array.from({ length: VOICE_PEAKS }, (_, i) => (i * 11) % 256);
const recording = () => new Blob([new Uint8Array(chromiumWebm())], { type: "audio/webm;codecs=opus" });

before(async () => {
  s = await startServer({ VOICE_MAX_SECONDS: "120" });
  app = (await s.createTenant("Voice SDK")).id;
});
after(async () => {
  clients.closeAll();
  await s?.close();
});

describe("@parley/sdk/rich voice messages", () => {
  test("sendVoice sends a recording that reaches the other client's store with its length and waveform", async () => {
    const [ann, ben] = [await clients.signUp("Ann"), await clients.signUp("Ben")];
    assert.deepEqual(await voiceSettings(ann), { maxDurationMs: 120_000, peaks: VOICE_PEAKS });
    const dm = await ann.direct(ben.user!.id);
    const progress: number[] = [];
    const sent = await sendVoice(ann, dm.id, recording(), { peaks }, { onProgress: (f) => progress.push(f) });
    const voice = sent.attachments[0]?.voice;
    assert.ok(voice && voice.durationMs > 1900 && voice.durationMs < 2100, JSON.stringify(sent.attachments));
    assert.deepEqual(voice.peaks, peaks);
    assert.equal(sent.attachments[0]!.mime, "audio/webm");
    assert.equal(progress.at(-1), 1);
    await until(
      () => ben.store.state.threads[dm.id]?.messages.some((m) => m.id === sent.id && m.attachments[0]?.voice?.durationMs === voice.durationMs) ?? false,
      "Ben's store has it",
    );
    const bytes = await ben.directory.download(sent.attachments[0]!);
    assert.equal(bytes.size, chromiumWebm().length);
  });

  test("refusals are ChatErrors: not audio (415), a waveform of the wrong size (400), past the app's maximum (413)", async () => {
    const [ann, ben] = [await clients.signUp("Ann"), await clients.signUp("Ben")];
    const dm = await ann.direct(ben.user!.id);
    const text = new Blob(["not a recording at all"], { type: "audio/ogg" });
    await assert.rejects(sendVoice(ann, dm.id, text, { peaks }), (e: unknown) => isChatError(e) && e.status === 415 && e.code === "unsupported_media_type");
    await assert.rejects(sendVoice(ann, dm.id, recording(), { peaks: peaks.slice(2) }), (e: unknown) => isChatError(e) && e.status === 400);
    await s.services.apps.update(app, { voiceMaxSeconds: 1 });
    try {
      await assert.rejects(sendVoice(ann, dm.id, recording(), { peaks }), (e: unknown) => isChatError(e) && e.status === 413);
    } finally {
      await s.services.apps.update(app, { voiceMaxSeconds: null });
    }
    assert.equal(
      (
        await ben
          .conversation(dm.id)
          .loadOlder()
          .then(() => ben.store.state.threads[dm.id]?.messages ?? [])
      ).length,
      0,
      "nothing was sent",
    );
  });
});
