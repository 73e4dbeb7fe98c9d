import { z } from "zod";
import type { RateLimit } from "./limits.js";

/** AI agents (issue 54; agents/): how long a model may take, and how often people may ask. */
export interface AgentsConfig {
  /** A model that has sent nothing this long after the request is given up (AGENT_FIRST_TOKEN_SEC, default 30 s). */
  firstTokenMs: number;
  /** A model that stops sending this long mid-answer is given up (AGENT_IDLE_SEC, default 20 s). */
  idleMs: number;
  /** Replies one node writes at once; more wait their turn (AGENT_RUNS_PER_NODE, default 20). */
  runsPerNode: number;
  /** Requests to an agent per user (AGENT_REQUESTS_PER_USER_PER_MINUTE, default 10). */
  perUser: RateLimit;
  /** Requests to an app's agents, all its users together (AGENT_REQUESTS_PER_APP_PER_MINUTE, default 300). */
  perApp: RateLimit;
  /** AGENT_ALLOW_PRIVATE=1: endpoints on loopback and private networks (a model on this machine or network; off by default, as for webhooks: SSRF). */
  allowPrivate: boolean;
}

/** The environment keys of agents, merged into config.ts's schema. */
export const agentsEnv = {
  AGENT_FIRST_TOKEN_SEC: z.coerce.number().min(0.05).max(600).default(30),
  AGENT_IDLE_SEC: z.coerce.number().min(0.05).max(600).default(20),
  AGENT_RUNS_PER_NODE: z.coerce.number().int().min(1).max(1000).default(20),
  AGENT_REQUESTS_PER_USER_PER_MINUTE: z.coerce.number().int().min(1).max(100_000).default(10),
  AGENT_REQUESTS_PER_APP_PER_MINUTE: z.coerce.number().int().min(1).max(1_000_000).default(300),
  AGENT_ALLOW_PRIVATE: z.enum(["0", "1"]).default("0"),
};

type AgentsEnv = z.output<z.ZodObject<typeof agentsEnv>>;

/** The agents' settings from the parsed environment. */
export function agentsConfig(e: AgentsEnv): AgentsConfig {
  return {
    firstTokenMs: Math.round(e.AGENT_FIRST_TOKEN_SEC * 1000),
    idleMs: Math.round(e.AGENT_IDLE_SEC * 1000),
    runsPerNode: e.AGENT_RUNS_PER_NODE,
    perUser: { points: e.AGENT_REQUESTS_PER_USER_PER_MINUTE, durationSec: 60 },
    perApp: { points: e.AGENT_REQUESTS_PER_APP_PER_MINUTE, durationSec: 60 },
    allowPrivate: e.AGENT_ALLOW_PRIVATE === "1",
  };
}
