import { z } from "zod";
import { displayName } from "../auth/auth.schema.js";
import { sub } from "../server-api/server-api.schema.js";
import { AGENT_TOOL_LIMITS, type AiLanguage } from "@parley/sdk/protocol";
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

/** One tool: its arguments a JSON Schema object (`type: "object"`), bounded in size; `handoff` is reserved (the built-in hand-off). */
const tool = z.strictObject({
  name: z
    .string()
    .regex(/^[A-Za-z0-9_-]+$/, "Letters, digits, _ and - only")
    .max(AGENT_TOOL_LIMITS.nameMaxChars)
    .refine((n) => n !== "handoff", "handoff is reserved for the built-in hand-off")
    .describe("The tool's name as the model calls it"),
  description: z.string().max(AGENT_TOOL_LIMITS.descriptionMaxChars).describe("What it does, for the model"),
  parameters: z
    .record(z.string(), z.unknown())
    .refine((p) => p["type"] === "object", 'A JSON Schema object: { "type": "object", "properties": … }')
    .refine(
      (p) => Buffer.byteLength(JSON.stringify(p)) <= AGENT_TOOL_LIMITS.parametersMaxBytes,
      `At most ${AGENT_TOOL_LIMITS.parametersMaxBytes} bytes as JSON`,
    )
    .describe("Its arguments, a JSON Schema object"),
});

const tools = z
  .array(tool)
  .max(AGENT_TOOL_LIMITS.tools)
  .refine((ts) => new Set(ts.map((t) => t.name)).size === ts.length, "Each tool's name once")
  .describe("Tools the model may call: each call is POSTed, signed, to the app's webhook subscribed to agent.tool_call, its answer told to the model");

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
  tools,
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
  tools: fields.tools.optional(),
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
  tools: fields.tools.optional(),
});
export type UpdateAgentInput = z.infer<typeof updateAgentBody>;

export const agentIdParam = ref;

/** `PUT /v1/server/agent-settings`: to whom conversations are handed (agents/handoff.ts), and who translates and summarizes (ai-texts.ts). */
export const agentSettingsBody = z.strictObject({
  handoffTo: z.enum(["off", "moderators", "users"]).describe("off (no hand-off), the app's moderators, or the users named"),
  handoffUserIds: z.array(ref).max(20).default([]).describe("With users: their user ids (at most 20)"),
  translateAgentId: ref.nullable().optional().describe("The agent whose model translates messages for members; null: off; left out: unchanged"),
  summarizeAgentId: ref
    .nullable()
    .optional()
    .describe("The agent whose model summarizes a conversation's unread part for members; null: off; left out: unchanged"),
});
export type AgentSettingsInput = z.infer<typeof agentSettingsBody>;

/** The languages translations and summaries are written in (the widget's 16 locales), by tag, with the English name the model is told. */
export const AI_LANGUAGES = {
  en: "English",
  ar: "Arabic",
  de: "German",
  es: "Spanish",
  fr: "French",
  he: "Hebrew",
  hi: "Hindi",
  it: "Italian",
  ja: "Japanese",
  ko: "Korean",
  nl: "Dutch",
  pl: "Polish",
  "pt-BR": "Brazilian Portuguese",
  ru: "Russian",
  tr: "Turkish",
  "zh-CN": "Simplified Chinese",
} as const satisfies Record<AiLanguage, string>;

/** `POST /v1/messages/:id/translate`, `POST /v1/conversations/:id/summary`: one of the 16 languages (case does not matter), answered as AI_LANGUAGES spells it. */
export const aiTextBody = z.strictObject({
  language: z
    .string()
    .max(16)
    .transform((v, ctx) => {
      const tags = Object.keys(AI_LANGUAGES) as AiLanguage[];
      // The tag itself, else its language when that is a tag of its own ("en-US", "de-AT": a browser's English or German).
      const tag = tags.find((t) => t.toLowerCase() === v.toLowerCase()) ?? tags.find((t) => !t.includes("-") && t === v.split("-")[0]?.toLowerCase());
      if (!tag) {
        ctx.addIssue({ code: "custom", message: `One of ${Object.keys(AI_LANGUAGES).join(", ")}` });
        return z.NEVER;
      }
      return tag;
    })
    .describe(`The language to write in, a BCP 47 tag: ${Object.keys(AI_LANGUAGES).join(", ")}`),
});

/** `POST /v1/messages/:id/translate`: the message; `POST /v1/conversations/:id/summary`: the conversation (a malformed id is the 404 of a missing one). */
export const aiTextParam = ref;

/** `POST /v1/conversations/:id/handoff`: the conversation. */
export const handoffConversationParam = ref;
