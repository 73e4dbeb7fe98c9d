import type { Agent, AgentSettings, AgentsResponse } from "@parley/sdk/protocol";
import { agentIdParam, agentSettingsBody, createAgentBody, updateAgentBody } from "../agents/agents.schema.js";
import type { AgentsService } from "../agents/agents.service.js";
import type { HandoffService } from "../agents/handoff.js";
import { consoleCallerOf, pathParam } from "../request/context.js";
import { empty, json, type Route } from "../request/route.js";
import { parse } from "../shared/validate.js";
import type { ConsoleAccess } from "./access.js";
import { appIdParam } from "./console.schema.js";

export interface ConsoleAgentsDeps {
  access: ConsoleAccess;
  agents: Pick<AgentsService, "list" | "create" | "update" | "remove">;
  handoff: Pick<HandoffService, "settings" | "setSettings">;
}

/**
 * `/v1/console/apps/:appId/agents…` (issue 54): an app's AI agents from the console, the server
 * API's bodies and answers (agents/agents.schema.ts) under the console's roles: viewers read,
 * admins and owners make, change and remove them. API keys are write-only here as there. Each
 * change is in the console's audit log.
 */
export function consoleAgentsRoutes({ access, agents, handoff }: ConsoleAgentsDeps): Route[] {
  // Paths written out in full, as in console.routes.ts.
  const routes: Route[] = [];
  const appParam = { appId: appIdParam };
  const agentParams = { appId: appIdParam, agentId: agentIdParam };

  routes.push({
    method: "get",
    path: "/v1/console/apps/:appId/agents",
    operationId: "listConsoleAgents",
    tag: "console",
    summary: "The app's AI agents (viewers, admins, owners; API keys never answered)",
    auth: "console",
    params: appParam,
    ok: { 200: json("AgentsResponse", "Every agent of the app, oldest first") },
    errors: [404],
    handle: async (ctx) => {
      const c = consoleCallerOf(ctx);
      const app = await access.appFor(c, pathParam(ctx, "appId"), "read");
      ctx.body = { items: await agents.list(access.actingAs(c, app)) } satisfies AgentsResponse;
    },
  });

  routes.push({
    method: "post",
    path: "/v1/console/apps/:appId/agents",
    operationId: "createConsoleAgent",
    tag: "console",
    summary: "Make an AI agent (admins, owners): its user (`sub`) answers in DMs and where mentioned, with a model behind an OpenAI-compatible endpoint",
    auth: "console",
    params: appParam,
    body: { name: "CreateAgentRequest", schema: createAgentBody },
    ok: { 201: json("Agent", "Made") },
    errors: [404, 409],
    handle: async (ctx) => {
      const c = consoleCallerOf(ctx);
      const app = await access.appFor(c, pathParam(ctx, "appId"), "configure");
      const made = await agents.create(access.actingAs(c, app), parse(createAgentBody, ctx.request.body));
      await access.record(c, "agent.created", app.id, made.id);
      ctx.status = 201;
      ctx.body = made satisfies Agent;
    },
  });

  routes.push({
    method: "patch",
    path: "/v1/console/apps/:appId/agents/:agentId",
    operationId: "updateConsoleAgent",
    tag: "console",
    summary: "Change an AI agent (admins, owners): fields left out keep their value; `apiKey: null` removes the key",
    auth: "console",
    params: agentParams,
    body: { name: "UpdateAgentRequest", schema: updateAgentBody },
    ok: { 200: json("Agent", "The agent now") },
    errors: [404],
    handle: async (ctx) => {
      const c = consoleCallerOf(ctx);
      const app = await access.appFor(c, pathParam(ctx, "appId"), "configure");
      const saved = await agents.update(access.actingAs(c, app), pathParam(ctx, "agentId"), parse(updateAgentBody, ctx.request.body));
      await access.record(c, "agent.updated", app.id, saved.id);
      ctx.body = saved satisfies Agent;
    },
  });

  routes.push({
    method: "delete",
    path: "/v1/console/apps/:appId/agents/:agentId",
    operationId: "deleteConsoleAgent",
    tag: "console",
    summary: "Remove an AI agent (admins, owners): it answers nobody any more; its user and messages stay",
    auth: "console",
    params: agentParams,
    ok: { 204: empty("Removed") },
    errors: [404],
    handle: async (ctx) => {
      const c = consoleCallerOf(ctx);
      const app = await access.appFor(c, pathParam(ctx, "appId"), "configure");
      await agents.remove(access.actingAs(c, app), pathParam(ctx, "agentId"));
      await access.record(c, "agent.removed", app.id, pathParam(ctx, "agentId"));
      ctx.status = 204;
    },
  });

  routes.push({
    method: "get",
    path: "/v1/console/apps/:appId/agent-settings",
    operationId: "getConsoleAgentSettings",
    tag: "console",
    summary: "To whom the app's agents hand a conversation (viewers, admins, owners)",
    auth: "console",
    params: appParam,
    ok: { 200: json("AgentSettings", "The settings") },
    errors: [404],
    handle: async (ctx) => {
      const c = consoleCallerOf(ctx);
      const app = await access.appFor(c, pathParam(ctx, "appId"), "read");
      ctx.body = (await handoff.settings(access.actingAs(c, app))) satisfies AgentSettings;
    },
  });

  routes.push({
    method: "put",
    path: "/v1/console/apps/:appId/agent-settings",
    operationId: "setConsoleAgentSettings",
    tag: "console",
    summary: "Set to whom the app's agents hand a conversation (admins, owners): off, the moderators, or named users",
    auth: "console",
    params: appParam,
    body: { name: "AgentSettingsRequest", schema: agentSettingsBody },
    ok: { 200: json("AgentSettings", "The settings now") },
    errors: [404],
    handle: async (ctx) => {
      const c = consoleCallerOf(ctx);
      const app = await access.appFor(c, pathParam(ctx, "appId"), "configure");
      const saved = await handoff.setSettings(access.actingAs(c, app), parse(agentSettingsBody, ctx.request.body));
      await access.record(c, "agent.settings", app.id, null);
      ctx.body = saved satisfies AgentSettings;
    },
  });

  return routes;
}
