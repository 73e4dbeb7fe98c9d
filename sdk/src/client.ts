import { ConversationHandle } from "./conversation.js";
import { Emitter } from "./emitter.js";
import { ChatError } from "./errors.js";
import { HttpClient, query } from "./http.js";
import { Outbox } from "./outbox.js";
import { MESSAGE_LIMITS } from "./protocol/index.js";
import type * as P from "./protocol/index.js";
import { localStorageOrMemory, memoryStorage, notSignedIn, SessionManager, signedOut } from "./session.js";
import { SocketConnection } from "./socket.js";
import { applyEvents, markFailed, withPresence, withTyping } from "./reducer.js";
import { INITIAL_STATE, withConversations, type ChatState } from "./state.js";
import { StateStore } from "./store.js";
import { Directory } from "./directory.js";
import { SyncEngine, withSnapshot } from "./sync.js";
import type { ChatClientEvents, ChatClientOptions, SearchOptions } from "./client-options.js";
import type { LocalCache } from "./persistence/persistence.js";

export const DEFAULT_CLIENT_OPTIONS: Required<Pick<ChatClientOptions, "storage" | "autoConnect">> = { storage: "memory", autoConnect: true };

const SEEN_MAX = 5000;
/** How long thread activity gathers before a conversation's counts are asked again. */
const RECOUNT_MS = 1000;

/**
 * The Parley client: sign-in, REST, realtime events and a store that converges to the server's
 * state — nothing lost, nothing shown twice. One instance per signed-in user.
 */
export class ChatClient {
  readonly store = new StateStore<ChatState>(INITIAL_STATE);
  readonly directory: Directory;
  private readonly emitter = new Emitter<ChatClientEvents>();
  private readonly session: SessionManager;
  private readonly http: HttpClient;
  private readonly socket: SocketConnection;
  private readonly outbox: Outbox;
  private readonly sync: SyncEngine;
  private readonly pending = new Map<string, { resolve(m: P.Message): void; reject(e: unknown): void }>();
  private readonly handles = new Map<string, ConversationHandle>();
  private readonly seen = new Set<number>();
  /** Conversations whose thread and mention counts are asked again shortly (see `apply`). */
  private readonly recount = new Map<string, ReturnType<typeof setTimeout>>();
  private cache: LocalCache | null = null;
  /** A host token not exchanged yet because the server could not be reached (see renew). */
  private hostToken: string | undefined;
  private readonly opts: ChatClientOptions & Required<Pick<ChatClientOptions, "storage" | "autoConnect">>;

