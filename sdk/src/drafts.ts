import type { Socket } from "socket.io-client";
import type { ChatClient } from "./client.js";
import type { ClientToServerEvents, Draft, DraftUpdatedEvent, Page, SaveDraftRequest, ServerToClientEvents } from "./protocol/index.js";
import type { ChatState } from "./state.js";

/** How often typing reaches the server: `debounceMs` after the last keystroke, and at least every `maxWaitMs` while typing goes on. */
export interface DraftsOptions {
  debounceMs?: number;
  maxWaitMs?: number;
}

export const DEFAULT_DRAFTS_OPTIONS: Required<DraftsOptions> = { debounceMs: 400, maxWaitMs: 2000 };

/** A change of one conversation's draft. `remote`: it came from another device (or `load()`); false for this client's own save or clear. */
export interface DraftChange {
  conversationId: string;
  draft: Draft | null;
  remote: boolean;
}

type Chat = Pick<ChatClient, "store" | "request" | "on">;
type RawSocket = Socket<ServerToClientEvents, ClientToServerEvents>;
type Input = { text: string; replyTo?: string | null | undefined };

const seg = encodeURIComponent;
/** Remembered sends of this client, at most (a send clears its conversation's draft once). */
const SENDS_MAX = 1000;

/**
 * Drafts that follow the user (issue 55): each conversation's unsent text and reply target, kept on
 * the server so the user's other devices and a reload find it. `save` is local at once and reaches
 * the server debounced; another device's change arrives as `draft.updated` (this client's own echo
 * is told apart by its `origin` and ignored). Sending a message in a conversation from this client
 * clears its draft everywhere: the message send itself does not touch drafts on the server, so this
 * module sees the send (the store's pending message) and deletes the draft.
 *
 * Each conversation's requests go one after another, so a clear never overtakes the save before it.
 * `draft.updated` is ephemeral: after a reconnect the list is loaded again (once `load()` was called).
 */
export class Drafts {
  private readonly byId = new Map<string, Draft>();
  private readonly listeners = new Set<(change: DraftChange) => void>();
  /** Saves waiting for their debounce, by conversation; a failed one waits, timer-less, for the next connect. */
  private readonly waiting = new Map<string, { input: Input; since: number; timer?: ReturnType<typeof setTimeout> }>();
  /** Each conversation's last request, while one is under way. */
  private readonly chains = new Map<string, Promise<unknown>>();
  /** clientMessageIds of this client's sends already seen. */
  private readonly sends = new Set<string>();
  private readonly origin = `d${Math.random().toString(36).slice(2, 12)}${Date.now().toString(36)}`;
  private readonly opts: Required<DraftsOptions>;
  private readonly offs: (() => void)[];
  private attached: RawSocket | null = null;
  private loaded = false;

  private readonly onUpdated = (e: DraftUpdatedEvent): void => {
    const id = e.conversationId;
    // Ours, or typed here meanwhile (what waits here is newer): nothing to take.
    if (e.origin === this.origin || this.waiting.has(id)) return;
    const held = this.byId.get(id);
    if (e.draft && held && held.updatedAt > e.draft.updatedAt) return;
    this.set(id, e.draft, true);
  };

  constructor(
    private readonly chat: Chat,
    options: DraftsOptions = {},
  ) {
    this.opts = { ...DEFAULT_DRAFTS_OPTIONS, ...options };
    this.sentIn(chat.store.state.threads, false);
    this.offs = [
      chat.on("connection.changed", (c) => c === "connected" && this.connected()),
      chat.store.subscribeWithSelector(
        (s) => s.threads,
        (threads) => this.sentIn(threads, true),
      ),
    ];
    this.attach();
  }

  /** The draft of a conversation, or null. */
  get(conversationId: string): Draft | null {
    return this.byId.get(conversationId) ?? null;
  }

  /** Every draft known, newest first. */
  get items(): Draft[] {
    return [...this.byId.values()].sort((a, b) => b.updatedAt.localeCompare(a.updatedAt));
  }

  /** Calls `listener` after each change of a draft; returns the unsubscribe function. */
  subscribe(listener: (change: DraftChange) => void): () => void {
    this.listeners.add(listener);
    return () => void this.listeners.delete(listener);
  }

  /** The user's drafts from the server (every page): what this client holds is replaced, but what waits to be saved here. */
  async load(): Promise<Draft[]> {
    this.loaded = true;
    const all: Draft[] = [];
    let cursor: string | null = null;
    do {
      const page: Page<Draft> = await this.chat.request<Page<Draft>>("GET", `/drafts?limit=100${cursor ? `&cursor=${seg(cursor)}` : ""}`);
      all.push(...page.items);
      cursor = page.nextCursor;
    } while (cursor);
    const listed = new Map(all.map((d) => [d.conversationId, d]));
    const settled = (id: string): boolean => !this.waiting.has(id) && !this.chains.has(id);
    for (const id of [...this.byId.keys()]) if (!listed.has(id) && settled(id)) this.set(id, null, true);
    for (const [id, d] of listed) if (settled(id) && this.byId.get(id)?.updatedAt !== d.updatedAt) this.set(id, d, true);
    return this.items;
  }

