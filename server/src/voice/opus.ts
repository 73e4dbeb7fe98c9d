import { packetMs, refused, type VoiceProbe } from "./codec.js";

/**
 * The two Opus containers a voice message may come in, WebM and Ogg (mp4.ts reads the third).
 *
 * Our own strict readers, not music-metadata: its Matroska reader (v11, the last release for Node
 * 20) throws on the unknown-size Segment and Clusters that Chromium's MediaRecorder writes, which
 * is every recording this feature receives. Both formats are small and fully specified (RFC 9559
 * Matroska/EBML, RFC 3533 Ogg with RFC 7845 Opus mapping); every length read is bounds-checked.
 *
 * The duration is computed from the stream: WebM from the last audio block's timestamp plus that
 * packet's length (its Opus TOC byte), or the packets' lengths together where they play longer; Ogg from the packets themselves, each one's length from its
 * TOC byte, less the pre-skip. The last page's granule position, which the client writes, is taken
 * only where the format lets it differ: trimming the end by less than the last packet (red team 4:
 * a 600 s recording whose last page said 1 s was stored as 1 s, past the app's maximum). A WebM
 * header's Duration element is ignored: MediaRecorder writes none, and a client could.
 */

// --- WebM (EBML) ---------------------------------------------------------------------------------

const EBML_HEADER = 0x1a45dfa3;
const ID = {
  docType: 0x4282,
  segment: 0x18538067,
  info: 0x1549a966,
  timecodeScale: 0x2ad7b1,
  tracks: 0x1654ae6b,
  trackEntry: 0xae,
  trackNumber: 0xd7,
  trackType: 0x83,
  codecId: 0x86,
  audio: 0xe1,
  channels: 0x9f,
  cluster: 0x1f43b675,
  timecode: 0xe7,
  simpleBlock: 0xa3,
  blockGroup: 0xa0,
  block: 0xa1,
} as const;

/** Masters whose children are read in line, so an unknown size (all ones) needs no end. */
const ENTERED = new Set<number>([ID.segment, ID.cluster]);

interface Vint {
  value: number;
  length: number;
  /** All value bits set: "unknown size" (RFC 9559 §6.2). */
  unknown: boolean;
}

function vint(buf: Buffer, at: number, keepMarker: boolean): Vint {
  const first = buf[at];
  if (first === undefined || first === 0) throw malformed();
  const length = Math.clz32(first) - 23;
  if (length > 8 || at + length > buf.length) throw malformed();
  let value = keepMarker ? first : first & (0xff >> length);
  let ones = (first & (0xff >> length)) === 0xff >> length;
  for (let i = 1; i < length; i++) {
    const b = buf[at + i]!;
    value = value * 256 + b;
    ones &&= b === 0xff;
  }
  return { value, length, unknown: !keepMarker && ones };
}

const malformed = () => refused("malformed", "The recording's container is damaged or cut short");

function uint(buf: Buffer, at: number, size: number): number {
  let v = 0;
  for (let i = 0; i < size; i++) v = v * 256 + buf[at + i]!;
  return v;
}

interface Track {
  number: number;
  type: number;
  codec: string;
  channels: number;
}

