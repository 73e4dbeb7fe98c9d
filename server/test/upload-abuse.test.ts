import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { readdir, utimes, writeFile } from "node:fs/promises";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { crc32 } from "node:zlib";
import { after, before, describe, test } from "node:test";
import type { Attachment, AuthResponse, Me } from "@parley/sdk/protocol";
import { encodePng } from "../src/shared/png.js";
import { UploadEntity } from "../src/uploads/upload.entity.js";
import { errorCode, type Res } from "./helpers/api.js";
import { startServer, type TestServer } from "./helpers/harness.js";

// Issue 15, uploads: storage quotas per user and per app, clean-up of uploads never sent,
// deletion of replaced avatars, and a pixel bound over every frame of an animation.

const HOUR = 3600_000;

function form(bytes: Buffer, name: string, type = "application/octet-stream"): FormData {
  const fd = new FormData();
  fd.append("file", new Blob([new Uint8Array(bytes)], { type }), name);
  return fd;
}
const upload = (s: TestServer, u: AuthResponse, bytes: Buffer, name = "f.bin", type?: string): Promise<Res<Attachment>> =>
  s.api.post<Attachment>("/uploads", { token: u.accessToken, raw: form(bytes, name, type) });
const putAvatar = (s: TestServer, u: AuthResponse, bytes: Buffer): Promise<Res<Me>> =>
  s.api.put<Me>("/me/avatar", { token: u.accessToken, raw: form(bytes, "me.png", "image/png") });
/** GET with the body read to the end (an unread body left open is cut off when the server closes). */
async function get(url: string, token?: string): Promise<{ status: number; headers: Headers }> {
  const res = await fetch(url, token ? { headers: { Authorization: `Bearer ${token}` } } : {});
  await res.arrayBuffer();
  return res;
}
const fetchUpload = (s: TestServer, u: AuthResponse, id: string) => get(`${s.url}/v1/uploads/${id}`, u.accessToken);
const dirOf = (s: TestServer, folder: string): string => path.join(s.dataDir, "uploads", folder);
const list = async (s: TestServer, folder: string): Promise<string[]> => readdir(dirOf(s, folder)).catch(() => []);
/** Random bytes: file-type recognises nothing, so the upload is a plain file of exactly this size. */
const blob = (n: number): Buffer => Buffer.from(Array.from({ length: n }, (_, i) => (i * 7919 + n) & 0xff));
const reason = (res: Res): unknown => (res.body as { error?: { details?: { reason?: unknown } } }).error?.details?.reason;

