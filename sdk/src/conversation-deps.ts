import type { ChatClientEvents } from "./client-options.js";
import type { HttpClient } from "./http.js";
import type { Outbox } from "./outbox.js";
import type { Message } from "./protocol/index.js";
import type { SocketConnection } from "./socket.js";
import type { ChatState } from "./state.js";
import type { StateStore } from "./store.js";

// What conversation.ts and thread.ts share, kept apart so that neither imports the other's module
// for it: conversation.ts makes threads (it imports thread.ts), thread.ts imports nothing of it.

/** What a conversation handle, and each thread of it, needs from its client. */
export interface ConversationDeps {
  http: HttpClient;
  store: StateStore<ChatState>;
  socket: SocketConnection;
  outbox: Outbox;
  pending: Map<string, { resolve(m: Message): void; reject(e: unknown): void }>;
  /** The client's events, after the store has applied them (`ChatClient.on`). */
  on<K extends keyof ChatClientEvents>(event: K, handler: (payload: ChatClientEvents[K]) => void): () => void;
}

export interface SendOptions {
  files?: Blob[];
  replyTo?: string;
  /** Ids of the members `text` mentions (`@name`); each must be a member, else a `validation_failed` error. */
  mentions?: string[];
  /** Sends as a reply in the thread of this message (a timeline message of this conversation); see `thread()`. */
  threadId?: string;
  /** Upload progress of the attached files, 0..1 for each file in turn. */
  onProgress?: (fraction: number) => void;
}