  /**
   * Saves a conversation's draft: here at once, on the server after `debounceMs` without another
   * save (and at least every `maxWaitMs`). A blank text with no reply target deletes it.
   */
  save(conversationId: string, input: Input): void {
    const replyTo = input.replyTo ?? null;
    const draft = input.text.trim() === "" && replyTo === null ? null : { conversationId, text: input.text, replyTo, updatedAt: new Date().toISOString() };
    this.set(conversationId, draft, false);
    const w = this.waiting.get(conversationId);
    clearTimeout(w?.timer);
    const since = w?.since ?? Date.now();
    const delay = Math.max(0, Math.min(this.opts.debounceMs, since + this.opts.maxWaitMs - Date.now()));
    this.waiting.set(conversationId, {
      input: { text: input.text, replyTo },
      since,
      timer: setTimeout(() => void this.flush(conversationId).catch(() => undefined), delay),
    });
  }

  /** Saves now what waits (one conversation's, or all); rejects when the server refused a save. */
  async flush(conversationId?: string): Promise<void> {
    const ids = conversationId === undefined ? [...this.waiting.keys()] : [conversationId];
    await Promise.all(ids.map((id) => this.put(id)));
  }

  /** Deletes a conversation's draft, here and on the server (a save waiting for it is dropped). */
  async clear(conversationId: string): Promise<void> {
    clearTimeout(this.waiting.get(conversationId)?.timer);
    this.waiting.delete(conversationId);
    this.set(conversationId, null, false);
    await this.chained(conversationId, () => this.chat.request("DELETE", `/conversations/${seg(conversationId)}/draft?origin=${this.origin}`));
  }

  /** Stops following events and sends; saves still waiting are dropped (`flush()` first to keep them). */
  close(): void {
    for (const off of this.offs) off();
    for (const w of this.waiting.values()) clearTimeout(w.timer);
    this.waiting.clear();
    this.attached?.off("draft.updated", this.onUpdated);
    this.attached = null;
  }

  private async put(id: string): Promise<void> {
    const w = this.waiting.get(id);
    if (!w) return;
    clearTimeout(w.timer);
    this.waiting.delete(id);
    const body: SaveDraftRequest = { ...w.input, origin: this.origin };
    const local = this.byId.get(id);
    try {
      const saved = await this.chained(id, () => this.chat.request<Draft | undefined>("PUT", `/conversations/${seg(id)}/draft`, body));
      // The server's time, unless it was typed over or cleared here meanwhile, or another device's
      // newer draft came while the answer was on its way (the server has that one now).
      const now = this.byId.get(id);
      if (!saved || this.waiting.has(id) || !now) return;
      if (now === local) this.byId.set(id, saved);
      else if (now.updatedAt <= saved.updatedAt) this.set(id, saved, false);
    } catch (err) {
      // Offline or overloaded: kept for the next connect, unless typed over meanwhile (that save
      // carries the newer text). Refused (no longer a member, too long): dropped.
      if ((err as { retryable?: boolean }).retryable && !this.waiting.has(id)) this.waiting.set(id, { input: w.input, since: w.since });
      throw err;
    }
  }

  /** Runs `request` after the conversation's requests before it. */
  private chained<T>(id: string, request: () => Promise<T>): Promise<T> {
    const run = (this.chains.get(id) ?? Promise.resolve()).then(request, request);
    const settled = run.then(
      () => undefined,
      () => undefined,
    );
    this.chains.set(id, settled);
    void settled.then(() => this.chains.get(id) === settled && this.chains.delete(id));
    return run;
  }

  private set(id: string, draft: Draft | null, remote: boolean): void {
    if (!draft && !this.byId.has(id)) return;
    if (draft) this.byId.set(id, draft);
    else this.byId.delete(id);
    for (const l of [...this.listeners]) l({ conversationId: id, draft, remote });
  }

  /**
   * A message this client sends shows at once as pending at the end of its conversation's timeline
   * (a thread reply goes to its thread, not here): the first sight of one clears that draft.
   */
  private sentIn(threads: ChatState["threads"], clear: boolean): void {
    for (const [id, t] of Object.entries(threads)) {
      const list = t.messages;
      for (let i = list.length - 1; i >= 0 && list[i]!.status !== "sent"; i--) {
        const cmid = list[i]!.clientMessageId;
        if (!cmid || this.sends.has(cmid)) continue;
        this.sends.add(cmid);
        if (this.sends.size > SENDS_MAX) this.sends.delete(this.sends.values().next().value!);
        if (clear && (this.byId.has(id) || this.waiting.has(id))) void this.clear(id).catch(() => undefined);
      }
    }
  }

  private connected(): void {
    this.attach();
    for (const [id, w] of this.waiting) if (!w.timer) void this.put(id).catch(() => undefined);
    // Events are not replayed: what changed while this client was away comes with the list.
    if (this.loaded) void this.load().catch(() => undefined);
  }

  /** Listens on the chat's socket (a new one after a sign-out and sign-in), as @parley/sdk/streams does. */
  private attach(): void {
    const raw = (this.chat as unknown as { socket: { socket: RawSocket | null } }).socket.socket;
    if (!raw || raw === this.attached) return;
    this.attached?.off("draft.updated", this.onUpdated);
    raw.on("draft.updated", this.onUpdated);
    this.attached = raw;
  }
}
