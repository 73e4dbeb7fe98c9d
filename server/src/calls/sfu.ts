import type { DataSource } from "typeorm";
import type { Call, CallFeeds, CallSfuReply } from "@parley/sdk/protocol";
import type { JanusConfig } from "../config/calls.js";
import type { UserCaller } from "../shared/caller.js";
import { AppError, notFound } from "../shared/errors.js";
import type { Logger } from "../shared/logger.js";
import { callEnded } from "./call-machine.js";
import { readCall } from "./call-store.js";
import type { CallSfuInput } from "./calls.schema.js";
import { JanusRooms, RoomGone } from "./janus/janus-rooms.js";

/** How the SFU reaches a participant's device: `call.feeds` to one socket, on whatever node holds it. */
export interface SfuSockets {
  feeds(socketId: string, e: CallFeeds): void;
}

/**
 * Group calls (mode `sfu`) through Janus's VideoRoom: a room per call, created at its start with an
 * `allowed` token for each participant (held by the server only), destroyed when the call ends.
 * A joined participant's device sends its offers, answers and candidates here (`call.sfu`); the
 * server joins their publisher and subscriber handles in the room for them, so a non-participant
 * never reaches Janus, and Janus itself refuses a handle without the right token (433).
 *
 * Who publishes is asked of Janus (each publisher's `display` is its user id) and sent to the
 * joined participants (`call.feeds`) when a publisher's media is up and when someone leaves.
 *
 * Several Janus servers (JANUS_WS_URL, comma-separated): each call's room is placed on the least
 * loaded one (janus/janus-servers.ts). When this node loses one, every live group call whose room
 * is on no server that is up ends, for everyone in it or rung for it, with the reason `sfu_lost`;
 * a command for such a call, on a node that did not see the loss, ends it too.
 */
export class SfuCalls {
  readonly rooms: JanusRooms;
  /** The reconciliation under way after a loss, and whether another was asked for meanwhile. */
  private reconciling: Promise<void> | undefined;
  private again = false;

  constructor(
    private readonly deps: {
      db: DataSource;
      logger: Logger;
      sockets: () => SfuSockets | undefined;
      /** Ends a call whose room was lost with its server (reason `sfu_lost`). */
      lost: (appId: string, callId: string) => Promise<void>;
    },
    readonly config: Readonly<JanusConfig>,
  ) {
    this.rooms = new JanusRooms(config, deps.logger, () => void this.reconcile());
  }

  /** The participant limit of a call of this kind. */
  maxOf(video: boolean): number {
    return video ? this.config.maxVideo : this.config.maxAudio;
  }

  /** A joined participant's media command (calls.socket.ts). */
  async command(caller: UserCaller, socketId: string, input: CallSfuInput): Promise<CallSfuReply> {
    const { call, participants } = await readCall(this.deps.db.manager, caller.appId, input.callId);
    const me = participants.find((p) => p.userId === caller.user);
    if (!me) throw notFound("Call");
    if (call.state === "ended") throw callEnded();
    if (call.mode !== "sfu") throw new AppError("conflict", "This call is peer to peer: use call.signal", { reason: "not_sfu" });
    if (me.state !== "joined" || me.socketId !== socketId)
      throw new AppError("conflict", "This device is not in the call: accept it here first", { reason: "not_in_call" });
    const { callId, user } = { callId: call.id, user: caller.user };
    try {
      // Someone shut out when they left and back in since (a group call may be re-joined) is let in again.
      if (input.type === "publish" || input.type === "subscribe") await this.rooms.admit(callId, user);
      switch (input.type) {
        case "publish":
          return { sdp: await this.rooms.publishFor(callId, user, input.sdp!, () => this.announce(caller.appId, callId)) };
        case "subscribe": {
          const others = (await this.rooms.feeds(callId)).filter((f) => f.userId !== user);
          const sub = await this.rooms.subscribe(callId, user, others);
          return sub ? { sdp: sub.sdp, streams: sub.streams } : { streams: [] };
        }
        case "answer":
          await this.rooms.answer(callId, user, input.sdp!);
          return {};
        case "candidate":
          if (!(await this.rooms.trickle(callId, user, input.pc!, input.candidate ?? null)))
            throw new AppError("conflict", "Publish or subscribe first", { reason: "no_peer_connection" });
          return {};
      }
    } catch (err) {
      if (err instanceof AppError) throw err;
      if (err instanceof RoomGone) {
        this.background(this.deps.lost(caller.appId, callId), callId);
        throw new AppError("conflict", "This call's media server was lost: the call has ended", { reason: "sfu_lost" });
      }
      this.deps.logger.warn({ err, callId }, "janus refused a call.sfu command");
      throw new AppError("service_unavailable", "The SFU did not take this");
    }
  }