  constructor(options: ChatClientOptions) {
    this.opts = { ...DEFAULT_CLIENT_OPTIONS, ...options, server: options.server.replace(/\/+$/, "") };
    const storage = this.opts.storage === "local" ? localStorageOrMemory() : this.opts.storage === "memory" ? memoryStorage() : this.opts.storage;
    const fetchImpl = this.opts.fetch ?? ((input, init) => globalThis.fetch(input, init));
    this.session = new SessionManager(
      storage,
      `parley:${this.opts.appId}:session`,
      (refreshToken) => this.http.request<P.AuthResponse>("POST", "/auth/refresh", { body: { refreshToken }, auth: false }),
      (s, remote) => {
        const was = this.store.state.me?.id;
        if (was && was !== s?.user.id) this.ended();
        this.store.patch({ me: s?.user ?? null });
        this.emitter.emit("session.changed", s?.user ?? null);
        // Signed in in another tab: this one starts too.
        if (remote && s && was !== s.user.id) void this.start().catch(() => undefined);
      },
      { shared: this.opts.storage !== "memory" },
    );
    this.http = new HttpClient(this.opts.server, this.opts.appId, this.session, fetchImpl, this.opts.http);
    this.sync = new SyncEngine(
      {
        fetch: (since, limit) => this.http.request<P.SyncResponse>("GET", `/sync?since=${since}&limit=${limit}`),
        cursor: () => this.store.state.lastSeq,
        apply: (events, lastSeq) => this.apply(events, lastSeq),
        status: (sync) => this.store.state.sync !== sync && this.store.patch({ sync }),
        recovered: (applied) => this.emitter.emit("connection.recovered", { applied }),
        expired: () => this.reloadFromHead(),
      },
      this.opts.sync,
    );
    this.directory = new Directory(this.http, this.store);
    this.socket = new SocketConnection(
      this.opts.server,
      {
        token: () => this.session.current?.accessToken ?? null,
        refresh: () => this.session.refresh().then(() => undefined),
        event: (e) => this.sync.live(e),
        typing: (e) => this.onTyping(e),
        presence: (p) => {
          this.store.next((s) => withPresence(s, p));
          this.emitter.emit("presence", p);
        },
        state: (c) => {
          if (this.store.state.connection === c) return;
          this.store.patch({ connection: c });
          this.emitter.emit("connection.changed", c);
        },
        connected: () => {
          void this.sync.start();
          this.outbox.kick();
          this.renew();
        },
      },
      this.opts.socket,
    );
    this.outbox = new Outbox(
      {
        // Signed out, every send goes through to fail at once (see ended).
        ready: () => this.socket.connected || !this.session.current,
        upload: (file, onProgress) => this.directory.upload(file, onProgress),
        send: ({ files: _f, onProgress: _p, at: _a, saved: _s, attachmentIds, ...req }) =>
          // Not pending: written before the session ended, and failed then; never sent as another user.
          this.pending.has(req.clientMessageId)
            ? this.socket.request<P.Message>("message.send", { ...req, ...(attachmentIds.length ? { attachmentIds } : {}) })
            : Promise.reject(signedOut()),
        sent: (m, stored) => {
          // Applied as its own message.new (seq 0 moves no cursor): the list has it when `send`
          // resolves, even while the ack's event waits for a catch-up or was never sent (a resend).
          this.store.next((s) => applyEvents(s, [{ seq: 0, type: "message.new", data: { message: stored } } as P.ChatEvent]));
          this.pending.get(m.clientMessageId)?.resolve(stored);
          this.pending.delete(m.clientMessageId);
        },
        failed: (m, error) => {
          this.store.next((s) => markFailed(s, m, error));
          this.pending.get(m.clientMessageId)?.reject(error);
          this.pending.delete(m.clientMessageId);
          this.emitter.emit("message.failed", { conversationId: m.conversationId, clientMessageId: m.clientMessageId, error });
        },
      },
      this.opts.outbox,
    );
    if (this.session.current) this.store.patch({ me: this.session.current.user });
  }

  /** Listens to an event; returns the unsubscribe function. */
  on<K extends keyof ChatClientEvents>(event: K, handler: (payload: ChatClientEvents[K]) => void): () => void {
    return this.emitter.on(event, handler);
  }

  /** The signed-in user, or null. */
  get user(): P.Me | null {
    return this.store.state.me;
  }

  // --- Sign-in --------------------------------------------------------------------------------

  register(input: P.RegisterRequest): Promise<P.Me> {
    return this.signIn("/auth/register", input);
  }

  login(email: string, password: string): Promise<P.Me> {
    return this.signIn("/auth/login", { email, password });
  }

  /**
   * Signs in with a token the host site's backend signed with its app secret. With a session kept
   * for the token's user (its `sub` is the user's `externalId`), that session is picked up at once,
   * as `resume()` does (offline too: the device cache draws, the outbox waits for the socket), and
   * the token is exchanged in the background: adopted when accepted, signed out with the device's
   * data deleted when refused, tried again at the next connect when the server cannot be reached.
   * A session kept for anyone else is signed out, and their device data deleted, first.
   */
  async connectWithHostToken(token: string): Promise<P.Me> {
    const kept = this.session.reload();
    if (kept) {
      // The token's reader comes with the device cache's chunk: only a page with a kept session needs it.
      const p = await import("./persistence/persistence.js");
      if (kept.user.externalId === p.claimsOf(token).sub) {
        this.renew(token);
        return this.resume() as Promise<P.Me>;
      }
      void this.logout();
      await p.forgetDevice(this.opts.appId, kept.user.id);
    }
    return this.signIn("/auth/host-token", { token });
  }

