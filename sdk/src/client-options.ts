// The options a ChatClient is made with (their defaults: DEFAULT_CLIENT_OPTIONS in client.ts), and
// the events it emits: the client's public contract, apart from the class that keeps it.
import type { ChatError } from "./errors.js";
import type { FetchLike, HttpOptions } from "./http.js";
import type { OutboxOptions } from "./outbox.js";
import type { PersistenceOptions } from "./persistence/options.js";
import type * as P from "./protocol/index.js";
import type { SessionStorage } from "./session.js";
import type { SocketOptions } from "./socket.js";
import type { ConnectionState } from "./state.js";
import type { SyncOptions } from "./sync.js";

/** Options of `ChatClient.search`. */
export interface SearchOptions {
  /** Only this conversation (one of mine; another is a `not_found` error). */
  conversationId?: string;
  /** The `nextCursor` of the previous page. */
  cursor?: string;
  /** Page size, 1..50 (default 20). */
  limit?: number;
}

export interface ChatClientOptions {
  /** The Parley server, e.g. `https://chat.example`. */
  server: string;
  appId: string;
  /** Where the session is kept: `"memory"` (default), `"local"` (localStorage) or your own. */
  storage?: "memory" | "local" | SessionStorage;
  /** Connect the socket right after sign-in (default true). */
  autoConnect?: boolean;
  socket?: SocketOptions;
  /** A fetch implementation (default: the global one). */
  fetch?: FetchLike;
  /** REST timeouts and retries (see DEFAULT_HTTP_OPTIONS). */
  http?: HttpOptions;
  /** Catch-up after reconnects (see DEFAULT_SYNC_OPTIONS). */
  sync?: SyncOptions;
  /** Sending (see DEFAULT_OUTBOX_OPTIONS). */
  outbox?: OutboxOptions;
  /**
   * `"indexeddb"`: keep the conversation list, recent messages, the sync cursor and unsent
   * messages on the device (browsers), so a reload draws at once and loses no send. Deleted at
   * sign-out. Loaded on demand (a separate chunk). Default: memory only.
   */
  persistence?: "indexeddb" | "memory";
  /** Limits of the device cache (see DEFAULT_PERSISTENCE_OPTIONS). */
  persistenceOptions?: PersistenceOptions;
}

/** Everything `chat.on()` can listen to. */
export type ChatClientEvents = { [K in P.EventType]: P.EventOf<K> } & {
  typing: P.TypingEvent;
  presence: P.Presence;
  "connection.changed": ConnectionState;
  /** After a reconnect, once missed events are applied. */
  "connection.recovered": { applied: number };
  "session.changed": P.Me | null;
  "message.failed": { conversationId: string; clientMessageId: string; error: ChatError };
};
