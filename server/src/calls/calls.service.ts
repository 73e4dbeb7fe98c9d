import { In, type DataSource, type EntityManager } from "typeorm";
import { z } from "zod";
import type { Call, CallFeeds, CallSfuReply, CallSignal, ChatEvent, IceServersResponse, LiveCallsResponse, Page } from "@parley/sdk/protocol";
import type { CallsConfig } from "../config/calls.js";
import { isUniqueViolation } from "../db/db-errors.js";
import { keysetAfter } from "../db/keyset.js";
import type { UnitOfWork } from "../db/unit-of-work.js";
import { type Caller, isUserCaller, type ServerCaller, type UserCaller } from "../shared/caller.js";
import { decodeCursor, encodeCursor } from "../shared/cursor.js";
import { AppError, notFound } from "../shared/errors.js";
import { newId } from "../shared/ids.js";
import type { Logger } from "../shared/logger.js";
import { invalidField } from "../shared/validate.js";
import { CallEntity, CallParticipantEntity } from "./call.entities.js";
import { CallEntries, type CallEntriesDeps } from "./call-entries.js";
import { callEnded, type CallStep, step } from "./call-machine.js";
import { type CallPolicyDeps, whoToRing } from "./call-policy.js";
import type { CallInviteQuota } from "./call-quota.js";
import { insertCall, type LoadedCall, lockCall, ordered, readCall, saveCall } from "./call-store.js";
import { CallSweeper } from "./call-sweeper.js";
import { CallTimers } from "./call-timers.js";
import type { CallRefInput, CallSfuInput, CallSignalInput, HangUp, ListCalls, StartCall } from "./calls.schema.js";
import { presentCall } from "./calls.presenter.js";
import { iceServersFor } from "./ice-servers.js";
import { SfuCalls } from "./sfu.js";

/** What the calls service is built from. */
export interface CallsDeps extends CallPolicyDeps, CallEntriesDeps {
  db: DataSource;
  uow: UnitOfWork;
  quota: CallInviteQuota;
  logger: Logger;
}

/**
 * How the service reaches devices, given by the realtime layer once it is attached (calls.socket.ts):
 * one socket by id, on whatever node holds it, and which sockets are connected anywhere.
 */
export interface CallSockets {
  signal(socketId: string, signal: CallSignal): void;
  /** Group calls: who publishes now, to one joined participant's socket. */
  feeds(socketId: string, e: CallFeeds): void;
  /** Undefined when it cannot tell (a node did not answer): then nobody is dropped for it. */
  liveSockets(ids: string[]): Promise<Set<string> | undefined>;
}

const cursorSchema = z.tuple([z.number().int(), z.string().max(64)]);
const inProgress = (callId: string | null): AppError =>
  new AppError("conflict", "A call is already going on in this conversation", { reason: "call_in_progress", callId });

/**
 * Calls (issue 53): signalling decided by the server. One live call per conversation (the
 * database's unique `liveKey`); every step (ring, answer, decline, hang up, drop, ring timeout) is
 * one unit under the call's row lock through the state machine (call-machine.ts), and emits the
 * call as it now is to every member (`call.started`, `call.updated`, `call.ended`). WebRTC's offers,
 * answers and candidates go from one joined participant's device to another's, and to nobody else.
 * A finished call leaves a system entry in its conversation (call-entries.ts).
 *
 * Timers (the ring timeout, a closed socket's grace) run on the node that set them; the sweep on
 * every node (call-sweeper.ts) does what a dead node's timers did not.
 */
export class CallsService {
  private readonly timers = new CallTimers();
  private readonly entries: CallEntries;
  private readonly sweeper: CallSweeper;
  private sockets: CallSockets | undefined;
  /** Group calls through Janus (sfu.ts); none without JANUS_WS_URL. */
  readonly sfu: SfuCalls | undefined;

