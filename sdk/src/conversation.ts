import type { ConversationDeps, SendOptions } from "./conversation-deps.js";
import { query } from "./http.js";
import { newClientMessageId } from "./outbox.js";
import type { Conversation as ConversationDto, Member, Message, Page } from "./protocol/index.js";
import { tombstoneOf } from "./draft.js";
import { withMessages, withoutUnsent, withUnsent } from "./reducer.js";
import { compareIds, withConversations, type MessageItem } from "./state.js";
import { ThreadHandle } from "./thread.js";

export const DEFAULT_PAGE_SIZE = 50;
const READ_DEBOUNCE_MS = 300;
const TYPING_THROTTLE_MS = 2000;

/** One conversation: its state, its history, and everything one can do in it. */
export class ConversationHandle {
  private readTimer: ReturnType<typeof setTimeout> | undefined;
  private lastTyping = 0;

  constructor(
    readonly id: string,
    private readonly deps: ConversationDeps,
  ) {}

  get state(): ConversationDto | undefined {
    return this.deps.store.state.conversations[this.id];
  }

  /** Loaded messages, oldest first, own unacknowledged sends last. */
  get messages(): MessageItem[] {
    return this.deps.store.state.threads[this.id]?.messages ?? [];
  }

  get hasOlder(): boolean {
    return this.deps.store.state.threads[this.id]?.hasOlder ?? true;
  }

  /** Loads the page before the oldest loaded message (the newest page on first call). */
  async loadOlder(limit = DEFAULT_PAGE_SIZE): Promise<Message[]> {
    const oldest = this.messages.find((m) => m.status === "sent");
    const page = await this.deps.http.request<Page<Message>>("GET", `/conversations/${this.id}/messages?${query({ limit, before: oldest?.id })}`);
    this.deps.store.next((s) => withMessages(s, this.id, page.items, page.nextCursor !== null));
    return page.items;
  }

  /** The thread of one of this conversation's messages (cheap: its state is in the store). */
  thread(rootId: string): ThreadHandle<ConversationHandle> {
    return new ThreadHandle(rootId, this, this.deps);
  }

  /** Fetches the conversation itself (members, last message, unread count). */
  async refresh(): Promise<ConversationDto> {
    // Taken out of the list while the answer was on its way (I left or was removed): an answer
    // read before that must not bring it back. A refresh asked for as I joined, answered after I
    // left again, is the case seen.
    let gone = false;
    const off = this.deps.store.subscribeWithSelector(
      (s) => this.id in s.conversations,
      (listed) => (gone ||= !listed),
    );
    const { conversation } = await this.deps.http.request<{ conversation: ConversationDto }>("GET", `/conversations/${this.id}`).finally(off);
    if (!gone) this.deps.store.next((s) => withConversations(s, [conversation]));
    return conversation;
  }

  /**
   * Sends optimistically: the message shows at once as `pending` and is queued, surviving
   * offline periods and reconnects, until the server acknowledges it (then it is `sent`).
   */
  send(text: string, opts: SendOptions = {}): Promise<Message> {
    const me = this.deps.store.state.me;
    const clientMessageId = newClientMessageId();
    const { threadId, mentions } = opts;
    const local: MessageItem = {
      id: `local:${clientMessageId}`,
      conversationId: this.id,
      senderId: me?.id ?? "",
      text,
      attachments: [],
      replyToId: opts.replyTo ?? null,
      clientMessageId,
      reactions: [],
      createdAt: new Date().toISOString(),
      editedAt: null,
      deletedAt: null,
      status: "pending",
      threadId,
      mentions,
    };
    this.deps.store.next((s) => withUnsent(s, local));
    const done = new Promise<Message>((resolve, reject) => this.deps.pending.set(clientMessageId, { resolve, reject }));
    this.deps.outbox.enqueue({
      clientMessageId,
      conversationId: this.id,
      text,
      replyToId: opts.replyTo,
      threadId,
      mentions,
      files: [...(opts.files ?? [])],
      attachmentIds: [],
      ...(opts.onProgress ? { onProgress: opts.onProgress } : {}),
    });
    return done;
  }

  /** Sends a failed message again, in the timeline or its thread (a new clientMessageId: the failed one was never stored). */
  retry(clientMessageId: string): Promise<Message> {
    const failed = this.find((m) => m.clientMessageId === clientMessageId && m.status === "failed");
    if (!failed) return Promise.reject(new Error("no failed message with that id"));
    this.discard(clientMessageId);
    const { text, replyToId, threadId, mentions } = failed;
    return this.send(text ?? "", { replyTo: replyToId ?? undefined, threadId, mentions });
  }

