import { Emitter } from "../emitter.js";
import type { Call, CallSfuReply, IceCandidate, SfuStream } from "../protocol/index.js";
import type { Calls } from "./calls-client.js";
import { type CallSessionOptions, webrtcSupported } from "./call-session.js";

/** What a GroupCallSession tells its UI. */
export interface GroupCallSessionEvents {
  /** A participant's track arrived (it is in `streams.get(userId)` too). */
  track: { userId: string; track: MediaStreamTrack };
  /** The remote participants whose media this device receives changed (`streams`' keys). */
  participants: string[];
  /** The call ended (for any reason); the session is closed. */
  ended: Call;
}

/**
 * The media of a group call (mode `sfu`) this device carries, through the server's SFU (Janus):
 * one sendonly peer connection publishes the local tracks, one recvonly multistream peer connection
 * receives everyone else's; their offers, answers and candidates go to the server (`call.sfu`),
 * never to the SFU directly. When the server says who publishes (`call.feeds`), the receiving
 * connection is made again for the new set. Remote media is exposed per participant (`streams`).
 *
 * ```ts
 * const session = await GroupCallSession.open(calls, await calls.accept(incoming.id));
 * session.on("track", ({ userId }) => tileOf(userId).srcObject = session.streams.get(userId)!);
 * ```
 */
export class GroupCallSession {
  readonly publisher: RTCPeerConnection;
  subscriber: RTCPeerConnection | null = null;
  /** Each remote participant's media, by user id. */
  readonly streams = new Map<string, MediaStream>();
  private readonly emitter = new Emitter<GroupCallSessionEvents>();
  private readonly offs: (() => void)[] = [];
  /** Subscriptions are made one at a time; the last asked for wins. */
  private subscribing: Promise<void> = Promise.resolve();
  private closed = false;

  private constructor(
    private readonly calls: Calls,
    private call: Call,
    readonly localStream: MediaStream,
    private readonly rtc: RTCConfiguration,
  ) {
    this.publisher = new RTCPeerConnection(rtc);
    for (const track of localStream.getTracks()) this.publisher.addTransceiver(track, { direction: "sendonly", streams: [localStream] });
    this.offs.push(
      calls.on("feeds", (e) => e.callId === call.id && this.feedsChanged(e.userIds)),
      calls.on("ended", (c) => c.id === call.id && this.finish(c)),
      calls.on("updated", (c) => {
        if (c.id !== call.id) return;
        this.call = c;
        // Dropped (removed from the conversation, banned, gone too long): the media stops here too.
        if (c.participants.find((p) => p.userId === calls.me)?.state !== "joined") this.finish(c);
      }),
    );
  }

  /** Media for a group call this device carries (after `calls.start` or `calls.accept`): publishes at once. */
  static async open(calls: Calls, call: Call, opts: CallSessionOptions = {}): Promise<GroupCallSession> {
    if (!webrtcSupported()) throw new Error("This environment has no WebRTC (RTCPeerConnection)");
    if (call.mode !== "sfu") throw new Error("A peer-to-peer call: use CallSession");
    const stream = opts.stream ?? (await navigator.mediaDevices.getUserMedia({ audio: true, video: call.kind === "video" }));
    const iceServers = opts.rtc?.iceServers ?? (await calls.iceServers()).iceServers;
    const session = new GroupCallSession(calls, call, stream, { ...opts.rtc, iceServers });
    await session.publish();
    session.feedsChanged(calls.feeds(call.id) ?? []);
    return session;
  }

  on<K extends keyof GroupCallSessionEvents>(event: K, handler: (payload: GroupCallSessionEvents[K]) => void): () => void {
    return this.emitter.on(event, handler);
  }

  /** Mutes (or unmutes) the microphone or the camera: the track stays, sending silence or black. */
  mute(kind: "audio" | "video", muted: boolean): void {
    for (const t of this.localStream.getTracks()) if (t.kind === kind) t.enabled = !muted;
  }

