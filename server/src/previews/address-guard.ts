import { lookup as lookupCallback } from "node:dns";
import { isIP, type LookupFunction } from "node:net";
import ipaddr from "ipaddr.js";
import { specialRange } from "../webhooks/special-addresses.js";

/*
 * Which addresses a preview fetch may connect to: globally routable unicast (the webhooks'
 * classifier), plus exactly the CIDRs a deployment (or a test) lists. The webhooks' switch is
 * all-or-nothing; a list lets a test serve a page on 127.0.0.2 while 127.0.0.1 stays refused,
 * which is what proves the guard still bites.
 */

/** Parsed CIDRs private addresses are nevertheless allowed in. */
export type AllowedRanges = ReadonlyArray<[ipaddr.IPv4 | ipaddr.IPv6, number]>;

/** Parses CIDRs ("127.0.0.2/32", "fd00::/8"); a bare address counts as its own /32 or /128. Throws on a malformed one: that is configuration, not remote input. */
export function allowedRanges(cidrs: readonly string[]): AllowedRanges {
  return cidrs.map((c) => (c.includes("/") ? ipaddr.parseCIDR(c) : ([ipaddr.parse(c), isIP(c) === 4 ? 32 : 128] as [ipaddr.IPv4 | ipaddr.IPv6, number])));
}

const inRanges = (address: string, ranges: AllowedRanges): boolean => {
  let ip = ipaddr.parse(address);
  // An IPv4-mapped IPv6 address is where its IPv4 address is.
  if (ip.kind() === "ipv6" && (ip as ipaddr.IPv6).isIPv4MappedAddress()) ip = (ip as ipaddr.IPv6).toIPv4Address();
  return ranges.some(([net, bits]) => net.kind() === ip.kind() && ip.match(net, bits));
};

/** Why `address` may not be connected to (e.g. "loopback"), or null when it may. */
export function addressRefusal(address: string, ranges: AllowedRanges): string | null {
  const range = specialRange(address);
  if (range === null) return null;
  return isIP(address) && inRanges(address, ranges) ? null : range;
}

/**
 * A `lookup` for http.request that refuses a hostname any of whose addresses is refused, so the
 * address checked is the address connected to (DNS rebinding between check and connect is moot).
 * Node skips `lookup` for IP literals: guardedGet checks those itself before connecting.
 */
export function previewLookup(ranges: AllowedRanges): LookupFunction {
  return (hostname, options, callback) => {
    lookupCallback(hostname, { ...options, all: true }, (err, addresses) => {
      if (err) return callback(err, "", 0);
      const list = addresses as unknown as { address: string; family: number }[];
      // Every address, not only the first: with autoSelectFamily the socket may try any of them.
      for (const a of list) {
        const why = addressRefusal(a.address, ranges);
        if (why) return callback(Object.assign(new Error(`${hostname} resolves to ${a.address} (${why})`), { code: "EPRIVATE" }), "", 0);
      }
      if (list.length === 0) return callback(Object.assign(new Error(`${hostname} has no address`), { code: "ENOTFOUND" }), "", 0);
      if ((options as { all?: boolean }).all) return (callback as unknown as (e: null, a: typeof list) => void)(null, list);
      const first = list[0]!;
      callback(null, first.address, first.family);
    });
  };
}