  /** Drops a failed send, from the timeline or its thread (and, with persistence, from the device). */
  discard(clientMessageId: string): void {
    const m = this.find((x) => x.clientMessageId === clientMessageId && x.status !== "sent");
    if (m) this.deps.store.next((s) => withoutUnsent(s, m, clientMessageId));
    this.deps.outbox.journal?.done({ clientMessageId, conversationId: this.id }, null);
  }

  async edit(messageId: string, text: string): Promise<Message> {
    return this.apply(await this.deps.http.request<Message>("PATCH", `/messages/${messageId}`, { body: { text } }));
  }

  /** Deletes for everyone: a tombstone (no text, no attachments) stays in the thread. */
  async delete(messageId: string): Promise<void> {
    await this.deps.http.request<void>("DELETE", `/messages/${messageId}`);
    const m = this.find((x) => x.id === messageId);
    if (m && !m.deletedAt) this.apply(tombstoneOf(m, new Date().toISOString()));
  }

  async react(messageId: string, emoji: string): Promise<Message> {
    return this.apply(await this.deps.http.request<Message>("PUT", `/messages/${messageId}/reactions/${encodeURIComponent(emoji)}`));
  }

  async unreact(messageId: string, emoji: string): Promise<Message> {
    return this.apply(await this.deps.http.request<Message>("DELETE", `/messages/${messageId}/reactions/${encodeURIComponent(emoji)}`));
  }

  /** Marks everything loaded as read; debounced, and only ever moves the mark forward. */
  markRead(): void {
    clearTimeout(this.readTimer);
    this.readTimer = setTimeout(() => void this.flushRead().catch(() => undefined), READ_DEBOUNCE_MS);
  }

  /** Tells the others "I am typing" (throttled); `typing(false)` clears it. */
  typing(active = true): void {
    const now = Date.now();
    if (active && now - this.lastTyping < TYPING_THROTTLE_MS) return;
    this.lastTyping = active ? now : 0;
    this.deps.socket.emit("typing", { conversationId: this.id, typing: active });
  }

  async rename(name: string): Promise<ConversationDto> {
    return this.applyConversation(await this.deps.http.request("PATCH", `/conversations/${this.id}`, { body: { name } }));
  }

  /** Mutes (or unmutes) this conversation for me, on every device of mine. */
  async mute(muted = true): Promise<ConversationDto> {
    return this.applyConversation(await this.deps.http.request(muted ? "PUT" : "DELETE", `/conversations/${this.id}/mute`));
  }

  async addMembers(userIds: string[]): Promise<ConversationDto> {
    return this.applyConversation(await this.deps.http.request("POST", `/conversations/${this.id}/members`, { body: { userIds } }));
  }

  async removeMember(userId: string): Promise<void> {
    await this.deps.http.request("DELETE", `/conversations/${this.id}/members/${userId}`);
  }

  async setRole(userId: string, role: "admin" | "member"): Promise<Member> {
    const { member } = await this.deps.http.request<{ member: Member }>("PUT", `/conversations/${this.id}/members/${userId}/role`, { body: { role } });
    return member;
  }

  /** Leaves the conversation; it disappears from the list. */
  async leave(): Promise<void> {
    const me = this.deps.store.state.me;
    if (me) await this.removeMember(me.id);
  }

  private async flushRead(): Promise<void> {
    const last = [...this.messages].reverse().find((m) => m.status === "sent");
    const me = this.deps.store.state.me?.id;
    const mine = this.state?.members.find((m) => m.userId === me);
    if (!last || (mine && compareIds(last.id, mine.lastReadMessageId) <= 0)) return;
    await this.deps.http.request("POST", `/conversations/${this.id}/read`, { body: { messageId: last.id } });
  }

  /** A loaded message: in this timeline or a loaded thread (ids are unique in the app). */
  private find(pred: (m: MessageItem) => boolean): MessageItem | undefined {
    return [this.messages, ...Object.values(this.deps.store.state.replies).map((r) => r.messages)].flat().find(pred);
  }

  private apply(m: Message): Message {
    this.deps.store.next((s) => withMessages(s, this.id, [m]));
    return m;
  }

  private applyConversation({ conversation }: { conversation: ConversationDto }): ConversationDto {
    this.deps.store.next((s) => withConversations(s, [conversation]));
    return conversation;
  }
}