export function probeWebm(buf: Buffer): VoiceProbe {
  const tracks: Track[] = [];
  let scaleNs = 1_000_000;
  let clusterTime = 0;
  let last: { time: number; packet: Buffer } | undefined;
  /** Every audio packet's length together: the timestamps are the client's, and could say less. */
  let packetsMs = 0;
  let docType = "";

  const readTracks = (from: number, to: number): void => {
    walk(buf, from, to, (id, start, end) => {
      if (id !== ID.trackEntry) return;
      const t: Track = { number: 0, type: 0, codec: "", channels: 1 };
      walk(buf, start, end, (id2, s2, e2) => {
        if (id2 === ID.trackNumber) t.number = uint(buf, s2, e2 - s2);
        else if (id2 === ID.trackType) t.type = uint(buf, s2, e2 - s2);
        else if (id2 === ID.codecId) t.codec = buf.toString("latin1", s2, e2);
        else if (id2 === ID.audio) walk(buf, s2, e2, (id3, s3, e3) => id3 === ID.channels && (t.channels = uint(buf, s3, e3 - s3)));
      });
      tracks.push(t);
    });
  };
  const block = (start: number, end: number): void => {
    const track = vint(buf, start, false);
    const at = start + track.length;
    if (at + 3 > end) throw malformed();
    const audio = tracks.find((t) => t.number === track.value);
    if (!audio) throw refused("unknown_track", "The recording has a block for a track it does not declare");
    const flags = buf[at + 2]!;
    // Laced blocks (several packets in one) are not written by recorders; their length would need the lace sizes.
    if ((flags & 0x06) !== 0) throw refused("laced", "Laced WebM blocks are not accepted in a voice message");
    last = { time: clusterTime + buf.readInt16BE(at), packet: buf.subarray(at + 3, end) };
    packetsMs += packetMs(last.packet);
  };

  let at = 0;
  while (at < buf.length) {
    const id = vint(buf, at, true);
    const size = vint(buf, at + id.length, false);
    const start = at + id.length + size.length;
    if (ENTERED.has(id.value)) {
      at = start; // read its children in line (Chromium writes these with an unknown size)
      continue;
    }
    if (size.unknown) throw malformed();
    const end = start + size.value;
    if (end > buf.length) {
      // A recording cut in its last block still plays up to there; anything else cut is damaged.
      if (id.value === ID.simpleBlock || id.value === ID.blockGroup) break;
      throw malformed();
    }
    switch (id.value) {
      case EBML_HEADER:
        walk(buf, start, end, (id2, s2, e2) => id2 === ID.docType && (docType = buf.toString("latin1", s2, e2).replace(/\0+$/, "")));
        if (docType !== "webm") throw refused("not_webm", "Only WebM (or Ogg) recordings are accepted", { docType });
        break;
      case ID.info:
        walk(buf, start, end, (id2, s2, e2) => id2 === ID.timecodeScale && (scaleNs = uint(buf, s2, e2 - s2)));
        break;
      case ID.tracks:
        readTracks(start, end);
        checkTracks(tracks);
        break;
      case ID.timecode:
        clusterTime = uint(buf, start, end - start);
        break;
      case ID.simpleBlock:
        block(start, end);
        break;
      case ID.blockGroup:
        walk(buf, start, end, (id2, s2, e2) => id2 === ID.block && block(s2, e2));
        break;
    }
    at = end;
  }
  if (docType !== "webm") throw malformed();
  const track = checkTracks(tracks);
  if (!scaleNs || scaleNs > 1e9) throw malformed();
  // The longer of the two: timestamps that say less than the packets play cannot shorten a recording.
  const durationMs = last ? Math.round(Math.max((last.time * scaleNs) / 1e6 + packetMs(last.packet), packetsMs)) : null;
  return { container: "webm", mime: "audio/webm", codec: "opus", durationMs, channels: track.channels };
}

/** The one audio track, Opus; anything else (video, Vorbis, two tracks) is refused. */
function checkTracks(tracks: Track[]): Track {
  if (tracks.some((t) => t.type !== 2)) throw refused("has_video", "A voice message is audio only: this recording has video");
  if (tracks.length !== 1) throw refused("tracks", "A voice message has exactly one audio track", { tracks: tracks.length });
  const t = tracks[0]!;
  if (t.codec !== "A_OPUS") throw refused("not_opus", "A voice message must be Opus audio", { codec: t.codec });
  return t;
}

/** Calls `each(id, start, end)` for every child of a known-size master in [from, to). */
function walk(buf: Buffer, from: number, to: number, each: (id: number, start: number, end: number) => unknown): void {
  let at = from;
  while (at < to) {
    const id = vint(buf, at, true);
    const size = vint(buf, at + id.length, false);
    const start = at + id.length + size.length;
    if (size.unknown || start + size.value > to) throw malformed();
    each(id.value, start, start + size.value);
    at = start + size.value;
  }
}

