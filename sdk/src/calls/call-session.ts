import { Emitter } from "../emitter.js";
import type { Call, CallSignal, HangUpReason, IceCandidate } from "../protocol/index.js";
import type { Calls } from "./calls-client.js";

/** What a CallSession tells its UI. */
export interface CallSessionEvents {
  /** A remote track arrived (it is in `remoteStream` too). */
  track: MediaStreamTrack;
  /** The peer connection's state (`connected`, `disconnected`, `failed`, …). */
  state: RTCPeerConnectionState;
  /** The call ended (for any reason, on either side); the session is closed. */
  ended: Call;
}

export interface CallSessionOptions {
  /** The local media; default: the microphone, and the camera for a video call. */
  stream?: MediaStream;
  /** Extra RTCPeerConnection settings (e.g. `iceTransportPolicy: "relay"`); `iceServers` default to Parley's. */
  rtc?: RTCConfiguration;
  /**
   * How long a connection that is lost (ICE `disconnected` or `failed`) may try to come back, by
   * ICE restarts, before the call is hung up as `connection_lost` (`failed` if it never connected).
   */
  recoverMs?: number;
}

export const DEFAULT_CALL_SESSION_OPTIONS = { recoverMs: 15_000 } as const;

/** While the connection is lost, the caller offers an ICE restart this often (one offer at a time). */
const RESTART_EVERY_MS = 2_500;
/** An offer whose answer has not come by then is given up (rolled back) for a fresh one: it was lost on the way. */
const OFFER_STALE_MS = 6_000;
/** How long the hang-up of a lost call waits for the server before the session ends on its own (the network may be what is gone). */
const HANGUP_WAIT_MS = 3_000;

/** Whether this environment has WebRTC (browsers; not Node, nor WebKitGTK). */
export const webrtcSupported = (): boolean => typeof RTCPeerConnection !== "undefined";

/**
 * The media of a 1:1 call this device carries, over WebRTC: local tracks out, remote tracks in,
 * offers, answers and candidates through `Calls.signal` (the caller offers once the callee has
 * answered). A connection that is lost (ICE `disconnected` or `failed`: the network went away or
 * changed) is restarted by the caller, ICE restarts offered through the same signalling until it
 * is back; one that does not come back within `recoverMs` is hung up as `connection_lost` by both
 * sides (each keeps its own clock, and a side whose network is gone ends its session without the
 * server), so neither side is left in a call that is not.
 *
 * ```ts
 * const call = await calls.accept(incoming.id);
 * const session = await CallSession.open(calls, call, { rtc: { iceTransportPolicy: "relay" } });
 * video.srcObject = session.remoteStream;
 * ```
 */
export class CallSession {
  readonly pc: RTCPeerConnection;
  readonly remoteStream = new MediaStream();
  private readonly emitter = new Emitter<CallSessionEvents>();
  private readonly offs: (() => void)[] = [];
  /** Candidates that came before the remote description (they cannot be added yet). */
  private pending: (IceCandidate | null)[] = [];
  private offered = false;
  /** Signals are applied one at a time, in order (a candidate needs the description before it). */
  private applying: Promise<void> = Promise.resolve();
  private closed = false;
  /** The media was connected once: losing it now is `connection_lost`, not `failed`. */
  private connectedOnce = false;
  /** Set while the connection is lost: the end of `recoverMs`, and the caller's restarts. */
  private giveUp: ReturnType<typeof setTimeout> | undefined;
  private restarts: ReturnType<typeof setInterval> | undefined;
  /** When this side's last offer was made (a restart's answer may never come). */
  private offeredAt = 0;
  /** A restart being made (its TURN credentials may take a while to come): not a second one meanwhile. */
  private restarting = false;

