/**
 * Voice messages (issue 33): an upload marked as voice (`POST /uploads/:id/voice`) must be one
 * Opus stream in WebM or Ogg; its length is computed from the stream and kept with its waveform;
 * anything else is refused (415 with the reason), as is a recording past the app's maximum (413);
 * the peaks are validated; the bytes count in the upload quotas like any file; and a message
 * carrying it shows `voice` to the other member everywhere a message is presented. Real HTTP, real
 * sockets, a real Chromium recording; both databases.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { Attachment, AuthResponse, Conversation, Message, SyncResponse, VoiceSettings } from "@parley/sdk/protocol";
import { UploadEntity } from "../src/uploads/upload.entity.js";
import { VOICE_LIMITS } from "../src/voice/voice.schema.js";
import { assertClientError, type Res } from "./helpers/api.js";
import { startServer, type TestServer } from "./helpers/harness.js";
import { connect, Recorder, type ClientSocket } from "./helpers/sockets.js";
import {
  aacMp4,
  chromiumOgg,
  chromiumVideoWebm,
  chromiumWebm,
  mp3,
  mp4Boxes,
  oggOpus,
  oggVorbis,
  webkitAacMp4,
  webkitOpusMp4,
  webkitStoppedMp4,
  webmOpusPackets,
} from "./helpers/voice-files.js";

let s: TestServer;
let app: string;
let auth: string;
const sockets: ClientSocket[] = [];
const tok = (u: AuthResponse) => ({ token: u.accessToken });
const PEAKS = Array.from({ length: VOICE_LIMITS.peaks }, (_, i) => (i * 37) % 256);
/** Under this, two voice recordings fit and a third does not (each ~5 KB). */
const USER_QUOTA = 14_000;

function upload(u: AuthResponse, bytes: Buffer, name: string, type: string): Promise<Res<any>> {
  const fd = new FormData();
  fd.append("file", new Blob([new Uint8Array(bytes)], { type }), name);
  return s.api.post<Attachment>("/uploads", { ...tok(u), raw: fd });
}
async function uploaded(u: AuthResponse, bytes: Buffer, name: string, type: string): Promise<Attachment> {
  const res = await upload(u, bytes, name, type);
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return res.body;
}
const mark = (u: AuthResponse, id: string, body: unknown = { peaks: PEAKS }) => s.api.post(`/uploads/${id}/voice`, { ...tok(u), body });

async function direct(a: AuthResponse, b: AuthResponse): Promise<string> {
  const res = await s.api.post<{ conversation: Conversation }>("/conversations/direct", { ...tok(a), body: { userId: b.user.id } });
  assert.ok(res.status === 200 || res.status === 201, JSON.stringify(res.body));
  return res.body.conversation.id;
}

before(async () => {
  s = await startServer({ VOICE_MAX_SECONDS: "60", UPLOAD_QUOTA_USER_BYTES: String(USER_QUOTA) });
  app = (await s.createTenant("Voice")).id;
  const key = await s.services.serverKeys.create(app);
  auth = `Basic ${Buffer.from(`${key.id}:${key.secret}`).toString("base64")}`;
});

after(async () => {
  for (const so of sockets) so.close();
  await s?.close();
});