  /** Switches the microphone or camera to another device: the published track is replaced, nothing is renegotiated. */
  async switchDevice(kind: "audio" | "video", deviceId: string): Promise<void> {
    const track = (await navigator.mediaDevices.getUserMedia({ [kind]: { deviceId: { exact: deviceId } } })).getTracks().find((t) => t.kind === kind);
    if (!track) return;
    const old = this.localStream.getTracks().find((t) => t.kind === kind);
    track.enabled = old?.enabled ?? true;
    await this.publisher
      .getSenders()
      .find((s) => s.track?.kind === kind)
      ?.replaceTrack(track);
    if (old) this.localStream.removeTrack(old), old.stop();
    this.localStream.addTrack(track);
  }

  /** Leaves the call and closes the media. */
  async hangUp(): Promise<void> {
    const call = await this.calls.hangUp(this.call.id).catch(() => this.call);
    this.finish(call);
  }

  private async publish(): Promise<void> {
    const trickle = this.trickler(this.publisher, "publisher");
    const offer = await this.publisher.createOffer();
    await this.publisher.setLocalDescription(offer);
    const { sdp } = await this.calls.sfu(this.call.id, { type: "publish", sdp: offer.sdp ?? "" });
    await this.publisher.setRemoteDescription({ type: "answer", sdp: sdp ?? "" });
    trickle();
  }

  /** Who publishes changed: receive everyone else's media, unless that is what this device already receives. */
  private feedsChanged(userIds: string[]): void {
    const me = this.calls.me;
    const wanted = userIds.filter((u) => u !== me).sort();
    this.subscribing = this.subscribing
      .then(async () => {
        if (this.closed) return;
        const have = [...this.streams.keys()].sort();
        if (this.subscriber && wanted.join() === have.join()) return;
        await this.subscribe();
      })
      .catch(() => undefined);
  }

  private async subscribe(): Promise<void> {
    const reply: CallSfuReply = await this.calls.sfu(this.call.id, { type: "subscribe" });
    this.subscriber?.close();
    this.subscriber = null;
    const byMid = new Map<string, SfuStream>((reply.streams ?? []).map((s) => [s.mid, s]));
    const users = new Set([...byMid.values()].map((s) => s.userId));
    for (const u of [...this.streams.keys()]) if (!users.has(u)) this.streams.delete(u);
    if (!reply.sdp || this.closed) return void this.emitter.emit("participants", [...this.streams.keys()]);
    const pc = new RTCPeerConnection(this.rtc);
    this.subscriber = pc;
    for (const u of users) this.streams.set(u, new MediaStream());
    pc.ontrack = (e) => {
      const userId = byMid.get(e.transceiver.mid ?? "")?.userId;
      const stream = userId ? this.streams.get(userId) : undefined;
      if (!userId || !stream) return;
      for (const old of stream.getTracks()) if (old.kind === e.track.kind) stream.removeTrack(old);
      stream.addTrack(e.track);
      this.emitter.emit("track", { userId, track: e.track });
    };
    const trickle = this.trickler(pc, "subscriber");
    await pc.setRemoteDescription({ type: "offer", sdp: reply.sdp });
    const answer = await pc.createAnswer();
    await pc.setLocalDescription(answer);
    await this.calls.sfu(this.call.id, { type: "answer", sdp: answer.sdp ?? "" });
    trickle();
    this.emitter.emit("participants", [...this.streams.keys()]);
  }

  /** Sends a PC's candidates to the server, held until `flush()` (the server's handle exists after the SDP). */
  private trickler(pc: RTCPeerConnection, which: "publisher" | "subscriber"): () => void {
    let held: (IceCandidate | null)[] | null = [];
    const send = (candidate: IceCandidate | null): void =>
      void this.calls.sfu(this.call.id, { type: "candidate", pc: which, candidate }).catch(() => undefined);
    pc.onicecandidate = (e) => {
      const c = e.candidate ? (e.candidate.toJSON() as IceCandidate) : null;
      if (held) held.push(c);
      else if (!this.closed) send(c);
    };
    return () => {
      const all = held ?? [];
      held = null;
      for (const c of all) send(c);
    };
  }

  private finish(call: Call): void {
    this.call = call;
    if (this.closed) return;
    this.closed = true;
    for (const off of this.offs.splice(0)) off();
    this.publisher.close();
    this.subscriber?.close();
    for (const t of this.localStream.getTracks()) t.stop();
    this.emitter.emit("ended", call);
  }
}
