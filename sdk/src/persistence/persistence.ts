import { ChatError } from "../errors.js";
import type { Outbox, OutboxJournal, OutgoingMessage } from "../outbox.js";
import type { Conversation, Message } from "../protocol/index.js";
import { withCached, withoutUnsent, withUnsent } from "../reducer.js";
import type { ChatState, MessageItem, Thread } from "../state.js";
import type { StateStore } from "../store.js";
import { DEFAULT_PERSISTENCE_OPTIONS, type PersistenceOptions } from "./options.js";
import { committed, databaseNames, deleteDatabase, openDatabase, request, type StoreName } from "./idb.js";

/**
 * The offline cache and durable outbox (`persistence: "indexeddb"`), a chunk the SDK loads only
 * when asked for. One database per app and user, `parley:<appId>:<userId>`, holding:
 *  - conversations: the conversation list (with the users each references);
 *  - threads: the newest page of each opened conversation, within a total cap (the oldest
 *    conversations' messages go first);
 *  - meta: the sync cursor (`lastSeq`) and the list order, written in the same transaction as
 *    the rest, so the cursor never runs ahead of what is stored;
 *  - outbox: sends not acknowledged yet (text, reply target, files as Blobs) and sends refused
 *    for good (with the reason), until retried or discarded.
 * Anything that goes wrong with IndexedDB (missing, throwing, full, corrupted) turns the cache
 * off for this page with one console warning: the chat goes on from memory.
 */

/** What the client hands the cache. */
export interface PersistenceHost {
  appId: string;
  userId: string;
  store: StateStore<ChatState>;
  outbox: Outbox;
  pending: Map<string, { resolve(m: Message): void; reject(e: unknown): void }>;
  /** Called once a catch-up after connecting is complete: the state is fresh. */
  onRecovered(fn: () => void): () => void;
  options?: PersistenceOptions;
}

/** A send as stored: the outbox's own fields (not its callbacks), plus what the UI shows after a reload. */
interface OutboxRecord
  extends Pick<OutgoingMessage, "clientMessageId" | "conversationId" | "text" | "replyToId" | "threadId" | "mentions" | "files" | "attachmentIds"> {
  at: number;
  senderId: string;
  status: "pending" | "failed";
  error?: { code: ChatError["code"]; message: string };
}

/** What tabs tell each other about sends (BroadcastChannel). */
type Note =
  | { t: "add"; r: OutboxRecord }
  | { t: "sent"; id: string; c: string; m: Message }
  | { t: "failed"; id: string; c: string; e: { code: ChatError["code"]; message: string } }
  | { t: "drop"; id: string; c: string };

let warned = false;
/** One warning per page, however many things fail. */
function warn(err: unknown): void {
  if (warned) return;
  warned = true;
  console.warn(`[parley] the offline cache is off, the chat keeps its state in memory only: ${err instanceof Error ? err.message : String(err)}`);
}

const prefix = (appId: string): string => `parley:${appId}:`;

/**
 * Opens the user's cache, fills the store from it (marked `cached` until the first catch-up),
 * and starts writing changes back and journaling sends. Resolves null (memory only, one warning)
 * when IndexedDB cannot be used.
 */
export async function attachPersistence(host: PersistenceHost): Promise<LocalCache | null> {
  const name = prefix(host.appId) + host.userId;
  try {
    // A user switch leaves nothing of the previous user behind (sign-out deletes it too).
    for (const other of await databaseNames()) if (other.startsWith(prefix(host.appId)) && other !== name) void deleteDatabase(other);
    const db = await openDatabase(name, host.options?.openTimeoutMs ?? DEFAULT_PERSISTENCE_OPTIONS.openTimeoutMs);
    const cache = new LocalCache(host, db, name);
    await cache.load().catch((err: unknown) => {
      void cache.close(false);
      throw err;
    });
    return cache;
  } catch (err: unknown) {
    warn(err);
    return null;
  }
}

export { claimsOf } from "./host-token.js";

/** Deletes what a user keeps on this device, open here or not (ChatClient.connectWithHostToken: another user signs in). */
export const forgetDevice = (appId: string, userId: string): Promise<void> => deleteDatabase(prefix(appId) + userId);