describe("voice messages", () => {
  test("a Chromium recording (WebM, no duration header) is accepted: length from the stream, waveform kept, served as audio/webm", async () => {
    const a = await s.api.register(app);
    const up = await uploaded(a, chromiumWebm(), "voice.webm", "audio/webm");
    assert.equal(up.voice, undefined, "a plain upload is not a voice message");
    const res = await mark(a, up.id);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const att = res.body as Attachment;
    assert.equal(att.mime, "audio/webm");
    assert.deepEqual(att.voice?.peaks, PEAKS);
    // MediaRecorder stopped after 2 s; the last block's time plus its packet's 20 ms.
    assert.ok(att.voice!.durationMs >= 1900 && att.voice!.durationMs <= 2100, `duration ${att.voice?.durationMs}`);
    const row = await s.services.db.getRepository(UploadEntity).findOneByOrFail({ id: up.id });
    assert.equal(row.voiceDurationMs, att.voice!.durationMs);
    assert.equal(row.mime, "audio/webm");
    const file = await fetch(`${s.url}/v1/uploads/${up.id}`, { headers: { Authorization: `Bearer ${a.accessToken}` } });
    assert.equal(file.headers.get("content-type"), "audio/webm");
    assert.deepEqual(Buffer.from(await file.arrayBuffer()), chromiumWebm());
  });

  test("the same recording in Ogg is accepted with the same length (granule positions)", async () => {
    const a = await s.api.register(app);
    const up = await uploaded(a, chromiumOgg(), "voice.ogg", "audio/ogg");
    const res = await mark(a, up.id);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const webm = await mark(a, (await uploaded(a, chromiumWebm(), "voice.webm", "audio/webm")).id);
    assert.equal((res.body as Attachment).mime, "audio/ogg");
    assert.equal((res.body as Attachment).voice?.durationMs, (webm.body as Attachment).voice?.durationMs);
  });

  test("an Ogg recording's length is its packets', not what its last page claims (red team 4: 600 s stored as 1 s)", async () => {
    const { head } = webmOpusPackets(chromiumWebm());
    const preSkip = head.readUInt16LE(10);
    // 60 ms packets (TOC config 3, one frame) of one byte: long recordings in a few KB.
    const packets = (n: number) => Array.from({ length: n }, () => Buffer.from([0x18, 0x00]));
    const a = () => s.api.register(app);
    const markOgg = async (file: Buffer) => {
      const u = await a();
      return mark(u, (await uploaded(u, file, "voice.ogg", "audio/ogg")).id);
    };
    // 120 s (past the 60 s maximum) whose last page says 1 s.
    const lying = await markOgg(oggOpus(head, packets(2000), 0x5eed, 48_000n));
    assertClientError(lying, { status: 413, code: "payload_too_large" });
    assert.equal(lying.body.error.details.reason, "too_long");
    // 30 s saying 1 s: stored at its real length.
    const short = await markOgg(oggOpus(head, packets(500), 0x5eed, 48_000n));
    assert.equal(short.status, 200, JSON.stringify(short.body));
    assert.equal((short.body as Attachment).voice!.durationMs, Math.round(30_000 - preSkip / 48));
    // A last page that trims the end by less than a packet (as encoders do) is taken as it says.
    const trimmed = await markOgg(oggOpus(head, packets(500), 0x5eed, BigInt(500 * 2880 - 480)));
    assert.equal(trimmed.status, 200);
    assert.equal((trimmed.body as Attachment).voice!.durationMs, Math.round(30_000 - 10 - preSkip / 48));
    // A WebM whose timestamps all say 0 plays as long as its packets (the Chromium recording's 2 s).
    const zeroed = chromiumWebm();
    webmOpusPackets(zeroed, { zeroTimes: true });
    const u = await a();
    const timeless = await mark(u, (await uploaded(u, zeroed, "voice.webm", "audio/webm")).id);
    assert.equal(timeless.status, 200, JSON.stringify(timeless.body));
    assert.ok((timeless.body as Attachment).voice!.durationMs >= 1900, `${(timeless.body as Attachment).voice?.durationMs}`);
    // A packet claiming more than Opus allows (120 ms: 63 frames of 60 ms here) is damaged.
    const greedy = await markOgg(oggOpus(head, [Buffer.from([0x1b, 63, 0x00])]));
    assertClientError(greedy, { status: 415 });
    assert.equal(greedy.body.error.details.reason, "malformed");
  });

  test("WebKit's recordings (MP4: AAC, and Opus with its dOps little-endian) are accepted, length from the frames, served as audio/mp4", async () => {
    for (const [what, bytes, frames] of [
      ["AAC", webkitAacMp4(), 86],
      ["Opus", webkitOpusMp4(), 100],
      // Stopped mid-fragment: 50 + 19 packets, its last moof twice; kept mended: one moof, without
      // the frame WebKit's flush starts it with (Chromium and Firefox stop decoding there).
      ["Opus, stopped", webkitStoppedMp4(), 68],
    ] as const) {
      const a = await s.api.register(app);
      const up = await uploaded(a, bytes, "voice.m4a", "audio/mp4");
      const res = await mark(a, up.id);
      assert.equal(res.status, 200, `${what}: ${JSON.stringify(res.body)}`);
      const att = res.body as Attachment;
      assert.equal(att.mime, "audio/mp4");
      // AAC: 86 frames of 1024 samples at 44.1 kHz; Opus: 100 packets of 20 ms less the 312-sample pre-skip.
      const expected = what === "AAC" ? Math.round((frames * 1024 * 1000) / 44_100) : Math.round(frames * 20 - 312 / 48);
      assert.equal(att.voice!.durationMs, expected, what);
      const file = await fetch(`${s.url}/v1/uploads/${up.id}`, { headers: { Authorization: `Bearer ${a.accessToken}` } });
      assert.equal(file.headers.get("content-type"), "audio/mp4");
      const served = Buffer.from(await file.arrayBuffer());
      // WebKit's repeated boxes (its ftyp, always; a stopped fragment's moof) are kept once.
      const boxes = mp4Boxes(served);
      assert.deepEqual(
        boxes.map(([t]) => t),
        mp4Boxes(bytes)
          .map(([t]) => t)
          .filter((t, i, all) => !(t === all[i + 1] && (t === "ftyp" || t === "moof"))),
        what,
      );
      assert.ok(
        boxes.every(([, s, e], i) => !boxes[i + 1] || !served.subarray(s, e).equals(served.subarray(boxes[i + 1]![1], boxes[i + 1]![2]))),
        what,
      );
      const row = await s.services.db.getRepository(UploadEntity).findOneByOrFail({ id: up.id });
      assert.equal(row.size, served.length, `${what}: the quota counts what is kept`);
      if (what !== "Opus, stopped") assert.deepEqual(served, bytes.subarray(32), `${what}: only the second ftyp dropped`);
    }
  });

  test("an MP4's length is its frames', not the durations it writes (issue 52: no container repeats red team 4's H3)", async () => {
    const markMp4 = async (file: Buffer) => {
      const u = await s.api.register(app);
      return mark(u, (await uploaded(u, file, "voice.m4a", "audio/mp4")).id);
    };
    const frameMs = 1024_000 / 44_100;
    // 30 s of frames whose samples say 1 s together: stored at 30 s.
    const short = await markMp4(aacMp4(1292, Math.floor(44_100 / 1292)));
    assert.equal(short.status, 200, JSON.stringify(short.body));
    assert.equal((short.body as Attachment).voice!.durationMs, Math.round(1292 * frameMs));
    // 2 s of frames whose samples say 600 s: stored at 2 s.
    const long = await markMp4(aacMp4(86, Math.floor((600 * 44_100) / 86)));
    assert.equal(long.status, 200, JSON.stringify(long.body));
    assert.equal((long.body as Attachment).voice!.durationMs, Math.round(86 * frameMs));
    // 120 s (past the 60 s maximum) saying 1 s: refused.
    const lying = await markMp4(aacMp4(5168, 8));
    assertClientError(lying, { status: 413, code: "payload_too_large" });
    assert.equal(lying.body.error.details.reason, "too_long");
    // WebKit's own recording cut inside its last mdat: what is there plays, and is counted.
    const whole = webkitAacMp4();
    const lastMdat = mp4Boxes(whole).at(-1)!;
    const cut = await markMp4(whole.subarray(0, lastMdat[1] + 8 + 2000));
    assert.equal(cut.status, 200, JSON.stringify(cut.body));
    const cutMs = (cut.body as Attachment).voice!.durationMs;
    assert.ok(cutMs > 1000 && cutMs < 1900, `a cut recording is shorter: ${cutMs}`);
  });

  test("anything but Opus or AAC audio in WebM, Ogg or MP4 is refused with 415 and its reason", async () => {
    const a = await s.api.register(app);
    const cases: [string, Buffer, string, string, string][] = [
      ["a text file renamed .ogg", Buffer.from("This is not audio at all, just words.\n".repeat(20)), "note.ogg", "audio/ogg", "not_opus"],
      ["an MP3", mp3(), "song.mp3", "audio/mpeg", "not_opus"],
      ["a WebM with video", chromiumVideoWebm(), "clip.webm", "audio/webm", "has_video"],
      ["Ogg Vorbis", oggVorbis(), "old.ogg", "audio/ogg", "not_opus"],
      ["a cut Ogg page", chromiumOgg().subarray(0, 300), "cut.ogg", "audio/ogg", "malformed"],
      ["an MP4 with video", aacMp4(1, 1024, { video: true }), "clip.mp4", "audio/mp4", "has_video"],
      ["an MP4 cut inside its moof", webkitAacMp4().subarray(0, mp4Boxes(webkitAacMp4())[3]![1] + 100), "cut.m4a", "audio/mp4", "malformed"],
      ["an MP4 whose samples lie outside its mdat", aacMp4(3, 1024, { dataOffset: 0 }), "short.m4a", "audio/mp4", "malformed"],
    ];
    for (const [what, bytes, name, type, reason] of cases) {
      const up = await uploaded(a, bytes, name, type);
      const res = await mark(a, up.id);
      assertClientError(res, { status: 415, code: "unsupported_media_type" });
      assert.equal(res.body.error.details?.reason, reason, `${what}: ${JSON.stringify(res.body)}`);
      const row = await s.services.db.getRepository(UploadEntity).findOneByOrFail({ id: up.id });
      assert.equal(row.voiceDurationMs, null, what);
      assert.equal(row.voicePeaks, null, what);
    }
  });

  test("peaks are exactly 64 whole numbers 0–255 (400 with details otherwise)", async () => {
    const a = await s.api.register(app);
    const up = await uploaded(a, chromiumWebm(), "voice.webm", "audio/webm");
    for (const peaks of [
      PEAKS.slice(1),
      [...PEAKS, 1],
      PEAKS.map((p, i) => (i === 3 ? 256 : p)),
      PEAKS.map((p, i) => (i === 0 ? -1 : p)),
      PEAKS.map((p, i) => (i === 5 ? 1.5 : p)),
      PEAKS.map(String),
      "loud",
    ]) {
      const res = await mark(a, up.id, { peaks });
      assertClientError(res, { status: 400, code: "validation_failed" });
      assert.ok(Array.isArray(res.body.error.details) && res.body.error.details.length > 0, JSON.stringify(res.body));
    }
    assertClientError(await mark(a, up.id, { peaks: PEAKS, durationMs: 2000 }), { status: 400, code: "validation_failed" });
    assertClientError(await mark(a, up.id, {}), { status: 400, code: "validation_failed" });
    assert.equal((await mark(a, up.id)).status, 200);
  });

  test("past the app's maximum is refused (413); the app's setting wins over VOICE_MAX_SECONDS and reaches the recorder", async () => {
    const settings = async (u: AuthResponse) => (await s.api.get<VoiceSettings>("/uploads/voice/settings", tok(u))).body;
    const a = await s.api.register(app);
    assert.deepEqual(await settings(a), { maxDurationMs: 60_000, peaks: 64 });
    const strict = (await s.createTenant("Short notes")).id;
    await s.services.apps.update(strict, { voiceMaxSeconds: 1 });
    const b = await s.api.register(strict);
    assert.deepEqual(await settings(b), { maxDurationMs: 1000, peaks: 64 });
    const up = await uploaded(b, chromiumWebm(), "voice.webm", "audio/webm");
    const res = await mark(b, up.id);
    assertClientError(res, { status: 413, code: "payload_too_large" });
    assert.equal(res.body.error.details.reason, "too_long");
    assert.equal(res.body.error.details.maxDurationMs, 1000);
    await s.services.apps.update(strict, { voiceMaxSeconds: null });
    assert.equal((await settings(b)).maxDurationMs, 60_000);
    assert.equal((await mark(b, up.id)).status, 200);
  });

  test("voice uploads count in the upload quota like any file", async () => {
    const a = await s.api.register(app);
    const sizes: number[] = [];
    for (const bytes of [chromiumWebm(), chromiumOgg()]) {
      const up = await uploaded(a, bytes, "voice", "audio/webm");
      assert.equal((await mark(a, up.id)).status, 200);
      sizes.push(up.size);
    }
    assert.ok(sizes[0]! + sizes[1]! + chromiumWebm().length > USER_QUOTA, "the fixture sizes fit the test's quota");
    const third = await upload(a, chromiumWebm(), "voice.webm", "audio/webm");
    assertClientError(third, { status: 413, code: "payload_too_large" });
    assert.equal(third.body.error.details.reason, "user_quota_exceeded");
    assert.equal(third.body.error.details.usedBytes, sizes[0]! + sizes[1]!);
  });

  test("only the uploader marks an unsent upload: others get 404, a sent one 409", async () => {
    const [a, b] = [await s.api.register(app), await s.api.register(app)];
    const up = await uploaded(a, chromiumWebm(), "voice.webm", "audio/webm");
    assertClientError(await mark(b, up.id), { status: 404, code: "not_found" });
    const other = (await s.createTenant("Elsewhere")).id;
    assertClientError(await mark(await s.api.register(other), up.id), { status: 404, code: "not_found" });
    const c = await direct(a, b);
    const sent = await s.api.post<Message>(`/conversations/${c}/messages`, { ...tok(a), body: { text: "", attachmentIds: [up.id] } });
    assert.equal(sent.status, 201, JSON.stringify(sent.body));
    const late = await mark(a, up.id);
    assertClientError(late, { status: 409, code: "conflict" });
    assert.equal(late.body.error.details.reason, "already_sent");
  });

  test("a message with a voice message shows it to the other member: live event, history, sync, server API, the file", async () => {
    const [a, b] = [await s.api.register(app), await s.api.register(app)];
    const c = await direct(a, b);
    const so = await connect(s, b.accessToken);
    sockets.push(so);
    const rec = new Recorder(so);
    const head = (await s.api.get<{ lastSeq: number }>("/sync/head", tok(b))).body.lastSeq;
    const up = await uploaded(a, chromiumWebm(), "voice.webm", "audio/webm");
    const marked = (await mark(a, up.id)).body as Attachment;
    const sent = await s.api.post<Message>(`/conversations/${c}/messages`, { ...tok(a), body: { text: "", attachmentIds: [up.id], clientMessageId: "v-1" } });
    assert.equal(sent.status, 201, JSON.stringify(sent.body));
    const voiceOf = (m: Message | undefined) => m?.attachments.find((x) => x.id === up.id)?.voice;
    const expected = { durationMs: marked.voice!.durationMs, peaks: PEAKS };
    assert.deepEqual(voiceOf(sent.body), expected, "the sender's answer");
    const live = await rec.wait("message.new", (e: { data: { message: Message } }) => e.data.message.id === sent.body.id);
    assert.deepEqual(voiceOf(live.data.message), expected, "the live event");
    const history = await s.api.get<{ items: Message[] }>(`/conversations/${c}/messages`, tok(b));
    assert.deepEqual(voiceOf(history.body.items.find((m) => m.id === sent.body.id)), expected, "history");
    const sync = await s.api.get<SyncResponse>(`/sync?since=${head}`, tok(b));
    const synced = sync.body.events.find((e) => e.type === "message.new" && (e.data as { message: Message }).message.id === sent.body.id);
    assert.deepEqual(voiceOf((synced?.data as { message: Message } | undefined)?.message), expected, "sync");
    const server = await s.api.get<{ items: Message[] }>(`/server/conversations/${c}/messages`, { headers: { Authorization: auth } });
    assert.equal(server.status, 200, JSON.stringify(server.body));
    assert.deepEqual(voiceOf(server.body.items.find((m) => m.id === sent.body.id)), expected, "server API");
    const file = await fetch(`${s.url}/v1/uploads/${up.id}`, { headers: { Authorization: `Bearer ${b.accessToken}` } });
    assert.equal(file.status, 200);
    assert.equal(file.headers.get("content-type"), "audio/webm");
    // Deleting the message takes the voice message with it (row and file).
    assert.equal((await s.api.del(`/messages/${sent.body.id}`, tok(a))).status, 204);
    assert.equal(await s.services.db.getRepository(UploadEntity).findOneBy({ id: up.id }), null);
  });
});
