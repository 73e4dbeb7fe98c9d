import type { EntityManager } from "typeorm";
import { insertIgnoring } from "../db/insert-ignoring.js";
import type { MessageEntity } from "../messages/message.entity.js";
import { newId } from "../shared/ids.js";
import { linkBase, linkFor } from "./email-decide.js";
import { EmailOutboxEntity } from "./email.entities.js";
import { renderReminderEmail } from "./email.render.js";
import type { EmailService } from "./email.service.js";

type Row = Record<string, unknown>;

/**
 * A reminder's e-mail (issue 55), queued in the unit that fires the reminder (scheduled/): one
 * outbox row, its period `r:<reminder id>` (so a reminder is e-mailed once, whichever node fires
 * it), sent by the e-mail notifier like any other. Per the user's wishes: none with `never` or no
 * address; `every` and `daily` alike get it (they asked for this one); quiet hours are not waited
 * out (they chose its time). The text only with the app's opt-in, as for unread messages.
 */
export async function queueReminderEmail(
  m: EntityManager,
  email: Pick<EmailService, "effective" | "unsubscribeUrl">,
  r: { appId: string; userId: string; reminderId: string; message: MessageEntity },
  now: number,
): Promise<boolean> {
  const settings = await email.effective(m, r.appId);
  if (!settings) return false;
  const rows: Row[] = await m.query(
    `SELECT u.displayName, u.email, er.address, er.preference, er.locale, a.name AS appName, a.allowedOrigins,
            c.kind, c.name AS conversationName, s.displayName AS senderName
       FROM users u
       JOIN apps a ON a.id = u.appId
       JOIN conversations c ON c.id = ? AND c.appId = u.appId
       LEFT JOIN users s ON s.id = ? AND s.appId = u.appId
       LEFT JOIN email_recipients er ON er.appId = u.appId AND er.userId = u.id
      WHERE u.id = ? AND u.appId = ? AND u.deletedAt IS NULL AND a.disabledAt IS NULL`,
    [r.message.conversationId, r.message.senderId, r.userId, r.appId],
  );
  const p = rows[0];
  if (!p) return false;
  const address = (p["address"] as string | null) ?? (p["email"] as string | null);
  if ((p["preference"] ?? "every") === "never" || !address) return false;
  const senderName = (p["senderName"] as string | null) ?? String(p["appName"]);
  const unsubscribeUrl = email.unsubscribeUrl(r.appId, r.userId);
  const mail = renderReminderEmail({
    appName: String(p["appName"]),
    userName: String(p["displayName"]),
    locale: (p["locale"] as string | null) ?? null,
    conversationName: p["kind"] === "group" ? String(p["conversationName"] ?? "") : senderName,
    senderName,
    text: settings.includeText && r.message.text ? r.message.text : null,
    link: linkFor(settings.link, linkBase(p), r.appId, r.message.conversationId),
    unsubscribeUrl,
  });
  const written = await insertIgnoring(m, EmailOutboxEntity, [
    {
      id: newId("mail"),
      appId: r.appId,
      userId: r.userId,
      periodKey: `r:${r.reminderId}`,
      status: "pending",
      attempts: 0,
      dueAt: now,
      toAddress: address,
      subject: mail.subject.slice(0, 300),
      textBody: mail.text,
      htmlBody: mail.html,
      unsubscribeUrl,
      lastError: null,
      createdAt: now,
      sentAt: null,
    },
  ]);
  return written === 1;
}
