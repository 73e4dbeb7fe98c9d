import type { EntityManager } from "typeorm";
import type { NewEvent } from "../events/event-log.js";
import { step } from "./call-machine.js";
import { lockCall, saveCall } from "./call-store.js";
import { presentCall } from "./calls.presenter.js";

/**
 * Calls' part in an account's deletion, inside its unit (data-rights/deletion.ts): the calls the
 * user is still rung for or in are left first (dropped: a call with fewer than two left in it
 * ends, and its entry is posted after the commit like any other's), then every participant row of
 * theirs goes. The calls themselves stay: they are their conversations' history (`startedBy` then
 * names the tombstone, as every other id of theirs kept by the app does). Answers the events to emit.
 */
export async function forgetCallsOf(m: EntityManager, appId: string, userId: string, now = Date.now()): Promise<NewEvent[]> {
  const live: { callId: string }[] = await m.query(
    `SELECT p.callId AS callId FROM call_participants p JOIN calls c ON c.id = p.callId
      WHERE p.appId = ? AND p.userId = ? AND p.state IN ('invited', 'ringing', 'joined') AND c.liveKey IS NOT NULL`,
    [appId, userId],
  );
  const events: NewEvent[] = [];
  for (const { callId } of live) {
    const loaded = await lockCall(m, appId, callId);
    const result = step(loaded.call, loaded.participants, { kind: "drop", userId }, now);
    if (result.changed) await saveCall(m, loaded);
    if (result.visible)
      events.push({
        type: result.ended ? "call.ended" : "call.updated",
        conversationId: loaded.call.conversationId,
        userId,
        data: { call: presentCall(loaded.call, loaded.participants) },
      });
  }
  await m.query("DELETE FROM call_participants WHERE appId = ? AND userId = ?", [appId, userId]);
  return events;
}