// --- Ogg ---------------------------------------------------------------------------------------

const OPUS_RATE = 48_000;

export function probeOgg(buf: Buffer): VoiceProbe {
  let at = 0;
  let serial: number | undefined;
  let first: Buffer | undefined;
  let granule = -1;
  // The stream's packets, from the pages' lacing values (a value under 255 ends a packet, which
  // may go on over pages): the first two are the headers, the rest audio, counted in 48 kHz samples.
  let packets = 0;
  let packet: Buffer[] = [];
  let samples = 0;
  let lastSamples = 0;
  while (at < buf.length) {
    if (at + 27 > buf.length || buf.toString("latin1", at, at + 4) !== "OggS" || buf[at + 4] !== 0) throw malformedOgg();
    const type = buf[at + 5]!;
    const segments = buf[at + 26]!;
    const tableEnd = at + 27 + segments;
    if (tableEnd > buf.length) throw malformedOgg();
    let bodySize = 0;
    for (let i = at + 27; i < tableEnd; i++) bodySize += buf[i]!;
    const end = tableEnd + bodySize;
    if (end > buf.length) throw malformedOgg();
    if (buf.readUInt32LE(at + 22) !== oggCrc(buf, at, end)) throw malformedOgg();
    const pageSerial = buf.readUInt32LE(at + 14);
    if (serial === undefined) {
      if (!(type & 0x02)) throw malformedOgg();
      serial = pageSerial;
      first = buf.subarray(tableEnd, end);
    } else if (pageSerial !== serial) {
      throw refused("streams", "A voice message has exactly one audio stream");
    }
    const g = buf.readBigInt64LE(at + 6);
    if (g >= 0n) granule = Number(g);
    let from = tableEnd;
    for (let i = at + 27; i < tableEnd; i++) {
      const lace = buf[i]!;
      packet.push(buf.subarray(from, from + lace));
      from += lace;
      if (lace === 255) continue;
      if (++packets > 2) {
        lastSamples = (packetMs(Buffer.concat(packet)) * OPUS_RATE) / 1000;
        samples += lastSamples;
      }
      packet = [];
    }
    at = end;
  }
  if (!first) throw malformedOgg();
  if (first.toString("latin1", 0, 8) !== "OpusHead" || first.length < 19) {
    const codec = first.toString("latin1", 1, 7) === "vorbis" ? "vorbis" : first.toString("latin1", 0, 8).replace(/[^\x20-\x7e]/g, "");
    throw refused("not_opus", "A voice message must be Opus audio", { codec });
  }
  const channels = first[9]!;
  const preSkip = first.readUInt16LE(10);
  // The end trimmed by the last page, where it trims less than the last packet; else the packets' sum.
  const played = granule >= samples - lastSamples && granule <= samples ? granule : samples;
  const durationMs = packets > 2 ? Math.max(0, Math.round(((played - preSkip) * 1000) / OPUS_RATE)) : null;
  return { container: "ogg", mime: "audio/ogg", codec: "opus", durationMs, channels };
}

const malformedOgg = () => refused("malformed", "The recording's Ogg pages are damaged or cut short");

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    let r = i << 24;
    for (let j = 0; j < 8; j++) r = r & 0x80000000 ? (r << 1) ^ 0x04c11db7 : r << 1;
    t[i] = r >>> 0;
  }
  return t;
})();

/** The page's CRC (RFC 3533: polynomial 0x04c11db7, computed with the CRC field zeroed). */
export function oggCrc(buf: Buffer, from: number, to: number): number {
  let crc = 0;
  for (let i = from; i < to; i++) {
    const b = i >= from + 22 && i < from + 26 ? 0 : buf[i]!;
    crc = ((crc << 8) ^ CRC_TABLE[((crc >>> 24) ^ b) & 0xff]!) >>> 0;
  }
  return crc;
}
