import { lookup } from "node:dns/promises";
import { isIP, type LookupFunction } from "node:net";
import { lookup as lookupCallback } from "node:dns";
import { AppError } from "../shared/errors.js";
import { specialRange } from "./special-addresses.js";

/** The longest endpoint URL accepted. */
export const WEBHOOK_URL_MAX_CHARS = 2048;

/**
 * Whether a webhook may not reach an IP address unless private targets are allowed (SSRF): anything
 * but globally routable unicast, by the one classifier registration and every connection use.
 */
export function isPrivateAddress(address: string): boolean {
  return specialRange(address) !== null;
}

/** A URL's problem as a sentence, or null when its shape is acceptable (scheme, credentials, length). */
export function urlShapeProblem(raw: string): string | null {
  if (raw.length > WEBHOOK_URL_MAX_CHARS) return `The URL is longer than ${WEBHOOK_URL_MAX_CHARS} characters`;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return "Not a URL";
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") return "Only http:// and https:// URLs are accepted";
  if (url.username || url.password) return "The URL may not carry credentials (user:password@)";
  if (!url.hostname) return "The URL has no host";
  return null;
}

const hostOf = (url: URL): string => url.hostname.replace(/^\[|\]$/g, "");

/**
 * Refuses (400) an endpoint URL that targets a private network: an IP literal that is not globally
 * routable unicast, or a hostname any of whose addresses is one. Allowed anyway with WEBHOOK_ALLOW_PRIVATE=1.
 */
export async function assertPublicTarget(raw: string, allowPrivate: boolean): Promise<void> {
  if (allowPrivate) return;
  const host = hostOf(new URL(raw));
  const refuse = (address: string): AppError =>
    new AppError("validation_failed", `The URL targets a private or local network address (${address}); webhooks go to public addresses only`, [
      { path: "url", message: "private network address" },
    ]);
  if (isIP(host)) {
    const range = specialRange(host);
    if (range) throw refuse(`${host}: ${range}`);
    return;
  }
  if (host === "localhost" || host.endsWith(".localhost")) throw refuse(host);
  let addresses: { address: string }[];
  try {
    addresses = await lookup(host, { all: true });
  } catch {
    throw new AppError("validation_failed", `The URL's host ${host} does not resolve`, [{ path: "url", message: "host does not resolve" }]);
  }
  for (const a of addresses) {
    const range = specialRange(a.address);
    if (range) throw refuse(`${host} → ${a.address}: ${range}`);
  }
}

/**
 * A `lookup` for http.request that refuses private addresses after resolution, so the address
 * checked is the address connected to (a DNS answer that changed since registration is caught).
 */
export function guardedLookup(allowPrivate: boolean): LookupFunction {
  return (hostname, options, callback) => {
    lookupCallback(hostname, { ...options, all: true }, (err, addresses) => {
      if (err) return callback(err, "", 0);
      const list = addresses as unknown as { address: string; family: number }[];
      // Every address, not only the first: with autoSelectFamily the socket may try any of them.
      for (const a of allowPrivate ? [] : list) {
        const range = specialRange(a.address);
        if (range)
          return callback(Object.assign(new Error(`refused: ${hostname} resolves to a private address (${a.address}: ${range})`), { code: "EPRIVATE" }), "", 0);
      }
      if ((options as { all?: boolean }).all) return (callback as unknown as (e: null, a: typeof list) => void)(null, list);
      const first = list[0]!;
      callback(null, first.address, first.family);
    });
  };
}
