import { z } from "zod";

/** Scheduled sends and reminders (issue 55; scheduled/): how often every node looks for due ones, and their retries. */
export interface ScheduledConfig {
  /** How often every node sends the scheduled messages and fires the reminders that are due (SCHEDULED_SWEEP_SEC, default 1 s). */
  sweepMs: number;
  /** How long a node holds a due row it took before another node may take it (SCHEDULED_LEASE_SEC, default 30 s): a node that died mid-send. */
  leaseMs: number;
  /** The first retry's delay after a send failed for a database or infrastructure reason; each next one doubles (SCHEDULED_RETRY_BASE_SEC, default 5 s). */
  retryBaseMs: number;
}

/** The environment keys of scheduled sends and reminders, merged into config.ts's schema. */
export const scheduledEnv = {
  SCHEDULED_SWEEP_SEC: z.coerce.number().min(0.05).max(600).default(1),
  SCHEDULED_LEASE_SEC: z.coerce.number().min(0.5).max(3600).default(30),
  SCHEDULED_RETRY_BASE_SEC: z.coerce.number().min(0.05).max(3600).default(5),
};

type ScheduledEnv = z.output<z.ZodObject<typeof scheduledEnv>>;

/** The sweep's settings from the parsed environment. */
export function scheduledConfig(e: ScheduledEnv): ScheduledConfig {
  return {
    sweepMs: Math.round(e.SCHEDULED_SWEEP_SEC * 1000),
    leaseMs: Math.round(e.SCHEDULED_LEASE_SEC * 1000),
    retryBaseMs: Math.round(e.SCHEDULED_RETRY_BASE_SEC * 1000),
  };
}
