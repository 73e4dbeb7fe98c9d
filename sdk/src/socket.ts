import { io, type Socket } from "socket.io-client";
import { ChatError } from "./errors.js";
import type { Ack, ChatEvent, ClientToServerEvents, Presence, PresenceSnapshot, ServerToClientEvents, SocketAuth, TypingEvent } from "./protocol/index.js";
import type { ConnectionState } from "./state.js";

export interface SocketHandlers {
  token(): string | null;
  /** Called when the handshake says the token expired; resolves once a new one is in place. */
  refresh(): Promise<void>;
  event(e: ChatEvent): void;
  typing(e: TypingEvent): void;
  presence(p: Presence): void;
  state(s: ConnectionState): void;
  /** After every successful (re)connect: time to catch up. */
  connected(): void;
}

export interface SocketOptions {
  transports?: ("websocket" | "polling")[];
  /** Socket.IO's reconnection backoff bounds. */
  reconnectionDelay?: number;
  reconnectionDelayMax?: number;
}

/** The realtime connection: handshake auth from the current token, backoff, re-auth on expiry. */
export class SocketConnection {
  private socket: Socket<ServerToClientEvents, ClientToServerEvents> | null = null;
  /** Handshakes refused with a retryable code in a row (sets the backoff). */
  private refusals = 0;
  /** The highest presence version seen per user: anything older is stale (see Presence.version). */
  private readonly presenceVersions = new Map<string, number>();
  /** Whom `watch` asked for: asked again on each (re)connect, since a new socket watches nobody. */
  private watched: string[] = [];

  constructor(
    private readonly server: string,
    private readonly handlers: SocketHandlers,
    private readonly opts: SocketOptions = {},
  ) {}

  get connected(): boolean {
    return this.socket?.connected ?? false;
  }

  connect(): void {
    if (this.socket) {
      if (!this.socket.active) this.socket.connect();
      return;
    }
    const h = this.handlers;
    const socket: Socket<ServerToClientEvents, ClientToServerEvents> = io(this.server, {
      // A function, so every reconnect presents the newest access token.
      // ownEcho false: our own sends' events come in their acks (request), a frame less each.
      auth: (cb) => cb({ token: h.token() ?? "", ownEcho: false } satisfies SocketAuth),
      transports: this.opts.transports ?? ["websocket"],
      reconnectionDelay: this.opts.reconnectionDelay ?? 500,
      reconnectionDelayMax: this.opts.reconnectionDelayMax ?? 5000,
    });
    this.socket = socket;
    h.state("connecting");
    socket.on("connect", () => {
      this.refusals = 0;
      h.state("connected");
      h.connected();
      if (this.watched.length) this.watch(this.watched).catch(() => undefined);
    });
    socket.on("disconnect", (reason) => {
      if (reason === "io server disconnect") {
        // The server let us go (restart, drain, session check): come back; the handshake decides.
        h.state("connecting");
        setTimeout(() => this.socket === socket && socket.connect(), 250 + Math.random() * 750);
        return;
      }
      h.state(socket.active ? "connecting" : "disconnected");
    });
    socket.on("connect_error", (err: Error & { data?: { code?: string } }) => {
      if (socket.active) return h.state("connecting"); // a network failure: Socket.IO retries by itself
      // Refused by the server's handshake: refresh the token once, then try again.
      const code = err.data?.code;
      if (code === "token_expired" || code === "invalid_token") {
        h.refresh().then(
          () => socket.connect(),
          () => h.state("disconnected"),
        );
      } else if (code === "service_unavailable" || code === "rate_limited" || code === "internal") {
        // The server is there but cannot serve yet (its database is down, say): keep trying, backing off.
        h.state("connecting");
        const delay = Math.min(this.opts.reconnectionDelayMax ?? 5000, (this.opts.reconnectionDelay ?? 500) * 2 ** Math.min(this.refusals++, 6));
        setTimeout(() => {
          if (this.socket === socket && !socket.connected) socket.connect();
        }, delay);
      } else h.state("disconnected");
    });
    // Every persisted event (it has a seq), known to this version or not, as from /sync.
    socket.onAny((_type: string, e?: ChatEvent) => e?.seq && h.event(e));
    socket.on("typing", (e) => h.typing(e));
    socket.on("presence", (p) => this.presence(p));
    socket.on("presence.snapshot", (snap) => snap.users.forEach((p) => this.presence(p)));
  }

  /** Passes a presence on unless an equal or newer one for the same user came first. */
  private presence(p: Presence): void {
    const v = p.version;
    if (v !== undefined) {
      if (v <= (this.presenceVersions.get(p.userId) ?? -1)) return;
      this.presenceVersions.set(p.userId, v);
    }
    this.handlers.presence(p);
  }

  /** Presence on request (`presence.watch`): their presence now, then their changes, as if pushed. */
  async watch(userIds: string[]): Promise<void> {
    this.watched = userIds;
    for (const p of (await this.request<PresenceSnapshot>("presence.watch", { userIds })).users) this.presence(p);
  }

  disconnect(): void {
    this.socket?.disconnect();
    this.handlers.state("disconnected");
  }

  /** Sends a command and waits for its ack; a missing ack is a retryable `timeout`. */
  async request<T>(event: keyof ClientToServerEvents, payload: unknown, timeoutMs = 10_000): Promise<T> {
    const socket = this.socket;
    if (!socket?.connected) throw new ChatError("network_error", "Not connected");
    let res: Ack<T> & { event?: ChatEvent };
    try {
      res = await (socket.timeout(timeoutMs) as unknown as { emitWithAck(ev: string, p: unknown): Promise<Ack<T>> }).emitWithAck(event, payload);
    } catch {
      // Socket.IO fails acks pending when the connection drops: not a timeout, just offline.
      if (!socket.connected) throw new ChatError("network_error", `Disconnected before ${event} was answered`);
      throw new ChatError("timeout", `No answer to ${event}`);
    }
    if (!res.ok) {
      // A refusal's Retry-After travels as `details.retryAfterSec`.
      const sec = (res.error.details as { retryAfterSec?: unknown } | undefined)?.retryAfterSec;
      throw ChatError.fromBody(res.error, undefined, typeof sec === "number" ? sec * 1000 : undefined);
    }
    // The event this socket was not sent on its own (SendAck): applied as if it had come live.
    if (res.event) this.handlers.event(res.event);
    return res.data;
  }

  /** Fire-and-forget (typing). */
  emit(event: "typing", payload: { conversationId: string; typing: boolean }): void {
    this.socket?.emit(event, payload);
  }

  close(): void {
    this.socket?.removeAllListeners();
    this.socket?.disconnect();
    this.socket = null;
  }
}
