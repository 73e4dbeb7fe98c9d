import type { Socket } from "socket.io-client";
import type { ChatClient } from "../client.js";
import { Emitter } from "../emitter.js";
import type {
  Call,
  CallFeeds,
  CallSfuReply,
  CallSfuRequest,
  CallSignal,
  CallSignalRequest,
  ClientToServerEvents,
  HangUpReason,
  HangUpRequest,
  IceServersResponse,
  LiveCallsResponse,
  Page,
  ServerToClientEvents,
  StartCallRequest,
} from "../protocol/index.js";

/** What `calls.on()` can listen to. */
export interface CallsEvents {
  /**
   * A call rings for this user (someone else started it, or it was ringing when the page loaded):
   * show it; `accept` or `decline`. This device has already told the server it rings (`call.ring`).
   */
  incoming: Call;
  /** A call this user is in or rung for changed (answered, declined, someone left), on any device of theirs. */
  updated: Call;
  /** A call this user was in or rung for ended (`call.endReason`). */
  ended: Call;
  /** WebRTC signalling for a call this device carries (CallSession listens to it). */
  signal: CallSignal;
  /** A group call this device carries: who publishes now (GroupCallSession listens to it). */
  feeds: CallFeeds;
}

/** Options of `Calls.start`. */
export interface StartCallOptions {
  /** A video call (default audio only). */
  video?: boolean;
  /** In a group: whom to ring (default everyone else; more than one: a group call, through the server's SFU). */
  invite?: string[];
}

/** What a signal carries besides its call and addressee. */
export type SignalMessage = Omit<CallSignalRequest, "callId" | "to">;

/** The socket layer as this module needs it (ChatClient's own; see `Calls`). */
interface SocketLayer {
  request<T>(event: keyof ClientToServerEvents, payload: unknown): Promise<T>;
}

const seg = encodeURIComponent;
/** How far a call has gone (ringing < active < ended): a stale copy never replaces a newer one. */
const rank = (c: Call): number => (c.state === "ringing" ? 0 : c.state === "active" ? 1 : 2);
/** Signals kept for a call until its media takes them: a set-up's offer and candidates, with room. */
const MAX_BACKLOG = 200;

/**
 * Calls for a signed-in ChatClient (issue 53): signalling a host's own UI can drive, on the chat's
 * socket. The server decides (who may ring whom, one call per conversation, the state machine);
 * this keeps track of the calls this device carries, says when one rings, and moves them to the
 * socket after a reconnect. Media is `CallSession`'s (WebRTC), or the host's own.
 *
 * ```ts
 * const calls = new Calls(chat);
 * calls.on("incoming", (call) => showRinging(call));
 * const call = await calls.start(conversationId, { video: true });
 * ```
 *
 * Separate from the core SDK so that pages without calls load none of it: it reaches the chat's
 * socket through the client's internals rather than a public hook (the core's bundle has no room).
 */
export class Calls {
  private readonly emitter = new Emitter<CallsEvents>();
  /** Calls this device started or answered, still live: it carries them. */
  private readonly carried = new Set<string>();
  /** Calls already announced as incoming here. */
  private readonly announced = new Set<string>();
  /** Signalling of carried calls nobody took yet (an offer may come before the media is ready). */
  private readonly backlog = new Map<string, CallSignal[]>();
  private readonly takers = new Map<string, (s: CallSignal) => void>();
  /** The newest state seen of each call this user is in or rung for (ended ones too: a late copy is ignored). */
  private readonly latest = new Map<string, Call>();
  private readonly offs: (() => void)[] = [];
  private attached: Socket<ServerToClientEvents, ClientToServerEvents> | null = null;
  private readonly onSignal = (s: CallSignal): void => {
    const taker = this.takers.get(s.callId);
    if (taker) taker(s);
    else if (this.carried.has(s.callId)) {
      const kept = this.backlog.get(s.callId) ?? [];
      if (kept.length < MAX_BACKLOG) kept.push(s);
      this.backlog.set(s.callId, kept);
    }
    this.emitter.emit("signal", s);
  };

  private readonly lastFeeds = new Map<string, string[]>();
  private readonly onFeeds = (e: CallFeeds): void => {
    if (!this.carried.has(e.callId)) return;
    this.lastFeeds.set(e.callId, e.userIds);
    this.emitter.emit("feeds", e);
  };

  constructor(private readonly chat: ChatClient) {
    this.offs.push(
      chat.on("call.started", (e) => this.seen(e.data.call)),
      chat.on("call.updated", (e) => this.seen(e.data.call)),
      chat.on("call.ended", (e) => this.seen(e.data.call)),
      chat.on("connection.changed", (state) => state === "connected" && this.connected()),
    );
    this.attach();
  }

  /** Listens to an event; returns the unsubscribe function. */
  on<K extends keyof CallsEvents>(event: K, handler: (payload: CallsEvents[K]) => void): () => void {
    return this.emitter.on(event, handler);
  }

  /** Rings the conversation's other member (or `invite`); this device carries the call. */
  async start(conversationId: string, opts: StartCallOptions = {}): Promise<Call> {
    const req: StartCallRequest = { conversationId, ...opts };
    const call = await this.socket().request<Call>("call.start", req);
    this.carry(call);
    this.seen(call);
    return call;
  }

  /** Answers on this device (or takes over a call this user is in on another device). */
  async accept(callId: string): Promise<Call> {
    const call = await this.socket().request<Call>("call.accept", { callId });
    this.carry(call);
    this.seen(call);
    return call;
  }