  constructor(
    private readonly deps: CallsDeps,
    private readonly config: Readonly<CallsConfig>,
  ) {
    this.entries = new CallEntries(deps);
    this.sfu = config.janus
      ? new SfuCalls(
          {
            db: deps.db,
            logger: deps.logger,
            sockets: () => this.sockets,
            lost: (appId, callId) => this.quietly(appId, callId, { kind: "end", reason: "sfu_lost" }),
          },
          config.janus,
        )
      : undefined;
    this.sweeper = new CallSweeper(
      {
        db: deps.db,
        logger: deps.logger,
        actions: {
          expire: (appId, callId) => this.expire(appId, callId),
          drop: (appId, callId, userId) => this.quietly(appId, callId, { kind: "drop", userId }),
          dropSocket: (appId, callId, socketId) => this.dropSocket(appId, callId, socketId),
          postEntry: (appId, callId) => this.entries.post(appId, callId),
          liveSockets: (ids) => this.sockets?.liveSockets(ids) ?? Promise.resolve(undefined),
        },
      },
      config,
    );
  }

  /** Starts the sweep (now, then every CALL_SWEEP_INTERVAL_SEC); it stops with the database or `stop()`. */
  startSweep(): void {
    this.sweeper.start();
  }

  /** Pauses the sweep (resolves once one under way is done; this node's timers keep going); `startSweep()` resumes it. */
  stopSweep(): Promise<void> {
    return this.sweeper.stop();
  }

  /** Stops the sweep and this node's timers (shutdown): what they would do is the sweep's on the next start. */
  stop(): void {
    void this.sweeper.stop();
    this.timers.stop();
    void this.sfu?.close();
  }

  /** One sweep now (tests, and a node that wants it sooner than its interval). */
  sweep(): Promise<void> {
    return this.sweeper.sweep();
  }

  /** The realtime layer plugs its sockets in (and out: undefined) here. */
  attachSockets(sockets: CallSockets | undefined): void {
    this.sockets = sockets;
  }

  /**
   * The unit of work's commit hook: a finished call's entry is posted; a member who left or was
   * removed (or banned) from a conversation is dropped from its call.
   */
  readonly onCommit = (appId: string, events: ChatEvent[]): void => {
    for (const e of events) {
      if (e.type === "call.ended") {
        this.timers.clearRing(e.data.call.id);
        this.background(this.entries.post(appId, e.data.call.id), "call entry not posted");
      }
      // A group call's room: destroyed when it ends; who left (or was dropped) is out of it.
      if ((e.type === "call.ended" || e.type === "call.updated") && this.sfu) this.background(this.sfu.changed(appId, e.data.call), "sfu room not updated");
      if (e.type === "member.removed") {
        this.background(this.dropMember(appId, e.data.conversationId, e.data.userId), "member not dropped from a call");
      }
    }
  };

  // --- Commands of a participant's device (calls.socket.ts) ---------------------------------------

  /** Rings the conversation's other member (or `invite`); the socket that asked carries the call for the caller. */
  async start(caller: UserCaller, socketId: string, input: StartCall): Promise<Call> {
    const { appId, user } = caller;
    await this.deps.quota.take(appId, user);
    const now = Date.now();
    let call: Call;
    const id = newId("call");
    let room = false;
    try {
      call = await this.deps.uow.run(async ({ m, emit }) => {
        const invitees = await whoToRing(this.deps, m, caller, input, this.sfu !== undefined);
        const live = await this.liveIn(m, input.conversationId);
        if (live) throw inProgress(live.id);
        // More than one to ring: a group call, its room made in Janus before the call is stored.
        const mode = invitees.length > 1 ? "sfu" : "p2p";
        if (mode === "sfu") {
          await this.sfu!.open(id, [user, ...invitees], input.video === true);
          room = true;
        }
        const row = Object.assign(new CallEntity(), {
          id,
          appId,
          conversationId: input.conversationId,
          kind: input.video ? "video" : "audio",
          mode,
          state: "ringing",
          startedBy: user,
          createdAt: now,
          answeredAt: null,
          endedAt: null,
          endReason: null,
          liveKey: input.conversationId,
          messageId: null,
        } satisfies CallEntity);
        const person = (userId: string, joined: boolean) =>
          Object.assign(new CallParticipantEntity(), {
            callId: row.id,
            userId,
            appId,
            state: joined ? "joined" : "invited",
            joinedAt: joined ? now : null,
            leftAt: null,
            socketId: joined ? socketId : null,
          } satisfies CallParticipantEntity);
        const loaded: LoadedCall = { call: row, participants: ordered([person(user, true), ...invitees.map((id) => person(id, false))], user) };
        await insertCall(m, loaded);
        const dto = presentCall(row, loaded.participants);
        emit(appId, [{ type: "call.started", conversationId: row.conversationId, data: { call: dto } }]);
        return dto;
      });
    } catch (err) {
      if (room) this.background(this.sfu!.rooms.destroyRoom(id), "sfu room not destroyed");
      // Another start in this conversation committed between our look and our insert (any node).
      if (isUniqueViolation(err)) throw inProgress((await this.liveIn(this.deps.db.manager, input.conversationId))?.id ?? null);
      throw err;
    }
    this.timers.carry(socketId, appId, call.id);
    this.timers.ring(call.id, this.config.ringTimeoutMs, () => this.background(this.expire(appId, call.id), "ring timeout failed"));
    return call;
  }

