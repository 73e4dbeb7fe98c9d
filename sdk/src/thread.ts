import type { ConversationDeps, SendOptions } from "./conversation-deps.js";
import { query } from "./http.js";
import type { ChatEvent, Message, ThreadPage, ThreadState } from "./protocol/index.js";
import { applyEvents, withThreadPage } from "./reducer.js";
import { compareIds, type MessageItem, type Replies } from "./state.js";

/**
 * A thread's conversation as the thread sees it: its replies are sent through the conversation's
 * durable outbox, and a failed one is retried or discarded there. `conversation.thread(rootId)`
 * gives a `ThreadHandle<ConversationHandle>`: the whole handle.
 */
export interface ThreadParent {
  send(text: string, opts?: SendOptions): Promise<Message>;
  retry(clientMessageId: string): Promise<Message>;
  discard(clientMessageId: string): void;
}

/**
 * The thread of one message (its root): replies, my follow state and read mark there. Get it
 * with `conversation.thread(rootId)`; its state is `store.state.replies[rootId]`, filled by
 * `load()` and kept live by events (replies never enter the conversation's timeline). Follows and
 * read marks change in the store when the server's `thread.state` comes back (as on my other devices).
 */
export class ThreadHandle<C extends ThreadParent = ThreadParent> {
  constructor(
    readonly rootId: string,
    readonly conversation: C,
    private readonly deps: ConversationDeps,
  ) {}

  /** Undefined until loaded (or replied to). */
  get state(): Replies | undefined {
    return this.deps.store.state.replies[this.rootId];
  }

  /** Loaded replies, oldest first, own unacknowledged sends last. */
  get messages(): MessageItem[] {
    return this.state?.messages ?? [];
  }

  /** Loads the newest replies (or those before `before`), the root and my state in the thread. */
  async load(limit = 50, before?: string): Promise<ThreadPage> {
    // What is heard of the thread while the page is on its way is applied again on top of it: a
    // reply had nowhere to go before the first page, and the page's read mark may be older than
    // the one heard (both are idempotent: a reply known by id, a mark that only moves on).
    const heard: ChatEvent[] = [];
    const offs = [
      this.deps.on("message.new", (e) => e.data.message.threadId === this.rootId && heard.push(e)),
      this.deps.on("thread.state", (e) => e.data.rootId === this.rootId && heard.push(e)),
    ];
    try {
      const page = await this.deps.http.request<ThreadPage>("GET", `/messages/${this.rootId}/thread?${query({ limit, before })}`);
      this.deps.store.next((s) => applyEvents(withThreadPage(s, page), heard));
      return page;
    } finally {
      for (const off of offs) off();
    }
  }

  /** Loads the replies before the oldest loaded one (the newest on first call); resolves them. */
  async loadOlder(limit?: number): Promise<Message[]> {
    return (await this.load(limit, this.messages.find((m) => m.status === "sent")?.id)).items;
  }

  /** Replies in the thread: shows at once as pending, then sent (the conversation's durable outbox). */
  send(text: string, opts: Omit<SendOptions, "threadId"> = {}): Promise<Message> {
    return this.conversation.send(text, { ...opts, threadId: this.rootId });
  }

  /** Follows: its unread replies count into the conversation's `threadUnreadCount`. */
  follow(): Promise<ThreadState> {
    return this.deps.http.request("PUT", `/messages/${this.rootId}/thread/follow`);
  }

  unfollow(): Promise<ThreadState> {
    return this.deps.http.request("DELETE", `/messages/${this.rootId}/thread/follow`);
  }

  /** Marks every loaded reply read (nothing to do when they are). */
  async markRead(): Promise<void> {
    const r = this.state;
    const last = r && [...r.messages].reverse().find((m) => m.status === "sent");
    if (last && compareIds(last.id, r.lastReadMessageId) > 0)
      await this.deps.http.request("POST", `/messages/${this.rootId}/thread/read`, { body: { messageId: last.id } });
  }
}