export class LocalCache implements OutboxJournal {
  /** True when the store was filled from the device (a catch-up from its cursor follows). */
  warm = false;
  private readonly opts: Required<PersistenceOptions>;
  private readonly channel: BroadcastChannel | null;
  private readonly unsubscribe: Array<() => void> = [];
  /** The state last written, to write only what changed. */
  private written: ChatState;
  /** Thread ids written, with how many messages. */
  private readonly kept = new Map<string, number>();
  private timer: ReturnType<typeof setTimeout> | undefined;
  private writing: Promise<void> = Promise.resolve();
  private leading = false;
  private release: (() => void) | undefined;
  private clock = 0;
  private dead = false;
  /**
   * The store holds a consistent snapshot: filled from the cache, or caught up once after a cold
   * start. Before that (a cold start sets the cursor, then loads the list) nothing is written:
   * a cursor stored without the list it belongs to would make the next load skip that list.
   */
  private complete = false;

  constructor(
    private readonly host: PersistenceHost,
    private readonly db: IDBDatabase,
    private readonly name: string,
  ) {
    this.opts = { ...DEFAULT_PERSISTENCE_OPTIONS, ...host.options };
    this.written = host.store.state;
    this.channel = typeof BroadcastChannel === "function" ? new BroadcastChannel(name) : null;
    if (this.channel) {
      this.channel.onmessage = (e: MessageEvent<Note>) => this.heard(e.data);
      (this.channel as { unref?(): void }).unref?.();
    }
    db.onclose = () => this.fail(new Error("IndexedDB closed the database"));
  }

  get userId(): string {
    return this.host.userId;
  }

  /** Reads everything, fills the store, then writes changes back and takes part in sending. */
  async load(): Promise<void> {
    const [conversations, threads, meta, records] = await this.read();
    const { store, outbox } = this.host;
    this.warm = !!meta && meta.lastSeq > 0 && store.state.lastSeq === 0;
    const unsent = records.map(localItem);
    store.next((s) => unsent.reduce(withUnsent, this.warm ? withCached(s, { conversations, threads, order: meta!.order, lastSeq: meta!.lastSeq }) : s));
    for (const t of threads) this.kept.set(t.id, t.messages.length);
    this.complete = this.warm;
    this.written = this.warm ? store.state : { ...store.state, conversations: {}, threads: {} };
    outbox.journal = this;
    this.unsubscribe.push(
      store.subscribe(() => this.schedule()),
      this.host.onRecovered(() => {
        this.complete = true;
        if (store.state.cached) store.patch({ cached: false });
        else this.schedule();
      }),
    );
    globalThis.addEventListener?.("pagehide", this.flushNow);
    this.lead();
  }

  // --- The outbox journal (Outbox calls these) ------------------------------------------------

  leads(): boolean {
    return this.leading;
  }

  add(m: OutgoingMessage): Promise<void> {
    m.at = this.clock = Math.max(Date.now(), this.clock + 1);
    const { onProgress: _p, saved: _s, ...fields } = m;
    const r: OutboxRecord = { ...fields, files: [...m.files], attachmentIds: [...m.attachmentIds], at: m.at, senderId: this.host.userId, status: "pending" };
    return this.write(["outbox"], (tx) => tx.objectStore("outbox").put(r)).then(() => this.post({ t: "add", r }));
  }

  done(m: Pick<OutgoingMessage, "clientMessageId" | "conversationId">, result: Message | ChatError | null): void {
    const id = m.clientMessageId;
    const c = m.conversationId;
    if (result instanceof ChatError) {
      const e = { code: result.code, message: result.message };
      void this.write(["outbox"], (tx) => {
        const os = tx.objectStore("outbox");
        const get = os.get(id);
        get.onsuccess = () => get.result && os.put({ ...get.result, status: "failed", error: e });
      }).then(() => this.post({ t: "failed", id, c, e }));
    } else {
      void this.write(["outbox"], (tx) => tx.objectStore("outbox").delete(id)).then(() =>
        this.post(result ? { t: "sent", id, c, m: result } : { t: "drop", id, c }),
      );
    }
  }

