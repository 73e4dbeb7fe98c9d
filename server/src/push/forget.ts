import type { EntityManager } from "typeorm";
import { PushSubscriptionEntity } from "./push.entities.js";

/**
 * Account deletion's part of push/ (issue 31), in the deleting unit: every subscription of the
 * user goes, whatever session made it (ending the sessions removes most of them already; this
 * catches those of sessions that had expired). The app's keys and settings are not the user's.
 */
export async function forgetPushSubscriptionsOf(m: EntityManager, appId: string, userId: string): Promise<void> {
  await m.delete(PushSubscriptionEntity, { appId, userId });
}
