import { z } from "zod";
import type { Agent, AgentSettings, AgentsResponse, ConversationSummary, HandoffResponse, MessageTranslation } from "@parley/sdk/protocol";
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
  tools: z.array(z.strictObject({ name: z.string(), description: z.string(), parameters: z.record(z.string(), z.unknown()) })),
  createdAt: z.string(),
  updatedAt: z.string(),
});
type _Agent = Check<Same<z.infer<typeof agent>, Agent>>;

const agentsResponse = z.strictObject({ items: z.array(agent) });
type _AgentsResponse = Check<Same<z.infer<typeof agentsResponse>, AgentsResponse>>;

const agentSettings = z.strictObject({
  handoffTo: z.enum(["off", "moderators", "users"]),
  handoffUserIds: z.array(z.string()),
  translateAgentId: z.string().nullable(),
  summarizeAgentId: z.string().nullable(),
});
type _AgentSettings = Check<Same<z.infer<typeof agentSettings>, AgentSettings>>;

const handoffResponse = z.strictObject({ conversationId: z.string(), userIds: z.array(z.string()), created: z.boolean() });
type _HandoffResponse = Check<Same<z.infer<typeof handoffResponse>, HandoffResponse>>;

const messageTranslation = z.strictObject({ messageId: z.string(), language: z.string(), text: z.string(), cached: z.boolean() });
type _MessageTranslation = Check<Same<z.infer<typeof messageTranslation>, MessageTranslation>>;

const conversationSummary = z.strictObject({
  conversationId: z.string(),
  language: z.string(),
  text: z.string(),
  messageCount: z.number().int(),
  cached: z.boolean(),
});
type _ConversationSummary = Check<Same<z.infer<typeof conversationSummary>, ConversationSummary>>;

export const agentResponseSchemas = {
  Agent: agent,
  AgentsResponse: agentsResponse,
  AgentSettings: agentSettings,
  HandoffResponse: handoffResponse,
  MessageTranslation: messageTranslation,
  ConversationSummary: conversationSummary,
} as const;
