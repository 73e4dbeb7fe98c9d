/**
 * Audio files for the voice tests. The Opus WebM is a real recording: Chromium's MediaRecorder
 * with the fake audio device (`fixtures/voice/chromium-2s.webm`, 2 s at 32 kbit/s). No encoder is
 * installed here (no ffmpeg, no opusenc), so the Ogg Opus file is made at test time from that
 * recording's own Opus packets, remuxed into Ogg pages as RFC 7845 lays them out: the same audio in
 * the other container. The refusals (Vorbis, MP3, a WebM with video, text) are made or kept likewise.
 * Written independently of server/src/voice/opus.ts (its CRC included), so a bug there shows.
 */
import { readFileSync } from "node:fs";

const fixture = (name: string): Buffer => readFileSync(new URL(`../fixtures/voice/${name}`, import.meta.url));

/** Chromium's MediaRecorder, `audio/webm;codecs=opus`, 2 s of the fake device's beeps (unknown-size Segment and Clusters). */
export const chromiumWebm = (): Buffer => fixture("chromium-2s.webm");
/** Chromium's MediaRecorder, `video/webm;codecs=vp8`, a canvas: a WebM with a video track. */
export const chromiumVideoWebm = (): Buffer => fixture("chromium-video.webm");

/** The Opus packets of a single-track WebM without lacing, and its OpusHead (CodecPrivate); `zeroTimes` writes every timestamp as 0 in `buf`. */
export function webmOpusPackets(buf: Buffer, opts: { zeroTimes?: boolean } = {}): { head: Buffer; packets: Buffer[] } {
  const packets: Buffer[] = [];
  let head: Buffer | undefined;
  const vint = (at: number, marker: boolean): [number, number, boolean] => {
    const len = Math.clz32(buf[at]!) - 23;
    let v = marker ? buf[at]! : buf[at]! & (0xff >> len);
    let ones = v === 0xff >> len;
    for (let i = 1; i < len; i++) (v = v * 256 + buf[at + i]!), (ones &&= buf[at + i] === 0xff);
    return [v, len, !marker && ones];
  };
  const containers = new Set([0x18538067, 0x1f43b675, 0x1654ae6b, 0xae]);
  let at = 0;
  while (at < buf.length) {
    const [id, il] = vint(at, true);
    const [size, sl, unknown] = vint(at + il, false);
    const start = at + il + sl;
    if (containers.has(id)) {
      at = start;
      continue;
    }
    if (unknown) throw new Error("unknown size leaf");
    if (id === 0x63a2) head = buf.subarray(start, start + size);
    if (id === 0xa3) packets.push(buf.subarray(start + 4, start + size)); // track vint (1 byte), timecode (2), flags (1)
    // A lying client: every cluster's timecode and every block's relative time zero (in place).
    if (opts.zeroTimes && id === 0xe7) buf.fill(0, start, start + size);
    if (opts.zeroTimes && id === 0xa3) buf.fill(0, start + 1, start + 3);
    at = start + size;
  }
  if (!head) throw new Error("no CodecPrivate");
  return { head, packets };
}

/** Samples at 48 kHz one Opus packet decodes to (RFC 6716 §3.1). */
function packetSamples(p: Buffer): number {
  const config = p[0]! >> 3;
  const frame = config < 12 ? [480, 960, 1920, 2880][config & 3]! : config < 16 ? [480, 960][config & 1]! : [120, 240, 480, 960][config & 3]!;
  const code = p[0]! & 3;
  return frame * (code === 0 ? 1 : code === 3 ? p[1]! & 0x3f : 2);
}

let crcTable: Uint32Array | undefined;
function crc(page: Buffer): number {
  crcTable ??= Uint32Array.from({ length: 256 }, (_, i) => {
    let r = i << 24;
    for (let j = 0; j < 8; j++) r = (r & 0x80000000 ? (r << 1) ^ 0x04c11db7 : r << 1) >>> 0;
    return r;
  });
  let c = 0;
  for (const b of page) c = ((c << 8) ^ crcTable[((c >>> 24) ^ b) & 0xff]!) >>> 0;
  return c;
}

/** One Ogg page holding whole packets (RFC 3533). */
function page(type: number, granule: bigint, serial: number, seq: number, packets: Buffer[]): Buffer {
  const lacing: number[] = [];
  for (const p of packets) {
    for (let n = p.length; ; n -= 255) {
      lacing.push(Math.min(n, 255));
      if (n < 255) break;
    }
  }
  const header = Buffer.alloc(27 + lacing.length);
  header.write("OggS", 0, "latin1");
  header[5] = type;
  header.writeBigInt64LE(granule, 6);
  header.writeUInt32LE(serial, 14);
  header.writeUInt32LE(seq, 18);
  header[26] = lacing.length;
  Buffer.from(lacing).copy(header, 27);
  const out = Buffer.concat([header, ...packets]);
  out.writeUInt32LE(crc(out), 22);
  return out;
}

/**
 * An Ogg Opus file of these packets (headers on their own pages, then ~1 s of audio a page).
 * `lastGranule`: what the last page claims instead of the samples before it (a lying or trimming client).
 */
