import { packetMs, refused, type VoiceProbe } from "./codec.js";

/**
 * Reads a voice message in MP4 (ISO BMFF, ISO/IEC 14496-12): what Safari's and WebKit's
 * MediaRecorder write (`audio/mp4`, AAC; WebKit also Opus), fragmented (an empty sample table in
 * `moov`, then `moof` + `mdat` pairs) or not. One sound track, AAC (LC or HE, from the `esds`
 * AudioSpecificConfig) or Opus (`dOps`); anything else is refused with the same reasons as WebM.
 *
 * The length is the audio's own, never a duration the client wrote (mvhd, tkhd, mdhd, mehd, the
 * samples' durations in stts or trun all go unread): AAC from the count of its frames present in
 * the file (each decodes to 1024 samples at the config's rate), Opus from each packet's TOC byte
 * less the pre-skip. A frame is counted only where its bytes are there, inside an `mdat`: a file
 * cut in its last frames plays, and is counted, up to the cut. WebKit's files are read mended
 * (mendWebkitMp4, which recording.ts applies first).
 */
export function probeMp4(buf: Buffer): VoiceProbe {
  let track: SoundTrack | undefined;
  let tracks = 0;
  const mdats: [number, number][] = [];
  const runs: SampleRun[] = [];
  let seenFtyp = false;
  for (const b of boxes(buf, 0, buf.length, true)) {
    if (b.type === "ftyp") seenFtyp = true;
    else if (!seenFtyp) throw malformedMp4();
    else if (b.type === "moov") {
      for (const t of children(buf, b, "trak")) {
        tracks++;
        track = readTrak(buf, t);
      }
      // Fragments' default sample size (trex), for runs that give none.
      const mvex = child(buf, b, "mvex");
      for (const trex of mvex ? children(buf, mvex, "trex") : []) {
        if (track && u32(buf, trex, trex.start + 4) === track.id) track.defaultSize = u32(buf, trex, trex.start + 16);
      }
    } else if (b.type === "moof") runs.push(...readMoof(buf, b, track));
    else if (b.type === "mdat") mdats.push([b.start, b.end]);
  }
  if (!seenFtyp || !track) throw malformedMp4();
  if (tracks !== 1) throw refused("tracks", "A voice message has exactly one audio track", { tracks });
  runs.unshift(...track.tableRuns);

  // The frames whose bytes are in an mdat, in the file.
  const inMdat = (from: number, to: number): boolean => mdats.some(([s, e]) => from >= s && to <= e);
  let frames = 0;
  let opusMs = 0;
  for (const run of runs) {
    let at = run.offset;
    for (const size of run.sizes) {
      if (at + size > buf.length) break; // cut short: what is there plays
      if (size === 0 || !inMdat(at, at + size)) throw malformedMp4();
      frames++;
      if (track.codec === "opus") opusMs += packetMs(buf.subarray(at, at + size));
      at += size;
    }
  }
  const durationMs =
    frames === 0
      ? null
      : track.codec === "aac"
        ? Math.round((frames * 1024 * 1000) / track.rate)
        : Math.max(0, Math.round(opusMs - (track.preSkip * 1000) / 48_000));
  return { container: "mp4", mime: "audio/mp4", codec: track.codec, durationMs, channels: track.channels };
}

const malformedMp4 = () => refused("malformed", "The recording's MP4 boxes are damaged or cut short");

interface Box {
  type: string;
  /** Its first byte (the size's). */
  at: number;
  /** Its payload: after the size and type (and a 64-bit size). */
  start: number;
  end: number;
}

/** The boxes in [from, to); at the top level a cut last box ends at the file's end (a cut mdat still plays). */
function* boxes(buf: Buffer, from: number, to: number, top = false): Generator<Box> {
  let at = from;
  while (at < to) {
    if (at + 8 > to) throw malformedMp4();
    let size = buf.readUInt32BE(at);
    const type = buf.toString("latin1", at + 4, at + 8);
    let start = at + 8;
    if (size === 1) {
      if (at + 16 > to) throw malformedMp4();
      size = Number(buf.readBigUInt64BE(at + 8));
      start = at + 16;
    } else if (size === 0) size = to - at; // to the end
    if (size < start - at) throw malformedMp4();
    let end = at + size;
    if (end > to) {
      if (!top || type !== "mdat") throw malformedMp4();
      end = to;
    }
    yield { type, at, start, end };
    at = end;
  }
}

