import type { ChatError } from "./errors.js";
import type { ChatEvent, ContactsResponse, Conversation, Me, Message, Presence, ReactionSummary } from "./protocol.js";

/** A message as the client holds it: sent ones from the server, and its own not-yet-acked sends. */
export interface MessageItem extends Message {
  status: "sent" | "pending" | "failed";
  error?: ChatError;
}

export interface Thread {
  /** Oldest first; pending and failed sends at the end in the order they were written. */
  messages: MessageItem[];
  /** False once the first message of the conversation has been loaded. */
  hasOlder: boolean;
}

export type ConnectionState = "disconnected" | "connecting" | "connected";

export interface ChatState {
  me: Me | null;
  connection: ConnectionState;
  conversations: Record<string, Conversation>;
  /** Conversation ids, most recent activity first. */
  conversationOrder: string[];
  threads: Record<string, Thread>;
  presence: Record<string, Presence>;
  /** conversationId -> userId -> time (ms) the indicator expires. */
  typing: Record<string, Record<string, number>>;
  contacts: ContactsResponse | null;
  /** The last event seq applied. */
  lastSeq: number;
}

export const INITIAL_STATE: ChatState = {
  me: null,
  connection: "disconnected",
  conversations: {},
  conversationOrder: [],
  threads: {},
  presence: {},
  typing: {},
  contacts: null,
  lastSeq: 0,
};

/** Message ids are decimal strings: compare by length, then text. */
export function compareIds(a: string, b: string): number {
  return a.length - b.length || (a < b ? -1 : a > b ? 1 : 0);
}

export function orderConversations(all: Record<string, Conversation>): string[] {
  return Object.values(all)
    .sort((a, b) => (a.lastActivityAt < b.lastActivityAt ? 1 : a.lastActivityAt > b.lastActivityAt ? -1 : compareIds(b.id, a.id)))
    .map((c) => c.id);
}

/** Adds or replaces conversations (from REST), keeping the order by activity. */
export function withConversations(s: ChatState, list: Conversation[]): ChatState {
  if (list.length === 0) return s;
  const conversations = { ...s.conversations };
  for (const c of list) conversations[c.id] = c;
  return { ...s, conversations, conversationOrder: orderConversations(conversations) };
}

/** Merges a page of server messages into a thread: deduplicated by id, oldest first. */
export function withMessages(s: ChatState, conversationId: string, page: Message[], hasOlder?: boolean): ChatState {
  const thread = s.threads[conversationId] ?? { messages: [], hasOlder: true };
  const byId = new Map<string, MessageItem>();
  const pending: MessageItem[] = [];
  for (const m of thread.messages) (m.status === "sent" ? byId.set(m.id, m) : pending.push(m));
  for (const m of page) byId.set(m.id, { ...m, status: "sent" });
  const acked = new Set(page.map((m) => m.clientMessageId).filter(Boolean));
  const sent = [...byId.values()].sort((a, b) => compareIds(a.id, b.id));
  return {
    ...s,
    threads: {
      ...s.threads,
      [conversationId]: { messages: [...sent, ...pending.filter((p) => !acked.has(p.clientMessageId))], hasOlder: hasOlder ?? thread.hasOlder },
    },
  };
}

/** Replaces one message everywhere it shows (thread and conversation preview). */
function replaceMessage(s: ChatState, m: Message): ChatState {
  const thread = s.threads[m.conversationId];
  let next = s;
  if (thread) {
    const old = thread.messages.find((x) => x.id === m.id);
    if (old) {
      // Broadcast payloads cannot know who "I" am: keep my own `mine` flags.
      const reactions = m.deletedAt ? [] : mergeMine(m.reactions, old.reactions);
      const messages = thread.messages.map((x) => (x.id === m.id ? { ...m, reactions, status: "sent" as const } : x));
      next = { ...next, threads: { ...next.threads, [m.conversationId]: { ...thread, messages } } };
    }
  }
  const c = next.conversations[m.conversationId];
  if (c?.lastMessage?.id === m.id) next = withConversations(next, [{ ...c, lastMessage: m }]);
  return next;
}

function mergeMine(fresh: ReactionSummary[], old: ReactionSummary[]): ReactionSummary[] {
  return fresh.map((r) => ({ ...r, mine: old.find((o) => o.emoji === r.emoji)?.mine ?? r.mine }));
}

