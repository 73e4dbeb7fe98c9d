import { fetchPreviewImage, type ImageFailure, type PreviewImage, type PreviewImageOptions } from "./image.js";
import { type LinkPreview, type UnfurlOptions, type UnfurlReason, unfurl } from "./unfurl.js";

/** A link's preview with its image re-encoded; a failed image leaves a text-only preview. */
export interface UnfurledWithImage {
  preview: LinkPreview | null;
  image: PreviewImage | null;
  /** Why no preview (then no image either). */
  reason: UnfurlReason | null;
  /** Why no image although the page named one. */
  imageReason: ImageFailure | null;
  /** The failure's details, for a log line. */
  detail: string | null;
}

/**
 * The page, then its image, each under its own deadline (so at most the two timeouts together).
 * `image` options default to the page's guard settings.
 */
export async function unfurlWithImage(url: string, options: UnfurlOptions & { image?: PreviewImageOptions } = {}): Promise<UnfurledWithImage> {
  const page = await unfurl(url, options);
  if (!page.preview) return { preview: null, image: null, reason: page.reason, imageReason: null, detail: page.detail };
  if (!page.preview.imageUrl) return { preview: page.preview, image: null, reason: null, imageReason: null, detail: null };
  const { allowPrivate, maxRedirects, allowHost, signal } = options;
  const got = await fetchPreviewImage(page.preview.imageUrl, { allowPrivate, maxRedirects, allowHost, signal, ...options.image });
  return got.image
    ? { preview: page.preview, image: got.image, reason: null, imageReason: null, detail: null }
    : { preview: page.preview, image: null, reason: null, imageReason: got.reason, detail: got.detail };
}