  private constructor(
    private readonly calls: Calls,
    private call: Call,
    readonly localStream: MediaStream,
    private readonly me: string,
    rtc: RTCConfiguration,
    private readonly recoverMs: number,
    /** The caller gave its own ICE servers: they are kept as they are. */
    private readonly ownIceServers: boolean,
  ) {
    this.pc = new RTCPeerConnection(rtc);
    for (const track of localStream.getTracks()) this.pc.addTrack(track, localStream);
    this.pc.ontrack = (e) => {
      this.remoteStream.addTrack(e.track);
      this.emitter.emit("track", e.track);
    };
    this.pc.onicecandidate = (e) => void this.send({ type: "candidate", candidate: e.candidate ? (e.candidate.toJSON() as IceCandidate) : null });
    this.pc.onconnectionstatechange = () => this.emitter.emit("state", this.pc.connectionState);
    this.pc.oniceconnectionstatechange = () => this.iceChanged();
    this.offs.push(
      calls.takeSignals(call.id, (s) => {
        this.applying = this.applying.then(() => this.received(s)).catch(() => undefined);
      }),
      calls.on("updated", (c) => c.id === call.id && this.updated(c)),
      calls.on("ended", (c) => c.id === call.id && this.finish(c)),
    );
  }

  /** Media for a call this device carries (after `calls.start` or `calls.accept`). Throws where there is no WebRTC. */
  static async open(calls: Calls, call: Call, opts: CallSessionOptions = {}): Promise<CallSession> {
    if (!webrtcSupported()) throw new Error("This environment has no WebRTC (RTCPeerConnection)");
    const stream = opts.stream ?? (await navigator.mediaDevices.getUserMedia({ audio: true, video: call.kind === "video" }));
    const iceServers = opts.rtc?.iceServers ?? (await calls.iceServers()).iceServers;
    const recoverMs = opts.recoverMs ?? DEFAULT_CALL_SESSION_OPTIONS.recoverMs;
    const session = new CallSession(calls, call, stream, calls.me ?? "", { ...opts.rtc, iceServers }, recoverMs, opts.rtc?.iceServers !== undefined);
    session.updated(calls.current(call.id) ?? call);
    return session;
  }

  on<K extends keyof CallSessionEvents>(event: K, handler: (payload: CallSessionEvents[K]) => void): () => void {
    return this.emitter.on(event, handler);
  }

  /** Mutes (or unmutes) the microphone or the camera: the track stays, sending silence or black. */
  mute(kind: "audio" | "video", muted: boolean): void {
    for (const t of this.localStream.getTracks()) if (t.kind === kind) t.enabled = !muted;
  }

  /** Switches the microphone or camera to another device, without renegotiating. */
  async switchDevice(kind: "audio" | "video", deviceId: string): Promise<void> {
    const fresh = await navigator.mediaDevices.getUserMedia({ [kind]: { deviceId: { exact: deviceId } } });
    const track = fresh.getTracks().find((t) => t.kind === kind);
    if (!track) return;
    const old = this.localStream.getTracks().find((t) => t.kind === kind);
    track.enabled = old?.enabled ?? true;
    await this.pc
      .getSenders()
      .find((s) => s.track?.kind === kind)
      ?.replaceTrack(track);
    if (old) {
      this.localStream.removeTrack(old);
      old.stop();
    }
    this.localStream.addTrack(track);
  }

  /** Hangs up (or cancels, or declines) and closes the media. */
  async hangUp(): Promise<void> {
    const call = await this.calls.hangUp(this.call.id).catch(() => this.call);
    this.finish(call);
  }

  private peer(): string | undefined {
    return this.call.participants.find((p) => p.userId !== this.me && p.state === "joined")?.userId;
  }

  private updated(call: Call): void {
    this.call = call;
    if (call.state === "ended") return this.finish(call);
    // The caller offers once the other side has answered (before that there is nobody to send to).
    if (!this.offered && call.startedBy === this.me && call.state === "active" && this.peer()) {
      this.offered = true;
      void this.offer().catch(() => undefined);
    }
  }

