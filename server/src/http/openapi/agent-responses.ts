import { z } from "zod";
import type { Agent, AgentsResponse } from "@parley/sdk/protocol";
import type { Check, Same } from "./mirror.js";

/** AI agents (issue 54), mirrored as responses.ts explains. */

const agent = z.strictObject({
  id: z.string(),
  userId: z.string(),
  sub: z.string(),
  name: z.string(),
  endpoint: z.string(),
  model: z.string(),
  apiKey: z.strictObject({ set: z.boolean() }),
  systemPrompt: z.string(),
  contextMessages: z.number().int(),
  temperature: z.number(),
  maxTokens: z.number().int(),
  enabled: z.boolean(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
type _Agent = Check<Same<z.infer<typeof agent>, Agent>>;

const agentsResponse = z.strictObject({ items: z.array(agent) });
type _AgentsResponse = Check<Same<z.infer<typeof agentsResponse>, AgentsResponse>>;

export const agentResponseSchemas = {
  Agent: agent,
  AgentsResponse: agentsResponse,
} as const;
