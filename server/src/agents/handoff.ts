import type { RateLimiterAbstract } from "rate-limiter-flexible";
import type { DataSource } from "typeorm";
import type { AgentSettings, HandoffResponse } from "@parley/sdk/protocol";
import type { ConversationsService } from "../conversations/conversations.service.js";
import type { MembershipGuard } from "../conversations/membership.js";
import { isUniqueViolation } from "../db/db-errors.js";
import { marks } from "../db/sql.js";
import type { UnitOfWork } from "../db/unit-of-work.js";
import type { MessagesService } from "../messages/messages.service.js";
import type { StreamingService } from "../messages/streaming.js";
import type { ModerationService } from "../moderation/moderation.service.js";
import type { ServerCaller, UserCaller } from "../shared/caller.js";
import { AppError } from "../shared/errors.js";
import { consume } from "../shared/rate-limit.js";
import { invalidField } from "../shared/validate.js";
import { AgentHandoffEntity, AgentSettingsEntity } from "./agent.entity.js";
import type { AgentSettingsInput } from "./agents.schema.js";
import type { AgentsService } from "./agents.service.js";

export interface HandoffDeps {
  db: DataSource;
  uow: UnitOfWork;
  agents: Pick<AgentsService, "enabledOf">;
  membership: Pick<MembershipGuard, "require">;
  conversations: Pick<ConversationsService, "addMembersByServer" | "createByServer">;
  messages: Pick<MessagesService, "send">;
  streams: Pick<StreamingService, "stopRepliesOf">;
  moderation: Pick<ModerationService, "queueHandoff">;
  /** "Talk to a person" per user (AGENT_HANDOFFS_PER_USER_PER_MINUTE). */
  perUser: RateLimiterAbstract;
}

/** People named to hand off to, at most. */
export const HANDOFF_USERS_MAX = 20;
const DEFAULTS: AgentSettings = { handoffTo: "off", handoffUserIds: [], translateAgentId: null, summarizeAgentId: null };
/** The group a DM's hand-off makes is named so (its members see who joined). */
const GROUP_NAME = "Talk to a person";

/**
 * Hand-off to people (issue 54): a member's "Talk to a person" or the model's `handoff` tool.
 * The conversation's agents answer there no more (agent_handoffs, read by agent-runner.ts before
 * each reply), the app's people (its moderators, or the users its settings name) are brought in,
 * a system message says a person will join, and the conversation is in the moderation queue (a
 * report with reason `handoff`). A group gets the people as members; a DM takes no more members,
 * so a group is made for it (its key `handoff:<dm id>`: one per DM, whichever node or retry) with
 * the member and the people, and the DM's notice names it. Once per conversation: asked again,
 * the first answer (`created: false`). Off unless the app's settings name who.
 */
export class HandoffService {
  constructor(private readonly deps: HandoffDeps) {}

  async settings(caller: ServerCaller | { appId: string }): Promise<AgentSettings> {
    const row = await this.deps.db.getRepository(AgentSettingsEntity).findOneBy({ appId: caller.appId });
    if (!row) return { ...DEFAULTS };
    return {
      handoffTo: row.handoffTo,
      handoffUserIds: row.handoffUserIds ? (JSON.parse(row.handoffUserIds) as string[]) : [],
      translateAgentId: row.translateAgentId ?? null,
      summarizeAgentId: row.summarizeAgentId ?? null,
    };
  }