const child = (buf: Buffer, parent: Box, type: string): Box | undefined => children(buf, parent, type)[0];
const children = (buf: Buffer, parent: Box, type: string): Box[] => [...boxes(buf, parent.start, parent.end)].filter((b) => b.type === type);
function need(b: Box | undefined): Box {
  if (!b) throw malformedMp4();
  return b;
}
/** A field of a box: bounds-checked against the box, not only the file. */
function u32(buf: Buffer, box: Box, at: number): number {
  if (at + 4 > box.end) throw malformedMp4();
  return buf.readUInt32BE(at);
}

interface SampleRun {
  /** Where its first sample starts in the file. */
  offset: number;
  sizes: number[];
}

interface SoundTrack {
  id: number;
  codec: "aac" | "opus";
  channels: number;
  /** AAC: the config's sampling rate, the frames' clock. */
  rate: number;
  /** Opus: 48 kHz samples the decoder drops at the start. */
  preSkip: number;
  /** Fragmented files' defaults (trex). */
  defaultSize: number;
  /** The samples of a file that is not fragmented (stsz, stsc, stco), as chunks. */
  tableRuns: SampleRun[];
}

function readTrak(buf: Buffer, trak: Box): SoundTrack {
  const tkhd = need(child(buf, trak, "tkhd"));
  const id = u32(buf, tkhd, tkhd.start + (buf[tkhd.start] === 1 ? 20 : 12));
  const mdia = need(child(buf, trak, "mdia"));
  const hdlr = need(child(buf, mdia, "hdlr"));
  const handler = buf.toString("latin1", hdlr.start + 8, Math.min(hdlr.end, hdlr.start + 12));
  if (handler === "vide") throw refused("has_video", "A voice message is audio only: this recording has video");
  if (handler !== "soun") throw refused("tracks", "A voice message has exactly one audio track", { handler });
  const stbl = need(child(buf, need(child(buf, mdia, "minf")), "stbl"));
  const stsd = need(child(buf, stbl, "stsd"));
  if (u32(buf, stsd, stsd.start + 4) !== 1) throw refused("tracks", "A voice message has exactly one audio format");
  const entry = need([...boxes(buf, stsd.start + 8, stsd.end)][0]);
  // AudioSampleEntry: 28 bytes (channel count at 16), then its own boxes.
  if (entry.start + 28 > entry.end) throw malformedMp4();
  const track: SoundTrack = { id, codec: "aac", channels: buf.readUInt16BE(entry.start + 16), rate: 0, preSkip: 0, defaultSize: 0, tableRuns: [] };
  const inner: Box = { type: entry.type, at: entry.at, start: entry.start + 28, end: entry.end };
  if (entry.type === "mp4a") Object.assign(track, aacConfig(buf, need(child(buf, inner, "esds"))));
  else if (entry.type === "Opus") {
    const dOps = need(child(buf, inner, "dOps"));
    if (dOps.start + 11 > dOps.end) throw malformedMp4();
    // Big-endian by the spec (Opus in ISOBMFF §4.3.2); WebKit writes it little-endian, as in Ogg's
    // OpusHead, which its input rate shows (48000 read big-endian is 0x0000bb80, little 0x80bb0000).
    const little = buf.readUInt32BE(dOps.start + 4) > 0x00ffffff;
    const preSkip = little ? buf.readUInt16LE(dOps.start + 2) : buf.readUInt16BE(dOps.start + 2);
    Object.assign(track, { codec: "opus", channels: buf[dOps.start + 1]!, preSkip });
  } else throw refused("not_opus", "A voice message must be Opus or AAC audio", { codec: entry.type.replace(/[^\x20-\x7e]/g, "") });
  track.tableRuns = sampleTable(buf, stbl);
  return track;
}

/** The AudioSpecificConfig inside the esds descriptors (ISO/IEC 14496-1 §7.2.6, 14496-3 §1.6.2.1). */
function aacConfig(buf: Buffer, esds: Box): { codec: "aac"; rate: number; channels: number } {
  let at = esds.start + 4;
  const descriptor = (tag: number): number => {
    if (buf[at] !== tag) throw refused("not_opus", "A voice message must be Opus or AAC audio");
    at++;
    let len = 0;
    for (let i = 0; i < 4; i++) {
      const b = buf[at++];
      if (b === undefined) throw malformedMp4();
      len = (len << 7) | (b & 0x7f);
      if (!(b & 0x80)) break;
    }
    if (at + len > esds.end) throw malformedMp4();
    return len;
  };
  descriptor(0x03);
  const flags = buf[at + 2]!;
  at += 3 + (flags & 0x80 ? 2 : 0) + (flags & 0x40 ? 1 + buf[at + 3]! : 0) + (flags & 0x20 ? 2 : 0);
  descriptor(0x04);
  if (buf[at] !== 0x40) throw refused("not_opus", "A voice message must be Opus or AAC audio", { objectType: buf[at] });
  at += 13;
  descriptor(0x05);
  if (at + 2 > esds.end) throw malformedMp4();
  const bits = buf.readUInt16BE(at);
  const objectType = bits >> 11;
  const rateIndex = (bits >> 7) & 0x0f;
  // LC, and HE (SBR, PS) whose frames are 1024 samples at this, the core rate.
  if (![2, 5, 29].includes(objectType)) throw refused("not_opus", "A voice message must be Opus or AAC (LC or HE) audio", { objectType });
  const rate = AAC_RATES[rateIndex];
  if (!rate) throw malformedMp4();
  return { codec: "aac", rate, channels: (bits >> 3) & 0x0f };
}

