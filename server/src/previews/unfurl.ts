import { allowedRanges } from "./address-guard.js";
import { decodeHtml } from "./charset.js";
import { type FetchFailure, type GuardedGetOptions, guardedGet } from "./guarded-get.js";
import { readMeta } from "./html-meta.js";

/*
 * A link's preview, fetched off the send path (issue 33). Nothing the linked site does makes this
 * throw: every remote failure is an answer `{ preview: null, reason, detail }` the caller can log,
 * and a bounded one: one deadline for the whole redirect chain and body, a byte cap, reading
 * stopped at `</head>`, and every hop's address checked where the socket connects
 * (guarded-get.ts). The image is fetched separately (image.ts), so a caller can cache and store it.
 */

/** A page's preview: plain text (no markup, no controls, clipped) and the absolute URL of its image, if any. */
export interface LinkPreview {
  /** The link as the message had it (normalized by URL parsing); the preview describes where it led. */
  url: string;
  title: string | null;
  description: string | null;
  siteName: string | null;
  /** The page's image on the linked site: fetch it with fetchPreviewImage, never hand it to a browser. */
  imageUrl: string | null;
}

export interface FetchOptions {
  /**
   * CIDRs of private addresses that may be reached anyway (e.g. ["127.0.0.2/32"] in a test,
   * ["10.1.0.0/16"] for a deployment's intranet). Everything else that is not globally routable
   * unicast is refused, hop by hop, at connect time. Default: none.
   */
  allowPrivate?: readonly string[];
  /** Whole-operation deadline, connect to last byte over every redirect. */
  timeoutMs?: number;
  maxRedirects?: number;
  /** Checked for every hop's host (an app's domain deny list must hold after a redirect too). */
  allowHost?: (host: string) => boolean;
  /** A caller's shutdown: aborts at once, answered "aborted". */
  signal?: AbortSignal;
}

export interface UnfurlOptions extends FetchOptions {
  /** HTML read at most; a longer page is read up to here (its head is what counts). */
  maxHtmlBytes?: number;
}

export const DEFAULT_UNFURL = {
  timeoutMs: 4000,
  maxRedirects: 3,
  maxHtmlBytes: 512 * 1024,
  userAgent: "Parley-LinkPreview/1 (link previews for a chat; one page, head only)",
} as const;

/** Why no preview: a fetch failure (guarded-get.ts), or a page with nothing to show. */
export type UnfurlReason = FetchFailure | "nothing_found";

export type Unfurled = { preview: LinkPreview; reason: null } | { preview: null; reason: UnfurlReason; detail: string };

const HTML_TYPES = new Set(["text/html", "application/xhtml+xml"]);

/** Fetches `url` and reads its Open Graph, Twitter card and HTML metadata. Never throws for remote failures. */
export async function unfurl(url: string, options: UnfurlOptions = {}): Promise<Unfurled> {
  const got = await guardedGet(url, {
    ...fetchSettings(options, options.timeoutMs ?? DEFAULT_UNFURL.timeoutMs),
    maxBytes: options.maxHtmlBytes ?? DEFAULT_UNFURL.maxHtmlBytes,
    overCap: "keep",
    accept: (mime) => HTML_TYPES.has(mime),
    headers: { "User-Agent": DEFAULT_UNFURL.userAgent, Accept: "text/html,application/xhtml+xml;q=0.9", "Accept-Encoding": "identity" },
    enough: (window) => window.includes("</head", 0, "latin1") || window.includes("</HEAD", 0, "latin1"),
  });
  if (!got.ok) return { preview: null, reason: got.reason, detail: got.detail };
  const meta = readMeta(decodeHtml(got.body, got.charset), got.url);
  // A card without a title is not worth a reader's space (nor a message.updated to every member).
  if (!meta.title) return { preview: null, reason: "nothing_found", detail: "no title" };
  return { preview: { url: new URL(url).href, ...meta }, reason: null };
}

/**
 * The guard, deadline and redirect settings shared by the page and image fetches. The deadline
 * starts here; `timedOut` tells it apart from a caller's abort.
 */
export function fetchSettings(
  options: FetchOptions,
  timeoutMs: number,
): Pick<GuardedGetOptions, "allow" | "signal" | "timedOut" | "maxRedirects" | "allowHost"> {
  const deadline = AbortSignal.timeout(timeoutMs);
  return {
    allow: allowedRanges(options.allowPrivate ?? []),
    signal: options.signal ? AbortSignal.any([deadline, options.signal]) : deadline,
    timedOut: () => deadline.aborted,
    maxRedirects: options.maxRedirects ?? DEFAULT_UNFURL.maxRedirects,
    allowHost: options.allowHost,
  };
}
