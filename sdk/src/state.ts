import type { ChatError } from "./errors.js";
import type { AiStateKind, ContactsResponse, Conversation, GroupInvitation, Me, Message, Page, Presence } from "./protocol/index.js";

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

/**
 * One message's thread as this client loaded it (`ConversationHandle.thread(rootId).load()`):
 * its replies like a conversation's messages, and my follow state and read mark there.
 */
export interface Replies extends Thread {
  conversationId: string;
  /** The thread's root (a message of the conversation's timeline), once loaded. */
  root?: Message;
  /** Replies by others after my read mark here (counted whether I follow or not, like the server). */
  unreadCount: number;
  following: boolean;
  /** Id of the last reply I have read ("0" when none). */
  lastReadMessageId: string;
}

/** What an agent is doing in a conversation, as this client last heard (`ChatState.ai`; streams.ts). */
export interface AiStateEntry {
  state: AiStateKind;
  tool?: string;
  /** When (ms) this client stops showing it unless told again. */
  until: number;
}

export type ConnectionState = "disconnected" | "connecting" | "connected";

/**
 * Catch-up after a (re)connect: `syncing` while missed events are fetched, `retrying` while
 * waiting to try again after a failure. Live events wait until it is `idle` again.
 */
export type SyncStatus = "idle" | "syncing" | "retrying";

export interface ChatState {
  me: Me | null;
  connection: ConnectionState;
  sync: SyncStatus;
  conversations: Record<string, Conversation>;
  /** Conversation ids, most recent activity first. */
  conversationOrder: string[];
  threads: Record<string, Thread>;
  /** Thread root id -> its replies: only the threads this client has loaded (or replied in). */
  replies: Record<string, Replies>;
  presence: Record<string, Presence>;
  /** conversationId -> userId -> time (ms) the indicator expires. */
  typing: Record<string, Record<string, number>>;
  /**
   * conversationId -> userId -> what an agent is doing there (`ai.state`), kept by the Streams module
   * (streams.ts) while it lives; absent until then (the widget's bundle has no byte to spare).
   */
  ai?: Record<string, Record<string, AiStateEntry>>;
  contacts: ContactsResponse | null;
  /**
   * My pending group invitations, newest first, and the cursor of the next page: absent until
   * `Invitations.load()` (invitations.ts), which then keeps them live from `invitation.updated`.
   * (Absent, not null, in INITIAL_STATE: the widget's bundle has no byte to spare.)
   */
  invitations?: Page<GroupInvitation>;
  /** The last event seq applied. */
  lastSeq: number;
  /** Filled from the device's cache and not caught up with the server yet (offline persistence). */
  cached: boolean;
}

export const INITIAL_STATE: ChatState = {
  me: null,
  connection: "disconnected",
  sync: "idle",
  conversations: {},
  conversationOrder: [],
  threads: {},
  replies: {},
  presence: {},
  typing: {},
  contacts: null,
  lastSeq: 0,
  cached: false,
};

/** A thread's replies before anything is loaded. */
export function emptyReplies(conversationId: string): Replies {
  return { conversationId, messages: [], hasOlder: true, following: false, unreadCount: 0, lastReadMessageId: "0" };
}

/** Message ids are decimal strings: compare by length, then text. */
export function compareIds(a: string, b: string): number {
  return a.length - b.length || (a < b ? -1 : a > b ? 1 : 0);
}

export function orderConversations(all: Record<string, Conversation>): string[] {
  return Object.values(all)
    .sort((a, b) => (a.lastActivityAt < b.lastActivityAt ? 1 : a.lastActivityAt > b.lastActivityAt ? -1 : compareIds(b.id, a.id)))
    .map((c) => c.id);
}

/**
 * Adds or replaces conversations (from REST), keeping the order by activity. A snapshot does not
 * say where in the event log it was read: one whose last message is older than the one shown was
 * read before events applied since (an answer crossing a live message) and must not take them
 * back, so what they keep (members and read marks, last message and activity, my unread and
 * mention counts) stays. Newer or the same, it is taken whole: the server counts unread messages
 * up to the last message it presents, and the events past it (the reducer takes only those) add
 * the rest, each once.
 */
export function withConversations(s: ChatState, list: Conversation[]): ChatState {
  if (list.length === 0) return s;
  const conversations = { ...s.conversations };
  for (const c of list) {
    const { members, lastMessage, lastActivityAt, unreadCount, mentionCount } = conversations[c.id] ?? c;
    conversations[c.id] =
      compareIds(lastMessage?.id ?? "", c.lastMessage?.id ?? "") > 0 ? { ...c, members, lastMessage, lastActivityAt, unreadCount, mentionCount } : c;
  }
  return { ...s, conversations, conversationOrder: orderConversations(conversations) };
}
