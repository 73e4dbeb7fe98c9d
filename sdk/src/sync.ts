import { isChatError } from "./errors.js";
import type { ChatEvent, Conversation, Message, Page, SyncResponse } from "./protocol/index.js";
import { withMessages } from "./reducer.js";
import { orderConversations, type ChatState, type SyncStatus, type Thread } from "./state.js";

export interface SyncOptions {
  /** Wait after the first failed catch-up (ms); doubles with each failure, with jitter. */
  retryDelay?: number;
  retryDelayMax?: number;
  /** Events asked for per /sync call. */
  pageSize?: number;
  /**
   * How long after a live event every earlier event (lower seq) is sure to have arrived too (ms).
   * With several server nodes, events reach a socket out of seq order: another node's go through
   * Redis, its own node's at once. A catch-up starts from the cursor as it was this long before
   * the connection dropped, so an event still on its way when a node died is fetched, not skipped.
   */
  settleMs?: number;
}

export const DEFAULT_SYNC_OPTIONS: Required<SyncOptions> = { retryDelay: 500, retryDelayMax: 30_000, pageSize: 500, settleMs: 5000 };

export interface SyncDeps {
  fetch(since: number, limit: number): Promise<SyncResponse>;
  /** The last seq applied. */
  cursor(): number;
  /** Applies events in one update, moving the cursor to at least `lastSeq`; returns how many were new. */
  apply(events: ChatEvent[], lastSeq?: number): number;
  status(s: SyncStatus): void;
  recovered(applied: number): void;
  /**
   * The server no longer keeps events back to the cursor (410 `sync_expired`): load the state
   * afresh from the head (cursor first, then the snapshot) and move the cursor there. Catching
   * up then goes on from the new cursor.
   */
  expired(): Promise<void>;
}

/** Live events held back during a catch-up; past this they are dropped and fetched again instead. */
const MAX_HELD = 5000;

/**
 * Keeps the store gap-free across reconnects. After each (re)connect it pages through /sync
 * until the server has nothing more, and tries again (backoff, jitter) until that succeeds.
 * Until then live events are held back, never applied: one applied early would move the cursor
 * past events not fetched yet, and those would be lost for good.
 */
export class SyncEngine {
  private readonly opts: Required<SyncOptions>;
  private held: ChatEvent[] = [];
  private running: Promise<void> | null = null;
  /** Held events were dropped: page through once more before going live. */
  private again = false;
  private wake: (() => void) | null = null;
  /** Bumped by `close`: a run of an older generation stops and touches nothing. */
  private generation = 0;
  private runGeneration = -1;
  /** A cursor every event up to which has been applied: a catch-up's end, or a live event's once settled. */
  private settled = -1;
  /** The cursor after each live event, with when: promoted to `settled` after `settleMs`. */
  private recent: { at: number; seq: number }[] = [];

  constructor(
    private readonly deps: SyncDeps,
    options: SyncOptions = {},
  ) {
    this.opts = { ...DEFAULT_SYNC_OPTIONS, ...options };
  }

  /** A live event: applied now when in sync, else held until the catch-up is done. */
  live(e: ChatEvent): void {
    if (!this.running) {
      this.deps.apply([e]);
      this.recent.push({ at: Date.now(), seq: this.deps.cursor() });
      this.settle();
      return;
    }
    this.held.push(e);
    if (this.held.length > MAX_HELD) {
      this.held = [];
      this.again = true;
    }
  }

  /** Catches up (after every connect); while a catch-up waits to retry, it retries now. */
  start(): Promise<void> {
    if (this.running && this.runGeneration === this.generation) {
      this.wake?.();
      return this.running;
    }
    this.runGeneration = this.generation;
    this.held = [];
    this.deps.status("syncing");
    this.running = this.run(this.generation);
    return this.running;
  }

  /** Stops catching up (sign-out, close); a later `start` begins afresh. */
  close(): void {
    this.generation++;
    this.wake?.();
    if (this.running) this.deps.status("idle");
    this.running = null;
    this.held = [];
    this.settled = -1;
    this.recent = [];
  }

