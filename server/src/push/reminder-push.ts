import type { DataSource } from "typeorm";
import type { PushPayload, ReminderDue } from "@parley/sdk/protocol";
import type { RingTarget } from "./call-push.js";
import type { PushSettingsEntity } from "./push.entities.js";
import type { PushService } from "./push.service.js";
import { PUSH_TEXT_MAX_CHARS } from "./push.schema.js";

/**
 * A reminder's pushes (issue 55): every device the user subscribed, `live` while its session has
 * not ended. Whether or not a socket of theirs is open (they asked to be reminded; the widget shows
 * it too), and whatever the conversation's mute (a mute silences others' messages, not their own
 * reminders).
 */
export function reminderTargets(db: DataSource, appId: string, userId: string, now: number): Promise<RingTarget[]> {
  return db.query(
    `SELECT s.id, s.userId, s.endpoint, s.p256dh, s.auth,
       CASE WHEN s.sessionId IS NULL OR EXISTS (
         SELECT 1 FROM refresh_tokens t WHERE t.familyId = s.sessionId AND t.revokedAt IS NULL AND t.expiresAt > ?) THEN 1 ELSE 0 END AS live
     FROM push_subscriptions s WHERE s.appId = ? AND s.userId = ?`,
    [now, appId, userId],
  );
}

/** "Reminder: a message from Ada"; the text only with the app's opt-in, as a message's push. In English, as those are. */
export async function reminderPayloadOf(db: DataSource, appId: string, due: ReminderDue, includeText: boolean): Promise<PushPayload> {
  const maxChars = PUSH_TEXT_MAX_CHARS;
  const { message } = due;
  const rows: { displayName: string }[] = message.senderId
    ? await db.query("SELECT displayName FROM users WHERE id = ? AND appId = ?", [message.senderId, appId])
    : [];
  const name = rows[0]?.displayName;
  const chars = [...(message.text ?? "")];
  const text = includeText && chars.length > 0 ? (chars.length <= maxChars ? message.text : `${chars.slice(0, maxChars - 1).join("")}…`) : "";
  return {
    title: name ? `Reminder: a message from ${name}` : "Reminder: a message",
    ...(text ? { body: text } : {}),
    conversationId: message.conversationId,
    messageId: message.id,
    appId,
  };
}

/** What a reminder's pushes need: the live devices, the body, the app's keys; null when there is nothing to send. */
export async function reminderPush(
  db: DataSource,
  push: Pick<PushService, "settingsOf">,
  appId: string,
  userId: string,
  due: ReminderDue,
): Promise<{ targets: RingTarget[]; body: string; settings: PushSettingsEntity } | null> {
  const targets = (await reminderTargets(db, appId, userId, Date.now())).filter((r) => Number(r.live) === 1);
  const settings = targets.length > 0 ? await push.settingsOf(appId) : null;
  if (!settings) return null;
  return { targets, body: JSON.stringify(await reminderPayloadOf(db, appId, due, Boolean(settings.includeText))), settings };
}
