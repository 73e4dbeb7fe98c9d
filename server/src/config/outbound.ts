import { isIP } from "node:net";
import type { z } from "zod";
import type { RateLimit } from "./limits.js";
import { commaList } from "./comma-list.js";

/**
 * What the server sends to other hosts: webhook deliveries, web pushes and link-preview fetches.
 * Each has its own guard against private-network addresses, off only where a setting says so.
 */

/** See webhooks/dispatcher.ts and webhooks/unread-notifier.ts. */
export interface WebhooksConfig {
  /** WEBHOOK_ALLOW_PRIVATE=1: endpoints on loopback and private networks are accepted (tests, on-premises). */
  allowPrivate: boolean;
  /** How often each node looks for due deliveries. */
  pollMs: number;
  /** The first retry's delay; each next one doubles (with jitter), capped at an hour. */
  retryBaseMs: number;
  /** A delivery is retried until it is this old, then marked failed (at least 24 h in production). */
  retryWindowMs: number;
  /** How long a node holds an endpoint it claimed before another node may take it over. */
  leaseMs: number;
  /** How long a node reuses an app's endpoint list (a new endpoint gets events on every node after this). */
  endpointCacheMs: number;
  /** How often the notification.unread job runs. */
  unreadPollMs: number;
  /** Delivered and failed delivery records are kept this long (pending ones until they end). */
  keepMs: number;
}

/** See push/push.service.ts and push/notifier.ts. */
export interface PushConfig {
  /** PUSH_ALLOW_PRIVATE=1: http:// endpoints and endpoints on loopback or private networks are accepted (tests only). */
  allowPrivate: boolean;
  /** The VAPID `sub` the push services may contact (a mailto: or https: URL). */
  vapidSubject: string;
  /** Pushes one user may get per minute, all devices together; past it a message sends none to them. */
  perUserPerMinute: number;
  /** The first retry's delay after a failed push (5xx, 429, no answer); the second waits twice as long. */
  retryBaseMs: number;
  /** How long a push service keeps a push for a device that is offline (the TTL header). */
  ttlSec: number;
  /** Subscribe and unsubscribe requests per user, and per app. */
  subscribePerUser: RateLimit;
  subscribePerApp: RateLimit;
}

/** See previews/previews.service.ts. */
export interface PreviewsConfig {
  /**
   * PREVIEW_ALLOW_PRIVATE: CIDRs of private addresses a preview may still be fetched from (tests:
   * 127.0.0.2/32; an intranet's range on premises). Empty (the default): only public addresses.
   */
  allowPrivate: string[];
  /** The page's deadline, and the image's (each: connect to last byte over every redirect). */
  timeoutMs: number;
  /** Fetches under way at once on one node. */
  concurrency: number;
  /** Links waiting on one node; past it the oldest waiting one is dropped (and logged). */
  queueMax: number;
  /** Fetches (cache misses) one app may cause per minute, all nodes together; past it a link gets no preview. */
  fetchesPerAppPerMinute: number;
}

/** PREVIEW_ALLOW_PRIVATE as config.ts's schema reads it: a comma-separated list of IP addresses and CIDR ranges. */
export function previewPrivateRanges(v: string, ctx: z.RefinementCtx<string>): string[] {
  const list = commaList(v);
  for (const item of list) {
    const [ip, bits, extra] = item.split("/");
    const family = isIP(ip ?? "");
    const maxBits = family === 4 ? 32 : 128;
    if (family === 0 || extra !== undefined || (bits !== undefined && (!/^\d{1,3}$/.test(bits) || Number(bits) > maxBits)))
      ctx.addIssue({ code: "custom", message: `"${item}" is not an IP address or CIDR range` });
  }
  return list;
}
