import type { ChatError } from "./errors.js";
import type {
  ChatEvent,
  Conversation,
  GroupInvitation,
  Message,
  Page,
  Presence,
  ReactionSummary,
  ThreadPage,
  ThreadState,
  TypingEvent,
} from "./protocol/index.js";
import { StateDraft, tombstoneOf } from "./draft.js";
import { compareIds, emptyReplies, type ChatState, type MessageItem, type Thread } from "./state.js";

/**
 * Applies events from the log (live or a catch-up page) as ONE state update, in time linear in
 * the number of events. Pure: an event applied twice is a no-op (but for `mention`, a count: the
 * client applies each seq once). `cursor` (a sync answer's
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

/**
 * Merges server messages (a history page, an ack, an edit) where each shows: a conversation's
 * timeline (deduplicated by id, oldest first; `hasOlder` is its history's), a loaded thread's replies.
 */
export function withMessages(s: ChatState, conversationId: string, page: readonly Message[], hasOlder?: boolean): ChatState {
  const d = new StateDraft(s);
  const t = d.thread(conversationId)!;
  t.hasOlder = hasOlder ?? t.hasOlder;
  t.changed = true;
  d.addMessages(page);
  return d.finish();
}

/** Merges a page of a thread (`ThreadHandle.load`, `loadOlder`): its replies, root, and my state there as the server has it. */
export function withThreadPage(s: ChatState, { root, items, nextCursor, ...mine }: ThreadPage): ChatState {
  const d = new StateDraft(s);
  d.setReplies(root.id, { ...mine, conversationId: root.conversationId, root }).hasOlder = nextCursor !== null;
  d.addMessages(items);
  return d.finish();
}

/**
 * Changes the list a message of mine shows in: its thread's replies or its conversation's
 * timeline; missing, it is made from `empty`, else (or when `change` returns the list as it was) nothing changes.
 */
export function withList(
  s: ChatState,
  m: Pick<Message, "conversationId" | "threadId">,
  change: (list: MessageItem[]) => MessageItem[],
  empty?: Thread,
): ChatState {
  const key = m.threadId ? "replies" : "threads";
  const all: Record<string, Thread> = s[key];
  const id = m.threadId ?? m.conversationId;
  const cur = all[id] ?? empty;
  const messages = cur && change(cur.messages);
  return cur && messages !== cur.messages ? { ...s, [key]: { ...all, [id]: { ...cur, messages } } } : s;
}

/** Shows a send of mine not acknowledged yet (pending, or failed with its reason) last in its timeline or thread, unless it shows already. */
export function withUnsent(s: ChatState, m: MessageItem): ChatState {
  const empty = m.threadId ? emptyReplies(m.conversationId) : { messages: [], hasOlder: true };
  return withList(s, m, (list) => (list.some((x) => x.clientMessageId === m.clientMessageId) ? list : [...list, m]), empty);
}

/** Drops a send of mine not acknowledged yet (discarded, here or in another tab) from the list `m` names. */
export function withoutUnsent(s: ChatState, m: Pick<Message, "conversationId" | "threadId">, clientMessageId: string): ChatState {
  return withList(s, m, (list) => list.filter((x) => x.status === "sent" || x.clientMessageId !== clientMessageId));
}

/** Marks my unacknowledged send failed (it stays in its list for a retry). */
export function markFailed(s: ChatState, m: Pick<Message, "conversationId" | "threadId" | "clientMessageId">, error: ChatError): ChatState {
  return withList(s, m, (list) => list.map((x) => (x.clientMessageId === m.clientMessageId && x.status === "pending" ? { ...x, status: "failed", error } : x)));
}

/**
 * My pending invitations with one changed (`invitation.updated`, an answer): given `pending`, it comes
 * first (the newest), listed once; without, it leaves (answered, withdrawn). Nothing changes while
 * the list is not loaded.
 */