describe("storage quotas", () => {
  let s: TestServer;
  let app: string;
  let otherApp: string;
  before(async () => {
    // 250 kB per user, 450 kB per app: a 100 kB file fits twice per user, four times per app.
    s = await startServer({ UPLOAD_QUOTA_USER_BYTES: "250000", UPLOAD_QUOTA_APP_BYTES: "450000" });
    app = (await s.createTenant()).id;
    otherApp = (await s.createTenant("Other site")).id;
  });
  after(() => s?.close());

  test("one user cannot store more than their quota, even with 10 uploads in parallel (413 user_quota_exceeded)", async () => {
    const u = await s.api.register(app);
    const filesBefore = (await list(s, "files")).length;
    const results = await Promise.all(Array.from({ length: 10 }, () => upload(s, u, blob(100_000))));
    const ok = results.filter((r) => r.status === 201);
    const refused = results.filter((r) => r.status !== 201);
    assert.equal(ok.length, 2, "two 100 kB files fit in 250 kB");
    for (const r of refused) {
      assert.equal(r.status, 413);
      assert.equal(errorCode(r), "payload_too_large");
      assert.equal(reason(r), "user_quota_exceeded");
      assert.match((r.body as unknown as { error: { message: string } }).error.message, /quota/i);
    }
    assert.equal((await list(s, "files")).length, filesBefore + 2, "refused files are not kept");
    assert.deepEqual(await list(s, "tmp"), [], "nor left in tmp");

    // Still room for a small file; and another user of the app is not affected by this one.
    assert.equal((await upload(s, u, blob(40_000))).status, 201);
    assert.equal((await upload(s, u, blob(20_000))).status, 413);
  });

  test("all users of one app together cannot store more than its quota (413 app_quota_exceeded); other apps are unaffected", async () => {
    const fresh = await startServer({ UPLOAD_QUOTA_USER_BYTES: "250000", UPLOAD_QUOTA_APP_BYTES: "450000" });
    try {
      const a = (await fresh.createTenant()).id;
      const b = (await fresh.createTenant("B")).id;
      const users = await Promise.all([1, 2, 3].map(() => fresh.api.register(a)));
      const statuses: number[] = [];
      for (const u of users) for (let i = 0; i < 2; i++) statuses.push((await upload(fresh, u, blob(100_000))).status);
      assert.deepEqual(statuses, [201, 201, 201, 201, 413, 413], "four 100 kB files fit in 450 kB");
      const refused = await upload(fresh, users[2]!, blob(100_000));
      assert.equal(refused.status, 413);
      assert.equal(reason(refused), "app_quota_exceeded");
      assert.equal(JSON.stringify(refused.body).includes("usedBytes"), false, "one user learns nothing of the app's usage");
      const elsewhere = await fresh.api.register(b);
      assert.equal((await upload(fresh, elsewhere, blob(100_000))).status, 201);
    } finally {
      await fresh.close();
    }
  });

  test("a user at their quota is refused from the declared size, and the sweep of unsent uploads frees it again", async () => {
    const u = await s.api.register(otherApp);
    const first = await upload(s, u, blob(200_000));
    assert.equal(first.status, 201);
    const big = await upload(s, u, blob(1_000_000));
    assert.equal(big.status, 413);
    assert.equal(reason(big), "user_quota_exceeded");
    assert.deepEqual(await list(s, "tmp"), []);

    assert.equal((await s.services.uploads.sweepUnattached(Date.now() + 24 * HOUR + 1000)) >= 1, true);
    assert.equal((await upload(s, u, blob(200_000))).status, 201, "the unsent file no longer counts");
  });
});

describe("clean-up of uploads never sent", () => {
  let s: TestServer;
  let app: string;
  let ann: AuthResponse;
  let bob: AuthResponse;
  let dm: string;
  before(async () => {
    s = await startServer();
    app = (await s.createTenant()).id;
    [ann, bob] = await Promise.all([s.api.register(app), s.api.register(app)]);
    const res = await s.api.post<{ conversation: { id: string } }>("/conversations/direct", { token: ann.accessToken, body: { userId: bob.user.id } });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    dm = res.body.conversation.id;
  });
  after(() => s?.close());

  const storedFile = async (id: string): Promise<string> =>
    path.join(dirOf(s, "files"), (await s.services.db.getRepository(UploadEntity).findOneByOrFail({ id })).storedName);

  test("an upload not sent within 24 h is deleted (row and file); sent ones and recent ones stay", async () => {
    const orphan = (await upload(s, ann, blob(5000))).body;
    const sent = (await upload(s, ann, blob(5000))).body;
    const orphanFile = await storedFile(orphan.id);
    const sentFile = await storedFile(sent.id);
    const msg = await s.api.post(`/conversations/${dm}/messages`, { token: ann.accessToken, body: { text: "file", attachmentIds: [sent.id] } });
    assert.equal(msg.status, 201, JSON.stringify(msg.body));

    assert.equal(await s.services.uploads.sweepUnattached(), 0, "nothing is old enough yet");
    assert.equal(await s.services.uploads.sweepUnattached(Date.now() + 23 * HOUR), 0, "23 h is inside the window");
    assert.equal(existsSync(orphanFile), true);

    assert.equal(await s.services.uploads.sweepUnattached(Date.now() + 24 * HOUR + 1000), 1);
    assert.equal(existsSync(orphanFile), false, "the unsent file is gone from disk");
    assert.equal(await s.services.db.getRepository(UploadEntity).existsBy({ id: orphan.id }), false, "and its row");
    assert.equal((await fetchUpload(s, ann, orphan.id)).status, 404);
    const late = await s.api.post(`/conversations/${dm}/messages`, { token: ann.accessToken, body: { text: "late", attachmentIds: [orphan.id] } });
    assert.equal(late.status, 400, "a swept upload can no longer be attached");

    assert.equal(existsSync(sentFile), true, "the sent file stays");
    assert.equal((await fetchUpload(s, bob, sent.id)).status, 200);
  });

  test("temp files older than the window (a crashed upload) are removed too", async () => {
    const stale = path.join(dirOf(s, "tmp"), "stale-partial-upload");
    const fresh = path.join(dirOf(s, "tmp"), "in-flight-upload");
    await writeFile(stale, blob(1000));
    await writeFile(fresh, blob(1000));
    const old = new Date(Date.now() - 25 * HOUR);
    await utimes(stale, old, old);
    await s.services.uploads.sweepUnattached();
    assert.equal(existsSync(stale), false);
    assert.equal(existsSync(fresh), true, "an upload still being received is left alone");
  });

  test("the server runs the sweep on its own interval, and stop() ends it", async () => {
    const quick = await startServer({ UPLOAD_SWEEP_INTERVAL_SEC: "1", UPLOAD_UNATTACHED_TTL_SEC: "3600" });
    try {
      const a = (await quick.createTenant()).id;
      const u = await quick.api.register(a);
      const age = async (id: string) => quick.services.db.getRepository(UploadEntity).update({ id }, { createdAt: Date.now() - 2 * HOUR });
      const one = (await upload(quick, u, blob(3000))).body;
      await age(one.id);
      const repo = quick.services.db.getRepository(UploadEntity);
      for (let i = 0; i < 40 && (await repo.existsBy({ id: one.id })); i++) await sleep(100);
      assert.equal(await repo.existsBy({ id: one.id }), false, "swept within the 1 s interval");

      quick.services.uploads.stop();
      const two = (await upload(quick, u, blob(3000))).body;
      await age(two.id);
      await sleep(1500);
      assert.equal(await repo.existsBy({ id: two.id }), true, "no sweep after stop()");
    } finally {
      await quick.close();
    }
  });
});

