import { fileTypeFromFile } from "file-type";
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