  /** Picks up a session kept in storage (e.g. after a page reload). Resolves null if none. */
  async resume(): Promise<P.Me | null> {
    if (!this.session.reload()) return null;
    await this.start();
    return this.user;
  }

  /** Signs out, here and in every tab sharing the storage. */
  async logout(): Promise<void> {
    const s = this.session.current;
    this.session.set(null);
    if (s) await this.http.request("POST", "/auth/logout", { body: { refreshToken: s.refreshToken }, auth: false }).catch(() => undefined);
  }

  /**
   * Changes the password of a Parley account. Every session of the user ends (other devices are
   * signed out); this client keeps going on the new session the server answers.
   */
  async changePassword(currentPassword: string, newPassword: string): Promise<P.Me> {
    const body: P.ChangePasswordRequest = { currentPassword, newPassword };
    const auth = await this.http.request<P.AuthResponse>("POST", "/auth/password", { body });
    this.session.set(auth);
    return auth.user;
  }

  // --- Profile --------------------------------------------------------------------------------

  /** Everything Parley holds of me, as JSON (profile, messages, reactions, uploads, conversations, contacts, requests, blocks). */
  exportMyData(): Promise<P.DataExport> {
    return this.http.request<P.DataExport>("GET", "/me/export");
  }

  /**
   * Deletes my account for good: my messages become tombstones, my files, contacts and
   * memberships go, every session ends. A Parley account confirms with its `password` (a user
   * signed in through the host site needs none). This client is then signed out and its data on
   * this device (the offline cache, queued sends) is cleared, as after `logout()`.
   */
  async deleteAccount(opts: P.DeleteAccountRequest = {}): Promise<void> {
    await this.http.request<void>("DELETE", "/me", { body: opts });
    this.session.set(null);
  }

  async me(): Promise<P.Me> {
    const me = await this.http.request<P.Me>("GET", "/me");
    this.session.updateUser(me);
    return me;
  }

  async updateProfile(patch: P.UpdateMeRequest): Promise<P.Me> {
    const me = await this.http.request<P.Me>("PATCH", "/me", { body: patch });
    this.session.updateUser(me);
    return me;
  }

  async setAvatar(file: Blob): Promise<P.Me> {
    const form = new FormData();
    form.append("file", file);
    const me = await this.http.request<P.Me>("PUT", "/me/avatar", { form });
    this.session.updateUser(me);
    return me;
  }

  // --- Connection -----------------------------------------------------------------------------

  connect(): void {
    if (!this.session.current) throw notSignedIn();
    this.socket.connect();
  }

  disconnect(): void {
    this.socket.disconnect();
  }

  /**
   * Whose presence to be told beside what is pushed (contacts, small conversations): in a group
   * above the app's presence group size, the people a view shows (at most 100; replaces the last
   * list, kept across reconnects; [] stops). Their presence lands in `state.presence`.
   */
  watchPresence(userIds: string[]): Promise<void> {
    return this.socket.watch(userIds);
  }

  /** Stops everything (socket, retries). The session stays in storage. */
  close(): void {
    void this.cache?.close(false);
    this.outbox.close();
    this.sync.close();
    this.socket.close();
  }

  // --- Conversations --------------------------------------------------------------------------

  /** A page of my conversations, most recent first; also merged into the store. */
  async listConversations(cursor?: string): Promise<P.Page<P.Conversation>> {
    const page = await this.http.request<P.Page<P.Conversation>>("GET", `/conversations${cursor ? `?cursor=${encodeURIComponent(cursor)}` : ""}`);
    this.store.next((s) => withConversations(s, page.items));
    return page;
  }

  /** Opens (or gets) the direct conversation with a user. */
  async direct(userId: string): Promise<ConversationHandle> {
    return this.adopt(await this.http.request<{ conversation: P.Conversation }>("POST", "/conversations/direct", { body: { userId } }));
  }

  async createGroup(input: P.CreateGroupRequest): Promise<ConversationHandle> {
    return this.adopt(await this.http.request<{ conversation: P.Conversation }>("POST", "/conversations", { body: input }));
  }

  async join(conversationId: string): Promise<ConversationHandle> {
    return this.adopt(await this.http.request<{ conversation: P.Conversation }>("POST", `/conversations/${conversationId}/join`));
  }

