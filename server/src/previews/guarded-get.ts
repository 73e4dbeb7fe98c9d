import type { IncomingMessage } from "node:http";
import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import { isIP } from "node:net";
import type { Readable } from "node:stream";
import { createBrotliDecompress, createGunzip, createInflate } from "node:zlib";
import { urlShapeProblem } from "../webhooks/url-guard.js";
import { type AllowedRanges, addressRefusal, previewLookup } from "./address-guard.js";

/*
 * One GET of a URL a message's sender chose, so of anything: the server must not be made to
 * reach its own network, wait forever, or read a huge body. Each hop of a redirect chain is
 * checked again (shape, IP literal, then every resolved address at connect time by the lookup);
 * one deadline covers the whole chain and the body; the body is counted as it arrives, after
 * decompression, and the socket is destroyed the moment the cap is passed.
 */

/** Why a fetch gave nothing: short, stable words a caller can log or count. */
export type FetchFailure =
  | "bad_url"
  | "denied_host"
  | "refused_address"
  | "too_many_redirects"
  | "timeout"
  | "http_status"
  | "content_type"
  | "too_large"
  | "network"
  | "aborted";

export interface GuardedGetOptions {
  /** Whether a hop's host may be fetched at all (an app's domain list); every hop is asked. */
  allowHost?: ((host: string) => boolean) | undefined;
  /** Private addresses allowed anyway (tests, a deployment's own network); everything else private is refused. */
  allow: AllowedRanges;
  /** Aborts everything: the deadline of the whole operation (and a caller's shutdown). */
  signal: AbortSignal;
  /** Whether the signal's abort is the deadline (reported "timeout") rather than a shutdown ("aborted"). */
  timedOut: () => boolean;
  /** Redirects followed at most; one more is "too_many_redirects". */
  maxRedirects: number;
  maxBytes: number;
  /** Over maxBytes: keep the first maxBytes (an HTML head is still useful) or fail (a cut image is not). */
  overCap: "keep" | "fail";
  /** The media types accepted (lower case, without parameters). */
  accept: (mime: string) => boolean;
  headers: Record<string, string>;
  /**
   * Stops reading early once the bytes so far hold all that is needed (an HTML `</head>`): asked
   * with each new chunk, after the previous chunk's last ENOUGH_OVERLAP bytes (a marker may straddle).
   */
  enough?: (window: Buffer) => boolean;
}

export type GetResult =
  | { ok: true; url: URL; mime: string; charset: string | null; body: Buffer; truncated: boolean }
  | { ok: false; reason: FetchFailure; detail: string };

/** Bytes of the previous chunk `enough` sees again, so a marker split across chunks is found. */
export const ENOUGH_OVERLAP = 16;

const fail = (reason: FetchFailure, detail: string): GetResult => ({ ok: false, reason, detail });

/** GETs `raw`, following redirects by hand; never throws for anything the remote side does. */
export async function guardedGet(raw: string, o: GuardedGetOptions): Promise<GetResult> {
  let href = raw;
  for (let hop = 0; ; hop++) {
    const url = checkedUrl(href, o);
    if (!(url instanceof URL)) return url;
    const answer = await requestOnce(url, o);
    if (answer.kind === "failed") return answer.result;
    if (answer.kind === "redirect") {
      if (hop >= o.maxRedirects) return fail("too_many_redirects", `more than ${o.maxRedirects} redirects`);
      href = answer.location;
      continue;
    }
    return answer.result;
  }
}

/** The URL when its shape and (for an IP literal) its address are acceptable; else the failure. */
function checkedUrl(href: string, o: GuardedGetOptions): URL | GetResult {
  const problem = urlShapeProblem(href);
  if (problem) return fail("bad_url", problem);
  const url = new URL(href);
  const host = url.hostname.replace(/^\[|\]$/g, "");
  if (o.allowHost && !o.allowHost(host)) return fail("denied_host", host);
  // Node connects to an IP literal without calling `lookup`: check it here.
  if (isIP(host)) {
    const why = addressRefusal(host, o.allow);
    if (why) return fail("refused_address", `${host}: ${why}`);
  }
  return url;
}

type Answer = { kind: "failed"; result: GetResult } | { kind: "redirect"; location: string } | { kind: "done"; result: GetResult };