  /** An invitee's device rings (they show as `ringing`). */
  async ring(caller: UserCaller, input: CallRefInput): Promise<null> {
    await this.transition(caller.appId, input.callId, { kind: "ring", userId: caller.user });
    return null;
  }

  /** Answers on this device (or moves the call to it); the caller must still be a member of the conversation. */
  async accept(caller: UserCaller, socketId: string, input: CallRefInput): Promise<Call> {
    const call = await this.transition(caller.appId, input.callId, { kind: "accept", userId: caller.user, socketId }, async (m, loaded) => {
      await this.deps.membership.require(caller.appId, loaded.call.conversationId, caller.user, m);
      // A group call holds as many as the SFU's limit for its kind (CALL_GROUP_MAX_VIDEO/AUDIO).
      const { call, participants } = loaded;
      const max = call.mode === "sfu" && this.sfu ? this.sfu.maxOf(call.kind === "video") : Infinity;
      const inIt = participants.filter((p) => p.state === "joined" && p.userId !== caller.user).length;
      if (inIt >= max) throw new AppError("conflict", `This call has its ${max} participants: nobody else can join`, { reason: "call_full", max });
    });
    this.timers.carry(socketId, caller.appId, call.id);
    return call;
  }

  decline(caller: UserCaller, input: CallRefInput): Promise<Call> {
    return this.transition(caller.appId, input.callId, { kind: "decline", userId: caller.user });
  }

  /** Leaves (the caller, before an answer: cancels; an invitee: declines). */
  async hangUp(caller: UserCaller, socketId: string, input: HangUp): Promise<Call> {
    const call = await this.transition(caller.appId, input.callId, { kind: "hangup", userId: caller.user, ...(input.reason ? { reason: input.reason } : {}) });
    this.timers.drop(socketId, call.id);
    return call;
  }

  /**
   * Relays an offer, answer or candidate from the device that carries the call for the caller to
   * the one that carries it for `to`. Nothing is written; a call that is not live, or either end not
   * (or no longer) in it on those devices, is refused.
   */
  async signal(caller: UserCaller, socketId: string, input: CallSignalInput): Promise<null> {
    const { call, participants } = await readCall(this.deps.db.manager, caller.appId, input.callId);
    const me = participants.find((p) => p.userId === caller.user);
    if (!me) throw notFound("Call");
    if (call.state === "ended") throw callEnded();
    if (me.state !== "joined" || me.socketId !== socketId)
      throw new AppError("conflict", "This device is not in the call: accept it here first", { reason: "not_in_call" });
    const peer = input.to === caller.user ? undefined : participants.find((p) => p.userId === input.to);
    if (!peer) throw invalidField("to", "Not another participant of this call");
    if (peer.state !== "joined" || !peer.socketId) throw new AppError("conflict", "They are not in the call (yet)", { reason: "peer_not_in_call" });
    if (!this.sockets) throw new AppError("service_unavailable", "Signalling is not available on this node");
    const { callId, type, sdp, candidate } = input;
    this.sockets.signal(peer.socketId, {
      callId,
      from: caller.user,
      type,
      ...(sdp !== undefined ? { sdp } : {}),
      ...(candidate !== undefined ? { candidate } : {}),
    });
    return null;
  }

