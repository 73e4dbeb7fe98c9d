import { isIP } from "node:net";
import { z } from "zod";

/**
 * Which reverse proxies may speak for the client in X-Forwarded-For. `off`: the header is ignored.
 * `hops`: that many proxies always sit in front, each appending the peer it saw. `addresses`: the
 * proxies' own addresses (IPs, CIDR ranges, or `loopback`, `linklocal`, `uniquelocal`); any hop
 * from elsewhere ends the chain. Either way the client is the right-most address not vouched for.
 */
export type TrustProxy = { mode: "off" } | { mode: "hops"; hops: number } | { mode: "addresses"; addresses: readonly string[] };

/** Names Express's `trust proxy` also knows, for the usual private ranges. */
const NAMED_RANGES: Record<string, readonly string[]> = {
  loopback: ["127.0.0.0/8", "::1/128"],
  linklocal: ["169.254.0.0/16", "fe80::/10"],
  uniquelocal: ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7"],
};

/**
 * `0`/`false`: off. `true`: one hop (the historical meaning of TRUST_PROXY=1). A whole number N:
 * N hops. Anything else: a comma-separated list of proxy addresses, CIDR ranges and range names.
 */
export function parseTrustProxy(raw: string): TrustProxy {
  const v = raw.trim().toLowerCase();
  if (v === "0" || v === "false") return { mode: "off" };
  if (v === "true") return { mode: "hops", hops: 1 };
  if (/^\d+$/.test(v)) {
    const hops = Number(v);
    if (hops > 16) throw new Error("at most 16 hops");
    return { mode: "hops", hops };
  }
  const addresses: string[] = [];
  for (const item of v
    .split(",")
    .map((x) => x.trim())
    .filter(Boolean)) {
    const named = NAMED_RANGES[item];
    if (named) {
      addresses.push(...named);
      continue;
    }
    const [ip, bits, extra] = item.split("/");
    const family = isIP(ip ?? "");
    const maxBits = family === 4 ? 32 : 128;
    const badBits = bits !== undefined && (!/^\d{1,3}$/.test(bits) || Number(bits) > maxBits);
    if (family === 0 || badBits || extra !== undefined) {
      throw new Error(`"${item}" is not 0, true, a hop count, an IP address, a CIDR range or loopback|linklocal|uniquelocal`);
    }
    addresses.push(bits === undefined ? `${ip}/${maxBits}` : item);
  }
  if (addresses.length === 0) throw new Error("an empty list");
  return { mode: "addresses", addresses };
}

/** TRUST_PROXY as config.ts's schema reads it: parseTrustProxy, its error a configuration problem. */
export function trustProxySetting(v: string, ctx: z.RefinementCtx<string>): TrustProxy {
  try {
    return parseTrustProxy(v);
  } catch (err) {
    ctx.addIssue({ code: "custom", message: (err as Error).message });
    return z.NEVER;
  }
}
