import { z } from "zod";
import type { RateLimit } from "./limits.js";
import { commaList } from "./comma-list.js";

/** Calls (issue 53): ringing, dropping, the ICE servers handed out, and the invites' quotas (config.ts reads them). */
export interface CallsConfig {
  /** An invitee who has not answered by then is missed (CALL_RING_TIMEOUT_SEC). */
  ringTimeoutMs: number;
  /**
   * How long a participant's device may be gone (its socket closed: a reload, a network drop) before
   * they are dropped from the call; a device that comes back and accepts again within it carries on.
   */
  dropGraceMs: number;
  /**
   * How often every node looks for calls left behind (a node that died with its timers: rings past
   * their timeout, participants with no live socket, finished calls without their entry). Also once at start.
   */
  sweepIntervalMs: number;
  /** Call invites one user may make, and one app in all. */
  invitesPerUser: RateLimit;
  invitesPerApp: RateLimit;
  /** STUN server URLs handed out as they are (STUN_URLS). */
  stunUrls: string[];
  /** TURN: its URLs and the secret shared with coturn's `use-auth-secret`; none when TURN_URLS is unset. */
  turn: { urls: string[]; secret: string; ttlSec: number } | undefined;
  /** Group calls through Janus's VideoRoom; none when JANUS_WS_URL is unset (then they answer `sfu_not_configured`). */
  janus: JanusConfig | undefined;
}

/** Janus (group calls): where their WebSocket APIs are, the VideoRoom's admin_key, and the participant limits. */
export interface JanusConfig {
  /**
   * Janus servers' WebSocket APIs (JANUS_WS_URL, comma-separated), e.g. ws://10.0.0.5:8188; reached
   * by the server only. Each new call's room goes to the least loaded; a lost one's calls end (janus/janus-servers.ts).
   */
  wsUrls: string[];
  /** The VideoRoom plugin's `admin_key` (JANUS_ADMIN_KEY), the same on every server: rooms are created with it. */
  adminKey: string;
  /** Participants of one group call with video (CALL_GROUP_MAX_VIDEO), and audio only (CALL_GROUP_MAX_AUDIO). */
  maxVideo: number;
  maxAudio: number;
}

const iceUrl = (schemes: RegExp, name: string) =>
  z
    .string()
    .transform(commaList)
    .pipe(z.array(z.string().regex(schemes, `${name} are ${schemes.source} URLs, comma-separated`)).max(16));

/** The environment keys of calls, merged into config.ts's schema. */
export const callsEnv = {
  CALL_RING_TIMEOUT_SEC: z.coerce.number().min(1).max(600).default(45),
  CALL_DROP_GRACE_SEC: z.coerce.number().min(0).max(600).default(15),
  CALL_SWEEP_INTERVAL_SEC: z.coerce.number().min(0.05).max(3600).default(15),
  RATE_LIMIT_CALLS_PER_USER: z.coerce.number().int().positive().default(10),
  RATE_LIMIT_CALLS_PER_APP: z.coerce.number().int().positive().default(1000),
  STUN_URLS: iceUrl(/^stuns?:\S+$/, "STUN_URLS").optional(),
  TURN_URLS: iceUrl(/^turns?:\S+$/, "TURN_URLS").optional(),
  // coturn accepts any static-auth-secret; a guessable one lets anyone mint relay credentials.
  TURN_SECRET: z.string().min(16, "TURN_SECRET must be at least 16 characters").optional(),
  TURN_TTL_SECONDS: z.coerce
    .number()
    .int()
    .min(60)
    .max(7 * 86_400)
    .default(3600),
  JANUS_WS_URL: z
    .string()
    .transform(commaList)
    .pipe(
      z
        .array(z.string().regex(/^wss?:\/\/\S+$/, "JANUS_WS_URL is ws:// or wss:// URLs, comma-separated"))
        .min(1)
        .max(32),
    )
    .refine((urls) => new Set(urls).size === urls.length, "JANUS_WS_URL names a server twice")
    .optional(),
  JANUS_ADMIN_KEY: z.string().min(8, "JANUS_ADMIN_KEY must be at least 8 characters").optional(),
  CALL_GROUP_MAX_VIDEO: z.coerce.number().int().min(2).max(100).default(8),
  CALL_GROUP_MAX_AUDIO: z.coerce.number().int().min(2).max(200).default(25),
};

type CallsEnv = z.output<z.ZodObject<typeof callsEnv>>;

/** The calls settings from the parsed environment; throws when TURN is half set. */
export function callsConfig(e: CallsEnv): CallsConfig {
  if (Boolean(e.TURN_URLS?.length) !== (e.TURN_SECRET !== undefined)) {
    throw new Error("Set TURN_URLS and TURN_SECRET together (the secret is coturn's static-auth-secret), or neither");
  }
  if ((e.JANUS_WS_URL !== undefined) !== (e.JANUS_ADMIN_KEY !== undefined)) {
    throw new Error("Set JANUS_WS_URL and JANUS_ADMIN_KEY together (the key is the VideoRoom's admin_key), or neither");
  }
  return {
    ringTimeoutMs: Math.round(e.CALL_RING_TIMEOUT_SEC * 1000),
    dropGraceMs: Math.round(e.CALL_DROP_GRACE_SEC * 1000),
    sweepIntervalMs: Math.round(e.CALL_SWEEP_INTERVAL_SEC * 1000),
    invitesPerUser: { points: e.RATE_LIMIT_CALLS_PER_USER, durationSec: 60 },
    invitesPerApp: { points: e.RATE_LIMIT_CALLS_PER_APP, durationSec: 60 },
    stunUrls: e.STUN_URLS ?? [],
    turn: e.TURN_URLS && e.TURN_SECRET ? { urls: e.TURN_URLS, secret: e.TURN_SECRET, ttlSec: e.TURN_TTL_SECONDS } : undefined,
    janus:
      e.JANUS_WS_URL && e.JANUS_ADMIN_KEY
        ? { wsUrls: e.JANUS_WS_URL, adminKey: e.JANUS_ADMIN_KEY, maxVideo: e.CALL_GROUP_MAX_VIDEO, maxAudio: e.CALL_GROUP_MAX_AUDIO }
        : undefined,
  };
}