/** Applies one event from the log (live or from sync). Pure: the same event twice is a no-op. */
export function applyEvent(s: ChatState, e: ChatEvent): ChatState {
  const me = s.me?.id;
  let next: ChatState = { ...s, lastSeq: Math.max(s.lastSeq, e.seq) };
  switch (e.type) {
    case "message.new": {
      const m = e.data.message;
      const known = next.threads[m.conversationId]?.messages.some((x) => x.id === m.id);
      if (!known) next = withMessages(next, m.conversationId, [m]);
      const c = next.conversations[m.conversationId];
      if (c && !known && (!c.lastMessage || compareIds(m.id, c.lastMessage.id) > 0)) {
        const myMember = c.members.find((x) => x.userId === me);
        if (m.senderId === me) {
          // Sending reads everything before it (the server moves the sender's mark too).
          const members = c.members.map((x) => (x.userId === me ? { ...x, lastReadMessageId: m.id } : x));
          next = withConversations(next, [{ ...c, members, lastMessage: m, lastActivityAt: m.createdAt, unreadCount: 0 }]);
        } else {
          const unread = !myMember || compareIds(m.id, myMember.lastReadMessageId) > 0;
          next = withConversations(next, [{ ...c, lastMessage: m, lastActivityAt: m.createdAt, unreadCount: c.unreadCount + (unread ? 1 : 0) }]);
        }
      }
      return next;
    }
    case "message.updated":
    case "message.deleted": {
      const cur = next.threads[e.data.message.conversationId]?.messages.find((x) => x.id === e.data.message.id);
      // A late `updated` must not bring back a message that is already deleted.
      if (cur?.deletedAt && !e.data.message.deletedAt) return next;
      return replaceMessage(next, e.data.message);
    }
    case "reaction.updated": {
      const { conversationId, messageId, emoji, count, userId, added } = e.data;
      const thread = next.threads[conversationId];
      const m = thread?.messages.find((x) => x.id === messageId);
      if (!thread || !m) return next;
      const others = m.reactions.filter((r) => r.emoji !== emoji);
      const old = m.reactions.find((r) => r.emoji === emoji);
      const mine = userId === me ? added : (old?.mine ?? false);
      const reactions = count > 0 ? (old ? m.reactions.map((r) => (r.emoji === emoji ? { emoji, count, mine } : r)) : [...others, { emoji, count, mine }]) : others;
      return replaceMessage(next, { ...m, reactions });
    }
    case "read.updated": {
      const c = next.conversations[e.data.conversationId];
      if (!c) return next;
      const members = c.members.map((m) => (m.userId === e.data.userId && compareIds(e.data.lastReadMessageId, m.lastReadMessageId) > 0 ? { ...m, lastReadMessageId: e.data.lastReadMessageId } : m));
      let unreadCount = c.unreadCount;
      if (e.data.userId === me) {
        const mark = e.data.lastReadMessageId;
        const loaded = next.threads[c.id]?.messages ?? [];
        unreadCount = c.lastMessage && compareIds(mark, c.lastMessage.id) >= 0 ? 0 : loaded.filter((m) => m.status === "sent" && m.senderId !== me && !m.deletedAt && compareIds(m.id, mark) > 0).length;
      }
      return withConversations(next, [{ ...c, members, unreadCount }]);
    }
    case "conversation.created":
    case "conversation.updated": {
      const incoming = e.data.conversation;
      const prev = next.conversations[incoming.id];
      const myRole = incoming.members.find((m) => m.userId === me)?.role ?? null;
      // The payload is seen from the actor's side: my unread count and role are my own.
      return withConversations(next, [{ ...incoming, myRole, unreadCount: prev?.unreadCount ?? 0, lastMessage: prev?.lastMessage ?? incoming.lastMessage }]);
    }
    case "member.added": {
      const c = next.conversations[e.data.conversationId];
      if (!c) return next;
      const ids = new Set(e.data.members.map((m) => m.userId));
      return withConversations(next, [
        {
          ...c,
          members: [...c.members.filter((m) => !ids.has(m.userId)), ...e.data.members],
          users: [...c.users.filter((u) => !ids.has(u.id)), ...e.data.users],
        },
      ]);
    }
    case "member.updated": {
      const c = next.conversations[e.data.conversationId];
      if (!c) return next;
      const members = c.members.map((m) => (m.userId === e.data.member.userId ? e.data.member : m));
      return withConversations(next, [{ ...c, members, myRole: e.data.member.userId === me ? e.data.member.role : c.myRole }]);
    }
    case "member.removed": {
      const { conversationId, userId } = e.data;
      if (userId === me) {
        const conversations = { ...next.conversations };
        delete conversations[conversationId];
        const threads = { ...next.threads };
        delete threads[conversationId];
        return { ...next, conversations, threads, conversationOrder: orderConversations(conversations) };
      }
      const c = next.conversations[conversationId];
      if (!c) return next;
      return withConversations(next, [{ ...c, members: c.members.filter((m) => m.userId !== userId), users: c.users.filter((u) => u.id !== userId) }]);
    }
    case "contact.updated":
      return next; // the client re-reads /contacts: requests change in several places at once
  }
}
