import type { DataSource } from "typeorm";
import type { Call, PushPayload } from "@parley/sdk/protocol";
import { marks } from "../db/sql.js";

/**
 * A ring's push lives as long as a ring does by default (CALL_RING_TIMEOUT_SEC, 45 s): a push
 * service holding it longer would show a call that is long over.
 */
export const CALL_PUSH_TTL_SEC = 60;

/** A subscription to push to, as the recipients query reads it; `live`: its session has not ended. */
export interface RingTarget {
  id: string;
  userId: string;
  endpoint: string;
  p256dh: string;
  auth: string;
  live: number | string;
}

/**
 * The call's invitees whom no device has rung for yet (`invited`), with their subscriptions: those
 * who muted the conversation or blocked the caller get none, as with messages (a block also keeps
 * the policy from ringing them; this holds whatever the policy becomes).
 */
export async function ringTargets(db: DataSource, appId: string, call: Call, now: number): Promise<RingTarget[]> {
  const invitees = call.participants.filter((p) => p.state === "invited" && p.userId !== call.startedBy).map((p) => p.userId);
  if (invitees.length === 0) return [];
  return db.query(
    `SELECT s.id, s.userId, s.endpoint, s.p256dh, s.auth,
       CASE WHEN s.sessionId IS NULL OR EXISTS (
         SELECT 1 FROM refresh_tokens t WHERE t.familyId = s.sessionId AND t.revokedAt IS NULL AND t.expiresAt > ?) THEN 1 ELSE 0 END AS live
     FROM push_subscriptions s
     WHERE s.appId = ? AND s.userId IN (${marks(invitees.length)})
       AND s.userId IN (SELECT mb.userId FROM members mb WHERE mb.conversationId = ? AND mb.muted = 0)
       AND NOT EXISTS (SELECT 1 FROM blocks b WHERE b.appId = ? AND b.blockerId = s.userId AND b.blockedId = ?)`,
    [now, appId, ...invitees, call.conversationId, appId, call.startedBy],
  );
}

/** Of `userIds`, those the call still rings for with no device ringing (`invited`), while it is live. */
export async function stillInvited(db: DataSource, callId: string, userIds: string[]): Promise<Set<string>> {
  if (userIds.length === 0) return new Set();
  const rows: { userId: string }[] = await db.query(
    `SELECT p.userId FROM call_participants p JOIN calls c ON c.id = p.callId
      WHERE p.callId = ? AND p.userId IN (${marks(userIds.length)}) AND p.state = 'invited' AND c.liveKey IS NOT NULL`,
    [callId, ...userIds],
  );
  return new Set(rows.map((r) => r.userId));
}

/**
 * A ring's push: "Ada is calling", "Incoming video call" (in a group, "… in <group>"). In English,
 * as a message's push is (the server knows no reader's language); the widget says the ringing
 * itself in the visitor's language once the click opens it.
 */
export async function callPayloadOf(db: DataSource, appId: string, call: Call): Promise<PushPayload | null> {
  const info: { kind: string; name: string | null; callerName: string | null }[] = await db.query(
    "SELECT c.kind, c.name, (SELECT u.displayName FROM users u WHERE u.id = ? AND u.appId = c.appId) AS callerName FROM conversations c WHERE c.id = ? AND c.appId = ?",
    [call.startedBy, call.conversationId, appId],
  );
  const c = info[0];
  if (!c) return null;
  const how = call.kind === "video" ? "Incoming video call" : "Incoming voice call";
  return {
    title: c.callerName ? `${c.callerName} is calling` : "Incoming call",
    body: c.kind === "group" && c.name ? `${how} in ${c.name}` : how,
    conversationId: call.conversationId,
    call: { id: call.id, kind: call.kind },
    appId,
  };
}
