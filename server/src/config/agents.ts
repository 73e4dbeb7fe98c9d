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
  /** Tokens (prompt and completion) an asking user's questions may use a day (AGENT_TOKENS_PER_USER_PER_DAY, default 50,000). */
  tokensPerUser: RateLimit;
  /** Tokens an app's agents may use a day, all its users together (AGENT_TOKENS_PER_APP_PER_DAY, default 1,000,000). */
  tokensPerApp: RateLimit;
  /** A tool call's webhook has this long to answer (AGENT_TOOL_TIMEOUT_SEC, default 10 s): the model waits for it. */
  toolTimeoutMs: number;
  /** Rounds of tool calls in one reply (AGENT_TOOL_ROUNDS, default 3); past them the model is asked for its answer without tools. */
  toolRounds: number;
  /** "Talk to a person" per user (AGENT_HANDOFFS_PER_USER_PER_MINUTE, default 5). */
  handoffsPerUser: RateLimit;
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
  AGENT_TOKENS_PER_USER_PER_DAY: z.coerce.number().int().min(1).max(1_000_000_000).default(50_000),
  AGENT_TOKENS_PER_APP_PER_DAY: z.coerce.number().int().min(1).max(1_000_000_000_000).default(1_000_000),
  AGENT_TOOL_TIMEOUT_SEC: z.coerce.number().min(0.05).max(120).default(10),
  AGENT_TOOL_ROUNDS: z.coerce.number().int().min(1).max(10).default(3),
  AGENT_HANDOFFS_PER_USER_PER_MINUTE: z.coerce.number().int().min(1).max(1000).default(5),
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
    tokensPerUser: { points: e.AGENT_TOKENS_PER_USER_PER_DAY, durationSec: 86_400 },
    tokensPerApp: { points: e.AGENT_TOKENS_PER_APP_PER_DAY, durationSec: 86_400 },
    toolTimeoutMs: Math.round(e.AGENT_TOOL_TIMEOUT_SEC * 1000),
    toolRounds: e.AGENT_TOOL_ROUNDS,
    handoffsPerUser: { points: e.AGENT_HANDOFFS_PER_USER_PER_MINUTE, durationSec: 60 },
    allowPrivate: e.AGENT_ALLOW_PRIVATE === "1",
  };
}
