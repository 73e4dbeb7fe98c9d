import type { Agent, AgentSettings, AgentsResponse, ConversationSummary, HandoffResponse, MessageTranslation } from "@parley/sdk/protocol";
import { callerOf, pathParam, serverCallerOf } from "../request/context.js";
import { empty, json, type Route } from "../request/route.js";
import { parse } from "../shared/validate.js";
import type { AiTextsService } from "./ai-texts.js";
import { agentIdParam, agentSettingsBody, aiTextBody, aiTextParam, createAgentBody, handoffConversationParam, updateAgentBody } from "./agents.schema.js";
import type { AgentsService } from "./agents.service.js";
import type { HandoffService } from "./handoff.js";

/**
 * `/v1/server/agents…` (issue 54): the host's backend manages its app's AI agents. The API key is
 * write-only: answers say only whether one is set.
 */
export function agentsRoutes({ agents, handoff, aiTexts }: { agents: AgentsService; handoff: HandoffService; aiTexts: AiTextsService }): Route[] {
  // Paths written out in full: routes-table.test.ts reads them from this file.
  const routes: Route[] = [];
  const idParam = { id: agentIdParam };

  routes.push({
    method: "get",
    path: "/v1/server/agents",
    operationId: "listAgents",
    tag: "agents",
    summary: "The app's AI agents (the API keys never: `apiKey.set` says whether one is stored)",
    auth: "server",
    ok: { 200: json("AgentsResponse", "Every agent of the app, oldest first") },
    handle: async (ctx) => {
      ctx.body = { items: await agents.list(serverCallerOf(ctx)) } satisfies AgentsResponse;
    },
  });

  routes.push({
    method: "post",
    path: "/v1/server/agents",
    operationId: "createAgent",
    tag: "agents",
    summary:
      "Make an AI agent: its user (`sub`, created or renamed) answers in a DM with it and where it is @mentioned in a group, its replies streamed from an OpenAI-compatible chat completions endpoint (at most 20 agents an app)",
    auth: "server",
    body: { name: "CreateAgentRequest", schema: createAgentBody },
    ok: { 201: json("Agent", "Made") },
    errors: [409],
    handle: async (ctx) => {
      ctx.status = 201;
      ctx.body = (await agents.create(serverCallerOf(ctx), parse(createAgentBody, ctx.request.body))) satisfies Agent;
    },
  });

  routes.push({
    method: "get",
    path: "/v1/server/agents/:id",
    operationId: "getAgent",
    tag: "agents",
    summary: "One AI agent",
    auth: "server",
    params: idParam,
    ok: { 200: json("Agent", "The agent") },
    errors: [404],
    handle: async (ctx) => {
      ctx.body = (await agents.get(serverCallerOf(ctx), pathParam(ctx, "id"))) satisfies Agent;
    },
  });

  routes.push({
    method: "patch",
    path: "/v1/server/agents/:id",
    operationId: "updateAgent",
    tag: "agents",
    summary: "Change an AI agent: fields left out keep their value; `apiKey: null` removes the key",
    auth: "server",
    params: idParam,
    body: { name: "UpdateAgentRequest", schema: updateAgentBody },
    ok: { 200: json("Agent", "The agent now") },
    errors: [404],
    handle: async (ctx) => {
      ctx.body = (await agents.update(serverCallerOf(ctx), pathParam(ctx, "id"), parse(updateAgentBody, ctx.request.body))) satisfies Agent;
    },
  });

  routes.push({
    method: "delete",
    path: "/v1/server/agents/:id",
    operationId: "deleteAgent",
    tag: "agents",
    summary: "Remove an AI agent: it answers nobody any more; its user and messages stay",
    auth: "server",
    params: idParam,
    ok: { 204: empty("Removed") },
    errors: [404],
    handle: async (ctx) => {
      await agents.remove(serverCallerOf(ctx), pathParam(ctx, "id"));
      ctx.status = 204;
    },
  });

  routes.push({
    method: "get",
    path: "/v1/server/agent-settings",
    operationId: "getAgentSettings",
    tag: "agents",
    summary:
      "To whom the app's agents hand a conversation (off, the default; the moderators; named users), and which agents translate and summarize for members (null: off)",
    auth: "server",
    ok: { 200: json("AgentSettings", "The settings") },
    handle: async (ctx) => {
      ctx.body = (await handoff.settings(serverCallerOf(ctx))) satisfies AgentSettings;
    },
  });

  routes.push({
    method: "put",
    path: "/v1/server/agent-settings",
    operationId: "setAgentSettings",
    tag: "agents",
    summary:
      "Set to whom the app's agents hand a conversation (hand-off on: the models get the `handoff` tool, members may ask for a person), and which agent translates and which summarizes (left out: unchanged; an id of no agent of the app: 400)",
    auth: "server",
    body: { name: "AgentSettingsRequest", schema: agentSettingsBody },
    ok: { 200: json("AgentSettings", "The settings now") },
    handle: async (ctx) => {
      ctx.body = (await handoff.setSettings(serverCallerOf(ctx), parse(agentSettingsBody, ctx.request.body))) satisfies AgentSettings;
    },
  });

  routes.push({
    method: "post",
    path: "/v1/conversations/:id/handoff",
    operationId: "requestHandoff",
    tag: "conversations",
    summary:
      "Talk to a person: a reply the agent is writing stops, the conversation's agents answer there no more, the app's people join (a DM: in a group made for it), a notice says so, and it is in the moderation queue. 409 handoff_off when the app hands off to nobody, no_agent without an agent; at most AGENT_HANDOFFS_PER_USER_PER_MINUTE a user",
    auth: "bearer",
    params: { id: handoffConversationParam },
    ok: { 200: json("HandoffResponse", "Handed off (or, asked again, as it was)") },
    errors: [404, 409, 429],
    handle: async (ctx) => {
      ctx.body = (await handoff.request(callerOf(ctx), pathParam(ctx, "id"))) satisfies HandoffResponse;
    },
  });

  routes.push({
    method: "post",
    path: "/v1/messages/:id/translate",
    operationId: "translateMessage",
    tag: "messages",
    summary:
      "The message's text in one of the 16 languages, written by the model of the app's `translateAgentId` through its word filter; kept per message, language and text (asked again: `cached`, no model asked). 409 translate_off while the app does not translate; 503 model_unavailable when the model cannot answer; a model request is limited as a question to an agent (AGENT_REQUESTS_PER_*, AGENT_TOKENS_PER_*)",
    auth: "bearer",
    params: { id: aiTextParam },
    body: { name: "AiTextRequest", schema: aiTextBody },
    ok: { 200: json("MessageTranslation", "The translation") },
    errors: [404, 409],
    handle: async (ctx) => {
      const { language } = parse(aiTextBody, ctx.request.body);
      ctx.body = (await aiTexts.translate(callerOf(ctx), pathParam(ctx, "id"), language)) satisfies MessageTranslation;
    },
  });

  routes.push({
    method: "post",
    path: "/v1/conversations/:id/summary",
    operationId: "summarizeConversation",
    tag: "conversations",
    summary:
      "What the caller has not read (after their read mark; with fewer than two unread, the last 50 messages), at most the newest 200 text messages, summarized in one of the 16 languages by the model of the app's `summarizeAgentId`; kept per range and language. 409 summarize_off while the app does not summarize; 503 model_unavailable; limited as a question to an agent",
    auth: "bearer",
    params: { id: aiTextParam },
    body: { name: "AiTextRequest", schema: aiTextBody },
    ok: { 200: json("ConversationSummary", "The summary") },
    errors: [404, 409],
    handle: async (ctx) => {
      const { language } = parse(aiTextBody, ctx.request.body);
      ctx.body = (await aiTexts.summarize(callerOf(ctx), pathParam(ctx, "id"), language)) satisfies ConversationSummary;
    },
  });

  return routes;
}
