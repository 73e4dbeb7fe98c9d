import type { Presence } from "@parley/sdk/protocol";
import { isoOrNull } from "../shared/time.js";

export interface PresenceOptions {
  /** How long after the last socket closes a user still counts as online (reloads are no blip). */
  graceMs: number;
}

export type PresenceListener = (appId: string, p: Presence) => void;
type Listener = PresenceListener;

/** Who of some users is online, and the version that state has (see Presence.version). */
export interface PresenceSnapshotState {
  online: Set<string>;
  /** Undefined when no version can be had (Redis down): the client applies it unordered. */
  version: number | undefined;
}

/** Where a user's last-seen time is written when they go offline (UsersService). */
export interface LastSeen {
  markSeen(appId: string, userId: string, at: number): Promise<void>;
}

/**
 * Who is online: a user is online while at least one of their sockets is connected; offline
 * only `graceMs` after the last one closed. `lastSeenAt` is persisted when they go offline.
 *
 * Every change carries a version (microseconds, strictly increasing), given when the state
 * changes, so clients can put changes and snapshots in order whatever order they arrive in.
 */
export class PresenceService {
  private readonly sockets = new Map<string, number>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  protected readonly listeners = new Set<Listener>();
  protected closed = false;
  private lastVersion = 0;

  /** @param users where `lastSeenAt` is kept (the users service owns that table). */
  constructor(
    protected readonly users: LastSeen,
    protected readonly opts: PresenceOptions,
  ) {}

  /** Called for every state change (online / offline), e.g. to tell contacts. */
  onChange(fn: Listener): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  isOnline(userId: string): boolean {
    return (this.sockets.get(userId) ?? 0) > 0 || this.timers.has(userId);
  }

  /** `socketId` matters only to the Redis-backed presence (several nodes); in-process it is unused. */
  connected(appId: string, userId: string, _socketId?: string): void {
    const wasOnline = this.isOnline(userId);
    const timer = this.timers.get(userId);
    if (timer) {
      clearTimeout(timer);
      this.timers.delete(userId);
    }
    this.sockets.set(userId, (this.sockets.get(userId) ?? 0) + 1);
    if (!wasOnline) this.emit(appId, { userId, online: true, lastSeenAt: null, version: this.nextVersion() });
  }

  disconnected(appId: string, userId: string, _socketId?: string): void {
    if (this.closed) return;
    const left = (this.sockets.get(userId) ?? 1) - 1;
    if (left > 0) {
      this.sockets.set(userId, left);
      return;
    }
    this.sockets.delete(userId);
    this.timers.set(
      userId,
      setTimeout(() => {
        this.timers.delete(userId);
        if (this.isOnline(userId)) return;
        // Told at once, the write after: announced after the write, an offline could follow a
        // reconnect's online that happened meanwhile.
        const now = Date.now();
        this.emit(appId, { userId, online: false, lastSeenAt: isoOrNull(now), version: this.nextVersion() });
        void this.users.markSeen(appId, userId, now).catch(() => undefined);
      }, this.opts.graceMs),
    );
  }

  /** Who of `userIds` is online now, with a version above every change made so far. */
  async snapshot(userIds: string[]): Promise<PresenceSnapshotState> {
    return { online: new Set(userIds.filter((id) => this.isOnline(id))), version: this.nextVersion() };
  }

  /** Wall-clock microseconds, strictly increasing (two changes in one microsecond still order). */
  protected nextVersion(): number {
    this.lastVersion = Math.max(Date.now() * 1000, this.lastVersion + 1);
    return this.lastVersion;
  }

  /** Stops all pending timers (shutdown, tests). */
  close(): void {
    this.closed = true;
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
  }

  protected emit(appId: string, p: Presence): void {
    for (const fn of this.listeners) fn(appId, p);
  }
}
