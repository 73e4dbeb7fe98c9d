import type { RateLimiterAbstract } from "rate-limiter-flexible";
import type { AgentsConfig } from "../config/agents.js";
import { createLimiter } from "../shared/rate-limit.js";

/** What a question to a model is limited by: requests per user and per app, tokens a day per user and per app. */
export interface AgentLimiters {
  perUser: RateLimiterAbstract;
  perApp: RateLimiterAbstract;
  tokensPerUser: RateLimiterAbstract;
  tokensPerApp: RateLimiterAbstract;
}

/**
 * The agents' limiters, made once by the composition root: replies (agent-runner.ts) and a member's
 * translations and summaries (ai-texts.ts) take from the same ones. In memory only the same
 * instances share counts (with Redis the keys would too), so nobody else makes their own.
 */
export function agentLimiters(config: AgentsConfig, store?: { client: unknown; prefix: string }): AgentLimiters {
  return {
    perUser: createLimiter(config.perUser, "agent-user", store),
    perApp: createLimiter(config.perApp, "agent-app", store),
    tokensPerUser: createLimiter(config.tokensPerUser, "agent-tokens-user", store),
    tokensPerApp: createLimiter(config.tokensPerApp, "agent-tokens-app", store),
  };
}
