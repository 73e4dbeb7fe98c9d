import type { Conversation, Message } from "./protocol/index.js";
import { compareIds, orderConversations, type ChatState, type MessageItem, type Replies, type Thread } from "./state.js";

/**
 * A thread being changed: its sent messages in a copied array, oldest first, appended to in
 * O(1) when newer than the last (the usual case) and found by binary search; once an older one
 * is added (a history page) by an index, and sorted once at the end. Own unacked sends apart.
 */
export class ThreadDraft {
  changed = false;
  /** clientMessageIds the server acknowledged in this batch: their local copies go. */
  readonly acked = new Set<string>();
  private index: Map<string, number> | null = null;
  private sorted = true;

  constructor(
    /** Sent messages, oldest first unless an older one was added in this batch. */
    readonly sent: MessageItem[],
    private readonly local: MessageItem[],
    public hasOlder: boolean,
    /** The rest of the list's record: for a thread's replies, its root and my state there. */
    public meta?: Thread,
  ) {}

  static from(base: Thread | undefined): ThreadDraft {
    const all = base?.messages ?? [];
    let split = all.length;
    while (split > 0 && all[split - 1]!.status !== "sent") split--;
    const t = new ThreadDraft(all.slice(0, split), all.slice(split), base?.hasOlder ?? true, base);
    t.changed = !base;
    return t;
  }

  get(id: string): MessageItem | undefined {
    const i = this.position(id);
    return i === undefined ? undefined : this.sent[i];
  }

  /** Adds a sent message, or replaces the one with its id. */
  put(m: MessageItem): void {
    this.changed = true;
    const i = this.position(m.id);
    if (i !== undefined) {
      this.sent[i] = m;
      return;
    }
    const last = this.sent[this.sent.length - 1];
    if (last && compareIds(m.id, last.id) < 0) this.sorted = false;
    if (!this.sorted) this.index?.set(m.id, this.sent.length);
    this.sent.push(m);
  }

  /** Every loaded message of `senderId` becomes a tombstone (their account was deleted). */
  tombstoneSender(senderId: string, deletedAt: string): void {
    for (let i = 0; i < this.sent.length; i++) {
      const m = this.sent[i]!;
      if (m.senderId !== senderId || m.deletedAt) continue;
      this.sent[i] = tombstoneOf(m, deletedAt);
      this.changed = true;
    }
  }

  build(): Thread {
    if (!this.sorted) this.sent.sort((a, b) => compareIds(a.id, b.id));
    let local: MessageItem[] | null = null;
    if (this.acked.size) {
      for (let i = 0; i < this.local.length; i++) {
        const p = this.local[i]!;
        if (this.acked.has(p.clientMessageId ?? "")) local ??= this.local.slice(0, i);
        else local?.push(p);
      }
    }
    local ??= this.local;
    return { ...this.meta, messages: local.length ? [...this.sent, ...local] : this.sent, hasOlder: this.hasOlder };
  }

  private position(id: string): number | undefined {
    const sent = this.sent;
    if (this.sorted) {
      // Binary search, newest first checked: live messages land at the end.
      let lo = 0;
      let hi = sent.length - 1;
      while (lo <= hi) {
        const mid = hi === sent.length - 1 ? hi : (lo + hi) >> 1;
        const c = compareIds(id, sent[mid]!.id);
        if (c === 0) return mid;
        if (c > 0) lo = mid + 1;
        else hi = mid - 1;
      }
      return undefined;
    }
    if (!this.index) {
      this.index = new Map();
      for (let i = 0; i < sent.length; i++) this.index.set(sent[i]!.id, i);
    }
    return this.index.get(id);
  }
}

/**
 * A mutable working copy of the state, for applying many changes as one update: a thread is
 * indexed the first time it is touched and rebuilt once at the end, the conversation order is
 * sorted once. A batch costs what it touches, never (events × thread length).
 */
export class StateDraft {
  readonly me: string | undefined;
  lastSeq: number;
  private conversations: Record<string, Conversation> | null = null;
  /** Timelines by conversation id, loaded threads' replies by root id. */
  private readonly drafts = { threads: new Map<string, ThreadDraft>(), replies: new Map<string, ThreadDraft>() };
  private readonly removed = new Set<string>();
  /** Conversations whose unread count is recounted from the thread at the end (my read mark moved). */
  private readonly recount = new Set<string>();

  constructor(private readonly base: ChatState) {
    this.me = base.me?.id;
    this.lastSeq = base.lastSeq;
  }

  conversation(id: string): Conversation | undefined {
    return (this.conversations ?? this.base.conversations)[id];
  }

  setConversation(c: Conversation): void {
    (this.conversations ??= { ...this.base.conversations })[c.id] = c;
  }

