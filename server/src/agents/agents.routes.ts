import type { Agent, AgentsResponse } from "@parley/sdk/protocol";
import { pathParam, serverCallerOf } from "../request/context.js";
import { empty, json, type Route } from "../request/route.js";
import { parse } from "../shared/validate.js";
import { agentIdParam, createAgentBody, updateAgentBody } from "./agents.schema.js";
import type { AgentsService } from "./agents.service.js";

/**
 * `/v1/server/agents…` (issue 54): the host's backend manages its app's AI agents. The API key is
 * write-only: answers say only whether one is set.
 */
export function agentsRoutes({ agents }: { agents: AgentsService }): Route[] {
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

  return routes;
}
