import type { DataSource } from "typeorm";
import type { UnitOfWork } from "../db/unit-of-work.js";
import { insertIgnoring } from "../db/insert-ignoring.js";
import { marks } from "../db/sql.js";
import type { PresenceService } from "../presence/presence.service.js";
import { newId } from "../shared/ids.js";
import { EmailOutboxEntity } from "./email.entities.js";
import { MAX_CONVERSATIONS, renderEmail, type UnreadConversation } from "./email.render.js";
import { type EffectiveSettings, type EmailService, inQuietHours } from "./email.service.js";

/** Unread messages older than this start no e-mail (the sweep reads the last day's conversations, not the app's history). */
const LOOKBACK_MS = 24 * 3_600_000;
/** The shortest wait an app may set (waitMinutes >= 1): the sweep's query looks at least this far back. */
const MIN_APP_WAIT_MS = 60_000;
/** Newest unread messages read for one e-mail. */
const DETAIL_ROWS = 60;
/** Texts quoted per conversation (with the app's opt-in). */
const TEXTS_PER_CONVERSATION = 3;

type Row = Record<string, unknown>;

export interface DecideDeps {
  db: DataSource;
  uow: UnitOfWork;
  email: Pick<EmailService, "effective" | "unsubscribeUrl">;
  /** Online anywhere (a socket on any node, or within the presence grace). */
  presence: Pick<PresenceService, "isOnline">;
}

/**
 * Who gets an e-mail now (issue 55), one pass. A user is e-mailed when, all together:
 * - they have messages unread (not their own, not deleted, not thread replies) in conversations
 *   they have not muted, from senders they have not blocked, the oldest of them older than the
 *   app's wait window (a read moves their read mark past them: nothing is left to tell);
 * - they have no socket on any node (presence) and were last seen before the window began;
 * - their preference is not `never` and they have an address (the host's, else their account's);
 * - their app sends e-mail (its own SMTP settings, or the deployment's);
 * - no e-mail of this quiet period exists yet: the period is named by the first unread message
 *   (`m:<id>`: further messages before they read add nothing), or by the user's calendar day (in
 *   their time zone) for `daily`.
 * The e-mail is rendered here and written to the outbox in one unit, INSERT … IGNORE on the
 * period's unique key: nodes deciding at once write one row. Sending is email-notifier.ts's.
 * - it is not their quiet hours, in their time zone (UTC without one): a user in them is decided
 *   again at each pass, and written once they end (the period's key is the same then).
 */
export async function decideEmails(deps: DecideDeps, now: number, baseWaitMs: number): Promise<number> {
  const { db } = deps;
  const newest = now - Math.min(baseWaitMs, MIN_APP_WAIT_MS);
  // Driven by memberships, not by messages: each member behind in a conversation active today, and
  // the first message they have not read there (an index range on the conversation's ids, stopping
  // at the first that counts). Joining members to all their unread messages read members x messages:
  // on a million-message app it took over 100 s on MariaDB, every pass.
  const behind: Row[] = await db.query(
    `SELECT mb.appId AS appId, mb.userId AS userId,
            (SELECT MIN(x.id) FROM messages x
              WHERE x.conversationId = mb.conversationId AND x.id > mb.lastReadMessageId AND x.createdAt >= ?
                AND x.senderId <> mb.userId AND x.deletedAt IS NULL AND x.threadId IS NULL
                AND NOT EXISTS (SELECT 1 FROM blocks b WHERE b.blockerId = mb.userId AND b.blockedId = x.senderId)) AS firstId
       FROM conversations c
       JOIN members mb ON mb.conversationId = c.id AND mb.muted = 0 AND mb.lastReadMessageId < c.lastMessageId
      WHERE c.lastActivityAt >= ?`,
    [now - LOOKBACK_MS, now - LOOKBACK_MS],
  );
  const firstIds = [...new Set(behind.filter((r) => r["firstId"] !== null).map((r) => Number(r["firstId"])))];
  const createdAt = new Map<number, number>();
  for (let i = 0; i < firstIds.length; i += 500) {
    const ids = firstIds.slice(i, i + 500);
    const rows: Row[] = await db.query(`SELECT id, createdAt FROM messages WHERE id IN (${marks(ids.length)})`, ids);
    for (const r of rows) createdAt.set(Number(r["id"]), Number(r["createdAt"]));
  }
  // Per user: their first unread message anywhere, if it is older than the shortest wait.
  const firstOf = new Map<string, Row>();
  for (const r of behind) {
    if (r["firstId"] === null) continue;
    const id = Number(r["firstId"]);
    const oldest = createdAt.get(id);
    if (oldest === undefined || oldest > newest) continue;
    const key = `${String(r["appId"])}\u0000${String(r["userId"])}`;
    const had = firstOf.get(key);
    if (!had) firstOf.set(key, { appId: r["appId"], userId: r["userId"], firstId: id, oldest });
    else firstOf.set(key, { ...had, firstId: Math.min(id, Number(had["firstId"])), oldest: Math.min(oldest, Number(had["oldest"])) });
  }
  const candidates = [...firstOf.values()];
  const byApp = new Map<string, Row[]>();
  for (const r of candidates) {
    if (deps.presence.isOnline(String(r["userId"]))) continue;
    byApp.set(String(r["appId"]), [...(byApp.get(String(r["appId"])) ?? []), r]);
  }
  let written = 0;
  for (const [appId, rows] of byApp) {
    const settings = await deps.email.effective(db, appId);
    if (!settings) continue;
    const due = rows.filter((r) => Number(r["oldest"]) <= now - settings.waitMs);
    if (due.length === 0) continue;
    const apps: Row[] = await db.query("SELECT name, allowedOrigins FROM apps WHERE id = ? AND disabledAt IS NULL", [appId]);
    const app = apps[0];
    if (!app) continue;
    const people: Row[] = await db.query(
      `SELECT u.id, u.displayName, u.email, u.lastSeenAt, r.address, r.preference, r.locale, r.timeZone, r.quietFrom, r.quietTo FROM users u
         LEFT JOIN email_recipients r ON r.appId = u.appId AND r.userId = u.id
       WHERE u.appId = ? AND u.deletedAt IS NULL AND u.id IN (${marks(due.length)})`,
      [appId, ...due.map((r) => r["userId"])],
    );
    const sent: Row[] = await db.query(`SELECT userId, periodKey FROM email_outbox WHERE appId = ? AND userId IN (${marks(due.length)})`, [
      appId,
      ...due.map((r) => r["userId"]),
    ]);
    const had = new Set(sent.map((s) => `${String(s["userId"])}\u0000${String(s["periodKey"])}`));
    for (const c of due) {
      const userId = String(c["userId"]);
      const p = people.find((u) => u["id"] === userId);
      if (!p) continue;
      const preference = (p["preference"] as string | null) ?? "every";
      const address = (p["address"] as string | null) ?? (p["email"] as string | null);
      if (preference === "never" || !address) continue;
      // In their quiet hours: not now. The period's key is unchanged, so the first pass after them writes it.
      const num = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));
      if (inQuietHours(now, num(p["quietFrom"]), num(p["quietTo"]), (p["timeZone"] as string | null) ?? null)) continue;
      const lastSeen = p["lastSeenAt"] === null ? null : Number(p["lastSeenAt"]);
      if (lastSeen !== null && lastSeen > now - settings.waitMs) continue;
      const periodKey = preference === "daily" ? `d:${localDay(now, (p["timeZone"] as string | null) ?? null)}` : `m:${String(c["firstId"])}`;
      if (had.has(`${userId}\u0000${periodKey}`)) continue;
      if (deps.presence.isOnline(userId)) continue;
      const conversations = await unreadOf(db, appId, userId, settings, linkBase(app));
      if (conversations.length === 0) continue;
      const unsubscribeUrl = deps.email.unsubscribeUrl(appId, userId);
      const mail = renderEmail({
        appName: String(app["name"]),
        userName: String(p["displayName"]),
        locale: (p["locale"] as string | null) ?? null,
        conversations,
        unsubscribeUrl,
      });
      written += await deps.uow.run(({ m }) =>
        insertIgnoring(m, EmailOutboxEntity, [
          {
            id: newId("mail"),
            appId,
            userId,
            periodKey,
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
        ]),
      );
    }
  }
  return written;
}

