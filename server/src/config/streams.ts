import { z } from "zod";
import type { RateLimit } from "./limits.js";

/** Streamed messages (issue 54; messages/streaming.ts): their time limits and the server API's budget for them. */
export interface StreamsConfig {
  /** A stream with no append for this long is failed by the server (STREAM_IDLE_TIMEOUT_SEC, default 30 s). */
  idleTimeoutMs: number;
  /** A stream still going this long after it started is failed by the server (STREAM_MAX_SEC, default 300 s). */
  maxDurationMs: number;
  /** How often every node looks for streams past those limits (STREAM_SWEEP_SEC, default 2 s). */
  sweepMs: number;
  /** Stream writes (start, append, finish, fail) and ai.state of one app (RATE_LIMIT_STREAM_WRITES_PER_APP per 10 s, default 3000). */
  writesPerApp: RateLimit;
}

/** The environment keys of streamed messages, merged into config.ts's schema. */
export const streamsEnv = {
  STREAM_IDLE_TIMEOUT_SEC: z.coerce.number().min(0.05).max(3600).default(30),
  STREAM_MAX_SEC: z.coerce.number().min(0.05).max(86_400).default(300),
  STREAM_SWEEP_SEC: z.coerce.number().min(0.01).max(600).default(2),
  RATE_LIMIT_STREAM_WRITES_PER_APP: z.coerce.number().int().min(1).max(1_000_000).default(3000),
};

type StreamsEnv = z.output<z.ZodObject<typeof streamsEnv>>;

/** The streams' settings from the parsed environment. */
export function streamsConfig(e: StreamsEnv): StreamsConfig {
  return {
    idleTimeoutMs: Math.round(e.STREAM_IDLE_TIMEOUT_SEC * 1000),
    maxDurationMs: Math.round(e.STREAM_MAX_SEC * 1000),
    sweepMs: Math.round(e.STREAM_SWEEP_SEC * 1000),
    writesPerApp: { points: e.RATE_LIMIT_STREAM_WRITES_PER_APP, durationSec: 10 },
  };
}