  private async offer(iceRestart = false): Promise<void> {
    // A restart makes new relays: with TURN credentials of now, not of when the call began.
    if (iceRestart && !this.ownIceServers) this.pc.setConfiguration({ ...this.pc.getConfiguration(), iceServers: (await this.calls.iceServers()).iceServers });
    const offer = await this.pc.createOffer({ iceRestart });
    await this.pc.setLocalDescription(offer);
    this.offeredAt = Date.now();
    await this.send({ type: "offer", sdp: offer.sdp ?? "" });
  }

  private async received(s: CallSignal): Promise<void> {
    if (s.type === "candidate") {
      if (this.pc.remoteDescription) await this.pc.addIceCandidate(s.candidate ?? undefined);
      else this.pending.push(s.candidate ?? null);
      return;
    }
    await this.pc.setRemoteDescription({ type: s.type, sdp: s.sdp ?? "" });
    for (const c of this.pending.splice(0)) await this.pc.addIceCandidate(c ?? undefined);
    if (s.type === "offer") {
      const answer = await this.pc.createAnswer();
      await this.pc.setLocalDescription(answer);
      await this.send({ type: "answer", sdp: answer.sdp ?? "" });
    }
  }

  private async send(message: { type: "offer" | "answer"; sdp: string } | { type: "candidate"; candidate: IceCandidate | null }): Promise<void> {
    const to = this.peer();
    if (to && !this.closed) await this.calls.signal(this.call.id, to, message).catch(() => undefined);
  }

  /** ICE's view of the connection: lost (`disconnected`, `failed`) starts the recovery, connected ends it. */
  private iceChanged(): void {
    const ice = this.pc.iceConnectionState;
    if (this.closed) return;
    if (ice === "connected" || ice === "completed") {
      this.connectedOnce = true;
      clearTimeout(this.giveUp);
      clearInterval(this.restarts);
      this.giveUp = this.restarts = undefined;
    } else if ((ice === "disconnected" || ice === "failed") && !this.giveUp) {
      this.giveUp = setTimeout(() => this.lost(), this.recoverMs);
      // The caller offers the restarts (the callee answers them: no glare), at once and again while
      // lost: a restart made while the network is still away gathers nothing and must be made again.
      if (this.call.startedBy === this.me) {
        this.restart();
        this.restarts = setInterval(() => this.restart(), RESTART_EVERY_MS);
      }
    }
  }

  /** One ICE restart offer, unless the connection is back or one is still waiting for its answer. */
  private restart(): void {
    const ice = this.pc.iceConnectionState;
    if (this.closed || this.restarting || !this.offered || ice === "connected" || ice === "completed") return;
    const waiting = this.pc.signalingState === "have-local-offer";
    if (waiting && Date.now() - this.offeredAt < OFFER_STALE_MS) return;
    this.restarting = true;
    const again = waiting ? this.pc.setLocalDescription({ type: "rollback" }) : Promise.resolve();
    void again
      .then(() => this.offer(true))
      .catch(() => undefined)
      .finally(() => (this.restarting = false));
  }

  /**
   * The connection did not come back: the call is hung up as lost (as failed, if it never
   * connected). The server ends it for the other side too; if the server cannot be reached (this
   * side's network is what is gone), the session ends here anyway and the other side's own clock
   * (or the server's grace for a closed socket) ends it there.
   */
  private lost(): void {
    if (this.closed) return;
    const reason: HangUpReason = this.connectedOnce ? "connection_lost" : "failed";
    const here: Call = { ...this.call, state: "ended", endReason: reason, endedAt: new Date().toISOString() };
    const wait = new Promise<Call>((_, reject) => setTimeout(() => reject(new Error("no answer")), HANGUP_WAIT_MS));
    void Promise.race([this.calls.hangUp(this.call.id, { reason }), wait]).then(
      (c) => this.finish(c),
      () => this.finish(here),
    );
  }

  private finish(call: Call): void {
    this.call = call;
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.giveUp);
    clearInterval(this.restarts);
    for (const off of this.offs.splice(0)) off();
    this.pc.close();
    for (const t of this.localStream.getTracks()) t.stop();
    this.emitter.emit("ended", call);
  }
}
