import { open, type FileHandle } from "node:fs/promises";

/** An animation's frame count and the pixels a viewer decodes to show all of its frames. */
export interface Animation {
  frames: number;
  /** Each frame counted at the size a browser decodes it to (the canvas, or the frame if larger). */
  pixels: number;
}

/**
 * The frames of an animated PNG, GIF or WebP, read from chunk and block headers only (no pixel
 * data is decoded). `null` for a still image or any other format: its first frame is all there
 * is, and image-size measures that. Stops walking as soon as `limit` pixels are exceeded, so a
 * file of millions of tiny frames costs no more than the first frames past the limit.
 *
 * A browser keeps decoded frames as canvas-sized bitmaps, so a frame counts as the whole canvas
 * however small its own rectangle is: a 1-pixel delta frame still costs a full canvas to show.
 */
export async function animationOf(file: string, limit: number): Promise<Animation | null> {
  const handle = await open(file, "r");
  try {
    const r = new WindowReader(handle, (await handle.stat()).size);
    const head = r.view(0, 12) ?? (await r.read(0, 12));
    if (!head) return null;
    if (head.subarray(0, 8).equals(PNG_SIGNATURE)) return await apng(r, limit);
    if (head.toString("latin1", 0, 6) === "GIF87a" || head.toString("latin1", 0, 6) === "GIF89a") return await gif(r, limit);
    if (head.toString("latin1", 0, 4) === "RIFF" && head.toString("latin1", 8, 12) === "WEBP") return await webp(r, limit);
    return null;
  } finally {
    await handle.close();
  }
}

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/**
 * APNG: the canvas is IHDR's size; `acTL` declares the frame count and each frame has an `fcTL`.
 * The larger of the declared and the present count is used (a decoder may trust either). The
 * default image (IDAT) is decoded as well when no `fcTL` precedes it, so it counts as a frame.
 */
async function apng(r: WindowReader, limit: number): Promise<Animation | null> {
  const ihdr = r.view(8, 25) ?? (await r.read(8, 25));
  if (ihdr?.toString("latin1", 4, 8) !== "IHDR") return null;
  const canvas = ihdr.readUInt32BE(8) * ihdr.readUInt32BE(12);
  let declared: number | null = null;
  let fctlPixels = 0;
  let fctlFrames = 0;
  let defaultIsFrame = false;
  let seenIdat = false;
  for (let pos = 8; ; ) {
    const h = r.view(pos, 8) ?? (await r.read(pos, 8));
    if (!h) break;
    const len = h.readUInt32BE(0);
    const type = h.toString("latin1", 4, 8);
    if (type === "acTL") {
      const d = r.view(pos + 8, 4) ?? (await r.read(pos + 8, 4));
      if (d) declared = d.readUInt32BE(0);
    } else if (type === "fcTL") {
      const d = r.view(pos + 8, 12) ?? (await r.read(pos + 8, 12));
      if (d) {
        if (!seenIdat) defaultIsFrame = true;
        fctlFrames++;
        fctlPixels += Math.max(canvas, d.readUInt32BE(4) * d.readUInt32BE(8));
      }
    } else if (type === "IDAT") {
      seenIdat = true;
    } else if (type === "IEND") {
      break;
    }
    if (declared !== null && fctlPixels > limit) break;
    pos += 12 + len;
  }
  if (declared === null) return null; // no acTL: a plain PNG, whatever else it carries
  const frames = Math.max(declared, fctlFrames) + (defaultIsFrame ? 0 : 1);
  const pixels = fctlPixels + (frames - fctlFrames) * canvas;
  return frames > 1 ? { frames, pixels } : null;
}

/**
 * GIF: the canvas is the logical screen; every image descriptor is a frame, composed onto a
 * canvas that grows to hold a frame placed past its edge (as browsers do).
 */
