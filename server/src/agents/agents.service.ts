import type { DataSource } from "typeorm";
import type { Agent, AgentTool } from "@parley/sdk/protocol";
import { marks } from "../db/sql.js";
import type { UnitOfWork } from "../db/unit-of-work.js";
import type { ServerCaller } from "../shared/caller.js";
import { AppError, notFound } from "../shared/errors.js";
import { newId } from "../shared/ids.js";
import { invalidField } from "../shared/validate.js";
import type { UsersService } from "../users/users.service.js";
import { assertPublicTarget } from "../webhooks/url-guard.js";
import { AgentEntity, AgentSettingsEntity } from "./agent.entity.js";
import type { CreateAgentInput, UpdateAgentInput } from "./agents.schema.js";

/** At most this many agents per app. */
export const AGENTS_PER_APP = 20;

export interface AgentsDeps {
  db: DataSource;
  uow: UnitOfWork;
  users: Pick<UsersService, "upsertBySub" | "get" | "markAgent">;
  /** AGENT_ALLOW_PRIVATE=1: endpoints on loopback and private networks (a model on this machine or network). */
  allowPrivate: boolean;
}

const iso = (ms: number): string => new Date(ms).toISOString();

/**
 * An app's AI agents (issue 54), managed by the host's backend: each is a user of the app (made or
 * renamed through users/ by its `sub`) and a model connection. The owner of `agents`. The API key
 * is write-only. Who answers and how is agent-runner.ts's.
 */
export class AgentsService {
  /** Every app's enabled agents by user id, read when first needed and after each change on this node. */
  private cache = new Map<string, Map<string, AgentEntity>>();

  constructor(private readonly deps: AgentsDeps) {}

  async list(caller: ServerCaller): Promise<Agent[]> {
    const rows = await this.deps.db.getRepository(AgentEntity).find({ where: { appId: caller.appId }, order: { createdAt: "ASC", id: "ASC" } });
    if (rows.length === 0) return [];
    // Their users in one read (at most AGENTS_PER_APP).
    const users: { id: string; externalId: string | null; displayName: string }[] = await this.deps.db.query(
      `SELECT id, externalId, displayName FROM users WHERE appId = ? AND id IN (${marks(rows.length)})`,
      [caller.appId, ...rows.map((r) => r.userId)],
    );
    const byId = new Map(users.map((u) => [u.id, u]));
    return rows.map((r) => this.presentWith(r, byId.get(r.userId)));
  }

  async get(caller: ServerCaller, id: string): Promise<Agent> {
    return this.present(await this.row(caller.appId, id));
  }

  async create(caller: ServerCaller, input: CreateAgentInput): Promise<Agent> {
    await this.checkEndpoint(input.endpoint);
    const count = await this.deps.db.getRepository(AgentEntity).countBy({ appId: caller.appId });
    if (count >= AGENTS_PER_APP) throw new AppError("conflict", `An app has at most ${AGENTS_PER_APP} agents`, { reason: "too_many_agents" });
    const { user } = await this.deps.users.upsertBySub(caller, { sub: input.sub, name: input.name });
    const now = Date.now();
    const row: AgentEntity = {
      id: newId("agt"),
      appId: caller.appId,
      userId: user.id,
      endpoint: input.endpoint,
      model: input.model,
      apiKey: input.apiKey ?? null,
      systemPrompt: input.systemPrompt ?? "",
      contextMessages: input.contextMessages ?? 20,
      temperature: Math.round((input.temperature ?? 0.7) * 100),
      maxTokens: input.maxTokens ?? 1024,
      enabled: input.enabled ?? true,
      tools: input.tools?.length ? JSON.stringify(input.tools) : null,
      createdAt: now,
      updatedAt: now,
    };
    try {
      await this.deps.uow.run(({ m }) => m.insert(AgentEntity, row));
    } catch (err) {
      if (await this.deps.db.getRepository(AgentEntity).findOneBy({ appId: caller.appId, userId: user.id }))
        throw new AppError("conflict", "This user is an agent already", { reason: "agent_exists" });
      throw err;
    }
    await this.deps.users.markAgent(caller.appId, user.id, true);
    this.cache.delete(caller.appId);
    return this.present(row);
  }

