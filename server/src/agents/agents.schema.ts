import { z } from "zod";
import { displayName } from "../auth/auth.schema.js";
import { sub } from "../server-api/server-api.schema.js";
import { ref } from "../shared/schema.js";

/** The chat completions endpoint's base: an http(s) URL with no credentials in it (the key goes apart). */
const endpoint = z
  .string()
  .max(1024)
  .superRefine((v, ctx) => {
    let u: URL;
    try {
      u = new URL(v);
    } catch {
      return void ctx.addIssue({ code: "custom", message: "Must be an http(s) URL, such as http://127.0.0.1:8080/v1" });
    }
    if (u.protocol !== "http:" && u.protocol !== "https:") ctx.addIssue({ code: "custom", message: "Must be an http(s) URL" });
    if (u.username || u.password) ctx.addIssue({ code: "custom", message: "No credentials in the URL: give the key as apiKey" });
  })
  .describe("The OpenAI-compatible endpoint's base URL (…/v1): Parley posts to {endpoint}/chat/completions with stream: true");

const fields = {
  name: displayName.describe("The agent's display name, as members see it"),
  endpoint,
  model: z.string().trim().min(1).max(200).describe("The model's name as the endpoint knows it"),
  apiKey: z.string().min(1).max(512).nullable().describe("Write-only: sent as a bearer token, never answered (only whether one is set)"),
  systemPrompt: z.string().max(20_000).describe("What the model is told before the conversation"),
  contextMessages: z.number().int().min(1).max(100).describe("How many of the conversation's last messages the model sees (default 20)"),
  temperature: z.number().min(0).max(2).describe("Sampling temperature, 0 to 2 (default 0.7)"),
  maxTokens: z.number().int().min(1).max(32_768).describe("The longest reply, in tokens (default 1024)"),
  enabled: z.boolean().describe("Off: it answers nobody"),
};

/** `POST /v1/server/agents`: an agent, and its user (`sub`, created or renamed). */
export const createAgentBody = z.strictObject({
  sub: sub.describe("The agent's user as the host knows it (created if new)"),
  name: fields.name,
  endpoint: fields.endpoint,
  model: fields.model,
  apiKey: fields.apiKey.optional(),
  systemPrompt: fields.systemPrompt.optional(),
  contextMessages: fields.contextMessages.optional(),
  temperature: fields.temperature.optional(),
  maxTokens: fields.maxTokens.optional(),
  enabled: fields.enabled.optional(),
});
export type CreateAgentInput = z.infer<typeof createAgentBody>;

/** `PATCH /v1/server/agents/:id`: fields left out keep their value; `apiKey: null` removes the key. */
export const updateAgentBody = z.strictObject({
  name: fields.name.optional(),
  endpoint: fields.endpoint.optional(),
  model: fields.model.optional(),
  apiKey: fields.apiKey.optional(),
  systemPrompt: fields.systemPrompt.optional(),
  contextMessages: fields.contextMessages.optional(),
  temperature: fields.temperature.optional(),
  maxTokens: fields.maxTokens.optional(),
  enabled: fields.enabled.optional(),
});
export type UpdateAgentInput = z.infer<typeof updateAgentBody>;

export const agentIdParam = ref;