async function gif(r: WindowReader, limit: number): Promise<Animation | null> {
  const lsd = r.view(6, 7) ?? (await r.read(6, 7));
  if (!lsd) return null;
  const cw = lsd.readUInt16LE(0);
  const ch = lsd.readUInt16LE(2);
  let pos = 13 + colourTableBytes(lsd[4]!);
  let frames = 0;
  let pixels = 0;
  while (pixels <= limit) {
    const b = r.view(pos, 1) ?? (await r.read(pos, 1));
    if (!b || b[0] === 0x3b) break;
    if (b[0] === 0x21) {
      pos = await skipSubBlocks(r, pos + 2);
    } else if (b[0] === 0x2c) {
      const d = r.view(pos + 1, 9) ?? (await r.read(pos + 1, 9));
      if (!d) break;
      const [left, top, w, h] = [d.readUInt16LE(0), d.readUInt16LE(2), d.readUInt16LE(4), d.readUInt16LE(6)];
      frames++;
      pixels += Math.max(cw, left + w) * Math.max(ch, top + h);
      pos = await skipSubBlocks(r, pos + 10 + colourTableBytes(d[8]!) + 1); // + LZW minimum code size
    } else {
      break; // not a block a decoder would read on from
    }
    if (pos < 0) break;
  }
  return frames > 1 ? { frames, pixels } : null;
}

const colourTableBytes = (flags: number): number => (flags & 0x80 ? 3 * (1 << ((flags & 0x07) + 1)) : 0);

/** Position after a GIF sub-block chain starting at `pos`; -1 when the file ends inside it. */
async function skipSubBlocks(r: WindowReader, pos: number): Promise<number> {
  for (;;) {
    const n = r.byte(pos) ?? (await r.read(pos, 1))?.[0];
    if (n === undefined) return -1;
    pos += 1 + n;
    if (n === 0) return pos;
  }
}

/** Animated WebP: the canvas is VP8X's; every ANMF chunk is a frame. */
async function webp(r: WindowReader, limit: number): Promise<Animation | null> {
  let canvas = 0;
  let frames = 0;
  let pixels = 0;
  for (let pos = 12; pixels <= limit; ) {
    const h = r.view(pos, 8) ?? (await r.read(pos, 8));
    if (!h) break;
    const type = h.toString("latin1", 0, 4);
    const len = h.readUInt32LE(4);
    if (type === "VP8X") {
      const d = r.view(pos + 8, 10) ?? (await r.read(pos + 8, 10));
      if (d) canvas = (1 + d.readUIntLE(4, 3)) * (1 + d.readUIntLE(7, 3));
    } else if (type === "ANMF") {
      const d = r.view(pos + 8, 12) ?? (await r.read(pos + 8, 12));
      if (!d) break;
      frames++;
      pixels += Math.max(canvas, (1 + d.readUIntLE(6, 3)) * (1 + d.readUIntLE(9, 3)));
    }
    pos += 8 + len + (len & 1);
  }
  return frames > 1 ? { frames, pixels } : null;
}

/**
 * Positional reads through a 64 KB window, so walking many small headers costs few syscalls.
 * `view` and `byte` answer synchronously inside the window (undefined outside it); `read` moves
 * the window. Call sites use `r.view(p, n) ?? (await r.read(p, n))`: an await per header would
 * cost seconds on a file of millions of tiny blocks.
 */
class WindowReader {
  private static readonly WINDOW = 64 * 1024;
  private buf = Buffer.alloc(0);
  private start = 0;

  constructor(
    private readonly handle: FileHandle,
    private readonly size: number,
  ) {}

  view(pos: number, len: number): Buffer | undefined {
    const o = pos - this.start;
    return o >= 0 && o + len <= this.buf.length ? this.buf.subarray(o, o + len) : undefined;
  }

  byte(pos: number): number | undefined {
    return pos >= this.start ? this.buf[pos - this.start] : undefined;
  }

  /** `len` bytes at `pos` (the window moves there), or null past the end of the file. */
  async read(pos: number, len: number): Promise<Buffer | null> {
    if (pos < 0 || pos + len > this.size) return null;
    const want = Math.min(Math.max(len, WindowReader.WINDOW), this.size - pos);
    const buf = Buffer.alloc(want);
    const { bytesRead } = await this.handle.read(buf, 0, want, pos);
    this.buf = buf.subarray(0, bytesRead);
    this.start = pos;
    return bytesRead < len ? null : this.buf.subarray(0, len);
  }
}