/** The user's calendar day at `at` (YYYY-MM-DD in their time zone, UTC without one): a daily e-mail's period. */
function localDay(at: number, timeZone: string | null): string {
  try {
    return new Intl.DateTimeFormat("en-CA", { timeZone: timeZone ?? "UTC", year: "numeric", month: "2-digit", day: "2-digit" }).format(at);
  } catch {
    return new Date(at).toISOString().slice(0, 10);
  }
}

/** Where the widget is, by default: the app's first allowed origin. */
export function linkBase(app: Row): string | null {
  const raw = app["allowedOrigins"];
  const origins = typeof raw === "string" ? (JSON.parse(raw) as string[]) : Array.isArray(raw) ? (raw as string[]) : [];
  const first = origins.find((o) => /^https?:\/\//.test(o));
  return first ?? null;
}

/** The link that opens the widget on a conversation: the app's template, else its site with `?parley-conversation=`. */
export function linkFor(template: string | null, base: string | null, appId: string, conversationId: string): string {
  if (template) return template.replaceAll("{conversationId}", encodeURIComponent(conversationId)).replaceAll("{appId}", encodeURIComponent(appId));
  const url = new URL(base ?? "http://localhost/");
  url.searchParams.set("parley-conversation", conversationId);
  return url.toString();
}

/** The user's unread conversations, newest first: muted ones and blocked senders left out, texts only with the opt-in. */
async function unreadOf(db: DataSource, appId: string, userId: string, settings: EffectiveSettings, base: string | null): Promise<UnreadConversation[]> {
  const rows: Row[] = await db.query(
    `SELECT c.id AS conversationId, c.kind, c.name, x.id, x.text, u.displayName AS senderName
       FROM members mb
       JOIN conversations c ON c.id = mb.conversationId
       JOIN messages x ON x.conversationId = mb.conversationId AND x.id > mb.lastReadMessageId
       JOIN users u ON u.id = x.senderId
      WHERE mb.appId = ? AND mb.userId = ? AND mb.muted = 0
        AND x.senderId <> mb.userId AND x.deletedAt IS NULL AND x.threadId IS NULL
        AND NOT EXISTS (SELECT 1 FROM blocks b WHERE b.blockerId = mb.userId AND b.blockedId = x.senderId)
      ORDER BY x.id DESC LIMIT ${DETAIL_ROWS}`,
    [appId, userId],
  );
  const out = new Map<string, UnreadConversation>();
  for (const r of rows) {
    const id = String(r["conversationId"]);
    const sender = String(r["senderName"]);
    let k = out.get(id);
    if (!k) {
      if (out.size >= MAX_CONVERSATIONS) continue;
      const name = r["kind"] === "group" ? String(r["name"] ?? "") : sender;
      k = { conversationId: id, name, senders: [], texts: [], link: linkFor(settings.link, base, appId, id) };
      out.set(id, k);
    }
    if (!k.senders.includes(sender)) k.senders.push(sender);
    const text = r["text"];
    if (settings.includeText && typeof text === "string" && text !== "" && k.texts.length < TEXTS_PER_CONVERSATION) k.texts.unshift(text);
  }
  return [...out.values()];
}