export function withInvitation(s: ChatState, id: string, pending?: GroupInvitation): ChatState {
  const cur = s.invitations;
  const items = cur?.items.filter((x) => x.id !== id) ?? [];
  return cur && (pending || items.length < cur.items.length) ? { ...s, invitations: { ...cur, items: pending ? [pending, ...items] : items } } : s;
}

/**
 * A page of my invitations: the first replaces the list, a further one (`more`) comes after it
 * (keyset pages never repeat an invitation, and one arriving live is newer than any of them).
 */
export function withInvitations(s: ChatState, page: Page<GroupInvitation>, more: boolean): ChatState {
  return { ...s, invitations: { items: [...((more && s.invitations?.items) || []), ...page.items], nextCursor: page.nextCursor } };
}

/** Someone's presence, as the socket last told it. */
export function withPresence(s: ChatState, p: Presence): ChatState {
  return { ...s, presence: { ...s.presence, [p.userId]: p } };
}

/** Someone typing in a conversation (shown until `until`, in ms), or no longer. */
export function withTyping(s: ChatState, e: TypingEvent, until: number): ChatState {
  const forConv = { ...(s.typing[e.conversationId] ?? {}) };
  if (e.typing) forConv[e.userId] = until;
  else delete forConv[e.userId];
  return { ...s, typing: { ...s.typing, [e.conversationId]: forConv } };
}

/** What the device's cache held (offline persistence): the list, its order and the opened timelines; `cached` until the first catch-up. */
export function withCached(
  s: ChatState,
  cache: { conversations: readonly Conversation[]; order: readonly string[]; threads: readonly (Thread & { id: string })[]; lastSeq: number },
): ChatState {
  const conversations = Object.fromEntries(cache.conversations.map((c) => [c.id, c]));
  return {
    ...s,
    conversations,
    conversationOrder: cache.order.filter((id) => conversations[id]),
    threads: Object.fromEntries(cache.threads.map((t) => [t.id, { messages: t.messages, hasOlder: t.hasOlder }])),
    lastSeq: cache.lastSeq,
    cached: true,
  };
}

/** Replaces one message everywhere it shows (timeline or replies, conversation preview, thread root). */
function replaceMessage(d: StateDraft, m: Message, old: MessageItem | undefined): void {
  if (old) {
    // Broadcast payloads cannot know who "I" am: keep my own `mine` flags.
    const reactions = m.deletedAt ? [] : mergeMine(m.reactions, old.reactions);
    d.replaceMessage({ ...m, reactions, status: "sent" });
  }
  const c = d.conversation(m.conversationId);
  if (c?.lastMessage?.id === m.id) d.setConversation({ ...c, lastMessage: m });
  if (d.replyState(m.id)?.root) d.setReplies(m.id, { root: m });
}

