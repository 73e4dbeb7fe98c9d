/**
 * AI agents (issue 54): `GET|POST|PATCH /v1/server/agents…`, the host's backend. An agent is a
 * user of the app whose replies a model writes, streamed (see `Message.stream`).
 */
export interface Agent {
  id: string;
  /** The agent's user: the DM partner, the one @mentioned, the author of its replies. */
  userId: string;
  /** That user as the host knows it. */
  sub: string;
  name: string;
  /** The OpenAI-compatible endpoint's base URL (Parley posts to `{endpoint}/chat/completions`). */
  endpoint: string;
  model: string;
  /** Write-only: never answered, only whether one is set. */
  apiKey: { set: boolean };
  systemPrompt: string;
  contextMessages: number;
  temperature: number;
  maxTokens: number;
  enabled: boolean;
  /** The tools the model may call; each call is POSTed to the app's webhook (`agent.tool_call`). */
  tools: AgentTool[];
  createdAt: string;
  updatedAt: string;
}

/** Caps of an agent's tools. */
export const AGENT_TOOL_LIMITS = {
  tools: 16,
  nameMaxChars: 64,
  descriptionMaxChars: 1024,
  /** A tool's `parameters`, as JSON. */
  parametersMaxBytes: 8192,
  /** A webhook's answer to a tool call, as the model is told it. */
  answerMaxBytes: 16_384,
} as const;

/**
 * A tool an agent's model may call: a name (letters, digits, `_` and `-`; `handoff` is reserved for the
 * built-in hand-off), what it does, and its arguments as a JSON Schema object. A call is POSTed,
 * signed, to the app's webhook endpoint subscribed to `agent.tool_call` (the oldest such one);
 * the endpoint's 2xx answer (its body, up to 16 KB) is what the model is told the tool returned.
 */
export interface AgentTool {
  name: string;
  description: string;
  parameters: Record<string, unknown>;
}

/**
 * `agent.tool_call`'s data: the call a model made while replying in a conversation. `arguments`
 * is the JSON the model wrote, parsed (or, when it is not valid JSON, the text as it came).
 * The answer is synchronous: the model waits for it (the server's AGENT_TOOL_TIMEOUT_SEC).
 */
export interface AgentToolCall {
  agentId: string;
  /** The agent's user. */
  agentUserId: string;
  conversationId: string;
  /** The message the agent is answering, and its writer. */
  messageId: string;
  askedBy: string | null;
  /** The model's id of this call. */
  callId: string;
  name: string;
  arguments: unknown;
}

/** `GET /v1/server/agents`. */
export interface AgentsResponse {
  items: Agent[];
}

/**
 * `GET|PUT /v1/server/agent-settings` (and the console's): to whom the app's agents hand a
 * conversation. `off` (the default): no `handoff` tool for the models, and "Talk to a person" is
 * refused (409 `handoff_off`); `moderators`: the app's moderators; `users`: the users named.
 */
export interface AgentSettings {
  handoffTo: "off" | "moderators" | "users";
  /** With `users`: their user ids (at most 20). */
  handoffUserIds: string[];
  /**
   * The agent (an id of `GET /v1/server/agents`) whose model translates messages for members
   * (`POST /v1/messages/:id/translate`); null (the default): off. Left out of a `PUT`: unchanged.
   */
  translateAgentId: string | null;
  /** The agent whose model summarizes a conversation's unread part (`POST /v1/conversations/:id/summary`); null: off. */
  summarizeAgentId: string | null;
}

/**
 * The languages a translation or a summary is written in: the widget's 16 locales, as BCP 47 tags
 * (a type only: the core bundle carries no table; the server knows their names). Any other tag is refused (400).
 */
export type AiLanguage = "en" | "ar" | "de" | "es" | "fr" | "he" | "hi" | "it" | "ja" | "ko" | "nl" | "pl" | "pt-BR" | "ru" | "tr" | "zh-CN";

/** `POST /v1/messages/:id/translate` and `POST /v1/conversations/:id/summary`: the language to write in. */
export interface AiTextRequest {
  /** One of the {@link AiLanguage} tags (`de`, `pt-BR`, `zh-CN`; case does not matter). */
  language: string;
}

/**
 * `POST /v1/messages/:id/translate`: a message's text in another language, written by the model of
 * the app's `translateAgentId`, through the app's word filter. Kept per message, language and
 * text: asked again, the same (`cached: true`, no model asked); an edited message is translated anew.
 */
export interface MessageTranslation {
  messageId: string;
  /** The tag as {@link AiLanguage} spells it. */
  language: string;
  text: string;
  cached: boolean;
}

/**
 * `POST /v1/conversations/:id/summary`: what the caller has not read yet (the messages after their
 * read mark; with fewer than two, the last 50), at most the last 200 text messages, summarized by the
 * model of the app's `summarizeAgentId`. Kept per range and language (`cached: true`: no model asked).
 */
export interface ConversationSummary {
  conversationId: string;
  language: string;
  text: string;
  /** How many messages were summarized. */
  messageCount: number;
  cached: boolean;
}

/**
 * `POST /v1/conversations/:id/handoff` ("Talk to a person"; the model's `handoff` tool does the
 * same): the conversation's agents answer there no more, the app's people are brought in, a notice
 * says so, and it is in the moderation queue (a report with reason `handoff`). A group gets the
 * people as members; a DM cannot, so a group is made for it (the member and the people), named
 * in the DM's notice. Idempotent: asked again, the first answer (`created: false`).
 */
export interface HandoffResponse {
  /** Where the people are: the conversation itself, or the group made for a DM. */
  conversationId: string;
  /** The people brought in. */
  userIds: string[];
  created: boolean;
}
