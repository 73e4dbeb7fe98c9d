import type { ChatError } from "./errors.js";
import type { ChatEvent, Message, ReactionSummary } from "./protocol.js";
import { StateDraft, tombstoneOf } from "./draft.js";
import { compareIds, type ChatState, type MessageItem } from "./state.js";

/**
 * Applies events from the log (live or a catch-up page) as ONE state update, in time linear in
 * the number of events. Pure: an event applied twice is a no-op. `cursor` (a sync answer's
 * `lastSeq`) moves `lastSeq` even past the last event.
 */
export function applyEvents(s: ChatState, events: readonly ChatEvent[], cursor = 0): ChatState {
  const d = new StateDraft(s);
  for (const e of events) applyTo(d, e);
  d.lastSeq = Math.max(d.lastSeq, cursor);
  return d.finish();
}

export function applyEvent(s: ChatState, e: ChatEvent): ChatState {
  return applyEvents(s, [e]);
}

/** Merges a page of server messages into a thread: deduplicated by id, oldest first. */
export function withMessages(s: ChatState, conversationId: string, page: readonly Message[], hasOlder?: boolean): ChatState {
  const d = new StateDraft(s);
  d.addMessages(conversationId, page, hasOlder);
  return d.finish();
}

/** Marks my unacknowledged send failed (it stays in the thread for a retry). */
export function markFailed(s: ChatState, conversationId: string, clientMessageId: string, error: ChatError): ChatState {
  const thread = s.threads[conversationId];
  if (!thread) return s;
  const messages = thread.messages.map((m) =>
    m.clientMessageId === clientMessageId && m.status === "pending" ? { ...m, status: "failed" as const, error } : m,
  );
  return { ...s, threads: { ...s.threads, [conversationId]: { ...thread, messages } } };
}

/** Replaces one message everywhere it shows (thread and conversation preview). */
function replaceMessage(d: StateDraft, m: Message, old: MessageItem | undefined): void {
  if (old) {
    // Broadcast payloads cannot know who "I" am: keep my own `mine` flags.
    const reactions = m.deletedAt ? [] : mergeMine(m.reactions, old.reactions);
    d.replaceMessage({ ...m, reactions, status: "sent" });
  }
  const c = d.conversation(m.conversationId);
  if (c?.lastMessage?.id === m.id) d.setConversation({ ...c, lastMessage: m });
}

function mergeMine(fresh: ReactionSummary[], old: ReactionSummary[]): ReactionSummary[] {
  return fresh.map((r) => ({ ...r, mine: old.find((o) => o.emoji === r.emoji)?.mine ?? r.mine }));
}

function loaded(d: StateDraft, conversationId: string, id: string): MessageItem | undefined {
  return d.thread(conversationId, false)?.get(id);
}

function applyTo(d: StateDraft, e: ChatEvent): void {
  const me = d.me;
  d.lastSeq = Math.max(d.lastSeq, e.seq);
  switch (e.type) {
    case "message.new": {
      const m = e.data.message;
      const known = loaded(d, m.conversationId, m.id) !== undefined;
      if (!known) d.addMessages(m.conversationId, [m]);
      const c = d.conversation(m.conversationId);
      if (!c || known || (c.lastMessage && compareIds(m.id, c.lastMessage.id) <= 0)) return;
      if (m.senderId === me) {
        // Sending reads everything before it (the server moves the sender's mark too).
        const members = c.members.map((x) => (x.userId === me ? { ...x, lastReadMessageId: m.id } : x));
        d.setConversation({ ...c, members, lastMessage: m, lastActivityAt: m.createdAt, unreadCount: 0 });
      } else {
        const mark = c.members.find((x) => x.userId === me)?.lastReadMessageId;
        const unread = mark === undefined || compareIds(m.id, mark) > 0;
        d.setConversation({ ...c, lastMessage: m, lastActivityAt: m.createdAt, unreadCount: c.unreadCount + (unread ? 1 : 0) });
      }
      return;
    }
    case "message.updated":
    case "message.deleted": {
      const cur = loaded(d, e.data.message.conversationId, e.data.message.id);
      // A late `updated` must not bring back a message that is already deleted.
      if (cur?.deletedAt && !e.data.message.deletedAt) return;
      return replaceMessage(d, e.data.message, cur);
    }
    case "reaction.updated": {
      const { conversationId, messageId, emoji, count, userId, added } = e.data;
      const m = loaded(d, conversationId, messageId);
      if (!m) return;
      const others = m.reactions.filter((r) => r.emoji !== emoji);
      const old = m.reactions.find((r) => r.emoji === emoji);
      const mine = userId === me ? added : (old?.mine ?? false);
      const reactions =
        count > 0 ? (old ? m.reactions.map((r) => (r.emoji === emoji ? { emoji, count, mine } : r)) : [...others, { emoji, count, mine }]) : others;
      return replaceMessage(d, { ...m, reactions }, m);
    }
    case "read.updated": {
      const c = d.conversation(e.data.conversationId);
      if (!c) return;
      const members = c.members.map((m) =>
        m.userId === e.data.userId && compareIds(e.data.lastReadMessageId, m.lastReadMessageId) > 0 ? { ...m, lastReadMessageId: e.data.lastReadMessageId } : m,
      );
      d.setConversation({ ...c, members });
      if (e.data.userId === me) d.recountUnread(c.id);
      return;
    }
    case "conversation.created":
    case "conversation.updated": {
      const incoming = e.data.conversation;
      const prev = d.conversation(incoming.id);
      const myRole = incoming.members.find((m) => m.userId === me)?.role ?? null;
      // The payload is seen from the actor's side: my unread count and role are my own.
      return d.setConversation({ ...incoming, myRole, unreadCount: prev?.unreadCount ?? 0, lastMessage: prev?.lastMessage ?? incoming.lastMessage });
    }
    case "member.added": {
      const c = d.conversation(e.data.conversationId);
      if (!c) return;
      const ids = new Set(e.data.members.map((m) => m.userId));
      return d.setConversation({
        ...c,
        members: [...c.members.filter((m) => !ids.has(m.userId)), ...e.data.members],
        users: [...c.users.filter((u) => !ids.has(u.id)), ...e.data.users],
      });
    }
    case "member.updated": {
      const c = d.conversation(e.data.conversationId);
      if (!c) return;
      const members = c.members.map((m) => (m.userId === e.data.member.userId ? e.data.member : m));
      return d.setConversation({ ...c, members, myRole: e.data.member.userId === me ? e.data.member.role : c.myRole });
    }
    case "member.removed": {
      const { conversationId, userId } = e.data;
      if (userId === me) return d.removeConversation(conversationId);
      const c = d.conversation(conversationId);
      if (!c) return;
      return d.setConversation({ ...c, members: c.members.filter((m) => m.userId !== userId), users: c.users.filter((u) => u.id !== userId) });
    }
    case "user.deleted": {
      // Their account is gone: what they wrote here is tombstones now (a member.removed comes with it).
      const id = e.conversationId;
      if (!id) return;
      const { userId } = e.data;
      d.thread(id, false)?.tombstoneSender(userId, e.at);
      const c = d.conversation(id);
      const last = c?.lastMessage;
      if (!c || !last || last.senderId !== userId || last.deletedAt) return;
      return d.setConversation({ ...c, lastMessage: tombstoneOf(last, e.at) });
    }
    case "contact.updated":
      return; // the client re-reads /contacts: requests change in several places at once
  }
}