describe("replaced avatars", () => {
  let s: TestServer;
  let app: string;
  before(async () => {
    s = await startServer();
    app = (await s.createTenant()).id;
  });
  after(() => s?.close());

  const png = (seed: number): Buffer => encodePng(4, 4, (x, y) => [seed & 0xff, x * 40, y * 40, 255]);
  const nameOf = (url: string | null): string => (url ?? "").split("/").pop()!;

  test("a new avatar deletes the file of the one it replaces", async () => {
    const u = await s.api.register(app);
    const first = await putAvatar(s, u, png(1));
    assert.equal(first.status, 200, JSON.stringify(first.body));
    const firstUrl = first.body.avatarUrl!;
    assert.equal((await get(s.url + firstUrl)).status, 200);

    const second = await putAvatar(s, u, png(2));
    assert.equal(second.status, 200);
    assert.notEqual(second.body.avatarUrl, firstUrl);
    assert.equal((await get(s.url + firstUrl)).status, 404, "the replaced avatar is no longer served");
    assert.equal(existsSync(path.join(dirOf(s, "avatars"), nameOf(firstUrl))), false, "nor kept on disk");
    assert.equal((await get(s.url + second.body.avatarUrl!)).status, 200);
    const mine = (await list(s, "avatars")).filter((n) => n.startsWith(u.user.id));
    assert.deepEqual(mine, [nameOf(second.body.avatarUrl)]);
  });

  test("ten replacements in parallel leave exactly one file: the one the profile points at", async () => {
    const u = await s.api.register(app);
    const results = await Promise.all(Array.from({ length: 10 }, (_, i) => putAvatar(s, u, png(10 + i))));
    for (const r of results) assert.equal(r.status, 200);
    const me = await s.api.get<Me>("/me", { token: u.accessToken });
    const mine = (await list(s, "avatars")).filter((n) => n.startsWith(u.user.id));
    assert.deepEqual(mine, [nameOf(me.body.avatarUrl)]);
  });

  test("an avatar URL pointing at another user's file never gets that file deleted", async () => {
    const [victim, attacker] = await Promise.all([s.api.register(app), s.api.register(app)]);
    const victimUrl = (await putAvatar(s, victim, png(3))).body.avatarUrl!;
    // However the URL got there (a copied profile, a host's claim): it is not the attacker's file.
    await s.services.users.update({ appId: app, user: attacker.user.id }, { avatarUrl: victimUrl });
    assert.equal((await putAvatar(s, attacker, png(4))).status, 200);
    assert.equal((await get(s.url + victimUrl)).status, 200, "the victim's avatar is still served");
  });
});

