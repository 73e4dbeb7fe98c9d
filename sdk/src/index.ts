/**
 * @parley/sdk: the Parley client for browsers and Node >= 20.
 *
 * ```ts
 * const chat = new ChatClient({ server: "https://chat.example", appId: "app_..." });
 * await chat.login(email, password);
 * const c = await chat.direct(userId);
 * await c.send("hi");
 * chat.store.subscribe((state) => render(state));
 * ```
 */
export { ChatClient, DEFAULT_CLIENT_OPTIONS } from "./client.js";
export type { ChatClientEvents, ChatClientOptions, SearchOptions } from "./client-options.js";
export { ConversationHandle, DEFAULT_PAGE_SIZE } from "./conversation.js";
export type { SendOptions } from "./conversation-deps.js";
export { ThreadHandle } from "./thread.js";
export { Directory } from "./directory.js";
export { Invitations } from "./invitations.js";
export { Moderation, type ModerationPageOptions } from "./moderation.js";
export { DEFAULT_HTTP_OPTIONS, type HttpOptions } from "./http.js";
export { DEFAULT_OUTBOX_OPTIONS, type OutboxOptions } from "./outbox.js";
export { DEFAULT_SYNC_OPTIONS, type SyncOptions } from "./sync.js";
export { ChatError, isChatError, type ClientErrorCode } from "./errors.js";
export { memoryStorage, localStorageOrMemory, type SessionStorage } from "./session.js";
export { StateStore, type Listener } from "./store.js";
export {
  compareIds,
  INITIAL_STATE,
  type ChatState,
  type AiStateEntry,
  type ConnectionState,
  type SyncStatus,
  type MessageItem,
  type Thread,
  type Replies,
} from "./state.js";
export type { SocketOptions } from "./socket.js";
export type { PersistenceOptions } from "./persistence/options.js";
export * from "./protocol/index.js";