  /** A group call's media (publish, subscribe, answer, candidate) from the device that carries it (sfu.ts). */
  sfuCommand(caller: UserCaller, socketId: string, input: CallSfuInput): Promise<CallSfuReply> {
    if (!this.sfu) throw new AppError("conflict", "Group calls are not configured on this server", { reason: "sfu_not_configured" });
    return this.sfu.command(caller, socketId, input);
  }

  /**
   * A socket closed. The calls it carried: with its session ended (a logout, a ban, an account's
   * deletion) its user is dropped at once; else after the grace, unless by then they took the call
   * on another socket (a reload, a network change).
   */
  socketClosed(socketId: string, sessionActive: () => Promise<boolean>): void {
    const carried = this.timers.release(socketId);
    if (!carried) return;
    const dropAll = (): void => {
      for (const callId of carried.calls) this.background(this.dropSocket(carried.appId, callId, socketId), "participant not dropped");
    };
    void sessionActive().then(
      (active) => (active ? this.timers.grace(socketId, this.config.dropGraceMs, dropAll) : dropAll()),
      () => this.timers.grace(socketId, this.config.dropGraceMs, dropAll),
    );
  }

  // --- Reads and the host's backend ---------------------------------------------------------------

  /** STUN and TURN for the caller's peer connection (TURN credentials of their own). */
  iceServers(caller: UserCaller): IceServersResponse {
    return iceServersFor(this.config, caller.user);
  }

  /** The live calls the caller is rung for or in (a page that loads while its phone rings). */
  async live(caller: UserCaller): Promise<LiveCallsResponse> {
    const rows: { callId: string }[] = await this.deps.db.query(
      `SELECT p.callId AS callId FROM call_participants p JOIN calls c ON c.id = p.callId
        WHERE p.appId = ? AND p.userId = ? AND p.state IN ('invited', 'ringing', 'joined') AND c.liveKey IS NOT NULL`,
      [caller.appId, caller.user],
    );
    return { calls: await this.present(rows.map((r) => r.callId)) };
  }

  /** A conversation's calls, newest first: its members, or the host's backend. */
  async list(caller: Caller, q: ListCalls): Promise<Page<Call>> {
    if (isUserCaller(caller)) await this.deps.membership.require(caller.appId, q.conversationId, caller.user);
    else await this.deps.conversations.requireInApp(caller.appId, q.conversationId);
    const after = decodeCursor(cursorSchema, q.cursor);
    const qb = this.deps.db
      .getRepository(CallEntity)
      .createQueryBuilder("c")
      .select("c.id", "id")
      .addSelect("c.createdAt", "createdAt")
      .where("c.conversationId = :conversationId AND c.appId = :appId", { conversationId: q.conversationId, appId: caller.appId })
      .orderBy("c.createdAt", "DESC")
      .addOrderBy("c.id", "DESC")
      .limit(q.limit + 1);
    if (after) keysetAfter(qb, "desc", ["c.createdAt", "c.id"], after);
    const rows: { id: string; createdAt: number | string }[] = await qb.getRawMany();
    const page = rows.slice(0, q.limit);
    const last = page[page.length - 1];
    return {
      items: await this.present(page.map((r) => r.id)),
      nextCursor: rows.length > q.limit && last ? encodeCursor([Number(last.createdAt), last.id]) : null,
    };
  }

  /** The host's backend ends a call (ringing: cancelled; active: completed); an ended one is answered as it is. */
  end(caller: ServerCaller, input: CallRefInput): Promise<Call> {
    return this.transition(caller.appId, input.callId, { kind: "end" });
  }

  // --- Steps the server takes by itself ------------------------------------------------------------

