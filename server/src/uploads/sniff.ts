import { open } from "node:fs/promises";
import { fileTypeFromFile } from "file-type";
import { imageSize } from "image-size";
import { AppError } from "../shared/errors.js";

export const IMAGE_TYPES = new Map([
  ["image/png", "png"],
  ["image/jpeg", "jpg"],
  ["image/gif", "gif"],
  ["image/webp", "webp"],
]);

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

/** Decoding a huge image costs every reader's browser memory: refuse them at upload. */
export const MAX_IMAGE_PIXELS = 50_000_000;

/** Width and height, or 413 when the image is over MAX_IMAGE_PIXELS. */
export async function checkedDimensions(file: string): Promise<{ width: number | null; height: number | null }> {
  const d = await imageDimensions(file);
  if (d.width !== null && d.height !== null && d.width * d.height > MAX_IMAGE_PIXELS) {
    throw new AppError("payload_too_large", `Images over ${MAX_IMAGE_PIXELS / 1_000_000} megapixels are refused`, { width: d.width, height: d.height });
  }
  return d;
}
