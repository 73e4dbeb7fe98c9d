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
  createdAt: string;
  updatedAt: string;
}

/** `GET /v1/server/agents`. */
export interface AgentsResponse {
  items: Agent[];
}