  /** The ring timeout: unanswered invitees are missed (a call nobody answered ends `missed`). */
  async expire(appId: string, callId: string): Promise<void> {
    await this.quietly(appId, callId, { kind: "expire", ringTimeoutMs: this.config.ringTimeoutMs });
  }

  /** Drops whoever the socket still carries the call for (nobody, when they took it on another one). */
  private async dropSocket(appId: string, callId: string, socketId: string): Promise<void> {
    await this.quietly(appId, callId, (loaded) => {
      const who = loaded.participants.find((p) => p.state === "joined" && p.socketId === socketId);
      return who ? { kind: "drop", userId: who.userId } : null;
    });
  }

  /** A member left or was removed from a conversation: out of its live call, if they are in it. */
  private async dropMember(appId: string, conversationId: string, userId: string): Promise<void> {
    const live = await this.liveIn(this.deps.db.manager, conversationId);
    if (live && live.appId === appId)
      await this.quietly(appId, live.id, (l) => (l.participants.some((p) => p.userId === userId) ? { kind: "drop", userId } : null));
  }

  // --- The one way a call changes ------------------------------------------------------------------

  /**
   * One step in one unit: the call read under its lock, `check` (who may), the state machine (the
   * step itself, or chosen from what was read: none, nothing to do), the rows written, and the call
   * as it now is emitted to the conversation's members when they see a difference. Answers the call.
   */
  private async transition(
    appId: string,
    callId: string,
    s: CallStep | ((loaded: LoadedCall) => CallStep | null),
    check?: (m: EntityManager, loaded: LoadedCall) => Promise<void>,
  ): Promise<Call> {
    return this.deps.uow.run(async ({ m, emit }) => {
      const loaded = await lockCall(m, appId, callId);
      if (check && loaded.call.state !== "ended") await check(m, loaded);
      const chosen = typeof s === "function" ? s(loaded) : s;
      const result = chosen ? step(loaded.call, loaded.participants, chosen, Date.now()) : null;
      if (result?.changed) await saveCall(m, loaded);
      const call = presentCall(loaded.call, loaded.participants);
      // A dropped participant may no longer be a member (removed, left): they hear of it as its subject.
      const subject = chosen?.kind === "drop" ? chosen.userId : null;
      if (result?.visible)
        emit(appId, [{ type: result.ended ? "call.ended" : "call.updated", conversationId: loaded.call.conversationId, userId: subject, data: { call } }]);
      return call;
    });
  }

  /** A step the server takes by itself: a call that is gone (its app deleted) is nothing to do. */
  private async quietly(appId: string, callId: string, s: CallStep | ((loaded: LoadedCall) => CallStep | null)): Promise<void> {
    try {
      await this.transition(appId, callId, s);
    } catch (err) {
      if (!(err instanceof AppError && err.code === "not_found")) throw err;
    }
  }

  /** The conversation's live call, if any (exact match: MySQL's collation would match another case). */
  private async liveIn(m: EntityManager, conversationId: string): Promise<CallEntity | null> {
    const row = await m.getRepository(CallEntity).findOneBy({ liveKey: conversationId });
    return row && row.liveKey === conversationId ? row : null;
  }

  /** Calls by id, presented, in the given order: two queries whatever their number. */
  private async present(ids: string[]): Promise<Call[]> {
    if (ids.length === 0) return [];
    const [calls, parts] = await Promise.all([
      this.deps.db.getRepository(CallEntity).findBy({ id: In(ids) }),
      this.deps.db.getRepository(CallParticipantEntity).findBy({ callId: In(ids) }),
    ]);
    const byId = new Map(calls.map((c) => [c.id, c]));
    return ids.flatMap((id) => {
      const c = byId.get(id);
      return c
        ? [
            presentCall(
              c,
              ordered(
                parts.filter((p) => p.callId === id),
                c.startedBy,
              ),
            ),
          ]
        : [];
    });
  }

  /** Work that must not fail its caller (a timer, a hook): logged when it fails, unless the database is closed. */
  private background(p: Promise<unknown>, what: string): void {
    p.catch((err: unknown) => {
      if (this.deps.db.isInitialized) this.deps.logger.warn({ err }, what);
    });
  }
}