  /**
   * A page from the cursor. An expired cursor is never asked for again: the state is reloaded
   * from the head, and the page is fetched from the new cursor (the snapshot holds everything
   * before it). A failed reload is a failed catch-up: retried with backoff like any other.
   */
  private async fetchOrReload(since: number): Promise<SyncResponse> {
    try {
      return await this.deps.fetch(since, this.opts.pageSize);
    } catch (err) {
      if (!isChatError(err) || err.code !== "sync_expired") throw err;
      await this.deps.expired();
      return this.deps.fetch(this.deps.cursor(), this.opts.pageSize);
    }
  }

  /** Promotes live cursors older than `settleMs`; keeps the list short. */
  private settle(): void {
    const old = Date.now() - this.opts.settleMs;
    while (this.recent.length > 0 && (this.recent[0]!.at <= old || this.recent.length > MAX_HELD))
      this.settled = Math.max(this.settled, this.recent.shift()!.seq);
  }

  /**
   * Where a catch-up starts: the applied cursor, unless live events came within `settleMs`; then
   * the cursor before them (events re-fetched in between are applied once: the client drops seqs
   * it has).
   */
  private startCursor(): number {
    this.settle();
    const cursor = this.deps.cursor();
    const from = this.recent.length > 0 && this.settled >= 0 ? Math.min(this.settled, cursor) : cursor;
    this.recent = [];
    return from;
  }

  private async run(gen: number): Promise<void> {
    const stale = (): boolean => gen !== this.generation;
    let applied = 0;
    // Fixed for the whole run (retries too); moves only with pages, each complete to its lastSeq.
    let from = this.startCursor();
    for (let failures = 0; !stale(); ) {
      try {
        let upTo = from;
        do {
          this.again = false;
          for (let more = true; more; ) {
            const res = await this.fetchOrReload(upTo);
            if (stale()) return;
            applied += this.deps.apply(res.events, res.lastSeq);
            from = upTo = res.lastSeq;
            more = res.hasMore;
          }
        } while (this.again);
        this.settled = upTo;
        // Go live in this same turn, so no event slips between: held events the last page
        // covered are applied already; later ones go in seq order.
        const later = this.held.filter((e) => e.seq > upTo).sort((a, b) => a.seq - b.seq);
        this.held = [];
        this.running = null;
        applied += later.length ? this.deps.apply(later) : 0;
        if (later.length) this.recent.push({ at: Date.now(), seq: this.deps.cursor() });
        this.deps.status("idle");
        this.deps.recovered(applied);
        return;
      } catch (err) {
        if (stale()) return;
        if (isChatError(err) && err.code === "not_signed_in") return this.close();
        this.deps.status("retrying");
        const max = Math.min(this.opts.retryDelayMax, this.opts.retryDelay * 2 ** Math.min(failures++, 16));
        let wake = (): void => {};
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, max / 2 + (Math.random() * max) / 2);
          this.wake = wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        if (this.wake === wake) this.wake = null;
        if (!stale()) this.deps.status("syncing");
      }
    }
  }
}

/**
 * The state reloaded from the head after an expired cursor, as one update: the conversation list
 * is the first page just fetched (plus the open threads' conversations when they are further
 * down); each open thread is its newest page `pages[i]` (older pages load again on demand), with
 * my sends not acknowledged yet kept; a thread whose page is null (the conversation is gone: left,
 * removed) is dropped with its conversation. No stale message stays beside the fresh page, so a
 * thread never shows a hole or a message twice.
 */
export function withSnapshot(
  s: ChatState,
  head: number,
  list: readonly Conversation[],
  ids: readonly string[],
  pages: readonly (Page<Message> | null)[],
): ChatState {
  const conversations: Record<string, Conversation> = {};
  const threads: Record<string, Thread> = {};
  ids.forEach((id, i) => {
    const c = s.conversations[id];
    if (!pages[i]) return;
    if (c) conversations[id] = c;
    threads[id] = { messages: s.threads[id]!.messages.filter((m) => m.status !== "sent"), hasOlder: true };
  });
  for (const c of list) conversations[c.id] = c;
  let next: ChatState = { ...s, conversations, conversationOrder: orderConversations(conversations), threads, lastSeq: Math.max(s.lastSeq, head) };
  ids.forEach((id, i) => {
    const p = pages[i];
    if (p) next = withMessages(next, id, p.items, p.nextCursor !== null);
  });
  return next;
}
