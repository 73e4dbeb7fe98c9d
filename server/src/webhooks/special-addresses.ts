import { isIP } from "node:net";
import ipaddr from "ipaddr.js";

type IPv4 = ipaddr.IPv4;
type IPv6 = ipaddr.IPv6;

/*
 * Which addresses a webhook may reach: globally routable unicast only. The ranges are IANA's
 * special-purpose address registries (IPv4 and IPv6) as ipaddr.js names them in `range()`, kept
 * up to date by that library rather than by a list of ours. Two rules close what a deny-list of
 * ranges leaves open:
 *
 * - IPv6 must also lie in global unicast 2000::/3. IANA reserves the rest, which holds blocks
 *   ipaddr.js has no name for (the dummy prefix 100:0:0:1::/64, the unassigned 4000::/3, …).
 * - An IPv6 address that stands for an IPv4 one is judged by that IPv4 address too, because that
 *   is where the packet goes: IPv4-mapped (the socket connects over IPv4), NAT64's well-known
 *   prefix (a translator forwards it), 6to4 and Teredo (a relay tunnels it). IPv4-compatible
 *   ::a.b.c.d, SIIT ::ffff:0:a.b.c.d and the local-use NAT64 prefix 64:ff9b:1::/48 are refused
 *   whatever they embed: none is globally reachable, and what a host does with them varies.
 */

const GLOBAL_UNICAST = ipaddr.parseCIDR("2000::/3");
const NAT64_WELL_KNOWN = ipaddr.parseCIDR("64:ff9b::/96");

const v4 = (high: number, low: number): IPv4 => new ipaddr.IPv4([high >> 8, high & 0xff, low >> 8, low & 0xff]);

/** An IPv4 address an IPv6 one stands for: the form's name, the address, and why the form is refused whatever it embeds. */
interface Embedded {
  form: string;
  address: IPv4;
  refused?: string;
}

/** The IPv4 addresses a packet to `ip` is delivered to (or would be, for refused forms); none for a plain IPv6 address. */
function embeddedIPv4(ip: IPv6, range: string): Embedded[] {
  const [p0 = 0, p1 = 0, p2 = 0, p3 = 0, p4 = 0, p5 = 0, p6 = 0, p7 = 0] = ip.parts;
  const last = v4(p6, p7);
  if (range === "ipv4Mapped") return [{ form: "IPv4-mapped", address: last }];
  if (range === "rfc6052")
    return ip.match(NAT64_WELL_KNOWN) ? [{ form: "NAT64", address: last }] : [{ form: "local-use NAT64", address: last, refused: "not globally reachable" }];
  if (range === "6to4") return [{ form: "6to4", address: v4(p1, p2) }];
  // Teredo (RFC 4380): the server's address, then the client's, stored with every bit inverted.
  if (range === "teredo")
    return [
      { form: "Teredo server", address: v4(p2, p3) },
      { form: "Teredo client", address: v4(p6 ^ 0xffff, p7 ^ 0xffff) },
    ];
  if (range === "rfc6145") return [{ form: "SIIT", address: last, refused: "not globally reachable" }];
  // ::a.b.c.d (range() has already named :: and ::1 for themselves).
  if (range === "unicast" && p0 + p1 + p2 + p3 + p4 + p5 === 0) return [{ form: "IPv4-compatible", address: last, refused: "deprecated, routed nowhere" }];
  return [];
}

/**
 * Why an IP address is not a globally routable unicast one, e.g. "loopback" or "6to4 of
 * 127.0.0.1: loopback"; null when it is. Anything but a plain IP address (as `net.isIP` reads one:
 * never the octal, hex or single-number IPv4 spellings) is refused as "not an IP address".
 */
export function specialRange(address: string): string | null {
  const family = isIP(address);
  if (family === 0) return "not an IP address";
  const ip = ipaddr.parse(address);
  if (family === 4) {
    const range = (ip as IPv4).range();
    return range === "unicast" ? null : range;
  }
  const range = (ip as IPv6).range();
  const embedded = embeddedIPv4(ip as IPv6, range);
  if (embedded.length > 0) {
    for (const { form, address: inner, refused } of embedded) {
      const why = refused ?? (inner.range() === "unicast" ? null : inner.range());
      if (why) return `${form} of ${inner.toString()}: ${why}`;
    }
    return null;
  }
  if (range !== "unicast") return range;
  return ip.match(GLOBAL_UNICAST) ? null : "outside global unicast 2000::/3";
}