  /**
   * An authenticated call to any Parley REST route under /v1 (`path` without it), with this
   * client's token refresh and retries; resolves the parsed JSON body. Feature modules that not
   * every page needs (Moderation) are built on it, so the core stays small.
   */
  request<T>(method: string, path: string, body?: unknown): Promise<T> {
    return this.http.request<T>(method, path, body === undefined ? {} : { body });
  }

  /**
   * Full-text search of the messages I can read (my conversations, or one of them), newest first:
   * each hit with a snippet and the spans to highlight in it, and the hits' conversations once.
   * `q` is 1..200 characters; its last word matches as a prefix. Pass `nextCursor` back for the
   * next page. Read-only: the store is not changed.
   */
  search(q: string, opts: SearchOptions = {}): Promise<P.SearchResponse> {
    return this.http.request<P.SearchResponse>("GET", `/search?${query({ q, ...opts })}`);
  }

  /** The handle of one conversation (cheap; the same object for the same id). */
  conversation(id: string): ConversationHandle {
    let h = this.handles.get(id);
    if (!h)
      this.handles.set(
        id,
        (h = new ConversationHandle(id, {
          http: this.http,
          store: this.store,
          socket: this.socket,
          outbox: this.outbox,
          pending: this.pending,
          on: (event, handler) => this.on(event, handler),
        })),
      );
    return h;
  }

  // --- Catch-up -------------------------------------------------------------------------------

  /**
   * Applies every event missed since the last one applied, paging through large gaps, and
   * retries until that succeeds (the store's `sync` says where it stands). Runs by itself after
   * every (re)connect.
   */
  catchUp(): Promise<void> {
    return this.sync.start();
  }

  /**
   * Exchanges the host token of a picked-up session (see connectWithHostToken), one exchange at a
   * time. Refused (401, 403: invalid, revoked, banned), the session ends as at logout(), which
   * deletes the device cache (open, or opening: start() is under way by then); not answered
   * (offline, 5xx, 429), the token waits for the socket's next connect.
   */
  private renew(token = this.hostToken): void {
    const was = this.user?.id;
    this.hostToken = undefined;
    if (token)
      void import("./persistence/persistence.js").then(
        ({ claimsOf }) =>
          // An expired token would be refused though nothing is wrong: the session goes on without it.
          claimsOf(token).exp * 1000 > Date.now() &&
          this.http.request<P.AuthResponse>("POST", "/auth/host-token", { body: { token }, auth: false }).then(
            // Only while the same user is signed in here: not after a sign-out, nor as someone else.
            (auth) => this.user?.id === auth.user.id && this.session.set(auth),
            (e: ChatError) => this.user?.id === was && (e.status && !e.retryable ? void this.logout() : (this.hostToken = token)),
          ),
      );
  }

  private async signIn(path: string, body: unknown): Promise<P.Me> {
    const auth = await this.http.request<P.AuthResponse>("POST", path, { body, auth: false });
    this.session.set(auth);
    await this.start();
    return auth.user;
  }

  /**
   * After sign-in: the event cursor first, then the snapshot, then live events. With a warm
   * device cache, the cache is the snapshot: the catch-up after connecting starts from its cursor.
   */
  private async start(): Promise<void> {
    const me = this.user?.id;
    if (this.opts.persistence === "indexeddb" && me && this.cache?.userId !== me) {
      const cache = await import("./persistence/persistence.js").then(
        (p) =>
          p.attachPersistence({
            appId: this.opts.appId,
            userId: me,
            store: this.store,
            outbox: this.outbox,
            pending: this.pending,
            onRecovered: (fn) => this.on("connection.recovered", fn),
            options: this.opts.persistenceOptions ?? {},
          }),
        (err: unknown) => (console.warn("[parley]", err), null),
      );
      if (this.user?.id === me) this.cache = cache;
      else void cache?.close(true);
    }
    if (!this.cache?.warm) {
      const { lastSeq } = await this.http.request<{ lastSeq: number }>("GET", "/sync/head");
      this.store.patch({ lastSeq });
      await this.listConversations();
    }
    if (this.opts.autoConnect) this.socket.connect();
  }

