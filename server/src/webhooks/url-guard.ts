import { lookup } from "node:dns/promises";
import { BlockList, isIP, type LookupFunction } from "node:net";
import { lookup as lookupCallback } from "node:dns";
import { AppError } from "../shared/errors.js";

/** The longest endpoint URL accepted. */
export const WEBHOOK_URL_MAX_CHARS = 2048;

/** Addresses a webhook may not reach unless private targets are allowed (SSRF): loopback, private, link-local, CGNAT, ULA, … */
const PRIVATE = new BlockList();
for (const [net, bits] of [
  ["0.0.0.0", 8],
  ["10.0.0.0", 8],
  ["100.64.0.0", 10],
  ["127.0.0.0", 8],
  ["169.254.0.0", 16],
  ["172.16.0.0", 12],
  ["192.0.0.0", 24],
  ["192.168.0.0", 16],
  ["198.18.0.0", 15],
  ["224.0.0.0", 4],
  ["240.0.0.0", 4],
] as const)
  PRIVATE.addSubnet(net, bits, "ipv4");
for (const [net, bits] of [
  ["::", 128],
  ["::1", 128],
  ["fc00::", 7],
  ["fe80::", 10],
  ["ff00::", 8],
  ["64:ff9b::", 96],
] as const)
  PRIVATE.addSubnet(net, bits, "ipv6");

/** Whether an IP address is in a private, loopback, link-local or otherwise non-public range. */
export function isPrivateAddress(address: string): boolean {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return PRIVATE.check(mapped[1]!, "ipv4");
  const family = isIP(address);
  if (family === 0) return true;
  return PRIVATE.check(address, family === 4 ? "ipv4" : "ipv6");
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
 * Refuses (400) an endpoint URL that targets a private network: an IP literal in a private range,
 * or a hostname any of whose addresses is one. Allowed anyway with WEBHOOK_ALLOW_PRIVATE=1.
 */
export async function assertPublicTarget(raw: string, allowPrivate: boolean): Promise<void> {
  if (allowPrivate) return;
  const host = hostOf(new URL(raw));
  const refuse = (address: string): AppError =>
    new AppError("validation_failed", `The URL targets a private or local network address (${address}); webhooks go to public addresses only`, [
      { path: "url", message: "private network address" },
    ]);
  if (isIP(host)) {
    if (isPrivateAddress(host)) throw refuse(host);
    return;
  }
  if (host === "localhost" || host.endsWith(".localhost")) throw refuse(host);
  let addresses: { address: string }[];
  try {
    addresses = await lookup(host, { all: true });
  } catch {
    throw new AppError("validation_failed", `The URL's host ${host} does not resolve`, [{ path: "url", message: "host does not resolve" }]);
  }
  for (const a of addresses) if (isPrivateAddress(a.address)) throw refuse(`${host} → ${a.address}`);
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
      const bad = allowPrivate ? undefined : list.find((a) => isPrivateAddress(a.address));
      if (bad) return callback(Object.assign(new Error(`refused: ${hostname} resolves to a private address (${bad.address})`), { code: "EPRIVATE" }), "", 0);
      if ((options as { all?: boolean }).all) return (callback as unknown as (e: null, a: typeof list) => void)(null, list);
      const first = list[0]!;
      callback(null, first.address, first.family);
    });
  };
}
