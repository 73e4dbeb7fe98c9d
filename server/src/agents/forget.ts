import type { EntityManager } from "typeorm";
import { AgentEntity } from "./agent.entity.js";

/**
 * Account deletion's part of agents/ (issue 54), in the deleting unit: an agent whose own user is
 * deleted goes with it (its model connection and key). People who talked to an agent keep nothing
 * here: their messages are messages/'s. An app's deletion removes its agents (tenancy/app-deletion.ts).
 */
export async function forgetAgentOf(m: EntityManager, appId: string, userId: string): Promise<void> {
  await m.delete(AgentEntity, { appId, userId });
}