/** One request: a redirect's next URL, or the read body, or why not. */
function requestOnce(url: URL, o: GuardedGetOptions): Promise<Answer> {
  return new Promise((resolve) => {
    let settled = false;
    const settle = (a: Answer) => {
      if (settled) return;
      settled = true;
      req.destroy();
      resolve(a);
    };
    const failed = (reason: FetchFailure, detail: string) => settle({ kind: "failed", result: fail(reason, detail) });
    const onError = (err: Error & { code?: string }) => {
      if (o.signal.aborted) return failed(o.timedOut() ? "timeout" : "aborted", err.message);
      if (err.code === "EPRIVATE") return failed("refused_address", err.message);
      failed("network", err.code ?? err.message);
    };
    const request = url.protocol === "https:" ? httpsRequest : httpRequest;
    // agent: false, one connection per request, closed after: nothing pooled outlives the check.
    const req = request(url, { method: "GET", headers: o.headers, lookup: previewLookup(o.allow), signal: o.signal, agent: false }, (res) => {
      res.on("error", onError);
      const status = res.statusCode ?? 0;
      const location = res.headers.location;
      if (status >= 300 && status < 400 && status !== 304 && location) {
        let next: string;
        try {
          next = new URL(location, url).href;
        } catch {
          return failed("bad_url", "unreadable Location");
        }
        return settle({ kind: "redirect", location: next });
      }
      if (status < 200 || status >= 300) return failed("http_status", `HTTP ${status}`);
      const { mime, charset } = contentType(res.headers["content-type"]);
      if (!o.accept(mime)) return failed("content_type", mime || "no Content-Type");
      const declared = Number(res.headers["content-length"]);
      if (o.overCap === "fail" && Number.isFinite(declared) && declared > o.maxBytes) return failed("too_large", `Content-Length ${declared}`);
      readBody(res, o).then(
        (read) =>
          settle(
            "failure" in read
              ? { kind: "failed", result: fail(read.failure, read.detail) }
              : { kind: "done", result: { ok: true, url, mime, charset, body: read.body, truncated: read.truncated } },
          ),
        onError,
      );
    });
    req.on("error", onError);
    req.end();
  });
}

/** The media type (lower case) and charset of a Content-Type header. */
export function contentType(header: string | undefined): { mime: string; charset: string | null } {
  const [type = "", ...params] = (header ?? "").split(";");
  let charset: string | null = null;
  for (const p of params) {
    const m = /^\s*charset\s*=\s*"?([^";\s]+)"?/i.exec(p);
    if (m) charset = m[1]!.toLowerCase();
  }
  return { mime: type.trim().toLowerCase(), charset };
}

type Read = { body: Buffer; truncated: boolean } | { failure: FetchFailure; detail: string };

/** The decoded body up to maxBytes (or until `enough`); the stream is destroyed as soon as it stops. */
function readBody(res: IncomingMessage, o: GuardedGetOptions): Promise<Read> {
  const stream = decoded(res);
  if (!stream) return Promise.resolve({ failure: "content_type", detail: `Content-Encoding ${res.headers["content-encoding"]}` });
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    const finish = (r: Read) => {
      if (done) return;
      done = true;
      if (stream !== res) stream.destroy();
      res.destroy();
      resolve(r);
    };
    let tail = Buffer.alloc(0);
    stream.on("data", (chunk: Buffer) => {
      if (done) return;
      const room = o.maxBytes - size;
      chunks.push(chunk.length > room ? chunk.subarray(0, room) : chunk);
      size += Math.min(chunk.length, room);
      if (chunk.length > room) {
        if (o.overCap === "fail") return finish({ failure: "too_large", detail: `over ${o.maxBytes} bytes` });
        return finish({ body: Buffer.concat(chunks), truncated: true });
      }
      if (o.enough) {
        const window = Buffer.concat([tail, chunk]);
        if (o.enough(window)) return finish({ body: Buffer.concat(chunks), truncated: false });
        tail = window.subarray(Math.max(0, window.length - ENOUGH_OVERLAP));
      }
    });
    stream.on("end", () => finish({ body: Buffer.concat(chunks), truncated: false }));
    stream.on("error", (err) => (done ? undefined : ((done = true), res.destroy(), reject(err))));
  });
}

/** The response's bytes as sent before any Content-Encoding; null for an encoding not understood. */
function decoded(res: IncomingMessage): Readable | null {
  const encoding = String(res.headers["content-encoding"] ?? "identity")
    .trim()
    .toLowerCase();
  if (encoding === "identity" || encoding === "") return res;
  const inflater =
    encoding === "gzip" || encoding === "x-gzip"
      ? createGunzip()
      : encoding === "deflate"
        ? createInflate()
        : encoding === "br"
          ? createBrotliDecompress()
          : null;
  if (!inflater) return null;
  res.on("error", (err) => inflater.destroy(err));
  return res.pipe(inflater);
}