  async update(caller: ServerCaller, id: string, input: UpdateAgentInput): Promise<Agent> {
    const row = await this.row(caller.appId, id);
    if (input.endpoint !== undefined) await this.checkEndpoint(input.endpoint);
    if (input.name !== undefined) {
      const user = await this.deps.users.get(caller.appId, row.userId);
      await this.deps.users.upsertBySub(caller, { sub: user.externalId ?? "", name: input.name });
    }
    const next: AgentEntity = {
      ...row,
      ...(input.endpoint !== undefined ? { endpoint: input.endpoint } : {}),
      ...(input.model !== undefined ? { model: input.model } : {}),
      ...(input.apiKey !== undefined ? { apiKey: input.apiKey } : {}),
      ...(input.systemPrompt !== undefined ? { systemPrompt: input.systemPrompt } : {}),
      ...(input.contextMessages !== undefined ? { contextMessages: input.contextMessages } : {}),
      ...(input.temperature !== undefined ? { temperature: Math.round(input.temperature * 100) } : {}),
      ...(input.maxTokens !== undefined ? { maxTokens: input.maxTokens } : {}),
      ...(input.enabled !== undefined ? { enabled: input.enabled } : {}),
      ...(input.tools !== undefined ? { tools: input.tools.length ? JSON.stringify(input.tools) : null } : {}),
      updatedAt: Date.now(),
    };
    await this.deps.uow.run(({ m }) => m.save(AgentEntity, next));
    this.cache.delete(caller.appId);
    return this.present(next);
  }

  /** The agent goes; its user and its messages stay (as any member's would). */
  async remove(caller: ServerCaller, id: string): Promise<void> {
    const row = await this.row(caller.appId, id);
    await this.deps.uow.run(async ({ m }) => {
      await m.delete(AgentEntity, { appId: caller.appId, id: row.id });
      // It translated or summarized for the app: that is off now, not pointing at nothing.
      await m.update(AgentSettingsEntity, { appId: caller.appId, translateAgentId: row.id }, { translateAgentId: null });
      await m.update(AgentSettingsEntity, { appId: caller.appId, summarizeAgentId: row.id }, { summarizeAgentId: null });
    });
    await this.deps.users.markAgent(caller.appId, row.userId, false);
    this.cache.delete(caller.appId);
  }

  /** The app's enabled agents by their user id (cached on this node; other nodes' changes within AGENT_CACHE_MS). */
  async enabledOf(appId: string): Promise<Map<string, AgentEntity>> {
    const had = this.cache.get(appId);
    if (had) return had;
    const rows = await this.deps.db.getRepository(AgentEntity).findBy({ appId, enabled: true });
    const map = new Map(rows.map((r) => [r.userId, r]));
    this.cache.set(appId, map);
    // Another node's change is seen within a short while: the cache is dropped after it.
    setTimeout(() => this.cache.get(appId) === map && this.cache.delete(appId), AGENT_CACHE_MS).unref();
    return map;
  }

  private async row(appId: string, id: string): Promise<AgentEntity> {
    const row = id.length <= 32 ? await this.deps.db.getRepository(AgentEntity).findOneBy({ appId, id }) : null;
    if (!row) throw notFound("Agent");
    return row;
  }

  private async checkEndpoint(endpoint: string): Promise<void> {
    try {
      await assertPublicTarget(endpoint, this.deps.allowPrivate);
    } catch (err) {
      if (!(err instanceof AppError)) throw err;
      throw invalidField("endpoint", "A private or local network address: set AGENT_ALLOW_PRIVATE=1 for a model on this machine or network");
    }
  }

  private async present(r: AgentEntity): Promise<Agent> {
    return this.presentWith(r, await this.deps.users.get(r.appId, r.userId));
  }

  private presentWith(r: AgentEntity, user: { externalId: string | null; displayName: string } | undefined): Agent {
    return {
      id: r.id,
      userId: r.userId,
      sub: user?.externalId ?? "",
      name: user?.displayName ?? "",
      endpoint: r.endpoint,
      model: r.model,
      apiKey: { set: r.apiKey !== null },
      systemPrompt: r.systemPrompt,
      contextMessages: r.contextMessages,
      temperature: r.temperature / 100,
      maxTokens: r.maxTokens,
      enabled: Boolean(r.enabled),
      tools: toolsOf(r),
      createdAt: iso(r.createdAt),
      updatedAt: iso(r.updatedAt),
    };
  }
}

/** An agent's tools as stored (checked on the way in: agents.schema.ts). */
export function toolsOf(r: Pick<AgentEntity, "tools">): AgentTool[] {
  if (!r.tools) return [];
  try {
    const parsed = JSON.parse(r.tools) as unknown;
    return Array.isArray(parsed) ? (parsed as AgentTool[]) : [];
  } catch {
    return [];
  }
}

/** How long a node keeps an app's agents before reading them again (another node's change shows within it). */
export const AGENT_CACHE_MS = 5_000;
