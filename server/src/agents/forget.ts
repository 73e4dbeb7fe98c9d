import type { EntityManager } from "typeorm";
import { AgentEntity, AgentHandoffEntity, AgentSettingsEntity } from "./agent.entity.js";

/**
 * Account deletion's part of agents/ (issue 54), in the deleting unit: an agent whose own user is
 * deleted goes with it (its model connection and key). People who talked to an agent keep nothing
 * here but hand-offs they asked for (no longer naming them) and the app's list of people to hand
 * off to (they leave it); their messages are messages/'s. The texts models wrote of their words go:
 * the translations of their messages, and the summaries of every conversation they wrote in (a
 * summary quotes and names its writers). An app's deletion removes its agents (tenancy/app-deletion.ts).
 */
export async function forgetAgentOf(m: EntityManager, appId: string, userId: string): Promise<void> {
  const theirs = await m.findBy(AgentEntity, { appId, userId });
  await m.delete(AgentEntity, { appId, userId });
  // Such an agent translated or summarized for the app: off now.
  for (const a of theirs) {
    await m.update(AgentSettingsEntity, { appId, translateAgentId: a.id }, { translateAgentId: null });
    await m.update(AgentSettingsEntity, { appId, summarizeAgentId: a.id }, { summarizeAgentId: null });
  }
  // A hand-off they asked for stays (the agent keeps out of that conversation), no longer naming them.
  await m.update(AgentHandoffEntity, { appId, requestedBy: userId }, { requestedBy: null });
  // Named as a person to hand off to: no longer.
  const settings = await m.findOneBy(AgentSettingsEntity, { appId });
  const named = settings?.handoffUserIds ? (JSON.parse(settings.handoffUserIds) as string[]) : [];
  if (named.includes(userId)) await m.update(AgentSettingsEntity, { appId }, { handoffUserIds: JSON.stringify(named.filter((id) => id !== userId)) });
  // The models' texts of their words (ai_texts): their messages' translations, the summaries of where they wrote.
  await m.query("DELETE FROM ai_texts WHERE appId = ? AND messageId IN (SELECT id FROM messages WHERE appId = ? AND senderId = ?)", [appId, appId, userId]);
  await m.query(
    "DELETE FROM ai_texts WHERE appId = ? AND kind = 'summary' AND conversationId IN (SELECT conversationId FROM messages WHERE appId = ? AND senderId = ?)",
    [appId, appId, userId],
  );
}
