import type { EntityManager } from "typeorm";
import { dialectOf, marks, valuesTable } from "../db/sql.js";
import { SYSTEM_SENDER } from "./message.entity.js";

/**
 * The reads of a send batch's checks (send-writer.ts `plan`), each for every item it may concern.
 * The batch asks them all at once, so on MySQL they go to the database in one round trip
 * (db/pipeline.ts); the checks then use what concerns the items still to be stored.
 */

/** What the reads need of a send (messages/send-writer.ts SendItem has it). */
export interface ReadItem {
  appId: string;
  conversationId: string;
  senderId: string;
  clientMessageId: string | null;
  replyToId: number | null;
  threadId: number | null;
  mentions: string[];
}

export const key = (...parts: string[]): string => parts.join("\u0000");
export const unique = <T>(xs: T[]): T[] => [...new Set(xs)];

/** Check 1's rows: the senders' memberships, and for DMs the partner's, with its block of a sender. */
export function readMembers(
  m: EntityManager,
  items: ReadItem[],
): Promise<{ conversationId: string; userId: string; appId: string; kind: string; blockedId: string | null }[]> {
  const conversationIds = unique(items.map((i) => i.conversationId));
  const senderIds = unique(items.map((i) => i.senderId));
  return m.query(
    `SELECT mb.conversationId AS conversationId, mb.userId AS userId, mb.appId AS appId, c.kind AS kind, b.blockedId AS blockedId
       FROM members mb JOIN conversations c ON c.id = mb.conversationId
       LEFT JOIN blocks b ON c.kind = 'direct' AND b.blockerId = mb.userId AND b.appId = mb.appId AND b.blockedId IN (${marks(senderIds.length)})
      WHERE mb.conversationId IN (${marks(conversationIds.length)}) AND (mb.userId IN (${marks(senderIds.length)}) OR c.kind = 'direct')`,
    [...senderIds, ...conversationIds, ...senderIds],
  );
}

/** The conversations of system messages (no sender), by key(appId, id). */
export async function readSystemConversations(m: EntityManager, items: ReadItem[]): Promise<Set<string>> {
  const ids = unique(items.filter((it) => it.senderId === SYSTEM_SENDER).map((it) => it.conversationId));
  if (ids.length === 0) return new Set();
  const rows: { id: string; appId: string }[] = await m.query(`SELECT id, appId FROM conversations WHERE id IN (${marks(ids.length)})`, ids);
  return new Set(rows.map((r) => key(r.appId, r.id)));
}

/** Messages stored earlier with the items' clientMessageIds, by key(appId, senderId, clientMessageId). */
export async function readClientIds(m: EntityManager, items: ReadItem[]): Promise<Map<string, { id: number; conversationId: string }>> {
  const withClientId = items.filter((it) => it.clientMessageId !== null);
  const byApp = await Promise.all(
    unique(withClientId.map((it) => it.appId)).map(async (appId) => {
      const pairs = new Map(
        withClientId.filter((it) => it.appId === appId).map((it) => [key(it.senderId, it.clientMessageId!), [it.senderId, it.clientMessageId]]),
      );
      // Each (sender, clientMessageId) pair is one look-up in uq_messages_client_id. Two IN lists
      // (senders, ids) asked for every combination of them: MariaDB made one index look-up a
      // combination, and SQLite read every message of each sender (issue 56).
      const v = valuesTable(dialectOf(m), ["senderId", "clientMessageId"], [...pairs.values()]);
      const rows: { id: number | string; conversationId: string; senderId: string; clientMessageId: string }[] = await m.query(
        `SELECT m.id, m.conversationId, m.senderId, m.clientMessageId FROM ${v.sql}
          JOIN messages m ON m.appId = ? AND m.senderId = v.senderId AND m.clientMessageId = v.clientMessageId`,
        [...v.params, appId],
      );
      return rows.map((r) => [key(appId, r.senderId, r.clientMessageId), { id: Number(r.id), conversationId: r.conversationId }] as const);
    }),
  );
  return new Map(byApp.flat());
}

/** The replies' and thread replies' targets: live messages, and those of them that can be a thread's root. */
export async function readReplyTargets(m: EntityManager, items: ReadItem[]): Promise<{ live: Set<string>; roots: Set<string> }> {
  const ids = unique(items.flatMap((it) => [it.replyToId, it.threadId].filter((x): x is number => x !== null)));
  if (ids.length === 0) return { live: new Set(), roots: new Set() };
  const rows: { id: number | string; appId: string; conversationId: string; deletedAt: unknown; threadId: unknown }[] = await m.query(
    `SELECT id, appId, conversationId, deletedAt, threadId FROM messages WHERE id IN (${marks(ids.length)})`,
    ids,
  );
  const alive = rows.filter((r) => r.deletedAt === null);
  return {
    live: new Set(alive.map((r) => key(String(Number(r.id)), r.appId, r.conversationId))),
    roots: new Set(alive.filter((r) => r.threadId === null).map((r) => key(String(Number(r.id)), r.appId, r.conversationId))),
  };
}

/** Which of the mentioned users are members of the conversations they are mentioned in, by key(appId, conversationId, userId). */
export async function readMentioned(m: EntityManager, items: ReadItem[]): Promise<Set<string>> {
  const mentioning = items.filter((it) => it.mentions.length > 0);
  if (mentioning.length === 0) return new Set();
  const convs = unique(mentioning.map((it) => it.conversationId));
  const users = unique(mentioning.flatMap((it) => it.mentions));
  const rows: { conversationId: string; userId: string; appId: string }[] = await m.query(
    `SELECT conversationId, userId, appId FROM members WHERE conversationId IN (${marks(convs.length)}) AND userId IN (${marks(users.length)})`,
    [...convs, ...users],
  );
  return new Set(rows.map((r) => key(r.appId, r.conversationId, r.userId)));
}