  /**
   * After 410 `sync_expired` (the server pruned events past our cursor): the cursor first, then the
   * conversation list and the newest page of every open thread, applied as one update. Live events
   * wait meanwhile (the sync engine holds them).
   */
  private async reloadFromHead(): Promise<void> {
    const { lastSeq } = await this.http.request<{ lastSeq: number }>("GET", "/sync/head");
    const ids = Object.keys(this.store.state.threads);
    const [list, ...pages] = await Promise.all([
      this.http.request<P.Page<P.Conversation>>("GET", "/conversations"),
      ...ids.map((id) =>
        this.http.request<P.Page<P.Message>>("GET", `/conversations/${id}/messages`).catch((e: ChatError) => (e.status === 404 ? null : Promise.reject(e))),
      ),
    ]);
    this.store.next((s) => withSnapshot(s, lastSeq, list.items, ids, pages));
    // Loaded threads take their newest page again (a thread whose root is gone stays as it was).
    await Promise.all(
      Object.entries(this.store.state.replies).map(([rootId, r]) =>
        this.conversation(r.conversationId)
          .thread(rootId)
          .load()
          .catch(() => undefined),
      ),
    );
  }

  /**
   * The session is over (signed out here or in another tab, or refused by the server): the
   * socket closes, the state is cleared, and sends and calls still waiting fail at once.
   */
  private ended(): void {
    void this.cache?.close(true);
    this.cache = null;
    this.hostToken = undefined;
    this.socket.close();
    this.sync.close();
    this.seen.clear();
    for (const t of this.recount.values()) clearTimeout(t);
    this.recount.clear();
    this.store.next({ ...INITIAL_STATE });
    for (const p of this.pending.values()) p.reject(signedOut());
    this.pending.clear();
    this.outbox.kick();
  }

  private adopt({ conversation }: { conversation: P.Conversation }): ConversationHandle {
    this.store.next((s) => withConversations(s, [conversation]));
    return this.conversation(conversation.id);
  }

  /** Applies events not applied yet (by seq) in one store update; returns how many were new. */
  private apply(events: P.ChatEvent[], lastSeq?: number): number {
    const fresh = events.filter((e) => !this.seen.has(e.seq));
    for (const e of fresh) this.seen.add(e.seq);
    for (const seq of this.seen) {
      if (this.seen.size <= SEEN_MAX) break;
      this.seen.delete(seq);
    }
    if (fresh.length === 0 && (lastSeq ?? 0) <= this.store.state.lastSeq) return 0;
    this.store.next((s) => applyEvents(s, fresh, lastSeq));
    const me = this.user?.id;
    for (const e of fresh) {
      const joined = (e.type === "member.added" && e.data.members.some((m) => m.userId === me)) || e.type === "conversation.created";
      if (joined && e.conversationId)
        void this.conversation(e.conversationId)
          .refresh()
          .catch(() => undefined);
      if (e.type === "contact.updated" && this.store.state.contacts) void this.directory.contacts().catch(() => undefined);
      // Counts only the server knows (threads I follow but have not loaded, thread read marks):
      // someone's reply or my thread state asks for the conversation again, once per burst.
      const threadOf =
        e.type === "message.new" && e.data.message.senderId !== me ? e.data.message.threadId : e.type === "thread.state" ? e.data.rootId : undefined;
      const cid = threadOf && (e.type === "thread.state" ? e.data.conversationId : e.conversationId);
      if (cid && !this.recount.has(cid))
        this.recount.set(
          cid,
          setTimeout(() => {
            this.recount.delete(cid);
            if (this.store.state.conversations[cid])
              void this.conversation(cid)
                .refresh()
                .catch(() => undefined);
          }, RECOUNT_MS),
        );
      (this.emitter.emit as (k: string, p: unknown) => void)(e.type, e);
    }
    return fresh.length;
  }

  private onTyping(e: P.TypingEvent): void {
    this.store.next((s) => withTyping(s, e, Date.now() + MESSAGE_LIMITS.typingTtlMs));
    this.emitter.emit("typing", e);
  }
}