// ---------------------------------------------------------------------------------------------
// Animated images
// ---------------------------------------------------------------------------------------------

function pngChunk(type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, "latin1");
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])));
  return Buffer.concat([head, data, crc]);
}

/** The chunks of a PNG made by encodePng: [type, data] in order. */
function chunksOf(png: Buffer): Array<[string, Buffer]> {
  const out: Array<[string, Buffer]> = [];
  for (let pos = 8; pos < png.length; ) {
    const len = png.readUInt32BE(pos);
    out.push([png.toString("latin1", pos + 4, pos + 8), png.subarray(pos + 8, pos + 8 + len)]);
    pos += 12 + len;
  }
  return out;
}

/**
 * A real APNG: `frames` full-canvas frames of a `w`×`h` image from encodePng (the first is the
 * default image), each with its fcTL; `declared` overrides acTL's frame count.
 */
function apng(w: number, h: number, frames: number, declared = frames): Buffer {
  const chunks = chunksOf(encodePng(w, h, () => [200, 30, 30, 255]));
  const ihdr = chunks.find(([t]) => t === "IHDR")![1];
  const idat = chunks.find(([t]) => t === "IDAT")![1];
  let seq = 0;
  const fctl = (): Buffer => {
    const d = Buffer.alloc(26);
    d.writeUInt32BE(seq++, 0);
    d.writeUInt32BE(w, 4);
    d.writeUInt32BE(h, 8);
    d.writeUInt16BE(1, 20); // delay 1/10 s
    d.writeUInt16BE(10, 22);
    return pngChunk("fcTL", d);
  };
  const actl = Buffer.alloc(8);
  actl.writeUInt32BE(declared, 0);
  const parts = [Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), pngChunk("IHDR", ihdr), pngChunk("acTL", actl), fctl(), pngChunk("IDAT", idat)];
  for (let i = 1; i < frames; i++) {
    parts.push(fctl());
    const s = Buffer.alloc(4);
    s.writeUInt32BE(seq++);
    parts.push(pngChunk("fdAT", Buffer.concat([s, idat])));
  }
  parts.push(pngChunk("IEND", Buffer.alloc(0)));
  return Buffer.concat(parts);
}

/** An animated GIF: a `w`×`h` logical screen and `frames` full-screen image descriptors. */
function animatedGif(w: number, h: number, frames: number): Buffer {
  const lsd = Buffer.alloc(7);
  lsd.writeUInt16LE(w, 0);
  lsd.writeUInt16LE(h, 2);
  lsd[4] = 0x80; // global colour table of 2 entries
  const parts = [Buffer.from("GIF89a", "latin1"), lsd, Buffer.from([0, 0, 0, 255, 255, 255])];
  parts.push(Buffer.from([0x21, 0xff, 0x0b, ...Buffer.from("NETSCAPE2.0", "latin1"), 0x03, 0x01, 0x00, 0x00, 0x00])); // loop forever
  for (let i = 0; i < frames; i++) {
    parts.push(Buffer.from([0x21, 0xf9, 0x04, 0x00, 0x0a, 0x00, 0x00, 0x00])); // 1/10 s delay
    const d = Buffer.alloc(10);
    d[0] = 0x2c;
    d.writeUInt16LE(w, 5);
    d.writeUInt16LE(h, 7);
    parts.push(d, Buffer.from([0x02, 0x02, 0x44, 0x01, 0x00])); // LZW: clear, one pixel, end
  }
  parts.push(Buffer.from([0x3b]));
  return Buffer.concat(parts);
}

