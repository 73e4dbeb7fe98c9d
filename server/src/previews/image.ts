import { fileTypeFromBuffer } from "file-type";
import sharp from "sharp";
import { type FetchFailure, guardedGet } from "./guarded-get.js";
import { DEFAULT_UNFURL, type FetchOptions, fetchSettings } from "./unfurl.js";

/*
 * A preview's image, made Parley's own: fetched through the same guard as the page, its bytes
 * sniffed (the Content-Type is the remote's claim, not a fact), decoded within a pixel budget and
 * re-encoded as a small WebP with no metadata. What a reader's browser gets is our encoder's
 * output, served by Parley: it never contacts the linked site, and a crafted file never reaches
 * its image decoder.
 */

export interface PreviewImage {
  bytes: Buffer;
  mime: "image/webp";
  width: number;
  height: number;
}

export interface PreviewImageOptions extends FetchOptions {
  /** Bytes fetched at most; a longer image is refused (a cut image is no image). */
  maxBytes?: number;
  /** Decoded pixels at most (width × height of the first frame), checked by the decoder before decoding. */
  maxInputPixels?: number;
  /** The result fits in a square this size, never enlarged. */
  maxSide?: number;
}

export const DEFAULT_PREVIEW_IMAGE = {
  timeoutMs: 4000,
  maxBytes: 5 * 1024 * 1024,
  maxInputPixels: 25_000_000,
  maxSide: 600,
  quality: 80,
} as const;

/** Why no image: a fetch failure, bytes that are not a raster image we accept, or a decoder's refusal (too many pixels, corrupt). */
export type ImageFailure = FetchFailure | "not_an_image" | "undecodable";

export type FetchedImage = { image: PreviewImage; reason: null } | { image: null; reason: ImageFailure; detail: string };

/** What the bytes must be, whatever the server said: raster formats only (SVG can carry script and fetch things). */
const RASTER = new Set(["image/png", "image/apng", "image/jpeg", "image/gif", "image/webp", "image/avif"]);

/** Fetches `url` (an image a page named) and re-encodes it. Never throws for remote failures. */
export async function fetchPreviewImage(url: string, options: PreviewImageOptions = {}): Promise<FetchedImage> {
  const got = await guardedGet(url, {
    ...fetchSettings(options, options.timeoutMs ?? DEFAULT_PREVIEW_IMAGE.timeoutMs),
    maxBytes: options.maxBytes ?? DEFAULT_PREVIEW_IMAGE.maxBytes,
    overCap: "fail",
    accept: (mime) => mime.startsWith("image/"),
    headers: { "User-Agent": DEFAULT_UNFURL.userAgent, Accept: "image/webp,image/png,image/jpeg,image/gif;q=0.9", "Accept-Encoding": "identity" },
  });
  if (!got.ok) return { image: null, reason: got.reason, detail: got.detail };
  return reencode(got.body, options);
}

/** `bytes` as a bounded WebP (the first frame of an animation), or why not. */
export async function reencode(bytes: Buffer, options: Pick<PreviewImageOptions, "maxInputPixels" | "maxSide"> = {}): Promise<FetchedImage> {
  const type = await fileTypeFromBuffer(bytes);
  if (!type || !RASTER.has(type.mime)) return { image: null, reason: "not_an_image", detail: type?.mime ?? "unknown bytes" };
  const side = options.maxSide ?? DEFAULT_PREVIEW_IMAGE.maxSide;
  try {
    const { data, info } = await sharp(bytes, {
      limitInputPixels: options.maxInputPixels ?? DEFAULT_PREVIEW_IMAGE.maxInputPixels,
      // One frame only: an animation's first (pages: 1 is sharp's default, said here because it matters).
      pages: 1,
      failOn: "error",
    })
      .timeout({ seconds: 3 })
      // Orientation applied before the metadata goes (sharp drops EXIF, ICC and XMP unless asked to keep them).
      .rotate()
      .resize(side, side, { fit: "inside", withoutEnlargement: true })
      .webp({ quality: DEFAULT_PREVIEW_IMAGE.quality })
      .toBuffer({ resolveWithObject: true });
    return { image: { bytes: data, mime: "image/webp", width: info.width, height: info.height }, reason: null };
  } catch (err) {
    return { image: null, reason: "undecodable", detail: err instanceof Error ? err.message.slice(0, 200) : "decoder failed" };
  }
}
