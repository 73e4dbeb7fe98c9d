import { createHmac } from "node:crypto";
import type { JanodeConnection, JanodeSession } from "janode";
import type { VideoRoomHandle } from "janode/plugins/videoroom";
import type { SfuStream } from "@parley/sdk/protocol";
import type { JanusConfig } from "../../config/calls.js";
import type { Logger } from "../../shared/logger.js";

/** How long a request to Janus may take before it counts as failed (janode itself waits forever). */
const REQUEST_TIMEOUT_MS = 5000;

function within<T>(p: Promise<T>, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`janus: ${what} timed out`)), REQUEST_TIMEOUT_MS);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

/** janode, loaded on first use: a server without group calls never loads it (nor its native transport). */
const janode = async () => {
  const [{ default: Janode }, { default: VideoRoom }] = await Promise.all([import("janode"), import("janode/plugins/videoroom")]);
  Janode.Logger.setLevel("none");
  return { Janode, VideoRoom };
};

/** One participant's own Janus session on this node: their publisher and subscriber handles. */
interface Peer {
  session: JanodeSession;
  pub?: VideoRoomHandle;
  sub?: VideoRoomHandle;
}

/** A publisher the room has, by the user it publishes for (their `display` is their user id). */
export interface RoomFeed {
  feed: number;
  userId: string;
}

/**
 * Janus's VideoRoom, driven through janode (group calls, issue 53). Browsers never talk to Janus:
 * the server creates a room per call, joins each participant's publisher and subscriber handles on
 * their behalf, and relays their SDP and candidates.
 *
 * Nothing about a room is kept in memory that another node would need: a call's room number and
 * each participant's token are derived from the call id (and JANUS_ADMIN_KEY), the feeds are asked
 * of Janus. Only a participant's handles live here, on the node holding their socket.
 */
export class JanusRooms {
  private conn: Promise<{ conn: JanodeConnection; manager: VideoRoomHandle }> | undefined;
  private readonly peers = new Map<string, Peer>();

  constructor(
    private readonly config: Readonly<JanusConfig>,
    private readonly logger: Logger,
  ) {}

  /** The call's room number (Janus's numeric ids: 48 bits of an HMAC of the call id). */
  roomOf(callId: string): number {
    return parseInt(this.mac(`room:${callId}`).subarray(0, 6).toString("hex"), 16);
  }

  /** The token in the room's `allowed` list for one participant: only the server knows it. */
  tokenOf(callId: string, userId: string): string {
    return this.mac(`token:${callId}:${userId}`).toString("base64url");
  }

  /** Creates the call's room, admitting only `userIds` (their tokens). */
  async createRoom(callId: string, userIds: string[], video: boolean): Promise<void> {
    const { manager } = await this.connect();
    await manager.message({
      request: "create",
      room: this.roomOf(callId),
      admin_key: this.config.adminKey,
      publishers: video ? this.config.maxVideo : this.config.maxAudio,
      allowed: userIds.map((u) => this.tokenOf(callId, u)),
      bitrate: 300_000,
      audiocodec: "opus",
      videocodec: "vp8",
      permanent: false,
    });
  }

  /** Destroys the call's room (with everyone still in it); a room already gone is nothing to do. */
  async destroyRoom(callId: string): Promise<void> {
    const { manager } = await this.connect();
    try {
      // First: a destroyed room drops whoever is still in it, whatever happens to their sessions.
      await within(manager.destroy({ room: this.roomOf(callId) }), "destroy");
    } catch (err) {
      if (!/\b426\b/.test(String(err))) throw err; // 426: no such room
    } finally {
      const keys = [...this.peers.keys()].filter((k) => k.startsWith(`${callId}:`));
      await Promise.all(keys.map((k) => this.leave(callId, k.slice(callId.length + 1))));
    }
  }

  async exists(callId: string): Promise<boolean> {
    const { manager } = await this.connect();
    return (await manager.exists({ room: this.roomOf(callId) })).exists;
  }

  /** The room's publishers, each with the user it publishes for. */
  async feeds(callId: string): Promise<RoomFeed[]> {
    const { manager } = await this.connect();
    try {
      const { participants } = await manager.listParticipants({ room: this.roomOf(callId) });
      return participants.filter((p) => p.publisher && p.display).map((p) => ({ feed: p.feed, userId: p.display! }));
    } catch (err) {
      if (/\b426\b/.test(String(err))) return [];
      throw err;
    }
  }

  /** Joins the user's publisher with their offer (sendonly); answers Janus's answer. */
  async publishFor(callId: string, userId: string, sdp: string, onUp: () => void): Promise<string> {
    const peer = await this.peer(callId, userId);
    if (peer.pub) await this.detach(peer.pub);
    const { Janode, VideoRoom } = await janode();
    peer.pub = await peer.session.attach(VideoRoom);
    peer.pub.once(Janode.EVENT.HANDLE_WEBRTCUP, onUp);
    const { jsep } = await peer.pub.joinConfigurePublisher({
      room: this.roomOf(callId),
      token: this.tokenOf(callId, userId),
      display: userId,
      jsep: { type: "offer", sdp },
    });
    if (!jsep) throw new Error("Janus answered the publisher without an SDP");
    return jsep.sdp;
  }