  decline(callId: string): Promise<Call> {
    return this.socket().request<Call>("call.decline", { callId });
  }

  /**
   * Leaves the call (before anyone answered: cancels it); `reason` when the media could not connect
   * (`failed`) or was lost and did not come back (`connection_lost`): a call that ends with it ends so.
   */
  async hangUp(callId: string, opts: { reason?: HangUpReason } = {}): Promise<Call> {
    this.carried.delete(callId);
    const req: HangUpRequest = { callId, ...(opts.reason ? { reason: opts.reason } : {}) };
    return this.socket().request<Call>("call.hangup", req);
  }

  /** Tells the server this device rings (sent by itself for an incoming call). */
  async ring(callId: string): Promise<void> {
    await this.socket().request<null>("call.ring", { callId });
  }

  /** Sends an offer, answer or ICE candidate to one participant's device. */
  async signal(callId: string, to: string, message: SignalMessage): Promise<void> {
    await this.socket().request<null>("call.signal", { callId, to, ...message });
  }

  /** STUN and TURN servers for an RTCPeerConnection (TURN credentials expire: ask for each call). */
  iceServers(): Promise<IceServersResponse> {
    return this.chat.request("GET", "/calls/ice-servers");
  }

  /** The live calls this user is rung for or in (each ringing one is announced as `incoming` too). */
  async live(): Promise<Call[]> {
    const { calls } = await this.chat.request<LiveCallsResponse>("GET", "/calls/live");
    for (const c of calls) this.seen(c);
    return calls;
  }

  /** A conversation's calls, newest first. */
  list(conversationId: string, cursor?: string): Promise<Page<Call>> {
    return this.chat.request("GET", `/conversations/${seg(conversationId)}/calls${cursor ? `?cursor=${seg(cursor)}` : ""}`);
  }

  /** Whether this device carries the call (started or answered it here). */
  carries(callId: string): boolean {
    return this.carried.has(callId);
  }

  /** The newest state this client has seen of a live call (an answer may come while the camera starts). */
  current(callId: string): Call | undefined {
    return this.latest.get(callId);
  }

  /** The signed-in user's id (a participant's `userId`). */
  get me(): string | undefined {
    return this.chat.user?.id;
  }

  /**
   * Takes a carried call's signalling: what came before (an offer that beat the camera), then each
   * signal as it comes. One taker per call (CallSession); returns the function that lets go.
   */
  takeSignals(callId: string, handler: (s: CallSignal) => void): () => void {
    this.takers.set(callId, handler);
    const past = this.backlog.get(callId) ?? [];
    this.backlog.delete(callId);
    for (const s of past) handler(s);
    return () => this.takers.get(callId) === handler && this.takers.delete(callId);
  }

  /** A group call's media command (GroupCallSession): publish, subscribe, answer, candidate. */
  sfu(callId: string, req: Omit<CallSfuRequest, "callId">): Promise<CallSfuReply> {
    return this.socket().request<CallSfuReply>("call.sfu", { callId, ...req });
  }

  /** The last `call.feeds` this device heard for a group call (a session may open after it came). */
  feeds(callId: string): string[] | undefined {
    return this.lastFeeds.get(callId);
  }

  /** Stops listening (the calls themselves go on; hang up first to end them). */
  close(): void {
    for (const off of this.offs.splice(0)) off();
    this.attached?.off("call.signal", this.onSignal);
    this.attached?.off("call.feeds", this.onFeeds);
    this.attached = null;
  }

  /** Carries a call this device started or answered, unless it has ended (an answer may come after `call.ended`). */
  private carry(call: Call): void {
    if (call.state !== "ended" && this.latest.get(call.id)?.state !== "ended") this.carried.add(call.id);
  }

  private seen(call: Call): void {
    const me = this.chat.user?.id;
    const mine = call.participants.find((p) => p.userId === me);
    if (!mine) return;
    const known = this.latest.get(call.id);
    // Events and answers may cross: a call never goes back to an earlier state.
    if (known && (rank(known) > rank(call) || known.state === "ended")) return;
    this.latest.set(call.id, call);
    if (call.state === "ended") {
      this.carried.delete(call.id);
      this.lastFeeds.delete(call.id);
      this.announced.delete(call.id);
      this.backlog.delete(call.id);
      this.emitter.emit("ended", call);
      return;
    }
    const ringing = call.startedBy !== me && (mine.state === "invited" || mine.state === "ringing");
    if (ringing && !this.announced.has(call.id)) {
      this.announced.add(call.id);
      if (mine.state === "invited") void this.ring(call.id).catch(() => undefined);
      this.emitter.emit("incoming", call);
      return;
    }
    this.emitter.emit("updated", call);
  }

  /** After every (re)connect: the socket is new, so the calls this device carries move to it. */
  private connected(): void {
    this.attach();
    for (const id of this.carried) void this.accept(id).catch(() => this.carried.delete(id));
  }

  /** Listens for signalling on the chat's socket (a new one after a sign-out and sign-in). */
  private attach(): void {
    const raw = this.chat["socket"]["socket"];
    if (!raw || raw === this.attached) return;
    this.attached?.off("call.signal", this.onSignal);
    this.attached?.off("call.feeds", this.onFeeds);
    raw.on("call.signal", this.onSignal);
    raw.on("call.feeds", this.onFeeds);
    this.attached = raw;
  }

  private socket(): SocketLayer {
    this.attach();
    return this.chat["socket"];
  }
}
