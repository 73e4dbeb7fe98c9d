import type { EntityManager } from "typeorm";
import type { ThreadState } from "@parley/sdk/protocol";
import { blocksBetween } from "../contacts/relations.js";
import { dialectOf, marks, rowMarks } from "../db/sql.js";
import { countReplies } from "../messages/thread-roots.js";
import type { NewEvent } from "../events/event-log.js";
import { iso } from "../shared/time.js";

/** A fresh message as the send writer stored it, with what threads and mentions need. */
export interface StoredSend {
  appId: string;
  conversationId: string;
  /** "" for a system message: it follows nothing and mentions no one as someone. */
  senderId: string;
  id: number;
  threadId: number | null;
  mentions: string[];
}

const key = (...parts: (string | number)[]): string => parts.join("\u0000");

/**
 * The thread and mention side of a batch of sends, inside the send's unit of work, in a fixed
 * number of statements per batch (plus one UPDATE per existing follow a reply changes): the
 * mention rows; the roots' reply counts; the follows replying, being mentioned in a thread, or a
 * reply to one's root start. Returns the events to emit per app: `thread.updated` to the
 * conversation, `thread.state` and `mention` to one user each.
 *
 * Someone who blocked a sender is not notified by them (red-team G6): no `mention` event, no
 * follow (mentioned, or as the root's author). Their mention row is still written: it is the
 * message's `mentions`, which every reader sees, the blocked sender too, who must not learn of
 * the block from it; thread-counts.ts leaves such rows out of mentionCount.
 */
export async function recordThreadsAndMentions(m: EntityManager, sends: StoredSend[], now: number): Promise<Map<string, NewEvent[]>> {
  const out = new Map<string, NewEvent[]>();
  const push = (appId: string, e: NewEvent): void => void out.set(appId, [...(out.get(appId) ?? []), e]);

  const mentionRows = sends.flatMap((s) => s.mentions.map((u) => [s.id, u, s.appId, s.conversationId, s.threadId]));
  if (mentionRows.length) {
    await m.query(
      `INSERT INTO message_mentions (messageId, userId, appId, conversationId, threadId) VALUES ${rowMarks(mentionRows.length, 5)}`,
      mentionRows.flat(),
    );
  }

  const replies = sends.filter((s) => s.threadId !== null);
  // The roots' reply counts: the messages table's, so messages/ writes them.
  const rootRows = await countReplies(
    m,
    replies.map((r) => r.threadId!),
    now,
  );
  for (const r of rootRows) {
    push(r.appId, {
      type: "thread.updated",
      conversationId: r.conversationId,
      data: { conversationId: r.conversationId, rootId: String(r.id), thread: { replyCount: r.replyCount, lastReplyAt: iso(now) } },
    });
  }

  // Everyone these sends would notify, asked at once whether they blocked its sender.
  const blocked = await blocksBetween(
    m,
    [...sends.flatMap((s) => s.mentions), ...rootRows.map((r) => r.senderId)],
    sends.map((s) => s.senderId),
  );
  const notifies = (s: StoredSend, userId: string): boolean => userId !== s.senderId && !blocked(userId, s.senderId);

  if (replies.length) await follow(m, replies, new Map(rootRows.map((r) => [r.id, r.senderId])), notifies, now, push);

  for (const s of sends) {
    for (const userId of s.mentions) {
      if (!notifies(s, userId)) continue;
      push(s.appId, {
        type: "mention",
        conversationId: null,
        userId,
        data: {
          conversationId: s.conversationId,
          messageId: String(s.id),
          threadId: s.threadId === null ? null : String(s.threadId),
          senderId: s.senderId || null,
        },
      });
    }
  }
  return out;
}

/**
 * Who follows what after these replies: the replier follows again and has read up to their reply;
 * the root's author and those mentioned in the reply start following unless they have a row
 * already (an explicit unfollow stays) or the reply does not notify them (`notifies`: they
 * blocked its sender). Each new or changed row is told to its user.
 */
async function follow(
  m: EntityManager,
  replies: StoredSend[],
  rootSenders: Map<number, string>,
  notifies: (reply: StoredSend, userId: string) => boolean,
  now: number,
  push: (appId: string, e: NewEvent) => void,
): Promise<void> {
  type Want = { appId: string; conversationId: string; rootId: number; userId: string; readTo: number };
  const wants = new Map<string, Want>();
  const want = (w: Want): void => {
    if (!w.userId) return; // system messages
    const k = key(w.rootId, w.userId);
    const old = wants.get(k);
    wants.set(k, old ? { ...old, readTo: Math.max(old.readTo, w.readTo) } : w);
  };
  for (const r of replies) {
    const rootId = r.threadId!;
    const base = { appId: r.appId, conversationId: r.conversationId, rootId };
    want({ ...base, userId: r.senderId, readTo: r.id });
    for (const u of [rootSenders.get(rootId) ?? "", ...r.mentions]) if (notifies(r, u)) want({ ...base, userId: u, readTo: 0 });
  }
  const list = [...wants.values()];
  const rootIds = [...new Set(list.map((w) => w.rootId))];
  const userIds = [...new Set(list.map((w) => w.userId))];
  const existing: { rootId: number | string; userId: string; following: unknown; lastReadMessageId: number | string }[] = await m.query(
    `SELECT rootId, userId, following, lastReadMessageId FROM thread_follows WHERE rootId IN (${marks(rootIds.length)}) AND userId IN (${marks(userIds.length)})`,
    [...rootIds, ...userIds],
  );
  const have = new Map(existing.map((r) => [key(Number(r.rootId), r.userId), { following: Boolean(Number(r.following)), read: Number(r.lastReadMessageId) }]));
  const inserts: Want[] = [];
  const told = (w: Want, following: boolean, read: number): void => {
    const state: ThreadState = { conversationId: w.conversationId, rootId: String(w.rootId), following, lastReadMessageId: String(read) };
    push(w.appId, { type: "thread.state", conversationId: null, userId: w.userId, data: state });
  };
  for (const w of list) {
    const row = have.get(key(w.rootId, w.userId));
    if (!row) {
      inserts.push(w);
      told(w, true, w.readTo);
    } else if (w.readTo > 0 && (!row.following || w.readTo > row.read)) {
      // Only the replier has readTo > 0: they follow again and have read up to their reply.
      const read = Math.max(row.read, w.readTo);
      await m.query("UPDATE thread_follows SET following = 1, lastReadMessageId = ?, updatedAt = ? WHERE rootId = ? AND userId = ?", [
        read,
        now,
        w.rootId,
        w.userId,
      ]);
      told(w, true, read);
    }
  }
  if (inserts.length) {
    // Another node's batch may have inserted one meanwhile: ignore it, theirs is as good.
    const verb = dialectOf(m) === "mysql" ? "INSERT IGNORE" : "INSERT OR IGNORE";
    await m.query(
      `${verb} INTO thread_follows (rootId, userId, appId, conversationId, following, lastReadMessageId, updatedAt) VALUES ${rowMarks(inserts.length, 7)}`,
      inserts.flatMap((w) => [w.rootId, w.userId, w.appId, w.conversationId, 1, w.readTo, now]),
    );
  }
}