  /**
   * A new subscriber handle for the user to `feeds` (one multistream PC): Janus's offer and what
   * each of its m-lines carries. A feed gone or not yet up (428) is left out.
   */
  async subscribe(callId: string, userId: string, feeds: RoomFeed[]): Promise<{ sdp: string; streams: SfuStream[] } | null> {
    const peer = await this.peer(callId, userId);
    if (peer.sub) await this.detach(peer.sub);
    peer.sub = undefined;
    const { VideoRoom } = await janode();
    let wanted = feeds;
    while (wanted.length > 0) {
      const sub = await peer.session.attach(VideoRoom);
      try {
        const joined = (await sub.joinSubscriber({
          room: this.roomOf(callId),
          token: this.tokenOf(callId, userId),
          streams: wanted.map((f) => ({ feed: f.feed })),
        })) as { jsep?: { sdp: string }; streams?: { mid?: string; type?: string; feed_id?: number; feed_display?: string }[] };
        if (!joined.jsep) throw new Error("Janus offered no SDP to the subscriber");
        peer.sub = sub;
        const streams = (joined.streams ?? []).flatMap((s): SfuStream[] =>
          s.mid && (s.type === "audio" || s.type === "video") && s.feed_display ? [{ mid: s.mid, kind: s.type, userId: s.feed_display }] : [],
        );
        return { sdp: joined.jsep.sdp, streams };
      } catch (err) {
        await this.detach(sub);
        const missing = /\b428\b.*?\((\d+)\)/.exec(String(err));
        if (!missing) throw err;
        wanted = wanted.filter((f) => f.feed !== Number(missing[1]));
      }
    }
    return null;
  }

  /** The user's answer to their subscriber's offer. */
  async answer(callId: string, userId: string, sdp: string): Promise<void> {
    const sub = this.peers.get(`${callId}:${userId}`)?.sub;
    if (!sub) throw new Error("No subscriber to answer");
    await sub.start({ jsep: { type: "answer", sdp } });
  }

  /** A candidate of the user's publisher or subscriber PC (null: the end of candidates). */
  async trickle(callId: string, userId: string, pc: "publisher" | "subscriber", candidate: object | null): Promise<boolean> {
    const peer = this.peers.get(`${callId}:${userId}`);
    const handle = pc === "publisher" ? peer?.pub : peer?.sub;
    if (!handle) return false;
    await (candidate ? handle.trickle(candidate) : handle.trickleComplete());
    return true;
  }

  /** The user leaves the room from this node (their session destroyed: Janus drops their feed). */
  async leave(callId: string, userId: string): Promise<void> {
    const key = `${callId}:${userId}`;
    const peer = this.peers.get(key);
    if (!peer) return;
    this.peers.delete(key);
    await within(peer.session.destroy(), "session destroy").catch((err: unknown) => this.logger.debug({ err }, "janus session not destroyed"));
  }

  /** Puts the user's token (back) in the room's `allowed` list (adding one already there changes nothing). */
  async admit(callId: string, userId: string): Promise<void> {
    const { manager } = await this.connect();
    await within(manager.message({ request: "allowed", room: this.roomOf(callId), action: "add", allowed: [this.tokenOf(callId, userId)] }), "allowed");
  }

  /**
   * Shuts the user out of the call's room, from any node: their token leaves the `allowed` list
   * and their publisher, if any, is kicked; their handles on this node are dropped too.
   */
  async shutOut(callId: string, userId: string): Promise<void> {
    const { manager } = await this.connect();
    const room = this.roomOf(callId);
    const gone = (err: unknown): void => {
      if (!/\b426\b/.test(String(err))) throw err; // 426: the room is gone already
    };
    // The door first, then the handles: whoever sees them gone also finds the token refused.
    await within(manager.message({ request: "allowed", room, action: "remove", allowed: [this.tokenOf(callId, userId)] }), "allowed").catch(gone);
    await this.leave(callId, userId);
    try {
      for (const f of await this.feeds(callId)) if (f.userId === userId) await within(manager.kick({ room, feed: f.feed }), "kick");
    } catch (err) {
      gone(err);
    }
  }

  /** Whether this node holds the user's handles. */
  holds(callId: string, userId: string): boolean {
    return this.peers.has(`${callId}:${userId}`);
  }

  async close(): Promise<void> {
    const conn = this.conn;
    this.conn = undefined;
    this.peers.clear();
    if (conn) await (await conn.catch(() => undefined))?.conn.close().catch(() => undefined);
  }

  private mac(what: string): Buffer {
    return createHmac("sha256", this.config.adminKey).update(what).digest();
  }

  private async peer(callId: string, userId: string): Promise<Peer> {
    const key = `${callId}:${userId}`;
    let peer = this.peers.get(key);
    if (!peer) {
      const { conn } = await this.connect();
      peer = { session: await conn.create() };
      this.peers.set(key, peer);
    }
    return peer;
  }

  private async detach(h: VideoRoomHandle): Promise<void> {
    await h.detach().catch(() => undefined);
  }

  /** One connection (and a manager handle for rooms), made on first use and again after it closes. */
  private connect(): Promise<{ conn: JanodeConnection; manager: VideoRoomHandle }> {
    this.conn ??= (async () => {
      const { Janode, VideoRoom } = await janode();
      const conn = await Janode.connect({ address: { url: this.config.wsUrl } });
      const forget = (): void => {
        this.conn = undefined;
        this.peers.clear();
      };
      conn.once(Janode.EVENT.CONNECTION_CLOSED, forget);
      conn.once(Janode.EVENT.CONNECTION_ERROR, forget);
      const session = await conn.create();
      return { conn, manager: await session.attach(VideoRoom) };
    })();
    this.conn.catch(() => (this.conn = undefined));
    return this.conn;
  }
}