  /** The whole of the settings: hand-off as given; the translating and summarizing agents as given, or unchanged when left out. */
  async setSettings(caller: ServerCaller | { appId: string }, input: AgentSettingsInput): Promise<AgentSettings> {
    const ids = [...new Set(input.handoffUserIds)];
    if (ids.length > 0) {
      const found: { id: string }[] = await this.deps.db.query(`SELECT id FROM users WHERE appId = ? AND id IN (${marks(ids.length)})`, [caller.appId, ...ids]);
      const known = new Set(found.map((r) => r.id));
      const missing = ids.findIndex((id) => !known.has(id));
      if (missing >= 0) throw invalidField(`handoffUserIds.${missing}`, "No user of this app has this id");
    }
    if (input.handoffTo === "users" && ids.length === 0) throw invalidField("handoffUserIds", "Name at least one user to hand off to");
    for (const field of ["translateAgentId", "summarizeAgentId"] as const) {
      const id = input[field];
      if (!id) continue;
      const found: unknown[] = await this.deps.db.query("SELECT id FROM agents WHERE appId = ? AND id = ?", [caller.appId, id]);
      if (found.length === 0) throw invalidField(field, "No agent of this app has this id");
    }
    const was = await this.settings(caller);
    const row: AgentSettingsEntity = {
      appId: caller.appId,
      handoffTo: input.handoffTo,
      handoffUserIds: JSON.stringify(ids),
      translateAgentId: input.translateAgentId === undefined ? was.translateAgentId : input.translateAgentId,
      summarizeAgentId: input.summarizeAgentId === undefined ? was.summarizeAgentId : input.summarizeAgentId,
      updatedAt: Date.now(),
    };
    await this.deps.uow.run(({ m }) => m.save(AgentSettingsEntity, row));
    return { handoffTo: row.handoffTo, handoffUserIds: ids, translateAgentId: row.translateAgentId, summarizeAgentId: row.summarizeAgentId };
  }

  /** Whether the app hands off at all (its models are offered the `handoff` tool). */
  async enabled(appId: string): Promise<boolean> {
    return (await this.settings({ appId })).handoffTo !== "off";
  }

  /** Of these conversations, those handed to people. */
  async handedOff(appId: string, conversationIds: string[]): Promise<Set<string>> {
    if (conversationIds.length === 0) return new Set();
    const rows: { conversationId: string }[] = await this.deps.db.query(
      `SELECT conversationId FROM agent_handoffs WHERE appId = ? AND conversationId IN (${marks(conversationIds.length)})`,
      [appId, ...conversationIds],
    );
    return new Set(rows.map((r) => r.conversationId));
  }

  /** A member's "Talk to a person": a non-member gets the 404 of a missing conversation; then the app's settings, then the quota. */
  async request(caller: UserCaller, conversationId: string): Promise<HandoffResponse> {
    const { appId } = caller;
    await this.deps.membership.require(appId, conversationId, caller.user);
    const settings = await this.settings(caller);
    if (settings.handoffTo === "off") throw new AppError("conflict", "This app does not hand conversations to people", { reason: "handoff_off" });
    const agentUserId = await this.agentIn(appId, conversationId);
    if (!agentUserId) throw new AppError("conflict", "No agent answers in this conversation", { reason: "no_agent" });
    await consume(this.deps.perUser, `${appId}:${caller.user}`);
    // The reply being written stops first: the notice that a person will join comes after it.
    await this.deps.streams.stopRepliesOf(caller, conversationId, agentUserId);
    return this.handOff(appId, settings, { conversationId, agentUserId, requestedBy: caller.user, note: null });
  }

  /** The model's `handoff` tool (agent-reply.ts): nothing when the app hands off to nobody. */
  async byModel(appId: string, input: { conversationId: string; agentUserId: string; reason: string }): Promise<void> {
    const settings = await this.settings({ appId });
    if (settings.handoffTo === "off") return;
    await this.handOff(appId, settings, {
      conversationId: input.conversationId,
      agentUserId: input.agentUserId,
      requestedBy: null,
      note: input.reason || null,
    });
  }