/** A read mark that moves (only ever forward) recounts the thread's unread replies from those loaded. */
function threadState(d: StateDraft, { rootId, following, lastReadMessageId: mark }: ThreadState): void {
  const r = d.replyState(rootId);
  if (!r) return;
  let unreadCount = r.unreadCount;
  if (compareIds(mark, r.lastReadMessageId) > 0) {
    unreadCount = 0;
    for (const m of d.reply(rootId)!.sent) if (m.senderId !== d.me && !m.deletedAt && compareIds(m.id, mark) > 0) unreadCount++;
  } else mark = r.lastReadMessageId;
  d.setReplies(rootId, { following, unreadCount, lastReadMessageId: mark });
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
      const known = d.holder(m, false)?.get(m.id) !== undefined;
      if (!known) d.addMessages([m]);
      if (m.threadId) {
        // A reply: only its thread changes (when loaded), never the conversation's timeline or counts.
        const r = d.replyState(m.threadId);
        if (r && !known && m.senderId !== me && compareIds(m.id, r.lastReadMessageId) > 0) d.setReplies(m.threadId, { unreadCount: r.unreadCount + 1 });
        return;
      }
      const c = d.conversation(m.conversationId);
      // Known or not: a message can be in the timeline before its event (my ack during a catch-up,
      // a history page); the summary still takes it. Its last message already this one or newer
      // is what makes the event a no-op the second time.
      if (!c || compareIds(m.id, c.lastMessage?.id ?? "") <= 0) return;
      if (m.senderId === me) {
        // Sending reads everything before it (the server moves the sender's mark too).
        const members = c.members.map((x) => (x.userId === me ? { ...x, lastReadMessageId: m.id } : x));
        d.setConversation({ ...c, members, lastMessage: m, lastActivityAt: m.createdAt, unreadCount: 0, mentionCount: 0 });
      } else {
        const mark = c.members.find((x) => x.userId === me)?.lastReadMessageId;
        const unread = mark === undefined || compareIds(m.id, mark) > 0;
        d.setConversation({ ...c, lastMessage: m, lastActivityAt: m.createdAt, unreadCount: c.unreadCount + (unread ? 1 : 0) });
      }
      return;
    }
    case "message.updated":
    case "message.deleted": {
      const cur = d.holder(e.data.message, false)?.get(e.data.message.id);
      // A late `updated` must not bring back a message that is already deleted.
      if (cur?.deletedAt && !e.data.message.deletedAt) return;
      return replaceMessage(d, e.data.message, cur);
    }
    case "reaction.updated": {
      const { messageId, emoji, count, userId, added } = e.data;
      const m = d.holder(e.data, false)?.get(messageId);
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
      // My own read clears the mentions of me in the timeline (the thread's stay until it is read).
      d.setConversation({ ...c, members, mentionCount: e.data.userId === me ? 0 : c.mentionCount });
      if (e.data.userId === me) d.recountUnread(c.id);
      return;
    }
    case "thread.updated": {
      const { conversationId, rootId, thread } = e.data;
      const old = loaded(d, conversationId, rootId);
      const root = old ?? d.replyState(rootId)?.root;
      if (root) replaceMessage(d, { ...root, thread }, old);
      return;
    }
    case "thread.state":
      return threadState(d, e.data);
    case "mention": {
      // Counted per event, not idempotent: the client applies each seq once (ChatClient.apply).
      const { conversationId, messageId, threadId } = e.data;
      const c = d.conversation(conversationId);
      const mark = threadId ? d.replyState(threadId)?.lastReadMessageId : c?.members.find((m) => m.userId === me)?.lastReadMessageId;
      if (c && compareIds(messageId, mark ?? "") > 0) d.setConversation({ ...c, mentionCount: (c.mentionCount ?? 0) + 1 });
      return;
    }
    case "conversation.created":
    case "conversation.updated": {
      const incoming = e.data.conversation;
      const { unreadCount = 0, mentionCount, threadUnreadCount, muted, lastMessage = incoming.lastMessage } = d.conversation(incoming.id) ?? {};
      const myRole = incoming.members.find((m) => m.userId === me)?.role ?? null;
      // The payload is seen from the actor's side: my counts, role and mute are my own.
      return d.setConversation({ ...incoming, myRole, unreadCount, mentionCount, threadUnreadCount, muted, lastMessage });
    }
    case "conversation.muted": {
      const c = d.conversation(e.data.conversationId);
      if (c) d.setConversation({ ...c, muted: e.data.muted || undefined });
      return;
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
      for (const t of [d.thread(id, false), ...d.repliesIn(id).map((r) => d.reply(r))]) t?.tombstoneSender(userId, e.at);
      const c = d.conversation(id);
      const last = c?.lastMessage;
      if (!c || !last || last.senderId !== userId || last.deletedAt) return;
      return d.setConversation({ ...c, lastMessage: tombstoneOf(last, e.at) });
    }
    case "contact.updated":
      return; // the client re-reads /contacts: requests change in several places at once
    // "invitation.updated": the Invitations module keeps its list (withInvitation), so the core stays small.
  }
}