export function oggOpus(head: Buffer, packets: Buffer[], serial = 0x5eed, lastGranule?: bigint): Buffer {
  const vendor = Buffer.from("parley-test");
  const tags = Buffer.alloc(8 + 4 + vendor.length + 4);
  tags.write("OpusTags", 0, "latin1");
  tags.writeUInt32LE(vendor.length, 8);
  vendor.copy(tags, 12);
  const pages = [page(0x02, 0n, serial, 0, [head]), page(0, 0n, serial, 1, [tags])];
  let granule = 0n;
  for (let i = 0; i < packets.length; i += 50) {
    const chunk = packets.slice(i, i + 50);
    for (const p of chunk) granule += BigInt(packetSamples(p));
    const last = i + 50 >= packets.length;
    pages.push(page(last ? 0x04 : 0, last && lastGranule !== undefined ? lastGranule : granule, serial, pages.length, chunk));
  }
  return Buffer.concat(pages);
}

/** The Chromium recording remuxed into Ogg. */
export function chromiumOgg(): Buffer {
  const { head, packets } = webmOpusPackets(chromiumWebm());
  return oggOpus(head, packets);
}

/** An Ogg Vorbis stream's first page (identification header): Ogg, but not Opus. */
export function oggVorbis(): Buffer {
  const id = Buffer.alloc(30);
  id[0] = 1;
  id.write("vorbis", 1, "latin1");
  id[11] = 1; // channels
  id.writeUInt32LE(44_100, 12);
  id.writeInt32LE(96_000, 20); // nominal bitrate
  id[28] = 0xb8; // block sizes 256 / 2048
  id[29] = 1; // framing
  return page(0x02, 0n, 7, 0, [id]);
}

/** An MPEG-1 Layer III file: an ID3v2 tag and ten silent 128 kbit/s frames. */
export function mp3(): Buffer {
  const id3 = Buffer.from([0x49, 0x44, 0x33, 3, 0, 0, 0, 0, 0, 0]);
  const frame = Buffer.alloc(417);
  Buffer.from([0xff, 0xfb, 0x90, 0x64]).copy(frame);
  return Buffer.concat([id3, ...Array.from({ length: 10 }, () => frame)]);
}

/** WebKit's MediaRecorder (MiniBrowser, mock microphone), `audio/mp4` at 32 kbit/s: AAC-LC 44.1 kHz, fragmented, two moof+mdat pairs, 86 frames (~2 s). */
export const webkitAacMp4 = (): Buffer => fixture("webkit-aac-2s.mp4");
/** WebKit's MediaRecorder, `audio/mp4;codecs=opus` at 32 kbit/s: 100 packets of 20 ms, its dOps written little-endian. */
export const webkitOpusMp4 = (): Buffer => fixture("webkit-opus-2s.mp4");
/**
 * WebKit's MediaRecorder stopped 1.5 s in with a 250 ms timeslice, as the widget records: its last
 * fragment's moof written twice, byte for byte, before its mdat (the copy's offsets are the ones that hold).
 */
export const webkitStoppedMp4 = (): Buffer => fixture("webkit-opus-stopped.mp4");

const box = (type: string, ...parts: Buffer[]): Buffer => {
  const body = Buffer.concat(parts);
  const head = Buffer.alloc(8);
  head.writeUInt32BE(8 + body.length);
  head.write(type, 4, "latin1");
  return Buffer.concat([head, body]);
};
const u32s = (...values: number[]): Buffer => {
  const b = Buffer.alloc(values.length * 4);
  values.forEach((v, i) => b.writeUInt32BE(v >>> 0, i * 4));
  return b;
};

/** The top-level boxes of an MP4, as [type, start, end] (written here apart from server/src/voice/mp4.ts). */
export function mp4Boxes(buf: Buffer): [string, number, number][] {
  const out: [string, number, number][] = [];
  for (let at = 0; at < buf.length; ) {
    const size = buf.readUInt32BE(at);
    out.push([buf.toString("latin1", at + 4, at + 8), at, at + size]);
    at += size;
  }
  return out;
}

/**
 * An AAC MP4 made of WebKit's own header (its ftyp and moov: the esds says AAC-LC at 44.1 kHz) and
 * one fragment of `count` one-byte frames, each sample's duration written as `durationEach` (a
 * lying client writes what it likes here; each AAC frame still decodes to 1024 samples), as the
 * fragment's defaults (tfhd) so that a long one stays small. `video` renames the handler to
 * `vide`; `dataOffset` points the samples elsewhere than the mdat.
 */
export function aacMp4(count: number, durationEach = 1024, opts: { video?: boolean; dataOffset?: number } = {}): Buffer {
  const src = webkitAacMp4();
  const head = Buffer.concat(
    mp4Boxes(src)
      .filter(([t]) => t === "ftyp" || t === "moov")
      .map(([, s, e]) => src.subarray(s, e)),
  );
  if (opts.video) {
    const at = head.indexOf("soun", 0, "latin1");
    head.write("vide", at, "latin1");
  }
  // tfhd: default-base-is-moof, default duration and size; trun: a data offset only.
  const moofOf = (dataOffset: number) =>
    box("moof", box("mfhd", u32s(0, 1)), box("traf", box("tfhd", u32s(0x020018, 1, durationEach, 1)), box("trun", u32s(0x000001, count, dataOffset))));
  const size = moofOf(0).length;
  return Buffer.concat([head, moofOf(opts.dataOffset ?? size + 8), box("mdat", Buffer.alloc(count, 0x21))]);
}