  /** Stops (sign-out, user switch, close); `wipe` deletes everything this user had on the device. */
  async close(wipe: boolean): Promise<void> {
    if (!wipe && !this.dead) await this.flushNow();
    this.stop();
    this.db.close();
    if (wipe) await deleteDatabase(this.name);
  }

  // --- Tabs ----------------------------------------------------------------------------------

  /**
   * One tab at a time sends (a Web Lock held while the tab lives; without Web Locks every tab
   * sends, and the server's clientMessageId index still stores each once). The tab that takes
   * over adopts every send on the device, its own and other tabs', in the order written.
   */
  private lead(): void {
    const locks = (globalThis as { navigator?: { locks?: LockManager } }).navigator?.locks;
    const take = async (): Promise<void> => {
      if (this.dead) return;
      this.leading = true;
      const [, , , records] = await this.read().catch(() => [[], [], null, [] as OutboxRecord[]] as const);
      const mine = records.filter((r) => r.status === "pending");
      for (const r of mine) if (!this.host.pending.has(r.clientMessageId)) this.host.pending.set(r.clientMessageId, { resolve: noop, reject: noop });
      adopt(this.host.outbox, mine.map(toOutgoing));
    };
    if (!locks) return void take();
    void locks
      .request(this.name + ":outbox", () => {
        if (this.dead) return;
        return new Promise<void>((resolve) => {
          this.release = resolve;
          void take();
        });
      })
      .catch(() => undefined);
  }

  private heard(n: Note): void {
    if (this.dead) return;
    const { store, outbox } = this.host;
    if (n.t === "add") {
      store.next((s) => withUnsent(s, localItem(n.r)));
      if (this.leading) {
        this.host.pending.has(n.r.clientMessageId) || this.host.pending.set(n.r.clientMessageId, { resolve: noop, reject: noop });
        adopt(outbox, [toOutgoing(n.r)]);
      }
    } else if (n.t === "sent") settled(outbox, n.id, n.c, n.m);
    else if (n.t === "failed") settled(outbox, n.id, n.c, new ChatError(n.e.code, n.e.message));
    else store.next((s) => withoutUnsent(s, { conversationId: n.c }, n.id));
  }

  private post(n: Note): void {
    if (!this.dead) this.channel?.postMessage(n);
  }

  // --- Writing the store back -------------------------------------------------------------------

  private schedule(): void {
    if (!this.timer && !this.dead) this.timer = setTimeout(() => void this.flushNow(), this.opts.writeDelayMs);
  }

  /** Writes what changed since the last write, in one transaction. */
  private flushNow = (): Promise<void> => {
    clearTimeout(this.timer);
    this.timer = undefined;
    const s = this.host.store.state;
    const w = this.written;
    if (s === w || !s.me || !this.complete || this.dead) return this.writing;
    this.written = s;
    return this.write(["conversations", "threads", "meta"], (tx) => {
      const cs = tx.objectStore("conversations");
      const ts = tx.objectStore("threads");
      for (const id in s.conversations) if (s.conversations[id] !== w.conversations[id]) cs.put(s.conversations[id]);
      for (const id in w.conversations) if (!s.conversations[id]) cs.delete(id);
      // The newest page of each thread, newest conversations first, until the cap.
      let budget = this.opts.maxMessages;
      const seen = new Set<string>();
      for (const id of s.conversationOrder) {
        const t = s.threads[id];
        if (!t) continue;
        seen.add(id);
        const sent = t.messages.filter((m) => m.status === "sent");
        const n = Math.min(sent.length, this.opts.pageSize, budget);
        budget -= n;
        if (n === 0) {
          if (this.kept.delete(id)) ts.delete(id);
        } else if (t !== w.threads[id] || this.kept.get(id) !== n) {
          ts.put({ id, messages: sent.slice(-n), hasOlder: t.hasOlder || n < sent.length });
          this.kept.set(id, n);
        }
      }
      for (const id of this.kept.keys()) if (!seen.has(id) && this.kept.delete(id)) ts.delete(id);
      tx.objectStore("meta").put({ lastSeq: s.lastSeq, order: s.conversationOrder }, "state");
    });
  };