/** An animated WebP: VP8X canvas `w`×`h`, ANIM, and `frames` full-canvas ANMF frames. */
function animatedWebp(w: number, h: number, frames: number): Buffer {
  const riffChunk = (type: string, data: Buffer): Buffer => {
    const head = Buffer.alloc(8);
    head.write(type, 0, "latin1");
    head.writeUInt32LE(data.length, 4);
    return Buffer.concat([head, data, data.length & 1 ? Buffer.alloc(1) : Buffer.alloc(0)]);
  };
  const vp8x = Buffer.alloc(10);
  vp8x[0] = 0x02; // animation
  vp8x.writeUIntLE(w - 1, 4, 3);
  vp8x.writeUIntLE(h - 1, 7, 3);
  const body = [Buffer.from("WEBP", "latin1"), riffChunk("VP8X", vp8x), riffChunk("ANIM", Buffer.alloc(6))];
  for (let i = 0; i < frames; i++) {
    const f = Buffer.alloc(16);
    f.writeUIntLE(w - 1, 6, 3);
    f.writeUIntLE(h - 1, 9, 3);
    f.writeUIntLE(100, 12, 3);
    body.push(riffChunk("ANMF", Buffer.concat([f, riffChunk("VP8L", Buffer.from([0x2f, 0, 0, 0, 0]))])));
  }
  const payload = Buffer.concat(body);
  const riff = Buffer.alloc(8);
  riff.write("RIFF", 0, "latin1");
  riff.writeUInt32LE(payload.length, 4);
  return Buffer.concat([riff, payload]);
}

describe("animated images: total decoded pixels across frames", () => {
  let s: TestServer;
  let u: AuthResponse;
  before(async () => {
    s = await startServer();
    u = await s.api.register((await s.createTenant()).id);
  });
  after(() => s?.close());

  const refused = (res: Res): void => {
    assert.equal(res.status, 413, JSON.stringify(res.body));
    assert.equal(errorCode(res), "payload_too_large");
  };

  test("an APNG of 13 frames of 2000x2000 (52 MP in all, 4 MP each) is refused; no file is kept", async () => {
    const bomb = apng(2000, 2000, 13);
    const filesBefore = await list(s, "files");
    refused(await upload(s, u, bomb, "small.png", "image/png"));
    assert.deepEqual(await list(s, "files"), filesBefore);
    assert.deepEqual(await list(s, "tmp"), []);
  });

  test("an APNG whose acTL claims 1,000 frames of 300x300 (90 MP) is refused though it carries two", async () => {
    refused(await upload(s, u, apng(300, 300, 2, 1000), "a.png", "image/png"));
  });

  test("an APNG within the bound is accepted as an image with its size", async () => {
    const res = await upload(s, u, apng(100, 80, 3), "ok.png", "image/png");
    assert.equal(res.status, 201, JSON.stringify(res.body));
    assert.equal(res.body.mime, "image/apng");
    assert.equal(res.body.width, 100);
    assert.equal(res.body.height, 80);
  });

  test("an animated GIF of 7 frames of 3000x3000 (63 MP) is refused as an attachment and as an avatar; 5 frames (45 MP) pass", async () => {
    refused(await upload(s, u, animatedGif(3000, 3000, 7), "a.gif", "image/gif"));
    refused(await s.api.put("/me/avatar", { token: u.accessToken, raw: form(animatedGif(3000, 3000, 7), "a.gif", "image/gif") }));
    const ok = await upload(s, u, animatedGif(3000, 3000, 5), "ok.gif", "image/gif");
    assert.equal(ok.status, 201, JSON.stringify(ok.body));
    assert.equal(ok.body.mime, "image/gif");
  });

  test("an animated WebP of 7 frames of 3000x3000 (63 MP) is refused; 5 frames pass", async () => {
    refused(await upload(s, u, animatedWebp(3000, 3000, 7), "a.webp", "image/webp"));
    const ok = await upload(s, u, animatedWebp(3000, 3000, 5), "ok.webp", "image/webp");
    assert.equal(ok.status, 201, JSON.stringify(ok.body));
    assert.equal(ok.body.mime, "image/webp");
  });

  test("an image type whose frames we cannot count (AVIF) is kept only as a plain file, never shown inline", async () => {
    // An AVIF image sequence header (ftyp avis): its frames are not measured, so it is no image to us.
    const ftyp = Buffer.concat([Buffer.from([0, 0, 0, 0x1c]), Buffer.from("ftypavis\0\0\0\0avifavismif1", "latin1")]);
    const res = await upload(s, u, Buffer.concat([ftyp, blob(2000)]), "seq.avif", "image/avif");
    assert.equal(res.status, 201, JSON.stringify(res.body));
    assert.equal(res.body.mime, "application/octet-stream");
    const file = await fetchUpload(s, u, res.body.id);
    assert.match(file.headers.get("content-disposition") ?? "", /^attachment/);
  });
});
