/** Limits of the offline cache (`persistence: "indexeddb"`); defaults in DEFAULT_PERSISTENCE_OPTIONS. */
export interface PersistenceOptions {
  /** Most messages kept on the device over all conversations (newest conversations first). */
  maxMessages?: number;
  /** Messages kept per conversation: its newest page. */
  pageSize?: number;
  /** Store changes are gathered this long (ms) and written in one transaction. */
  writeDelayMs?: number;
  /** Past this (ms), a database that does not open is given up on (memory only). */
  openTimeoutMs?: number;
}

/** Lives in the lazily loaded chunk: the SDK's entry does not export it (it would pull the chunk in). */
export const DEFAULT_PERSISTENCE_OPTIONS: Required<PersistenceOptions> = { maxMessages: 2000, pageSize: 50, writeDelayMs: 200, openTimeoutMs: 3000 };