  private async handOff(
    appId: string,
    settings: AgentSettings,
    input: { conversationId: string; agentUserId: string; requestedBy: string | null; note: string | null },
  ): Promise<HandoffResponse> {
    const { conversationId } = input;
    const done = await this.deps.db.getRepository(AgentHandoffEntity).findOneBy({ appId, conversationId });
    if (done) return this.answer(appId, done, settings, false);
    const caller: ServerCaller = { appId, server: "agents:handoff" };
    const conv: { kind: string }[] = await this.deps.db.query("SELECT kind FROM conversations WHERE appId = ? AND id = ?", [appId, conversationId]);
    const members: { userId: string }[] = await this.deps.db.query("SELECT userId FROM members WHERE conversationId = ?", [conversationId]);
    const agents = await this.deps.agents.enabledOf(appId);
    const people = (await this.people(appId, settings)).filter((id) => !agents.has(id));
    let groupId: string | null = null;
    if (conv[0]?.kind === "direct") {
      const humans = members.map((r) => r.userId).filter((id) => !agents.has(id) && id !== input.agentUserId);
      const made = await this.deps.conversations.createByServer(caller, {
        kind: "group",
        userIds: [...new Set([...humans, ...people])],
        name: GROUP_NAME,
        key: `handoff:${conversationId}`,
      });
      groupId = made.conversation.id;
    } else if (people.length > 0) {
      await this.deps.conversations.addMembersByServer(caller, { id: conversationId, userIds: people });
    }
    const row: AgentHandoffEntity = { conversationId, appId, agentUserId: input.agentUserId, requestedBy: input.requestedBy, groupId, createdAt: Date.now() };
    let announce: (() => void) | undefined;
    try {
      await this.deps.uow.run(async ({ m }) => {
        await m.insert(AgentHandoffEntity, row);
        announce = (
          await this.deps.moderation.queueHandoff(m, appId, {
            conversationId,
            requestedBy: input.requestedBy ?? input.agentUserId,
            agentUserId: input.agentUserId,
            note: input.note,
          })
        ).announce;
      });
    } catch (err) {
      // Another request handed it off meanwhile: its answer.
      if (!isUniqueViolation(err)) throw err;
      const raced = await this.deps.db.getRepository(AgentHandoffEntity).findOneByOrFail({ appId, conversationId });
      return this.answer(appId, raced, settings, false);
    }
    announce?.();
    const text = groupId ? `A person will join you in the conversation “${GROUP_NAME}”.` : "A person will join this conversation shortly.";
    await this.deps.messages.send(caller, { conversationId, text, clientMessageId: `handoff:${conversationId}` });
    if (groupId)
      await this.deps.messages.send(caller, {
        conversationId: groupId,
        text: "A person will join this conversation shortly.",
        clientMessageId: `handoff:${groupId}`,
      });
    return this.answer(appId, row, settings, true);
  }

  private async answer(appId: string, row: AgentHandoffEntity, settings: AgentSettings, created: boolean): Promise<HandoffResponse> {
    const agents = await this.deps.agents.enabledOf(appId);
    return { conversationId: row.groupId ?? row.conversationId, userIds: (await this.people(appId, settings)).filter((id) => !agents.has(id)), created };
  }

  /** The conversation's agent (an enabled agent among its members), if any. */
  private async agentIn(appId: string, conversationId: string): Promise<string | undefined> {
    const agents = await this.deps.agents.enabledOf(appId);
    if (agents.size === 0) return undefined;
    const rows: { userId: string }[] = await this.deps.db.query(`SELECT userId FROM members WHERE conversationId = ? AND userId IN (${marks(agents.size)})`, [
      conversationId,
      ...agents.keys(),
    ]);
    return rows[0]?.userId;
  }

  private async people(appId: string, settings: AgentSettings): Promise<string[]> {
    if (settings.handoffTo === "users") return settings.handoffUserIds;
    if (settings.handoffTo === "off") return [];
    const rows: { userId: string }[] = await this.deps.db.query("SELECT userId FROM app_moderators WHERE appId = ? ORDER BY createdAt LIMIT ?", [
      appId,
      HANDOFF_USERS_MAX,
    ]);
    return rows.map((r) => r.userId);
  }
}