const AAC_RATES = [96000, 88200, 64000, 48000, 44100, 32000, 24000, 22050, 16000, 12000, 11025, 8000, 7350];

/** A file that is not fragmented: stsz's sizes laid out in stco's chunks as stsc says. Empty in a fragmented one. */
function sampleTable(buf: Buffer, stbl: Box): SampleRun[] {
  const stsz = child(buf, stbl, "stsz");
  const stsc = child(buf, stbl, "stsc");
  const stco = child(buf, stbl, "stco") ?? child(buf, stbl, "co64");
  if (!stsz || !stsc || !stco) throw malformedMp4();
  const fixed = u32(buf, stsz, stsz.start + 4);
  const count = u32(buf, stsz, stsz.start + 8);
  if (count === 0) return [];
  if (fixed === 0 && stsz.start + 12 + count * 4 > stsz.end) throw malformedMp4();
  const sizeOf = (i: number): number => (fixed !== 0 ? fixed : buf.readUInt32BE(stsz.start + 12 + i * 4));
  const wide = stco.type === "co64";
  const chunks = u32(buf, stco, stco.start + 4);
  if (stco.start + 8 + chunks * (wide ? 8 : 4) > stco.end) throw malformedMp4();
  const chunkAt = (i: number): number => (wide ? Number(buf.readBigUInt64BE(stco.start + 8 + i * 8)) : buf.readUInt32BE(stco.start + 8 + i * 4));
  const entries = u32(buf, stsc, stsc.start + 4);
  if (entries === 0 || stsc.start + 8 + entries * 12 > stsc.end) throw malformedMp4();
  const runs: SampleRun[] = [];
  let sample = 0;
  for (let e = 0; e < entries && sample < count; e++) {
    const first = buf.readUInt32BE(stsc.start + 8 + e * 12) - 1;
    const perChunk = buf.readUInt32BE(stsc.start + 12 + e * 12);
    const nextFirst = e + 1 < entries ? buf.readUInt32BE(stsc.start + 20 + e * 12) - 1 : chunks;
    if (first < 0 || nextFirst > chunks || nextFirst < first || perChunk === 0) throw malformedMp4();
    for (let c = first; c < nextFirst && sample < count; c++) {
      const sizes: number[] = [];
      for (let k = 0; k < perChunk && sample < count; k++) sizes.push(sizeOf(sample++));
      runs.push({ offset: chunkAt(c), sizes });
    }
  }
  if (sample !== count) throw malformedMp4();
  return runs;
}

/** A fragment's runs of samples (tfhd + trun, ISO/IEC 14496-12 §8.8.7, §8.8.8), for the one track. */
function readMoof(buf: Buffer, moof: Box, track: SoundTrack | undefined): SampleRun[] {
  if (!track) throw malformedMp4();
  const runs: SampleRun[] = [];
  for (const traf of children(buf, moof, "traf")) {
    const tfhd = need(child(buf, traf, "tfhd"));
    const flags = u32(buf, tfhd, tfhd.start) & 0xffffff;
    if (u32(buf, tfhd, tfhd.start + 4) !== track.id) throw refused("unknown_track", "The recording has samples for a track it does not declare");
    let at = tfhd.start + 8;
    // No base offset: the moof's first byte (and so with default-base-is-moof).
    let base = moof.at;
    if (flags & 0x01) {
      if (at + 8 > tfhd.end) throw malformedMp4();
      base = Number(buf.readBigUInt64BE(at));
      at += 8;
    }
    if (flags & 0x02) at += 4;
    if (flags & 0x08) at += 4;
    const defaultSize = flags & 0x10 ? u32(buf, tfhd, at) : track.defaultSize;
    // Runs without a data offset go on where the previous one ended.
    let next = base;
    for (const trun of children(buf, traf, "trun")) {
      const tf = u32(buf, trun, trun.start) & 0xffffff;
      const count = u32(buf, trun, trun.start + 4);
      let p = trun.start + 8;
      let offset = next;
      if (tf & 0x001) offset = base + buf.readInt32BE((p += 4) - 4);
      if (tf & 0x004) p += 4;
      const fields = [0x100, 0x200, 0x400, 0x800].filter((f) => tf & f).length;
      if (p + count * fields * 4 > trun.end) throw malformedMp4();
      const sizeAt = tf & 0x100 ? 4 : 0;
      const sizes: number[] = [];
      for (let i = 0; i < count; i++) sizes.push(tf & 0x200 ? buf.readUInt32BE(p + i * fields * 4 + sizeAt) : defaultSize);
      runs.push({ offset, sizes });
      next = offset + sizes.reduce((a, b) => a + b, 0);
    }
  }
  return runs;
}