  /** Removes a conversation, its timeline and its loaded threads (I left or was removed). */
  removeConversation(id: string): void {
    delete (this.conversations ??= { ...this.base.conversations })[id];
    for (const key of [id, ...this.repliesIn(id)]) {
      this.drafts.threads.delete(key);
      this.drafts.replies.delete(key);
      this.removed.add(key);
    }
  }

  /** Root ids of the loaded threads of a conversation. */
  repliesIn(conversationId: string): string[] {
    const ids = new Set([...Object.keys(this.base.replies), ...this.drafts.replies.keys()]);
    return [...ids].filter((id) => (this.replyState(id)?.conversationId ?? "") === conversationId);
  }

  /** The timeline to change, indexed on first touch; with `create` false, undefined if not loaded. */
  thread(id: string, create = true, key: "threads" | "replies" = "threads"): ThreadDraft | undefined {
    let t = this.drafts[key].get(id);
    if (t) return t;
    const base = this.removed.has(id) ? undefined : this.base[key][id];
    if (!base && !create) return undefined;
    this.drafts[key].set(id, (t = ThreadDraft.from(base)));
    return t;
  }

  /** A thread's replies to change, the same way: undefined unless loaded (or `create`). */
  reply(rootId: string, create = false): ThreadDraft | undefined {
    return this.thread(rootId, create, "replies");
  }

  /** A loaded thread's replies and my state there (`messages` as they were: `reply` changes those). */
  replyState(rootId: string): Replies | undefined {
    return this.reply(rootId)?.meta as Replies | undefined;
  }

  /** Changes a thread's root or my state there (made when missing). */
  setReplies(rootId: string, patch: Partial<Replies>): ThreadDraft {
    const t = this.reply(rootId, true)!;
    t.meta = { ...t.meta, ...patch } as Replies;
    t.changed = true;
    return t;
  }

  /** Where a message shows: its thread's replies (when loaded), else its conversation's timeline. */
  holder(m: Pick<Message, "conversationId" | "threadId">, create = true): ThreadDraft | undefined {
    return m.threadId ? this.reply(m.threadId) : this.thread(m.conversationId, create);
  }

  /** Adds or replaces server messages (a history page, an ack, live ones), each where it shows. */
  addMessages(page: readonly Message[]): void {
    for (const m of page) {
      const t = this.holder(m);
      // A deletion is final: an answer read before it (a reaction's, a page's) must not bring the text back.
      if (t?.get(m.id)?.deletedAt && !m.deletedAt) continue;
      t?.put({ ...m, status: "sent" });
      if (m.clientMessageId) t?.acked.add(m.clientMessageId);
    }
  }

  /** Replaces a loaded message; the caller has merged what must be kept. */
  replaceMessage(m: MessageItem): void {
    const t = this.holder(m, false);
    if (t?.get(m.id)) t.put(m);
  }

  /** My unread count in this conversation is recounted from its loaded messages at the end. */
  recountUnread(conversationId: string): void {
    this.recount.add(conversationId);
  }

  /** The new state: one object, whatever the number of changes. */
  finish(): ChatState {
    const s = this.base;
    const out: Record<"threads" | "replies", Record<string, Thread>> = { threads: s.threads, replies: s.replies };
    const copy = (key: "threads" | "replies") => (out[key] === s[key] ? (out[key] = { ...s[key] }) : out[key]);
    for (const id of this.removed) for (const key of ["threads", "replies"] as const) if (out[key][id]) delete copy(key)[id];
    for (const key of ["threads", "replies"] as const) for (const [id, t] of this.drafts[key]) if (t.changed) copy(key)[id] = t.build();
    const threads = out.threads;
    let conversations = this.conversations;
    for (const id of this.recount) {
      const c = conversations?.[id];
      if (c && conversations) conversations[id] = { ...c, unreadCount: unreadOf(c, threads[id], this.me) };
    }
    if (!conversations && threads === s.threads && out.replies === s.replies) return this.lastSeq === s.lastSeq ? s : { ...s, lastSeq: this.lastSeq };
    conversations ??= s.conversations;
    const conversationOrder = conversations === s.conversations ? s.conversationOrder : orderConversations(conversations);
    return { ...s, conversations, conversationOrder, threads, replies: out.replies as Record<string, Replies>, lastSeq: this.lastSeq };
  }
}

function unreadOf(c: Conversation, thread: Thread | undefined, me: string | undefined): number {
  const mark = c.members.find((m) => m.userId === me)?.lastReadMessageId ?? "";
  if (c.lastMessage && compareIds(mark, c.lastMessage.id) >= 0) return 0;
  let n = 0;
  for (const m of thread?.messages ?? []) if (m.status === "sent" && m.senderId !== me && !m.deletedAt && compareIds(m.id, mark) > 0) n++;
  return n;
}

/** A message as a tombstone: its id and times stay, its content goes. */
export function tombstoneOf<M extends Message>(m: M, deletedAt: string): M {
  const { data: _data, ...rest } = m;
  return { ...rest, text: null, attachments: [], reactions: [], deletedAt } as unknown as M;
}