  /** One readwrite transaction, after the previous one; any failure turns the cache off. */
  private write(stores: StoreName[], fill: (tx: IDBTransaction) => void): Promise<void> {
    this.writing = this.writing.then(async () => {
      if (this.dead) return;
      try {
        const tx = this.db.transaction(stores, "readwrite");
        const done = committed(tx);
        done.catch(() => undefined); // awaited below, unless fill throws first
        try {
          fill(tx);
        } catch (err) {
          tx.abort();
          throw err;
        }
        await done;
      } catch (err: unknown) {
        this.fail(err);
      }
    });
    return this.writing;
  }

  private async read(): Promise<[Conversation[], (Thread & { id: string })[], { lastSeq: number; order: string[] } | undefined, OutboxRecord[]]> {
    const tx = this.db.transaction(["conversations", "threads", "meta", "outbox"], "readonly");
    const all = <T>(s: StoreName) => request(tx.objectStore(s).getAll() as IDBRequest<T[]>);
    const out = await Promise.all([
      all<Conversation>("conversations"),
      all<Thread & { id: string }>("threads"),
      request(tx.objectStore("meta").get("state") as IDBRequest<{ lastSeq: number; order: string[] } | undefined>),
      all<OutboxRecord>("outbox"),
    ]);
    out[3].sort((a, b) => a.at - b.at);
    return out;
  }

  /** IndexedDB failed (quota, closed, corrupted): memory only from here on, sends included. */
  private fail(err: unknown): void {
    if (this.dead) return;
    warn(err);
    this.stop();
    // Sends written before go on from memory; this tab may send them now.
    this.host.outbox.kick();
  }

  private stop(): void {
    this.dead = true;
    this.leading = false;
    clearTimeout(this.timer);
    for (const u of this.unsubscribe) u();
    globalThis.removeEventListener?.("pagehide", this.flushNow);
    this.channel?.close();
    this.release?.();
    if (this.host.outbox.journal === this) this.host.outbox.journal = null;
  }
}

const noop = (): void => undefined;

/** Sends found on the device (a reload, another tab): queued in the order written, unless known. */
function adopt(o: Outbox, ms: OutgoingMessage[]): void {
  const known = new Set([...o.queue, ...o.inFlight.keys(), ...o.retry.map(([m]) => m)].map((m) => m.clientMessageId));
  o.queue.push(...ms.filter((m) => !known.has(m.clientMessageId)));
  o.queue.sort((a, b) => (a.at ?? 0) - (b.at ?? 0));
  o.kick();
}

/** Settled by the tab that sends: leaves this tab's queue, and its promise and thread learn the outcome. */
function settled(o: Outbox, clientMessageId: string, conversationId: string, result: Message | ChatError): void {
  const i = o.queue.findIndex((m) => m.clientMessageId === clientMessageId);
  const m = i < 0 ? { clientMessageId, conversationId, text: "", files: [], attachmentIds: [] } : o.queue.splice(i, 1)[0]!;
  if (result instanceof ChatError) o.deps.failed(m, result);
  else o.deps.sent(m, result);
}

function toOutgoing({ senderId: _s, status: _t, error: _e, ...r }: OutboxRecord): OutgoingMessage {
  return { ...r, files: [...r.files], attachmentIds: [...r.attachmentIds] };
}

/** A stored send as its timeline or thread shows it: pending, or failed with its reason. */
function localItem(r: OutboxRecord): MessageItem {
  return {
    id: `local:${r.clientMessageId}`,
    conversationId: r.conversationId,
    senderId: r.senderId,
    text: r.text,
    attachments: [],
    replyToId: r.replyToId ?? null,
    clientMessageId: r.clientMessageId,
    reactions: [],
    createdAt: new Date(r.at).toISOString(),
    editedAt: null,
    deletedAt: null,
    status: r.status,
    ...(r.threadId ? { threadId: r.threadId } : {}),
    ...(r.mentions ? { mentions: r.mentions } : {}),
    ...(r.error ? { error: new ChatError(r.error.code, r.error.message) } : {}),
  };
}