/**
 * WebKitGTK's recorder, stopped mid-fragment, writes that last fragment's moof twice and starts it
 * with a frame that other engines' decoders refuse (Chromium and Firefox stop playing there, and
 * decodeAudioData fails). The file as every engine plays it: the first copy dropped, and the first
 * frame of the fragment left unreferenced (its trun one sample shorter, its tfdt a frame later).
 * Null when there is nothing to mend, or the fragment is not laid out as WebKit writes it.
 */
export function mendWebkitMp4(buf: Buffer): Buffer | null {
  const top = [...boxes(buf, 0, buf.length, true)];
  const bytesOf = (b: Box) => buf.subarray(b.at, b.end);
  const out: Buffer[] = [];
  let mended = false;
  for (const [i, b] of top.entries()) {
    const next = top[i + 1];
    if (next && bytesOf(next).equals(bytesOf(b))) {
      mended = true;
      continue;
    }
    const prev = top[i - 1];
    const repeated = prev !== undefined && b.type === "moof" && bytesOf(prev).equals(bytesOf(b));
    out.push(repeated ? (dropFirstSample(buf, b) ?? bytesOf(b)) : bytesOf(b));
  }
  return mended ? Buffer.concat(out) : null;
}

function writeBox(type: string, ...parts: Buffer[]): Buffer {
  const head = Buffer.alloc(8);
  head.write(type, 4, "latin1");
  const body = Buffer.concat(parts);
  head.writeUInt32BE(8 + body.length);
  return Buffer.concat([head, body]);
}

/** The moof with its one run's first sample left out, or null if it is not one traf with one trun giving offsets and sizes. */
function dropFirstSample(buf: Buffer, moof: Box): Buffer | null {
  const trafs = children(buf, moof, "traf");
  if (trafs.length !== 1) return null;
  const inner = [...boxes(buf, trafs[0]!.start, trafs[0]!.end)];
  const runs = inner.filter((b) => b.type === "trun");
  const trun = runs[0];
  if (runs.length !== 1 || !trun) return null;
  const flags = u32(buf, trun, trun.start) & 0xffffff;
  const count = u32(buf, trun, trun.start + 4);
  if (!(flags & 0x001) || !(flags & 0x200) || count < 2) return null;
  const fields = [0x100, 0x200, 0x400, 0x800].filter((f) => flags & f).length;
  const entries = trun.start + 12 + (flags & 0x004 ? 4 : 0);
  if (entries + count * fields * 4 > trun.end) return null;
  const duration = flags & 0x100 ? buf.readUInt32BE(entries) : 0;
  const size = buf.readUInt32BE(entries + (flags & 0x100 ? 4 : 0));
  const head = Buffer.from(buf.subarray(trun.start, entries));
  head.writeUInt32BE(count - 1, 4);
  // The moof shrinks by one entry, and the run starts one frame further into the mdat.
  head.writeInt32BE(buf.readInt32BE(trun.start + 8) - fields * 4 + size, 8);
  const parts = inner.map((b) => {
    if (b === trun) return writeBox("trun", head, buf.subarray(entries + fields * 4, trun.end));
    const bytes = Buffer.from(buf.subarray(b.at, b.end));
    if (b.type === "tfdt") {
      const at = b.start - b.at + 4;
      if (buf[b.start] === 1) bytes.writeBigUInt64BE(bytes.readBigUInt64BE(at) + BigInt(duration), at);
      else bytes.writeUInt32BE(bytes.readUInt32BE(at) + duration, at);
    }
    return bytes;
  });
  const others = [...boxes(buf, moof.start, moof.end)].map((b) => (b.type === "traf" ? writeBox("traf", ...parts) : buf.subarray(b.at, b.end)));
  return writeBox("moof", ...others);
}
