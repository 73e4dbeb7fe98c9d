import { open } from "node:fs/promises";
import { fileTypeFromFile } from "file-type";
import { imageSize } from "image-size";
import { AppError } from "../shared/errors.js";
import { animationOf } from "./animation.js";

export const IMAGE_TYPES = new Map([
  ["image/png", "png"],
  ["image/jpeg", "jpg"],
  ["image/gif", "gif"],
  ["image/webp", "webp"],
]);

/**
 * The image types an attachment may keep: those whose decoded size we can bound, every frame of
 * an animation included (IMAGE_TYPES, plus animated PNG). Any other `image/*` type (AVIF, HEIC
 * and JPEG XL sequences, TIFF, BMP, ...) is stored as a plain file, so no client shows it inline.
 */
export const MEASURED_IMAGE_TYPES: ReadonlySet<string> = new Set([...IMAGE_TYPES.keys(), "image/apng"]);

export interface Sniffed {
  mime: string;
  ext: string;
}

/** The file's real type from its bytes; the client's filename and Content-Type are ignored. */
export async function sniff(file: string): Promise<Sniffed | undefined> {
  const t = await fileTypeFromFile(file);
  return t ? { mime: t.mime, ext: t.ext } : undefined;
}

/** Accepts only raster images we can show safely (no SVG: it can carry script). */
export async function sniffImage(file: string): Promise<Sniffed> {
  const t = await sniff(file);
  const ext = t && IMAGE_TYPES.get(t.mime);
  if (!t || !ext) throw new AppError("unsupported_media_type", "Only PNG, JPEG, GIF or WebP images are accepted");
  return { mime: t.mime, ext };
}

/** Enough of the file's head for image-size to find the dimensions of any supported format. */
const IMAGE_HEAD_BYTES = 512 * 1024;

/** Width and height from the image's head; null when the bytes do not parse. */
export async function imageDimensions(file: string): Promise<{ width: number | null; height: number | null }> {
  const handle = await open(file, "r");
  try {
    const buf = Buffer.alloc(IMAGE_HEAD_BYTES);
    const { bytesRead } = await handle.read(buf, 0, IMAGE_HEAD_BYTES, 0);
    const size = imageSize(buf.subarray(0, bytesRead));
    const ok = (n: number | undefined): n is number => typeof n === "number" && Number.isInteger(n) && n > 0 && n < 2 ** 31;
    return ok(size.width) && ok(size.height) ? { width: size.width, height: size.height } : { width: null, height: null };
  } catch {
    return { width: null, height: null };
  } finally {
    await handle.close();
  }
}

/**
 * Decoding a huge image costs every reader's browser memory: refuse them at upload. The bound is
 * on all the pixels a viewer decodes: for an animation, every frame (each at canvas size).
 */
export const MAX_IMAGE_PIXELS = 50_000_000;

/**
 * Width and height (of the first frame), or 413 when the image, or all frames of an animated
 * PNG, GIF or WebP together, are over MAX_IMAGE_PIXELS.
 */
export async function checkedDimensions(file: string): Promise<{ width: number | null; height: number | null }> {
  const d = await imageDimensions(file);
  const mp = MAX_IMAGE_PIXELS / 1_000_000;
  if (d.width !== null && d.height !== null && d.width * d.height > MAX_IMAGE_PIXELS) {
    throw new AppError("payload_too_large", `Images over ${mp} megapixels are refused`, { width: d.width, height: d.height });
  }
  const animation = await animationOf(file, MAX_IMAGE_PIXELS);
  if (animation && animation.pixels > MAX_IMAGE_PIXELS) {
    throw new AppError("payload_too_large", `Animations over ${mp} megapixels across all frames are refused`, {
      width: d.width,
      height: d.height,
      frames: animation.frames,
      maxPixels: MAX_IMAGE_PIXELS,
    });
  }
  return d;
}