  /** Creates the call's room (before the call is stored: a Janus that is down fails the start). */
  async open(callId: string, userIds: string[], video: boolean): Promise<void> {
    try {
      await this.rooms.createRoom(callId, userIds, video);
    } catch (err) {
      this.deps.logger.warn({ err, callId }, "janus room not created");
      throw new AppError("service_unavailable", "Group calls are unavailable right now (the SFU did not answer)");
    }
  }

  /** After a commit: an ended call's room is destroyed; who left is out of the room, and the others hear of it. */
  async changed(appId: string, call: Call): Promise<void> {
    if (call.mode !== "sfu") return;
    if (call.state === "ended") {
      await this.rooms.destroyRoom(call.id);
      return;
    }
    // Whoever is no longer in it (left, dropped, removed from the conversation, banned) is shut
    // out of the room, whichever node holds their handles: a later accept lets them back in.
    const out = call.participants.filter((p) => p.state === "left" || p.state === "declined");
    const publishing = new Set((await this.rooms.feeds(call.id)).map((f) => f.userId));
    let left = false;
    for (const p of out) {
      if (!publishing.has(p.userId) && !this.rooms.holds(call.id, p.userId)) continue;
      await this.rooms.shutOut(call.id, p.userId);
      left = true;
    }
    if (left) this.announce(appId, call.id);
  }

  close(): Promise<void> {
    return this.rooms.close();
  }

  /**
   * After a Janus was lost: the live group calls (of every app) whose room no server that is up
   * holds are ended. A call a server did not answer for is left (it is not known to be lost).
   * One at a time; a loss during one runs another after it.
   */
  reconcile(): Promise<void> {
    if (this.reconciling) {
      this.again = true;
      return this.reconciling;
    }
    this.reconciling = (async () => {
      do {
        this.again = false;
        if (!this.deps.db.isInitialized) return;
        const live: { id: string; appId: string }[] = await this.deps.db.query("SELECT id, appId FROM calls WHERE liveKey IS NOT NULL AND mode = 'sfu'");
        for (const c of live) {
          const there = await this.rooms.exists(c.id).catch((err: unknown) => {
            this.deps.logger.warn({ err, callId: c.id }, "janus: where the call's room is could not be told");
            return true;
          });
          if (!there) await this.deps.lost(c.appId, c.id).catch((err: unknown) => this.background(Promise.reject(err), c.id));
        }
      } while (this.again);
    })()
      .catch((err: unknown) => this.background(Promise.reject(err), "reconcile"))
      .finally(() => (this.reconciling = undefined));
    return this.reconciling;
  }

  private background(p: Promise<unknown>, what: string): void {
    p.catch((err: unknown) => {
      if (this.deps.db.isInitialized) this.deps.logger.warn({ err, what }, "janus: a lost call not ended");
    });
  }

  /** Tells every joined participant's device who publishes now. */
  private announce(appId: string, callId: string): void {
    void (async () => {
      const [{ participants }, feeds] = await Promise.all([readCall(this.deps.db.manager, appId, callId), this.rooms.feeds(callId)]);
      const sockets = this.deps.sockets();
      const userIds = feeds.map((f) => f.userId);
      for (const p of participants) if (p.state === "joined" && p.socketId) sockets?.feeds(p.socketId, { callId, userIds });
    })().catch((err: unknown) => {
      if (this.deps.db.isInitialized) this.deps.logger.warn({ err, callId }, "call.feeds not sent");
    });
  }
}
