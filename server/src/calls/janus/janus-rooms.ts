import { createHmac } from "node:crypto";
import type { JanodeSession } from "janode";
import type { VideoRoomHandle } from "janode/plugins/videoroom";
import type { SfuStream } from "@parley/sdk/protocol";
import type { JanusConfig } from "../../config/calls.js";
import type { Logger } from "../../shared/logger.js";
import { janode, type JanusLink, JanusServers, within } from "./janus-servers.js";

/** The call's room is on no Janus that is up (its server was lost, or the room destroyed). */
export class RoomGone extends Error {
  constructor(readonly callId: string) {
    super(`janus: the room of call ${callId} is on no server`);
  }
}

/** One participant's own Janus session on this node (on the server of the call's room): their publisher and subscriber handles. */
interface Peer {
  server: number;
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
 * of Janus, and so is which server holds the room (janus-servers.ts: several Janus servers, each
 * new room on the least loaded). Only a participant's handles live here, on the node holding their socket.
 */
export class JanusRooms {
  readonly servers: JanusServers;
  private readonly peers = new Map<string, Peer>();

  constructor(
    private readonly config: Readonly<JanusConfig>,
    private readonly logger: Logger,
    /** A Janus was lost: the calls on it are to end (sfu.ts). */
    onLost: (url: string) => void = () => undefined,
  ) {
    this.servers = new JanusServers(config.wsUrls, logger, (url, index) => {
      // Their sessions went with the connection.
      for (const [key, peer] of this.peers) if (peer.server === index) this.peers.delete(key);
      onLost(url);
    });
  }

  /** The call's room number (Janus's numeric ids: 48 bits of an HMAC of the call id). */
  roomOf(callId: string): number {
    return parseInt(this.mac(`room:${callId}`).subarray(0, 6).toString("hex"), 16);
  }

  /** The token in the room's `allowed` list for one participant: only the server knows it. */
  tokenOf(callId: string, userId: string): string {
    return this.mac(`token:${callId}:${userId}`).toString("base64url");
  }

  /**
   * Creates the call's room, admitting only `userIds` (their tokens), on the least loaded Janus
   * that takes it; answers that server's URL. Throws when none does.
   */
  async createRoom(callId: string, userIds: string[], video: boolean): Promise<string> {
    let last: unknown = new Error("janus: no server answered");
    for (const index of await this.servers.byLoad()) {
      try {
        const { manager } = await this.servers.link(index);
        await within(
          manager.message({
            request: "create",
            room: this.roomOf(callId),
            admin_key: this.config.adminKey,
            publishers: video ? this.config.maxVideo : this.config.maxAudio,
            allowed: userIds.map((u) => this.tokenOf(callId, u)),
            bitrate: 300_000,
            audiocodec: "opus",
            videocodec: "vp8",
            permanent: false,
          }),
          "create",
        );
        this.servers.remember(callId, index);
        return this.servers.urlOf(index);
      } catch (err) {
        last = err;
        this.logger.warn({ err, callId, janus: this.servers.urlOf(index) }, "janus room not created: trying the next server");
      }
    }
    throw last;
  }

  /** The URL of the Janus holding the call's room; null when none does. */
  async serverOf(callId: string): Promise<string | null> {
    const at = await this.servers.locate(callId, this.roomOf(callId));
    return at === null ? null : this.servers.urlOf(at);
  }

  /** Destroys the call's room (with everyone still in it); a room already gone (or its server) is nothing to do. */
  async destroyRoom(callId: string): Promise<void> {
    const link = await this.linkOf(callId).catch((err: unknown) => {
      if (err instanceof RoomGone) return null;
      throw err;
    });
    this.servers.forget(callId);
    if (!link) {
      const keys = [...this.peers.keys()].filter((k) => k.startsWith(`${callId}:`));
      for (const k of keys) this.peers.delete(k);
      return;
    }
    const { manager } = link;
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
    return (await this.servers.locate(callId, this.roomOf(callId))) !== null;
  }

  /** The room's publishers, each with the user it publishes for (none when the room is gone). */
  async feeds(callId: string): Promise<RoomFeed[]> {
    try {
      const { manager } = await this.linkOf(callId);
      const { participants } = await within(manager.listParticipants({ room: this.roomOf(callId) }), "listparticipants");
      return participants.filter((p) => p.publisher && p.display).map((p) => ({ feed: p.feed, userId: p.display! }));
    } catch (err) {
      if (err instanceof RoomGone || /\b426\b/.test(String(err))) return [];
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
    const { manager } = await this.linkOf(callId);
    await within(manager.message({ request: "allowed", room: this.roomOf(callId), action: "add", allowed: [this.tokenOf(callId, userId)] }), "allowed");
  }

  /**
   * Shuts the user out of the call's room, from any node: their token leaves the `allowed` list
   * and their publisher, if any, is kicked; their handles on this node are dropped too.
   */
  async shutOut(callId: string, userId: string): Promise<void> {
    const link = await this.linkOf(callId).catch((err: unknown) => {
      if (err instanceof RoomGone) return null;
      throw err;
    });
    if (!link) return this.leave(callId, userId);
    const { manager } = link;
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
    this.peers.clear();
    await this.servers.close();
  }

  private mac(what: string): Buffer {
    return createHmac("sha256", this.config.adminKey).update(what).digest();
  }

  private async peer(callId: string, userId: string): Promise<Peer> {
    const key = `${callId}:${userId}`;
    let peer = this.peers.get(key);
    if (!peer) {
      const server = await this.serverIndexOf(callId);
      const { conn } = await this.servers.link(server);
      peer = { server, session: await within(conn.create(), "session") };
      this.peers.set(key, peer);
    }
    return peer;
  }

  private async serverIndexOf(callId: string): Promise<number> {
    const at = await this.servers.locate(callId, this.roomOf(callId));
    if (at === null) throw new RoomGone(callId);
    return at;
  }

  /** The connection to the Janus holding the call's room; RoomGone when none does. */
  private async linkOf(callId: string): Promise<JanusLink> {
    return this.servers.link(await this.serverIndexOf(callId));
  }

  private async detach(h: VideoRoomHandle): Promise<void> {
    await h.detach().catch(() => undefined);
  }
}
