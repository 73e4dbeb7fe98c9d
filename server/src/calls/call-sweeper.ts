import type { DataSource } from "typeorm";
import type { CallsConfig } from "../config/calls.js";
import type { Logger } from "../shared/logger.js";

/** What the sweep does to what it finds (the calls service's steps, each one unit under the call's lock). */
export interface SweepActions {
  /** The ring timeout of a call found past it. */
  expire(appId: string, callId: string): Promise<void>;
  /** Drops a participant who is no longer a member. */
  drop(appId: string, callId: string, userId: string): Promise<void>;
  /** Drops whoever the socket still carries the call for (its socket gone past the grace). */
  dropSocket(appId: string, callId: string, socketId: string): Promise<void>;
  /** Posts a finished call's entry. */
  postEntry(appId: string, callId: string): Promise<void>;
  /** Which of these socket ids are connected on any node; undefined while no Socket.IO server is attached, or when it cannot tell. */
  liveSockets(ids: string[]): Promise<Set<string> | undefined>;
}

/** A sweep reads at most this many rows of each kind; the next one takes the rest. */
const SWEEP_BATCH = 200;
/** A finished call's entry is the ending node's to post (its commit hook) for this long, then anyone's. */
const ENTRY_HANDOFF_MS = 5000;

type Row = Record<string, unknown>;

/**
 * Every node, at start and every CALL_SWEEP_INTERVAL_SEC, finds in the database what timers would
 * have done on a node that is gone (a crash, a restart): calls ringing past their timeout (missed),
 * participants whose device has had no live socket on any node for the grace (dropped) or who are no
 * longer members of the conversation (dropped), finished calls whose entry was never posted. Several
 * nodes sweeping at once is harmless: each step rereads the call under its lock and does nothing
 * when another node got there first; an entry is posted once (its clientMessageId).
 */
export class CallSweeper {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  /** Socket id -> when this node first saw it gone (a grace counts from there). */
  private readonly absentSince = new Map<string, number>();

  constructor(
    private readonly deps: { db: DataSource; logger: Logger; actions: SweepActions },
    private readonly config: Pick<CallsConfig, "ringTimeoutMs" | "dropGraceMs" | "sweepIntervalMs">,
  ) {}

  start(): void {
    if (this.timer) return;
    const tick = (): void => {
      if (!this.timer) return; // stopped before this tick
      if (!this.deps.db.isInitialized) return void this.stop();
      void this.sweep().catch((err: unknown) => this.deps.db.isInitialized && this.deps.logger.warn({ err }, "call sweep failed"));
    };
    this.timer = setInterval(tick, this.config.sweepIntervalMs);
    this.timer.unref();
    setImmediate(tick);
  }

  /** No more sweeps; resolves once one under way is done. */
  stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    return (this.running ?? Promise.resolve()).catch(() => undefined);
  }

  /** One sweep (one at a time on this node); resolves when it is done. */
  sweep(now = Date.now()): Promise<void> {
    this.running ??= this.sweepOnce(now).finally(() => (this.running = undefined));
    return this.running;
  }

  private async sweepOnce(now: number): Promise<void> {
    const { db, actions } = this.deps;
    const rung: Row[] = await db.query(
      `SELECT DISTINCT c.id AS callId, c.appId AS appId FROM calls c JOIN call_participants p ON p.callId = c.id
        WHERE c.liveKey IS NOT NULL AND c.createdAt <= ? AND p.state IN ('invited', 'ringing') LIMIT ${SWEEP_BATCH}`,
      [now - this.config.ringTimeoutMs],
    );
    for (const r of rung) await this.each(() => actions.expire(String(r["appId"]), String(r["callId"])));

    // No longer a member: left, removed or banned while their node was down, or a hook that never ran.
    const strays: Row[] = await db.query(
      `SELECT p.callId AS callId, p.appId AS appId, p.userId AS userId FROM calls c JOIN call_participants p ON p.callId = c.id
         LEFT JOIN members mb ON mb.conversationId = c.conversationId AND mb.userId = p.userId
        WHERE c.liveKey IS NOT NULL AND p.state IN ('invited', 'ringing', 'joined') AND mb.userId IS NULL LIMIT ${SWEEP_BATCH}`,
    );
    for (const r of strays) await this.each(() => actions.drop(String(r["appId"]), String(r["callId"]), String(r["userId"])));

    await this.sweepSockets(now);

    const unposted: Row[] = await db.query(
      `SELECT id, appId FROM calls WHERE messageId IS NULL AND endedAt IS NOT NULL AND endedAt <= ? ORDER BY endedAt LIMIT ${SWEEP_BATCH}`,
      [now - ENTRY_HANDOFF_MS],
    );
    for (const r of unposted) await this.each(() => actions.postEntry(String(r["appId"]), String(r["id"])));
  }

  /** Participants in a call whose socket is gone from every node for the grace are dropped. */
  private async sweepSockets(now: number): Promise<void> {
    const joined: Row[] = await this.deps.db.query(
      `SELECT p.callId AS callId, p.appId AS appId, p.socketId AS socketId FROM calls c JOIN call_participants p ON p.callId = c.id
        WHERE c.liveKey IS NOT NULL AND p.state = 'joined' AND p.socketId IS NOT NULL LIMIT ${SWEEP_BATCH}`,
    );
    const ids = [...new Set(joined.map((r) => String(r["socketId"])))];
    const live = ids.length > 0 ? await this.deps.actions.liveSockets(ids) : new Set<string>();
    if (!live) return;
    for (const id of [...this.absentSince.keys()]) if (!ids.includes(id) || live.has(id)) this.absentSince.delete(id);
    for (const r of joined) {
      const socketId = String(r["socketId"]);
      if (live.has(socketId)) continue;
      const since = this.absentSince.get(socketId) ?? now;
      this.absentSince.set(socketId, since);
      if (now - since < this.config.dropGraceMs) continue;
      await this.each(() => this.deps.actions.dropSocket(String(r["appId"]), String(r["callId"]), socketId));
    }
  }

  /** One call's step; a failure is logged and the sweep goes on with the next. */
  private async each(fn: () => Promise<void>): Promise<void> {
    try {
      await fn();
    } catch (err) {
      this.deps.logger.warn({ err }, "call sweep: a step failed");
    }
  }
}
